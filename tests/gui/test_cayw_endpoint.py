"""The cite-as-you-write endpoint, asked by a real HTTP client (urllib, on a thread) while the
test drives the picker it opens, as a user would. Expected answers are written by hand from
Better BibTeX's documented formats (see tests/unit/test_cayw_formats.py)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from tests.citeproc_skip import needs_citeproc
from tests.gui.conftest import make_ref

from bibliofile.gui.cayw_server import PATH, refusal

NO = Qt.KeyboardModifier.NoModifier



def type_text(widget: QWidget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, NO, ch))


def press(widget: QWidget, key: Qt.Key) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, NO))


class Call(threading.Thread):
    """One HTTP request on its own thread (the way an editor waits for the pick)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, method: str = "GET") -> None:
        super().__init__(daemon=True)
        self.request = urllib.request.Request(url, headers=headers or {}, method=method)
        self.status: int | None = None
        self.body = ""
        self.headers: dict[str, str] = {}
        self.start()

    def run(self) -> None:
        try:
            with urllib.request.urlopen(self.request, timeout=60) as r:
                self.status, self.body, self.headers = r.status, r.read().decode("utf-8"), dict(r.headers)
        except urllib.error.HTTPError as e:
            self.status, self.body, self.headers = e.code, e.read().decode("utf-8"), dict(e.headers)


@pytest.fixture
def served(window, lib):
    knox = make_ref("Trust in networks", 2008, family="Knox")
    knox.citation_key = "knox2008"
    ostrom = make_ref("Governing the commons", 1990, family="Ostrom", given="Elinor", item_type="book")
    ostrom.citation_key = "ostrom1990"
    with lib.write() as u:
        u.add_items([knox, ostrom])
    actions = window.picker_actions
    port = actions.start_endpoint(port=0)  # any free port: tests never take 23119
    assert port
    yield window, f"http://127.0.0.1:{port}{PATH}"
    actions.stop_endpoint()


def finish(qtbot, call: Call) -> Call:
    qtbot.waitUntil(lambda: not call.is_alive(), timeout=30000)
    return call


def pick_knox_p12_and_ostrom(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.picker_actions.picker is not None and window.picker_actions.picker.isVisible(), timeout=10000)
    picker = window.picker_actions.picker
    type_text(picker.query, "knox p. 12")
    press(picker.query, Qt.Key.Key_Return)
    type_text(picker.query, "ostrom")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Return)  # Enter on the empty query: insert


ANSWERS = {
    "format=pandoc": "@knox2008, p. 12; @ostrom1990",
    "format=pandoc&brackets=1": "[@knox2008, p. 12; @ostrom1990]",
    "format=latex": r"\cite[12]{knox2008}\cite{ostrom1990}",
    "": r"\cite[12]{knox2008}\cite{ostrom1990}",  # latex is the default, as in Better BibTeX
    "format=natbib&command=citep": r"\citep[12]{knox2008}\citep{ostrom1990}",
    "format=biblatex": r"\autocites[12]{knox2008}{ostrom1990}",
    "format=mmd": "[#knox2008][][#ostrom1990][]",
    "format=scannable-cite": "{ | Knox, 2008 | p. 12 | | bibliofile:knox2008 }{ | Ostrom, 1990 | | | bibliofile:ostrom1990 }",
}


@pytest.mark.parametrize("query", list(ANSWERS))
def test_each_format_answers_the_pick(qtbot, served, query) -> None:
    window, url = served
    call = Call(f"{url}?{query}")
    pick_knox_p12_and_ostrom(qtbot, window)
    finish(qtbot, call)
    assert (call.status, call.body) == (200, ANSWERS[query])
    assert call.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Access-Control-Allow-Origin" not in call.headers


def test_json_answer(qtbot, served) -> None:
    window, url = served
    call = Call(f"{url}?format=json")
    pick_knox_p12_and_ostrom(qtbot, window)
    finish(qtbot, call)
    got = json.loads(call.body)
    assert [(c["citationKey"], c["locator"], c["label"]) for c in got] == [("knox2008", "12", "page"), ("ostrom1990", "", "")]
    assert got[1]["item"]["title"] == "Governing the commons"


