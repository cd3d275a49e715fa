"""Paste and drop: Ctrl+V (no text field focused) and drops show the import preview; likely
duplicates are flagged and can be unticked; accepting is one transaction."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtTest import QTest

from bibliofile.formats.detect import PLACEHOLDER_KEYWORD
from bibliofile.gui.import_dialog import ImportPreviewDialog

from .conftest import make_ref

PORTAL = Path(__file__).parents[1] / "data" / "portal"
RIS = (
    "TY  - JOUR\nAU  - Knox, Colin\nTI  - Kazakhstan: Modernizing government\nPY  - 2008\nER  - \n\n"
    "TY  - BOOK\nAU  - Ostrom, Elinor\nTI  - Governing the Commons\nPY  - 1990\nDO  - 10.1017/cbo9780511807763\nER  - \n\n"
    "TY  - JOUR\nAU  - Ångström, Åsa\nTI  - Entirely new work\nPY  - 2020\nER  - \n"
)


def preview_of(window) -> ImportPreviewDialog:
    dlg = window.paste_importer.preview_dialog
    assert isinstance(dlg, ImportPreviewDialog), "no import preview was shown"
    return dlg


def paste_with_ctrl_v(window, qtbot, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=2000)
    QTest.keyClick(window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_v_previews_flags_duplicates_and_imports_the_ticked_in_one_go(window, lib, qtbot, shots) -> None:
    lib.add_references([
        make_ref("Kazakhstan: modernizing   government!", year=2008),
        make_ref("Another title", year=1990, family="Ostrom", doi="https://doi.org/10.1017/CBO9780511807763"),
    ])
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    paste_with_ctrl_v(window, qtbot, RIS)
    dlg = preview_of(window)
    assert dlg.table.rowCount() == 3
    assert "Found 3 references (RIS)" in dlg.headline.text()
    assert "2 references look like ones already in the library" in dlg.headline.text()
    flags = [dlg.table.item(r, 6).text() for r in range(3)]
    assert flags[0].startswith("Likely duplicate (same title and year)")
    assert flags[1].startswith("Likely duplicate (same DOI)")
    assert flags[2] == ""
    assert lib.count() == 2, "nothing is written before the user accepts"
    dlg.grab().save(str(shots / "import_preview.png"))
    dlg.untick_duplicates()
    assert dlg.chosen() == [False, False, True]
    assert dlg.import_button.text() == "Import 1 reference"
    dlg.accept()
    assert lib.count() == 3
    titles = {r.title for r in lib.get_many(window.table.selected_ids())}
    assert titles == {"Entirely new work"}
    assert lib.get_many(window.table.selected_ids())[0].creators[0].family == "Ångström"


def test_cancel_in_the_preview_writes_nothing(window, lib) -> None:
    window.paste_importer.import_text(RIS, "clipboard")
    preview_of(window).reject()
    assert lib.count() == 0


def test_ctrl_v_in_the_search_field_pastes_text_not_references(window, lib, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    QGuiApplication.clipboard().setText("governance")
    window.search_field.setFocus()
    qtbot.waitUntil(window.search_field.hasFocus, timeout=2000)
    window.act_paste_references.trigger()  # even the menu entry leaves text fields their paste
    assert window.paste_importer.preview_dialog is None
    assert "governance" in window.search_field.text()
    assert lib.count() == 0


def test_pasted_dois_become_placeholders_to_look_up(window, lib) -> None:
    QGuiApplication.clipboard().setText("10.1000/abc123\nhttps://doi.org/10.5555/xyz")
    window.table.setFocus()
    window.act_paste_references.trigger()
    dlg = preview_of(window)
    assert dlg.table.rowCount() == 2 and dlg.table.item(0, 5).text() == "DOI list"
    dlg.accept()
    refs = lib.get_many(lib.search(""))
    assert sorted(r.fields["doi"] for r in refs) == ["10.1000/abc123", "10.5555/xyz"]
    assert all(r.fields["keywords"] == PLACEHOLDER_KEYWORD for r in refs)


def test_pasted_portal_page_imports_its_fields(window, lib) -> None:
    text = (PORTAL / "plain-journal-article.txt").read_text(encoding="utf-8")
    QGuiApplication.clipboard().setText(text)
    window.table.setFocus()
    window.act_paste_references.trigger()
    dlg = preview_of(window)
    assert dlg.table.item(0, 1).text() == "Water councils and river basin governance in Central Asia"
    assert dlg.table.item(0, 2).text() == "(no authors)"
    assert dlg.problems_view is not None and "no authors" in dlg.problems_view.toPlainText()
    dlg.accept()
    (ref,) = lib.get_many(lib.search(""))
    assert ref.fields["citation_count"] == "12" and ref.fields["peer_reviewed"] == "Yes"


def test_unreadable_clipboard_says_so(window, lib) -> None:
    QGuiApplication.clipboard().setText("just a shopping list")
    window.table.setFocus()
    window.act_paste_references.trigger()
    assert window.paste_importer.preview_dialog is None
    assert "Nothing to import" in window.statusBar().currentMessage()
    window.paste_importer.summary_dialog.accept()
    assert lib.count() == 0


def drop(window, mime: QMimeData) -> None:
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_dropping_a_ris_file_or_text_shows_the_preview(window, lib, tmp_path) -> None:
    ris = tmp_path / "dropped.ris"
    ris.write_text(RIS, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ris))])
    drop(window, mime)
    dlg = preview_of(window)
    assert dlg.table.rowCount() == 3
    dlg.accept()
    assert lib.count() == 3
    text = QMimeData()
    text.setText('[{"type": "book", "title": "Dropped as CSL-JSON text"}]')
    drop(window, text)
    dlg = preview_of(window)
    assert dlg.table.item(0, 1).text() == "Dropped as CSL-JSON text" and dlg.table.item(0, 5).text() == "CSL-JSON"
    dlg.accept()
    assert lib.count() == 4


def test_dropping_a_large_file_imports_it_without_a_preview(window, lib, tmp_path, monkeypatch) -> None:
    from bibliofile.gui import paste_import

    monkeypatch.setattr(paste_import, "PREVIEW_MAX_BYTES", 100)
    ris = tmp_path / "big.ris"
    ris.write_text(RIS, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ris))])
    drop(window, mime)
    assert window.paste_importer.preview_dialog is None
    assert lib.count() == 3
    window.summary_dialog.accept()
