"""File > Import and `bibliofile import` skip exact duplicates of what the library holds, say so,
and can store them after all as one undoable operation (issue 17, item 3); problems are told
apart into "could not be read" and "read with remarks" (item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bibliofile.model.problems import Problem
from bibliofile.services import changes, import_summary, importing, trash
from bibliofile.services.exporting import export_text
from bibliofile.services.importing import import_files, preview_text, store_skipped
from bibliofile.storage.library import Library

KNOX = """@article{knox2008,
  author = {Knox, Colin},
  title = {Kazakhstan: Modernizing government in the context of political inertia},
  journal = {Journal of Things},
  year = 2008,
  doi = {10.1000/knox.2008}
}
"""
WHO = """@book{who2020,
  author = {{World Health Organization}},
  title = {World Health Statistics},
  year = {2020},
  isbn = {978-92-4-000510-5}
}
"""
NEW = """@article{new2021,
  author = {Lignos, Constantine},
  title = {A reference that is new},
  year = {2021}
}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "l.sqlite")
    yield library
    library.close()


def test_the_same_file_twice_is_stored_once_and_the_skipped_are_named(tmp_path: Path, lib: Library) -> None:
    bib = write(tmp_path, "a.bib", KNOX + "\n" + WHO)
    first = import_files(lib, [bib], workers=0)
    assert first.imported == 2 and first.skipped == []
    again = import_files(lib, [bib], workers=0)
    assert again.imported == 0
    assert lib.count() == 2
    assert [(s.line, s.duplicate_of) for s in again.skipped] == [(1, first.ids[0]), (9, first.ids[1])]
    knox = again.skipped[0]
    assert knox.existing == "Knox, 2008, “Kazakhstan: Modernizing government in the context of politi…”"
    assert knox.message.startswith("“Kazakhstan: Modernizing")
    assert "(Knox, 2008; same DOI and title)" in knox.message


def test_a_skipped_entry_without_authors_reads_plainly(tmp_path: Path, lib: Library) -> None:
    """The portal page has no authors: its skipped line read '((no authors), 2008; …'."""
    bib = write(tmp_path, "a.bib", "@misc{p, title = {A page without authors}, year = 2008, doi = {10.1/x}}\n")
    import_files(lib, [bib], workers=0)
    [skipped] = import_files(lib, [bib], workers=0).skipped
    assert skipped.message == "“A page without authors” is already in the library (no authors, 2008; same DOI and title)"
    assert skipped.existing == "no authors, 2008, “A page without authors”"  # "Likely duplicate of …"


def test_a_file_with_old_and_new_entries_stores_only_the_new(tmp_path: Path, lib: Library) -> None:
    import_files(lib, [write(tmp_path, "a.bib", KNOX)], workers=0)
    report = import_files(lib, [write(tmp_path, "b.bib", KNOX + "\n" + NEW)], workers=0)
    assert report.imported == 1 and len(report.skipped) == 1
    assert sorted(r.citation_key for r in lib.get_many(lib.search(""))) == ["knox2008", "new2021"]


def test_ris_twice_is_skipped_too(tmp_path: Path, lib: Library) -> None:
    ris = write(tmp_path, "a.ris", "TY  - JOUR\nAU  - Knox, Colin\nTI  - Kazakhstan\nPY  - 2008\nER  - \n")
    import_files(lib, [ris], workers=0)
    again = import_files(lib, [ris], workers=0)
    assert (again.imported, len(again.skipped), lib.count()) == (0, 1, 1)


def test_same_doi_and_title_is_exact_even_after_the_library_copy_was_edited(tmp_path: Path, lib: Library) -> None:
    import_files(lib, [write(tmp_path, "a.bib", KNOX)], workers=0)
    [rid] = lib.search("")
    ref = lib.get(rid)
    ref.fields["note"] = "read for chapter 2"
    lib.update_reference(ref)
    again = import_files(lib, [write(tmp_path, "b.bib", KNOX)], workers=0)
    assert again.imported == 0 and again.skipped[0].reason == "same DOI and title"


def test_same_isbn_and_title_is_exact(tmp_path: Path, lib: Library) -> None:
    import_files(lib, [write(tmp_path, "a.bib", WHO)], workers=0)
    other = WHO.replace("year = {2020}", "year = {2021}").replace("who2020", "who")
    again = import_files(lib, [write(tmp_path, "b.bib", other)], workers=0)
    assert again.imported == 0 and again.skipped[0].reason == "same ISBN and title"


@pytest.mark.parametrize(
    "changed",
    [
        KNOX.replace("Knox, Colin", "Knox, Colin and Smith, Ann").replace("  doi = {10.1000/knox.2008}\n", ""),
        KNOX.replace("10.1000/knox.2008", "10.1000/other"),  # another DOI: another work
        KNOX.replace("@article", "@inproceedings").replace("  doi = {10.1000/knox.2008}\n", ""),
        KNOX.replace("year = 2008", "year = 2009").replace("  doi = {10.1000/knox.2008}\n", ""),
    ],
    ids=["another author", "another DOI", "another type", "another year"],
)
def test_what_differs_is_imported(tmp_path: Path, lib: Library, changed: str) -> None:
    import_files(lib, [write(tmp_path, "a.bib", KNOX.replace("  doi = {10.1000/knox.2008}\n", ""))], workers=0)
    report = import_files(lib, [write(tmp_path, "b.bib", changed)], workers=0)
    assert (report.imported, report.skipped) == (1, [])


