"""The Library: one reference database, opened safely, changed one unit of work at a time.

Every user action is one ``write()`` block: one SQLite transaction begun IMMEDIATE (one writer at
a time), committed at the end or rolled back on any exception, including ``Cancelled``. A killed
process leaves SQLite's journal to undo the unfinished transaction, so the library is exactly as
before. Reads return plain data (References or tuples), never ORM objects, so the GUI can hold
them across threads.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Index,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    nulls_last,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Text

from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator
from bibliofile.model.item_types import BIBTEX_IMPORT, ITEM_TYPES
from bibliofile.model.query import Query, Term, parse_query, words
from bibliofile.model.reference import Reference, SourceRecord
from bibliofile.storage import health, migrate, sqlite_dialect, sync_triggers
from bibliofile.storage.batches import chunks, driver_value, execute_many, now
from bibliofile.storage.engine import (
    CHECK_ADVICE,
    cannot_write,
    library_url,
    make_engine,
    message_for,
    read_ids,
    sqlite_path,
    translated_errors,
)
from bibliofile.storage.errors import (
    LibraryCorruptError,
    LibraryError,
    LibraryMissingError,
    LibraryReadOnlyError,
    LibraryUpgradeError,
)
from bibliofile.storage.first_screen import can_write
from bibliofile.storage.orders import Hits, OrderCache, StagedSearch
from bibliofile.storage.rows import (
    BLOCK_COLUMNS,
    CREATOR_COLUMNS,
    REFERENCE_COLUMNS,
    RowBatch,
    creator_from_row,
    creator_rows,
    fts_row,
    item_rows,
    reference_from_row,
    reference_row,
)

# The scopes live in storage/scope.py (no SQLAlchemy there) and are re-exported from here.
from bibliofile.storage.scope import LIBRARY as LIBRARY
from bibliofile.storage.scope import TRASH as TRASH
from bibliofile.storage.scope import Scope as Scope
from bibliofile.storage.search import SearchIndex, group_ids, index_for
from bibliofile.storage.tables import (
    blocks_t,
    collection_items_t,
    collections_t,
    creators_t,
    imports_t,
    notes_t,
    reference_tags_t,
    references_t,
    tags_t,
)

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
    "read_status": R.read_status,
    "priority": R.priority,
    "rating": R.rating,
    "date_read": R.date_read,
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
    "read_status": R.read_status,
    "priority": R.priority,
    "rating": R.rating,
    "date_read": R.date_read,
}


@dataclass(frozen=True, slots=True)
class CollectionSnapshot:
    """A deleted collection subtree, kept by the window's undo step.

    ``collections``: (id, parent id, name, position), parents first; ``items``: (collection id,
    reference id, position)."""

    collections: list[tuple[int, int | None, str, int]]
    items: list[tuple[int, int, int]]


WAL_AUTOCHECKPOINT = 1000  # pages: SQLite's default, put back after a bulk load


class Library:
    """An open library. Thread-safe: each call takes its own pooled connection."""

    def __init__(self, engine: Engine, url: str, read_only: bool = False, damage: str | None = None) -> None:
        self.engine = engine
        self.url = url
        self.index: SearchIndex = index_for(engine.dialect.name)
        self._write_lock = threading.Lock()
        path = sqlite_path(url)
        # A read-only library has no order cache: its probe connection would need an -shm file
        # that a read-only folder cannot hold; searches read their order from SQL instead.
        self._orders: OrderCache | None = OrderCache(path) if path is not None and not read_only else None
        self._checkpoint: threading.Thread | None = None
        self.read_only = read_only
        # SQLite's finding when the file failed a check (on open, or after a statement met a
        # damaged page): reads go on as far as they can, writes are refused.
        self.damage = damage

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | Path, *, create: bool = True, read_only: bool = False, checked: bool = False) -> Library:
        """Open and upgrade a library; newer or foreign files are refused untouched.

        ``create=False`` (search, export, cite) refuses a missing or empty file instead of
        making a library of it. A file that cannot be written (read-only media or folder), or
        ``read_only``, is opened for reading: writes raise LibraryReadOnlyError. A small library
        is quick-checked first; a damaged one opens for reading (writes raise
        LibraryCorruptError) and is never upgraded. ``checked``: the caller quick-checked the
        file moments ago and it passed (the window's first screen, storage/first_screen.py), so
        it is not read through again.
        """
        url = library_url(location)
        path = sqlite_path(url)
        where = str(path or url)
        damage: str | None = None
        with translated_errors(where):
            needs_upgrade = True
            backup: Path | None = None
            if path is not None:
                revisions = migrate.current_revisions(path)
                fresh = revisions is None
                if fresh and not create:
                    raise LibraryMissingError(
                        f"{where}: {'no library there' if not path.exists() else 'an empty file, not a library'}"
                        " (only an import starts a library). Nothing was changed."
                    )
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                needs_upgrade = migrate.needs_upgrade(path, revisions)
                read_only = read_only or (path.exists() and not can_write(path))
                if read_only and needs_upgrade:
                    raise LibraryReadOnlyError(
                        f"{where} is read-only and "
                        + ("empty" if fresh else "was written by an older Bibliofile, so it needs an upgrade")
                        + ", which cannot be written there. Nothing was changed. Copy it to a folder "
                        "you can write to and open the copy."
                    )
                if not fresh and not checked:
                    damage = health.damage_on_open(path)
                    if damage is not None and needs_upgrade:
                        raise LibraryCorruptError(
                            f"{where} is damaged ({damage}), so it was not upgraded to this "
                            f"version. Nothing was changed. {CHECK_ADVICE}"
                        )
                if needs_upgrade and not fresh:
                    backup = migrate.backup(path, "before-upgrade")
            engine = make_engine(url, read_only=read_only)
            if path is not None and not read_only and not needs_upgrade:
                engine, read_only = _fall_back_to_reading(engine, url)
            if needs_upgrade:
                try:
                    migrate.upgrade(engine)
                except (DBAPIError, sqlite_dialect.DriverError) as exc:
                    engine.dispose()
                    if message_for(exc, where) is not None:
                        raise  # locked, disk full...: translated_errors says it plainly
                    cause = exc.orig if isinstance(exc, DBAPIError) else exc
                    kept = f" A copy from before the upgrade is at {backup}." if backup else ""
                    raise LibraryUpgradeError(
                        f"{where} could not be upgraded to this version's schema ({cause}). "
                        "The upgrade ran in one transaction, so the library was left as it was."
                        + kept
                    ) from exc
        return cls(engine, url, read_only=read_only, damage=damage)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def display_name(self) -> str:
        return str(self.path or self.url)

    def close(self) -> None:
        self.wait_for_checkpoint()
        if self._orders is not None:
            self._orders.close()
            self._orders = None
        self.engine.dispose()

    # ---- writing -------------------------------------------------------------------------
    def refuse_writes_why(self) -> LibraryError | None:
        """Why this library takes no writes (read-only, damaged), or None when it does."""
        where = self.display_name
        if self.read_only:
            return LibraryReadOnlyError(
                f"{where} is read-only (on read-only media, or in a folder or file you cannot "
                "write to), so it was opened for reading only: searching, exporting and citing "
                "work, changes cannot be saved. Nothing was changed."
            )
        if self.damage is not None:
            return LibraryCorruptError(
                f"{where} is damaged ({self.damage}); writing into it could lose more, so nothing "
                f"was changed. {CHECK_ADVICE}"
            )
        return None

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """translated_errors, noting damage: after a statement met a damaged page, the file is
        quick-checked and further writes are refused."""
        try:
            with translated_errors(self.display_name):
                yield
        except LibraryCorruptError as exc:
            if self.damage is None:
                path = self.path
                found = health.check_file(path, full=False) if path is not None else None
                cause = exc.__cause__
                orig = cause.orig if isinstance(cause, DBAPIError) else cause
                self.damage = "; ".join(found.problems[:3]) if found is not None and not found.ok else str(orig)
            raise

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """One user action: everything inside commits together or not at all."""
        refused = self.refuse_writes_why()
        if refused is not None:
            raise refused
        with self._write_lock, self._translated(), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            uow = UnitOfWork(conn, self.index)
            try:
                with conn.begin():
                    yield uow
            finally:
                if uow.checkpoint_deferred:
                    sqlite_dialect.set_autocheckpoint(conn, WAL_AUTOCHECKPOINT)
        if uow.checkpoint_deferred:
            self._checkpoint_in_background()

    def _checkpoint_in_background(self) -> None:
        """Copy a large import's WAL into the library file on a thread of its own.

        SQLite would do it inside the import's COMMIT (about 2 s for 100k references, with both
        cores idle but one): the import is complete and durable in the WAL before that, so the
        window shows it at once and the copy happens beside whatever the user does next (a
        PASSIVE checkpoint never blocks readers or writers). ``close`` waits for it.
        """
        path = self.path
        if path is None:
            return
        self.wait_for_checkpoint()

        def run() -> None:
            sqlite_dialect.checkpoint(path)  # when it cannot, the next commit's automatic one will

        self._checkpoint = threading.Thread(target=run, name="bibliofile-checkpoint", daemon=True)
        self._checkpoint.start()

    def wait_for_checkpoint(self) -> None:
        """Until a background checkpoint (see ``_checkpoint_in_background``) has finished."""
        thread, self._checkpoint = self._checkpoint, None
        if thread is not None:
            thread.join()

    def add_references(self, refs: Sequence[Reference]) -> list[int]:
        with self.write() as uow:
            return uow.add_items(refs)

    def update_reference(self, ref: Reference) -> None:
        with self.write() as uow:
            uow.update(ref)

    # ---- reading -------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._translated(), self.engine.connect() as conn:
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
        if self._orders is not None:
            return self._search_with_order(q, sort, descending, scope, self._orders)
        return self._search_sql(q, sort, descending, scope)

    def _search_with_order(
        self, q: Query, sort: str, descending: bool, scope: Scope, orders: OrderCache
    ) -> list[int]:
        """The scope's whole order from the cache (read once), then only the matching ids from
        SQL, unordered (see storage/orders.py)."""
        key = (sort, descending, scope)
        if not q.terms:
            return orders.get_or_read(key, lambda: self._search_sql(q, sort, descending, scope))
        order = orders.get(key)
        if order is None:
            return self._search_sql(q, sort, descending, scope)
        return order.keep(*self._hit_sets(q, scope))

    def search_staged(
        self,
        query: Query | str = "",
        sort: str = "title",
        descending: bool = False,
        scope: Scope = LIBRARY,
        head: int = 200,
    ) -> StagedSearch:
        """``search`` in two steps for a window that types: the first ``head`` ids in order and
        the count at once, the rest from ``finish()`` (see orders.StagedSearch). Whatever cannot
        be staged (no order in memory yet, no terms) comes complete."""
        q = parse_query(query) if isinstance(query, str) else query
        order = self._orders.get((sort, descending, scope)) if self._orders is not None and q.terms else None
        if order is None:
            ids = self.search(q, sort, descending, scope)
            return StagedSearch(ids, len(ids))
        expr = self.index.prefix_indexed(q.terms) if all(_is_text(t) for t in q.terms) else None
        if expr is not None:  # a first key ("a"): its head without reading its 80k hits
            with self._read() as conn:
                quick = order.staged_by_lookup(
                    self.index.count_hits(conn, expr),
                    lambda ids: self.index.hits_among(conn, expr, ids),
                    lambda: self._hit_sets(q, scope),
                    head,
                )
            if quick is not None:
                return quick
        hits, excluded = self._hit_sets(q, scope)
        return order.staged(hits, excluded, head)

    def _hit_sets(self, q: Query, scope: Scope) -> tuple[Hits | None, set[int]]:
        """(ids matching every positive term or None when there is none, ids to leave out).
        The hits are an ascending list when they come from the full-text index alone."""
        text_terms = [t for t in q.terms if _is_text(t)]
        field_terms = [t for t in q.terms if not _is_text(t)]
        with self._read() as conn:
            # Each kind of term answered where it is cheapest, then intersected here: text from
            # the FTS5 index alone, fields (year, type, tag...) through their own indexes. In
            # one SQL statement each FTS hit cost a lookup in the references table.
            text_hits, excluded = self.index.hit_sets(conn, text_terms) if text_terms else (None, set())
            hits: Hits | None = text_hits
            for group in (t for t in field_terms if t.any_of):
                # An OR group of words and fields: each term from its own index (search.py).
                ids, outside = group_ids(
                    group, lambda t: self.index.text_ids(conn, t), lambda t: self._field_ids(conn, t, scope)
                )
                if outside:
                    excluded = excluded | ids
                else:
                    hits = ids if hits is None else ids.intersection(hits)
            field_terms = [t for t in field_terms if not t.any_of]
            if field_terms:
                # "IS NOT" keeps a type: term on the item_type index (see _scope_conditions);
                # "IS" lets year: ranges use ix_references_year_order.
                by_type = any(t.field == "type" and not t.negated for t in field_terms)
                deleted = R.deleted.is_not(not scope.trash) if by_type else R.deleted.is_(scope.trash)
                conds = [deleted, *_field_conditions(field_terms, self.index)]
                matching = set(_fetch_ids(conn, select(R.id).where(*conds)))
                hits = matching if hits is None else matching.intersection(hits)
        return hits, excluded

    def _field_ids(self, conn: Connection, term: Term, scope: Scope) -> set[int]:
        """Ids matching one field term, read with the index its field has (as _hit_sets)."""
        deleted = R.deleted.is_not(not scope.trash) if term.field == "type" else R.deleted.is_(scope.trash)
        return set(_fetch_ids(conn, select(R.id).where(deleted, *_field_conditions([term], self.index))))

    def prepare_order(
        self, sort: str, descending: bool = False, scope: Scope = LIBRARY, ranks: bool = True
    ) -> None:
        """Read a display order into the cache ahead of need (the window does this in the
        background for the current sort after each write, so the next keystroke is quick).
        ``ranks=False`` for an order only a header click may need: its ranks are Python work
        that would compete with the first keystrokes for the GIL."""
        if self._orders is None:
            return
        if self._orders.get((sort, descending, scope)) is None:
            self.search("", sort, descending, scope)
        order = self._orders.get((sort, descending, scope))
        if order is not None:
            order.outside()  # what a broad search's count needs (~10 ms at 100k), ahead of it
            if ranks:
                order.rank()  # what a narrower search sorts its hits by (~20-50 ms at 100k)

    def search_head(self, sort: str = "title", descending: bool = False, scope: Scope = LIBRARY, limit: int = 200) -> list[int]:
        """The first ``limit`` ids of a scope in display order (no query): what a window shows
        first, read in ~1 ms while the whole order (~100 ms at 100k) is still being read."""
        if self._orders is not None:
            order = self._orders.get((sort, descending, scope))
            if order is not None:
                return order.ids[:limit].tolist()
        return self._search_sql(parse_query(""), sort, descending, scope, limit)

    def _search_sql(self, q: Query, sort: str, descending: bool, scope: Scope, limit: int | None = None) -> list[int]:
        stmt = self._search_select(q, scope)
        with self._read() as conn:
            if sort == "position" and scope.collection_id is not None:
                # A reading list's own order (collection_items.position), see storage/curation.py.
                pos = _list_position(scope.collection_id)
                return _fetch_ids(conn, stmt.order_by(pos.desc() if descending else pos, R.id).limit(limit))
            if sort == "year" and not _by_text_hits(q):
                # NULLS LAST cannot come from an index: dated references in the order of
                # ix_references_year_order, then the undated ones (2 x 70 ms instead of 290 ms).
                dated = stmt.where(R.year.is_not(None)).order_by(*_order(sort, descending, nulls=False))
                ids = _fetch_ids(conn, dated.limit(limit))
                if limit is not None and len(ids) >= limit:
                    return ids
                undated = stmt.where(R.year.is_(None)).order_by(R.sort_authors, R.id)
                rest = None if limit is None else limit - len(ids)
                return [*ids, *_fetch_ids(conn, undated.limit(rest))]
            return _fetch_ids(conn, stmt.order_by(*_order(sort, descending)).limit(limit))

    def _search_select(self, q: Query, scope: Scope) -> Select[Any]:
        conds: list[ColumnElement[bool]] = list(_scope_conditions(scope, _by_text_hits(q)))
        text_terms = [t for t in q.terms if _is_text(t)]
        conds.extend(self.index.matching(text_terms, R.id))
        conds.extend(_field_conditions([t for t in q.terms if not _is_text(t)], self.index))
        return select(R.id).where(*conds)

    def rows(self, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        """Plain tuples for the given ids (the table's page fetch: one SELECT ... WHERE id IN)."""
        cols = [COLUMNS[c] for c in columns]
        out: dict[int, tuple[Any, ...]] = {}
        with self._read() as conn:
            for chunk in chunks(ids, 900):
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
            for chunk in chunks(ids, 900):
                self._load(conn, references_t.select().where(R.id.in_(chunk)), by_id)
        return [by_id[i] for i in ids if i in by_id]

    def _load(self, conn: Connection, stmt: Any, into: dict[int, Reference]) -> list[int]:
        rows = conn.execute(stmt).all()
        ids = [r.id for r in rows]
        creators: dict[int, list[Creator]] = {i: [] for i in ids}
        for chunk in chunks(ids, 900):
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
        # The trash is filtered here, not in SQL: with ``deleted`` in the WHERE clause SQLite
        # (no statistics) walks an index led by ``deleted`` instead of the key's, 0.33 s for a
        # screenful of keys at 100k instead of 1 ms (the table's badges ask for one per paint).
        with self._read() as conn:
            rows = conn.execute(select(R.id, R.deleted).where(R.citation_key.in_(list(keys))))
            return [rid for rid, deleted in rows if not deleted]

    def export_items(
        self, ids: Sequence[int] | None = None, batch: int = 5000
    ) -> Iterator[Reference | PassthroughBlock]:
        """References (and, for a whole-library export, the kept @string/@preamble/@comment
        blocks) in original file order, then references made in the app, streamed in batches."""
        yield from self._export(ids, batch, light=False)

    def bibtex_export_items(
        self, ids: Sequence[int] | None = None, batch: int = 5000
    ) -> Iterator[Reference | PassthroughBlock]:
        """As ``export_items``, for ``write_bibtex`` only: an unedited reference imported from
        BibTeX comes as a light Reference (id, citation key, item type and its source text and
        prefix, no fields or creators), which is all the writer uses to write it back verbatim.

        Loading full References (three JSON documents and the creators per entry) was 11 of 12 s
        of exporting 100k untouched entries; edited and non-BibTeX references are still loaded
        in full, a batch at a time.
        """
        yield from self._export(ids, batch, light=True)

    def _export(
        self, ids: Sequence[int] | None, batch: int, light: bool
    ) -> Iterator[Reference | PassthroughBlock]:
        with self._read() as conn:
            if ids is None:
                yield from self._export_all(conn, batch, light)
                return
            for chunk in chunks(ids, batch):
                rows = conn.execute(select(*_export_columns(light)).where(R.id.in_(chunk))).all()
                loaded = self._export_batch(conn, rows, light)
                yield from (loaded[i] for i in chunk if i in loaded)

    def _export_batch(self, conn: Connection, rows: Sequence[Any], light: bool) -> dict[int, Reference]:
        """References for rows of ``_export_columns``: light where allowed, otherwise full."""
        loaded: dict[int, Reference] = {}
        full: list[int] = []
        if light:
            for rid, _, edited, fmt, text, prefix, key, itype in rows:
                if edited or fmt != "bibtex":
                    full.append(rid)
                else:
                    source = SourceRecord("bibtex", text, prefix=prefix)
                    loaded[rid] = Reference(item_type=itype, citation_key=key, source=source, id=rid)
        else:
            full = [r[0] for r in rows]
        for chunk in chunks(full, 900):
            self._load(conn, references_t.select().where(R.id.in_(chunk)), loaded)
        return loaded

    def _export_all(
        self, conn: Connection, batch: int, light: bool = False
    ) -> Iterator[Reference | PassthroughBlock]:
        blocks: dict[int, list[tuple[int, PassthroughBlock]]] = {}
        for b in conn.execute(blocks_t.select().order_by(blocks_t.c.import_id, blocks_t.c.position)):
            blocks.setdefault(b.import_id, []).append(
                (b.position, PassthroughBlock(BlockKind(b.kind), b.text, b.prefix, b.line))
            )
        import_ids: list[int | None] = list(
            conn.execute(select(imports_t.c.id).order_by(imports_t.c.id)).scalars()
        )
        for imp in [*import_ids, None]:
            pending = deque(blocks.get(imp, []) if imp is not None else [])
            cond = R.import_id == imp if imp is not None else R.import_id.is_(None)
            # One ordered query per import (the import_position index), read a batch at a time.
            result = conn.execution_options(yield_per=batch).execute(
                select(*_export_columns(light))
                .where(cond, R.deleted.is_(False))
                .order_by(R.position, R.id)
            )
            for part in result.partitions():
                loaded = self._export_batch(conn, part, light)
                for row in part:
                    while pending and pending[0][0] < row[1]:
                        yield pending.popleft()[1]
                    yield loaded[row[0]]
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

    def imports(self) -> list[tuple[str, str, str]]:
        """(file, format, encoding) of each import, oldest first: a library read from one .bib
        is exported in that file's encoding (services/exporting.py)."""
        cols = (imports_t.c.file, imports_t.c.format, imports_t.c.encoding)
        with self._read() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(select(*cols).order_by(imports_t.c.id))]


