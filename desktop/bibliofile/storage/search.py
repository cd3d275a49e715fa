"""The search interface the Library uses, so the full-text engine can change with the dialect."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, Connection

from bibliofile.model.query import Term


class SearchIndex(Protocol):
    def add(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None: ...
    def remove(self, conn: Connection, ids: Iterable[int]) -> None: ...
    def replace(self, conn: Connection, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> None: ...
    def clear(self, conn: Connection) -> None: ...
    def set_notes(self, conn: Connection, rid: int, words: str) -> None: ...
    def count(self, conn: Connection) -> int: ...
    def matching(self, terms: Sequence[Term], id_column: ColumnElement[int]) -> list[ColumnElement[bool]]: ...
    def group_condition(
        self, term: Term, id_column: ColumnElement[int], field_condition: Callable[[Term], ColumnElement[bool]]
    ) -> ColumnElement[bool]: ...
    def hit_sets(self, conn: Connection, terms: Sequence[Term]) -> tuple[list[int] | None, set[int]]: ...


def index_for(dialect_name: str) -> SearchIndex:
    """The full-text index for a database dialect (only SQLite's FTS5 exists today)."""
    if dialect_name == "sqlite":
        from bibliofile.storage.search_fts5 import Fts5Index

        return Fts5Index()
    raise NotImplementedError(f"no full-text search for {dialect_name} yet")
