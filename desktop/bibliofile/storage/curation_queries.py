"""Reads the curation services need to name things the way a user does: references by citation
key, tags by name, collections with their item counts.

Kept apart from ``curation.py`` (which another change is moving to SQLAlchemy Core) so the
services' look-ups have one small, dialect-neutral home. Each read takes a Library or, inside
a user action, its UnitOfWork, and costs one statement per 900 names.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from bibliofile.storage.batches import chunks
from bibliofile.storage.library import Source, connection
from bibliofile.storage.tables import (
    collection_items_t,
    collections_t,
    reference_tags_t,
    references_t,
    tags_t,
)

R = references_t.c
CI = collection_items_t.c
RT = reference_tags_t.c
T = tags_t.c





def ids_by_citation_key(src: Source, keys: Sequence[str]) -> dict[str, list[int]]:
    """The references (not in the trash) carrying each key, in id order; a key no reference
    has is absent. Keys are matched exactly: BibTeX's ``\\cite`` is case-sensitive too."""
    out: dict[str, list[int]] = {}
    wanted = list(dict.fromkeys(keys))
    # The trash is filtered here, not in SQL (as Library.by_citation_key): with ``deleted`` in
    # the WHERE clause SQLite (no statistics) walks an index led by ``deleted`` instead of the
    # key's, a scan of the library per chunk of keys instead of one index probe per key.
    with connection(src) as conn:
        for chunk in chunks(wanted):
            stmt = select(R.citation_key, R.id, R.deleted).where(R.citation_key.in_(chunk)).order_by(R.id)
            for key, rid, deleted in conn.execute(stmt):
                if not deleted:
                    out.setdefault(str(key), []).append(int(rid))
    return out


def live_ids(src: Source, ids: Sequence[int]) -> list[int]:
    """Those of ``ids`` that name a reference not in the trash, in the order given."""
    found: set[int] = set()
    with connection(src) as conn:
        for chunk in chunks(list(dict.fromkeys(ids))):
            stmt = select(R.id).where(R.id.in_(chunk), R.deleted.is_(False))
            found.update(int(i) for i in conn.execute(stmt).scalars())
    return [i for i in dict.fromkeys(ids) if i in found]


def tag_id(src: Source, name: str) -> int | None:
    """The id of the tag with this name, compared without case (as ``curation.add_tag`` does)."""
    with connection(src) as conn:
        found = conn.execute(select(T.id).where(func.lower(T.name) == name.strip().lower())).scalar()
    return None if found is None else int(found)


def tag_use_count(src: Source, tid: int) -> int:
    """How many references carry the tag, the trash included (a tag still in use must stay)."""
    with connection(src) as conn:
        return int(conn.execute(select(func.count()).select_from(reference_tags_t).where(RT.tag_id == tid)).scalar_one())


def collection_counts(src: Source) -> dict[int, int]:
    """References (not in the trash) in each collection that has any, in one statement."""
    with connection(src) as conn:
        stmt = (
            select(CI.collection_id, func.count())
            .join(references_t, R.id == CI.reference_id)
            .where(R.deleted.is_(False))
            .group_by(CI.collection_id)
        )
        return {int(c): int(n) for c, n in conn.execute(stmt)}


def trash_ids(src: Source) -> list[int]:
    """Every reference in the trash, in id order."""
    with connection(src) as conn:
        return [int(i) for i in conn.execute(select(R.id).where(R.deleted.is_(True)).order_by(R.id)).scalars()]


def collection_rows(src: Source) -> list[tuple[int, int | None, str]]:
    """(id, parent id, name) of every collection, siblings in their order (as the sidebar shows
    them), readable inside a user action too."""
    c = collections_t.c
    with connection(src) as conn:
        stmt = select(c.id, c.parent_id, c.name).order_by(c.position, func.lower(c.name), c.id)
        return [(int(i), None if p is None else int(p), str(n)) for i, p, n in conn.execute(stmt)]
