"""The Writer extension in a real LibreOffice: citations inserted and refreshed through the
functions its toolbar calls, with the app running (its token endpoint, its picker, its library's
data) and without it (``bibliofile cite --clusters`` over the data the citations carry).

LibreOffice runs headless with a private profile and a UNO socket, driven by
tests/libreoffice_driver.py under the Python that has the UNO bridge (Debian's python3-uno:
/usr/bin/python3, not our venv's). Each driver run is a process group of its own, killed on
timeout, so no soffice outlives a test. Expected texts are APA's and IEEE's rules applied by
hand to the two references below.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from tests.citeproc_skip import needs_citeproc
from tests.gui.conftest import make_ref
from tests.odt_documents import (
    NS,
    attr,
    body_paragraphs,
    content_root,
    footnotes,
    mark_names,
    reference_mark,
    section_names,
    write_odt,
    zotero_bibliography_name,
    zotero_citation_name,
    zotero_prefs,
)

from bibliofile.office.build_oxt import build
from bibliofile.services import office_render

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "packaging" / "libreoffice"
DRIVER = ROOT / "tests" / "libreoffice_driver.py"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DRIVER_TIMEOUT_MS = 300_000


def _uno_python() -> str | None:
    """A Python with LibreOffice's UNO bridge: $BIBLIOFILE_UNO_PYTHON, else the system's."""
    for candidate in (os.environ.get("BIBLIOFILE_UNO_PYTHON", ""), "/usr/bin/python3", "/usr/local/bin/python3"):
        if candidate and os.path.exists(candidate):
            try:
                done = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                return candidate
    return None


UNO_PYTHON = _uno_python() if SOFFICE else None
pytestmark = [
    needs_citeproc,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: .ci/run installs libreoffice-writer-nogui"),
    pytest.mark.skipif(
        SOFFICE is not None and UNO_PYTHON is None,
        reason="LibreOffice's Python bridge is not installed (Debian: apt-get install python3-uno; .ci/run installs it)",
    ),
]

TEXT = "<text:p>Mice grow tumours fast. Rats do too.</text:p><text:p>Second paragraph here.</text:p>"
LEE = {
    "id": "lee2008", "type": "article-journal", "citation-key": "lee2008", "title": "Alpha study (draft)",
    "author": [{"family": "Lee", "given": "Ann"}], "issued": {"date-parts": [[2008]]},
    "container-title": "Journal of Tests",
}
KIM = {
    "id": "kim2010", "type": "book", "citation-key": "kim2010", "title": "Beta book",
    "author": [{"family": "Kim", "given": "Bo"}], "issued": {"date-parts": [[2010]]}, "publisher": "Press",
}
APA_BODY = ["Mice grow tumours fast (Lee, 2008, p. 3). Rats do too (Kim, 2010; Lee, 2008).", "Second paragraph here."]


def run_driver(qtbot: Any, tmp: Path, steps: list[dict[str, Any]], oxt: Path | None = None) -> list[dict[str, Any]]:
    """Run the steps in a fresh headless LibreOffice; each step's result. The Qt event loop
    keeps turning meanwhile (the app's endpoint answers the driver through it)."""
    assert UNO_PYTHON is not None
    spec = {"profile": str(tmp / "profile"), "extension": str(EXTENSION), "oxt": str(oxt) if oxt else None, "steps": steps}
    spec_file = tmp / f"steps-{len(list(tmp.glob('steps-*')))}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    env = {
        **os.environ,
        "HOME": str(tmp / "home"),
        # the refresh without the app runs our command line, with this Python
        "BIBLIOFILE_COMMAND": f"{sys.executable} -m bibliofile",
        "PYTHONIOENCODING": "utf-8",
    }
    out, err = tmp / "driver.out", tmp / "driver.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([UNO_PYTHON, str(DRIVER), str(spec_file)], stdout=o, stderr=e, env=env,
                                start_new_session=True)
        try:
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=DRIVER_TIMEOUT_MS)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
            results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
            for started in by_op(results, "soffice"):  # gone already, unless the driver was killed
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started["pgid"], signal.SIGKILL)
    assert proc.returncode == 0, (results, err.read_text(encoding="utf-8", errors="replace")[-3000:])
    return results


