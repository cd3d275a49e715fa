"""Statements over many rows: ids in chunks under the bound-parameter limit, and one statement
run for many rows in a single executemany.

The statements are SQLAlchemy Core, compiled for the connection's dialect, so the same code runs
on SQLite and PostgreSQL. Only the way the rows reach the driver differs: where the dialect's
placeholders are positional (SQLite's ``?``), the compiled SQL and plain tuples go straight to
the DBAPI's executemany, because SQLAlchemy's per-row handling of parameter dicts cost more than
SQLite's own work (a tag on 10,000 references, an import of 100k); elsewhere the rows go through
``Connection.execute`` as dicts, with SQLAlchemy's full type handling.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Column, Connection
from sqlalchemy.sql.dml import UpdateBase

T = TypeVar("T")

# Ids per IN list: under SQLite's old default limit of 999 bound parameters per statement.
ID_CHUNK = 900


def chunks(seq: Sequence[T], n: int = ID_CHUNK) -> Iterator[Sequence[T]]:
    """``seq`` in slices of ``n``: one statement per slice keeps IN lists within the limit."""
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def now() -> datetime:
    """The time stored in date_added, date_modified, modified and imported_at: UTC, naive,
    whole seconds, so every table and every dialect stores the same value."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def to_driver(conn: Connection) -> bool:
    """True when ``execute_many`` hands rows to the DBAPI itself (positional placeholders)."""
    return bool(conn.dialect.positional)


def driver_value(conn: Connection, column: Column[Any], value: Any) -> Any:
    """``value`` as the column's type would bind it, for rows ``execute_many`` passes to the
    driver unprocessed (a datetime for SQLite's text column, say); unchanged otherwise."""
    if not to_driver(conn):
        return value
    dialect = conn.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value


def execute_many(conn: Connection, stmt: UpdateBase, keys: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Run ``stmt`` once per row in one executemany; a row is a tuple of the values of ``keys``
    (the statement's bind parameter names, or column names for an INSERT).

    On the driver path the values are passed as they are: str, int, float, bool, None and
    bytes, which every DBAPI takes; give other types (datetimes) through ``driver_value``.
    Literal values in the statement itself are bound once, with their type's processing.
    """
    if not rows:
        return
    if not to_driver(conn):
        conn.execute(stmt, [dict(zip(keys, r, strict=True)) for r in rows])
        return
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    where = {k: i for i, k in enumerate(keys)}
    order: list[int] = []
    constants: dict[int, Any] = {}
    defaults = _scalar_defaults(compiled)
    for pos, name in enumerate(compiled.positiontup or ()):
        if name in where:
            order.append(where[name])
            continue
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        value = defaults[name] if name in defaults else compiled.params[name]
        constants[pos] = process(value) if process is not None else value
        order.append(-1)
    n = len(keys)
    params: Sequence[tuple[Any, ...]]
    sql = str(compiled)
    if order == list(range(n)):
        params = rows
    elif (numbered := _numbered(sql, dialect.paramstyle, order, constants, n)) is not None:
        # The statement takes the row's values by number (?3 for its third), the constants as
        # literals: the rows go to the driver as they are, with no Python work per row (an
        # import's 100k references: ~0.1 s of the importing process, issue 22).
        sql, params = numbered, rows
    elif order[:n] == list(range(n)) and all(i < 0 for i in order[n:]):
        # Columns filled from their defaults come last (an insert's reading columns): one tuple
        # concatenation per row instead of a rebuilt row (100k references: ~10 ms, not ~400).
        tail = tuple(constants[pos] for pos in range(n, len(order)))
        params = [r + tail for r in rows]
    else:
        # The statement's order differs from the rows' (an insert lists the table's columns in
        # table order): one C-level itemgetter per row over the row and the constants, ~10x less
        # than a generator rebuilding each tuple (~0.3 s of an import's 100k references).
        tail = tuple(constants[pos] for pos in sorted(constants))
        at = {pos: n + k for k, pos in enumerate(sorted(constants))}
        pick = [i if i >= 0 else at[pos] for pos, i in enumerate(order)]
        if len(pick) == 1:
            params = [((r + tail)[pick[0]],) for r in rows]
        else:
            get = itemgetter(*pick)
            params = [get(r + tail) for r in rows] if tail else [get(r) for r in rows]
    conn.exec_driver_sql(sql, params)  # type: ignore[arg-type]


def _numbered(sql: str, paramstyle: str, order: list[int], constants: dict[int, Any], n: int) -> str | None:
    """``sql`` (qmark style) with its k-th ``?`` replaced by ``?i`` (1-based) where ``order[k]``
    is the row's index ``i - 1``, and by the SQL literal of ``constants[k]`` where it is -1; None
    when that cannot be done exactly (another style, a "?" that is no placeholder, a row value
    the statement does not use, a constant that is not an int, str or None)."""
    if paramstyle != "qmark" or sql.count("?") != len(order) or sorted(i for i in order if i >= 0) != list(range(n)):
        return None
    tokens: list[str] = []
    for pos, i in enumerate(order):
        if i >= 0:
            tokens.append(f"?{i + 1}")
            continue
        literal = _sql_literal(constants[pos])
        if literal is None:
            return None
        tokens.append(literal)
    parts = sql.split("?")
    return parts[0] + "".join(token + part for token, part in zip(tokens, parts[1:], strict=True))


def _sql_literal(value: Any) -> str | None:
    """SQL text for a constant bound once per statement: NULL, an integer (bools as 0/1, as
    SQLite binds them), a quoted string; None for anything else."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _scalar_defaults(compiled: Any) -> dict[str, Any]:
    """Values of the columns SQLAlchemy fills in itself (``default=``/``onupdate=`` of columns
    missing from the rows), which it would compute per execution; only constants are taken."""
    out: dict[str, Any] = {}
    for col in compiled.insert_prefetch:
        out[col.key] = _scalar(col, col.default)
    for col in compiled.update_prefetch:
        out[col.key] = _scalar(col, col.onupdate)
    return out


def _scalar(col: Column[Any], default: Any) -> Any:
    if default is None or not default.is_scalar:
        raise ValueError(f"execute_many: give {col.key} in the rows (its default is not a constant)")
    return default.arg
