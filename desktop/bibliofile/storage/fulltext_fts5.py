"""The pages of attached files in an SQLite FTS5 table: the one module speaking SQLite's own
SQL for full text of files, as ``search_fts5.py`` is for references.

One row per page, ``rowid = attachment id * 2**20 + page`` (pages from 0), so a file's pages are
one rowid range: replaced or deleted without a scan, and a hit's file and page come from the
rowid alone, never from the stored text. ``attachment_id`` and ``page`` are also kept as
UNINDEXED columns, for a person reading the table. A trigger deletes a file's pages with its
attachment row (also when a reference's deletion cascades to it), so the index never holds the
text of a file no longer attached.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Integer, TextualSelect, column, text

from bibliofile.storage.engine import read_ids

__all__ = [
    "PAGES_TABLE",
    "PAGE_BITS",
    "add_pages",
    "attachment_ids_matching",
    "create_pages_index",
    "drop_pages_index",
    "has_pages",
    "page_rowids",
    "remove_pages",
    "split_rowid",
]

PAGES_TABLE = "fulltext_fts"
PAGE_BITS = 20  # pages per file: up to 1,048,576
_TRIGGER = "fulltext_fts_forget_attachment"


def create_pages_index(conn: Connection) -> None:
    """The FTS5 table and the trigger that empties it of a removed attachment's pages.
    Same tokenizer as the references' index ("Müller" finds "muller")."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {PAGES_TABLE} USING fts5("
        "text, attachment_id UNINDEXED, page UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    ))
    conn.execute(text(
        f"CREATE TRIGGER IF NOT EXISTS {_TRIGGER} AFTER DELETE ON attachments BEGIN "
        f"DELETE FROM {PAGES_TABLE} WHERE rowid BETWEEN old.id * {1 << PAGE_BITS} "
        f"AND old.id * {1 << PAGE_BITS} + {(1 << PAGE_BITS) - 1}; END"
    ))


def drop_pages_index(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text(f"DROP TRIGGER IF EXISTS {_TRIGGER}"))
    conn.execute(text(f"DROP TABLE IF EXISTS {PAGES_TABLE}"))


def add_pages(conn: Connection, attachment_id: int, start: int, texts: Sequence[str]) -> None:
    """Index ``texts`` as pages ``start``, ``start + 1``... of an attachment (replacing any
    rows those pages had)."""
    if not texts:
        return
    base = attachment_id << PAGE_BITS
    rows = [(base + start + i, t, attachment_id, start + i) for i, t in enumerate(texts)]
    conn.exec_driver_sql(
        f"DELETE FROM {PAGES_TABLE} WHERE rowid BETWEEN ? AND ?", (base + start, base + start + len(texts) - 1)
    )
    conn.exec_driver_sql(f"INSERT INTO {PAGES_TABLE} (rowid, text, attachment_id, page) VALUES (?, ?, ?, ?)", rows)


def remove_pages(conn: Connection, attachment_id: int, from_page: int = 0) -> None:
    """Delete an attachment's pages from ``from_page`` on (all of them by default)."""
    base = attachment_id << PAGE_BITS
    conn.exec_driver_sql(
        f"DELETE FROM {PAGES_TABLE} WHERE rowid BETWEEN ? AND ?", (base + from_page, base + (1 << PAGE_BITS) - 1)
    )


def page_rowids(conn: Connection, expr: str, attachment_id: int | None = None) -> list[int]:
    """Rowids of the pages matching an FTS5 expression, ascending (split them with PAGE_BITS);
    of one attachment's pages only when ``attachment_id`` is given (a rowid range, so FTS5
    reads only that file's part of each doclist, however big the index)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    sql = f"SELECT rowid AS id FROM {PAGES_TABLE} WHERE {PAGES_TABLE} MATCH ?"
    if attachment_id is None:
        return read_ids(raw, sql + " ORDER BY rowid", (expr,))
    base = attachment_id << PAGE_BITS
    return read_ids(raw, sql + " AND rowid BETWEEN ? AND ? ORDER BY rowid", (expr, base, base + (1 << PAGE_BITS) - 1))


def attachment_ids_matching(expr: str, name: str) -> TextualSelect:
    """A subquery of the attachment ids with a page matching ``expr`` (for a search's SQL)."""
    return (
        text(f"SELECT rowid >> {PAGE_BITS} AS attachment_id FROM {PAGES_TABLE} WHERE {PAGES_TABLE} MATCH :{name}")
        .bindparams(**{name: expr})
        .columns(column("attachment_id", Integer))
    )


def has_pages(conn: Connection, attachment_id: int) -> bool:
    """Whether any page of the attachment is indexed (a rowid range probe, no text read)."""
    base = attachment_id << PAGE_BITS
    row = conn.exec_driver_sql(
        f"SELECT rowid FROM {PAGES_TABLE} WHERE rowid BETWEEN ? AND ? LIMIT 1", (base, base + (1 << PAGE_BITS) - 1)
    ).first()
    return row is not None


def split_rowid(rowid: int) -> tuple[int, int]:
    """(attachment id, page from 0) of a row."""
    return rowid >> PAGE_BITS, rowid & ((1 << PAGE_BITS) - 1)
