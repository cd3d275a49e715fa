"""Undo for the window's shared ``QUndoStack``: the commands every write of the GUI pushes.

``WriteCommand`` is the one generic undo step over a write: its ``do`` runs as one unit of work
on the writer thread and returns what its ``undo`` needs to put back (the ids it added, a
snapshot of what it deleted). ``change_command`` makes one over an operation of services/
(``services.changes``), whose result is a ``Change`` that knows its own undo; ``LibraryWriter``
runs one at once on the calling thread, for the detail pane, which writes as the user types.
``EditReferenceCommand`` edits references' fields. A command keeps plain (before, after) References and writes through ``services.editing``, so it
still works after the selection moved on: undoing restores the stored values whatever the detail
pane shows now. Whoever pushed it is told which ids were written (``on_applied``) so the pane and
the table can refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from bibliofile.model.reference import Reference
from bibliofile.services import editing
from bibliofile.services.citation_keys import DEFAULT_PATTERN
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:  # the library is passed in; only its type is needed here
    from bibliofile.gui.window_api import Writer
    from bibliofile.services.changes import Change, Operation
    from bibliofile.storage.library import Library, UnitOfWork

log = logging.getLogger(__name__)


class LibraryWriter:
    """A ``Writer`` that writes at once on the calling thread, as the detail pane's edits are
    written (``EditReferenceCommand``). A known library problem (locked, disk full) goes to
    ``on_error`` instead of ``on_done``; the caller refreshes what it shows itself."""

    def __init__(self, library: Library, on_error: Callable[[LibraryError], None] | None = None) -> None:
        self.library = library
        self.on_error = on_error

    def run_write(
        self,
        fn: Callable[[UnitOfWork], Any],
        on_done: Callable[[Any], None] | None = None,
        select: Sequence[int] | None = None,
    ) -> None:
        try:
            with self.library.write() as uow:
                result = fn(uow)
        except LibraryError as exc:
            log.warning("change not stored: %s", exc)
            if self.on_error is not None:
                self.on_error(exc)
            return
        if on_done is not None:
            on_done(result)


class WriteCommand(QUndoCommand):
    """One undo step around a write: ``do(uow)`` returns what ``undo(uow, saved)`` puts back.

    ``after`` runs once either direction has been written (read the sidebar again), ``after_redo``
    after ``do`` only (a status message). ``select_after_redo``/``select_after_undo`` are the ids
    the table selects afterwards (trashing selects the neighbour; undoing it, the ids again).
    """

    def __init__(
        self,
        writer: Writer,
        text: str,
        do: Callable[[UnitOfWork], Any],
        undo: Callable[[UnitOfWork, Any], Any],
        after: Callable[[], None] | None = None,
        after_redo: Callable[[], None] | None = None,
        select_after_redo: Sequence[int] = (),
        select_after_undo: Sequence[int] = (),
    ) -> None:
        super().__init__(text)
        self.writer = writer
        self._do = do
        self._undo = undo
        self._after = after
        self._after_redo = after_redo
        self._sel_redo = list(select_after_redo)
        self._sel_undo = list(select_after_undo)
        self._saved: Any = None

    def redo(self) -> None:
        def done(result: Any) -> None:
            self._saved = result
            for step in (self._after, self._after_redo):
                if step is not None:
                    step()

        self.writer.run_write(self._do, done, select=self._sel_redo or None)

    def undo(self) -> None:
        saved, after = self._saved, self._after

        def done(_result: Any) -> None:
            if after is not None:
                after()

        self.writer.run_write(lambda u: self._undo(u, saved), done, select=self._sel_undo or None)


def change_command(
    writer: Writer,
    text: str,
    operation: Operation,
    after: Callable[[], None] | None = None,
    after_redo: Callable[[], None] | None = None,
    select_after_redo: Sequence[int] = (),
    select_after_undo: Sequence[int] = (),
) -> WriteCommand:
    """The undo step of a services/ operation. The first redo runs the operation; an undo runs
    the ``Change``'s undo, and a redo after it the undo of *that* Change, so a deleted collection
    comes back with its id and what it held, as the service defines (not the operation anew)."""
    last: list[Change] = []  # the Change the latest write returned

    def do(u: UnitOfWork) -> Change:
        last[:] = [last[0].undo(u) if last else operation(u)]
        return last[0]

    def undo(u: UnitOfWork, _saved: Any) -> None:
        if last:
            last[:] = [last[0].undo(u)]

    return WriteCommand(writer, text, do, undo, after, after_redo, select_after_redo, select_after_undo)


class EditReferenceCommand(QUndoCommand):
    """One finished edit of one or many references: one undo step, one transaction each way.

    ``on_applied(ids)`` runs after every redo/undo that wrote something; ``on_error(exc)`` gets
    known library problems (locked, disk full). A failed write marks the command obsolete so the
    stack never claims a change that is not in the library. ``key_pattern`` makes the citation
    key of a reference that gets its first title or authors in this edit. ``on_written(n, undone)``
    hears how many references each write changed (the pane's "Changed the journal of 48
    references").
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
        on_written: Callable[[int, bool], None] | None = None,
    ) -> None:
        super().__init__(text)
        self.on_written = on_written
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
        self._write(list(zip(self.before, self.after, strict=True)), undone=False)

    def undo(self) -> None:
        self._write(list(zip(self.after, self.before, strict=True)), undone=True)

    def _write(self, pairs: list[tuple[Reference, Reference]], undone: bool) -> None:
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
        if self.on_written is not None:
            self.on_written(len(written), undone)
