"""One field of the JSON kept in a text column (``fields_json``), read in SQL on every dialect.

SQLite's ``json_extract`` has no PostgreSQL twin under that name, so curation's reads (pages for
a reading list's progress, ISBNs for the duplicate scan) ask for ``json_field`` and each dialect
compiles it its own way: the same query, one function per database, no branch in the callers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType


class json_field(FunctionElement[Any]):
    """``json_field(column, "key")``: the key's value (a string or number; NULL when absent).

    The key is written into the SQL as a quoted literal, so it must be a plain field name."""

    type = NullType()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a field name: {key!r}")
        super().__init__(column, literal_column(f"'{key}'"))


def _parts(element: json_field, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    """(the column's SQL, the bare key): the key literal is ``'name'``, checked in __init__."""
    column, key = list(element.clauses)
    return compiler.process(column, **kw), str(getattr(key, "name", "")).strip("'")


@compiles(json_field)
def _json_extract(element: json_field, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite (and MySQL): a JSON path, as curation.py wrote it before.
    column, key = _parts(element, compiler, **kw)
    return f"json_extract({column}, '$.{key}')"


@compiles(json_field, "postgresql")
def _json_arrow(element: json_field, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"(CAST({column} AS JSON) ->> '{key}')"
