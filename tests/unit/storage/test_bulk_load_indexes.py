"""Which indexes a bulk load into an empty library builds once at the end (issue 22): those whose
keys take an import's rows in random order (titles, names, citation keys), not those led by the
import and the position, which an import's rows reach in order (the export outline)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

from bibliofile.storage.library import Library


def _indexes(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'references'"))
    return {r[0] for r in rows}


def test_bulk_load_keeps_the_indexes_an_import_fills_in_order(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    with lib.engine.connect() as conn:
        before = _indexes(conn)
    assert {"ix_references_export_outline", "ix_references_title_order"} <= before
    with lib.write() as uow, uow.bulk_load():
        during = _indexes(uow.conn)
    with lib.engine.connect() as conn:
        after = _indexes(conn)
    assert "ix_references_title_order" not in during  # built once, at the end
    assert "ix_references_citation_key" not in during
    assert {"ix_references_export_outline", "ix_references_import_position"} <= during
    assert after == before
    lib.close()