def by_op(results: list[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    return [r for r in results if r["op"] == op]


def bibliography(path: Path) -> list[str]:
    """The text of each paragraph of the bibliography section."""
    root = content_root(path)
    sections = [s for s in root.iter(f"{{{NS['text']}}}section") if s.get(f"{{{NS['text']}}}name", "").startswith("BIBLIOFILE_BIBL ")]
    assert len(sections) == 1
    return ["".join(p.itertext()) for p in sections[0].iter(f"{{{NS['text']}}}p")]


def bibliography_layout(path: Path) -> tuple[float, str]:
    """(first-line indent in mm, line height) of the bibliography's first paragraph, read from
    its automatic paragraph style (Writer writes inches or centimetres by the profile's locale)."""
    root = content_root(path)
    [section] = [s for s in root.iter(f"{{{NS['text']}}}section") if s.get(f"{{{NS['text']}}}name", "").startswith("BIBLIOFILE_BIBL ")]
    first = next(section.iter(f"{{{NS['text']}}}p"))
    name = first.get(f"{{{NS['text']}}}style-name")
    fo = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
    for st in root.iter(f"{{{NS['style']}}}style"):
        if st.get(f"{{{NS['style']}}}name") == name:
            props = st.find(f"{{{NS['style']}}}paragraph-properties")
            assert props is not None
            indent = props.get(f"{fo}text-indent", "0in")
            mm = {"in": 25.4, "cm": 10.0, "mm": 1.0, "pt": 25.4 / 72}
            unit = next(u for u in mm if indent.endswith(u))
            return round(float(indent[: -len(unit)]) * mm[unit], 1), props.get(f"{fo}line-height", "100%")
    raise AssertionError(f"no paragraph style {name}")


def citation_data(path: Path) -> list[dict[str, Any]]:
    return [json.loads(n[len("BIBLIOFILE_CITATION "):]) for n in mark_names(path)]


def italic_texts(path: Path) -> set[str]:
    """Text in spans whose automatic style is italic (Writer names them T1, T2…)."""
    root = content_root(path)
    italic = {
        s.get(f"{{{NS['style']}}}name")
        for s in root.iter(f"{{{NS['style']}}}style")
        for t in s.iter(f"{{{NS['style']}}}text-properties")
        if t.get("{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}font-style") == "italic"
    }
    return {"".join(sp.itertext()) for sp in root.iter(f"{{{NS['text']}}}span") if sp.get(f"{{{NS['text']}}}style-name") in italic}


def type_text(widget: QWidget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def press(widget: QWidget, key: Qt.Key) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))


def test_with_the_app_running_add_citation_picks_and_refresh_uses_the_library(qtbot, window, lib, tmp_path) -> None:
    lee = make_ref("Alpha study", 2008, family="Lee", given="Ann", container_title="Journal of Tests")
    lee.citation_key = "lee2008"
    kim = make_ref("Beta book", 2010, family="Kim", given="Bo", item_type="book", publisher="Press")
    kim.citation_key = "kim2010"
    with lib.write() as u:
        u.add_items([lee, kim])
    doc = write_odt(tmp_path / "paper.odt", TEXT)
    actions = window.picker_actions
    endpoint_file = office_render.endpoint_path()
    assert actions.endpoint.start(0, endpoint_file=endpoint_file)
    try:
        # only this user may read the token
        assert stat.S_IMODE(endpoint_file.stat().st_mode) == 0o600
        assert json.loads(endpoint_file.read_text())["port"] == actions.endpoint.port

        answered: list[object] = []

        def answer_the_picker() -> None:
            picker = actions.picker
            if picker is not None and picker.isVisible() and picker not in answered:
                answered.append(picker)
                type_text(picker.query, "lee p. 3")
                press(picker.query, Qt.Key.Key_Return)
                press(picker.query, Qt.Key.Key_Return)  # Enter on the empty query: insert

        timer = qtbot_timer(qtbot, answer_the_picker)
        try:
            results = run_driver(qtbot, tmp_path, [
                {"op": "open", "path": str(doc)},
                # Add Bibliography with the cursor at the end of the first paragraph
                {"op": "bibliography", "after": "do too."},
                {"op": "pick_cite", "after": "fast", "type": " "},
                # a citation whose embedded data is stale: the library's title must win
                {"op": "cite", "after": "do too", "type": " ", "cites": [{"id": "kim2010", "itemData": KIM}, {"id": "lee2008", "itemData": LEE}]},
                {"op": "refresh", "style": "apa"},
                {"op": "save", "path": str(tmp_path / "apa.odt")},
                {"op": "refresh", "style": "chicago-notes-bibliography-subsequent-ibid"},
                {"op": "save", "path": str(tmp_path / "chicago.odt")},
                {"op": "refresh", "style": "ieee"},
                {"op": "save", "path": str(tmp_path / "ieee.odt")},
            ])
        finally:
            timer.stop()
    finally:
        actions.stop_endpoint()
    assert not endpoint_file.exists()  # the app is gone: nobody may think it answers
    assert by_op(results, "pick_cite")[0]["cites"] == ["lee2008"]
    refresh = by_op(results, "refresh")[0]
    assert refresh["via"] == "app" and refresh["refreshed"] == 2 and refresh["problems"] == []
    apa = tmp_path / "apa.odt"
    entries = ["Kim, B. (2010). Beta book. Press.", "Lee, A. (2008). Alpha study. Journal of Tests."]
    assert bibliography(apa) == entries
    assert body_paragraphs(apa) == [APA_BODY[0], *entries, APA_BODY[1]]  # where the cursor was
    assert {"Beta book", "Journal of Tests"} <= italic_texts(apa)
    assert bibliography_layout(apa) == (-12.7, "200%")  # APA: hanging indent, double spaced
    # the library's data went back into the marks, so the document carries the correction
    data = citation_data(apa)
    assert [c["id"] for c in data[0]["citationItems"]] == ["lee2008"]
    assert data[0]["citationItems"][0]["locator"] == "3"
    assert data[1]["citationItems"][1]["itemData"]["title"] == "Alpha study"
    assert [d["properties"]["plainCitation"] for d in data] == ["(Lee, 2008, p. 3)", "(Kim, 2010; Lee, 2008)"]
    # a note style puts each citation in a footnote where it stood (the space before it goes)
    chicago = tmp_path / "chicago.odt"
    assert by_op(results, "refresh")[1]["message"].endswith("2 moved into footnotes (a note style).")
    assert body_paragraphs(chicago)[0] == "Mice grow tumours fast. Rats do too."
    first, second = footnotes(chicago)
    assert first.startswith("Ann Lee, “Alpha Study,” Journal of Tests") and first.endswith("3.")
    assert second.startswith("Bo Kim, Beta Book") and second.endswith("; Lee, “Alpha Study.”")  # Lee's later note is short
    assert [d["properties"]["noteIndex"] for d in citation_data(chicago)] == [1, 2]
    assert bibliography_layout(chicago) == (-12.7, "100%")
    # and IEEE takes them back into the text, numbered in order of first citation
    ieee = tmp_path / "ieee.odt"
    assert footnotes(ieee) == []
    assert bibliography_layout(ieee) == (0.0, "100%")  # no hanging indent any more
    assert body_paragraphs(ieee)[0] == "Mice grow tumours fast [1, p. 3]. Rats do too [1], [2]."
    assert bibliography(ieee) == ["[1] A. Lee, “Alpha study,” Journal of Tests, 2008.", "[2] B. Kim, Beta book. Press, 2010."]


def qtbot_timer(qtbot: Any, fn: Any) -> Any:
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(fn)
    timer.start()
    return timer


def test_without_the_app_refresh_and_restyle_from_the_embedded_data(qtbot, tmp_path) -> None:
    oxt = build(tmp_path / "bibliofile-writer.oxt", EXTENSION)
    doc = write_odt(tmp_path / "paper.odt", TEXT)
    lee = {**LEE, "title": "Alpha study"}
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "cite", "after": "fast", "type": " ", "cites": [{"id": "lee2008", "locator": "3", "label": "page", "itemData": lee}]},
        {"op": "cite", "after": "do too", "type": " ", "cites": [{"id": "kim2010", "itemData": KIM}, {"id": "lee2008", "itemData": lee}]},
        {"op": "refresh", "style": "apa"},
        {"op": "save", "path": str(tmp_path / "apa.odt")},
        # Edit Citation: the cursor inside the first citation, a new pick replaces its cites
        {"op": "cite", "after": "(Lee, 2008, p", "cites": [{"id": "kim2010", "itemData": KIM}]},
        {"op": "refresh"},
        {"op": "save", "path": str(tmp_path / "edited.odt")},
        {"op": "cite", "after": "fast (Kim", "cites": [{"id": "lee2008", "locator": "3", "label": "page", "itemData": lee}]},
        # Document Preferences, then Refresh: the style the dialog set
        {"op": "preferences", "style": "ieee"},
        {"op": "refresh"},
        {"op": "cite", "after": "paragraph here", "type": " ", "cites": [{"id": "kim2010", "itemData": KIM}]},
        # the toolbar's Refresh through the installed extension (LibreOffice's dispatcher)
        {"op": "dispatch", "url": "org.bibliofile.writer:Refresh"},
        {"op": "save", "path": str(tmp_path / "ieee.odt")},
    ], oxt=oxt)
    apa_refresh, edit_refresh, ieee_refresh = by_op(results, "refresh")
    assert apa_refresh["via"] == "cli" and "Bibliofile is not running" in apa_refresh["message"]
    assert "refreshed in apa" in edit_refresh["message"]  # the document's style, kept in its bibliography
    assert ieee_refresh["refreshed"] == 2 and "refreshed in ieee" in ieee_refresh["message"]
    edited = tmp_path / "edited.odt"
    assert body_paragraphs(edited)[0] == "Mice grow tumours fast (Kim, 2010). Rats do too (Kim, 2010; Lee, 2008)."
    assert len(mark_names(edited)) == 2
    apa = tmp_path / "apa.odt"
    assert body_paragraphs(apa)[:2] == APA_BODY
    assert bibliography(apa) == ["Kim, B. (2010). Beta book. Press.", "Lee, A. (2008). Alpha study. Journal of Tests."]
    # IEEE numbers in order of first citation; the third citation was refreshed by the button
    assert by_op(results, "dispatch")[0]["citations"] == ["[1, p. 3]", "[1], [2]", "[2]"]
    ieee = tmp_path / "ieee.odt"
    assert body_paragraphs(ieee)[:2] == ["Mice grow tumours fast [1, p. 3]. Rats do too [1], [2].", "Second paragraph here [2]."]
    assert bibliography(ieee) == ["[1] A. Lee, “Alpha study,” Journal of Tests, 2008.", "[2] B. Kim, Beta book. Press, 2010."]
    assert section_names(ieee) == ['BIBLIOFILE_BIBL {"version":1,"style":"ieee"}']
    # the headless refresh reads what Writer wrote, and agrees with it
    copy = tmp_path / "headless.odt"
    copy.write_bytes(ieee.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(tmp_path / "none.sqlite"), "document", "refresh", str(copy)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stderr
    assert "3 citations refreshed in ieee" in done.stdout
    assert "left as it was" not in done.stderr
    assert body_paragraphs(copy)[:2] == body_paragraphs(ieee)[:2]
    # (the headless refresh leaves IEEE's trailing white space in its entries; Writer's has none)
    assert [e.strip() for e in bibliography(copy)] == bibliography(ieee)
    with zipfile.ZipFile(copy) as z:
        assert z.testzip() is None


DAMAGED = 'BIBLIOFILE_CITATION {"version":1,'


def test_a_document_made_with_zotero_s_plugin_refreshes_in_writer(qtbot, tmp_path) -> None:
    """Zotero's marks (built here from its documented format) keep their shape: the prefix, the
    CSL citation JSON with formattedCitation, the RND tail; its preferences give the style. A
    damaged citation beside it is named and left exactly as it was."""
    cite = {"id": 12, "uris": ["http://zotero.org/users/1/items/ABCD1234"], "itemData": {**LEE, "id": 12, "title": "Alpha study"}}
    name = zotero_citation_name("zq1", [cite], "(Lee 2008)")
    bibl = zotero_bibliography_name()
    doc = write_odt(
        tmp_path / "zotero.odt",
        # a citation whose data was damaged (by hand, or another program): named, left alone
        f"<text:p>Damaged {reference_mark(DAMAGED, '(kept as it was)')}.</text:p>"
        f"<text:p>Mice grow tumours fast {reference_mark(name, '(Lee 2008)')}.</text:p>"
        f'<text:section text:name="{attr(bibl)}"><text:p>old entry</text:p></text:section>',
        user_defined=zotero_prefs("ieee"),
    )
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "refresh"},
        {"op": "save", "path": str(tmp_path / "refreshed.odt")},
    ])
    [refresh] = by_op(results, "refresh")
    assert refresh["refreshed"] == 1 and "in ieee (en-US)" in refresh["message"]
    [problem] = refresh["problems"]
    assert problem.startswith("Citation 1: its data is not valid JSON") and problem.endswith("it was left as it was.")
    out = tmp_path / "refreshed.odt"
    assert body_paragraphs(out)[:2] == ["Damaged (kept as it was).", "Mice grow tumours fast [1]."]
    damaged, mark = mark_names(out)
    assert damaged == DAMAGED

    assert mark.startswith("ZOTERO_ITEM CSL_CITATION {") and mark.endswith(name[name.rindex(" RND"):])
    data = json.loads(mark[len("ZOTERO_ITEM CSL_CITATION "):mark.rindex(" RND")])
    assert data["properties"]["formattedCitation"] == data["properties"]["plainCitation"] == "[1]"
    assert data["citationItems"][0]["uris"] == cite["uris"]
    [section] = section_names(out)
    assert section.startswith('ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[],"bibliofile":{"version":1,"style":"ieee","locale":"en-US"}}')
    assert section.endswith(bibl[bibl.rindex(" CSL_BIBLIOGRAPHY"):])
    root = content_root(out)
    [sec] = list(root.iter(f"{{{NS['text']}}}section"))
    assert ["".join(p.itertext()) for p in sec.iter(f"{{{NS['text']}}}p")] == ["[1] A. Lee, “Alpha study,” Journal of Tests, 2008."]