@needs_citeproc
def test_formatted_citation_and_bibliography(qtbot, served) -> None:
    window, url = served
    call = Call(f"{url}?format=formatted-citation")  # the quick-copy style: APA unless chosen
    pick_knox_p12_and_ostrom(qtbot, window)
    assert finish(qtbot, call).body == "(Knox, 2008, p. 12; Ostrom, 1990)"
    call = Call(f"{url}?format=formatted-bibliography&style=apa")
    pick_knox_p12_and_ostrom(qtbot, window)
    body = finish(qtbot, call).body
    assert body.splitlines()[1].startswith("Ostrom, E. (1990). Governing the commons")


def test_probe_answers_ready_without_a_picker(qtbot, served) -> None:
    window, url = served
    call = finish(qtbot, Call(f"{url}?probe=1"))
    assert (call.status, call.body) == (200, "ready")
    assert window.picker_actions.picker is None


def test_cancel_answers_nothing(qtbot, served) -> None:
    window, url = served
    call = Call(f"{url}?format=pandoc")
    qtbot.waitUntil(lambda: window.picker_actions.picker is not None, timeout=10000)
    picker = window.picker_actions.picker
    type_text(picker.query, "knox")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Escape)
    finish(qtbot, call)
    assert (call.status, call.body) == (200, "")


def test_browser_origin_is_refused(qtbot, served) -> None:
    window, url = served
    call = finish(qtbot, Call(f"{url}?format=pandoc", {"Origin": "https://evil.example"}))
    assert call.status == 403 and "Origin" in call.body
    call = finish(qtbot, Call(f"{url}?format=pandoc", {"Origin": "null"}))
    assert call.status == 403
    # A page's <img src> sends no Origin, but the browser says where it comes from:
    call = finish(qtbot, Call(f"{url}?format=pandoc", {"Sec-Fetch-Site": "cross-site"}))
    assert call.status == 403
    assert window.picker_actions.picker is None  # no picker popped up for any of them


def test_other_hosts_are_refused(qtbot, served) -> None:
    _window, url = served
    port = url.split(":")[2].split("/")[0]
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", "localhost:80"):
        call = finish(qtbot, Call(f"{url}?format=pandoc", {"Host": host}))
        assert call.status == 403, host
    call = finish(qtbot, Call(f"{url}?probe=1", {"Host": f"localhost:{port}"}))
    assert (call.status, call.body) == (200, "ready")


def test_only_get(qtbot, served) -> None:
    _window, url = served
    for method in ("POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"):
        call = finish(qtbot, Call(f"{url}?format=pandoc", method=method))
        assert call.status == 405, method
        assert call.headers.get("Allow") == "GET"


def test_unknown_format_and_path(qtbot, served) -> None:
    window, url = served
    call = finish(qtbot, Call(f"{url}?format=docx"))
    assert call.status == 400 and "pandoc" in call.body
    call = finish(qtbot, Call(url.replace(PATH, "/connector/ping")))
    assert call.status == 404
    assert window.picker_actions.picker is None


def test_one_pick_at_a_time(qtbot, served) -> None:
    window, url = served
    first = Call(f"{url}?format=pandoc")
    qtbot.waitUntil(lambda: window.picker_actions.picker is not None, timeout=10000)
    second = finish(qtbot, Call(f"{url}?format=latex"))
    assert second.status == 409
    # Insert Citation from the menu brings the open picker forward instead of a second one.
    picker = window.picker_actions.picker
    assert window.picker_actions.open_picker() is picker
    type_text(picker.query, "ostrom")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Return)
    assert finish(qtbot, first).body == "@ostrom1990"
    # ... and while the menu's picker is open, an editor is told it is busy.
    menu_picker = window.picker_actions.open_picker()
    assert finish(qtbot, Call(f"{url}?format=pandoc")).status == 409
    menu_picker.reject()
    qtbot.waitUntil(lambda: not window.picker_actions.endpoint.gate.busy)