class BulkLoad:
    """The indexes a bulk load dropped, to be built once (see ``UnitOfWork.bulk_load``)."""

    def __init__(self, conn: Connection, indexes: list[Index]) -> None:
        self._conn = conn
        self._indexes = indexes

    def build_indexes(self) -> None:
        """Build the dropped indexes now; rows added later go into them one by one."""
        for ix in self._indexes:
            ix.create(self._conn)
        self._indexes = []


class UnitOfWork:
    """The writes of one user action, on one connection inside one transaction."""

    def __init__(self, conn: Connection, index: SearchIndex) -> None:
        self.conn = conn
        self.index = index
        self._next_id: int | None = None
        self.checkpoint_deferred = False

    def _allocate(self, n: int) -> int:
        if self._next_id is None:
            self._next_id = int(self.conn.execute(select(func.coalesce(func.max(R.id), 0))).scalar_one()) + 1
        first = self._next_id
        self._next_id += n
        return first

    def add_import(self, file: str, format: str, encoding: str) -> int:
        res = self.conn.execute(
            insert(imports_t).values(file=file, format=format, encoding=encoding, imported_at=now())
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
        items = list(items)
        ids = self.add_rows(item_rows(items), import_id, start_position)
        refs = (x for x in items if isinstance(x, Reference))
        for rid, ref in zip(ids, refs, strict=True):
            ref.id = rid
        return ids

    @contextmanager
    def bulk_load(self) -> Iterator[BulkLoad]:
        """Around a large import into an empty library: build the references' text-keyed indexes
        once instead of row by row (that halved the cost of inserting references; a larger
        SQLite page cache measured no better). They are built at the end, or earlier when the
        caller says most rows are in (``BulkLoad.build_indexes``): then the build overlaps the
        parse of the last batches instead of keeping one core idle after it.

        Still one transaction (DDL is transactional): if the block raises, the unit of work rolls
        back and the indexes are as they were; so nothing here is redone on an exception.
        The sync marks' triggers are off inside too (they doubled the storing's CPU time): the
        references added are marked at the end in one statement (``sync_triggers.suspended``),
        so the block must only add references, not change older ones.
        """
        conn = self.conn
        if conn.dialect.name == "sqlite":
            # Its COMMIT would also copy the WAL into the file: Library.write has that done on a
            # thread after the commit instead (see Library._checkpoint_in_background).
            sqlite_dialect.set_autocheckpoint(conn, 0)
            self.checkpoint_deferred = True
        indexes = []
        if conn.execute(select(R.id).limit(1)).first() is None:
            # Indexes with text in their key (titles, names, citation keys) take rows in random
            # order; the others (positions, types) grow at a few points and cost little per row,
            # and so do those led by the import and position (the export outline), whatever
            # text follows: an import's rows come in that order, so they go in at the end.
            indexes = [
                ix
                for ix in references_t.indexes
                if any(isinstance(c.type, Text) for c in ix.columns)
                and [c.name for c in list(ix.columns)[:2]] != ["import_id", "position"]
            ]
            for ix in indexes:
                ix.drop(conn)
        bulk = BulkLoad(conn, indexes)
        with sync_triggers.suspended(conn), self.index.bulk_loading(conn):  # a larger buffer for the FTS rows
            yield bulk
        bulk.build_indexes()

    def add_rows(self, batch: RowBatch, import_id: int | None = None, start_position: int = 0) -> list[int]:
        """Insert rows made by ``rows.item_rows`` (perhaps in an import worker); the new ids.

        Rows go in through the DBAPI's executemany with plain tuples: SQLAlchemy's per-row
        parameter processing of dicts cost more than SQLite's own work on a large import.
        """
        n = len(batch.refs)
        base = self._allocate(n) if n else 0
        if n:
            stamp = driver_value(self.conn, R.date_added, now())
            self._insert_many(
                references_t,
                REFERENCE_COLUMNS,
                [(base + i, stamp, stamp, import_id, start_position + r[0], *r[1:]) for i, r in enumerate(batch.refs)],
            )
            self._insert_many(creators_t, CREATOR_COLUMNS, [(base + c[0], *c[1:]) for c in batch.creators])
            self.index.add(self.conn, [(base + f[0], *f[1:]) for f in batch.fts])
        if import_id is not None and batch.blocks:
            self._insert_many(
                blocks_t, BLOCK_COLUMNS, [(import_id, start_position + b[0], *b[1:]) for b in batch.blocks]
            )
        return list(range(base, base + n))

    def _insert_many(self, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """INSERT the rows (tuples in ``columns`` order) in one executemany (batches.execute_many)."""
        if not rows:
            return
        for name in columns:
            table.c[name]  # KeyError if rows.py drifts from schema.py
        execute_many(self.conn, insert(table), columns, rows)

    def update(self, ref: Reference, *, edited: bool = True) -> None:
        """Replace a reference's data, marked edited so export writes it in clean style.

        ``edited=False`` is for undo putting back the data exactly as imported: the entry is then
        written back byte for byte again.
        """
        self.update_many([(ref, edited)])

    def update_many(self, edits: Sequence[tuple[Reference, bool]]) -> None:
        """``update`` for many references at once: (reference, edited) pairs.

        One statement of each kind per 900 references instead of five per reference: an edit
        of 10,000 selected references went from 1.4 ms to ~0.3 ms a reference, most of the
        difference being SQLAlchemy building and caching a statement with its values for each
        row. Raises KeyError (and writes nothing) if one of them is not stored."""
        if any(ref.id is None for ref, _ in edits):
            raise ValueError("update needs stored references")
        edits = list({ref.id: (ref, edited) for ref, edited in edits}.values())  # the last edit of each
        if not edits:
            return
        ids = [cast(int, ref.id) for ref, _ in edits]
        old: dict[int, Any] = {}
        notes: dict[int, str] = {}
        for chunk in chunks(ids, 900):
            for r in self.conn.execute(
                select(R.id, R.date_added, R.import_id, R.position, R.deleted).where(R.id.in_(chunk))
            ):
                old[r.id] = r
            notes.update(
                (r.reference_id, r.text)
                for r in self.conn.execute(
                    select(notes_t.c.reference_id, notes_t.c.text).where(notes_t.c.reference_id.in_(chunk))
                )
            )
        missing = next((i for i in ids if i not in old), None)
        if missing is not None:
            raise KeyError(missing)
        stamp = now()
        rows: list[dict[str, Any]] = []
        creators: list[dict[str, Any]] = []
        fts: list[tuple[int, str, str, str, str, str, str]] = []
        for ref, edited in edits:
            rid = cast(int, ref.id)
            was = old[rid]
            ref.edited = edited
            row = reference_row(ref, rid, stamp, was.import_id, was.position)
            row.update(date_added=was.date_added, deleted=was.deleted)
            rows.append({f"v_{k}": v for k, v in row.items()})
            creators.extend(creator_rows(ref, rid))
            text = fts_row(ref, rid)
            note = notes.get(rid)
            if note:  # the reader's note (storage/curation.py) stays searchable through edits
                text = (*text[:6], f"{text[6]} {note}".strip())
            fts.append(text)
        columns = [k for k in rows[0] if k != "v_id"]
        self.conn.execute(
            update(references_t)
            .where(R.id == bindparam("v_id"))
            .values({k[2:]: bindparam(k) for k in columns}),
            rows,
        )
        for chunk in chunks(ids, 900):
            self.conn.execute(delete(creators_t).where(creators_t.c.reference_id.in_(chunk)))
        if creators:
            self.conn.execute(insert(creators_t), creators)
        self.index.replace(self.conn, fts)

    def trash(self, ids: Sequence[int]) -> None:
        for chunk in chunks(ids, 900):
            self.conn.execute(update(references_t).where(R.id.in_(chunk)).values(deleted=True))

    def restore(self, ids: Sequence[int]) -> None:
        for chunk in chunks(ids, 900):
            self.conn.execute(update(references_t).where(R.id.in_(chunk)).values(deleted=False))

    def purge(self, ids: Sequence[int]) -> None:
        """Delete for good (emptying the trash)."""
        for chunk in chunks(ids, 900):
            self.index.remove(self.conn, chunk)
            self.conn.execute(delete(references_t).where(R.id.in_(chunk)))

    def add_collection(self, name: str, parent_id: int | None = None) -> int:
        res = self.conn.execute(insert(collections_t).values(name=name, parent_id=parent_id))
        pk = res.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def rename_collection(self, cid: int, name: str) -> None:
        self.conn.execute(update(collections_t).where(collections_t.c.id == cid).values(name=name))

    def delete_collection(self, cid: int) -> CollectionSnapshot:
        """Delete a collection with its sub-collections (the references stay); returns what was
        deleted, so ``restore_collections`` can put it back (undo)."""
        snapshot = self.collection_snapshot(cid)
        self.conn.execute(delete(collections_t).where(collections_t.c.id == cid))
        return snapshot

    def collection_snapshot(self, cid: int) -> CollectionSnapshot:
        """A collection, its sub-collections (parents first) and their items, as stored."""
        c = collections_t.c
        rows = self.conn.execute(select(c.id, c.parent_id, c.name, c.position)).all()
        children: dict[int | None, list[tuple[int, int | None, str, int]]] = {}
        for r in rows:
            children.setdefault(r.parent_id, []).append((r.id, r.parent_id, r.name, r.position))
        subtree = [(r.id, r.parent_id, r.name, r.position) for r in rows if r.id == cid]
        for col in subtree:  # grows while walked: breadth first, so parents come first
            subtree.extend(children.get(col[0], []))
        ids = [col[0] for col in subtree]
        ci = collection_items_t.c
        items: list[tuple[int, int, int]] = []
        for chunk in chunks(ids, 900):
            items.extend(
                (r.collection_id, r.reference_id, r.position)
                for r in self.conn.execute(
                    select(ci.collection_id, ci.reference_id, ci.position).where(ci.collection_id.in_(chunk))
                )
            )
        return CollectionSnapshot(collections=subtree, items=items)

    def restore_collections(self, snapshot: CollectionSnapshot) -> None:
        """Put back what ``delete_collection`` removed, with the same ids; items of references
        deleted for good since (the trash emptied) are left out."""
        if not snapshot.collections:
            return
        self.conn.execute(
            insert(collections_t),
            [{"id": i, "parent_id": p, "name": n, "position": pos} for i, p, n, pos in snapshot.collections],
        )
        wanted = {rid for _c, rid, _p in snapshot.items}
        alive: set[int] = set()
        for chunk in chunks(sorted(wanted), 900):
            alive.update(self.conn.execute(select(R.id).where(R.id.in_(chunk))).scalars())
        items = [
            {"collection_id": c, "reference_id": r, "position": p} for c, r, p in snapshot.items if r in alive
        ]
        if items:
            self.conn.execute(insert(collection_items_t), items)

    def add_to_collection(self, cid: int, ids: Sequence[int]) -> list[int]:
        """Add at the end of the collection's order (a reading list reads top to bottom); the
        ids that were not in it yet (what an undo takes out again)."""
        ci = collection_items_t.c
        present = {
            rid: pos
            for rid, pos in self.conn.execute(select(ci.reference_id, ci.position).where(ci.collection_id == cid))
        }
        end = max(present.values(), default=-1) + 1
        fresh = [i for i in dict.fromkeys(ids) if i not in present]
        new = [
            {"collection_id": cid, "reference_id": i, "position": end + n} for n, i in enumerate(fresh)
        ]
        if new:
            self.conn.execute(insert(collection_items_t), new)
        return fresh

    def remove_from_collection(self, cid: int, ids: Sequence[int]) -> list[tuple[int, int]]:
        """Take references out of a collection; (reference id, position) of those that were in
        it, for ``put_back_in_collection`` (undo)."""
        ci = collection_items_t.c
        removed: list[tuple[int, int]] = []
        for chunk in chunks(ids, 900):
            where = (ci.collection_id == cid, ci.reference_id.in_(chunk))
            removed.extend((r.reference_id, r.position) for r in self.conn.execute(select(ci.reference_id, ci.position).where(*where)))
            self.conn.execute(delete(collection_items_t).where(*where))
        return removed

    def put_back_in_collection(self, cid: int, items: Sequence[tuple[int, int]]) -> None:
        """Undo ``remove_from_collection``: the references back at their places."""
        if items:
            self.conn.execute(
                insert(collection_items_t),
                [{"collection_id": cid, "reference_id": r, "position": p} for r, p in items],
            )


def _fall_back_to_reading(engine: Engine, url: str) -> tuple[Engine, bool]:
    """(engine, read_only): the engine when its first connection can write, else a read-only one.
    ``can_write`` asks the file system, which may not know (root on a read-only mount, a file
    marked immutable); SQLite finds out when it switches the file to WAL."""
    try:
        with engine.connect() as conn:
            conn.execute(select(1))
    except (DBAPIError, sqlite_dialect.DriverError) as exc:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        if not cannot_write(orig or exc):
            raise
        engine.dispose()
        return make_engine(url, read_only=True), True
    return engine, False


def _export_columns(light: bool) -> list[ColumnElement[Any]]:
    """Columns an export reads per reference: id and file position, plus, for a light export,
    what decides between a light and a full Reference and what a light one holds."""
    cols: list[ColumnElement[Any]] = [R.id, R.position]
    if light:
        cols += [R.edited, R.source_format, R.source_text, R.source_prefix, R.citation_key, R.item_type]
    return cols


def _fetch_ids(conn: Connection, stmt: Select[Any]) -> list[int]:
    """The ids a one-column select returns, read on the driver's cursor. SQLAlchemy's result
    rows cost ~1 us each: 100 of the 150 ms it took to read the library's 100k ids in order
    (the window's first search). The statement is still built and compiled by SQLAlchemy."""
    if conn.dialect.name != "sqlite" or not conn.dialect.positional:
        return list(conn.execute(stmt).scalars().all())
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = conn.connection.driver_connection
    assert raw is not None
    return read_ids(raw, str(compiled), params)


def _is_text(t: Term) -> bool:
    return t.field in (None, "author", "title", "container", "abstract", "keywords", "notes")


def _by_text_hits(q: Query) -> bool:
    """True when a positive full-text or ``type:`` term narrows the search to a few rows that
    are better found first (FTS hits, the item_type index) and then sorted."""
    return any(
        not t.negated and (t.field == "type" or (_is_text(t) and words(t.text))) for t in q.terms
    )


def _scope_conditions(scope: Scope, by_text_hits: bool = False) -> list[ColumnElement[bool]]:
    """``by_text_hits``: the rows come from full-text hits (or an index on another column). ``deleted = x`` would
    make the sort indexes (which begin with ``deleted``) usable, and SQLite then walks a whole
    index in order probing each id against the hits (59 ms against 10); ``deleted IS NOT y``,
    the same on a NOT NULL column, keeps the plan on the hits."""
    deleted = R.deleted.is_not(not scope.trash) if by_text_hits else R.deleted.is_(scope.trash)
    conds: list[ColumnElement[bool]] = [deleted]
    ci = collection_items_t.c
    if scope.collection_id is not None:
        conds.append(exists().where(ci.reference_id == R.id, ci.collection_id == scope.collection_id))
    if scope.unfiled:
        conds.append(~exists().where(ci.reference_id == R.id))
    return conds


def _field_conditions(terms: Sequence[Term], index: SearchIndex) -> list[ColumnElement[bool]]:
    """SQL conditions for field terms (year, type, tag...), negated where the term is. An OR
    group holding words and fields (model/query.py) is the search index's to build."""
    out: list[ColumnElement[bool]] = []
    for t in terms:
        if t.any_of:
            out.append(index.group_condition(t, R.id, lambda leaf: _field_conditions([leaf], index)[0]))
            continue
        cond = _field_condition(t)
        out.append(~cond if t.negated else cond)
    return out


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
        return _type_condition(v.lower())
    if t.field == "key":
        return R.citation_key.like(f"{v}%")
    if t.field == "doi":
        return func.lower(R.doi).like(f"%{v.lower()}%")
    if t.field == "fulltext":  # the text of attached files (issue 19): storage/fulltext.py
        from bibliofile.storage import fulltext

        return fulltext.condition(t, R.id)
    if t.field == "read":  # read:2026 or read:2026-03, by date read (the overview's bars)
        return and_(R.date_read != "", R.date_read.like(f"{v}%"))
    if t.field in ("status", "priority", "rating"):
        return _reading_condition(t.field, v.lower())
    if t.field == "tag":
        rt = reference_tags_t.c
        return exists().where(
            rt.reference_id == R.id, rt.tag_id == tags_t.c.id, func.lower(tags_t.c.name) == v.lower()
        )
    return R.id.is_(None)


def _reading_condition(field: str, low: str) -> ColumnElement[bool]:
    """``status:toread``, ``priority:1``, ``rating:4`` (or ``rating:3..5``): the reading state."""
    if field == "status":
        wanted = low.replace(" ", "").replace("-", "")
        known = ("toread", "reading", "read", "skimmed")
        chosen = [wanted] if wanted in known else [s for s in known if s.startswith(wanted)]
        return R.read_status.in_(chosen or [low])
    col = R.priority if field == "priority" else R.rating
    lo, _, hi = low.partition("..")
    try:
        bounds = (int(lo or 0), int(hi or 9)) if _ else (int(low), int(low))
    except ValueError:
        return R.id.is_(None)
    if any(abs(b) > _SQL_INT_MAX for b in bounds):
        # rating:99999999999999999999 matches nothing; SQLite cannot even bind it (issue 14)
        return R.id.is_(None)
    if _:
        return and_(col >= bounds[0], col <= bounds[1])
    return col == bounds[0]


_SQL_INT_MAX = 2**63 - 1


def _list_position(cid: int) -> Any:
    ci = collection_items_t.c
    return (
        select(ci.position).where(ci.collection_id == cid, ci.reference_id == R.id).scalar_subquery()
    )


def _type_condition(low: str) -> ColumnElement[bool]:
    """``type:x``: our item type is x or starts with it, or the entry was imported as BibTeX
    ``@x``. The matching item types are worked out here so the item_type index answers; an
    OR with LIKE/ILIKE read every row (160 ms on 100k)."""
    types = sorted({low, *(t.csl for t in ITEM_TYPES if t.csl.startswith(low))})
    cond: ColumnElement[bool] = R.item_type.in_(types)
    if low in BIBTEX_IMPORT:
        mapped = BIBTEX_IMPORT[low]
        if mapped not in types:  # e.g. type:proceedings, stored as "book"
            cond = or_(cond, and_(R.item_type == mapped, func.lower(R.source_entry_type) == low))
    elif types == [low]:
        # Neither an item type nor a BibTeX type we know (a RIS code, say): read every row.
        cond = or_(cond, func.lower(R.source_entry_type) == low)
    return cond


def _order(sort: str, descending: bool, nulls: bool = True) -> list[Any]:
    col = SORT_COLUMNS.get(sort, R.sort_title)
    primary = col.desc() if descending else col.asc()
    if sort == "year" and nulls:
        primary = nulls_last(primary)
    return [primary, R.sort_authors, R.year, R.id]


Source = Library | UnitOfWork


@contextmanager
def connection(src: Source) -> Iterator[Connection]:
    """The connection to read or write with: a unit of work's own (so the statement joins its
    transaction), or a fresh one from a library's engine with its errors translated into
    LibraryErrors. Storage modules over curation share it rather than each keeping a copy."""
    if isinstance(src, UnitOfWork):
        yield src.conn
        return
    with translated_errors(src.display_name), src.engine.connect() as conn:
        yield conn