def test_normalised_fields_case_accents_and_punctuation_do_not_count(tmp_path: Path, lib: Library) -> None:
    plain = "@article{a, author = {M\\\"uller, Jan}, title = {The Cafe: a study}, year = 2001}\n"
    other = "@article{b, author = {Müller, Jan}, title = {The  café -- A Study}, year = {2001}}\n"
    import_files(lib, [write(tmp_path, "a.bib", plain)], workers=0)
    report = import_files(lib, [write(tmp_path, "b.bib", other)], workers=0)
    assert report.imported == 0 and report.skipped[0].reason == "same type, fields and authors"


def test_a_reference_in_the_trash_is_not_in_the_library(tmp_path: Path, lib: Library) -> None:
    bib = write(tmp_path, "a.bib", KNOX)
    first = import_files(lib, [bib], workers=0)
    changes.perform(lib, lambda u: trash.move_to_trash(u, first.ids))
    again = import_files(lib, [bib], workers=0)
    assert (again.imported, again.skipped) == (1, [])


def test_duplicates_inside_one_import_are_kept(tmp_path: Path, lib: Library) -> None:
    report = import_files(lib, [write(tmp_path, "a.bib", KNOX + "\n" + KNOX.replace("knox2008", "k2"))], workers=0)
    assert (report.imported, report.skipped) == (2, [])


def test_allow_duplicates_imports_them(tmp_path: Path, lib: Library) -> None:
    bib = write(tmp_path, "a.bib", KNOX)
    import_files(lib, [bib], workers=0)
    report = import_files(lib, [bib], workers=0, allow_duplicates=True)
    assert (report.imported, report.skipped, lib.count()) == (1, [], 2)


