"""Integrity checks: what a citation needs, identifiers, pages, years, braces, duplicate keys."""

from __future__ import annotations

from pathlib import Path

from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.services import integrity
from bibliofile.services.editing import apply_edits
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library

SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "sample-library.bib"


def _ref(**fields: str) -> Reference:
    base = {"title": "T", "container_title": "J", "date": "2001", "volume": "3"}
    base.update(fields)
    r = Reference(fields={k: v for k, v in base.items() if v}, creators=[Creator(family="Knox")])
    r.id = 1
    return r


def kinds(ref: Reference) -> set[tuple[str, str]]:
    return {(f.kind, f.field) for f in integrity.check_reference(ref, this_year=2026)}


def test_complete_article_is_clean() -> None:
    assert kinds(_ref(doi="10.1111/j.1467-9299.1991.tb00779.x", isbn="978-0-306-40615-7", pages="3--19")) == set()


def test_the_seed_record_is_flagged_for_authors_and_volume(library: Library) -> None:
    report = import_files(library, [SAMPLE], workers=1)
    findings = integrity.check_library(library, report.ids)
    seed = [f for f in findings if f.citation_key == "kazakhstan2008modernizing"]
    assert {(f.kind, f.field) for f in seed} == {("missing", "authors"), ("missing", "volume")}
    assert all("needs" in f.message for f in seed)


def test_missing_fields_by_type() -> None:
    book = Reference(item_type="book", fields={"title": "B", "date": "2001"},
                     creators=[Creator(role=CreatorRole.EDITOR, family="Ed")])
    book.id = 2
    assert kinds(book) == {("missing", "publisher")}  # editors stand in for authors
    assert ("missing", "volume") in kinds(_ref(volume=""))


def test_identifiers() -> None:
    f = integrity.check_reference(_ref(doi="https://doi.org/10.1080/09540969409387823"))
    assert [(x.kind, x.fix) for x in f] == [("doi", "10.1080/09540969409387823")]
    assert [x.fix for x in integrity.check_reference(_ref(doi="not a doi"))] == [None]
    assert integrity.isbn_problem("0-306-40615-2") == ""
    assert integrity.isbn_problem("0-306-40615-3") == "the check digit is wrong"
    assert integrity.isbn_problem("978-0-306-40615-7") == ""
    assert integrity.isbn_problem("978-0-306-40615-8") != ""
    assert integrity.isbn_problem("12345") != ""
    assert integrity.issn_problem("0378-5955") == ""
    assert integrity.issn_problem("2049-3630") == ""
    assert integrity.issn_problem("0378-5956") == "the check digit is wrong"
    assert ("issn", "issn") in kinds(_ref(issn="1234-5678"))


def test_pages_years_and_braces() -> None:
    assert ("pages", "pages") in kinds(_ref(pages="496--477"))
    assert ("pages", "pages") in kinds(_ref(pages="three to five"))
    assert kinds(_ref(pages="477-96")) == set()
    assert kinds(_ref(pages="e1002")) == set()
    assert kinds(_ref(pages="xi--xx, 1--20")) == set()
    assert ("year", "date") in kinds(_ref(date="2091"))
    assert ("year", "date") in kinds(_ref(date="1201"))
    assert ("braces", "title") in kinds(_ref(title="The {DNA structure"))
    assert kinds(_ref(title=r"Escaped \{ brace \} is fine")) == set()


def test_duplicate_keys_and_fixes_applied(library: Library) -> None:
    ids = library.add_references(
        [
            Reference(fields={"title": "A", "date": "2001", "doi": "doi:10.1000/xyz"}, citation_key="same",
                      item_type="document", creators=[Creator(family="K")]),
            Reference(fields={"title": "B", "date": "2001"}, citation_key="same", item_type="document"),
        ]
    )
    findings = integrity.check_library(library)
    assert sorted(f.reference_id for f in findings if f.kind == "duplicate-key") == ids
    fixable = [f for f in findings if f.fixable]
    assert [(f.field, f.fix) for f in fixable] == [("doi", "10.1000/xyz")]
    pairs = integrity.apply_fixes(library.get_many(ids), fixable)
    apply_edits(library, pairs)
    assert library.get(ids[0]).get("doi") == "10.1000/xyz"
    assert not [f for f in integrity.check_library(library) if f.kind == "doi"]
