"""The quick citation picker: type, Enter adds a chip, details per cite, accept and cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from tests.gui.conftest import make_ref

from bibliofile.gui.citation_picker import CitationPicker, split_page
from bibliofile.gui.task_runner import SyncTaskRunner
from bibliofile.model import Creator

NO = Qt.KeyboardModifier.NoModifier


def type_text(widget: QWidget, text: str) -> None:
    """Key events with their text, as a keyboard sends them (QTest crashes on non-ASCII)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, NO, ch))


def press(widget: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier = NO) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, mods))


@pytest.fixture
def picker(qtbot, lib):
    knox = make_ref("Trust in networks", 2008, family="Knox", citation_key="ignored")
    knox.citation_key = "knox2008"
    ostrom = make_ref("Governing the commons", 1990, family="Ostrom", given="Elinor", item_type="book")
    ostrom.citation_key = "ostrom1990"
    angstrom = make_ref("Öffentliche Verwaltung", 2011, family="Ångström", given="Åsa")
    angstrom.citation_key = ""  # no key yet: cited as the .bib export writes it, ref-<id>
    lindblom = make_ref("The science of muddling through", 1959, family="Lindblom", given="Charles")
    lindblom.creators.append(Creator(family="Hood", given="Christopher"))
    lindblom.citation_key = "lindblom1959"
    with lib.write() as u:
        ids = u.add_items([knox, ostrom, angstrom, lindblom])
    p = CitationPicker(lib, SyncTaskRunner())
    qtbot.addWidget(p)
    p.show()
    p.ids = ids  # type: ignore[attr-defined]
    return p


def test_split_page() -> None:
    assert split_page("knox p. 12") == ("knox", "12")
    assert split_page("knox, pp. 12-14") == ("knox", "12-14")
    assert split_page("year:2008") == ("year:2008", "")  # a field of the search language
    assert split_page("ostrom 1990") == ("ostrom 1990", "")  # a year is a search word
    assert split_page("p. 12") == ("p. 12", "")


def test_typing_lists_author_year_title(picker) -> None:
    type_text(picker.query, "ostrom")
    assert [picker.results.item(i).text() for i in range(picker.results.count())] == [
        "Ostrom 1990 — Governing the commons"
    ]
    picker.query.clear()
    type_text(picker.query, "year:1959")  # the search field's syntax works here too
    assert picker.results.item(0).text() == "Lindblom & Hood 1959 — The science of muddling through"


def test_enter_adds_chips_and_accept_returns_cites(qtbot, picker) -> None:
    type_text(picker.query, "knox p. 12")
    press(picker.query, Qt.Key.Key_Return)
    assert picker.query.text() == ""
    assert [c.text().replace("&&", "&") for c in picker.chips] == ["Knox 2008, p. 12"]
    type_text(picker.query, "ångström")
    press(picker.query, Qt.Key.Key_Return)
    assert [c.text().replace("&&", "&") for c in picker.chips] == ["Knox 2008, p. 12", "Ångström 2011"]
    with qtbot.waitSignal(picker.picked) as got:
        press(picker.query, Qt.Key.Key_Return)  # Enter on an empty query inserts
    cites = got.args[0]
    assert [c.citation_key for c in cites] == ["knox2008", f"ref-{picker.ids[2]}"]
    assert (cites[0].locator, cites[0].label) == ("12", "page")
    assert cites[1].item["title"] == "Öffentliche Verwaltung"
    assert cites[1].item["id"] == cites[1].citation_key
    assert picker.result() == picker.DialogCode.Accepted
    dicts = picker.cites_json()
    assert dicts[0]["citationKey"] == "knox2008" and dicts[0]["locator"] == "12"
    assert dicts[1]["item"]["author"][0]["family"] == "Ångström"


def test_down_moves_the_highlight(picker) -> None:
    type_text(picker.query, "o")  # Ostrom, Öffentliche..., through, commons: several hits
    assert picker.results.count() >= 2
    second = picker.results.item(1).text()
    press(picker.query, Qt.Key.Key_Down)
    press(picker.query, Qt.Key.Key_Return)
    assert picker.chips[0].text().replace("&&", "&") == second.split(" — ")[0]


def test_details_set_locator_label_prefix_suffix_and_omit_author(qtbot, picker) -> None:
    type_text(picker.query, "ostrom")
    press(picker.query, Qt.Key.Key_Return)
    type_text(picker.query, "lindblom")
    press(picker.query, Qt.Key.Key_Return)
    picker.chips[0].click()
    d = picker.details
    assert d.isVisible() and d.locator.hasFocus()
    d.label.setCurrentIndex(d.label.findData("chapter"))
    type_text(d.locator, "3")
    type_text(d.prefix, "see")
    type_text(d.suffix, "for the rules")
    d.suppress.setChecked(True)
    assert picker.chips[0].text().replace("&&", "&") == "see (Ostrom 1990), ch. 3 for the rules"
    press(d.locator, Qt.Key.Key_Escape)  # Escape closes the details, not the picker
    assert not d.isVisible() and picker.isVisible()
    with qtbot.waitSignal(picker.picked) as got:
        press(picker.query, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    first, second = got.args[0]
    assert (first.locator, first.label, first.prefix, first.suffix, first.suppress_author) == (
        "3", "chapter", "see", "for the rules", True
    )
    assert (second.citation_key, second.locator, second.suppress_author) == ("lindblom1959", "", False)


def test_backspace_on_an_empty_query_removes_the_last_chip(picker) -> None:
    type_text(picker.query, "knox")
    press(picker.query, Qt.Key.Key_Return)
    type_text(picker.query, "ostrom")
    press(picker.query, Qt.Key.Key_Return)
    press(picker.query, Qt.Key.Key_Backspace)
    assert [c.text().replace("&&", "&") for c in picker.chips] == ["Knox 2008"]
    # Left from the start of the query reaches the chip; Delete there removes it.
    press(picker.query, Qt.Key.Key_Left)
    assert picker.chips[0].hasFocus()
    press(picker.chips[0], Qt.Key.Key_Delete)
    assert picker.chips == []


def test_ctrl_enter_with_a_query_adds_the_highlighted_reference_and_inserts(qtbot, picker) -> None:
    type_text(picker.query, "knox")
    with qtbot.waitSignal(picker.picked) as got:
        press(picker.query, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [c.citation_key for c in got.args[0]] == ["knox2008"]


def test_escape_cancels(qtbot, picker) -> None:
    type_text(picker.query, "knox")
    press(picker.query, Qt.Key.Key_Return)
    with qtbot.waitSignal(picker.rejected):
        press(picker.query, Qt.Key.Key_Escape)
    assert picker.result_cites == []


def test_nothing_found_says_so(picker) -> None:
    type_text(picker.query, "zzzz")
    assert picker.results.count() == 0
    assert "Nothing found" in picker.hint.text()
    press(picker.query, Qt.Key.Key_Return)  # nothing highlighted: nothing added
    assert picker.chips == [] and picker.isVisible()


def test_screenshot_with_two_chips(picker, shots) -> None:
    type_text(picker.query, "knox p. 12")
    press(picker.query, Qt.Key.Key_Return)
    type_text(picker.query, "lindblom")
    press(picker.query, Qt.Key.Key_Return)
    type_text(picker.query, "o")

    assert picker.grab().save(str(shots / "citation_picker_two_chips.png"))
    picker.edit_cite(1)
    picker.details.prefix.setText("see")

    assert picker.grab().save(str(shots / "citation_picker_details.png"))
