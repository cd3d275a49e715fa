"""fields_json and extra_json are written by an encoder made once (issue 22): the text must be
the standard library's ``json.dumps(..., ensure_ascii=False)`` for every value a field can hold,
and it must refuse what json refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.storage.rows import REFERENCE_BODY, _dumps, reference_body

FIELDS_JSON = REFERENCE_BODY.index("fields_json")
EXTRA_JSON = REFERENCE_BODY.index("extra_json")

TRICKY = [
    {"title": 'Quotes " and \\ backslashes \\"', "note": "tab\there\nnew line\r\x00\x1f\x7f"},
    {"title": "Ærøskøbing — “curly” ‘quotes’ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0001f600 \ud800 lone surrogate"},
    {"": "", "a": "x" * 10_000},
    {"nested": [1, 2.5, None, True, {"k": ["v"]}], "n": 3},
    {},
]


@pytest.mark.parametrize("value", [*TRICKY, "plain string", ["list", "of", "str"], 7, None])
def test_same_text_as_the_standard_library(value: object) -> None:
    assert _dumps(value) == json.dumps(value, ensure_ascii=False)


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.none(), max_size=12))
@settings(max_examples=300, deadline=None)
def test_same_text_for_generated_fields(fields: dict[str, object]) -> None:
    assert _dumps(fields) == json.dumps(fields, ensure_ascii=False)


def test_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, ensure_ascii=False)
    with pytest.raises(TypeError):
        _dumps({"x": object()})


def test_reference_rows_hold_the_standard_json_of_fields_and_extra() -> None:
    ref = Reference(
        item_type="article-journal",
        fields={"title": 'A "quoted" Tïtle\\', "container_title": "Jöurnal"},
        creators=[Creator(CreatorRole.AUTHOR, "Müller", "Anna")],
        citation_key="k",
        extra={"x-custom": "{Zen}\n"},
    )
    body = reference_body(ref)
    assert body[FIELDS_JSON] == json.dumps(ref.fields, ensure_ascii=False)
    assert body[EXTRA_JSON] == json.dumps(ref.extra, ensure_ascii=False)
    assert json.loads(body[FIELDS_JSON]) == ref.fields
