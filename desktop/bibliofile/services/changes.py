"""What a write to the library did, and how to put it back: the one shape every operation in
services/ returns (references, collections, reading, tags, notes,
saved searches, trash).

An operation is a function of a ``UnitOfWork`` (so the window can run it on its writer thread
and the CLI in ``perform``, each as one transaction) returning a ``Change``. ``Change.undo``
runs the inverse in another unit of work and returns the Change *that* made, whose own undo is
the redo: undo and redo are one call, so a single generic undo command (``gui.undo``'s
``change_command``) can hold any operation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named in types: the window imports this before SQLAlchemy (issue 22)
    from bibliofile.storage.library import Library, UnitOfWork


class NotDone(Exception):
    """An operation that could not be done as asked (no such tag, no such collection): nothing
    was changed and ``str()`` says why, in words for the user."""


@dataclass(frozen=True, slots=True)
class Change:
    """One operation's effect. ``description`` names it for an undo menu or a CLI line ("Tag 2
    references “ml”"); ``ids`` are the references whose own state changed (the window
    refreshes those rows, the CLI reports them; a renamed tag or collection names none);
    ``undo`` puts it back (see the module doc); ``changed`` is False when everything already
    was as asked and nothing was written."""

    description: str
    undo: Callable[[UnitOfWork], Change] = field(repr=False)
    ids: tuple[int, ...] = ()
    changed: bool = True


Operation = Callable[["UnitOfWork"], Change]


def unchanged(description: str) -> Change:
    """A Change that wrote nothing (all was already as asked); its undo is itself."""

    def undo(_uow: UnitOfWork) -> Change:
        return result

    result = Change(description, undo, changed=False)
    return result


def combined(description: str, changes: Sequence[Change]) -> Change:
    """Several changes made in one action, undone together in reverse order."""
    ids = tuple(dict.fromkeys(i for c in changes for i in c.ids))

    def undo(uow: UnitOfWork) -> Change:
        return combined(description, [c.undo(uow) for c in reversed(changes)])

    return Change(description, undo, ids, changed=any(c.changed for c in changes))


def perform(library: Library, operation: Operation) -> Change:
    """Run one operation as one transaction (what the CLI does for each command)."""
    with library.write() as uow:
        return operation(uow)


def undo(library: Library, change: Change) -> Change:
    """Undo a change as one transaction; returns the change that redoes it."""
    with library.write() as uow:
        return change.undo(uow)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