def test_the_add_citation_button_asks_the_running_app(qtbot, window, lib, tmp_path) -> None:
    """The installed extension's Add Citation, pressed through LibreOffice's dispatcher: the
    app's picker opens (answered here as a user would), the citation lands at the cursor,
    rendered, with a bibliography at the end."""
    lee = make_ref("Alpha study", 2008, family="Lee", given="Ann", container_title="Journal of Tests")
    lee.citation_key = "lee2008"
    with lib.write() as u:
        u.add_items([lee])
    oxt = build(tmp_path / "bibliofile-writer.oxt", EXTENSION)
    doc = write_odt(tmp_path / "paper.odt", TEXT)
    actions = window.picker_actions
    assert actions.endpoint.start(0, endpoint_file=office_render.endpoint_path())
    answered: list[object] = []

    def answer_the_picker() -> None:
        picker = actions.picker
        if picker is not None and picker.isVisible() and picker not in answered:
            answered.append(picker)
            type_text(picker.query, "lee p. 3")
            press(picker.query, Qt.Key.Key_Return)
            press(picker.query, Qt.Key.Key_Return)

    timer = qtbot_timer(qtbot, answer_the_picker)
    try:
        results = run_driver(qtbot, tmp_path, [
            {"op": "open", "path": str(doc)},
            {"op": "cursor", "after": "fast", "type": " "},
            {"op": "dispatch", "url": "org.bibliofile.writer:AddCitation"},
            {"op": "wait_citations", "count": 1},
            {"op": "save", "path": str(tmp_path / "cited.odt")},
        ], oxt=oxt)
    finally:
        timer.stop()
        actions.stop_endpoint()
    assert len(answered) == 1
    assert by_op(results, "wait_citations")[0]["citations"] == ["(Lee, 2008, p. 3)"]
    cited = tmp_path / "cited.odt"
    assert body_paragraphs(cited)[:2] == ["Mice grow tumours fast (Lee, 2008, p. 3). Rats do too.", "Second paragraph here."]
    assert bibliography(cited) == ["Lee, A. (2008). Alpha study. Journal of Tests."]


