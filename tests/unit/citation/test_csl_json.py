"""Reference -> CSL-JSON, field by field: what citeproc-js is given decides what a citation says."""

from __future__ import annotations

import pytest
from tests.citation_samples import ARTICLE

from bibliofile.citation.csl_json import (
    CSL_TYPES,
    csl_date,
    csl_name,
    csl_names,
    csl_pages,
    csl_type,
    to_csl_json,
)
from bibliofile.model import ITEM_TYPES, Creator, CreatorRole, PartialDate, Reference
from bibliofile.model.fields import FIELDS


def item(**fields: str) -> dict[str, object]:
    return to_csl_json(Reference(fields=fields))


# ---- types -----------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [t.csl for t in ITEM_TYPES])
def test_every_item_type_maps_to_a_csl_type(t: str) -> None:
    assert csl_type(t) in CSL_TYPES


def test_types_keep_their_csl_name() -> None:
    assert to_csl_json(Reference(item_type="chapter"))["type"] == "chapter"
    assert csl_type("paper-conference") == "paper-conference"
    assert csl_type("legal_case") == "legal_case"


def test_manual_is_a_book_and_unknown_types_are_documents() -> None:
    assert csl_type("manual") == "book"
    assert csl_type("no-such-type") == "document"


# ---- creators --------------------------------------------------------------------------------
def test_person_name_parts() -> None:
    c = Creator(family="Berg", given="Hans", particle="van der", suffix="Jr")
    assert csl_name(c) == {
        "family": "Berg",
        "given": "Hans",
        "non-dropping-particle": "van der",
        "suffix": "Jr",
    }


def test_institution_is_a_literal_name_never_split() -> None:
    assert csl_name(Creator.institution("World Health Organization")) == {
        "literal": "World Health Organization"
    }


def test_and_others_marker_is_dropped() -> None:
    assert csl_name(Creator.et_al()) is None
    names = csl_names([Creator(family="Knox", given="C."), Creator.et_al()])
    assert names == {"author": [{"family": "Knox", "given": "C."}]}


def test_lone_given_name_still_prints() -> None:
    assert csl_name(Creator(given="Plato")) == {"literal": "Plato"}
    assert csl_name(Creator()) is None


def test_roles_become_name_variables_in_order() -> None:
    ref = Reference(
        item_type="chapter",
        creators=[
            Creator(family="Bourdieu", given="Pierre"),
            Creator(role=CreatorRole.EDITOR, family="Richardson", given="John G."),
            Creator(role=CreatorRole.EDITOR, family="Smith", given="Anna"),
            Creator(role=CreatorRole.TRANSLATOR, family="Nice", given="Richard"),
            Creator(role=CreatorRole.BOOK_AUTHOR, family="Author", given="Book"),
            Creator(role=CreatorRole.SERIES_EDITOR, family="Series", given="Ed"),
        ],
    )
    out = to_csl_json(ref)
    assert [n["family"] for n in out["author"]] == ["Bourdieu"]
    assert [n["family"] for n in out["editor"]] == ["Richardson", "Smith"]
    assert out["translator"] == [{"family": "Nice", "given": "Richard"}]
    assert out["container-author"] == [{"family": "Author", "given": "Book"}]
    assert out["collection-editor"] == [{"family": "Series", "given": "Ed"}]


@pytest.mark.parametrize("role", list(CreatorRole))
def test_every_role_has_a_csl_name_variable(role: CreatorRole) -> None:
    out = csl_names([Creator(role=role, family="X")])
    (variable,) = out
    assert variable == ("author" if role is CreatorRole.INVENTOR else role.value)


# ---- dates -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2008", {"date-parts": [[2008]]}),
        ("2008-03", {"date-parts": [[2008, 3]]}),
        ("2008-03-14", {"date-parts": [[2008, 3, 14]]}),
        ("2000/2010", {"date-parts": [[2000], [2010]]}),
        ("2008-03/2008-05", {"date-parts": [[2008, 3], [2008, 5]]}),
        ("Spring 2008", {"literal": "Spring 2008"}),
        ("-50", {"date-parts": [[-50]]}),
    ],
)
def test_partial_dates_to_date_parts(text: str, expected: dict[str, object]) -> None:
    assert csl_date(PartialDate.parse(text)) == expected


def test_no_date_leaves_issued_out_so_the_style_prints_n_d() -> None:
    assert csl_date(PartialDate()) is None
    assert "issued" not in item(title="x")
    assert "issued" not in item(title="x", date="n.d.")


def test_issued_and_accessed() -> None:
    out = item(date="2008-03", accessed="2024-05-01")
    assert out["issued"] == {"date-parts": [[2008, 3]]}
    assert out["accessed"] == {"date-parts": [[2024, 5, 1]]}


