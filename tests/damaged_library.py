"""Damaged library files for tests, made the way a failing disk makes them.

A real library, closed, with its write-ahead log folded into the main file, then one page in the
middle of its references table overwritten with garbage. The GUI's Verify Library File, the CLI's
``check --recover``, the storage layer's checks and the rolling backup all meet the same damage,
so a change in how we damage a file (or in what SQLite needs to notice it) is made once here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def fold_wal(path: Path) -> None:
    """Everything in the main file and no -wal left: what a closed library looks like on disk."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def damage_middle_page(path: Path) -> int:
    """Overwrite one page in the middle of the references table with garbage; its number.

    On an SQLite built without the dbstat table, the file's middle page is overwritten instead.
    """
    fold_wal(path)
    con = sqlite3.connect(path)
    try:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        try:
            pages = [
                r[0]
                for r in con.execute(
                    "SELECT pageno FROM dbstat WHERE name='references' AND pagetype='leaf' ORDER BY pageno"
                )
            ]
        except sqlite3.OperationalError:
            pages = [con.execute("PRAGMA page_count").fetchone()[0] // 2]
    finally:
        con.close()
    page = int(pages[len(pages) // 2])
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(b"\xa5" * page_size)
    return page