def test_two_refreshes_at_once_leave_every_citation_once(qtbot, tmp_path) -> None:
    """A Refresh pressed while Add Citation's thread refreshes: the second waits for the first
    (long enough a document that they would overlap: without the wait one of them found its
    marks removed under it)."""
    refs = [{**KIM, "id": f"k{i}", "citation-key": f"k{i}", "title": f"Book {i}",
             "author": [{"family": f"Kim{i}", "given": "Bo"}]} for i in range(60)]
    paras = []
    for n in range(200):
        ref = refs[n % 60]
        data = {"version": 1, "citationID": f"c{n}", "citationItems": [{"id": ref["id"], "itemData": ref}],
                "properties": {"plainCitation": "{Citation}", "noteIndex": 0}}
        paras.append(f"<text:p>Claim {n} {reference_mark('BIBLIOFILE_CITATION ' + json.dumps(data), '{Citation}')}.</text:p>")
    doc = write_odt(tmp_path / "long.odt", "".join(paras))
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "refresh", "style": "apa"},
        {"op": "refresh_twice", "style": "ieee"},
        {"op": "save", "path": str(tmp_path / "twice.odt")},
    ])
    [twice] = by_op(results, "refresh_twice")
    assert twice["errors"] == []
    # IEEE numbers the 60 books in order of first citation: claim n cites book n % 60
    assert twice["citations"] == [f"[{n % 60 + 1}]" for n in range(200)]
    assert len(mark_names(tmp_path / "twice.odt")) == 200
    assert len(bibliography(tmp_path / "twice.odt")) == 60


