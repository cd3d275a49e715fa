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
The server and its handler are in ``cayw_http.py``, imported when the endpoint starts (after
the window's first rows), not with the window.

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

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from PySide6.QtCore import QObject, Signal

from bibliofile.services.cayw_formats import PickedCite

if TYPE_CHECKING:
    from bibliofile.gui.cayw_http import CaywHttpServer

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
        self.server: CaywHttpServer | None = None  # made by start (gui/cayw_http.py)
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
        from bibliofile.gui.cayw_http import CaywHttpServer
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
