"""Drive a real LibreOffice Writer through the extension's own functions (run with the system
Python that has the UNO bridge, /usr/bin/python3 on Debian: python3-uno; not the venv's).

    /usr/bin/python3 tests/libreoffice_driver.py STEPS.json

STEPS.json: ``{"profile": DIR, "extension": EXT_SOURCES_DIR, "oxt": FILE.oxt or null,
"steps": [...]}``. With ``oxt`` the extension is installed into the private profile with
``unopkg add`` first, as a user would. Then headless soffice is started with that profile and a
UNO socket on a free port of 127.0.0.1, and the steps run in order:

- ``{"op": "open", "path": P}``: load the document (hidden);
- ``{"op": "cite", "after": TEXT, "type": " ", "cites": [...]}``: put the cursor after TEXT,
  type what ``type`` says (nothing by default) and call
  ``writer.insert_citation`` (what Add Citation does once the picker answers);
- ``{"op": "pick_cite", "after": TEXT}``: Add Citation with the running app: its picker (the
  test answers it), then the insert after TEXT;
- ``{"op": "bibliography", "after": TEXT}``: ``writer.insert_bibliography`` there;
- ``{"op": "cursor", "after": TEXT, "type": " "}``: the view cursor there, before a button;
- ``{"op": "wait_citations", "count": N}``: until N citations show rendered text and the
  refresh that rendered them is over (the views unlocked again), for a button whose work runs
  on a thread (Add Citation waits for the pick): saving or closing the document while that
  refresh still edits it raced it (a save without the bibliography, soffice's heap corrupted);
- ``{"op": "preferences", "style": S, "locale": L}``: ``writer.set_preferences``;
- ``{"op": "refresh", "style": S, "locale": L}``: ``writer.refresh`` (the Refresh button); its
  result says how many citations were refreshed and how many of them rewritten;
- ``{"op": "refresh_twice", "style": S}``: two refreshes at once, on two threads;
- ``{"op": "dispatch", "url": "bibliofile:Refresh"}``: the toolbar's command through the
  installed extension (LibreOffice's dispatcher, as a click on the button does); its result has
  ``dispatch_seconds`` (until the command returned) and ``settled_seconds`` (until Writer had
  laid the document out again), then the citations' texts, read from here (not timed);
- ``{"op": "close_during", "url": U}``: the document closed (handed over, as its window does)
  while the command ``U`` refreshes on another thread;
- ``{"op": "undo"}`` / ``{"op": "redo"}`` (``"times": N``): Edit > Undo / Redo, then the
  citations' texts;
- ``{"op": "save", "path": P}`` / ``{"op": "close"}``.

Each step's result is printed as one JSON line on stdout; soffice is terminated at the end and
its process group killed after (soffice.bin can outlive the launcher). The test runs this
script in a process group of its own and kills it on timeout, and kills soffice's group (its
pid is the first line printed), so no soffice outlives a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(steps_file: str) -> int:
    spec = json.loads(Path(steps_file).read_text(encoding="utf-8"))
    sys.path.insert(0, str(Path(spec["extension"]) / "pythonpath"))
    import uno  # noqa: I001 (after sys.path names the extension's pythonpath)
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException

    from bibliofile_office import app_link, writer

    profile = Path(spec["profile"]).resolve().as_uri()
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    if spec.get("oxt") and os.geteuid() != 0:
        done = subprocess.run(
            ["unopkg", "add", "--suppress-license", f"-env:UserInstallation={profile}", spec["oxt"]],
            env=env, capture_output=True, text=True, timeout=180,
        )
        emit({"op": "unopkg", "rc": done.returncode, "stderr": done.stderr[-2000:]})
        if done.returncode != 0:
            return 1
    port = free_port()
    # soffice is a script that starts oosplash, which starts soffice.bin: a process group of
    # its own lets one signal end them all (the test kills it too, from the pid said here).
    soffice = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--invisible", "--nologo",
         "--norestore", "--nodefault", f"--accept=socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    emit({"op": "soffice", "pgid": soffice.pid})
    desktop: Any = None
    doc: Any = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if soffice.poll() is not None or time.monotonic() > deadline:
                    emit({"op": "start", "error": f"soffice did not listen (exit {soffice.poll()})"})
                    return 1
                time.sleep(0.3)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        if spec.get("oxt") and os.geteuid() == 0:
            # unopkg refuses root without --shared (which would change the machine's own
            # LibreOffice); root (CI) installs through the extension manager of the running
            # soffice instead, as Tools > Extensions does.
            manager = ctx.getValueByName("/singletons/com.sun.star.deployment.ExtensionManager")
            env_log: list[str] = []
            added = manager.addExtension(Path(spec["oxt"]).resolve().as_uri(), (), "user", None, _command_env(env_log))
            if env_log:
                emit({"op": "install-notes", "notes": env_log})
            emit({"op": "install", "identifier": added.getIdentifier().Value})

        def props(**kw: Any) -> tuple[Any, ...]:
            out = []
            for k, v in kw.items():
                p = PropertyValue()
                p.Name, p.Value = k, v
                out.append(p)
            return tuple(out)

        for step in spec["steps"]:
            op = step["op"]
            result: dict[str, Any] = {"op": op}
            started = time.monotonic()
            try:
                if op == "open":
                    doc = desktop.loadComponentFromURL(Path(step["path"]).resolve().as_uri(), "_blank", 0, props(Hidden=True))
                elif op == "cite":
                    writer.insert_citation(doc, step["cites"], _after(doc, step["after"], step.get("type", "")))
                elif op == "pick_cite":  # Add Citation: the running app's picker, then the insert
                    cites = app_link.pick()
                    result["cites"] = [c.get("id") for c in cites or []]
                    if cites:
                        writer.insert_citation(doc, cites, _after(doc, step["after"], step.get("type", "")))
                elif op == "cursor":  # the writer clicks after TEXT (and types), before a button
                    _after(doc, step["after"], step.get("type", ""))
                elif op == "wait_citations":  # until a button's work on its own thread is done
                    deadline = time.monotonic() + float(step.get("timeout", 60))
                    while True:
                        texts = [f.mark.getAnchor().getString() for f in writer.citations(doc)]
                        # the placeholder is rewritten only inside the refresh, which holds the
                        # views locked until its last edit
                        if len(texts) >= step["count"] and "{Citation}" not in texts and not doc.hasControllersLocked():
                            break
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"citations now: {texts}")
                        time.sleep(0.2)
                    result["citations"] = texts
                elif op == "preferences":  # what Document Preferences does once its dialog is answered
                    writer.set_preferences(doc, step["style"], step.get("locale"))
                elif op == "bibliography":
                    writer.insert_bibliography(doc, _after(doc, step["after"]))
                elif op == "refresh":
                    report = writer.refresh(doc, step.get("style"), step.get("locale"))
                    result.update(message=report.message(), via=report.via, refreshed=report.refreshed,
                                  rewritten=report.rewritten, entries=report.entries, problems=report.problems)
                elif op == "refresh_twice":  # two refreshes at once, as a button and Add Citation's thread can
                    result["errors"] = _refresh_twice(writer, doc, step.get("style"))
                    result["citations"] = [f.mark.getAnchor().getString() for f in writer.citations(doc)]
                elif op == "dispatch":
                    frame = doc.getCurrentController().getFrame()
                    helper = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
                    answer = helper.executeDispatch(frame, step["url"], "", 0, ())
                    # the command's own time (a dispatch returns when its handler does), then
                    # until Writer has laid the document out again (the page count waits for it)
                    result["dispatch_seconds"] = round(time.monotonic() - started, 3)
                    result["pages"] = doc.getCurrentController().PageCount
                    result["settled_seconds"] = round(time.monotonic() - started, 3)
                    result["answer"] = str(getattr(answer, "Result", answer))
                    result["citations"] = [f.mark.getAnchor().getString() for f in writer.citations(doc)]
                elif op == "close_during":  # the window closed while a button's refresh runs
                    result.update(_close_during(smgr, ctx, doc, step["url"]))
                    doc = None
                elif op in ("undo", "redo"):  # Edit > Undo / Redo, as often as "times" says
                    manager = doc.getUndoManager()
                    for _ in range(int(step.get("times", 1))):
                        manager.undo() if op == "undo" else manager.redo()
                    result["citations"] = [f.mark.getAnchor().getString() for f in writer.citations(doc)]
                elif op == "save":
                    doc.storeToURL(Path(step["path"]).resolve().as_uri(), props(FilterName="writer8"))
                elif op == "close":
                    doc.close(True)
                    doc = None
                else:
                    raise ValueError(f"unknown step {op}")
                result["seconds"] = round(time.monotonic() - started, 3)
            except Exception as exc:  # the test reads what failed, with the step
                result["error"] = f"{type(exc).__name__}: {exc}"
                emit(result)
                return 1
            emit(result)
        return 0
    finally:
        if doc is not None:  # closed first, so no lock file is left beside it
            with contextlib.suppress(Exception):
                doc.close(True)
        if desktop is not None:
            with contextlib.suppress(Exception):  # the bridge goes down with soffice: expected
                desktop.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            soffice.wait(20)
        with contextlib.suppress(ProcessLookupError):  # soffice.bin outlives its launcher's exit
            os.killpg(soffice.pid, signal.SIGKILL)


def _close_during(smgr: Any, ctx: Any, doc: Any, url: str) -> dict[str, Any]:
    """Dispatch ``url`` on a thread and, once its refresh has locked the views, close the
    document as its window does (handing it over): whether the close was refused, whether
    the document was closed once the refresh was done, and what the dispatch raised."""
    import threading

    frame = doc.getCurrentController().getFrame()
    helper = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    errors: list[str] = []

    def press() -> None:
        try:
            helper.executeDispatch(frame, url, "", 0, ())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=press)
    thread.start()
    deadline = time.monotonic() + 60
    while not doc.hasControllersLocked():
        if time.monotonic() > deadline or not thread.is_alive():
            raise TimeoutError("the refresh never locked the views")
        time.sleep(0.02)
    try:
        doc.close(True)
        refused = ""
    except Exception as exc:  # CloseVetoException
        refused = type(exc).__name__.rsplit(".", 1)[-1]
    thread.join(300)
    try:
        doc.getURL()
        closed = False
    except Exception:  # DisposedException: closed
        closed = True
    return {"refused": refused, "closed_after": closed, "errors": errors, "done": not thread.is_alive()}


def _refresh_twice(writer: Any, doc: Any, style: str | None) -> list[str]:
    """Two ``writer.refresh`` calls on two threads at once; what they raised."""
    import threading

    errors: list[str] = []

    def one() -> None:
        try:
            writer.refresh(doc, style)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return errors


def _after(doc: Any, text: str, typed: str = "") -> Any:
    """The view cursor put just after the first ``text`` in the document, as a writer clicking
    there would, and ``typed`` typed there (the space a writer types before a citation)."""
    search = doc.createSearchDescriptor()
    search.SearchString = text
    found = doc.findFirst(search)
    if found is None:
        raise ValueError(f"“{text}” is not in the document")
    cursor = doc.getCurrentController().getViewCursor()
    cursor.gotoRange(found.getEnd(), False)
    if typed:
        cursor.getText().insertString(cursor, typed, False)
    return cursor


def _command_env(log: list[str]) -> Any:
    """An XCommandEnvironment for the extension manager: approves what it asks (as a user
    clicking OK would) and keeps the requests' text, so a failure says why."""
    import unohelper
    from com.sun.star.task import XInteractionApprove, XInteractionHandler
    from com.sun.star.ucb import XCommandEnvironment, XProgressHandler

    class Handler(unohelper.Base, XInteractionHandler):
        def handle(self, request: Any) -> None:
            try:
                req = request.getRequest()
                log.append(f"{getattr(req, 'typeName', type(req).__name__)}: {getattr(req, 'Message', '')}")
            except Exception as exc:  # a request pyuno cannot convert: keep going, say so
                log.append(f"(unreadable request: {exc})")
            for c in request.getContinuations():
                if c.queryInterface(uno.getTypeByName("com.sun.star.task.XInteractionApprove")) is not None:
                    c.select()
                    return

    class Progress(unohelper.Base, XProgressHandler):
        def push(self, status: Any) -> None:
            pass

        def update(self, status: Any) -> None:
            pass

        def pop(self) -> None:
            pass

    class Env(unohelper.Base, XCommandEnvironment):
        def getInteractionHandler(self) -> Any:
            return Handler()

        def getProgressHandler(self) -> Any:
            return Progress()

    import uno

    del XInteractionApprove
    return Env()


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
