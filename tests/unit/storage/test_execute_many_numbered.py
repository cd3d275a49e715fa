"""execute_many hands rows to SQLite as they are when their order is not the statement's: the
statement then takes each value by number (``?3``) and its constants as SQL literals (issue 22).
What it stores must be what SQLAlchemy Core's ordinary insert of the same rows stores, with
defaults that need quoting, NULLs and booleans, and an UPDATE must still set what it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    update,
)

from bibliofile.storage.batches import execute_many

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("a", Text, nullable=False),
    Column("quoted", Text, nullable=False, default="it's a \"default\"; with ? marks"),
    Column("b", Integer, nullable=True),
    Column("flag", Boolean, nullable=False, default=True),
    Column("empty", Text, nullable=True, default=None),
    Column("c", Text, nullable=False),
    Column("zero", Integer, nullable=False, default=0),
)

# Rows in an order that is not the table's, as the import's rows are.
KEYS = ("c", "id", "b", "a")
ROWS: list[tuple[Any, ...]] = [
    ("c1", 1, None, "a1"),
    ("c2 with 'quote' and ?", 2, 7, "a2"),
    ("", 3, -1, "ünïcode \U0001f600"),
]


def _stored(path: Path, fast: bool) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        if fast:
            statements: list[str] = []

            def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", seen)
            execute_many(conn, insert(items), KEYS, ROWS)
            event.remove(engine, "before_cursor_execute", seen)
            # The rows went as they are: values by number, the defaults written in the SQL.
            assert len(statements) == 1 and "?4" in statements[0] and "'it''s a" in statements[0]
        else:
            conn.execute(insert(items), [dict(zip(KEYS, r, strict=True)) for r in ROWS])
        rows = [tuple(r) for r in conn.execute(select(items).order_by(items.c.id))]
    engine.dispose()
    return rows


def test_rows_in_another_order_store_what_core_stores(tmp_path: Path) -> None:
    fast = _stored(tmp_path / "fast.sqlite", True)
    core = _stored(tmp_path / "core.sqlite", False)
    assert fast == core
    assert fast[1] == (2, "a2", "it's a \"default\"; with ? marks", 7, True, None, "c2 with 'quote' and ?", 0)


def test_update_with_values_in_another_order(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'u.sqlite'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        execute_many(conn, insert(items), KEYS, ROWS)
        stmt = update(items).where(items.c.id == bindparam("v_id")).values(a=bindparam("v_a"), zero=5)
        execute_many(conn, stmt, ("v_a", "v_id"), [("new 'a'", 2), ("other", 3)])
        got = {r.id: (r.a, r.zero) for r in conn.execute(select(items))}
    engine.dispose()
    assert got == {1: ("a1", 0), 2: ("new 'a'", 5), 3: ("other", 5)}
