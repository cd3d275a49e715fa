"""The detail pane on a real library file: edits are saved at once, one undo step each."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QPalette, QUndoStack
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from bibliofile.gui import detail_pane as dp
from bibliofile.gui.detail_pane import DetailPane, GrowingTextEdit
from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.model.reference import SourceRecord
from bibliofile.storage.library import Library

SCREENSHOTS = Path(__file__).parent / "screenshots"


def article(title: str, **fields: str) -> Reference:
    return Reference(
        item_type="article-journal",
        fields={"title": title, "date": "2008", **fields},
        creators=[Creator(family="Knox", given="Colin")],
        citation_key=f"knox{len(title)}",
    )


@pytest.fixture
def lib(tmp_path: Path):
    library = Library.open(tmp_path / "pane.sqlite")
    yield library
    library.close()


@pytest.fixture
def stack() -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def pane(qtbot, lib: Library, stack: QUndoStack) -> DetailPane:
    p = DetailPane(lib, stack)
    qtbot.addWidget(p)
    p.resize(380, 1000)
    p.show()
    qtbot.waitExposed(p)
    return p


def add(lib: Library, *refs: Reference) -> list[int]:
    return lib.add_references(list(refs))


def type_text(editor: QWidget, text: str, finish: bool = True) -> None:
    """Replace the editor's text by typing, one key event per character (works for non-ASCII,
    where QTest's key helpers crash), then finish the edit as a user would."""
    editor.selectAll()  # type: ignore[attr-defined]
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    if finish:
        finish_edit(editor)


def finish_edit(editor: QWidget) -> None:
    if isinstance(editor, GrowingTextEdit) and not editor.one_paragraph:
        QApplication.sendEvent(editor, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    else:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))


def choose_type(pane: DetailPane, csl: str) -> None:
    combo = pane.type_combo
    assert combo is not None
    i = combo.findData(csl)
    combo.setCurrentIndex(i)
    combo.activated.emit(i)


# ---- single reference -----------------------------------------------------------------------

def test_focusing_the_pane_edits_the_title(pane: DetailPane, lib: Library, qtbot) -> None:
    """A double-click or Enter on a row calls focus_title (no focus proxy: see tab_chain)."""
    (rid,) = add(lib, article("T"))
    pane.show_references([rid])
    pane.activateWindow()
    pane.focus_title()
    qtbot.waitUntil(lambda: pane.editors["title"].hasFocus())
    assert pane.tab_chain()[:3] == [pane.type_combo, pane.key_edit, pane.editors["title"]]


def test_empty_state_is_a_quiet_hint(pane: DetailPane) -> None:
    pane.show_references([])
    assert pane.stack.currentWidget() is pane.empty_page
    assert pane.empty_title.text() == "No reference selected"
    assert "Select a reference" in pane.empty_hint.text()


def test_edit_field_is_saved_and_undone(pane: DetailPane, lib: Library, stack: QUndoStack, qtbot) -> None:
    (rid,) = add(lib, article("Old title", volume="3"))
    pane.show_references([rid])
    with qtbot.waitSignal(pane.referencesChanged) as sig:
        type_text(pane.editors["volume"], "4")
    assert sig.args == [[rid]]
    assert lib.get(rid).get("volume") == "4"
    assert lib.get(rid).edited
    assert stack.count() == 1
    assert stack.undoText() == "Edit volume"

    type_text(pane.editors["title"], "New title")
    assert lib.get(rid).title == "New title"
    assert stack.count() == 2

    stack.undo()
    assert lib.get(rid).title == "Old title"
    assert pane.editors["title"].text() == "Old title"  # the pane refreshed
    stack.undo()
    assert lib.get(rid).get("volume") == "3"
    assert pane.editors["volume"].text() == "3"
    stack.redo()
    assert lib.get(rid).get("volume") == "4"


