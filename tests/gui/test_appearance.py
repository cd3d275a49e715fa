"""View > Appearance: a forced dark look recolours the whole window and is remembered."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QMenu

from bibliofile.gui.appearance import SETTING, apply_appearance

from .conftest import many_refs


def _actions(window) -> dict[str, object]:
    menu = window.menu_view.findChild(QMenu, "appearanceMenu")
    return {a.data(): a for a in menu.actions()}


def _lightness(window) -> int:
    """Lightness of the table's empty area (below the rows) in a fresh grab of the window."""
    image = window.table.viewport().grab().toImage()
    return image.pixelColor(image.width() - 5, image.height() - 5).lightness()


def test_dark_appearance_recolours_the_window_and_is_remembered(make_window, lib, settings, shots, qtbot) -> None:
    lib.add_references(many_refs(8))
    window = make_window()
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    try:
        acts = _actions(window)
        assert acts["system"].isChecked()
        light = _lightness(window)
        acts["dark"].trigger()
        assert settings.value(SETTING) == "dark"
        assert QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 60
        window.table.selectRow(1)
        qtbot.wait(10)
        dark = _lightness(window)
        assert dark < 60 < light
        window.grab().save(str(shots / "main_window_dark.png"))

        window.close()
        again = make_window()
        assert _actions(again)["dark"].isChecked()
        assert QApplication.palette().color(QPalette.ColorRole.Text).lightness() > 180
        _actions(again)["system"].trigger()
        assert settings.value(SETTING) == "system"
        assert QApplication.palette().color(QPalette.ColorRole.Base).lightness() > 180
    finally:
        apply_appearance("system")
