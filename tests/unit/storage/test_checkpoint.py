"""A large import's WAL is copied into the library file after its commit, on a thread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bibliofile.services.importing import import_files
from bibliofile.storage.library import WAL_AUTOCHECKPOINT, Library


def _bib(path: Path, n: int) -> Path:
    path.write_text(
        "".join(f"@article{{k{i},\n  author = {{Knox, Ann}},\n  title = {{Title {i}}},\n  year = 2008\n}}\n\n" for i in range(n)),
        encoding="utf-8",
    )
    return path


def test_import_leaves_no_uncopied_wal_after_the_background_checkpoint(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        import_files(lib, [_bib(tmp_path / "a.bib", 300)], workers=0)
        lib.wait_for_checkpoint()
        with sqlite3.connect(tmp_path / "lib.sqlite") as raw:
            busy, wal_frames, copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0
        assert wal_frames == copied  # every frame of the import is already in the file
        # and the writer connection checkpoints by itself again for ordinary edits
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT
        assert len(lib.search("")) == 300
    finally:
        lib.close()


def test_a_failed_import_puts_the_autocheckpoint_back(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        try:
            with lib.write() as uow, uow.bulk_load():
                raise RuntimeError("stop")
        except RuntimeError:
            pass
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT
    finally:
        lib.close()
    # the file stays a valid, empty library
    reopened = Library.open(tmp_path / "lib.sqlite")
    assert reopened.search("") == []
    reopened.close()
