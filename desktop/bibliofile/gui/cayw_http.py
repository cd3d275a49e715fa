"""The cite-as-you-write endpoint's HTTP server and request handler (see ``cayw_server``).

Apart from ``cayw_server`` because ``http.server`` and what it imports (``email``,
``http.client``: ~10 ms) are needed only when the endpoint starts, after the window's first rows
are painted (issue 22), while the window makes its ``CaywEndpoint`` as it is built.
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bibliofile.gui.cayw_server import (
    BUSY_TEXT,
    MAX_BODY,
    OFFICE_PICK_PATH,
    PATH,
    RENDER_PATH,
    RENDER_WAIT,
    TOKEN_HEADER,
    PickGate,
    PickRequest,
    RenderRequest,
    query_options,
    refusal,
)
from bibliofile.services.cayw_formats import CaywFormatError, check_format, format_cites

log = logging.getLogger("bibliofile.gui.cayw_server")


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

    def _hand_over(self, request: Any, hand: Callable[[Any], None], timeout: float | None = None) -> bool | None:
        """Hand ``request`` to the GUI and wait for its answer, listed as pending meanwhile (so
        a stop answers it); whether it was answered in time, or None (503 sent) when the
        server is stopping."""
        with self.server.pending_lock:
            if self.server.stopping:
                self._answer(503, "Bibliofile is closing.\n")
                return None
            self.server.pending.add(request)
        try:
            hand(request)
            return bool(request.wait(timeout))
        finally:
            with self.server.pending_lock:
                self.server.pending.discard(request)

    def _render(self, payload: Any) -> None:
        on_render = self.server.on_render
        if on_render is None:
            self._answer(503, "rendering is not available\n")
            return
        request = RenderRequest(payload)
        answered = self._hand_over(request, on_render, RENDER_WAIT)
        if answered is None:
            return
        if not answered:
            self._answer(504, "Bibliofile took too long to render the citations.\n")
        elif request.result is None:
            self._answer(400 if request.error else 503, (request.error or "Bibliofile is closing.") + "\n")
        else:
            self._answer(200, json.dumps(request.result, ensure_ascii=False), "application/json")

    def _office_pick(self) -> None:
        request = PickRequest("office", {})
        if self._hand_over(request, self.server.on_pick) is None:
            return
        cites = [c.as_csl_cite() for c in request.cites or []]
        self._answer(200, json.dumps({"cites": cites}, ensure_ascii=False), "application/json")

    def _pick(self, fmt: str, options: dict[str, str]) -> None:
        request = PickRequest(fmt, options)
        if self._hand_over(request, self.server.on_pick) is None:
            return
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
