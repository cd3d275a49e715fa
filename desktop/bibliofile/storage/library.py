"""The Library: one reference database, opened safely, changed one unit of work at a time.

Every user action is one ``write()`` block: one SQLite transaction begun IMMEDIATE (one writer at
a time), committed at the end or rolled back on any exception, including ``Cancelled``. A killed
process leaves SQLite's journal to undo the unfinished transaction, so the library is exactly as
before. Reads return plain data (References or tuples), never ORM objects, so the GUI can hold
them across threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    nulls_last,
    or_,
    select,
    tuple_,
    update,
)

from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator
from bibliofile.model.query import Query, Term, parse_query
from bibliofile.model.reference import Reference
from bibliofile.storage import migrate
from bibliofile.storage.engine import library_url, make_engine, sqlite_path, translated_errors
from bibliofile.storage.rows import (
    creator_from_row,
    creator_rows,
    fts_row,
    reference_from_row,
    reference_row,
)
from bibliofile.storage.schema import (
    blocks_t,
    collection_items_t,
    collections_t,
    creators_t,
    imports_t,
    reference_tags_t,
    references_t,
    tags_t,
)
from bibliofile.storage.search import SearchIndex, index_for

R = references_t.c

# Table columns the GUI and CLI may ask for, by name.
COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": R.id,
    "authors": R.authors_display,
    "year": R.year,
    "title": R.title,
    "container": R.container_title,
    "type": R.item_type,
    "date_added": R.date_added,
    "citation_key": R.citation_key,
    "doi": R.doi,
    "pages": R.pages,
    "status": R.status,
    "date": R.date,
}

SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "authors": R.sort_authors,
    "year": R.year,
    "title": R.sort_title,
    "container": R.sort_container,
    "type": R.item_type,
    "date_added": R.date_added,
    "citation_key": R.citation_key,
    "doi": R.doi,
    "pages": R.pages,
    "status": R.status,
    "date": R.date,
}


@dataclass(frozen=True, slots=True)
class Scope:
    """Which part of the library a search covers: the library, trash, unfiled, or a collection."""

    trash: bool = False
    collection_id: int | None = None
    unfiled: bool = False


LIBRARY = Scope()
TRASH = Scope(trash=True)


class Library:
    """An open library. Thread-safe: each call takes its own pooled connection."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.index: SearchIndex = index_for(engine.dialect.name)
        self._write_lock = threading.Lock()

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | Path) -> Library:
        """Open (creating if new) and upgrade a library; newer or foreign files are refused untouched."""
        url = library_url(location)
        path = sqlite_path(url)
        where = str(path or url)
        with translated_errors(where):
            needs_upgrade = True
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                needs_upgrade = migrate.check_version(path)
                if needs_upgrade and migrate.current_revisions(path) is not None:
                    migrate.backup(path, "before-upgrade")
            engine = make_engine(url)
            if needs_upgrade:
                migrate.upgrade(engine)
        return cls(engine, url)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def display_name(self) -> str:
        return str(self.path or self.url)

    def close(self) -> None:
        self.engine.dispose()

    # ---- writing -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """One user action: everything inside commits together or not at all."""
        with self._write_lock, translated_errors(self.display_name), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield UnitOfWork(conn, self.index)

    def add_references(self, refs: Sequence[Reference]) -> list[int]:
        with self.write() as uow:
            return uow.add_items(refs)

    def update_reference(self, ref: Reference) -> None:
        with self.write() as uow:
            uow.update(ref)

    # ---- reading -------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with translated_errors(self.display_name), self.engine.connect() as conn:
            yield conn

    def count(self, scope: Scope = LIBRARY) -> int:
        with self._read() as conn:
            q = select(func.count()).select_from(references_t).where(*_scope_conditions(scope))
            return int(conn.execute(q).scalar_one())

    def search(
        self,
        query: Query | str = "",
        sort: str = "title",
        descending: bool = False,
        scope: Scope = LIBRARY,
    ) -> list[int]:
        """Ids matching a query in display order. Sorting and filtering happen in SQL."""
        q = parse_query(query) if isinstance(query, str) else query
        stmt = self._search_select(q, scope)
        stmt = stmt.order_by(*_order(sort, descending))
        with self._read() as conn:
            return [int(x) for x in conn.execute(stmt).scalars()]

    def _search_select(self, q: Query, scope: Scope) -> Select[Any]:
        conds: list[ColumnElement[bool]] = list(_scope_conditions(scope))
        text_terms = [t for t in q.terms if _is_text(t)]
        conds.extend(self.index.matching(text_terms, R.id))
        for t in q.terms:
            if not _is_text(t):
                cond = _field_condition(t)
                conds.append(~cond if t.negated else cond)
        return select(R.id).where(*conds)

    def rows(self, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        """Plain tuples for the given ids (the table's page fetch: one SELECT ... WHERE id IN)."""
        cols = [COLUMNS[c] for c in columns]
        out: dict[int, tuple[Any, ...]] = {}
        with self._read() as conn:
            for chunk in _chunks(ids, 900):
                for row in conn.execute(select(R.id, *cols).where(R.id.in_(chunk))):
                    out[row[0]] = tuple(row[1:])
        return out

    def get(self, rid: int) -> Reference:
        refs = self.get_many([rid])
        if not refs:
            raise KeyError(rid)
        return refs[0]

    def get_many(self, ids: Sequence[int]) -> list[Reference]:
        """Full References in the order of ``ids`` (missing ids are skipped)."""
        by_id: dict[int, Reference] = {}
        with self._read() as conn:
            for chunk in _chunks(ids, 900):
                self._load(conn, references_t.select().where(R.id.in_(chunk)), by_id)
        return [by_id[i] for i in ids if i in by_id]

    def _load(self, conn: Connection, stmt: Any, into: dict[int, Reference]) -> list[int]:
        rows = conn.execute(stmt).all()
        ids = [r.id for r in rows]
        creators: dict[int, list[Creator]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 900):
            for c in conn.execute(
                creators_t.select()
                .where(creators_t.c.reference_id.in_(chunk))
                .order_by(creators_t.c.reference_id, creators_t.c.position)
            ):
                creators[c.reference_id].append(creator_from_row(c))
        for r in rows:
            into[r.id] = reference_from_row(r, creators[r.id])
        return ids

    def by_citation_key(self, keys: Iterable[str]) -> list[int]:
        with self._read() as conn:
            return list(
                conn.execute(
                    select(R.id).where(R.citation_key.in_(list(keys)), R.deleted.is_(False))
                ).scalars()
            )

    def export_items(
        self, ids: Sequence[int] | None = None, batch: int = 5000
    ) -> Iterator[Reference | PassthroughBlock]:
        """References (and, for a whole-library export, the kept @string/@preamble/@comment
        blocks) in original file order, then references made in the app, streamed in batches."""
        with self._read() as conn:
            if ids is None:
                yield from self._export_all(conn, batch)
                return
            for chunk in _chunks(ids, batch):
                loaded: dict[int, Reference] = {}
                self._load(conn, references_t.select().where(R.id.in_(chunk)), loaded)
                yield from (loaded[i] for i in chunk if i in loaded)

    def _export_all(self, conn: Connection, batch: int) -> Iterator[Reference | PassthroughBlock]:
        blocks: dict[int, list[tuple[int, PassthroughBlock]]] = {}
        for b in conn.execute(blocks_t.select().order_by(blocks_t.c.import_id, blocks_t.c.position)):
            blocks.setdefault(b.import_id, []).append(
                (b.position, PassthroughBlock(BlockKind(b.kind), b.text, b.prefix, b.line))
            )
        import_ids: list[int | None] = list(
            conn.execute(select(imports_t.c.id).order_by(imports_t.c.id)).scalars()
        )
        for imp in [*import_ids, None]:
            pending = blocks.get(imp, []) if imp is not None else []
            cond = R.import_id == imp if imp is not None else R.import_id.is_(None)
            after = (-1, -1)
            while True:
                page = conn.execute(
                    select(R.id, R.position)
                    .where(cond, R.deleted.is_(False), tuple_(R.position, R.id) > tuple_(*after))
                    .order_by(R.position, R.id)
                    .limit(batch)
                ).all()
                if not page:
                    break
                loaded: dict[int, Reference] = {}
                self._load(conn, references_t.select().where(R.id.in_([r.id for r in page])), loaded)
                for rid, pos in page:
                    while pending and pending[0][0] < pos:
                        yield pending.pop(0)[1]
                    yield loaded[rid]
                after = (page[-1].position, page[-1].id)
            for _, blk in pending:
                yield blk

    def collections(self) -> list[tuple[int, int | None, str]]:
        with self._read() as conn:
            return [
                (r.id, r.parent_id, r.name)
                for r in conn.execute(
                    collections_t.select().order_by(collections_t.c.parent_id, collections_t.c.position, collections_t.c.name)
                )
            ]

    def index_count(self) -> int:
        with self._read() as conn:
            return self.index.count(conn)


class UnitOfWork:
    """The writes of one user action, on one connection inside one transaction."""

    def __init__(self, conn: Connection, index: SearchIndex) -> None:
        self.conn = conn
        self.index = index
        self._next_id: int | None = None

    def _allocate(self, n: int) -> int:
        if self._next_id is None:
            self._next_id = int(self.conn.execute(select(func.coalesce(func.max(R.id), 0))).scalar_one()) + 1
        first = self._next_id
        self._next_id += n
        return first

    def add_import(self, file: str, format: str, encoding: str) -> int:
        res = self.conn.execute(
            insert(imports_t).values(file=file, format=format, encoding=encoding, imported_at=_now())
        )
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def add_items(
        self,
        items: Iterable[Reference | PassthroughBlock],
        import_id: int | None = None,
        start_position: int = 0,
    ) -> list[int]:
        """Insert references and kept blocks in order; returns the new reference ids."""
        now = _now()
        refs: list[dict[str, Any]] = []
        creators: list[dict[str, Any]] = []
        fts: list[tuple[int, str, str, str, str, str, str]] = []
        blocks: list[dict[str, Any]] = []
        items = list(items)
        n_refs = sum(1 for x in items if isinstance(x, Reference))
        rid = self._allocate(n_refs) if n_refs else 0
        ids: list[int] = []
        for pos, item in enumerate(items, start_position):
            if isinstance(item, Reference):
                refs.append(reference_row(item, rid, now, import_id, pos))
                creators.extend(creator_rows(item, rid))
                fts.append(fts_row(item, rid))
                item.id = rid
                ids.append(rid)
                rid += 1
            elif import_id is not None:
                blocks.append(
                    {"import_id": import_id, "position": pos, "kind": item.kind.value,
                     "text": item.text, "prefix": item.prefix, "line": item.line}
                )
        if refs:
            self.conn.execute(insert(references_t), refs)
        if creators:
            self.conn.execute(insert(creators_t), creators)
        if blocks:
            self.conn.execute(insert(blocks_t), blocks)
        self.index.add(self.conn, fts)
        return ids

    def update(self, ref: Reference, *, edited: bool = True) -> None:
        """Replace a reference's data, marked edited so export writes it in clean style.

        ``edited=False`` is for undo putting back the data exactly as imported: the entry is then
        written back byte for byte again.
        """
        assert ref.id is not None
        old = self.conn.execute(
            select(R.date_added, R.import_id, R.position, R.deleted).where(R.id == ref.id)
        ).one_or_none()
        if old is None:
            raise KeyError(ref.id)
        ref.edited = edited
        row = reference_row(ref, ref.id, _now(), old.import_id, old.position)
        row.update(date_added=old.date_added, deleted=old.deleted)
        del row["id"]
        self.conn.execute(update(references_t).where(R.id == ref.id).values(**row))
        self.conn.execute(delete(creators_t).where(creators_t.c.reference_id == ref.id))
        rows = creator_rows(ref, ref.id)
        if rows:
            self.conn.execute(insert(creators_t), rows)
        self.index.replace(self.conn, [fts_row(ref, ref.id)])

    def trash(self, ids: Sequence[int]) -> None:
        for chunk in _chunks(ids, 900):
            self.conn.execute(update(references_t).where(R.id.in_(chunk)).values(deleted=True))

    def restore(self, ids: Sequence[int]) -> None:
        for chunk in _chunks(ids, 900):
            self.conn.execute(update(references_t).where(R.id.in_(chunk)).values(deleted=False))

    def purge(self, ids: Sequence[int]) -> None:
        """Delete for good (emptying the trash)."""
        for chunk in _chunks(ids, 900):
            self.index.remove(self.conn, chunk)
            self.conn.execute(delete(references_t).where(R.id.in_(chunk)))

    def add_collection(self, name: str, parent_id: int | None = None) -> int:
        res = self.conn.execute(insert(collections_t).values(name=name, parent_id=parent_id))
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def rename_collection(self, cid: int, name: str) -> None:
        self.conn.execute(update(collections_t).where(collections_t.c.id == cid).values(name=name))

    def delete_collection(self, cid: int) -> None:
        self.conn.execute(delete(collections_t).where(collections_t.c.id == cid))

    def add_to_collection(self, cid: int, ids: Sequence[int]) -> None:
        present = set(
            self.conn.execute(
                select(collection_items_t.c.reference_id).where(collection_items_t.c.collection_id == cid)
            ).scalars()
        )
        new = [
            {"collection_id": cid, "reference_id": i, "position": 0}
            for i in dict.fromkeys(ids)
            if i not in present
        ]
        if new:
            self.conn.execute(insert(collection_items_t), new)

    def remove_from_collection(self, cid: int, ids: Sequence[int]) -> None:
        for chunk in _chunks(ids, 900):
            self.conn.execute(
                delete(collection_items_t).where(
                    collection_items_t.c.collection_id == cid, collection_items_t.c.reference_id.in_(chunk)
                )
            )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _chunks(seq: Sequence[int], n: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _is_text(t: Term) -> bool:
    return t.field in (None, "author", "title", "container", "abstract", "keywords", "notes")


def _scope_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [R.deleted.is_(scope.trash)]
    ci = collection_items_t.c
    if scope.collection_id is not None:
        conds.append(exists().where(ci.reference_id == R.id, ci.collection_id == scope.collection_id))
    if scope.unfiled:
        conds.append(~exists().where(ci.reference_id == R.id))
    return conds


def _field_condition(t: Term) -> ColumnElement[bool]:
    v = t.text.strip()
    if t.field == "year":
        lo, hi = t.year_from, t.year_to
        parts: list[ColumnElement[bool]] = [R.year.is_not(None)]
        if lo is not None:
            parts.append(R.year >= lo)
        if hi is not None:
            parts.append(R.year <= hi)
        return and_(*parts)
    if t.field == "type":
        low = v.lower()
        return or_(R.item_type == low, R.item_type.like(f"{low}%"), R.source_entry_type.ilike(v))
    if t.field == "key":
        return R.citation_key.like(f"{v}%")
    if t.field == "doi":
        return func.lower(R.doi).like(f"%{v.lower()}%")
    if t.field == "tag":
        rt = reference_tags_t.c
        return exists().where(
            rt.reference_id == R.id, rt.tag_id == tags_t.c.id, func.lower(tags_t.c.name) == v.lower()
        )
    return R.id.is_(None)


def _order(sort: str, descending: bool) -> list[Any]:
    col = SORT_COLUMNS.get(sort, R.sort_title)
    primary = col.desc() if descending else col.asc()
    if sort == "year":
        primary = nulls_last(primary)
    return [primary, R.sort_authors, R.year, R.id]
