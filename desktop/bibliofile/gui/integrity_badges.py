"""Warning badges in the reference table for references with integrity findings.

A reference that would print with a gap or an error (``services.integrity``) shows the style's
warning icon before its title, and the title's tooltip lists what is wrong. Checking all of a
100k library takes seconds of Python, too much to redo after every write or to compete with a
keystroke's search, so only the rows the table actually paints are checked: the delegate asks
for a row's findings while painting, unknown rows are collected, and after a short pause one
background read checks them (a screenful, a few milliseconds) and the view repaints.

After a write or a new search (the model resets) every answer is marked stale: the old badge
stays on screen until the row has been checked again, so badges neither flicker nor go stale.
The badges are drawn by a delegate on the Title column, so the table model stays as it is.

Signals (IntegrityBadges):
    updated(): findings arrived for some rows; the view repaints.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHelpEvent, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from bibliofile.gui.library_table import TITLE_COLUMN
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.services import integrity

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.storage.library import Library

log = logging.getLogger(__name__)

Messages = tuple[str, ...]


def tooltip_text(title: str, messages: Sequence[str]) -> str:
    """The Title cell's tooltip: the title, then one line per finding, all shown as text.

    Qt guesses rich text for tooltips, so every piece of library text is escaped: a title or a
    key holding ``<b>`` shows those characters."""
    lines = "<br>".join(f"⚠ {html.escape(m)}" for m in messages)
    head = f"<p>{html.escape(title)}</p>" if title else ""
    return f"{head}<p>{lines}<br><i>Tools &gt; Check Library lists and fixes them.</i></p>"


class IntegrityBadges(QObject):
    """Findings of the references the table shows, checked lazily in the background.

    Signals:
        updated(): findings arrived that change how some rows are painted.
    """

    updated = Signal()

    DELAY_MS = 250  # after the last new row or reset: typing a search never waits on a check
    BATCH = 500  # rows checked per background read (a screenful is ~40)
    KEEP = 20000  # answers kept (ids are cheap; scrolling the whole table is not typical)

    def __init__(self, library: Library, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self._fresh: OrderedDict[int, Messages] = OrderedDict()
        self._stale: dict[int, Messages] = {}
        self._wanted: dict[int, None] = {}  # an ordered set: rows asked for, not yet checked
        self._in_flight: set[int] = set()
        self._busy = False
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self._check)

    def findings(self, rid: int) -> Messages:
        """What is wrong with a reference as far as known now (``()``: nothing, or not known yet:
        then it is checked soon and ``updated`` follows)."""
        got = self._fresh.get(rid)
        if got is not None:
            return got
        if rid not in self._in_flight and rid not in self._wanted:
            self._wanted[rid] = None
            if not self._busy and not self._timer.isActive():
                self._timer.start()
        return self._stale.get(rid, ())

    def known(self, rid: int) -> bool:
        """True when this reference was checked since the last write or search."""
        return rid in self._fresh

    def mark_stale(self, *_args: Any) -> None:
        """The library may have changed: check shown rows again, showing old badges meanwhile."""
        self._generation += 1
        self._stale.update(self._fresh)
        while len(self._stale) > self.KEEP:
            del self._stale[next(iter(self._stale))]
        self._fresh.clear()
        self._wanted.clear()  # the next paint asks again for the rows still shown
        if self._timer.isActive():
            self._timer.start()  # a burst of resets (typing) waits until it pauses

    def flush(self) -> None:
        """Check the rows asked for now (tests; with a synchronous runner this finishes here)."""
        self._timer.stop()
        self._check()

    def _check(self) -> None:
        if self._busy or not self._wanted:
            return
        ids = list(self._wanted)[: self.BATCH]
        for rid in ids:
            del self._wanted[rid]
        self._busy = True
        self._in_flight = set(ids)
        generation = self._generation
        lib = self.library

        def work(_ctx: Any) -> dict[int, list[integrity.Finding]]:
            return integrity.findings_for(lib, ids)

        self.runner.ahead(work, lambda found: self._done(generation, found), self._failed)

    def _done(self, generation: int, found: dict[int, list[integrity.Finding]]) -> None:
        self._busy = False
        self._in_flight = set()
        answers = {rid: tuple(f.message for f in fs) for rid, fs in found.items()}
        # What the rows were painted with meanwhile (findings(): the stale answer, else none).
        changed = any(answers[rid] != self._stale.get(rid, ()) for rid in answers)
        if generation == self._generation:
            self._fresh.update(answers)
            for rid in answers:
                self._stale.pop(rid, None)
            while len(self._fresh) > self.KEEP:
                self._fresh.popitem(last=False)
        else:
            # Checked before the latest write: better than nothing until checked again (the
            # repaint below asks for these rows again).
            self._stale.update(answers)
        if changed:  # else the table already shows these answers: no repaint (~30 ms) for nothing
            self.updated.emit()
        if self._wanted:
            self._timer.start()

    def _failed(self, exc: BaseException) -> None:
        # A badge is a hint: a locked or closed library costs the hint, never an error dialog.
        self._busy = False
        self._in_flight = set()
        self._wanted.clear()
        log.info("integrity badges not checked: %s", exc)


class BadgeDelegate(QStyledItemDelegate):
    """Paints the Title cell as usual, with the warning icon before a flagged reference's title."""

    def __init__(self, badges: IntegrityBadges, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.badges = badges
        self.icon: QIcon = view.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)

    def _messages(self, index: QModelIndex | QPersistentModelIndex) -> Messages:
        rid = index.data(Qt.ItemDataRole.UserRole)
        return self.badges.findings(rid) if isinstance(rid, int) else ()

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if self._messages(index):
            option.icon = self.icon  # type: ignore[attr-defined]
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration  # type: ignore[attr-defined]

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            messages = self._messages(index)
            if messages:
                title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
                QToolTip.showText(event.globalPos(), tooltip_text(title, messages), view)
                return True
        return super().helpEvent(event, view, option, index)

    def tooltip(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """The tooltip ``helpEvent`` shows for a flagged row ("" for others)."""
        messages = self._messages(index)
        return tooltip_text(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), messages) if messages else ""


def install(window: WindowApi) -> BadgeDelegate:
    """Badges on the window's table; checks follow the model's searches and writes. Returns
    the delegate (its ``badges`` hold the findings) for the window to keep."""
    badges = IntegrityBadges(window.library, window.runner, window.as_parent())
    table = window.table
    delegate = BadgeDelegate(badges, table)
    table.setItemDelegateForColumn(TITLE_COLUMN, delegate)
    window.model.modelReset.connect(badges.mark_stale)  # a search, or the reload after a write
    window.model.invalidated.connect(badges.mark_stale)  # after a write
    badges.updated.connect(table.viewport().update)
    return delegate
