"""The detail pane's Reading rows: reading status, priority, rating and date read.

Until now these were only columns and triage keys; a reader looking at one reference could not
see or set them where its other details are (issue 17). Each choice is one
``services.reading.set_reading`` operation, the one the triage keys and ``bibliofile status``
use, so it is one undo step and does not mark the entry edited (an unedited BibTeX entry still
exports byte for byte). With several references the rows show the shared value or "(various)".
Beside the status, one reference read in the built-in reader shows its progress ("12 of 20
pages", issue 19; services/reading_progress.py). Those services are imported on first use: they
import SQLAlchemy, which loads after the first screen (issue 22).

Signals (ReadingRows):
    chosen(str, dict): the undo text and the keyword arguments for ``set_reading``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from bibliofile.gui.creators_editor import MULTIPLE
from bibliofile.gui.field_editors import FieldLineEdit
from bibliofile.gui.pane_selection import batch_status
from bibliofile.gui.undo import WriteCommand, change_command
from bibliofile.model.reading import STATUS_LABELS, STATUSES, ReadingState, stars
from bibliofile.services.changes import Change
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.gui.window_api import Writer
    from bibliofile.storage.library import Library, UnitOfWork

PRIORITY_LABELS = {0: "None", 1: "1 (high)", 2: "2", 3: "3 (low)"}
# What a change of each part of several references is called in the status bar.
READING_PARTS = {"status": "the reading status", "priority": "the priority", "rating": "the rating",
                 "date_read": "the date read"}
DATE_HINT = "YYYY-MM-DD"

def parse_date_read(text: str) -> str | None:
    """The ISO date a typed date read means ("" clears it), or None when it is not a date."""
    text = text.strip()
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def bad_date_message(text: str) -> str:
    return f"“{text.strip()}” is not a date ({DATE_HINT}); the date read was not changed."


def _combo(name: str, items: Sequence[tuple[str, object]], parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.setObjectName(name)
    for label, data in items:
        box.addItem(label, data)
    box.setPlaceholderText(MULTIPLE)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def read_only_look(editor: QLineEdit, base: QPalette, read_only: bool) -> None:
    """A read-only field on the window's background, as the pane's other locked fields: a white
    field invites typing. ``base`` is the field's own palette, put back when it is editable."""
    pal = QPalette(base)
    if read_only:
        pal.setColor(QPalette.ColorRole.Base, pal.color(QPalette.ColorRole.Window))
    editor.setPalette(pal)


