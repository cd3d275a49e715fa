"""Auto-exports (issue 20): the rows that say which file is kept up to date with what, what was
last written there, and each entry's formatted text; plus the export *outline* a rewrite starts
from.

The outline is the export's order (file order with the @string/@preamble/@comment blocks for a
whole library, as ``Library.export_items`` yields it) with, per reference, only what decides
whether its cached text can be reused: its modification stamp, whether it is written verbatim,
its key and its source prefix. It reads no entry text and loads no Reference, so after a
one-reference edit a 20k-entry rewrite reads ids and stamps, not 18 MB of entries.
All SQL Core, every dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from bibliofile.model.blocks import PassthroughBlock
from bibliofile.model.reference import Reference, SourceRecord
from bibliofile.storage.batches import chunks, now
from bibliofile.storage.library import Library, Source, connection
from bibliofile.storage.tables import (
    autoexport_entries_t,
    autoexports_t,
    collections_t,
    references_t,
)

__all__ = [
    "AutoExportRow",
    "CachedEntry",
    "OutlineRow",
    "add",
    "all_autoexports",
    "delete_entries",
    "find",
    "load_entries",
    "outline",
    "record_error",
    "record_written",
    "remove",
    "save_entries",
    "verbatim_references",
]

A = autoexports_t.c
E = autoexport_entries_t.c
R = references_t.c


@dataclass(frozen=True, slots=True)
class AutoExportRow:
    """One configured auto-export as stored. ``collection_id`` is None for a collection that was
    deleted since (``collection_name`` still names it)."""

    id: int
    path: str
    format: str
    scope: str
    collection_id: int | None
    collection_name: str
    query: str
    written_at: datetime | None
    written_size: int | None
    written_mtime_ns: int | None
    written_sha256: str
    last_error: str
    cache_context: str


@dataclass(frozen=True, slots=True)
class CachedEntry:
    """An entry's text as last written: ``body`` without its position-dependent lead (the blank
    line before it, or its kept ``prefix`` when ``kept``); ``item_id`` the CSL-JSON id it was
    written with; ``parents`` true when it inherits through crossref/xdata (never reused, as
    its parent may have changed)."""

    stamp: datetime
    trusted: bool
    body: str
    kept: bool = False
    prefix: str = ""
    item_id: str = ""
    parents: bool = False


@dataclass(frozen=True, slots=True)
class OutlineRow:
    """A reference's place in an export: what decides whether its cached text still holds."""

    id: int
    stamp: datetime
    verbatim: bool  # unedited and read from BibTeX: written as its kept text
    citation_key: str
    source_format: str
    source_prefix: str


def _row(r: Any) -> AutoExportRow:
    return AutoExportRow(
        r.id, r.path, r.format, r.scope, r.collection_id, r.collection_name, r.query, r.written_at,
        r.written_size, r.written_mtime_ns, r.written_sha256, r.last_error, r.cache_context,
    )


def all_autoexports(src: Source) -> list[AutoExportRow]:
    with connection(src) as conn:
        return [_row(r) for r in conn.execute(autoexports_t.select().order_by(A.id))]


def find(src: Source, path: str) -> AutoExportRow | None:
    with connection(src) as conn:
        r = conn.execute(autoexports_t.select().where(A.path == path)).first()
        return _row(r) if r is not None else None


def collection_name(src: Source, cid: int) -> str | None:
    with connection(src) as conn:
        name = conn.execute(select(collections_t.c.name).where(collections_t.c.id == cid)).scalar()
        return str(name) if name is not None else None


def add(src: Source, path: str, format: str, scope: str, collection_id: int | None = None,
        collection_name: str = "", query: str = "") -> int:
    """A new auto-export (the caller checked that ``path`` has none yet)."""
    with connection(src) as conn:
        res = conn.execute(insert(autoexports_t).values(
            path=path, format=format, scope=scope, collection_id=collection_id,
            collection_name=collection_name, query=query, added=now(), written_sha256="",
            last_error="", cache_context="",
        ))
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])


def remove(src: Source, path: str) -> bool:
    with connection(src) as conn:
        return bool(conn.execute(delete(autoexports_t).where(A.path == path)).rowcount)


def record_written(src: Source, export_id: int, size: int | None, mtime_ns: int | None, sha256: str) -> None:
    with connection(src) as conn:
        conn.execute(update(autoexports_t).where(A.id == export_id).values(
            written_at=now(), written_size=size, written_mtime_ns=mtime_ns, written_sha256=sha256,
            last_error="",
        ))