def test_closing_the_window_answers_the_waiting_editor(qtbot, served) -> None:
    window, url = served
    call = Call(f"{url}?format=pandoc")
    qtbot.waitUntil(lambda: window.picker_actions.picker is not None, timeout=10000)
    window.close()
    finish(qtbot, call)
    assert (call.status, call.body) == (200, "")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.split(":")[2].split("/")[0])), timeout=2).close()


def _other_addresses() -> list[str]:
    """Addresses of this machine that are not 127.0.0.1: 127.0.0.2 (Linux routes all of
    127/8 to the loopback), and the address of the default route, if there is one."""
    out = ["127.0.0.2"] if socket.gethostname() and __import__("sys").platform.startswith("linux") else []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent by a UDP connect
        addr = s.getsockname()[0]
        if not addr.startswith("127."):
            out.append(addr)
    except OSError:
        pass
    finally:
        s.close()
    return out


def test_bound_to_127_0_0_1_only(served) -> None:
    _window, url = served
    port = int(url.split(":")[2].split("/")[0])
    others = _other_addresses()
    if not others:
        pytest.skip("this machine has no address but 127.0.0.1 to try")
    for addr in others:
        with pytest.raises(OSError):
            socket.create_connection((addr, port), timeout=2).close()
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_taken_port_moves_to_the_next_and_says_so(window) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        actions = window.picker_actions
        got = actions.start_endpoint(port=port)
        try:
            assert got is not None and got != port and port < got <= port + 10
            assert f"listens on port {got}" in window.statusBar().currentMessage()
            assert str(got) in actions.act_endpoint.text()
            assert f"127.0.0.1:{got}/better-bibtex/cayw" in actions.endpoint_text()
        finally:
            actions.stop_endpoint()
    finally:
        taken.close()


def test_a_window_takes_no_port_by_itself(qtbot, make_window) -> None:
    # Only the app starts the endpoint (gui/app.py): a window made by a test, even with the
    # real task runner and its features installed once idle, listens nowhere.
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.curation is not None, timeout=10000)
    assert window.picker_actions.endpoint.port is None


def test_the_setting_turns_it_off(window, settings) -> None:
    settings.setValue("cayw/enabled", "false")
    assert window.picker_actions.start_endpoint() is None
    assert "not listening" in window.picker_actions.endpoint_text()


def test_refusal_rules() -> None:
    assert refusal([("Host", "127.0.0.1:23119")], 23119) is None
    assert refusal([("host", "localhost")], 23119) is None
    assert refusal([("Host", "LOCALHOST:23119"), ("Sec-Fetch-Site", "none")], 23119) is None  # a typed URL
    assert refusal([], 23119) is not None
    assert refusal([("Host", "127.0.0.1:23120")], 23119) is not None
    assert refusal([("Host", "127.0.0.1:23119"), ("origin", "http://127.0.0.1:23119")], 23119) is not None
    assert refusal([("Host", "127.0.0.1:23119"), ("Host", "evil.example")], 23119) is not None


@needs_citeproc
def test_insert_citation_copies_formatted_and_pandoc(qtbot, served) -> None:
    window, _url = served
    act = window.picker_actions.act_insert
    assert act.shortcut().toString() == "Ctrl+Alt+C" and act in window.menu_edit.actions()
    picker = window.picker_actions.open_picker()
    type_text(picker.query, "knox p. 12")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.picker_actions.last_copied is not None, timeout=30000)
    clip = QGuiApplication.clipboard().mimeData()
    assert clip.text() == "(Knox, 2008, p. 12)"
    assert "(Knox, 2008, p. 12)" in bytes(clip.data("text/html")).decode()
    assert bytes(clip.data("text/markdown")).decode() == "[@knox2008, p. 12]"
    assert "[@knox2008, p. 12]" in window.statusBar().currentMessage()
    # With "Copy plain text as pandoc" ticked, the plain text is the pandoc form.
    picker = window.picker_actions.open_picker()
    picker.findChild(QWidget, "pandocPlainText").setChecked(True)
    window.picker_actions.last_copied = None
    type_text(picker.query, "ostrom")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.picker_actions.last_copied is not None, timeout=30000)
    assert QGuiApplication.clipboard().text() == "[@ostrom1990]"
