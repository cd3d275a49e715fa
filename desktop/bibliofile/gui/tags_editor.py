"""The detail pane's Tags row: the selected references' tags as chips, and a field to add one.

A chip's ✕ takes the tag off; typing a name (existing tags complete as you type) and Return
gives it. Each change is one ``tag_command`` step on the window's undo stack, whatever the number of
references selected, written at once like the pane's field edits. Tag names are the user's
text: chips are plain-text labels, so a tag named ``<b>`` shows those characters.
services.tags is imported on first use: it imports SQLAlchemy, which loads after the first
screen (issue 22).

Signals (TagsEditor):
    tagAdded(str): Return (or a chosen completion) in the field, with the name typed.
    tagRemoved(str): a chip's ✕.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from bibliofile.gui.flow_layout import FlowLayout
from bibliofile.gui.undo import LibraryWriter, WriteCommand, change_command
from bibliofile.services.changes import Change, NotDone, unchanged
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.storage.library import Library, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ShownTag:
    name: str
    have: int  # how many of the selected references carry it
    of: int  # how many are selected

    @property
    def partial(self) -> bool:
        return self.have < self.of


def shown_tags(tags_of: dict[int, list[str]], ids: Sequence[int]) -> list[ShownTag]:
    """The chips for a selection: every tag any of them has, by name, with how many have it."""
    counts: dict[str, int] = {}
    for rid in ids:
        for name in tags_of.get(rid, []):
            counts[name] = counts.get(name, 0) + 1
    return [ShownTag(n, k, len(ids)) for n, k in sorted(counts.items(), key=lambda x: x[0].lower())]


class TagChip(QFrame):
    """One tag: its name (plain text) and a ✕ that takes it off."""

    def __init__(self, tag: ShownTag, on_remove: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setObjectName("tagChip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = self.row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 0, 0)
        row.setSpacing(0)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setText(tag.name if not tag.partial else f"{tag.name} ({tag.have} of {tag.of})")
        if tag.partial:
            f = QFont(self.label.font())
            f.setItalic(True)
            self.label.setFont(f)
        row.addWidget(self.label)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("removeTag")
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        what = "this reference" if tag.of == 1 else f"the {tag.have} selected references that have it"
        tip = f"Remove the tag “{tag.name}” from {what}"
        self.remove_button.setToolTip(f"<p>{html.escape(tip)}</p>")
        self.remove_button.setAccessibleName(tip)
        self.remove_button.clicked.connect(lambda _c=False: on_remove(tag.name))
        row.addWidget(self.remove_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_read_only(self, read_only: bool) -> None:
        """No ✕ while the pane is locked; the name keeps the chip's room on the right."""
        self.remove_button.setVisible(not read_only)
        self.row.setContentsMargins(6, 0, 6 if read_only else 0, 0)


