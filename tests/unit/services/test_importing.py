"""A large import (parsed in worker processes, stored from row tuples) stores what one read gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.model.reference import Reference
from bibliofile.services import importing
from bibliofile.services.exporting import export_text
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library


def generated(n: int) -> str:
    parts = ["% leading comment\n@string{jcs = {J. Chem. Soc.}}\n\n"]
    for i in range(n):
        if i % 37 == 5:
            parts.append("stray text between entries\n\n")
        parts.append(
            f"@article{{k{i % (n - 4)},\n  author = {{M{{\\\"u}}ller, J. and Smith, Ann}},\n"
            f"  title = {{Title {i} with {{Braces}}}},\n  journal = jcs,\n  year = {2000 + i % 20},\n}}\n\n"
        )
    parts.append("@article{broken, title = {x\n\n")
    return "".join(parts)


@pytest.fixture
def batched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make even a small text go through the worker path, in batches of 25 entries."""
    segments = bibtex_reader._segments
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    monkeypatch.setattr(importing, "SMALL_TEXT", 0)  # the workers start before the file is read
    monkeypatch.setattr(bibtex_reader, "_segments", lambda text, n: segments(text, 25))


@pytest.mark.parametrize("workers", [0, 1])
@pytest.mark.usefixtures("batched")
def test_batched_import_stores_what_one_read_gives(tmp_path: Path, workers: int) -> None:
    text = generated(120)
    bib = tmp_path / "g.bib"
    bib.write_text(text, encoding="utf-8")
    single = read_bibtex(text, str(bib))
    lib = Library.open(tmp_path / "l.sqlite")
    try:
        report = import_files(lib, [bib], workers=workers)
        assert report.imported == lib.count() == 120
        assert report.ids == list(range(1, 121))
        assert report.problems == single.problems
        assert any("used again" in p.message for p in report.problems)
        assert export_text(lib, "bibtex") == text
        stored = lib.get_many(report.ids)
        expected = [x for x in single.items if isinstance(x, Reference)]
        assert [(r.citation_key, r.fields, r.creators) for r in stored] == [
            (r.citation_key, r.fields, r.creators) for r in expected
        ]
        # Raw fields are not stored for imports; an edit still keeps the untouched fields' raw text.
        first = stored[0]
        first.fields["title"] = "A new title"
        with lib.write() as uow:
            uow.update(first)
        out = export_text(lib, "bibtex")
        at = out.index("A new title")
        edited = out[out.rindex("@article", 0, at) : out.index("\n}", at)]
        assert "jcs" in edited and "J. Chem. Soc." not in edited
    finally:
        lib.close()
