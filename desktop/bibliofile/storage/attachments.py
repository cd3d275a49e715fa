"""Attachments (issue 19): the rows that say which files belong to which reference.

Only rows: where a file is on disk, and moving or copying it, is services/attachments.py's
business. A row goes with its reference when the reference is deleted for good (``ON DELETE
CASCADE``); a reference in the trash keeps its files. Removing rows returns them whole, so an
undo puts them back with their ids. All SQL Core, every dialect; reads take a Library or, inside
a user action, its UnitOfWork.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bibliofile.storage.batches import chunks, now
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import attachments_t, references_t

__all__ = [
    "LINKED",
    "STORED",
    "Attachment",
    "add",
    "all_attachments",
    "for_references",
    "get",
    "reference_ids",
    "remove",
    "restore",
    "set_file_facts",
    "set_last_page_read",
    "set_locations",
    "stored_paths",
]

LINKED = "linked"
STORED = "stored"

A = attachments_t.c
R = references_t.c


@dataclass(frozen=True, slots=True)
class Attachment:
    """One row. ``path`` as stored: for a linked file relative to the base folder (or absolute),
    for a stored one relative to the library's files folder, with ``/`` between parts on every
    system. ``id`` is 0 before the row is added."""

    reference_id: int
    kind: str
    path: str
    original_name: str = ""
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""
    content_type: str = ""
    added: datetime | None = None
    last_page_read: int | None = None
    position: int = 0
    id: int = 0


_COLUMNS = (
    A.reference_id, A.kind, A.path, A.original_name, A.size, A.mtime, A.sha256, A.content_type,
    A.added, A.last_page_read, A.position, A.id,
)


def _row(r: Any) -> Attachment:
    return Attachment(
        int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), float(r[5]), str(r[6]), str(r[7]),
        r[8], None if r[9] is None else int(r[9]), int(r[10]), int(r[11]),
    )


def _values(a: Attachment) -> dict[str, Any]:
    values = {
        "reference_id": a.reference_id, "kind": a.kind, "path": a.path, "original_name": a.original_name,
        "size": a.size, "mtime": a.mtime, "sha256": a.sha256, "content_type": a.content_type,
        "added": a.added or now(), "last_page_read": a.last_page_read, "position": a.position,
    }
    if a.id:
        values["id"] = a.id
    return values


def for_references(src: Source, reference_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """Each reference's attachments in their order (references without any are left out)."""
    out: dict[int, list[Attachment]] = {}
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(reference_ids))):
            stmt = select(*_COLUMNS).where(A.reference_id.in_(chunk)).order_by(A.reference_id, A.position, A.id)
            for r in conn.execute(stmt):
                a = _row(r)
                out.setdefault(a.reference_id, []).append(a)
    return out


def get(src: Source, ids: Sequence[int]) -> list[Attachment]:
    """Rows by id, in the order of ``ids`` (ids with no row are left out)."""
    by_id: dict[int, Attachment] = {}
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(ids))):
            for r in conn.execute(select(*_COLUMNS).where(A.id.in_(chunk))):
                by_id[int(r[11])] = _row(r)
    return [by_id[i] for i in ids if i in by_id]


def all_attachments(src: Source, *, kind: str | None = None, include_trash: bool = False) -> list[Attachment]:
    """Every attachment (of references not in the trash unless ``include_trash``), by reference
    then position. One query: the list of files and the missing-file check read them all."""
    stmt = select(*_COLUMNS).join(references_t, R.id == A.reference_id)
    if not include_trash:
        stmt = stmt.where(R.deleted.is_(False))
    if kind is not None:
        stmt = stmt.where(A.kind == kind)
    with connection(src) as conn:
        return [_row(r) for r in conn.execute(stmt.order_by(A.reference_id, A.position, A.id))]


def stored_paths(src: Source) -> set[str]:
    """The paths of every stored file, trash included: a new stored file's name must not be one
    of them even when its file went missing."""
    with connection(src) as conn:
        return {str(p) for p in conn.execute(select(A.path).where(A.kind == STORED)).scalars()}


def reference_ids(src: Source, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are references (in the library or its trash)."""
    found: set[int] = set()
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(ids))):
            found.update(int(i) for i in conn.execute(select(R.id).where(R.id.in_(chunk))).scalars())
    return found


def add(uow: UnitOfWork, rows: Sequence[Attachment]) -> list[Attachment]:
    """Add rows at the end of their reference's list (a row with an ``id`` keeps it and its
    position: an undo putting it back); returns them as stored, ids filled in."""
    out: list[Attachment] = []
    next_position: dict[int, int] = {}
    for a in rows:
        if not a.id:
            if a.reference_id not in next_position:
                last = uow.conn.execute(
                    select(func.coalesce(func.max(A.position), -1)).where(A.reference_id == a.reference_id)
                ).scalar_one()
                next_position[a.reference_id] = int(last) + 1
            a = replace(a, position=next_position[a.reference_id])
            next_position[a.reference_id] += 1
        values = _values(a)
        pk = uow.conn.execute(insert(attachments_t).values(**values)).inserted_primary_key
        assert pk is not None
        out.append(replace(a, id=int(pk[0]), added=values["added"]))
    return out


def restore(uow: UnitOfWork, rows: Sequence[Attachment]) -> None:
    """Put back rows ``remove`` returned (an undo), with their ids and positions."""
    if rows:
        uow.conn.execute(insert(attachments_t), [_values(a) for a in rows])


def remove(uow: UnitOfWork, ids: Sequence[int]) -> list[Attachment]:
    """Delete rows; returns them as they were (for an undo)."""
    removed = get(uow, ids)
    for chunk in chunks(list(dict.fromkeys(ids))):
        uow.conn.execute(delete(attachments_t).where(A.id.in_(chunk)))
    return removed


def set_locations(uow: UnitOfWork, rows: Mapping[int, tuple[str, str]]) -> None:
    """Give attachments a new (kind, path): a rename, or a missing file found again."""
    for aid, (kind, path) in rows.items():
        uow.conn.execute(update(attachments_t).where(A.id == aid).values(kind=kind, path=path))


def set_file_facts(uow: UnitOfWork, aid: int, *, size: int, mtime: float, sha256: str) -> None:
    """Size, mtime and hash of the file as found again (it may have changed meanwhile)."""
    uow.conn.execute(update(attachments_t).where(A.id == aid).values(size=size, mtime=mtime, sha256=sha256))


def set_last_page_read(uow: UnitOfWork, aid: int, page: int | None) -> None:
    """The reader's place in the file (the reader of issue 19's later part)."""
    uow.conn.execute(update(attachments_t).where(A.id == aid).values(last_page_read=page))