def _view(name: str, accessible: str, parent: QWidget) -> QLineEdit:
    """The value of a combo shown read-only (a locked multi-selection): readable and selectable
    like the other locked fields, where a disabled combo is greyed and still looks like a choice."""
    view = QLineEdit(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setReadOnly(True)
    view.setVisible(False)
    read_only_look(view, view.palette(), True)
    return view


def _boxed(parent: QWidget, *widgets: QWidget) -> tuple[QWidget, QHBoxLayout]:
    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return box, row


class ReadingRows(QObject):
    """Four rows of the pane's form; the pane writes what is chosen (see the module doc)."""

    chosen = Signal(str, dict)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.status = _combo(
            "readingStatus", [(STATUS_LABELS[s] or "None", s) for s in ("", *STATUSES)], parent
        )
        self.status.setAccessibleName("Reading status")
        self.status_view = _view("readingStatusView", "Reading status", parent)
        self.status_box, status_row = _boxed(parent, self.status, self.status_view)
        self.progress = QLabel(self.status_box)
        self.progress.setObjectName("readingProgress")
        self.progress.setTextFormat(Qt.TextFormat.PlainText)
        self.progress.setToolTip("Pages viewed in Bibliofile's reader")
        self.progress.setVisible(False)
        status_row.addWidget(self.progress)
        status_row.addStretch(1)
        self.priority = _combo("readingPriority", [(t, p) for p, t in PRIORITY_LABELS.items()], parent)
        self.priority.setAccessibleName("Priority")
        self.priority_view = _view("readingPriorityView", "Priority", parent)
        self.priority_box, priority_row = _boxed(parent, self.priority, self.priority_view)
        priority_row.addStretch(1)
        self.rating = _combo("readingRating", [(stars(r) or "None", r) for r in range(6)], parent)
        self.rating.setAccessibleName("Rating")
        self.rating_view = _view("readingRatingView", "Rating", parent)
        self.rating_box, rating_row = _boxed(parent, self.rating, self.rating_view)
        rating_row.addStretch(1)
        self.date_read = FieldLineEdit(parent)
        self.date_read.setObjectName("readingDateRead")
        self.date_read.setAccessibleName("Date read")
        self._date_palette = QPalette(self.date_read.palette())
        self.read_only = False
        self.date_box = QWidget(parent)
        col = QVBoxLayout(self.date_box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(self.date_read)
        self.date_problem = QLabel(self.date_box)
        self.date_problem.setObjectName("readingDateProblem")
        self.date_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.date_problem.setWordWrap(True)
        self.date_problem.setVisible(False)
        col.addWidget(self.date_problem)
        self._states: list[ReadingState] = []
        self.status.activated.connect(lambda _i: self._pick("status", self.status))
        self.priority.activated.connect(lambda _i: self._pick("priority", self.priority))
        self.rating.activated.connect(lambda _i: self._pick("rating", self.rating))
        self.date_read.editingFinished.connect(self._date_finished)

    def rows(self) -> list[tuple[str, QWidget, QWidget]]:
        """(label, field, buddy) for each row, top to bottom."""
        return [
            ("Reading status", self.status_box, self.status),
            ("Priority", self.priority_box, self.priority),
            ("Rating", self.rating_box, self.rating),
            ("Date read", self.date_box, self.date_read),
        ]

    def widgets(self) -> list[QWidget]:
        return [self.status, self.priority, self.rating, self.date_read]

    def views(self) -> list[QLineEdit]:
        """What stands in for the three combos while the rows are read-only."""
        return [self.status_view, self.priority_view, self.rating_view]

    def _pairs(self) -> list[tuple[QComboBox, QLineEdit]]:
        return list(zip([self.status, self.priority, self.rating], self.views(), strict=True))

    def show(self, states: Sequence[ReadingState], keep_typing: bool = False) -> None:
        """The shared value of each part, or "(various)"."""
        self._states = list(states)

        def shared(part: str) -> object | None:
            values = {getattr(s, part) for s in states}
            return values.pop() if len(values) == 1 else None

        for box, part in ((self.status, "status"), (self.priority, "priority"), (self.rating, "rating")):
            value = shared(part)
            box.setCurrentIndex(box.findData(value) if value is not None else -1)
        for box, view in self._pairs():
            view.setText(box.currentText() if box.currentIndex() >= 0 else "")
            view.setPlaceholderText(MULTIPLE)
            view.setCursorPosition(0)
        when = shared("date_read")
        typing = keep_typing and self.date_read.hasFocus() and self.date_read.isModified()
        if not typing:
            self.date_read.stored = str(when) if when is not None else ""
            self.date_read.mixed = when is None
            self.date_read.setText(self.date_read.stored)
            self.date_read.setModified(False)
            self._date_placeholder()

    def _date_placeholder(self) -> None:
        """"(various)" where they differ; the format hint only where a date can be typed."""
        mixed = self.date_read.mixed
        self.date_read.setPlaceholderText(MULTIPLE if mixed else "" if self.read_only else DATE_HINT)

    def show_progress(self, library: Library, ids: Sequence[int]) -> None:
        """"12 of 20 pages" beside the status of one reference read in the reader (one small
        query); nothing for several references or one never opened there."""
        from bibliofile.services import reading_progress

        text = ""
        if len(ids) == 1:
            try:
                text = reading_progress.progress_text(library, ids[0])
            except LibraryError:
                text = ""
        self.progress.setText(text)
        self.progress.setVisible(bool(text))

    def set_read_only(self, read_only: bool) -> None:
        """Locked (several references before "Edit All"): each value as a read-only field on the
        window's background, like the pane's other locked fields, not a greyed choice."""
        self.read_only = read_only
        for box, view in self._pairs():
            box.setEnabled(not read_only)
            box.setVisible(not read_only)
            view.setVisible(read_only)
        self.date_read.setReadOnly(read_only)
        read_only_look(self.date_read, self._date_palette, read_only)
        self._date_placeholder()

    def finish_typing(self) -> None:
        """Store a date still being typed (the selection is about to change)."""
        if self.date_read.isModified():
            self._date_finished()

    # ---- choices -------------------------------------------------------------------------------
    def _pick(self, part: str, box: QComboBox) -> None:
        value = box.currentData()
        if box.currentIndex() < 0 or all(getattr(s, part) == value for s in self._states):
            return  # nothing would change: no empty step on the undo stack
        self.chosen.emit(_describe(part, box.currentText(), len(self._states)), {part: value})

    def _date_finished(self) -> None:
        editor = self.date_read
        if not editor.isModified() and not editor.mixed:
            return
        typed = editor.text()
        editor.setModified(False)
        value = parse_date_read(typed)
        if value is None:
            self.date_problem.setText(bad_date_message(typed))
            self.date_problem.setVisible(True)
            editor.setText(editor.stored)
            return
        self.date_problem.setVisible(False)
        if editor.mixed and not typed.strip() and editor.placeholderText() == MULTIPLE:
            return  # "(various)" left alone
        if all(s.date_read == value for s in self._states):
            editor.setText(value)
            return
        self.chosen.emit(_describe("date_read", value, len(self._states)), {"date_read": value})


def _describe(part: str, shown: str, n: int) -> str:
    """The undo step's name: "Mark read", "Priority 1 (high)", "Rate ★★★", "Date read 2024-05-01"."""
    of = "" if n == 1 else f" of {n:,} references"
    if part == "status":
        return f"Mark {shown.lower()}{of}" if shown != "None" else f"Clear reading status{of}"
    if part == "priority":
        return f"Priority {shown}{of}" if shown != "None" else f"Clear priority{of}"
    if part == "rating":
        return f"Rate {shown}{of}" if shown != "None" else f"Clear rating{of}"
    return f"Date read {shown}{of}" if shown else f"Clear date read{of}"


def reading_command(
    writer: Writer,
    ids: list[int],
    text: str,
    changes: dict[str, Any],
    after: Callable[[], None],
    on_status: Callable[[str], None] | None = None,
) -> WriteCommand:
    """The undo step of a choice in these rows: ``services.reading.set_reading`` on ``ids``.
    ``on_status`` hears how many references the first run changed (several selected)."""
    made: list[Change] = []

    def operation(u: UnitOfWork) -> Change:
        from bibliofile.services import reading

        made.append(reading.set_reading(u, ids, description=text, **changes))
        return made[-1]

    def said() -> None:
        if on_status is not None and made:
            what = READING_PARTS.get(next(iter(changes)), "the reading state")
            on_status(batch_status(what, len(made[-1].ids), undone=False))

    return change_command(writer, text, operation, after=after, after_redo=said)
