"""Full-text search with SQLite FTS5: the one module that speaks SQLite's own SQL for search.

Kept behind the ``SearchIndex`` protocol (``search.py``) so a PostgreSQL tsvector index can take
its place for shared group libraries. The index is a plain FTS5 table keyed by reference id
(rowid), written by the Library in the same transaction as the reference, so it never drifts.
``remove_diacritics 2`` folds "Müller" and "muller" to the same token.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    TextualSelect,
    column,
    select,
    text,
    true,
    union,
)

from bibliofile.model.query import Query, Term, words
from bibliofile.storage.engine import read_ids

FTS_TABLE = "reference_fts"
FTS_COLUMNS = ("title", "creators", "container", "abstract", "keywords", "notes")
PREFIXES = "1 2"
# The longest word FTS5 answers from its prefix index (PREFIXES): a lookup of one rowid costs
# ~12 us for "a"*, but ~4 ms for "the"*, whose doclists FTS5 merges again for every rowid.
PREFIX_INDEXED = 2
# Words looked up for a search's head (prefix_indexed): one letter hits most of a library ("a"
# 82 %, "p" 94 % at 100k); two rarely enough for the lookups to pay ("po" 65 %, "th" 58 %), and
# the count that tells costs 2-3 ms.
LOOKED_UP = 1
# FTS5's in-memory buffer of pending index entries: its default, and its size during a bulk load.
DEFAULT_HASH_SIZE = 1 << 20
BULK_HASH_SIZE = 32 << 20

# Names for the MATCH parameters of OR groups: unique within any statement they meet in.
_bind_names = itertools.count()

_FIELD_COLUMN = {
    "author": "creators",
    "title": "title",
    "container": "container",
    "abstract": "abstract",
    "keywords": "keywords",
    "notes": "notes",
}


def create_index(conn: Connection, name: str = FTS_TABLE, prefix: str | None = PREFIXES) -> None:
    """The FTS5 table. ``prefix``: FTS5 also indexes every word's first 1 and 2 letters, so the
    first keys of a search ("p", "po") read one doclist instead of merging those of every word
    that starts so (at 100k: "p" 136 -> 50 ms); the import took no longer (20.5 s either way,
    its time is the parse) and the file grew 7 %."""
    if conn.dialect.name != "sqlite":
        return
    cols = ", ".join(FTS_COLUMNS)
    options = "tokenize = 'unicode61 remove_diacritics 2'"
    if prefix:
        options += f", prefix = '{prefix}'"
    conn.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({cols}, {options})"))


def rebuild_index(conn: Connection, prefix: str | None) -> None:
    """Re-create the FTS5 table with other options, keeping its rows (migration 0003)."""
    if conn.dialect.name != "sqlite":
        return
    cols = ", ".join(FTS_COLUMNS)
    new = f"{FTS_TABLE}_new"
    conn.execute(text(f"DROP TABLE IF EXISTS {new}"))
    create_index(conn, new, prefix)
    conn.execute(text(f"INSERT INTO {new} (rowid, {cols}) SELECT rowid, {cols} FROM {FTS_TABLE}"))
    conn.execute(text(f"DROP TABLE {FTS_TABLE}"))
    conn.execute(text(f"ALTER TABLE {new} RENAME TO {FTS_TABLE}"))


def drop_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


class Fts5Index:
    """``SearchIndex`` over FTS5; every method runs on the caller's connection and transaction."""

    def add(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None:
        """Index rows of (id, title, creators, container, abstract, keywords, notes)."""
        if not rows:
            return
        cols = ", ".join(FTS_COLUMNS)
        # exec_driver_sql takes the DBAPI's executemany directly: 100k rows in well under a second.
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE} (rowid, {cols}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            list(rows),
        )

    @contextmanager
    def bulk_loading(self, conn: Connection) -> Iterator[None]:
        """Around a bulk load in one transaction: FTS5 keeps up to BULK_HASH_SIZE bytes of new
        index entries in memory before it writes them out as a segment (1 MiB by default), so
        a 100k import writes far fewer small segments and merges them less often: its FTS
        insert took ~1 s less CPU (3.4-4.1 -> 2.4-2.9 s) for ~20 MB more memory. 32 MiB rather
        than 16: the FTS rows' CPU 1.95-2.12 -> 1.85-1.88 s and the commit's final flush and
        merge 0.36 -> 0.28 s (the commit runs with the workers done and a core idle); fewer
        segments (idx rows 5,027 -> 2,785), searches as fast; 64 MiB saved no more, and its last
        flush made the commit longer. The option is stored in the table's config, so the
        default is put back at the end, in the same transaction (a rollback takes both back)."""
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('hashsize', {BULK_HASH_SIZE})")
        yield
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('hashsize', {DEFAULT_HASH_SIZE})")

    def remove(self, conn: Connection, ids: Iterable[int]) -> None:
        conn.exec_driver_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(i,) for i in ids])

    def replace(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None:
        self.remove(conn, [r[0] for r in rows])
        self.add(conn, rows)

    def clear(self, conn: Connection) -> None:
        conn.execute(text(f"DELETE FROM {FTS_TABLE}"))

    def set_notes(self, conn: Connection, rid: int, words: str) -> None:
        """The searchable notes of one reference: its own note/annote fields and the reader's note."""
        conn.execute(text(f"UPDATE {FTS_TABLE} SET notes = :n WHERE rowid = :r"), {"n": words, "r": rid})

    def count(self, conn: Connection) -> int:
        return int(conn.execute(text(f"SELECT count(*) FROM {FTS_TABLE}")).scalar_one())

    def matching(self, terms: Sequence[Term], id_column: ColumnElement[int]) -> list[ColumnElement[bool]]:
        """SQL conditions on ``id_column`` for the full-text terms of a query."""
        conds: list[ColumnElement[bool]] = []
        positive, negative = _expressions(terms)
        if positive:
            conds.append(id_column.in_(_match_subquery(" AND ".join(positive), "p")))
        for n, expr in enumerate(negative):
            conds.append(id_column.not_in(_match_subquery(expr, f"n{n}")))
        return conds

    def group_condition(
        self,
        term: Term,
        id_column: ColumnElement[int],
        field_condition: Callable[[Term], ColumnElement[bool]],
    ) -> ColumnElement[bool]:
        """SQL for an OR group that mixes words and other fields (``gowda OR year:2020``):
        each run of words is one MATCH subquery, each field term ``field_condition``'s SQL
        (the Library's, negation included), joined with OR/AND/NOT as the group says."""
        # Each alternative its own SELECT and the alternatives a UNION: SQLite answers each
        # from its index (FTS5, ix_references_year_order...), where one WHERE with OR read
        # every row (a OR year:2000..2010 at 20k: 14.8 -> see bench_search_boolean.py).
        alts = [
            select(id_column)
            .where(*(self._member_condition(t, id_column, field_condition) for t in alt))
            .correlate(None)
            for alt in term.any_of
        ]
        ids = alts[0] if len(alts) == 1 else union(*alts)
        return id_column.not_in(ids) if term.negated else id_column.in_(ids)

    def _member_condition(
        self,
        term: Term,
        id_column: ColumnElement[int],
        field_condition: Callable[[Term], ColumnElement[bool]],
    ) -> ColumnElement[bool]:
        if is_text_term(term):
            expr = fts_expression(term)
            if not expr:
                return true()
            sub = _match_subquery(expr, f"g{next(_bind_names)}")
            return id_column.not_in(sub) if term.negated else id_column.in_(sub)
        if term.any_of:
            return self.group_condition(term, id_column, field_condition)
        return field_condition(term)

    def text_ids(self, conn: Connection, term: Term) -> set[int]:
        """The rowids a full-text term (a word, a phrase, a group of words) matches."""
        expr = fts_expression(term)
        raw = conn.connection.driver_connection
        assert raw is not None
        if not expr:  # no words: no condition (the parser drops such terms before this)
            return set(read_ids(raw, f"SELECT rowid AS id FROM {FTS_TABLE}", ()))
        return set(_rowids(raw, expr))

    def hit_sets(self, conn: Connection, terms: Sequence[Term]) -> tuple[list[int] | None, set[int]]:
        """(rowids matching every positive term, ascending, or None when there is none; rowids
        matching any negated term), straight from the index: for callers that already hold the
        scope's rows in order, this skips a lookup in the references table per hit (~2 us each).
        The hits stay a sorted list: a set of a broad prefix's 94k hits took another 10 ms, and
        a staged search needs only its count and first rows (orders.CachedOrder.staged)."""
        positive, negative = _expressions(terms)
        # The driver's own cursor: SQLAlchemy's result rows cost ~0.5 us each, as much as FTS5
        # itself for a broad prefix with 50,000 hits.
        raw = conn.connection.driver_connection
        assert raw is not None
        hits = _rowids(raw, " AND ".join(positive)) if positive else None
        excluded = set(_rowids(raw, " OR ".join(negative))) if negative else set()
        return hits, excluded


    def prefix_indexed(self, terms: Sequence[Term]) -> str | None:
        """The FTS5 expression of ``terms`` when the prefix index alone answers it and it is
        likely to hit most of the library (every term positive, words of LOOKED_UP ASCII
        letters or digits, no phrase or group: a search's first key, "a"), else None. Only
        such an expression is cheap to test against a few rowids (``hits_among``)."""
        if not terms:
            return None
        for term in terms:
            if term.negated or term.phrase or term.any_of or (term.field or "") not in ("", *_FIELD_COLUMN):
                return None
            toks = words(term.text)
            if not toks or any(len(t) > min(LOOKED_UP, PREFIX_INDEXED) or not (t.isascii() and t.isalnum()) for t in toks):
                return None
        positive, negative = _expressions(terms)
        return " AND ".join(positive) if positive and not negative else None

    def count_hits(self, conn: Connection, expr: str) -> int:
        """How many rowids match an FTS5 expression (a walk of its doclists, no ids read out:
        "a"* at 100k, 82k hits: 2.8 ms against 11.5 ms for the ids)."""
        sql = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
        return int(conn.exec_driver_sql(sql, (expr,)).scalar_one())

    def hits_among(self, conn: Connection, expr: str, ids: Sequence[int]) -> set[int]:
        """Which of ``ids`` match an FTS5 expression: FTS5 looks each rowid up in the doclist
        (~12 us each for a prefix-indexed expression; see ``prefix_indexed``)."""
        if not ids:
            return set()
        raw = conn.connection.driver_connection
        assert raw is not None
        listed = ",".join(str(int(i)) for i in ids)  # integers only: nothing else reaches the SQL
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid IN ({listed})"
        return {rid for (rid,) in raw.execute(sql, (expr,))}


def _expressions(terms: Sequence[Term]) -> tuple[list[str], list[str]]:
    """FTS5 expressions of the terms to match and of those to exclude (empty ones dropped)."""
    positive = [e for e in (fts_expression(t) for t in terms if not t.negated) if e]
    negative = [e for e in (fts_expression(t) for t in terms if t.negated) if e]
    return positive, negative


def _rowids(raw: Any, expr: str) -> list[int]:
    """The rowids matching an FTS5 expression, ascending (one JSON array: see engine.read_ids;
    FTS5 walks its doclists in rowid order, so the ORDER BY costs no sort)."""
    return read_ids(raw, f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid", (expr,))


def _match_subquery(expr: str, name: str) -> TextualSelect:
    return (
        text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{name}")
        .bindparams(**{name: expr})
        .columns(column("rowid", Integer))
    )


def fts_expression(term: Term) -> str:
    """One term as FTS5 query syntax: quoted tokens (so user text is never FTS5 syntax), with
    prefix match on bare words and exact order for quoted phrases. A text-only OR group
    (model/query.py) becomes FTS5's own OR/NOT/parentheses, built from its terms' expressions,
    so the index answers it in one MATCH; its negation, like a word's, is the caller's."""
    if term.any_of:
        return _group_expression(term)
    toks = words(term.text)
    if not toks:
        return ""
    if term.phrase:
        body = '"' + " ".join(t.replace('"', '""') for t in toks) + '"'
    else:
        body = " AND ".join(f'"{t}"*' for t in toks)
        if len(toks) > 1:
            body = f"({body})"
    column = _FIELD_COLUMN.get(term.field or "")
    return f"{column} : {body}" if column else body


def _group_expression(term: Term) -> str:
    """``(a AND b NOT (c OR d)) OR (...)``: FTS5's NOT is binary, so each alternative needs a
    positive term, which the parser guarantees for a group it leaves to the index (field None);
    "" (no condition) for any other group, which must not reach here."""
    alts: list[str] = []
    for alt in term.any_of:
        pos = [e for e in (fts_expression(t) for t in alt if not t.negated) if e]
        neg = [e for e in (fts_expression(t) for t in alt if t.negated) if e]
        if not pos:
            return ""
        body = "(" + " AND ".join(pos) + ")"
        if neg:
            body = f"({body} NOT ({' OR '.join(neg)}))"
        alts.append(body)
    return "(" + " OR ".join(alts) + ")"


def is_text_term(term: Term) -> bool:
    return term.field is None or term.field in _FIELD_COLUMN


def terms_for_index(query: Query) -> list[Term]:
    return [t for t in query.terms if is_text_term(t)]