class _TagField(QLineEdit):
    """The "Add tag" field; fetches the names to complete when it gets the focus (not on every
    selection change: counting tags costs a query)."""

    def __init__(self, names: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names = names
        self.names_model = QStringListModel(self)
        self.completer_ = QCompleter(self.names_model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(self.completer_)

    def load_names(self) -> None:
        try:
            self.names_model.setStringList(self._names())
        except LibraryError as exc:  # a completion list is a convenience
            log.info("tag names not loaded: %s", exc)

    def focusInEvent(self, e: QFocusEvent) -> None:
        self.load_names()
        super().focusInEvent(e)


class TagsEditor(QWidget):
    """Chips for the selection's tags and a field to add one.

    Signals:
        tagAdded(str): a name was entered.
        tagRemoved(str): a chip's ✕ was pressed.
    """

    tagAdded = Signal(str)
    tagRemoved = Signal(str)

    def __init__(self, names: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagsEditor")
        self.flow = FlowLayout(self)
        self.chips: list[TagChip] = []
        self.read_only = False
        # Read-only with no tags: said in words, where an empty row would look like a lost field.
        self.none_label = QLabel(self)
        self.none_label.setTextFormat(Qt.TextFormat.PlainText)
        self.none_label.setText("No tags")
        self.none_label.setObjectName("noTags")
        self.none_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.none_label.setVisible(False)
        self.field = _TagField(names, self)
        self.field.setObjectName("addTagField")
        self.field.setAccessibleName("Add a tag")
        self.field.setPlaceholderText("Add tag…")
        self.field.setMinimumWidth(110)
        self.field.returnPressed.connect(self._entered)
        self.field.completer_.activated.connect(self._completed)
        self.flow.addWidget(self.field)
        self.flow.addWidget(self.none_label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_read_only(self, read_only: bool) -> None:
        """Locked (several references before "Edit All"): the chips as plain names, with no ✕
        and no "Add tag…" field, so nothing in the row looks as if it could be typed into or
        clicked; not greyed, since the names are there to be read."""
        self.read_only = read_only
        self.field.setVisible(not read_only)
        for chip in self.chips:
            chip.set_read_only(read_only)
        self.none_label.setVisible(read_only and not self.chips)
        self.updateGeometry()

    def set_tags(self, tags: Sequence[ShownTag]) -> None:
        if [c.tag for c in self.chips] == list(tags):
            return
        for chip in self.chips:
            self.flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.chips = [TagChip(t, self.tagRemoved.emit, self) for t in tags]
        # Chips first, the field last: rebuild the order.
        self.flow.removeWidget(self.field)
        self.flow.removeWidget(self.none_label)
        for chip in self.chips:
            chip.set_read_only(self.read_only)
            self.flow.addWidget(chip)
        self.flow.addWidget(self.field)
        self.flow.addWidget(self.none_label)
        for chip in self.chips:
            chip.show()
        self.none_label.setVisible(self.read_only and not self.chips)
        self.updateGeometry()

    def names(self) -> list[str]:
        return [c.tag.name for c in self.chips]

    def _entered(self) -> None:
        name = self.field.text().strip()
        self.field.clear()
        if name:
            self.tagAdded.emit(name)

    def _completed(self, text: str) -> None:
        self.field.clear()
        if text.strip():
            self.tagAdded.emit(text.strip())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.flow.heightForWidth(width)


def tag_command(
    library: Library,
    ids: Sequence[int],
    name: str,
    add: bool,
    on_applied: Callable[[list[int]], None] | None = None,
    on_error: Callable[[LibraryError], None] | None = None,
) -> WriteCommand:
    """Give a tag to references, or take it off them: one undo step over ``services.tags``
    (``add_tag``/``remove_tag``), written at once, one transaction each way.

    Tags are named, not numbered, across undo and redo (a tag this step created is deleted by
    its undo unless a reference still carries it, and made again by redo). ``on_applied(ids)``
    runs after each write; a failed write marks the step obsolete and goes to ``on_error``.
    """
    ids = list(ids)
    name = name.strip()
    label = f"Tag “{name}”" if add else f"Remove Tag “{name}”"
    text = label if len(ids) == 1 else f"{label} ({len(ids)} references)"

    def operation(uow: UnitOfWork) -> Change:
        from bibliofile.services import tags

        if add:
            return tags.add_tag(uow, ids, name)
        try:
            return tags.remove_tag(uow, ids, name)
        except NotDone:  # deleted meanwhile: nothing to take off
            return unchanged(text)

    def failed(exc: LibraryError) -> None:
        command.setObsolete(True)
        if on_error is not None:
            on_error(exc)

    def applied() -> None:
        if on_applied is not None:
            on_applied(list(ids))

    command = change_command(LibraryWriter(library, failed), text, operation, after=applied)
    return command


def all_tag_names(library: Library) -> list[str]:
    """Every tag's name, for the field's completion."""
    from bibliofile.services import tags

    return [t.name for t in tags.all_tags(library)]

