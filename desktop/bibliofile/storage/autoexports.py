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

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Select,
    String,
    bindparam,
    delete,
    insert,
    select,
    type_coerce,
    update,
)

from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.reference import Reference, SourceRecord
from bibliofile.storage.batches import chunks, now
from bibliofile.storage.library import Library, Source, connection
from bibliofile.storage.tables import (
    autoexport_entries_t,
    autoexports_t,
    blocks_t,
    collections_t,
    imports_t,
    references_t,
)

__all__ = [
    "AutoExportRow",
    "CachedEntry",
    "OutlineRow",
    "Stamp",
    "add",
    "all_autoexports",
    "by_keys",
    "delete_entries",
    "find",
    "load_entries",
    "outline",
    "record_error",
    "record_written",
    "remove",
    "save_entries",
    "stamp_time",
    "stamps",
    "verbatim_references",
    "verbatim_texts",
]

# A modification stamp as read for comparing: the driver's text (SQLite) or datetime (others).
Stamp = str | datetime


def stamp_time(stamp: Stamp) -> datetime:
    return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)


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

    stamp: Stamp
    trusted: bool
    body: str
    kept: bool = False
    prefix: str = ""
    item_id: str = ""
    parents: bool = False
    # What it inherited from, for a reference with crossref/xdata parents (kept in memory only):
    # (parent key, the parent's id or None when none had that key, its stamp).
    deps: tuple[tuple[str, int | None, Stamp | None], ...] = ()


class OutlineRow(NamedTuple):
    """A reference's place in an export: what decides whether its cached text still holds.
    (A tuple: an outline has one per exported reference, 20k of them at a time.)"""

    id: int
    stamp: Stamp
    verbatim: bool  # unedited and read from BibTeX: written as its kept text
    citation_key: str


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
            select(E.reference_id, type_coerce(E.stamp, String), E.trusted, E.body, E.kept, E.prefix, E.item_id, E.parents)
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
            {"autoexport_id": export_id, "reference_id": rid, "v_stamp": e.stamp, "trusted": e.trusted,
             "body": e.body, "kept": e.kept, "prefix": e.prefix, "item_id": e.item_id, "parents": e.parents}
            for rid, e in entries.items()
        ]
        # The stamp is stored as it was read, so it compares equal to the reference's again.
        stmt = insert(autoexport_entries_t).values(stamp=type_coerce(bindparam("v_stamp"), String))
        for part in chunks(rows, 500):
            conn.execute(stmt, list(part))


def delete_entries(src: Source, export_id: int) -> None:
    with connection(src) as conn:
        conn.execute(delete(autoexport_entries_t).where(E.autoexport_id == export_id))


def _delete_entries(conn: Connection, export_id: int, ids: Sequence[int]) -> None:
    for chunk in chunks(list(ids), 900):
        conn.execute(delete(autoexport_entries_t).where(E.autoexport_id == export_id, E.reference_id.in_(chunk)))


# The stamp as the driver gives it: parsing 20k SQLite datetimes took longer than the query.
_OUTLINE_COLUMNS = (R.id, type_coerce(R.date_modified, String), R.edited, R.source_format, R.citation_key)


def _outline_row(r: Any) -> OutlineRow:
    return OutlineRow(r[0], r[1], not r[2] and r[3] == "bibtex", r[4])


def _plain_rows(conn: Connection, stmt: Select[Any]) -> Sequence[Any]:
    """The rows of a select built by SQLAlchemy, read on SQLite's own cursor: a SQLAlchemy row
    costs ~1 us more, as much as the query itself for 20k references (cf. ``Library._fetch_ids``).
    The columns must need no result processing (ints, text; type_coerce where not)."""
    if conn.dialect.name != "sqlite" or not conn.dialect.positional:
        return conn.execute(stmt).all()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = conn.connection.driver_connection
    assert raw is not None
    rows: list[Any] = raw.execute(str(compiled), params).fetchall()
    return rows