def test_formats_inside_a_citation_survive_restyles_and_an_unchanged_refresh_rewrites_nothing(qtbot, tmp_path) -> None:
    """A mark's text is set in one call and only its formatted runs are formatted: APA cites a
    book without author by its italic title, inside plain brackets; IEEE's numbers carry no
    italics from it; a refresh with nothing changed leaves every mark alone."""
    anon = {"id": "anon", "type": "book", "title": "Beta book", "issued": {"date-parts": [[2010]]}, "publisher": "Press"}
    doc = write_odt(tmp_path / "paper.odt", TEXT)
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "cite", "after": "fast", "type": " ", "cites": [{"id": "anon", "itemData": anon}]},
        {"op": "cite", "after": "do too", "type": " ", "cites": [{"id": "kim2010", "itemData": KIM}]},
        {"op": "refresh", "style": "apa"},
        {"op": "save", "path": str(tmp_path / "apa.odt")},
        {"op": "refresh"},
        {"op": "refresh", "style": "ieee"},
        {"op": "save", "path": str(tmp_path / "ieee.odt")},
        {"op": "refresh", "style": "apa"},
        {"op": "save", "path": str(tmp_path / "apa-again.odt")},
    ])
    first, unchanged, ieee_refresh, again = by_op(results, "refresh")
    assert (first["refreshed"], first["rewritten"]) == (2, 2)
    assert (unchanged["refreshed"], unchanged["rewritten"]) == (2, 0)
    assert (ieee_refresh["rewritten"], again["rewritten"]) == (2, 2)
    for name in ("apa.odt", "apa-again.odt"):
        out = tmp_path / name
        assert body_paragraphs(out)[0] == "Mice grow tumours fast (Beta Book, 2010). Rats do too (Kim, 2010)."
        # the title alone is italic (in the citation, and the book's title in both entries)
        assert italic_texts(out) == {"Beta Book", "Beta book"}
        assert bibliography(out) == ["Beta book. (2010). Press.", "Kim, B. (2010). Beta book. Press."]
    ieee = tmp_path / "ieee.odt"
    assert body_paragraphs(ieee)[0] == "Mice grow tumours fast [1]. Rats do too [2]."
    assert italic_texts(ieee) == {"Beta book"}  # the entries' titles: nothing left over in the text
    assert len(mark_names(ieee)) == 2


