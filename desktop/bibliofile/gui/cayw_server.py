"""The cite-as-you-write endpoint: Better BibTeX's ``/better-bibtex/cayw`` URL, answered by us.

Editor plugins (pandoc filters' helpers, VS Code, Vim, Emacs, Obsidian) fetch
``http://127.0.0.1:23119/better-bibtex/cayw?format=pandoc``: the app comes forward with its
citation picker, and the response is the picked cites in that format
(``services/cayw_formats.py``), or an empty body when the user cancels, as Better BibTeX does
(its handler: retorquere/zotero-better-bibtex ``content/cayw.ts``; its documentation:
``site/content/citing/cayw.md``). ``probe=1`` answers ``ready`` without a picker.

Why a stdlib ``ThreadingHTTPServer`` on a thread, not a ``QTcpServer``: each request has to wait
(for minutes) for the user's pick, and a thread per request is the plain way to wait; the
stdlib parses HTTP (request line, header limits, bad requests) so we write no parser of our
own; and the GUI thread never touches a socket. A request reaches the GUI only as a queued
signal carrying a ``PickRequest``; the GUI answers it by calling ``finish`` (a
``threading.Event`` the request's thread waits on). The GUI thread never waits for the server.

Who may ask (nobody else on the network, and no web page):
- the socket is bound to 127.0.0.1 only;
- a request with an ``Origin`` header is refused (403): browsers send it with scripted
  cross-origin requests, editors never do; so is one whose ``Sec-Fetch-Site`` is anything but
  ``none`` (a page's ``<img src>`` or link: no Origin, but that header), while typing the URL
  into the address bar (``none``) still works, as Better BibTeX's documentation suggests for
  testing;
- the ``Host`` must be ``127.0.0.1`` or ``localhost`` (with our port, or none): a DNS-rebinding
  page arrives with its own host name and is refused;
- only GET (405 otherwise, with ``Allow: GET``), only the one path (404), no CORS headers, so no
  page can read an answer.

The Writer extension (packaging/libreoffice/) uses the same server, on two routes of its own
that need the token the app made at this start (``X-Bibliofile-Token``; the extension reads it
from ``office-endpoint.json``, which only the user can read: services/office_render.py), so
neither another user of the machine nor a web page can use them, on top of the checks above:
``POST /bibliofile/render`` (the document's citations in order, rendered with the library's
data, answered as JSON) and ``POST /bibliofile/pick`` (the picker, answered with the cites as
CSL cite-items carrying their CSL-JSON).

One pick at a time: a request that comes while a picker is open (from an editor or from
Edit > Insert Citation…) is answered 409 at once rather than queued: a queue would pop up
pickers one after another for requests the editor may have given up on. Options Better BibTeX
also takes and that need Zotero's windows (``minimize``, ``texstudio``, ``select``,
``selected``) are ignored; ``clipboard`` copies the answer, as there.
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PySide6.QtCore import QObject, Signal

from bibliofile.services.cayw_formats import CaywFormatError, PickedCite, check_format, format_cites

log = logging.getLogger(__name__)

DEFAULT_PORT = 23119  # Zotero's connector port, where Better BibTeX answers
PORT_TRIES = 11  # 23119, then 23120 … 23129 when taken (Zotero itself may hold 23119)
PATH = "/better-bibtex/cayw"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
BUSY_TEXT = "Bibliofile is already picking a citation: finish or cancel that pick first.\n"
RENDER_PATH = "/bibliofile/render"  # the Writer extension's routes (token only)
OFFICE_PICK_PATH = "/bibliofile/pick"
TOKEN_HEADER = "X-Bibliofile-Token"
MAX_BODY = 32 * 1024 * 1024  # a long thesis's citations with their items: a few MB
RENDER_WAIT = 120.0  # seconds a render may take before the extension is told so


@dataclass(eq=False)
class RenderRequest:
    """The Writer extension's citations to render, waiting on its thread for the GUI's task.
    ``finish(result)`` answers (``None``: the app is closing; ``error`` for a bad request);
    the first answer counts."""

    payload: Any
    result: dict[str, Any] | None = None
    error: str = ""
    _done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self, result: dict[str, Any] | None, error: str = "") -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.result, self.error = result, error
            self._done.set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


@dataclass(eq=False)
class PickRequest:
    """One editor's request, waiting on its thread for the GUI's answer.

    ``finish(cites)`` answers it (``None``: cancelled); only the first answer counts, so a
    window closing and a picker's own ``rejected`` cannot race."""

    fmt: str
    options: dict[str, str]
    cites: list[PickedCite] | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    _done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self, cites: list[PickedCite] | None, defaults: Mapping[str, str] | None = None) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.cites = list(cites) if cites else None
            self.defaults = dict(defaults or {})
            self._done.set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class PickGate:
    """One pick at a time, whoever opened it (an editor's request or the Edit menu)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False

    def try_enter(self) -> bool:
        with self._lock:
            if self._busy:
                return False
            self._busy = True
            return True

    def leave(self) -> None:
        with self._lock:
            self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy


def refusal(header_pairs: Iterable[tuple[str, str]], port: int) -> str | None:
    """Why a request with these headers may not drive the picker (403), or None. See the
    module doc. Names are matched in any case; a Host, Origin or Sec-Fetch-Site sent twice
    is refused rather than guessed at."""
    headers: dict[str, str] = {}
    for name, value in header_pairs:
        key = name.strip().lower()
        if key in headers and key in ("host", "origin", "sec-fetch-site"):
            return f"the {name} header is sent twice"
        headers[key] = value
    if headers.get("origin") is not None:
        return "requests from web pages (with an Origin header) are refused"
    site = headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() != "none":
        return "requests a web page makes (Sec-Fetch-Site) are refused"
    host = (headers.get("host") or "").strip().lower()
    if not host:
        return "a request without a Host header is refused"
    name, _, host_port = host.rpartition(":") if ":" in host else (host, "", "")
    if name not in LOCAL_HOSTS or host_port not in ("", str(port)):
        return f"only 127.0.0.1 and localhost may ask (Host: {host})"
    return None


def query_options(query: str) -> dict[str, str]:
    """URL parameters, the first value of each (``probe``, ``format``, ``brackets``…)."""
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items() if v}


class CaywHttpServer(ThreadingHTTPServer):
    """The HTTP server; ``on_pick`` hands a request to the GUI (from the request's thread)."""

    daemon_threads = True  # a request still waiting for a pick does not hold up the app's exit
    # SO_REUSEADDR lets a restarted app take its port back from a closing connection on
    # Linux and macOS; on Windows it would let two programs share the port, so not there.
    allow_reuse_address = sys.platform != "win32"

    def __init__(
        self,
        port: int,
        on_pick: Callable[[PickRequest], None],
        on_copy: Callable[[str], None],
        gate: PickGate,
        token: str = "",
        on_render: Callable[[RenderRequest], None] | None = None,
    ) -> None:
        self.on_pick = on_pick
        self.on_copy = on_copy
        self.gate = gate
        self.token = token  # empty: the extension's routes are closed
        self.on_render = on_render
        self.pending: set[PickRequest | RenderRequest] = set()
        self.pending_lock = threading.Lock()
        self.stopping = False
        super().__init__(("127.0.0.1", port), CaywHandler)

    def cancel_pending(self) -> None:
        with self.pending_lock:
            self.stopping = True
            pending = list(self.pending)
        for request in pending:
            request.finish(None)


class CaywHandler(BaseHTTPRequestHandler):
    """One request: checked, then (for a pick) handed to the GUI and waited for."""

    server: CaywHttpServer
    server_version = "Bibliofile-CAYW"
    protocol_version = "HTTP/1.0"  # one request per connection: nothing to keep alive
    timeout = 15  # seconds to send the request: a silent client does not keep its thread

    def do_GET(self) -> None:
        why = refusal(self.headers.items(), self.server.server_address[1])
        if why is not None:
            self._answer(403, why + "\n")
            return
        url = urlsplit(self.path)
        if url.path.rstrip("/") in (RENDER_PATH, OFFICE_PICK_PATH):
            self._answer(405, "Only POST is answered here.\n", allow="POST")
            return
        if url.path.rstrip("/") != PATH:
            self._answer(404, f"Not found: this server answers {PATH} only\n")
            return
        options = query_options(url.query)
        if options.get("probe"):
            self._answer(200, "ready")
            return
        try:
            fmt = check_format(options.get("format"))
        except CaywFormatError as exc:
            self._answer(400, f"{exc}\n")
            return
        if not self.server.gate.try_enter():
            self._answer(409, BUSY_TEXT)
            return
        try:
            self._pick(fmt, options)
        finally:
            self.server.gate.leave()

    def do_POST(self) -> None:
        """The Writer extension's routes: the same checks as a pick, then the token."""
        why = refusal(self.headers.items(), self.server.server_address[1])
        if why is not None:
            self._answer(403, why + "\n")
            return
        route = urlsplit(self.path).path.rstrip("/")
        if route not in (RENDER_PATH, OFFICE_PICK_PATH):
            if route == PATH:
                self._not_allowed()
            else:
                self._answer(404, "Not found\n")
            return
        sent = self.headers.get(TOKEN_HEADER, "")
        token = self.server.token
        if not token or not hmac.compare_digest(sent.encode("utf-8", "replace"), token.encode("utf-8")):
            self._answer(403, "this route needs the token of this start of Bibliofile\n")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._answer(411, "a Content-Length is needed\n")
            return
        if length < 0 or length > MAX_BODY:
            self._answer(413, f"at most {MAX_BODY} bytes are read\n")
            return
        try:
            payload = json.loads(self.rfile.read(length).decode("utf-8")) if length else {}
        except (UnicodeDecodeError, ValueError) as exc:
            self._answer(400, f"the body is not JSON ({exc})\n")
            return
        except OSError:
            return  # the client went away while sending
        if route == RENDER_PATH:
            self._render(payload)
            return
        if not self.server.gate.try_enter():
            self._answer(409, BUSY_TEXT)
            return
        try:
            self._office_pick()
        finally:
            self.server.gate.leave()

    def _render(self, payload: Any) -> None:
        on_render = self.server.on_render
        if on_render is None:
            self._answer(503, "rendering is not available\n")
            return
        request = RenderRequest(payload)
        with self.server.pending_lock:
            if self.server.stopping:
                self._answer(503, "Bibliofile is closing.\n")
                return
            self.server.pending.add(request)
        try:
            on_render(request)
            answered = request.wait(RENDER_WAIT)
        finally:
            with self.server.pending_lock:
                self.server.pending.discard(request)
        if not answered:
            self._answer(504, "Bibliofile took too long to render the citations.\n")
        elif request.result is None:
            self._answer(400 if request.error else 503, (request.error or "Bibliofile is closing.") + "\n")
        else:
            self._answer(200, json.dumps(request.result, ensure_ascii=False), "application/json")

    def _office_pick(self) -> None:
        request = PickRequest("office", {})
        with self.server.pending_lock:
            if self.server.stopping:
                self._answer(503, "Bibliofile is closing.\n")
                return
            self.server.pending.add(request)
        try:
            self.server.on_pick(request)
            request.wait()
        finally:
            with self.server.pending_lock:
                self.server.pending.discard(request)
        cites = [c.as_csl_cite() for c in request.cites or []]
        self._answer(200, json.dumps({"cites": cites}, ensure_ascii=False), "application/json")

    def _pick(self, fmt: str, options: dict[str, str]) -> None:
        request = PickRequest(fmt, options)
        with self.server.pending_lock:
            if self.server.stopping:
                self._answer(503, "Bibliofile is closing.\n")
                return
            self.server.pending.add(request)
        try:
            self.server.on_pick(request)
            request.wait()
        finally:
            with self.server.pending_lock:
                self.server.pending.discard(request)
        if not request.cites:
            self._answer(200, "")  # cancelled: nothing, as Better BibTeX answers
            return
        try:
            text = format_cites(request.cites, fmt, {**request.defaults, **options})
        except Exception as exc:  # the engine on a broken style: say so to the editor
            log.warning("CAYW %s failed", fmt, exc_info=exc)
            self._answer(500, f"CAYW failed: {exc}\n")
            return
        if options.get("clipboard"):
            self.server.on_copy(text)
        self._answer(200, text, "application/json" if fmt == "json" else "text/plain")

    def _answer(self, status: int, body: str, content_type: str = "text/plain", allow: str = "GET") -> None:
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if status == 405:
                self.send_header("Allow", allow)
            self.end_headers()
            self.wfile.write(data)
        except OSError as exc:  # the editor gave up waiting: nothing to tell it
            log.info("CAYW client went away: %s", exc)

    def _not_allowed(self) -> None:
        self._answer(405, "Only GET is answered here.\n")

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>; every method but GET is refused the same way
        # (without this an unknown method would get 501, and HEAD or POST their own 501).
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("CAYW %s: " + format, self.address_string(), *args)


class CaywEndpoint(QObject):
    """The endpoint's life on the GUI side: start on a free port, hand requests over, stop.

    Signals:
        pickRequested(PickRequest): an editor (or the Writer extension) asks for a pick (on the
            GUI thread; answer with ``request.finish``).
        copyRequested(str): an answer asked for with ``clipboard=`` (on the GUI thread).
        renderRequested(RenderRequest): the Writer extension's citations to render (on the GUI
            thread; answer with ``request.finish``).
    """

    pickRequested = Signal(object)
    copyRequested = Signal(str)
    renderRequested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gate = PickGate()
        self.server: CaywHttpServer | None = None
        self._serving: threading.Thread | None = None  # the server's accept loop
        self.error = ""
        self.token = ""  # made anew at each start, for the Writer extension's routes
        self.endpoint_file: Path | None = None  # where port and token were written

    @property
    def port(self) -> int | None:
        return self.server.server_address[1] if self.server is not None else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}" if self.port else ""

    def start(self, port: int = DEFAULT_PORT, tries: int = PORT_TRIES, endpoint_file: Path | None = None) -> int | None:
        """Listen on ``port`` or the next free one of ``tries`` (``port=0``: any free port, for
        tests); the port taken, or None with ``error`` saying why. With ``endpoint_file`` the
        port and a new token are written there for the Writer extension (removed at stop)."""
        if self.server is not None:
            return self.port
        candidates = [0] if port == 0 else list(range(port, min(port + max(1, tries), 65536)))
        from bibliofile.services.office_endpoint import new_token

        self.token = new_token()
        last: OSError | None = None
        for p in candidates:
            try:
                self.server = CaywHttpServer(
                    p, self.pickRequested.emit, self.copyRequested.emit, self.gate, self.token, self.renderRequested.emit
                )
                break
            except OSError as exc:
                last = exc
        if self.server is None:
            self.error = f"ports {candidates[0]}–{candidates[-1]} are in use ({last.strerror if last else ''})"
            log.warning("CAYW endpoint not started: %s", self.error)
            return None
        self.error = ""
        self._serving = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="cayw-http", daemon=True
        )
        self._serving.start()
        log.info("CAYW endpoint on %s", self.url)
        if endpoint_file is not None:
            from bibliofile.services.office_endpoint import write_endpoint_file

            try:
                write_endpoint_file(endpoint_file, self.server.server_address[1], self.token)
                self.endpoint_file = endpoint_file
            except OSError as exc:  # the extension then refreshes without the app
                log.warning("Writer extension's endpoint file not written: %s", exc)
        return self.port

    def stop(self) -> None:
        """Cancel the requests waiting (their editors get an empty answer), stop listening."""
        server, self.server = self.server, None
        if server is None:
            return
        if self.endpoint_file is not None:
            from bibliofile.services.office_endpoint import remove_endpoint_file

            remove_endpoint_file(self.endpoint_file, self.token)
            self.endpoint_file = None
        server.cancel_pending()
        server.shutdown()
        server.server_close()
        if self._serving is not None:
            self._serving.join(2)
            self._serving = None