def test_a_portal_page_read_on_another_day_is_the_same_reference(
    tmp_path: Path, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Path(__file__).parents[3] / "shared" / "corpus" / "portal" / "01_yonsei_halo_asplos2025_chapter-conference.txt"
    if not page.exists():
        pytest.skip(f"the shared corpus is not at {page}")
    monkeypatch.setattr(importing, "_today", lambda: "2026-01-01")
    import_files(lib, [page], workers=0)
    monkeypatch.setattr(importing, "_today", lambda: "2026-03-02")
    again = import_files(lib, [page], workers=0)
    assert (again.imported, len(again.skipped), lib.count()) == (0, 1, 1)


def test_import_anyway_is_one_undoable_operation_at_the_entries_places(tmp_path: Path, lib: Library) -> None:
    import_files(lib, [write(tmp_path, "a.bib", KNOX)], workers=0)
    second = KNOX + "\n" + NEW
    report = import_files(lib, [write(tmp_path, "b.bib", second)], workers=0)
    assert lib.count() == 2
    done = changes.perform(lib, store_skipped(report.skipped))
    assert done.description == "Import 1 duplicate reference"
    assert lib.count() == 3 and len(done.ids) == 1
    # Stored in its own import, where it was in the file: that import is written back whole.
    assert export_text(lib).endswith(second)
    redo = changes.undo(lib, done)
    assert lib.count() == 2 and done.ids[0] not in lib.search("")
    again = changes.undo(lib, redo)
    assert lib.count() == 3 and export_text(lib).endswith(second)
    assert lib.get(again.ids[0]).citation_key == "knox2008"


def test_a_keyless_entry_imported_anyway_gets_a_key(tmp_path: Path, lib: Library) -> None:
    keyless = write(tmp_path, "a.ris", "TY  - JOUR\nAU  - Knox, Colin\nTI  - Kazakhstan\nPY  - 2008\nER  - \n")
    import_files(lib, [keyless], workers=0)
    report = import_files(lib, [keyless], workers=0)
    done = changes.perform(lib, store_skipped(report.skipped))
    assert lib.get(done.ids[0]).citation_key


# ---- not read, and read with remarks (item 7) ---------------------------------------------------


def test_bibtex_problems_are_told_apart(tmp_path: Path, lib: Library) -> None:
    text = (
        KNOX
        + "\n@article{broken, title = {never closed\n"
        + "@article{m, author = {A, B}, title = {Uses a macro}, journal = undefinedmacro, year = 2001}\n"
    )
    report = import_files(lib, [write(tmp_path, "a.bib", text)], workers=0)
    assert [p.line for p in report.not_read] == [9]
    assert [p.line for p in report.remarks] == [10]
    assert "undefinedmacro" in report.remarks[0].message


@pytest.mark.parametrize(
    ("name", "text", "not_read", "remarks"),
    [
        ("a.ris", "AU  - Stray, Line\nTY  - JOUR\nTI  - T\nER  - \nTY  - JOUR\nTI  - U\n", [1], [5]),
        ("a.json", '[{"type": "book", "title": "T"}, 3]', [1], []),
        ("a.nbib", "PMID- 1\nTI  - A title\njunk line here\n", [3], []),
    ],
    ids=["RIS stray tag and missing ER", "CSL-JSON non-object", "MEDLINE junk line"],
)
def test_other_readers_tell_them_apart_too(
    tmp_path: Path, lib: Library, name: str, text: str, not_read: list[int], remarks: list[int]
) -> None:
    report = import_files(lib, [write(tmp_path, name, text)], workers=0)
    assert [p.line for p in report.not_read] == not_read, report.problems
    assert [p.line for p in report.remarks] == remarks, report.problems


def test_an_unreadable_file_is_not_read(tmp_path: Path, lib: Library) -> None:
    report = import_files(lib, [tmp_path / "missing.bib"], workers=0)
    assert report.remarks == [] and len(report.not_read) == 1
    [part] = import_summary.sections(report.problems, report.skipped, report.unreadable)
    assert part.headline == "1 file could not be read"


@pytest.mark.parametrize(
    ("problems", "headline"),
    [
        ([Problem("a.bib", 3, "x", True)], "1 entry could not be read"),
        ([Problem("a.bib", 3, "x", True), Problem("a.bib", 9, "y", True)], "2 entries could not be read"),
        ([Problem("a.bib", 3, "x")], "1 entry was read with a remark"),
        ([Problem("a.bib", 3, "x"), Problem("a.bib", 3, "y")], "1 entry was read with remarks"),
        ([Problem("a.bib", 3, "x"), Problem("b.bib", 3, "y")], "2 entries were read with remarks"),
        ([Problem("a.bib", 0, "no references; its 2 blocks are kept")], "1 remark on what was read"),
    ],
)
def test_headlines_are_grammatical_for_one_and_many(problems: list[Problem], headline: str) -> None:
    [part] = import_summary.sections(problems)
    assert part.headline == headline


def test_skipped_headline_for_one_and_many() -> None:
    assert import_summary.skipped_headline(1) == "1 reference was already in the library and was skipped"
    assert import_summary.skipped_headline(2) == "2 references were already in the library and were skipped"


def test_summary_lines_name_file_and_line() -> None:
    problems = [Problem("b.bib", 7, "late"), Problem("a.bib", 0, "whole file", True), Problem("b.bib", 2, "early")]
    parts = import_summary.sections(problems)
    assert [p.kind for p in parts] == ["not_read", "remarks"]
    assert parts[0].lines == ("a.bib: whole file",)
    assert parts[1].lines == ("b.bib:2: early", "b.bib:7: late")


# ---- the paste preview names the likely duplicate's reference ------------------------------------


def test_preview_names_the_existing_reference_by_author_year_and_title(tmp_path: Path, lib: Library) -> None:
    import_files(lib, [write(tmp_path, "a.bib", KNOX)], workers=0)
    preview = preview_text(lib, KNOX.replace("Journal of Things", "J. Things"))
    [cand] = preview.candidates
    assert cand.duplicate_of is not None
    assert cand.existing == "Knox, 2008, “Kazakhstan: Modernizing government in the context of politi…”"


# ---- the command line ------------------------------------------------------------------------------


def run(*args: str, lib: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "bibliofile", "--library", str(lib), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_cli_skips_says_so_and_imports_anyway_when_asked(tmp_path: Path) -> None:
    bib = write(tmp_path, "a.bib", KNOX + "\n" + WHO)
    db = tmp_path / "l.sqlite"
    assert run("import", str(bib), lib=db).returncode == 0
    again = run("import", str(bib), lib=db)
    assert again.returncode == 0, again.stderr
    assert "Imported 0 references" in again.stdout
    assert "2 references were already in the library and were skipped (--allow-duplicates imports them):" in again.stdout
    assert f"  {bib}:9: “World Health Statistics” is already in the library (World Health Organization, 2020;" in again.stdout
    report = json.loads(run("import", str(bib), "--json", lib=db).stdout)
    assert [s["line"] for s in report["skipped_duplicates"]] == [1, 9]
    forced = run("import", str(bib), "--allow-duplicates", lib=db)
    assert "Imported 2 references" in forced.stdout and "skipped" not in forced.stdout
    found = json.loads(run("search", "kazakhstan", "--json", lib=db).stdout)
    assert len(found) == 2


def test_cli_lists_not_read_and_remarks_under_their_own_headlines(tmp_path: Path) -> None:
    text = KNOX + "\n@article{broken, title = {never closed\n@article{m, title = {T}, journal = nomacro, year = 1}\n"
    res = run("import", str(write(tmp_path, "a.bib", text)), lib=tmp_path / "l.sqlite")
    out = res.stdout.splitlines()
    unread = out.index("1 entry could not be read:")
    remark = out.index("1 entry was read with a remark:")
    assert out[unread + 1].startswith(f"  {tmp_path / 'a.bib'}:9: could not read entry 'broken'")
    assert out[remark + 1].startswith(f"  {tmp_path / 'a.bib'}:10: entry 'm': field 'journal' uses")
