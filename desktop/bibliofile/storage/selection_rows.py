"""What the detail pane shows of many selected references, read in one query per chunk of ids.

``Library.get_many`` loads whole references, each with its original source text, and the
reading state and tags come from further queries: for 100 selected references that was ~50 ms
on the GUI thread (issue 18, Speed). The summary of a selection needs only the fields, the
creators and the reading state, so this reads just those columns, and nothing it returns is
ever written back (the references it makes carry no source record).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bibliofile.model.creators import Creator
from bibliofile.model.reading import ReadingState
from bibliofile.model.reference import Reference
from bibliofile.storage.batches import chunks
from bibliofile.storage.library import Source, connection
from bibliofile.storage.rows import creator_from_row
from bibliofile.storage.tables import creators_t, references_t

R = references_t.c
C = creators_t.c

CHUNK = 900  # SQLite's bound-parameter limit, with room to spare


class SelectionReadCancelled(Exception):
    """The selection changed while it was being read: the result is not wanted."""


@dataclass(frozen=True)
class DisplayRows:
    """References for display only (no source record: never to be written back) and their
    reading state, in the order of the ids asked for; ids not found are left out."""

    references: list[Reference]
    reading: dict[int, ReadingState]


def display_rows(
    src: Source, ids: Sequence[int], cancelled: Callable[[], bool] = lambda: False
) -> DisplayRows:
    """The fields, creators and reading state of ``ids``: per chunk of ids one query for the
    references' columns and one for their creators. ``cancelled`` is asked between chunks;
    when it says so, ``SelectionReadCancelled`` is raised."""
    by_id: dict[int, Reference] = {}
    reading: dict[int, ReadingState] = {}
    with connection(src) as conn:
        for chunk in chunks(ids, CHUNK):
            if cancelled():
                raise SelectionReadCancelled
            stmt = select(
                R.id, R.item_type, R.citation_key, R.fields_json, R.extra_json,
                R.read_status, R.priority, R.rating, R.date_read,
            ).where(R.id.in_(chunk))
            creators: dict[int, list[Creator]] = {}
            for row in conn.execute(stmt):
                creators[row.id] = []
                by_id[row.id] = Reference(
                    item_type=row.item_type,
                    fields=json.loads(row.fields_json),
                    creators=creators[row.id],
                    citation_key=row.citation_key,
                    extra=json.loads(row.extra_json),
                    id=row.id,
                )
                reading[row.id] = ReadingState(row.read_status, row.priority, row.rating, row.date_read)
            if not creators:
                continue
            for c in conn.execute(
                creators_t.select()
                .where(C.reference_id.in_(list(creators)))
                .order_by(C.reference_id, C.position)
            ):
                creators[c.reference_id].append(creator_from_row(c))
    return DisplayRows([by_id[i] for i in ids if i in by_id], reading)
