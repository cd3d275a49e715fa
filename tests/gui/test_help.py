"""Help > User Guide (bundled, offline) and Help > Keyboard Shortcuts (read from the window's
actions), issue 17 item 11."""

from __future__ import annotations

import fnmatch
import html
import re
import socket
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

from bibliofile.model.query import FIELD_ALIASES, parse_query

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "desktop" / "bibliofile" / "gui" / "help" / "guide.html"


def every_shortcut_action(window) -> list[QAction]:
    """What the window defines, found independently of help_dialog: the actions of every menu
    of the menu bar (and their submenus), of the window and of each widget in it."""
    found: list[QAction] = []

    def add(act: QAction) -> None:
        if act.shortcuts() and all(act is not f for f in found):
            found.append(act)

    def walk(menu: QMenu) -> None:
        for act in menu.actions():
            if act.menu() is not None:
                walk(act.menu())
            else:
                add(act)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu())
    for widget in [window, *window.findChildren(QWidget)]:
        for act in widget.actions():
            add(act)
    return found


def native(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.NativeText)


def plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def test_every_shortcut_the_window_defines_is_in_the_list(window, qtbot, shots: Path) -> None:
    # a feature adds a shortcut after the window is built: the list has it without being told
    late = QAction("Jump to Somewhere", window)
    late.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.add_window_action(late)
    window.show()
    dlg = window.keyboard_shortcuts_dialog()
    qtbot.addWidget(dlg)
    dlg.show()
    text = dlg.browser.toPlainText()
    lines = text.splitlines()
    actions = every_shortcut_action(window)
    assert len(actions) >= 10
    names = {plain(a.text()) for a in actions}
    assert {"Import…", "User Guide", "Find", "Move to Trash", "Jump to Somewhere"} <= names
    for act in actions:
        name = plain(act.text())
        assert name in lines, f"{name!r} is not in the list"
        row = lines.index(name)
        keys_line = lines[row + 1]  # the cell beside it (a table row reads as two lines)
        keys = keys_line.split(" (")[0].split(", ")
        for seq in act.shortcuts():
            assert native(seq) in keys, (name, native(seq), keys_line)
    # grouped by menu: File's actions under "File"; Delete (only in the table) says so
    assert lines.index("File") < lines.index("Import…") < lines.index("Edit") < lines.index("Move to Trash")
    assert lines[lines.index("Move to Trash") + 1].endswith("(in the reference table)")
    assert lines.index("Anywhere in the window") < lines.index("Jump to Somewhere")
    assert "Triage keys" in text
    dlg.grab().save(str(shots / "help-keyboard-shortcuts.png"))


def test_undo_and_redo_are_listed_once_by_their_names(window, lib, qtbot) -> None:
    """Q's first afternoon: the list showed "Undo" twice and "Redo Edit title" (the undo stack's
    actions carry the step's name; a stale Python wrapper of one action counted as another)."""
    import shiboken6

    from bibliofile.model import Reference

    [rid] = lib.add_references([Reference(fields={"title": "Before"})])
    window.reload()
    window.table.select_ids([rid])
    editor = window.detail.editors["title"]
    editor.setText("After")
    editor.setModified(True)
    editor.editingFinished.emit()
    window.act_undo.trigger()  # now there is a step to redo as well
    assert window.act_redo.text() == "&Redo Edit title"
    shiboken6.invalidate(window.act_undo)  # as the real app's wrappers went stale
    dlg = window.keyboard_shortcuts_dialog()
    qtbot.addWidget(dlg)
    lines = dlg.browser.toPlainText().splitlines()
    assert lines.count("Undo") == 1 and lines.count("Redo") == 1
    assert not [line for line in lines if line.startswith(("Undo ", "Redo "))]


def test_user_guide_opens_offline_from_the_package(window, qtbot, monkeypatch: pytest.MonkeyPatch, shots: Path) -> None:
    def no_network(*_args, **_kwargs):
        raise AssertionError("the user guide reached for the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    window.show()
    assert window.act_user_guide in window.menu_help.actions()
    assert window.act_user_guide.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    window.act_user_guide.trigger()
    dlg = window.findChild(QDialog, "userGuide")
    assert dlg is not None and dlg.isVisible()
    qtbot.waitExposed(dlg)
    text = dlg.browser.toPlainText()
    for heading in ("Importing", "Searching", "Reading lists and triage keys", "Citing, dragging and exporting",
                    "Keeping the library clean", "Backups and recovery"):
        assert heading in text
    # the contents links move within the page
    bar = dlg.browser.verticalScrollBar()
    assert bar.value() == 0
    dlg.browser.anchorClicked.emit(QUrl("#backups"))
    QApplication.processEvents()
    assert bar.value() > 0
    dlg.grab().save(str(shots / "help-user-guide.png"))


def test_the_guide_links_only_within_itself_and_knows_every_search_field() -> None:
    source = GUIDE.read_text(encoding="utf-8")
    anchors = set(re.findall(r'name="([^"]+)"', source))
    for target in re.findall(r'href="([^"]*)"', source):
        assert target.startswith("#") and target[1:] in anchors, target
    assert not re.search(r'src=|https?://|<script|<link', source)
    # every example search in the guide reads without a hint (the syntax has not moved on)
    searching = source[source.index('name="searching"'):source.index('name="reading"')]
    examples = [html.unescape(c) for c in re.findall(r"<code>([^<]+)</code>", searching) if not c.endswith(":")]
    assert len(examples) >= 12
    for example in examples:
        assert parse_query(example).hint == "", example
    # every field of the search syntax (model/query.py) is explained under one of its names
    for canonical in set(FIELD_ALIASES.values()):
        aliases = [a for a, c in FIELD_ALIASES.items() if c == canonical]
        assert any(f"{a}:" in source for a in aliases), canonical


def test_the_guide_is_package_data_and_in_the_bundle() -> None:
    """pip install and the PyInstaller app both carry it, or Help would open empty."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["bibliofile"]
    rel = GUIDE.relative_to(ROOT / "desktop" / "bibliofile").as_posix()
    assert any(fnmatch.fnmatch(rel, p) for p in patterns), patterns
    spec = (ROOT / "packaging" / "bibliofile.spec").read_text(encoding="utf-8")
    assert '"bibliofile" / "gui" / "help", "bibliofile/gui/help"' in spec
    from bibliofile.gui.help_dialog import guide_html

    assert guide_html() == GUIDE.read_text(encoding="utf-8")
