"""Quick copy (Edit menu, Ctrl+C), Preferences, and dragging references out of the table."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from tests.citation_samples import ARTICLE_NO_DOI, BOOK, copies
from tests.citeproc_skip import needs_citeproc

from bibliofile.gui.library_table import IDS_MIME, ids_from_mime
from bibliofile.gui.preferences_dialog import QUICK_LOCALE_KEY, QUICK_STYLE_KEY, PreferencesDialog
from bibliofile.model import Creator, Reference
from bibliofile.services.citation_payload import MIME_BIBTEX, MIME_CSL_JSON, MIME_RTF

pytestmark = needs_citeproc

ARTICLE = ARTICLE_NO_DOI
APA_TEXT = (
    "Fisher, R. A. (1971). The design of experiments (8th ed.). Hafner.\n"
    "Knox, C., & van der Berg, H. (2008). Tumour growth in mice. Journal of Cancer Research, 12(3), 101–110."
)


@pytest.fixture
def two(window, lib):
    with lib.write() as u:
        ids = u.add_items(copies(ARTICLE, BOOK))
    window.reload()
    window.table.select_ids(ids, ids[0])
    return window, ids


def _clip():
    return QGuiApplication.clipboard().mimeData()


def _drag(window, ids):
    model = window.model
    rows = [model.row_of(i) for i in ids]
    return model.mimeData([model.index(r, 0) for r in rows if r is not None])


def test_edit_menu_entries(two) -> None:
    window, _ids = two
    c = window.citations
    assert c.act_copy_bibliography.shortcut().toString() == "Ctrl+Shift+C"
    assert c.act_copy_citation.shortcut().toString() == "Ctrl+Shift+A"
    edit = window.menu_edit.actions()
    assert c.act_copy_bibliography in edit and c.act_copy_citation in edit and c.act_preferences in edit
    window.table.clearSelection()
    assert not c.act_copy_bibliography.isEnabled()


def test_the_rows_context_menu_offers_copy(two) -> None:
    from PySide6.QtWidgets import QMenu

    window, ids = two
    c = window.citations
    menu = QMenu(window)
    for hook in window.table_menu_hooks:
        hook(menu, ids)
    assert c.act_copy_bibliography in menu.actions() and c.act_copy_citation in menu.actions()
    empty = QMenu(window)
    for hook in window.table_menu_hooks:
        hook(empty, [])
    assert c.act_copy_bibliography not in empty.actions()


def test_copy_bibliography_and_citation(two) -> None:
    window, _ids = two
    window.citations.act_copy_bibliography.trigger()
    mime = _clip()
    assert mime.text() == APA_TEXT
    assert "<i>Journal of Cancer Research</i>" in mime.html()
    assert bytes(mime.data(MIME_RTF).data()).startswith(b"{\\rtf1")
    assert "@article{knox2008" in bytes(mime.data(MIME_BIBTEX).data()).decode()
    window.citations.act_copy_citation.trigger()
    assert _clip().text() == "(Fisher, 1971; Knox & van der Berg, 2008)"
    assert window.statusBar().currentMessage().startswith("Copied the citation of 2 references")


def test_ctrl_c_in_the_table_copies_the_bibliography(two, qtbot) -> None:
    window, _ids = two
    QGuiApplication.clipboard().setText("something else")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert _clip().text() == APA_TEXT


def test_copy_with_nothing_selected_says_so(two) -> None:
    window, _ids = two
    window.table.clearSelection()
    QGuiApplication.clipboard().setText("kept")
    window.citations.copy(citation=False)
    assert QGuiApplication.clipboard().text() == "kept"
    assert "Select the references" in window.statusBar().currentMessage()


def test_preferences_choose_the_quick_copy_style(two, settings, qtbot) -> None:
    window, _ids = two
    dlg = PreferencesDialog(settings, window)
    qtbot.addWidget(dlg)
    assert dlg.picker.style_id() == "apa"
    dlg.picker.search.setText("ieee")
    dlg.picker.view.setCurrentIndex(dlg.picker.model.index(dlg.picker.model.row_of("ieee"), 0))
    dlg.language.setCurrentIndex(dlg.language.findData("de-DE"))
    dlg.accept()
    assert settings.value(QUICK_STYLE_KEY) == "ieee" and settings.value(QUICK_LOCALE_KEY) == "de-DE"
    window.citations.act_copy_citation.trigger()
    assert _clip().text() == "[1], [2]"
    window.citations.act_copy_bibliography.trigger()
    assert _clip().text().startswith("[1] R. A. Fisher, The design of experiments, 8. Aufl.")


def test_drag_carries_every_format_and_the_ids(two) -> None:
    window, ids = two
    mime = _drag(window, ids)
    assert sorted(ids_from_mime(mime)) == sorted(ids)  # collections still take the drop
    assert mime.hasFormat(IDS_MIME)
    for fmt in ("text/html", "text/plain", "text/rtf", "application/rtf", MIME_BIBTEX, MIME_CSL_JSON):
        assert mime.hasFormat(fmt), fmt
    assert mime.text() == APA_TEXT
    html = mime.html()
    assert html.startswith("<!DOCTYPE html>") and "&lt;" not in html and "<i>12</i>" in html
    items = json.loads(bytes(mime.data(MIME_CSL_JSON).data()))
    assert {i["id"] for i in items} == {"knox2008", "fisher1971"}


def test_shift_drag_carries_the_citation(two, qtbot) -> None:
    window, ids = two
    qtbot.keyPress(window.table, Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier)
    try:
        assert QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        mime = _drag(window, ids)
    finally:
        qtbot.keyRelease(window.table, Qt.Key.Key_Shift)
    assert mime.text() == "(Fisher, 1971; Knox & van der Berg, 2008)"
    assert "<p" not in mime.html()  # inline: dropping it does not start a paragraph
    assert sorted(ids_from_mime(mime)) == sorted(ids)


def test_drop_on_a_collection_still_files_the_references(two) -> None:
    window, ids = two
    window.create_collection("Thesis")
    [(cid, _parent, _name)] = window.library.collections()
    mime = _drag(window, ids)
    window.add_to_collection(cid, ids_from_mime(mime))
    from bibliofile.storage.library import Scope

    assert sorted(window.library.search("", scope=Scope(collection_id=cid))) == sorted(ids)


def test_edited_reference_is_not_served_stale(two, lib) -> None:
    window, ids = two
    assert "Tumour growth in mice" in _drag(window, ids).text()
    knox = next(r for r in lib.get_many(ids) if r.citation_key == "knox2008")
    knox.fields["title"] = "Tumour growth in rats"
    with lib.write() as u:
        u.update(knox)
    text = _drag(window, ids).text()
    assert "Tumour growth in rats" in text and "mice" not in text


def test_fifty_reference_drag_is_ready_in_under_100_ms(make_window, lib, qtbot) -> None:
    """With the real (threaded) runner the selection is pre-rendered, and the drag only looks up."""
    refs = [
        Reference(
            item_type=("article-journal", "book", "chapter")[i % 3],
            fields={
                "title": f"Study number {i} of growth",
                "date": str(1990 + i % 30),
                "container_title": "Journal of Things" if i % 3 != 1 else "",
                "volume": str(i),
                "pages": f"{i}--{i + 9}",
                "publisher": "Hafner",
            },
            creators=[Creator(family=f"Author{i % 17}", given="Ann"), Creator(family="Other", given="Bob")],
        )
        for i in range(50)
    ]
    with lib.write() as u:
        ids = u.add_items(refs)
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 50, timeout=10000)
    window.table.selectAll()
    c = window.citations
    qtbot.waitUntil(lambda: c.prefetched >= 2, timeout=60000)
    indexes = [window.model.index(r, 0) for r in range(50)]
    hits = c.cache.hits
    for _ in range(3):
        mime = window.model.mimeData(indexes)
    assert len(mime.text().splitlines()) == 50
    assert sorted(ids_from_mime(mime)) == sorted(ids)
    assert c.cache.hits >= hits + 3  # every drag was served from the pre-rendered payload


def test_nothing_selected_drags_nothing_formatted(two) -> None:
    window, _ids = two
    mime = window.model.mimeData([QModelIndex()])
    assert not mime.hasFormat("text/html")


def test_a_huge_drag_carries_ids_only(two, monkeypatch) -> None:
    from bibliofile.gui import citation_actions

    window, ids = two
    monkeypatch.setattr(citation_actions, "DRAG_FORMAT_LIMIT", 1)
    mime = _drag(window, ids)
    assert sorted(ids_from_mime(mime)) == sorted(ids) and not mime.hasFormat("text/html")
    assert "too many to format in a drag" in window.statusBar().currentMessage()
