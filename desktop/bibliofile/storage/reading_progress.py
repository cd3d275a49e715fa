"""Rows of reading progress (issue 19): which pages of an attachment the reader has shown.

Only rows; merging newly shown pages and deciding what they mean is
services/reading_progress.py's business. SQL Core, every dialect. Reads take a Library or, in
an action, its UnitOfWork.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update

from bibliofile.model.page_progress import decode_pages
from bibliofile.storage.batches import chunks
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import attachments_t, reading_progress_t

__all__ = ["for_references", "pages_of", "put", "rows_of"]

P = reading_progress_t.c
A = attachments_t.c

Row = tuple[str, int]  # pages_seen, page_count


def rows_of(src: Source, attachment_ids: Sequence[int]) -> dict[int, Row]:
    """The stored (pages seen, page count) of these attachments (never read: left out)."""
    out: dict[int, Row] = {}
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(attachment_ids))):
            for aid, seen, count in conn.execute(
                select(P.attachment_id, P.pages_seen, P.page_count).where(P.attachment_id.in_(chunk))
            ):
                out[int(aid)] = (str(seen), int(count))
    return out


def pages_of(src: Source, attachment_id: int) -> set[int]:
    row = rows_of(src, [attachment_id]).get(attachment_id)
    return decode_pages(row[0]) if row else set()


def put(uow: UnitOfWork, attachment_id: int, pages_seen: str, page_count: int) -> None:
    """Set an attachment's progress (a row added the first time)."""
    done = uow.conn.execute(
        update(reading_progress_t)
        .where(P.attachment_id == attachment_id)
        .values(pages_seen=pages_seen, page_count=page_count)
    )
    if not done.rowcount:
        uow.conn.execute(
            insert(reading_progress_t).values(attachment_id=attachment_id, pages_seen=pages_seen, page_count=page_count)
        )


def for_references(src: Source, reference_ids: Sequence[int] | None) -> dict[int, list[tuple[int, str, int]]]:
    """Each reference's progress rows as (attachment id, pages seen, page count), by position;
    ``None``: every reference that has any (the reading list's figures read them in one go)."""
    out: dict[int, list[tuple[int, str, int]]] = {}
    base = select(A.reference_id, P.attachment_id, P.pages_seen, P.page_count).join(
        attachments_t, A.id == P.attachment_id
    ).order_by(A.reference_id, A.position, A.id)
    with connection(src) as conn:
        if reference_ids is None:
            results = [conn.execute(base)]
        else:
            results = [conn.execute(base.where(A.reference_id.in_(c))) for c in chunks(list(dict.fromkeys(reference_ids)))]
        for result in results:
            for rid, aid, seen, count in result:
                out.setdefault(int(rid), []).append((int(aid), str(seen), int(count)))
    return out
