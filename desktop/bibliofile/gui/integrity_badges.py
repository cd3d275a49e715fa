"""Warning badges in the reference table for references with integrity findings.

A reference that would print with a gap or an error (``services.integrity``) shows the style's
warning icon before its title, and the title's tooltip lists what is wrong. Checking all of a
100k library takes seconds of Python, too much to do at launch or after every write, so only
the rows the table shows are checked, and each reference once until the library is written:

* with a search: the table model asks ``prepare`` (on the search's worker) for the rows the new
  search will show first and hands the answers to ``accept`` just before its reset, so rows,
  count and badges appear in one repaint (issue 22: a second wave of badge repaints ~0.5 s
  after each keystroke cost 0.3 s of CPU);
* while painting: the delegate asks for a row's findings, unknown rows are collected, and after
  a short pause (rows scrolled into view) one background read checks them and the view repaints.

Answers are kept for every reference checked (a byte per id, a tuple per flagged one) and
survive searches: typing never checks a row twice. After a write (``mark_stale``) they are all
checked again as they are shown, the old badge staying on screen until then, so badges neither
flicker nor go stale. The badges are drawn by a delegate on the Title column, so the table
model stays as it is.

Signals (IntegrityBadges):
    updated(): findings arrived for some rows; the view repaints.
"""

from __future__ import annotations

import html
import logging
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
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.storage.library import Library

log = logging.getLogger(__name__)

Messages = tuple[str, ...]
Prepared = tuple[int, dict[int, Messages]]  # (generation, answers) from ``prepare``


def tooltip_text(title: str, messages: Sequence[str]) -> str:
    """The Title cell's tooltip: the title, then one line per finding, all shown as text.

    Qt guesses rich text for tooltips, so every piece of library text is escaped: a title or a
    key holding ``<b>`` shows those characters."""
    lines = "<br>".join(f"⚠ {html.escape(m)}" for m in messages)
    head = f"<p>{html.escape(title)}</p>" if title else ""
    return f"{head}<p>{lines}<br><i>Tools &gt; Check Library lists and fixes them.</i></p>"


class IntegrityBadges(QObject):
    """Findings of the references the table shows, each checked once per library version.

    Signals:
        updated(): findings arrived that change how some rows are painted.
    """

    updated = Signal()

    DELAY_MS = 60  # after the first unknown row is painted (scrolling): one read for the lot
    BATCH = 500  # rows checked per background read (a screenful is ~40)

    def __init__(self, library: Library, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self._checked = bytearray()  # 1 at the id of a reference checked since the last write
        self._flagged: dict[int, Messages] = {}  # the findings of checked references with some
        self._stale: dict[int, Messages] = {}  # flagged before the last write: shown until checked
        self._wanted: dict[int, None] = {}  # an ordered set: rows asked for, not yet checked
        self._in_flight: set[int] = set()
        self._busy = False
        self._generation = 0
        self.checked_count = 0  # references checked so far (tests and the bench count them)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self._check)

    def findings(self, rid: int) -> Messages:
        """What is wrong with a reference as far as known now (``()``: nothing, or not known yet:
        then it is checked soon and ``updated`` follows)."""
        if self.known(rid):
            return self._flagged.get(rid, ())
        if rid not in self._in_flight and rid not in self._wanted:
            self._wanted[rid] = None
            if not self._busy and not self._timer.isActive():
                self._timer.start()
        return self._stale.get(rid, ())

    def known(self, rid: int) -> bool:
        """True when this reference was checked since the last write."""
        checked = self._checked
        return 0 <= rid < len(checked) and bool(checked[rid])

    def mark_stale(self, *_args: Any) -> None:
        """The library may have changed: check shown rows again, showing old badges meanwhile."""
        self._generation += 1
        self._stale.update(self._flagged)
        self._flagged = {}
        self._checked = bytearray(len(self._checked))
        self._wanted.clear()  # the next paint asks again for the rows still shown

    # ---- with a search (LibraryTableModel.annotator) ----------------------------------------
    def prepare(self, ids: Sequence[int]) -> Prepared | None:
        """Check the references among ``ids`` not checked yet. Runs on the search's worker
        thread, so it only reads this object; ``accept`` stores the answers on the GUI thread."""
        generation = self._generation
        todo = [i for i in ids if i and not self.known(i) and i not in self._in_flight]
        if not todo:
            return None
        try:
            found = integrity.findings_for(self.library, todo)
        except LibraryError as exc:
            # A badge is a hint (as in ``_failed``): a damaged page among these rows costs their
            # badges, never the search that shows them.
            log.info("integrity badges not checked: %s", exc)
            return None
        return generation, {rid: tuple(f.message for f in fs) for rid, fs in found.items()}

    def accept(self, prepared: Any) -> None:
        """Keep what ``prepare`` found; the model's reset right after paints it (no ``updated``)."""
        if prepared is not None:
            generation, answers = prepared
            self._store(generation, answers)

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
        if self._store(generation, answers):
            self.updated.emit()  # else the table already shows these answers: no repaint for nothing
        if self._wanted:
            self._timer.start()

    def _store(self, generation: int, answers: dict[int, Messages]) -> bool:
        """Keep answers checked at ``generation``; True when a row painted meanwhile (with its
        stale answer, else none) now paints otherwise."""
        self.checked_count += len(answers)
        changed = any(msgs != self._stale.get(rid, ()) for rid, msgs in answers.items())
        if generation != self._generation:
            # Checked before the latest write: better than nothing until checked again (the
            # repaint asks for these rows again).
            for rid, msgs in answers.items():
                if msgs:
                    self._stale[rid] = msgs
                else:
                    self._stale.pop(rid, None)
            return changed
        if answers and max(answers) >= len(self._checked):
            self._checked.extend(bytes(max(answers) + 1024 - len(self._checked)))
        for rid, msgs in answers.items():
            self._checked[rid] = 1
            if msgs:
                self._flagged[rid] = msgs
            else:
                self._flagged.pop(rid, None)
            self._stale.pop(rid, None)
            self._wanted.pop(rid, None)
        return changed

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
    model = window.model
    model.rowsStale.connect(badges.mark_stale)  # the rows are read again: after a write
    model.invalidated.connect(badges.mark_stale)
    model.annotator = badges  # a search checks the rows it will show first (prepare/accept)
    badges.updated.connect(table.viewport().update)
    return delegate