def test_finishing_without_a_change_pushes_nothing(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = add(lib, article("Same"))
    pane.show_references([rid])
    type_text(pane.editors["title"], "Same")
    finish_edit(pane.editors["volume"])
    assert stack.count() == 0
    assert not lib.get(rid).edited


def test_undo_after_switching_selection(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    a, b = add(lib, article("First", volume="1"), article("Second", volume="9"))
    pane.show_references([a])
    type_text(pane.editors["volume"], "2")
    pane.show_references([b])
    assert pane.editors["volume"].text() == "9"
    stack.undo()
    assert lib.get(a).get("volume") == "1"
    assert lib.get(b).get("volume") == "9"
    assert pane.editors["volume"].text() == "9"  # still showing b, untouched
    pane.show_references([a])
    assert pane.editors["volume"].text() == "1"


def test_edit_in_progress_is_kept_when_selection_changes(pane: DetailPane, lib: Library) -> None:
    a, b = add(lib, article("First"), article("Second"))
    pane.show_references([a])
    type_text(pane.editors["pages"], "10–20", finish=False)
    pane.show_references([b])
    assert lib.get(a).get("pages") == "10–20"
    assert lib.get(b).get("pages") == ""


def test_escape_puts_back_the_stored_value(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = add(lib, article("T", issue="2"))
    pane.show_references([rid])
    edit = pane.editors["issue"]
    type_text(edit, "7", finish=False)
    QApplication.sendEvent(edit, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))
    assert edit.text() == "2"
    finish_edit(edit)
    assert stack.count() == 0


def test_non_ascii_typing(pane: DetailPane, lib: Library) -> None:
    (rid,) = add(lib, article("x"))
    pane.show_references([rid])
    type_text(pane.editors["title"], "Ångström, Ødegård & Łukasz — “quoted” 東京 ✓")
    assert lib.get(rid).title == "Ångström, Ødegård & Łukasz — “quoted” 東京 ✓"
    assert lib.search("Ødegård") == [rid]


def test_multiline_abstract_saves_on_focus_out(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = add(lib, article("x"))
    pane.show_references([rid])
    abstract = pane.editors["abstract"]
    assert isinstance(abstract, GrowingTextEdit)
    abstract.setFocus()
    type_text(abstract, "First line.", finish=False)
    QApplication.sendEvent(abstract, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))
    for ch in "Second.":
        QApplication.sendEvent(abstract, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch))
    assert stack.count() == 0  # Return in an abstract is a new line, not "done"
    finish_edit(abstract)
    assert lib.get(rid).get("abstract") == "First line.\nSecond."
    assert stack.count() == 1


def test_citation_key_is_editable_and_clashes_are_flagged(pane: DetailPane, lib: Library) -> None:
    a, b = add(lib, article("First"), article("Second!"))
    pane.show_references([a])
    assert pane.key_edit is not None and pane.key_warning is not None
    type_text(pane.key_edit, lib.get(b).citation_key)
    assert lib.get(a).citation_key == lib.get(b).citation_key
    assert pane.key_warning.isVisibleTo(pane)
    type_text(pane.key_edit, "knox2008")
    assert lib.get(a).citation_key == "knox2008"
    assert not pane.key_warning.isVisibleTo(pane)


def test_type_change_shows_and_hides_fields(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    (rid,) = add(lib, article("T", container_title="Journal of Things"))
    pane.show_references([rid])
    assert pane.labels["container_title"].text() == "Journal"
    assert "issue" in pane.editors and "publisher" not in pane.editors
    choose_type(pane, "book")
    assert lib.get(rid).item_type == "book"
    assert stack.count() == 1 and stack.undoText() == "Change type to Book"
    assert {"publisher", "isbn", "edition", "number_of_pages"} <= set(pane.editors)
    assert "issue" not in pane.editors
    # A value the new type does not usually show stays visible: nothing is hidden.
    assert pane.editors["container_title"].text() == "Journal of Things"
    choose_type(pane, "thesis")
    assert pane.labels["publisher"].text() == "University"
    stack.undo()
    stack.undo()
    assert lib.get(rid).item_type == "article-journal"
    assert pane.type_combo is not None and pane.type_combo.currentData() == "article-journal"
    assert "issue" in pane.editors and "publisher" not in pane.editors


def test_links_open_doi_and_only_safe_urls(pane: DetailPane, lib: Library, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    opened: list[str] = []
    monkeypatch.setattr(dp, "open_url", lambda url: opened.append(url) or True)
    (rid,) = add(lib, article("T", doi="10.1017/CBO9780511807763", url="javascript:alert(1)"))
    pane.show_references([rid])
    doi, url = pane.link_buttons["doi"], pane.link_buttons["url"]
    assert doi.isEnabled() and not url.isEnabled()
    qtbot.mouseClick(doi, Qt.MouseButton.LeftButton)
    assert opened == ["https://doi.org/10.1017/CBO9780511807763"]
    type_text(pane.editors["url"], "https://example.org/paper")
    assert url.isEnabled()
    qtbot.mouseClick(url, Qt.MouseButton.LeftButton)
    assert opened[-1] == "https://example.org/paper"


def test_markup_is_shown_literally(pane: DetailPane, lib: Library) -> None:
    title = "<img src=x> and <b>bold</b> &amp;"
    r = article(title, container_title="<i>J</i>")
    r.creators = [Creator.institution("<b>Org</b>")]
    r.source = SourceRecord("bibtex", "@article{x}", file="/tmp/<b>refs.bib", line=3)
    (rid,) = add(lib, r)
    pane.show_references([rid])
    assert pane.editors["title"].text() == title
    assert pane.editors["container_title"].text() == "<i>J</i>"
    assert pane.creators_editor is not None
    assert pane.creators_editor.list.item(0).text() == "<b>Org</b>"
    assert pane.source_label is not None and pane.source_label.text() == "From <b>refs.bib, line 3"
    for label in pane.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_unknown_fields_are_shown_and_editable(pane: DetailPane, lib: Library) -> None:
    r = article("T")
    r.extra = {"mrnumber": "{MR123}"}
    (rid,) = add(lib, r)
    pane.show_references([rid])
    assert pane.editors["mrnumber"].text() == "{MR123}"
    type_text(pane.editors["mrnumber"], "MR456")
    assert lib.get(rid).extra == {"mrnumber": "MR456"}


def test_crossref_values_show_as_placeholders(pane: DetailPane, lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a resolver in bibliofile.formats.crossref, inherited values are greyed placeholders."""
    import sys
    import types

    from bibliofile.services import editing

    def resolve_crossref(child: Reference, parent: Reference) -> Reference:
        merged = editing.copy_reference(child)
        for k, v in parent.fields.items():
            merged.fields.setdefault("container_title" if k == "title" else k, v)
        return merged

    fake = types.ModuleType("bibliofile.formats.crossref")
    fake.resolve_crossref = resolve_crossref  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bibliofile.formats.crossref", fake)
    parent = Reference(item_type="book", fields={"title": "Proceedings of X", "publisher": "Springer"},
                       citation_key="proc2020")
    child = Reference(item_type="chapter", fields={"title": "A paper", "crossref": "proc2020"})
    _p, cid = add(lib, parent, child)
    pane.show_references([cid])
    publisher = pane.editors["publisher"]
    assert publisher.text() == "" and publisher.placeholderText() == "Springer"
    assert pane.editors["container_title"].placeholderText() == "Proceedings of X"
    assert "publisher" not in lib.get(cid).fields  # shown, not stored


# ---- creators -------------------------------------------------------------------------------

def test_creators_editor_add_institution(pane: DetailPane, lib: Library, stack: QUndoStack, qtbot) -> None:
    (rid,) = add(lib, article("T"))
    pane.show_references([rid])
    ed = pane.creators_editor
    assert ed is not None
    qtbot.mouseClick(ed.add_button, Qt.MouseButton.LeftButton)
    assert stack.count() == 0  # a name not typed yet is not stored
    qtbot.mouseClick(ed.institution, Qt.MouseButton.LeftButton)
    assert ed.institution.isChecked() and ed.literal.isVisibleTo(ed) and not ed.family.isVisibleTo(ed)
    type_text(ed.literal, "World Health Organization")
    assert lib.get(rid).creators == [
        Creator(family="Knox", given="Colin"),
        Creator.institution("World Health Organization"),
    ]
    assert stack.count() == 1
    stack.undo()
    assert lib.get(rid).creators == [Creator(family="Knox", given="Colin")]
    assert ed.list.count() == 1


def test_creators_editor_person_role_move_remove(pane: DetailPane, lib: Library, stack: QUndoStack, qtbot) -> None:
    (rid,) = add(lib, article("T"))
    pane.show_references([rid])
    ed = pane.creators_editor
    assert ed is not None
    qtbot.mouseClick(ed.add_button, Qt.MouseButton.LeftButton)
    type_text(ed.family, "Berg", finish=False)
    type_text(ed.particle, "van der", finish=False)
    type_text(ed.given, "Hans")
    knox, berg = Creator(family="Knox", given="Colin"), Creator(family="Berg", given="Hans", particle="van der")
    assert lib.get(rid).creators == [knox, berg]
    assert stack.count() == 1
    assert ed.list.item(1).text() == "van der Berg, Hans"

    ed.role.setCurrentIndex(ed.role.findData(CreatorRole.EDITOR.value))
    ed.role.activated.emit(ed.role.currentIndex())
    berg_ed = Creator(role=CreatorRole.EDITOR, family="Berg", given="Hans", particle="van der")
    assert lib.get(rid).creators == [knox, berg_ed]
    qtbot.mouseClick(ed.up_button, Qt.MouseButton.LeftButton)
    assert lib.get(rid).creators == [berg_ed, knox]
    ed.list.setCurrentRow(1)
    qtbot.mouseClick(ed.remove_button, Qt.MouseButton.LeftButton)
    assert lib.get(rid).creators == [berg_ed]
    assert stack.count() == 4
    stack.undo()
    stack.undo()
    assert lib.get(rid).creators == [knox, berg_ed]


def test_institution_checkbox_converts_a_person(pane: DetailPane, lib: Library, qtbot) -> None:
    (rid,) = add(lib, article("T"))
    pane.show_references([rid])
    ed = pane.creators_editor
    assert ed is not None
    qtbot.mouseClick(ed.institution, Qt.MouseButton.LeftButton)
    assert lib.get(rid).creators == [Creator.institution("Colin Knox")]
    qtbot.mouseClick(ed.institution, Qt.MouseButton.LeftButton)
    assert lib.get(rid).creators == [Creator(family="Colin Knox")]


# ---- several references ---------------------------------------------------------------------

def test_multi_selection_shows_common_values(pane: DetailPane, lib: Library) -> None:
    ids = add(lib, article("Same", volume="1", publisher="CUP"), article("Same", volume="2", publisher="CUP"),
              article("Same", volume="3", publisher="CUP"))
    pane.show_references(ids)
    assert pane.header is not None and pane.header.text() == "3 references selected"
    assert pane.editors["title"].text() == "Same"
    assert pane.editors["volume"].text() == ""
    assert pane.editors["volume"].placeholderText() == "(various)"
    assert pane.editors["publisher"].text() == "CUP"
    assert pane.key_edit is None  # each reference keeps its own key
    pane.unlock()  # "Edit All 3…", confirmed (tests/gui/test_pane_selection.py clicks it)
    # Leaving a "(various)" field untouched changes nothing.
    finish_edit(pane.editors["volume"])
    assert [r.get("volume") for r in lib.get_many(ids)] == ["1", "2", "3"]


def test_multi_selection_edit_applies_to_all_and_undoes_in_one_step(
    pane: DetailPane, lib: Library, stack: QUndoStack, qtbot
) -> None:
    ids = add(lib, article("A", volume="1"), article("B", volume="2"), article("C"))
    pane.show_references(ids)
    pane.unlock()
    with qtbot.waitSignal(pane.referencesChanged) as sig:
        type_text(pane.editors["volume"], "12")
    assert sig.args == [ids]
    assert [r.get("volume") for r in lib.get_many(ids)] == ["12"] * 3
    assert stack.count() == 1 and stack.undoText() == "Edit volume of 3 references"
    assert pane.editors["volume"].text() == "12"
    stack.undo()
    assert [r.get("volume") for r in lib.get_many(ids)] == ["1", "2", ""]
    assert pane.editors["volume"].placeholderText() == "(various)"


def test_multi_selection_type_and_creators(pane: DetailPane, lib: Library, stack: QUndoStack) -> None:
    ids = add(lib, article("A"), Reference(item_type="book", fields={"title": "B"}))
    pane.show_references(ids)
    pane.unlock()
    assert pane.type_combo is not None and pane.type_combo.currentIndex() == -1
    assert pane.creators_editor is not None and pane.creators_editor.list.item(0).text() == "(various)"
    choose_type(pane, "report")
    assert [r.item_type for r in lib.get_many(ids)] == ["report", "report"]
    assert stack.count() == 1
    stack.undo()
    assert [r.item_type for r in lib.get_many(ids)] == ["article-journal", "book"]


def test_clearing_a_multiple_values_field_clears_all(pane: DetailPane, lib: Library) -> None:
    ids = add(lib, article("A", note="x"), article("B", note="y"))
    pane.show_references(ids)
    pane.unlock()
    note = pane.editors["note"]
    assert note.placeholderText() == "(various)"
    QApplication.sendEvent(note, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier))
    assert note.text() == "" and note.isModified() and note.placeholderText() == ""
    finish_edit(note)
    assert [r.get("note") for r in lib.get_many(ids)] == ["", ""]


def test_too_many_selected_shows_the_count(pane: DetailPane, monkeypatch: pytest.MonkeyPatch, lib: Library) -> None:
    monkeypatch.setattr(dp, "MULTI_EDIT_LIMIT", 2)
    ids = add(lib, article("A"), article("B"), article("C"))
    pane.show_references(ids)
    assert pane.stack.currentWidget() is pane.empty_page
    assert pane.empty_title.text() == "3 references selected"


# ---- screenshots ----------------------------------------------------------------------------

def _sample(lib: Library) -> list[int]:
    return add(
        lib,
        Reference(
            item_type="article-journal",
            fields={
                "title": "Governing the commons: the evolution of institutions for collective action",
                "date": "1990-03",
                "container_title": "Journal of Institutional Economics",
                "volume": "12", "issue": "3", "pages": "241–258",
                "doi": "10.1017/CBO9780511807763",
                "abstract": "The governance of natural resources used by many individuals in common "
                            "is an issue of increasing concern to policy analysts. " * 3,
                "keywords": "commons; institutions; collective action",
            },
            creators=[
                Creator(family="Ostrom", given="Elinor"),
                Creator.institution("World Health Organization"),
                Creator(role=CreatorRole.EDITOR, family="Berg", given="Hans", particle="van der", suffix="Jr"),
            ],
            citation_key="ostrom1990",
            source=SourceRecord("bibtex", "@article{ostrom1990, ...}", file="/home/me/refs.bib", line=12),
        ),
        Reference(item_type="book", fields={"title": "Public Management Reform", "date": "2011",
                                            "publisher": "Oxford University Press", "volume": "2"},
                  creators=[Creator(family="Pollitt", given="Christopher")]),
        Reference(item_type="article-journal", fields={"title": "<b>Markup</b> & more", "date": "2011",
                                                       "container_title": "Journal of Institutional Economics"},
                  creators=[Creator(family="Hood", given="Christopher")]),
    )


def test_screenshots(pane: DetailPane, lib: Library) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ids = _sample(lib)
    pane.show_references([ids[0]])
    QApplication.processEvents()
    assert not pane.grab().isNull()
    pane.grab().save(str(SCREENSHOTS / "detail_pane_single.png"))
    pane.show_references(ids)
    QApplication.processEvents()
    pane.grab().save(str(SCREENSHOTS / "detail_pane_multi.png"))
    pane.show_references([])
    QApplication.processEvents()
    pane.grab().save(str(SCREENSHOTS / "detail_pane_empty.png"))


def test_screenshot_dark_palette(pane: DetailPane, lib: Library) -> None:
    dark = QPalette()
    for role, colour in [
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#3a3a3a"), (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#3d6fb4"), (QPalette.ColorRole.PlaceholderText, "#8c8c8c"),
    ]:
        dark.setColor(role, QColor(colour))
    pane.setPalette(dark)
    ids = _sample(lib)
    pane.show_references([ids[0]])
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pane.grab().save(str(SCREENSHOTS / "detail_pane_dark.png"))
    title = pane.editors["title"]
    assert title.palette().color(QPalette.ColorRole.Base) == QColor("#1e1e1e")


def test_line_edits_are_plain(pane: DetailPane, lib: Library) -> None:
    (rid,) = add(lib, article("T"))
    pane.show_references([rid])
    assert all(isinstance(e, QLineEdit | GrowingTextEdit) for e in pane.editors.values())
    assert all(not e.acceptRichText() for e in pane.editors.values() if isinstance(e, GrowingTextEdit))


# ---- inside the main window -----------------------------------------------------------------

def test_in_main_window_edit_refreshes_table_and_window_undo(window, lib: Library) -> None:
    from bibliofile.gui.library_table import COLUMN_KEYS

    col = COLUMN_KEYS.index("title")
    a, b = lib.add_references([article("Alpha"), article("Beta")])
    window.reload()
    pane = window.detail
    assert isinstance(pane, DetailPane)
    window.table.select_ids([a])
    assert pane.editors["title"].text() == "Alpha"
    type_text(pane.editors["title"], "Alpha revised")
    assert lib.get(a).title == "Alpha revised"
    m = window.model
    assert "Alpha revised" in [m.data(m.index(r, col)) for r in range(m.rowCount())]
    assert window.table.selected_ids() == [a]  # the selection survives the refresh
    window.table.select_ids([b])
    window.act_undo.trigger()
    assert lib.get(a).title == "Alpha"
    assert "Alpha" in [m.data(m.index(r, col)) for r in range(m.rowCount())]
    assert pane.editors["title"].text() == "Beta"


def test_main_window_screenshot_with_pane(window, lib: Library, qtbot) -> None:
    ids = _sample(lib)
    window.resize(1300, 800)
    window.reload()
    window.show()
    qtbot.wait(20)
    window.table.select_ids([ids[0]])
    qtbot.wait(20)  # let the new form lay itself out
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "detail_pane_in_window.png"))


def test_a_failed_write_is_reported_and_not_left_on_the_stack(
    pane: DetailPane, lib: Library, stack: QUndoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bibliofile.gui import messages
    from bibliofile.services import editing
    from bibliofile.storage.errors import LibraryLockedError

    (rid,) = add(lib, article("T", volume="1"))
    pane.show_references([rid])
    shown: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: shown.append(text))

    def locked(*_a: object) -> list[int]:
        raise LibraryLockedError("The library is locked by another program; nothing was changed.")

    monkeypatch.setattr(editing, "apply_edits", locked)
    type_text(pane.editors["volume"], "2")
    assert shown == ["The library is locked by another program; nothing was changed."]
    assert stack.count() == 0
    assert lib.get(rid).get("volume") == "1"
    assert pane.editors["volume"].text() == "1"
