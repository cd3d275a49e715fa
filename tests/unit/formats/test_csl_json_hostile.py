"""CSL-JSON that is deep, malformed in our own ``custom`` part, non-finite, keyed by type, or
Zotero's item JSON instead (issue 14): each is read as far as it can be, with a problem by line."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.csl_json import read_csl_json
from bibliofile.model.creators import CreatorRole
from bibliofile.model.reference import Reference
from bibliofile.services.citing import cite


def _read(text: str, file: str = "in.json") -> tuple[list[Reference], list[tuple[int, str]]]:
    result = read_csl_json(text, file)
    refs = [r for r in result.items if isinstance(r, Reference)]
    assert len(refs) == len(result.items)
    assert all(p.file == file for p in result.problems)
    return refs, [(p.line, p.message) for p in result.problems]


def test_an_item_nested_five_thousand_deep_is_skipped_and_the_others_kept() -> None:
    deep = "[" * 5000 + "]" * 5000
    text = (
        '[\n  {"type": "book", "title": "Before"},\n'
        f'  {{"type": "book", "title": "Deep", "note": {deep}}},\n'
        '  {"type": "book", "title": "After"}\n]\n'
    )
    refs, problems = _read(text)
    assert [r.title for r in refs] == ["Before", "After"]
    [(line, message)] = problems
    assert line == 3
    assert "nested too deeply" in message and "skipped" in message


def test_a_deep_value_inside_a_single_item_object_costs_only_that_value() -> None:
    text = '{"type": "book",\n "title": "Kept",\n "note": ' + "{\"a\": " * 4000 + "1" + "}" * 4000 + "}"
    refs, problems = _read(text)
    assert [r.title for r in refs] == ["Kept"]
    assert [line for line, _ in problems] == [3]


def test_unclosed_deep_nesting_reports_and_keeps_what_came_before() -> None:
    text = '[{"type": "book", "title": "Before"},\n' + "[" * 6000
    refs, problems = _read(text)
    assert [r.title for r in refs] == ["Before"]
    assert problems and problems[0][0] == 2


def test_custom_bibliofile_fields_given_as_a_list_keeps_the_standard_variables() -> None:
    item = {
        "type": "article-journal",
        "title": "Shapes of data",
        "author": [{"family": "Nakamura", "given": "Rei"}],
        "custom": {"bibliofile": {"fields": ["title", "x"], "extra": "oops", "creators": {"a": 1}}},
    }
    refs, problems = _read(json.dumps([item]))
    [ref] = refs
    assert ref.title == "Shapes of data"
    assert [c.family for c in ref.creators] == ["Nakamura"]
    messages = [m for _, m in problems]
    assert any("custom.bibliofile.fields is a list" in m for m in messages)
    assert any("custom.bibliofile.extra is a string" in m for m in messages)
    assert any("custom.bibliofile.creators is an object, not a list" in m for m in messages)


def test_infinity_and_nan_in_date_parts_are_reported_and_the_item_kept() -> None:
    text = (
        '[\n{"type": "book", "title": "Infinite", "issued": {"date-parts": [[Infinity]]}},\n'
        '{"type": "book", "title": "Not a number", "issued": {"date-parts": [[NaN, 1]]}},\n'
        '{"type": "book", "title": "Too big", "issued": {"date-parts": [[1e400]]}, "volume": "2"}\n]'
    )
    refs, problems = _read(text)
    assert [r.title for r in refs] == ["Infinite", "Not a number", "Too big"]
    assert refs[2].fields["volume"] == "2"
    assert [line for line, _ in problems] == [2, 3, 4]
    assert "Infinity" in problems[0][1] and "NaN" in problems[1][1] and "1e400" in problems[2][1]
    for ref in refs:
        assert all(not (isinstance(v, float) and math.isinf(v)) for v in ref.fields.values())


KEYED = """{
  "article-journal": [
    {"title": "First paper", "author": [{"family": "Osei", "given": "Kofi"}]},
    {"title": "Second paper", "author": [{"family": "Lund", "given": "Britt"}]}
  ],
  "book": {
    "title": "A book", "author": [{"family": "Ibarra", "given": "Lucía"}], "publisher": "Acme"
  },
  "chapter": {"type": "paper-conference", "title": "Says its own type"}
}
"""


def test_an_object_keyed_by_item_type_is_read_item_by_item() -> None:
    refs, problems = _read(KEYED)
    assert problems == []
    assert [(r.title, r.item_type) for r in refs] == [
        ("First paper", "article-journal"),
        ("Second paper", "article-journal"),
        ("A book", "book"),
        ("Says its own type", "paper-conference"),
    ]
    assert [r.source.line if r.source else 0 for r in refs] == [3, 4, 6, 9]
    assert refs[2].fields["publisher"] == "Acme"


ZOTERO = [
    {
        "itemType": "bookSection",
        "title": "Rivers in the delta",
        "creators": [
            {"creatorType": "author", "firstName": "Amara", "lastName": "Diallo"},
            {"creatorType": "editor", "firstName": "Jonas", "lastName": "Berg"},
            {"creatorType": "author", "name": "Delta Research Group"},
        ],
        "bookTitle": "Water and land",
        "publisher": "Riverside Press",
        "place": "Dakar",
        "pages": "10-24",
        "date": "2014-05-02",
        "tags": [{"tag": "hydrology"}, {"tag": "deltas"}],
        "dateAdded": "2020-01-01T10:00:00Z",
        "extra": "first printing",
    },
    {"itemType": "note", "note": "<p>just a note</p>"},
    {
        "key": "ABCD1234",
        "version": 3,
        "data": {
            "itemType": "journalArticle",
            "title": "Wrapped by the web API",
            "creators": [{"creatorType": "author", "firstName": "Mei", "lastName": "Chen"}],
            "publicationTitle": "Journal of Things",
            "volume": "7",
            "issue": "2",
            "date": "2001",
        },
    },
]


def test_zotero_item_json_is_converted_not_read_as_empty_csl() -> None:
    refs, problems = _read(json.dumps(ZOTERO, indent=1))
    assert [(r.title, r.item_type) for r in refs] == [
        ("Rivers in the delta", "chapter"),
        ("Wrapped by the web API", "article-journal"),
    ]
    chapter, article = refs
    authors = [(c.family or c.literal) for c in chapter.creators if c.role is CreatorRole.AUTHOR]
    assert authors == ["Diallo", "Delta Research Group"]
    assert [c.family for c in chapter.creators if c.role is CreatorRole.EDITOR] == ["Berg"]
    assert chapter.fields["container_title"] == "Water and land"
    assert chapter.fields["publisher"] == "Riverside Press"
    assert chapter.fields["publisher_place"] == "Dakar"
    assert chapter.fields["date"] == "2014-05-02"
    assert chapter.fields["note"] == "first printing"
    assert "hydrology" in chapter.fields["keywords"] and "deltas" in chapter.fields["keywords"]
    assert "dateAdded" not in json.dumps(chapter.extra)
    assert (article.fields["container_title"], article.fields["volume"], article.fields["issue"]) == (
        "Journal of Things", "7", "2"
    )
    assert [c.family for c in article.creators] == ["Chen"]
    assert any("Zotero note" in m and "skipped" in m for _, m in problems)


def test_cite_reads_zotero_json_and_the_keyed_form(tmp_path: Path) -> None:
    zotero = tmp_path / "zotero.json"
    zotero.write_text(json.dumps(ZOTERO), encoding="utf-8")
    text = cite(None, zotero, style="apa", fmt="text")
    assert "Diallo" in text and "Chen" in text and "2014" in text
    assert "n.d." not in text.lower()
    keyed = tmp_path / "keyed.json"
    keyed.write_text(KEYED.replace('"title": "A book"', '"title": "A book", "issued": {"date-parts": [[1999]]}'), encoding="utf-8")
    text = cite(None, keyed, style="apa", fmt="text")
    assert "Osei" in text and "Lund" in text and "Ibarra" in text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["type", "title", "issued", "date-parts", "author", "custom", "bibliofile", "fields", "extra",
         "creators", "itemType", "family", "literal", "page", "items", "data"]
    ), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(value=_JSON)
def test_any_json_value_reads_without_raising(value: object) -> None:
    """Whatever the JSON, the reader returns references and problems with lines in the file."""
    text = json.dumps(value, indent=1)  # allow_nan: Infinity and NaN are written as such
    result = read_csl_json(text, "any.json")
    last = text.count("\n") + 1
    assert all(1 <= p.line <= last for p in result.problems)