def record_error(src: Source, export_id: int, message: str) -> None:
    with connection(src) as conn:
        conn.execute(update(autoexports_t).where(A.id == export_id).values(last_error=message))


def load_entries(src: Source, export_id: int) -> tuple[str, dict[int, CachedEntry]]:
    """(the context the entries were formatted in, the entries by reference id)."""
    with connection(src) as conn:
        context = conn.execute(select(A.cache_context).where(A.id == export_id)).scalar()
        rows = conn.execute(
            select(E.reference_id, E.stamp, E.trusted, E.body, E.kept, E.prefix, E.item_id, E.parents)
            .where(E.autoexport_id == export_id)
        )
        entries = {r[0]: CachedEntry(*r[1:]) for r in rows}
        return str(context or ""), entries


def save_entries(src: Source, export_id: int, context: str, entries: dict[int, CachedEntry],
                 gone: Sequence[int], replace_all: bool = False) -> None:
    """Store changed entries (and forget those no longer exported) in the caller's transaction."""
    with connection(src) as conn:
        conn.execute(update(autoexports_t).where(A.id == export_id).values(cache_context=context))
        if replace_all:
            conn.execute(delete(autoexport_entries_t).where(E.autoexport_id == export_id))
        else:
            _delete_entries(conn, export_id, [*gone, *entries])
        rows = [
            {"autoexport_id": export_id, "reference_id": rid, "stamp": e.stamp, "trusted": e.trusted,
             "body": e.body, "kept": e.kept, "prefix": e.prefix, "item_id": e.item_id, "parents": e.parents}
            for rid, e in entries.items()
        ]
        for part in chunks(rows, 500):
            conn.execute(insert(autoexport_entries_t), list(part))


def delete_entries(src: Source, export_id: int) -> None:
    with connection(src) as conn:
        conn.execute(delete(autoexport_entries_t).where(E.autoexport_id == export_id))


def _delete_entries(conn: Connection, export_id: int, ids: Sequence[int]) -> None:
    for chunk in chunks(list(ids), 900):
        conn.execute(delete(autoexport_entries_t).where(E.autoexport_id == export_id, E.reference_id.in_(chunk)))


class _Outline(Library):
    """The library's own export order (``Library._export``), with each batch of rows answered
    by stamps instead of loaded References: one ordering, shared with every export, so an
    auto-export's order cannot drift from a fresh export's."""

    def __init__(self, library: Library) -> None:
        # Shares the engine; read_only so no order cache (and its connection) is made.
        super().__init__(library.engine, library.url, read_only=True)
        self.outline_rows: dict[int, OutlineRow] = {}

    def _export_batch(self, conn: Connection, rows: Sequence[Any], light: bool) -> dict[int, Reference]:
        ids = [r[0] for r in rows]
        cols = (R.id, R.date_modified, R.edited, R.source_format, R.citation_key, R.source_prefix)
        for chunk in chunks(ids, 900):
            for rid, stamp, edited, fmt, key, prefix in conn.execute(select(*cols).where(R.id.in_(chunk))):
                self.outline_rows[rid] = OutlineRow(rid, stamp, not edited and fmt == "bibtex", key, fmt, prefix)
        # Placeholders: only their ids are read back (``outline`` swaps in the OutlineRow).
        return {rid: Reference(id=rid) for rid in ids}


def outline(library: Library, ids: Sequence[int] | None = None) -> list[PassthroughBlock | OutlineRow]:
    """The export of ``ids`` (None: the whole library, with its kept blocks) in the order
    ``Library.export_items`` gives, as blocks and OutlineRows."""
    reader = _Outline(library)
    out: list[PassthroughBlock | OutlineRow] = []
    for item in reader._export(ids, 5000, light=False):
        if isinstance(item, PassthroughBlock):
            out.append(item)
        else:
            assert item.id is not None
            out.append(reader.outline_rows[item.id])
    return out


def verbatim_references(library: Library, ids: Sequence[int]) -> dict[int, Reference]:
    """Light References of unedited BibTeX entries (their kept text and prefix, as
    ``Library.bibtex_export_items`` makes them): all the BibTeX writer reads of them."""
    out: dict[int, Reference] = {}
    cols = (R.id, R.source_text, R.source_prefix, R.citation_key, R.item_type)
    with connection(library) as conn:
        for chunk in chunks(list(ids), 900):
            for rid, text, prefix, key, itype in conn.execute(select(*cols).where(R.id.in_(chunk))):
                source = SourceRecord("bibtex", text, prefix=prefix)
                out[rid] = Reference(item_type=itype, citation_key=key, source=source, id=rid)
    return out
