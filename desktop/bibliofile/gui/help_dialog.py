"""Help > User Guide and Help > Keyboard Shortcuts.

The guide is an HTML file inside the package (``gui/help/guide.html``, package data and in the
PyInstaller bundle), shown in a QTextBrowser: it opens offline, on a train, with no browser.

The shortcut list is not written down anywhere: it is read from the window's own QActions (the
menus, in menu order, then actions that live only on the window or a pane), so it cannot drift
from what the keys do, including shortcuts a feature adds or changes later.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import resources

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

GUIDE = "guide.html"


def guide_html() -> str:
    """The user guide's text, from the installed package (no network, no file outside it)."""
    return resources.files("bibliofile.gui").joinpath("help", GUIDE).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class ShortcutRow:
    group: str  # "File", "View > Columns", or where an action without a menu works
    text: str
    keys: str  # every shortcut of the action, e.g. "Ctrl+Shift+Z, Ctrl+Y"


def _plain(text: str) -> str:
    """A menu text as read: no mnemonic ampersands ("&&" is a literal one)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


NAME_PROPERTY = "shortcutName"  # an action whose text changes (Undo Edit title) names itself here


def _name(action: QAction) -> str:
    """The action as the list names it: its stable name, else its menu text."""
    fixed = action.property(NAME_PROPERTY)
    return str(fixed) if fixed else _plain(action.text())


def _same(action: QAction) -> int:
    """The C++ action: two Python wrappers of one action (a stale one and a new one) are one row."""
    return int(shiboken6.getCppPointer(action)[0])


def _keys(action: QAction) -> str:
    seen: list[str] = []
    for seq in action.shortcuts():
        s = seq.toString(QKeySequence.SequenceFormat.NativeText)
        if s and s not in seen:
            seen.append(s)
    return ", ".join(seen)


def shortcut_rows(window: QMainWindow, places: dict[int, str] | None = None) -> list[ShortcutRow]:
    """Every action of ``window`` that has a shortcut: the menus' first (grouped by menu, in menu
    order), then those on the window or its widgets only. ``places`` names a widget (by id) whose
    actions work only there, e.g. the table's Delete."""
    rows: list[ShortcutRow] = []
    done: set[int] = set()
    places = places or {}

    def keys_of(act: QAction) -> str:
        keys = _keys(act)
        if keys and act.shortcutContext() in (Qt.ShortcutContext.WidgetShortcut, Qt.ShortcutContext.WidgetWithChildrenShortcut):
            # Delete moves to the Trash only in the table; in a text field it deletes text
            where = [places[id(w)] for w in act.associatedObjects() if id(w) in places]
            if where:
                keys += f" ({where[0].lower()})"
        return keys

    def walk(menu: QMenu, group: str) -> None:
        for act in menu.actions():
            sub = act.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{group} > {_plain(sub.title())}")
                continue
            if act.isSeparator() or _same(act) in done:
                continue
            done.add(_same(act))
            keys = keys_of(act)
            if keys:
                rows.append(ShortcutRow(group, _name(act), keys))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(menu.title()))
    owners: list[QWidget] = [window, *window.findChildren(QWidget)]
    for owner in owners:
        if isinstance(owner, QMenu):
            continue
        for act in owner.actions():
            if _same(act) in done or not _keys(act):
                continue
            done.add(_same(act))
            where = places.get(id(owner), "Anywhere in the window")
            rows.append(ShortcutRow(where, _name(act) or act.toolTip(), keys_of(act)))
    return rows


def shortcuts_html(rows: list[ShortcutRow], extra_html: str = "") -> str:
    parts = ["<h2>Keyboard shortcuts</h2>"]
    group = None
    for row in rows:
        if row.group != group:
            if group is not None:
                parts.append("</table>")
            group = row.group
            parts.append(f"<h3>{html.escape(group)}</h3><table cellpadding='3'>")
        parts.append(
            f"<tr><td width='220'>{html.escape(row.text)}</td><td><b>{html.escape(row.keys)}</b></td></tr>"
        )
    if group is not None:
        parts.append("</table>")
    if extra_html:
        parts.append(extra_html)
    return "".join(parts)


class HelpBrowserDialog(QDialog):
    """A QTextBrowser with a Close button; links to anchors move within the page, others are not
    followed (the guide needs no network)."""

    def __init__(self, title: str, body_html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)  # anchors are handled below; nothing is fetched
        self.browser.anchorClicked.connect(self._anchor)
        self.browser.setHtml(body_html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def _anchor(self, url: QUrl) -> None:
        if url.hasFragment() and not url.scheme() and not url.path():
            self.browser.scrollToAnchor(url.fragment())


def user_guide_dialog(parent: QWidget | None = None) -> HelpBrowserDialog:
    dlg = HelpBrowserDialog("Bibliofile User Guide", guide_html(), parent)
    dlg.setObjectName("userGuide")
    return dlg


def shortcuts_dialog(window: QMainWindow, places: dict[int, str] | None = None, extra_html: str = "") -> HelpBrowserDialog:
    dlg = HelpBrowserDialog("Keyboard Shortcuts", shortcuts_html(shortcut_rows(window, places), extra_html), window)
    dlg.setObjectName("keyboardShortcuts")
    dlg.resize(560, 640)
    return dlg
