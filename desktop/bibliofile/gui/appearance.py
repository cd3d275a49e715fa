"""View > Appearance: follow the system, or force a light or dark look.

Linux desktops often leave Qt with no platform theme (xcb without a GNOME/KDE plugin), so a
researcher who works in a dark desktop would get a white window. Forcing a scheme uses Qt's
Fusion style with a palette built here; every widget of ours takes its colours from the palette
(no hard-coded colours), so one palette change recolours the whole window. The choice is kept in
QSettings (``view/appearance``) and applied at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi

APPEARANCES = {"system": "&System", "light": "&Light", "dark": "&Dark"}
SETTING = "view/appearance"

_original: tuple[str, QPalette] | None = None


def dark_palette() -> QPalette:
    """A dark palette with enough contrast for long reading (text ~#e6e6e6 on ~#202124)."""
    p = QPalette()
    window, base, alt, text = QColor(45, 45, 48), QColor(32, 33, 36), QColor(40, 41, 45), QColor(230, 230, 230)
    highlight, link = QColor(53, 132, 228), QColor(120, 170, 255)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, alt)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, window)
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, window)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.BrightText, QColor(255, 90, 90))
        p.setColor(group, QPalette.ColorRole.Highlight, highlight)
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
        p.setColor(group, QPalette.ColorRole.Link, link)
        p.setColor(group, QPalette.ColorRole.LinkVisited, QColor(190, 150, 255))
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150))
        p.setColor(group, QPalette.ColorRole.Mid, QColor(70, 70, 74))
        p.setColor(group, QPalette.ColorRole.Dark, QColor(25, 25, 27))
        p.setColor(group, QPalette.ColorRole.Light, QColor(80, 80, 85))
        p.setColor(group, QPalette.ColorRole.Midlight, QColor(62, 62, 66))
        p.setColor(group, QPalette.ColorRole.Shadow, QColor(10, 10, 10))
    disabled = QColor(120, 120, 120)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, window)
    return p


def apply_appearance(name: str) -> str:
    """Apply ``system``, ``light`` or ``dark`` to the running application; returns the name used
    (unknown names fall back to ``system``)."""
    global _original
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return "system"
    if _original is None:
        _original = (app.style().name(), QPalette(app.palette()))
    if name not in APPEARANCES:
        name = "system"
    hints = app.styleHints()
    if name == "system":
        style, palette = _original
        app.setStyle(QStyleFactory.create(style) or QStyleFactory.create("Fusion"))
        app.setPalette(palette)
        hints.unsetColorScheme()
        return name
    app.setStyle(QStyleFactory.create("Fusion"))
    if name == "dark":
        hints.setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())
    else:
        hints.setColorScheme(Qt.ColorScheme.Light)
        app.setPalette(app.style().standardPalette())
    return name


def install(window: WindowApi) -> None:
    """View > Appearance, checked on the saved choice, which is applied now."""
    current = apply_appearance(str(window.settings.value(SETTING, "system")))
    menu = window.menu_view.addMenu("&Appearance")
    menu.setObjectName("appearanceMenu")
    group = QActionGroup(window.as_parent())
    group.setExclusive(True)
    for key, label in APPEARANCES.items():
        act = QAction(label, window.as_parent(), checkable=True, checked=key == current)
        act.setData(key)
        group.addAction(act)
        menu.addAction(act)

    def chosen(act: QAction) -> None:
        used = apply_appearance(str(act.data()))
        window.settings.setValue(SETTING, used)

    group.triggered.connect(chosen)
