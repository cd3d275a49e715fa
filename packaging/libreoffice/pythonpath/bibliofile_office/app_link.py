"""Talking to Bibliofile from Writer: the running app's token endpoint, else the command line.

The app, while it runs, answers on 127.0.0.1 (the cite-as-you-write server, its port chosen at
start) to ``POST /bibliofile/render`` and ``POST /bibliofile/pick`` when the request carries
the token the app made at its start. It writes port and token to ``office-endpoint.json`` in
its state folder (platformdirs' ``user_state_path("Bibliofile", appauthor=False)``, mode 0600:
only this user can read it, so no other user and no web page can drive it) and removes the
file when it quits. ``state_dir`` below finds the same folder without platformdirs, which
LibreOffice's Python lacks.

When the app is not running (no file, or nobody answers on its port), rendering falls back to
``bibliofile cite --clusters`` over the data the citations embed: the command is
``$BIBLIOFILE_COMMAND`` (split like a shell would), else the one the app recorded in
``office-command.json`` at its last start, else ``bibliofile`` on the PATH.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from bibliofile_office import marks

APP = "Bibliofile"
ENDPOINT_FILE = "office-endpoint.json"
COMMAND_FILE = "office-command.json"
TOKEN_HEADER = "X-Bibliofile-Token"
RENDER_TIMEOUT = 60.0
PICK_TIMEOUT = 3600.0  # the user is choosing in the app's picker
CLI_TIMEOUT = 120.0
NOT_RUNNING = "Bibliofile is not running"


class AppNotRunning(Exception):
    """No app to ask (no endpoint file, or nobody answers at its port)."""


class LinkError(Exception):
    """The app or the command line answered with an error; ``str()`` says what."""


def state_dir() -> str:
    """platformdirs' ``user_state_dir("Bibliofile", appauthor=False)``, computed the same way."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, APP)
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Application Support", APP)
    base = os.environ.get("XDG_STATE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, APP)


def endpoint() -> Tuple[int, str]:
    """(port, token) of the running app, or AppNotRunning."""
    path = os.path.join(state_dir(), ENDPOINT_FILE)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise AppNotRunning(NOT_RUNNING) from exc
    port, token = data.get("port"), data.get("token")
    if not isinstance(port, int) or not isinstance(token, str) or not token:
        raise AppNotRunning(NOT_RUNNING)
    if not _alive(data.get("pid")):  # left behind by an app that crashed
        raise AppNotRunning(NOT_RUNNING)
    return port, token


def _alive(pid: Any) -> bool:
    """Whether the process that wrote the file still runs (not asked on Windows, where
    ``os.kill`` would end it; a dead port answers there instead)."""
    if sys.platform == "win32" or not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it exists
        return True
    return True


def post(route: str, payload: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    """POST JSON to the app's ``/bibliofile/<route>`` with its token; its JSON answer."""
    port, token = endpoint()
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        "http://127.0.0.1:%d/bibliofile/%s" % (port, route),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", TOKEN_HEADER: token},
    )
    # No proxies: 127.0.0.1 is asked directly even where http_proxy is set.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # another program took the port of an app that is gone
            raise AppNotRunning(NOT_RUNNING) from exc
        text = exc.read().decode("utf-8", "replace").strip()
        raise LinkError("Bibliofile answered %d: %s" % (exc.code, text)) from exc
    except (urllib.error.URLError, ConnectionError) as exc:
        raise AppNotRunning(NOT_RUNNING) from exc
    except OSError as exc:  # a timeout
        raise LinkError("Bibliofile did not answer (%s)" % exc) from exc
    except ValueError as exc:
        raise LinkError("Bibliofile's answer is not JSON (%s)" % exc) from exc
    if not isinstance(answer, dict):
        raise LinkError("Bibliofile's answer is not a JSON object")
    return answer


class Rendered(object):
    """Every citation's runs, the bibliography's entries, the items as the app knows them now
    (None from the command line: the embedded ones stay), how it was rendered, and the list's
    layout (the app only: the command line's HTML does not say)."""

    def __init__(self, citations: List[List[marks.Run]], entries: List[List[marks.Run]],
                 items: Optional[List[List[Dict[str, Any]]]], via: str, problems: List[str],
                 layout: Optional[Dict[str, Any]] = None, note_style: Optional[bool] = None) -> None:
        self.citations = citations
        self.entries = entries
        self.items = items
        self.via = via
        self.problems = problems
        self.layout = layout  # hanging indent and spacing; None: the paragraphs keep theirs
        self.note_style = note_style  # whether the style puts citations in footnotes; None: not known


def render(request: Dict[str, Any]) -> Rendered:
    """Render with the running app (its library's current data), else with the command line."""
    try:
        answer = post("render", request, RENDER_TIMEOUT)
    except AppNotRunning:
        return render_with_cli(request)
    citations = answer.get("citations")
    entries = answer.get("bibliography")
    if not isinstance(citations, list) or not isinstance(entries, list) or len(citations) != len(request["citations"]):
        raise LinkError("Bibliofile's answer does not fit the citations asked")
    items = answer.get("items")
    return Rendered(
        [marks.html_runs(str(h)) for h in citations],
        [marks.html_runs(str(h)) for h in entries],
        items if isinstance(items, list) and len(items) == len(citations) else None,
        "app",
        [str(p) for p in answer.get("problems") or []],
        answer.get("layout") if isinstance(answer.get("layout"), dict) else None,
        bool(answer.get("note_style")),
    )


def note_style(style: str, locale: Optional[str]) -> Optional[bool]:
    """Whether the running app says ``style`` puts citations in footnotes; None without the
    app (the command line's answer does not say, so citations then stay where they are).
    A refresh learns it from its render's answer (``Rendered.note_style``) instead."""
    request: Dict[str, Any] = {"citations": [], "style": style}
    if locale:
        request["locale"] = locale
    try:
        answer = post("render", request, RENDER_TIMEOUT)
    except AppNotRunning:
        return None
    return bool(answer.get("note_style"))


def command() -> List[str]:
    """How to run ``bibliofile`` (see the module doc), or LinkError."""
    env = os.environ.get("BIBLIOFILE_COMMAND", "").strip()
    if env:
        return shlex.split(env)
    try:
        with open(os.path.join(state_dir(), COMMAND_FILE), encoding="utf-8") as fh:
            recorded = json.load(fh).get("command")
        if isinstance(recorded, list) and recorded and all(isinstance(a, str) for a in recorded):
            if os.path.exists(recorded[0]):
                return list(recorded)
    except (OSError, ValueError, AttributeError):
        pass
    found = shutil.which("bibliofile")
    if found:
        return [found]
    raise LinkError("%s, and no bibliofile command was found to refresh without it: start Bibliofile once" % NOT_RUNNING)


def render_with_cli(request: Dict[str, Any]) -> Rendered:
    """``bibliofile cite --input ITEMS --clusters CLUSTERS --format html`` over the data the
    citations embed; the library is not needed."""
    count = len(request["citations"])
    if not count:
        return Rendered([], [], None, "cli", [])
    with tempfile.TemporaryDirectory(prefix="bibliofile-office-") as tmp:
        items_path = os.path.join(tmp, "items.json")
        clusters_path = os.path.join(tmp, "clusters.json")
        with open(items_path, "w", encoding="utf-8") as fh:
            json.dump(marks.embedded_items(request), fh)
        with open(clusters_path, "w", encoding="utf-8") as fh:
            json.dump(request["citations"], fh)
        args = command() + ["--library", os.path.join(tmp, "none.sqlite"), "cite", "--input", items_path,
                            "--clusters", clusters_path, "--style", str(request.get("style") or marks.DEFAULT_STYLE),
                            "--format", "html"]
        if request.get("locale"):
            args += ["--locale", str(request["locale"])]
        try:
            done = subprocess.run(args, capture_output=True, timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LinkError("%s, and running %s failed: %s" % (NOT_RUNNING, args[0], exc)) from exc
    err = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise LinkError("%s, and the bibliofile command failed: %s" % (NOT_RUNNING, err or done.returncode))
    citations, bibliography = marks.parse_cli_output(done.stdout.decode("utf-8"), count)
    problems = [line[len("note: "):] for line in err.splitlines() if line.startswith("note: ")]
    return Rendered([marks.html_runs(h) for h in citations], marks.bibliography_runs(bibliography), None, "cli", problems)


def pick() -> Optional[List[Dict[str, Any]]]:
    """The cites the user picks in the app's quick citation picker (CSL cite-items with
    ``itemData``), None when cancelled; AppNotRunning without the app."""
    answer = post("pick", {}, PICK_TIMEOUT)
    cites = answer.get("cites")
    if not isinstance(cites, list) or not cites:
        return None
    return [c for c in cites if isinstance(c, dict) and c.get("id")]
