"""Importing every format into a real library: detection, reports, one transaction, preview and
duplicates, RIS/CSL-JSON export, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.services.exporting import export_text
from bibliofile.services.importing import (
    find_duplicates,
    import_chosen,
    import_files,
    normalised_title,
    preview_files,
    preview_text,
)
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import Library

PORTAL = Path(__file__).parents[2] / "data" / "portal"
RIS = "TY  - JOUR\nAU  - Knox, Colin\nTI  - Public services reform\nPY  - 2008\nDO  - 10.1177/x1\nER  - \n\nTY  - BOOK\nTI  - Governing the Commons\nPY  - 1990\nER  - \n"
CSL = json.dumps([{"type": "book", "title": "Reinventing Government", "issued": {"date-parts": [[1992]]}}])
NBIB = "PMID- 1\nTI  - A MEDLINE record\nAU  - Smith J\nDP  - 2001 Jan\n"
ENDNOTE = '<?xml version="1.0"?><xml><records><record><ref-type name="Book">6</ref-type><titles><title>From EndNote</title></titles></record></records></xml>'


@pytest.fixture
def lib(tmp_path: Path):
    library = Library.open(tmp_path / "lib.sqlite")
    yield library
    library.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_format_is_detected_and_reported(lib: Library, tmp_path: Path) -> None:
    files = [
        write(tmp_path, "a.txt", RIS),  # RIS in a .txt: the content decides
        write(tmp_path, "b.json", CSL),
        write(tmp_path, "c.nbib", NBIB),
        write(tmp_path, "d.xml", ENDNOTE),
        PORTAL / "plain-journal-article.txt",
    ]
    report = import_files(lib, files, workers=1)
    assert [report.formats[str(f)] for f in files] == ["ris", "csl-json", "medline", "endnote", "portal"]
    assert report.imported == 6 == lib.count()
    titles = {r.title for r in lib.get_many(lib.search(""))}
    assert {"Public services reform", "Reinventing Government", "A MEDLINE record", "From EndNote",
            "Water councils and river basin governance in Central Asia"} <= titles
    assert any(p.file == str(files[4]) and "no authors" in p.message for p in report.problems)
    (portal,) = [r for r in lib.get_many(lib.search("")) if r.title.startswith("Water")]
    assert portal.fields["citation_count_date"]  # the day it was seen
    assert portal.fields["subject_areas"].startswith("Water Science")


def test_unknown_file_is_refused_with_a_message_and_others_still_import(lib: Library, tmp_path: Path) -> None:
    junk = write(tmp_path, "notes.txt", "just some words\n")
    good = write(tmp_path, "a.ris", RIS)
    report = import_files(lib, [junk, good], workers=1)
    assert report.imported == 2 and report.unreadable == [str(junk)]
    assert "not a format Bibliofile reads" in report.problems[0].message


def test_cancel_leaves_the_library_as_it_was(lib: Library, tmp_path: Path) -> None:
    lib.add_references([Reference(fields={"title": "Kept"})])
    big = write(tmp_path, "big.ris", "".join(f"TY  - JOUR\nTI  - T{i}\nER  - \n" for i in range(5000)))
    with pytest.raises(Cancelled):
        import_files(lib, [big], cancelled=lambda: True, workers=1)
    assert lib.count() == 1


def test_ris_and_csl_json_export_import_back(lib: Library, tmp_path: Path) -> None:
    import_files(lib, [write(tmp_path, "a.ris", RIS)], workers=1)
    ris = export_text(lib, dialect="ris")
    csl = export_text(lib, dialect="csl-json")
    assert ris.count("TY  - ") == 2 and "DO  - 10.1177/x1" in ris
    assert {i["title"] for i in json.loads(csl)} == {"Public services reform", "Governing the Commons"}
    other = Library.open(tmp_path / "other.sqlite")
    try:
        import_files(other, [write(tmp_path, "x.json", csl)], workers=1)
        (a,) = [r for r in other.get_many(other.search("")) if r.title == "Public services reform"]
        assert a.creators == [Creator(family="Knox", given="Colin")] and a.fields["doi"] == "10.1177/x1"
    finally:
        other.close()
    # BibTeX export of RIS-imported records: separated, not glued (their source is not BibTeX).
    bib = export_text(lib)
    assert bib.count("@article{") + bib.count("@book{") == 2 and "}\n\n@" in bib


def test_preview_flags_duplicates_by_doi_and_by_title_year(lib: Library) -> None:
    lib.add_references([
        Reference(fields={"title": "Public Services   Reform!", "date": "2008"}),
        Reference(fields={"title": "Something else", "doi": "https://doi.org/10.5555/Q", "date": "1990"}),
    ])
    text = "TY  - JOUR\nTI  - public services reform\nPY  - 2008\nER  - \nTY  - JOUR\nTI  - New\nDO  - 10.5555/q\nER  - \nTY  - JOUR\nTI  - Public services reform\nPY  - 2009\nER  - \n"
    preview = preview_text(lib, text)
    assert preview.formats == {"clipboard": "ris"}
    assert [(c.ref.title, c.reason) for c in preview.candidates] == [
        ("public services reform", "same title and year"),
        ("New", "same DOI"),
        ("Public services reform", ""),  # another year: not a duplicate
    ]
    assert preview.duplicates == 2 and lib.count() == 2  # nothing written yet
    report = import_chosen(lib, preview, [False, False, True])
    assert report.imported == 1 and lib.count() == 3
    assert normalised_title("Café  Ünïcode, résumé") == "cafe unicode resume"


def test_preview_of_dropped_files_and_placeholders(lib: Library, tmp_path: Path) -> None:
    preview = preview_files(lib, [write(tmp_path, "a.ris", RIS), tmp_path / "missing.ris"])
    assert len(preview.candidates) == 2 and preview.unreadable == [str(tmp_path / "missing.ris")]
    dois = preview_text(lib, "10.1177/x1\n10.1000/new")
    assert [c.duplicate_of is None for c in dois.candidates] == [True, True]
    import_chosen(lib, preview)
    assert [d for d, _ in find_duplicates(lib, [c.ref for c in dois.candidates])][1] is None
    assert find_duplicates(lib, [c.ref for c in dois.candidates])[0][1] == "same DOI"


def run_cli(*args: str, lib: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_import_says_which_format_and_exports_ris_and_csl_json(tmp_path: Path) -> None:
    lib = tmp_path / "cli.sqlite"
    ris = write(tmp_path, "refs.txt", RIS)
    out = run_cli("import", str(ris), lib=lib)
    assert out.returncode == 0, out.stderr
    assert f"{ris}: read as RIS" in out.stdout and "Imported 2 references" in out.stdout
    forced = run_cli("import", str(ris), "--format", "csl-json", "--json", lib=lib)
    assert forced.returncode == 0 and json.loads(forced.stdout)["imported"] == 0
    assert json.loads(forced.stdout)["problems"]
    exported = run_cli("export", "--format", "ris", lib=lib)
    assert exported.returncode == 0 and exported.stdout.count("ER  - ") == 2
    target = tmp_path / "out.json"
    assert run_cli("export", "--format", "csl-json", "-o", str(target), lib=lib).returncode == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    bad = run_cli("import", str(ris), "--format", "word", lib=lib)
    assert bad.returncode == 2


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_called_empty_not_an_unknown_format(lib: Library, tmp_path: Path, text: str) -> None:
    """An empty file is not a file of a format we do not read. (A .bib of comment lines alone,
    as JabRef writes an empty library, is read and kept: tests/unit/formats/test_bibtex_leftovers.py.)"""
    empty = write(tmp_path, "empty.bib", text)
    good = write(tmp_path, "a.ris", RIS)
    report = import_files(lib, [empty, good], workers=1)
    assert report.imported == 2 and report.unreadable == [str(empty)]
    (problem,) = report.problems
    assert problem.file == str(empty) and "holds no references" in problem.message
    assert "not a format" not in problem.message


def test_the_entry_estimate_for_the_progress_bar(tmp_path: Path) -> None:
    from bibliofile.services.importing import estimate_entries

    blocks = ["@string{jcr = {Journal of Cancer Research}}\n", "@comment{kept}\n"]
    blocks += [f"@article{{k{i},\n  title = {{Entry number {i} {'x' * (i % 50)}}},\n  journal = jcr,\n}}\n\n" for i in range(3000)]
    bib = write(tmp_path, "many.bib", "".join(blocks))
    guess = estimate_entries([bib])
    assert guess is not None and 2700 <= guess <= 3300  # the bar's maximum: near enough
    assert estimate_entries([bib, bib]) == 2 * guess
    assert estimate_entries([write(tmp_path, "a.ris", RIS)]) is None  # the bar only turns
    assert estimate_entries([tmp_path / "missing.bib"]) is None
