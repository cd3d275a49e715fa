"""The lookup queue (issue 18): references waiting for an online lookup, and the reads the
lookup service needs to find what the library already holds by identifier.

A queued reference is a placeholder added while offline (or a reference to complete): the row
says which identifier, why it waits and when to try again. Rows go with their reference
(``ON DELETE CASCADE``); a reference in the trash is not looked up. All SQL Core, every
dialect; each read takes a Library or, inside a user action, its UnitOfWork.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.storage.batches import chunks, now
from bibliofile.storage.json_fields import json_field
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.rows import creator_from_row, reference_from_row, sort_key
from bibliofile.storage.tables import creators_t, lookup_queue_t, references_t

__all__ = [
    "PendingLookup",
    "add_pending",
    "ids_with_field",
    "load_references",
    "pending",
    "placeholder_ids",
    "queue_size",
    "remove_pending",
    "restore_pending",
    "unqueued_placeholder_ids",
    "update_pending",
]

Q = lookup_queue_t.c
R = references_t.c


@dataclass(frozen=True, slots=True)
class PendingLookup:
    """One queue row. ``identifier`` as ``kind:value`` ("doi:10.1177/…"); ``action`` "add"
    (a placeholder to fill) or "complete"; ``next_try`` None when not retried by itself."""

    reference_id: int
    identifier: str
    action: str
    reason: str
    attempts: int
    next_try: datetime | None
    added: datetime


def _row(r: Any) -> PendingLookup:
    return PendingLookup(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), r[5], r[6])


_COLUMNS = (Q.reference_id, Q.identifier, Q.action, Q.reason, Q.attempts, Q.next_try, Q.added)


def pending(src: Source, *, due_by: datetime | None = None, ids: Sequence[int] | None = None) -> list[PendingLookup]:
    """Queue rows of references not in the trash, oldest first: all of them, or those due by
    ``due_by`` (``next_try`` at or before it), or those of ``ids``."""
    stmt = select(*_COLUMNS).join(references_t, R.id == Q.reference_id).where(R.deleted.is_(False))
    if due_by is not None:
        stmt = stmt.where(Q.next_try.is_not(None), Q.next_try <= due_by)
    out: list[PendingLookup] = []
    with connection(src) as conn:
        if ids is None:
            out = [_row(r) for r in conn.execute(stmt.order_by(Q.added, Q.reference_id))]
        else:
            for chunk in chunks(list(dict.fromkeys(ids))):
                out.extend(_row(r) for r in conn.execute(stmt.where(Q.reference_id.in_(chunk))))
            out.sort(key=lambda p: (p.added, p.reference_id))
    return out


def add_pending(uow: UnitOfWork, rows: Sequence[PendingLookup]) -> None:
    """Queue references (a row already there for one of them is replaced)."""
    if not rows:
        return
    remove_pending(uow, [r.reference_id for r in rows])
    uow.conn.execute(
        insert(lookup_queue_t),
        [
            {"reference_id": r.reference_id, "identifier": r.identifier, "action": r.action, "reason": r.reason,
             "attempts": r.attempts, "next_try": r.next_try, "added": r.added}
            for r in rows
        ],
    )


def restore_pending(uow: UnitOfWork, rows: Sequence[PendingLookup]) -> None:
    """Put back rows ``remove_pending`` returned (an undo)."""
    add_pending(uow, rows)


def update_pending(uow: UnitOfWork, reference_id: int, *, reason: str, attempts: int, next_try: datetime | None) -> None:
    uow.conn.execute(
        update(lookup_queue_t)
        .where(Q.reference_id == reference_id)
        .values(reason=reason, attempts=attempts, next_try=next_try)
    )


def remove_pending(uow: UnitOfWork, ids: Sequence[int]) -> list[PendingLookup]:
    """Take references off the queue; returns the rows removed (for an undo)."""
    removed: list[PendingLookup] = []
    for chunk in chunks(list(dict.fromkeys(ids))):
        removed.extend(_row(r) for r in uow.conn.execute(select(*_COLUMNS).where(Q.reference_id.in_(chunk))))
        uow.conn.execute(delete(lookup_queue_t).where(Q.reference_id.in_(chunk)))
    return removed


def placeholder_ids(src: Source, title_prefix: str) -> list[int]:
    """References (not in the trash) whose title starts with ``title_prefix`` ("To look up:"):
    placeholders a paste made before there was a queue, or while nothing was queued.

    Found through the title's sort index (``sort_title`` is the title case-folded, so the
    prefix's own fold bounds a range of it), then the title itself is compared: a LIKE on the
    title scanned every reference (~1 s cold at 100k) and ran at every start (issue 22)."""
    low = sort_key(title_prefix)
    high = low[:-1] + chr(ord(low[-1]) + 1) if low else ""
    stmt = select(R.id, R.title).where(R.deleted.is_(False), R.sort_title >= low)
    if high:
        stmt = stmt.where(R.sort_title < high)
    with connection(src) as conn:
        return sorted(int(i) for i, title in conn.execute(stmt) if str(title).startswith(title_prefix))


def unqueued_placeholder_ids(src: Source, title_prefix: str) -> list[int]:
    """Those of ``placeholder_ids`` with no queue row: what an adoption would take in."""
    ids = placeholder_ids(src, title_prefix)
    if not ids:
        return []
    queued: set[int] = set()
    with connection(src) as conn:
        for chunk in chunks(ids):
            queued.update(int(i) for i in conn.execute(select(Q.reference_id).where(Q.reference_id.in_(chunk))).scalars())
    return [i for i in ids if i not in queued]


def queue_size(src: Source) -> int:
    """Rows in the queue, trash included: one count over the queue's own index, the window's
    whole start-up check (the lookup services are imported only when it is not 0)."""
    with connection(src) as conn:
        return int(conn.execute(select(func.count()).select_from(lookup_queue_t)).scalar_one())


def ids_with_field(src: Source, field: str, values: Sequence[str]) -> dict[str, list[int]]:
    """References (not in the trash) whose field (``doi``, ``isbn``, ``eprint``, ``pmid``,
    ``pmcid``) equals one of ``values``, compared without case; keyed by the lower-cased value.
    DOIs use their indexed column; the others are read from the fields JSON."""
    wanted = list(dict.fromkeys(v.lower() for v in values if v))
    out: dict[str, list[int]] = {}
    column = func.lower(R.doi) if field == "doi" else func.lower(json_field(R.fields_json, field))
    with connection(src) as conn:
        for chunk in chunks(wanted):
            stmt = select(column, R.id).where(R.deleted.is_(False), column.in_(chunk)).order_by(R.id)
            for value, rid in conn.execute(stmt):
                out.setdefault(str(value), []).append(int(rid))
    return out


def due_count(src: Source, when: datetime | None = None) -> int:
    """How many queued lookups are due (for a status line)."""
    when = when or now()
    with connection(src) as conn:
        stmt = (
            select(func.count()).select_from(lookup_queue_t).join(references_t, R.id == Q.reference_id)
            .where(R.deleted.is_(False), or_(Q.next_try.is_(None), Q.next_try <= when))
        )
        return int(conn.execute(stmt).scalar_one())


def load_references(src: Source, ids: Sequence[int]) -> list[Reference]:
    """Full References in the order of ``ids`` (missing ones skipped), readable inside a unit
    of work: a merge reads what the reference holds now, not what it held when the lookup
    started, so an edit made meanwhile is never overwritten."""
    by_id: dict[int, Reference] = {}
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(ids))):
            rows = conn.execute(references_t.select().where(R.id.in_(chunk))).all()
            names: dict[int, list[Creator]] = {int(r.id): [] for r in rows}
            stmt = creators_t.select().where(creators_t.c.reference_id.in_(chunk)).order_by(
                creators_t.c.reference_id, creators_t.c.position
            )
            for c in conn.execute(stmt):
                names[int(c.reference_id)].append(creator_from_row(c))
            for r in rows:
                by_id[int(r.id)] = reference_from_row(r, names[int(r.id)])
    return [by_id[i] for i in ids if i in by_id]
