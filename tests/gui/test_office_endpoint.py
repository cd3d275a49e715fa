"""The Writer extension's routes on the app's local server, asked by a real HTTP client: only
with the token of this start of the app (written to a file only the user can read), never from
a web page (Origin, Sec-Fetch-Site, a foreign Host), and answered by the app's real picker and
its task runner. The good path is asked by the extension's own client (``app_link``)."""

from __future__ import annotations

import json
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from tests.citeproc_skip import needs_citeproc
from tests.gui.conftest import make_ref
from tests.gui.test_cayw_endpoint import Call, press, type_text

from bibliofile.gui.cayw_server import RENDER_PATH, TOKEN_HEADER
from bibliofile.services import office_render

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging" / "libreoffice" / "pythonpath"))
from bibliofile_office import app_link  # noqa: E402  (the extension's own package)

LEE_CITATION = {
    "citationID": "a1",
    "citationItems": [{"id": "lee2008", "locator": "3", "label": "page",
                       "itemData": {"id": "lee2008", "type": "book", "title": "Old", "citation-key": "lee2008"}}],
    "properties": {"noteIndex": 0},
}


@pytest.fixture
def office(window, lib):
    lee = make_ref("Alpha study", 2008, family="Lee", given="Ann", container_title="Journal of Tests")
    lee.citation_key = "lee2008"
    with lib.write() as u:
        u.add_items([lee])
    actions = window.picker_actions
    path = office_render.endpoint_path()
    port = actions.endpoint.start(0, endpoint_file=path)
    assert port
    yield window, port, json.loads(path.read_text())["token"]
    actions.stop_endpoint()


class Post(threading.Thread):
    """The extension's own client (``app_link.post``) on a thread, as Writer waits."""

    def __init__(self, route: str, payload: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.route, self.payload = route, payload
        self.answer: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.answer = app_link.post(self.route, self.payload, 60)
        except BaseException as exc:
            self.error = exc


class RawPost(Call):
    """A POST with any headers (``Call`` with a body; its request is made before it starts)."""

    def __init__(self, url: str, headers: dict[str, str], body: bytes) -> None:
        threading.Thread.__init__(self, daemon=True)
        self.request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        self.status: int | None = None
        self.body = ""
        self.headers: dict[str, str] = {}
        self.start()


def post(port: int, route: str, headers: dict[str, str], body: bytes = b"{}") -> Call:
    return RawPost(f"http://127.0.0.1:{port}{route}", {"Content-Type": "application/json", **headers}, body)


def done(qtbot, thread: threading.Thread) -> None:
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=30000)


@needs_citeproc
def test_render_with_the_token_uses_the_library(qtbot, office) -> None:
    call = Post("render", {"citations": [LEE_CITATION], "style": "apa"})
    done(qtbot, call)
    assert call.error is None and call.answer is not None
    assert call.answer["citations"] == ["(Lee, 2008, p. 3)"]
    assert call.answer["items"][0][0]["title"] == "Alpha study"  # the library's, not "Old"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),  # no token
        ({TOKEN_HEADER: "guessed"}, 403),
        ({TOKEN_HEADER: "{token}", "Origin": "https://example.org"}, 403),  # a web page that learnt it
        ({TOKEN_HEADER: "{token}", "Sec-Fetch-Site": "cross-site"}, 403),
        ({TOKEN_HEADER: "{token}", "Host": "evil.example:{port}"}, 403),  # DNS rebinding
    ],
)
def test_render_refuses_without_the_token_or_from_a_page(qtbot, office, headers, status) -> None:
    _window, port, token = office
    filled = {k: v.replace("{token}", token).replace("{port}", str(port)) for k, v in headers.items()}
    call = post(port, RENDER_PATH, filled, json.dumps({"citations": [LEE_CITATION]}).encode())
    done(qtbot, call)
    assert call.status == status
    assert "Access-Control-Allow-Origin" not in call.headers


def test_bad_requests_are_named(qtbot, office) -> None:
    _window, port, token = office
    bad = post(port, RENDER_PATH, {TOKEN_HEADER: token}, b"{not json")
    get = Call(f"http://127.0.0.1:{port}{RENDER_PATH}", {TOKEN_HEADER: token})
    wrong = post(port, RENDER_PATH, {TOKEN_HEADER: token}, json.dumps({"citations": "x"}).encode())
    for c in (bad, get, wrong):
        done(qtbot, c)
    assert bad.status == 400 and "not JSON" in bad.body
    assert get.status == 405 and get.headers.get("Allow") == "POST"
    assert wrong.status == 400 and "citations" in wrong.body


def test_a_new_start_makes_a_new_token_and_stop_removes_the_file(qtbot, window) -> None:
    endpoint = window.picker_actions.endpoint
    path = office_render.endpoint_path()
    endpoint.start(0, endpoint_file=path)
    first = json.loads(path.read_text())["token"]
    endpoint.stop()
    assert not path.exists()
    with pytest.raises(app_link.AppNotRunning):
        app_link.endpoint()
    endpoint.start(0, endpoint_file=path)
    try:
        second = json.loads(path.read_text())["token"]
        assert second != first and len(second) >= 40
        old = post(endpoint.port, RENDER_PATH, {TOKEN_HEADER: first})
        done(qtbot, old)
        assert old.status == 403
    finally:
        endpoint.stop()
    # a test's own start (port=0 through the window) writes no file at all
    window.picker_actions.start_endpoint(port=0)
    try:
        assert not path.exists()
    finally:
        window.picker_actions.stop_endpoint()


def test_pick_opens_the_picker_and_answers_cites_with_their_data(qtbot, office) -> None:
    window, _port, _token = office
    call = Post("pick", {})
    actions = window.picker_actions
    qtbot.waitUntil(lambda: actions.picker is not None and actions.picker.isVisible(), timeout=10000)
    assert "Writer" in actions.picker.windowTitle()
    type_text(actions.picker.query, "lee p. 3")
    press(actions.picker.query, Qt.Key.Key_Return)
    press(actions.picker.query, Qt.Key.Key_Return)
    done(qtbot, call)
    assert call.error is None and call.answer is not None
    [cite] = call.answer["cites"]
    assert cite["id"] == "lee2008" and cite["locator"] == "3" and cite["label"] == "page"
    assert cite["itemData"]["title"] == "Alpha study" and cite["itemData"]["citation-key"] == "lee2008"


def test_a_cancelled_pick_answers_no_cites(qtbot, office) -> None:
    window, _port, _token = office
    call = Post("pick", {})
    actions = window.picker_actions
    qtbot.waitUntil(lambda: actions.picker is not None and actions.picker.isVisible(), timeout=10000)
    press(actions.picker.query, Qt.Key.Key_Escape)
    done(qtbot, call)
    assert call.answer == {"cites": []}
