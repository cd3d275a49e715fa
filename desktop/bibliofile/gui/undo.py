"""Undoable edits of references on the window's shared ``QUndoStack``.

A command keeps plain (before, after) References and writes through ``services.editing``, so it
still works after the selection moved on: undoing restores the stored values whatever the detail
pane shows now. Whoever pushed it is told which ids were written (``on_applied``) so the pane and
the table can refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from bibliofile.model.reference import Reference
from bibliofile.services import editing
from bibliofile.services.citation_keys import DEFAULT_PATTERN
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:  # the library is passed in; only its type is needed here
    from bibliofile.storage.library import Library

log = logging.getLogger(__name__)


class EditReferenceCommand(QUndoCommand):
    """One finished edit of one or many references: one undo step, one transaction each way.

    ``on_applied(ids)`` runs after every redo/undo that wrote something; ``on_error(exc)`` gets
    known library problems (locked, disk full). A failed write marks the command obsolete so the
    stack never claims a change that is not in the library. ``key_pattern`` makes the citation
    key of a reference that gets its first title or authors in this edit.
    """

    def __init__(
        self,
        library: Library,
        before: Reference | Sequence[Reference],
        after: Reference | Sequence[Reference],
        text: str,
        on_applied: Callable[[list[int]], None] | None = None,
        on_error: Callable[[LibraryError], None] | None = None,
        key_pattern: str = DEFAULT_PATTERN,
    ) -> None:
        super().__init__(text)
        # Keys made for references that still lack one (Edit > Preferences' pattern).
        self.key_pattern = key_pattern
        self.library = library
        self.before = [before] if isinstance(before, Reference) else list(before)
        self.after = [after] if isinstance(after, Reference) else list(after)
        if len(self.before) != len(self.after):
            raise ValueError("before and after must list the same references")
        self.on_applied = on_applied
        self.on_error = on_error

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.before if r.id is not None]

    def redo(self) -> None:
        self._write(list(zip(self.before, self.after, strict=True)))

    def undo(self) -> None:
        self._write(list(zip(self.after, self.before, strict=True)))

    def _write(self, pairs: list[tuple[Reference, Reference]]) -> None:
        try:
            written = editing.apply_edits(self.library, pairs, self.key_pattern)
        except LibraryError as exc:
            log.warning("edit not stored: %s", exc)
            self.setObsolete(True)
            if self.on_error is not None:
                self.on_error(exc)
            return
        if written and self.on_applied is not None:
            self.on_applied(written)
