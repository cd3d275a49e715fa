"""The search field reads OR and grouping, and says in the field what it could not read
(issue 17, item 9): "gowda OR lignos" used to find nothing and give no hint."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from bibliofile.gui.library_table import COLUMN_KEYS
from bibliofile.gui.search_field import SearchField

from .conftest import make_ref

TITLE = COLUMN_KEYS.index("title")


def titles(window) -> list[str]:
    m = window.model
    return sorted(m.data(m.index(r, TITLE)) for r in range(m.rowCount()))


def search(window, text: str) -> None:
    window.search_field.setText(text)
    window.search_field.flush()


def test_or_finds_either_and_the_field_names_what_it_could_not_read(window, lib, shots) -> None:
    lib.add_references(
        [
            make_ref("Graph networks for citations", 2019, "Gowda"),
            make_ref("Morphology learning", 2010, "Lignos"),
            make_ref("Governing the commons", 1990, "Ostrom"),
        ]
    )
    window.reload()
    field = window.search_field
    search(window, "gowda OR lignos")
    assert titles(window) == ["Graph networks for citations", "Morphology learning"]
    assert not field.hint_action.isVisible() and field.hint == ""

    search(window, "(gowda OR lignos")  # searched as if closed, and said so
    assert titles(window) == ["Graph networks for citations", "Morphology learning"]
    assert 'Unclosed "("' in field.hint
    assert field.hint_action.isVisible()
    assert 'Unclosed "("' in field.hint_action.toolTip()
    assert field.toolTip().startswith('Unclosed "("')
    assert 'Unclosed "("' in window.statusBar().currentMessage()
    QApplication.processEvents()
    window.grab().save(str(shots / "search-hint.png"))
    field.grab().save(str(shots / "search-hint-field.png"))

    search(window, "title:(graph OR commons) -year:1990")
    assert titles(window) == ["Graph networks for citations"]
    assert not field.hint_action.isVisible()
    assert "OR" in field.toolTip()  # the syntax, once the hint is gone


def test_each_kind_of_problem_shows_its_hint(qtbot) -> None:
    field = SearchField()
    qtbot.addWidget(field)
    for text, says in [
        ("gowda OR", "OR needs a term on each side"),
        ("gowda) lignos", 'Unmatched ")"'),
        ("venue:nature", 'Unknown field "venue:"'),
        ("gowda or lignos", "write OR"),
    ]:
        field.setText(text)
        assert says in field.hint, text
        assert field.hint_action.isVisible()
    field.clear()
    assert field.hint == "" and not field.hint_action.isVisible()
    field.set_text_silently("a OR")  # text set by the window (a saved search) shows its hint too
    assert "OR needs" in field.hint
