"""Recent backups: a library that was never upgraded had no backup for recovery to use."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from tests.damaged_library import damage_middle_page

from bibliofile.model import Reference
from bibliofile.storage import health
from bibliofile.storage.library import Library


def make(path: Path, titles: list[str]) -> None:
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": t}, citation_key=f"k{i}") for i, t in enumerate(titles)])
    lib.close()


def titles_in(path: Path) -> list[str]:
    lib = Library.open(path)
    try:
        ids = lib.search("")
        return sorted(str(row[0]) for row in lib.rows(ids, ["title"]).values())
    finally:
        lib.close()


def recent(path: Path) -> list[Path]:
    return [p for p in health.find_backups(path) if ".recent-" in p.name]


def test_a_copy_is_made_once_a_day_and_reads_back(tmp_path: Path) -> None:
    lib = tmp_path / "library.sqlite"
    make(lib, ["Alpha", "Beta"])
    made = health.rolling_backup(lib)
    assert made is not None and made.name.startswith("library.sqlite.recent-")
    assert titles_in(made) == ["Alpha", "Beta"]
    assert health.rolling_backup(lib) is None  # one an hour later is not due
    assert recent(lib) == [made]


def test_only_the_newest_three_are_kept(tmp_path: Path) -> None:
    lib = tmp_path / "library.sqlite"
    make(lib, ["Alpha"])
    start = datetime(2026, 1, 1, 9)
    made: list[Path] = []
    for day in range(5):
        now = start + timedelta(days=day)
        path = health.rolling_backup(lib, now=now)
        assert path is not None
        stamp = (now - timedelta(seconds=1)).timestamp()  # as if made a day after the last one
        renamed = path.with_name(f"library.sqlite.recent-day{day}.bak")
        path.rename(renamed)
        os.utime(renamed, (stamp, stamp))
        made.append(renamed)
    assert recent(lib) == list(reversed(made))[:3]


def test_a_damaged_library_is_not_copied(tmp_path: Path) -> None:
    lib = tmp_path / "library.sqlite"
    make(lib, [f"Title {i} " + "x" * 400 for i in range(800)])
    damage_middle_page(lib)
    assert not health.check_file(lib, full=False).ok
    assert health.rolling_backup(lib) is None
    assert recent(lib) == []


def test_a_missing_library_is_not_copied(tmp_path: Path) -> None:
    assert health.rolling_backup(tmp_path / "none.sqlite") is None
    assert list(tmp_path.iterdir()) == []