def test_a_refresh_is_one_undo_step_and_refreshes_after_undo_and_redo(qtbot, tmp_path) -> None:
    """Edit > Undo takes a whole refresh back (every citation and the bibliography), Redo puts
    it back, and the refreshes after them find the marks Undo and Redo brought back (a refresh
    remembers the marks it wrote: those are gone after an Undo)."""
    doc = write_odt(tmp_path / "paper.odt", TEXT)
    lee = {**LEE, "title": "Alpha study"}
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "cite", "after": "fast", "type": " ", "cites": [{"id": "lee2008", "locator": "3", "label": "page", "itemData": lee}]},
        {"op": "cite", "after": "do too", "type": " ", "cites": [{"id": "kim2010", "itemData": KIM}, {"id": "lee2008", "itemData": lee}]},
        {"op": "refresh", "style": "apa"},
        {"op": "refresh", "style": "ieee"},
        {"op": "undo"},
        {"op": "save", "path": str(tmp_path / "undone.odt")},
        {"op": "redo"},
        {"op": "refresh"},
        {"op": "undo"},
        {"op": "refresh", "style": "apa"},
        {"op": "save", "path": str(tmp_path / "apa.odt")},
    ])
    undo, redo, undo_nothing = by_op(results, "undo")[0], by_op(results, "redo")[0], by_op(results, "undo")[1]
    assert undo["citations"] == ["(Lee, 2008, p. 3)", "(Kim, 2010; Lee, 2008)"]
    undone = tmp_path / "undone.odt"
    assert body_paragraphs(undone)[:2] == APA_BODY
    assert bibliography(undone) == ["Kim, B. (2010). Beta book. Press.", "Lee, A. (2008). Alpha study. Journal of Tests."]
    assert redo["citations"] == ["[1, p. 3]", "[1], [2]"]
    unchanged = by_op(results, "refresh")[2]
    assert (unchanged["refreshed"], unchanged["rewritten"]) == (2, 0)
    # an unchanged refresh still renames the bibliography's section: one undo step, nothing moves
    assert undo_nothing["citations"] == ["[1, p. 3]", "[1], [2]"]
    apa = tmp_path / "apa.odt"
    assert body_paragraphs(apa)[:2] == APA_BODY
    assert len(mark_names(apa)) == 2


