"""Large RIS and CSL-JSON files read in worker batches give what the one-piece reader gives."""

from __future__ import annotations

import json

import pytest

from bibliofile.formats import batches
from bibliofile.formats.batches import iter_format_batches, split_csl_json, split_ris
from bibliofile.formats.csl_json import read_csl_json
from bibliofile.formats.ris import read_ris
from bibliofile.model.reference import Reference


def summary(items: list[object]) -> list[tuple[str, int, str]]:
    return [(r.title, r.source.line, r.source.text) for r in items if isinstance(r, Reference) and r.source]


def ris_text(n: int) -> str:
    parts = []
    for i in range(n):
        odd = "NOTATAG continues\n" if i == 7 else ""
        parts.append(f"TY  - JOUR\nTI  - Title {i}\n{odd}AU  - Family{i}, Given\nPY  - {1900 + i % 100}\nER  - \n")
    return "\n".join(parts) + "junk at the end\n"


def csl_text(n: int) -> str:
    items = [{"id": f"i{i}", "type": "book" if i % 3 else "thing", "title": f"Title {i}",
              "author": [{"family": f"F{i}", "given": "G"}]} for i in range(n)]
    return json.dumps(items, indent=2)


@pytest.mark.parametrize("workers", [0, 2])
def test_ris_batches_match_the_plain_reader(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(batches, "SMALL_TEXT", 0)
    text = ris_text(500)
    whole = read_ris(text, "f.ris")
    got = list(iter_format_batches(text, "f.ris", "ris", summary, workers=workers, batch=60))
    if workers:
        assert len(got) > 5
    assert [x for payload, _, _ in got for x in payload] == summary(whole.items)
    assert [p for _, problems, _ in got for p in problems] == whole.problems
    assert sum(n for _, _, n in got) == 500
    assert whole.problems[0].line == len(text.splitlines())


@pytest.mark.parametrize("workers", [0, 2])
def test_csl_json_batches_match_the_plain_reader(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(batches, "SMALL_TEXT", 0)
    text = csl_text(300)
    whole = read_csl_json(text, "f.json")
    got = list(iter_format_batches(text, "f.json", "csl-json", summary, workers=workers, batch=40))
    if workers:
        assert len(got) == 8
    assert [x for payload, _, _ in got for x in payload] == summary(whole.items)
    assert [p for _, problems, _ in got for p in problems] == whole.problems
    assert len(whole.problems) == 100  # "thing" is no CSL type: each reported at its own line


def test_splitters() -> None:
    text = ris_text(10)
    spans = split_ris(text, 3)
    assert "".join(text[a:b] for a, b in spans) == text
    assert all(text[a:].startswith("TY") for a, _ in spans)
    assert split_csl_json('{"type": "book"}', 2) is None
    assert split_csl_json('[{"type": "book"}, {"type": ', 2) is None
    assert split_csl_json('[{"a": 1}, {"b": 2}, {"c": 3}]', 2) == [(1, 19), (21, 29)]
