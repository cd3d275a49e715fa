"""The fast import path (parse workers' row tuples, raw executemany with reordered columns, FTS5
with a bulk-load buffer) stores exactly what SQLAlchemy Core's ordinary insert of the same
references stores: references, creators and FTS content compared row by row."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.model.reference import Reference
from bibliofile.services.importing import import_files
from bibliofile.storage.batches import now
from bibliofile.storage.library import Library
from bibliofile.storage.rows import (
    CREATOR_COLUMNS,
    REFERENCE_COLUMNS,
    creator_values,
    fts_row,
    imported_rows,
)
from bibliofile.storage.search_fts5 import DEFAULT_HASH_SIZE
from bibliofile.storage.tables import creators_t, references_t

BENCH = Path(__file__).resolve().parents[3] / "bench" / "generate_bib.py"
# Columns that differ by design between the two libraries: when and from which import.
SKIP = {"date_added", "date_modified"}


def _generate(n: int) -> str:
    spec = importlib.util.spec_from_file_location("generate_bib", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out: str = mod.generate(n, seed=7)
    return out


def _table(lib: Library, sql: str) -> list[tuple[Any, ...]]:
    with lib.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_fast_import_stores_what_core_inserts_store(tmp_path: Path) -> None:
    bib = tmp_path / "gen.bib"
    bib.write_text(_generate(1500), encoding="utf-8")  # over 1 MB: parsed in worker processes
    fast = Library.open(tmp_path / "fast.sqlite")
    report = import_files(fast, [bib], workers=2)
    assert report.imported == 1500

    plain = Library.open(tmp_path / "plain.sqlite")
    items = read_bibtex(bib.read_text(encoding="utf-8"), next(iter(report.formats))).items
    refs = [x for x in items if isinstance(x, Reference)]
    rows = imported_rows(items)  # the same per-reference values, inserted the ordinary way
    with plain.write() as uow:
        import_id = uow.add_import(str(bib.resolve()), "bibtex", "utf-8")
        stamp = now()
        uow.conn.execute(
            insert(references_t),
            [
                {**dict(zip(REFERENCE_COLUMNS[5:], r[1:], strict=True)), "id": i + 1, "import_id": import_id,
                 "position": r[0], "date_added": stamp, "date_modified": stamp}
                for i, r in enumerate(rows.refs)
            ],
        )
        uow.conn.execute(
            insert(creators_t),
            [dict(zip(CREATOR_COLUMNS, c, strict=True)) for i, ref in enumerate(refs) for c in creator_values(ref, i + 1)],
        )
        cols = "rowid, title, creators, container, abstract, keywords, notes"
        for i, ref in enumerate(refs):
            uow.conn.execute(
                text(f"INSERT INTO reference_fts ({cols}) VALUES (:r, :a, :b, :c, :d, :e, :f)"),
                dict(zip("rabcdef", fts_row(ref, i + 1), strict=True)),
            )

    ref_cols = ", ".join(f'"{c}"' for c in (*REFERENCE_COLUMNS, "read_status", "priority", "rating", "date_read")
                         if c not in SKIP)
    for sql in (
        f'SELECT {ref_cols} FROM "references" ORDER BY id',
        "SELECT reference_id, position, role, family, given, particle, suffix, literal, others "
        "FROM creators ORDER BY reference_id, position",
        "SELECT rowid, title, creators, container, abstract, keywords, notes FROM reference_fts ORDER BY rowid",
    ):
        a, b = _table(fast, sql), _table(plain, sql)
        assert len(a) == len(b) > 0
        for x, y in zip(a, b, strict=True):
            assert x == y

    # The index answers like the ordinary one, and the bulk buffer size was put back.
    for word in ("the", "theory", "government"):
        q = f"SELECT rowid FROM reference_fts WHERE reference_fts MATCH '{word}*' ORDER BY rowid"
        assert _table(fast, q) == _table(plain, q)
    assert _table(fast, "SELECT v FROM reference_fts_config WHERE k = 'hashsize'") == [(DEFAULT_HASH_SIZE,)]
    with fast.engine.connect() as conn:
        conn.execute(text("INSERT INTO reference_fts(reference_fts) VALUES ('integrity-check')"))
    fast.close()
    plain.close()
