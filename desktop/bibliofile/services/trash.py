"""The trash as operations: moving references to it and restoring them are Changes that undo
each other; emptying it is the one write that cannot be undone, so it is not a Change and
the window clears its undo history after it.

Stored files (copies in ``<library>.files/``) stay while their reference is in the trash, and
are deleted only by emptying it, after the user confirmed a question that counts them; linked
files are the user's own and are never deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bibliofile.services.changes import Change, plural, unchanged
from bibliofile.storage import attachments as attachment_rows
from bibliofile.storage import curation_queries
from bibliofile.storage.library import Source, UnitOfWork

if TYPE_CHECKING:  # services.attachments imports this module: its names only for the checker
    from bibliofile.services.attachments import FileLocations, FilesDeleted


def move_to_trash(uow: UnitOfWork, ids: Sequence[int]) -> Change:
    """Move references to the trash (they keep their tags, notes and collections there)."""
    wanted = list(dict.fromkeys(ids))
    text = f"Move {plural(len(wanted), 'reference')} to Trash"
    if not wanted:
        return unchanged(text)
    uow.trash(wanted)
    return Change(text, lambda u: restore(u, wanted), tuple(wanted))


def restore(uow: UnitOfWork, ids: Sequence[int]) -> Change:
    """Take references out of the trash, back where they were."""
    wanted = list(dict.fromkeys(ids))
    text = f"Restore {plural(len(wanted), 'reference')}"
    if not wanted:
        return unchanged(text)
    uow.restore(wanted)
    return Change(text, lambda u: move_to_trash(u, wanted), tuple(wanted))


def empty_trash(uow: UnitOfWork) -> int:
    """Delete everything in the trash for good; how many references went. Read and deleted in
    the same unit of work, so a reference trashed meanwhile is either seen and gone or kept."""
    return empty_trash_with_files(uow, None).references


@dataclass(frozen=True, slots=True)
class Emptied:
    """What ``empty_trash_with_files`` deleted: references, and the stored files of theirs to
    delete once that is committed (``finish_emptying``)."""

    references: int
    files: tuple[Path, ...] = ()


def empty_trash_with_files(uow: UnitOfWork, where: FileLocations | None) -> Emptied:
    """Empty the trash and name the stored files (in ``where``'s library folder) that went with
    it. The files are deleted by ``finish_emptying`` after the transaction commits: a write that
    fails keeps both the references and their files."""
    from bibliofile.services.attachments import stored_files_of

    ids = curation_queries.trash_ids(uow)
    files = tuple(stored_files_of(uow, where, ids)) if where is not None and ids else ()
    if ids:
        uow.purge(ids)
    return Emptied(len(ids), files)


def finish_emptying(emptied: Emptied) -> FilesDeleted:
    """Delete the stored files of references emptied from the trash (their rows are gone)."""
    from bibliofile.services.attachments import delete_files

    return delete_files(emptied.files)


def stored_files_in_trash(library: Source, where: FileLocations) -> int:
    """How many stored files emptying the trash would delete (the confirmation names them)."""
    from bibliofile.services.attachments import stored_files_of

    ids = curation_queries.trash_ids(library)
    return len(stored_files_of(library, where, ids)) if ids else 0


def stored_file_count(library: Source, ids: Sequence[int]) -> int:
    """How many stored files these references have (moving them to the trash says they stay)."""
    found = attachment_rows.for_references(library, ids)
    return sum(1 for rows in found.values() for a in rows if a.kind == attachment_rows.STORED)


def trashed_message(n: int, stored: int) -> str:
    """The status line after moving references to the trash: their stored files stay."""
    text = f"Moved {plural(n, 'reference')} to Trash"
    if not stored:
        return text + "."
    whose = "its" if n == 1 else "their"
    return (f"{text}; {whose} {plural(stored, 'stored file')} stay in the library folder "
            "until the Trash is emptied.")


def empty_question(n: int, files: int) -> str:
    """The confirmation of Empty Trash, naming the stored files that go with the references."""
    what = plural(n, "reference") + (f" and {plural(files, 'stored file')}" if files else "")
    return f"Delete {what} for good? This cannot be undone."


def emptied_message(emptied: Emptied, deleted: FilesDeleted) -> str:
    """The status line after Empty Trash, with the files that could not be deleted named."""
    text = f"Deleted {plural(emptied.references, 'reference')}"
    if deleted.deleted:
        text += f" and {plural(deleted.deleted, 'stored file')}"
    text += " for good."
    if deleted.problems:
        text += f" {plural(len(deleted.problems), 'file')} could not be deleted: " + "; ".join(deleted.problems)
    return text
