"""CSL-JSON files: all types and variables, date-parts / raw / literal dates, line numbers."""

from __future__ import annotations

import json

from bibliofile.formats.csl_json import read_csl_json, write_csl_json
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.csl import CSL_TYPES
from bibliofile.model.reference import Reference

ITEMS = """[
  {
    "id": "http://zotero.org/users/1/items/ABC",
    "type": "article-journal",
    "title": "Public services reform",
    "container-title": "International Review of Administrative Sciences",
    "author": [{"family": "Knox", "given": "Colin"},
               {"family": "Berg", "given": "Hans", "non-dropping-particle": "van der"},
               {"literal": "World Health Organization"}],
    "issued": {"date-parts": [[2008, 9]]},
    "accessed": {"raw": "2020-01-02"},
    "volume": "74", "issue": 3, "page": "477-496", "DOI": "10.1177/0020852308095313",
    "keyword": "governance, reform",
    "season": "Autumn"
  },
  {"id": "b", "citation-key": "smith2001", "type": "book", "title": "A book",
   "issued": {"literal": "in press"}, "editor": [{"family": "Smith", "given": "Ann"}]},
  {"id": "c", "type": "bill", "title": "An act", "issued": {"date-parts": [[1999], [2001]]}},
  {"id": "d", "type": "thing-we-do-not-know", "title": "Odd"}
]
"""


def test_reads_variables_names_and_dates() -> None:
    result = read_csl_json(ITEMS, "lib.json")
    a, b, c, d = result.items
    assert isinstance(a, Reference) and isinstance(b, Reference) and isinstance(c, Reference)
    assert a.item_type == "article-journal"
    assert a.fields == {
        "title": "Public services reform",
        "container_title": "International Review of Administrative Sciences",
        "date": "2008-09",
        "accessed": "2020-01-02",
        "volume": "74",
        "issue": "3",
        "pages": "477-496",
        "doi": "10.1177/0020852308095313",
        "keywords": "governance; reform",
    }
    assert a.creators == [
        Creator(family="Knox", given="Colin"),
        Creator(family="Berg", given="Hans", particle="van der"),
        Creator.institution("World Health Organization"),
    ]
    assert a.extra == {"csl:season": "Autumn"}
    assert b.citation_key == "smith2001" and b.fields["date"] == "in press"
    assert b.creators == [Creator(role=CreatorRole.EDITOR, family="Smith", given="Ann")]
    assert c.item_type == "legislation" and c.fields["date"] == "1999/2001"
    assert isinstance(d, Reference) and d.item_type == "document"
    assert [str(p) for p in result.problems] == ["lib.json:19: unknown CSL type 'thing-we-do-not-know', read as a document"]
    assert [r.source.line for r in result.items if isinstance(r, Reference) and r.source] == [2, 16, 18, 19]


def test_unknown_variables_are_written_back() -> None:
    (a, *_rest) = read_csl_json(ITEMS).items
    assert isinstance(a, Reference)
    item = json.loads(write_csl_json([a]))[0]
    assert item["season"] == "Autumn"
    assert "custom" not in item or "season" not in json.dumps(item["custom"])


def test_every_csl_type_reads_as_a_known_type() -> None:
    items = [{"id": t, "type": t, "title": t} for t in sorted(CSL_TYPES)]
    result = read_csl_json(json.dumps(items))
    assert result.problems == []
    assert len(result.items) == len(CSL_TYPES)
    # Types we have no type for keep their CSL name, so writing them gives it back.
    back = [i["type"] for i in json.loads(write_csl_json([r for r in result.items if isinstance(r, Reference)]))]
    assert back == sorted(CSL_TYPES)


def test_broken_json_says_where_and_keeps_the_items_before() -> None:
    text = '[\n {"type": "book", "title": "Good"},\n {"type": "book", "title": }\n]'
    result = read_csl_json(text, "bad.json")
    assert [r.title for r in result.items if isinstance(r, Reference)] == ["Good"]
    assert len(result.problems) == 1
    assert result.problems[0].line == 3 and "not valid JSON" in result.problems[0].message


def test_single_object_and_items_wrapper() -> None:
    one = read_csl_json('{"type": "book", "title": "Solo"}')
    wrapped = read_csl_json('{"items": [{"type": "book", "title": "In"}]}')
    assert [r.title for r in one.items if isinstance(r, Reference)] == ["Solo"]
    assert [r.title for r in wrapped.items if isinstance(r, Reference)] == ["In"]


def test_writer_keeps_what_csl_lacks_in_custom_only() -> None:
    ref = Reference(
        item_type="manual",
        fields={"title": "T", "subtitle": "S", "peer_reviewed": "Yes", "volume": "2"},
        creators=[Creator(family="A"), Creator.et_al()],
        extra={"owner": "me"},
    )
    item = json.loads(write_csl_json([ref]))[0]
    assert item["type"] == "book" and item["title"] == "T: S" and item["volume"] == "2"
    custom = item["custom"]["bibliofile"]
    assert custom["type"] == "manual"
    assert custom["fields"] == {"peer_reviewed": "Yes", "subtitle": "S", "title": "T"}
    assert custom["extra"] == {"owner": "me"}
    assert custom["creators"] == [{"role": "author", "family": "A"}, {"role": "author", "others": True}]
    assert "volume" not in custom["fields"]
