"""The search interface the Library uses, so the full-text engine can change with the dialect."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Protocol

from sqlalchemy import ColumnElement, Connection

from bibliofile.model.query import Term, is_text_term


class SearchIndex(Protocol):
    def add(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None: ...
    def remove(self, conn: Connection, ids: Iterable[int]) -> None: ...
    def replace(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None: ...
    def clear(self, conn: Connection) -> None: ...
    def bulk_loading(self, conn: Connection) -> AbstractContextManager[None]: ...
    def set_notes(self, conn: Connection, rid: int, words: str) -> None: ...
    def count(self, conn: Connection) -> int: ...
    def matching(self, terms: Sequence[Term], id_column: ColumnElement[int]) -> list[ColumnElement[bool]]: ...
    def group_condition(
        self, term: Term, id_column: ColumnElement[int], field_condition: Callable[[Term], ColumnElement[bool]]
    ) -> ColumnElement[bool]: ...
    def text_ids(self, conn: Connection, term: Term) -> set[int]: ...
    def hit_sets(self, conn: Connection, terms: Sequence[Term]) -> tuple[list[int] | None, set[int]]: ...
    def prefix_indexed(self, terms: Sequence[Term]) -> str | None: ...
    def count_hits(self, conn: Connection, expr: str) -> int: ...
    def hits_among(self, conn: Connection, expr: str, ids: Sequence[int]) -> set[int]: ...


def index_for(dialect_name: str) -> SearchIndex:
    """The full-text index for a database dialect (only SQLite's FTS5 exists today)."""
    if dialect_name == "sqlite":
        from bibliofile.storage.search_fts5 import Fts5Index

        return Fts5Index()
    raise NotImplementedError(f"no full-text search for {dialect_name} yet")


def group_ids(
    term: Term, text_ids: Callable[[Term], set[int]], field_ids: Callable[[Term], set[int]]
) -> tuple[set[int], bool]:
    """The ids an OR group matches, as (ids, complemented): complemented means "every id but
    these", so a NOT never needs the set of all ids. Each term is asked for in its positive
    form, where its own index answers it (``text_ids``: the full-text index; ``field_ids``:
    year, type, tag... in SQL); one SQL statement with OR read every row instead (bench/
    bench_search_boolean.py: "a OR year:2000..2010" at 20k, 17 -> 4 ms)."""
    alts: list[tuple[set[int], bool]] = []
    for alt in term.any_of:
        parts = [_term_ids(t, text_ids, field_ids) for t in alt]
        pos = [ids for ids, comp in parts if not comp]
        neg = [ids for ids, comp in parts if comp]
        if pos:
            ids = set.intersection(*pos) if len(pos) > 1 else set(pos[0])
            alts.append((ids.difference(*neg), False))
        else:
            alts.append((set().union(*neg), True))
    pos = [ids for ids, comp in alts if not comp]
    neg = [ids for ids, comp in alts if comp]
    if neg:  # A or not-B or not-C = not (B and C and not A)
        ids = set.intersection(*neg) if len(neg) > 1 else set(neg[0])
        result = (ids.difference(*pos), True)
    else:
        result = (set().union(*pos), False)
    return (result[0], not result[1]) if term.negated else result


def _term_ids(
    term: Term, text_ids: Callable[[Term], set[int]], field_ids: Callable[[Term], set[int]]
) -> tuple[set[int], bool]:
    if term.any_of and not is_text_term(term):
        return group_ids(term, text_ids, field_ids)
    positive = replace(term, negated=False)
    ids = text_ids(positive) if is_text_term(term) else field_ids(positive)
    return ids, term.negated