# ---- fields ----------------------------------------------------------------------------------
FIELD_CASES: list[tuple[str, str, str, str]] = [
    ("container_title", "Journal of Things", "container-title", "Journal of Things"),
    ("collection_title", "Lecture Notes", "collection-title", "Lecture Notes"),
    ("volume", "12", "volume", "12"),
    ("issue", "3", "issue", "3"),
    ("number", "TR-7", "number", "TR-7"),
    ("edition", "2", "edition", "2"),
    ("pages", "101--110", "page", "101-110"),
    ("number_of_pages", "320", "number-of-pages", "320"),
    ("publisher", "Hafner", "publisher", "Hafner"),
    ("publisher_place", "New York", "publisher-place", "New York"),
    ("event_place", "Vienna", "event-place", "Vienna"),
    ("genre", "PhD thesis", "genre", "PhD thesis"),
    ("medium", "CD-ROM", "medium", "CD-ROM"),
    ("version", "1.2", "version", "1.2"),
    ("status", "in press", "status", "in press"),
    ("doi", "10.1000/xyz", "DOI", "10.1000/xyz"),
    ("isbn", "978-3-16-148410-0", "ISBN", "978-3-16-148410-0"),
    ("issn", "1234-5678", "ISSN", "1234-5678"),
    ("url", "https://example.org", "URL", "https://example.org"),
    ("pmid", "123", "PMID", "123"),
    ("pmcid", "PMC1", "PMCID", "PMC1"),
    ("abstract", "We show things.", "abstract", "We show things."),
    ("language", "en", "language", "en"),
    ("short_title", "Growth", "title-short", "Growth"),
    ("note", "Reprint", "note", "Reprint"),
    ("annote", "Read it", "annote", "Read it"),
]


@pytest.mark.parametrize(("key", "value", "variable", "expected"), FIELD_CASES)
def test_field_to_csl_variable(key: str, value: str, variable: str, expected: str) -> None:
    assert item(**{key: value})[variable] == expected


def test_every_field_with_a_csl_name_is_handled() -> None:
    """A field given a CSL name in fields.py must reach the item (or be documented otherwise)."""
    handled = {k for k, *_ in FIELD_CASES} | {"title", "date", "accessed", "keywords", "event_title", "article_number"}
    with_csl = {f.key for f in FIELDS if f.csl}
    assert with_csl <= handled


def test_title_and_subtitle_are_joined() -> None:
    assert item(title="Tumour growth", subtitle="A study")["title"] == "Tumour growth: A study"
    assert item(title="Why?", subtitle="An answer")["title"] == "Why? An answer"
    assert item(subtitle="Only")["title"] == "Only"


def test_event_title_goes_out_under_both_names() -> None:
    out = item(event_title="ICML 2020")
    assert out["event-title"] == "ICML 2020"
    assert out["event"] == "ICML 2020"


def test_keywords_become_one_comma_separated_keyword_variable() -> None:
    assert item(keywords="cancer; mice; growth")["keyword"] == "cancer, mice, growth"


def test_article_number_fills_number_only_when_free() -> None:
    assert item(article_number="e123")["number"] == "e123"
    assert item(article_number="e123", number="7")["number"] == "7"


def test_blank_values_are_left_out() -> None:
    out = item(title="  ", volume="", doi=" ")
    assert "title" not in out and "volume" not in out and "DOI" not in out


def test_values_are_stripped() -> None:
    assert item(volume=" 12 ")["volume"] == "12"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1--10", "1-10"), ("1---10", "1-10"), ("1 -- 10", "1-10"), ("e123", "e123"), ("1–10", "1–10")]
)
def test_page_ranges(raw: str, expected: str) -> None:
    assert csl_pages(raw) == expected


def test_unknown_and_portal_fields_stay_out() -> None:
    out = to_csl_json(Reference(fields={"citation_count": "5", "peer_reviewed": "yes"}, extra={"foo": "bar"}))
    assert set(out) == {"id", "type"}


# ---- ids -------------------------------------------------------------------------------------
def test_id_is_the_citation_key_then_the_library_id() -> None:
    assert to_csl_json(Reference(citation_key="knox2008"))["id"] == "knox2008"
    assert to_csl_json(Reference(citation_key="knox2008"))["citation-key"] == "knox2008"
    assert to_csl_json(Reference(id=42))["id"] == "42"
    assert to_csl_json(Reference(citation_key="k"), item_id="x1")["id"] == "x1"


def test_whole_journal_article() -> None:
    ref = ARTICLE
    assert to_csl_json(ref) == {
        "id": "knox2008",
        "citation-key": "knox2008",
        "type": "article-journal",
        "title": "Tumour growth in mice",
        "issued": {"date-parts": [[2008, 3]]},
        "container-title": "Journal of Cancer Research",
        "volume": "12",
        "issue": "3",
        "page": "101-110",
        "DOI": "10.1000/jcr.2008.12",
        "author": [
            {"family": "Knox", "given": "Colin"},
            {"family": "Berg", "given": "Hans", "non-dropping-particle": "van der"},
        ],
    }