def test_a_document_closed_during_a_refresh_closes_after_it(qtbot, tmp_path) -> None:
    """Add Citation refreshes on a thread, so the window can be closed meanwhile: the close is
    refused until the refresh is done, then the document closes (closing it under the refresh
    crashed soffice: the next step found the bridge gone)."""
    oxt = build(tmp_path / "bibliofile-writer.oxt", EXTENSION)
    paras = []
    for n in range(120):
        ref = {**KIM, "id": f"k{n}", "citation-key": f"k{n}", "title": f"Book {n}", "author": [{"family": f"Kim{n}", "given": "Bo"}]}
        data = {"version": 1, "citationID": f"c{n}", "citationItems": [{"id": ref["id"], "itemData": ref}],
                "properties": {"plainCitation": "{Citation}", "noteIndex": 0}}
        paras.append(f"<text:p>Claim {n} {reference_mark('BIBLIOFILE_CITATION ' + json.dumps(data), '{Citation}')}.</text:p>")
    doc = write_odt(tmp_path / "long.odt", "".join(paras))
    results = run_driver(qtbot, tmp_path, [
        {"op": "open", "path": str(doc)},
        {"op": "close_during", "url": "org.bibliofile.writer:Refresh?style=ieee"},
        {"op": "open", "path": str(doc)},  # soffice still there
        {"op": "refresh", "style": "apa"},
    ], oxt=oxt)
    [closing] = by_op(results, "close_during")
    assert closing == {**closing, "refused": "CloseVetoException", "closed_after": True, "errors": [], "done": True}
    assert by_op(results, "refresh")[0]["refreshed"] == 120