def outline(library: Library, ids: Sequence[int] | None = None) -> list[PassthroughBlock | OutlineRow]:
    """The export of ``ids`` (None: the whole library, with its kept blocks) in the order
    ``Library.export_items`` gives it (imports oldest first, each in file order with its blocks
    where they stood, then references made in the app; for ids, their order), as blocks and
    OutlineRows. One ordered query: the tests compare the result with a fresh export."""
    out: list[PassthroughBlock | OutlineRow] = []
    with connection(library) as conn:
        if ids is not None:
            found: dict[int, OutlineRow] = {}
            for chunk in chunks(list(ids), 900):
                for r in conn.execute(select(*_OUTLINE_COLUMNS).where(R.id.in_(chunk))):
                    found[r[0]] = _outline_row(r)
            out.extend(found[i] for i in ids if i in found)
            return out
        blocks: dict[int, deque[tuple[int, PassthroughBlock]]] = {}
        for b in conn.execute(blocks_t.select().order_by(blocks_t.c.import_id, blocks_t.c.position)):
            blocks.setdefault(b.import_id, deque()).append(
                (b.position, PassthroughBlock(BlockKind(b.kind), b.text, b.prefix, b.line))
            )
        imports = list(conn.execute(select(imports_t.c.id).order_by(imports_t.c.id)).scalars())
        order = {imp: n for n, imp in enumerate(imports)}
        # ix_references_export_outline gives these in order, alone; no WHERE on ``deleted``,
        # which would lead the planner (no statistics) to a sort index and a sort.
        rows = _plain_rows(
            conn, select(R.import_id, R.position, R.deleted, *_OUTLINE_COLUMNS).order_by(R.import_id, R.position, R.id)
        )
        groups: dict[int | None, list[Any]] = {}
        for row in rows:
            if not row[2]:
                groups.setdefault(row[0] if row[0] in order else None, []).append(row)
        for imp in [*imports, None]:
            pending = blocks.get(imp, deque()) if imp is not None else deque()
            for row in groups.get(imp, ()):
                while pending and pending[0][0] < row[1]:
                    out.append(pending.popleft()[1])
                out.append(_outline_row(row[3:]))
            out.extend(b for _, b in pending)
    return out


def by_keys(library: Library, keys: Sequence[str]) -> dict[str, list[tuple[int, Stamp]]]:
    """(id, stamp) of the references outside the trash with each citation key."""
    out: dict[str, list[tuple[int, Stamp]]] = {}
    cols = (R.id, R.citation_key, type_coerce(R.date_modified, String), R.deleted)
    with connection(library) as conn:
        for chunk in chunks(sorted(set(keys)), 900):
            # (the trash filtered here: with ``deleted`` in the WHERE clause SQLite takes an index
            # led by it instead of the key's, as Library.by_citation_key says)
            for rid, key, stamp, deleted in _plain_rows(conn, select(*cols).where(R.citation_key.in_(chunk))):
                if not deleted:
                    out.setdefault(key, []).append((rid, stamp))
    return out


def stamps(library: Library, ids: Sequence[int]) -> dict[int, Stamp]:
    out: dict[int, Stamp] = {}
    with connection(library) as conn:
        for chunk in chunks(sorted(set(ids)), 900):
            stmt = select(R.id, type_coerce(R.date_modified, String)).where(R.id.in_(chunk))
            out.update((rid, stamp) for rid, stamp in _plain_rows(conn, stmt))
    return out


def verbatim_texts(library: Library, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(kept text, kept prefix) of unedited BibTeX entries: what a whole-library export writes
    for them, read on SQLite's cursor (a command-line rewrite reads all 20k of them)."""
    out: dict[int, tuple[str, str]] = {}
    with connection(library) as conn:
        for chunk in chunks(list(ids), 900):
            for rid, text, prefix in _plain_rows(conn, select(R.id, R.source_text, R.source_prefix).where(R.id.in_(chunk))):
                out[rid] = (text, prefix)
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
