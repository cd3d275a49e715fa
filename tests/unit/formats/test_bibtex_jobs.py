"""The jobs a large BibTeX text is cut into (issue 22): each carries the @string macros defined
before it, and the first goes out before the rest of the text is searched for definitions (the
parse workers wait for it, with a core idle, at the start of an import)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import _jobs, _parse_batch, read_bibtex
from bibliofile.model.reference import Reference


def _text(n: int, macros_every: int) -> str:
    """Entries that use macros defined all along the text, some redefined later."""
    parts: list[str] = []
    for i in range(n):
        if i % macros_every == 0:
            parts.append(f'@string{{m{i // macros_every} = "Journal {i}"}}\n@string{{same = "Same {i}"}}\n\n')
        parts.append(
            f"@article{{k{i},\n  author = {{Writer, A{i % 7}}},\n  title = {{Title {i}}},\n"
            f"  journal = m{i // macros_every} # same,\n  year = {1990 + i % 30},\n}}\n\n"
        )
    return "".join(parts)


def _journals(items: list[Any]) -> list[str]:
    return [x.fields.get("container_title", "") for x in items if isinstance(x, Reference)]


@pytest.mark.parametrize("macros_every", [7, 1])  # 1: more macros than every job carries
def test_each_job_has_the_macros_defined_before_it(macros_every: int) -> None:
    text = _text(600, macros_every)
    items: list[Any] = []
    jobs = list(_jobs(text, "m.bib", 40, None))
    assert len(jobs) > 5
    for job in jobs:
        done = _parse_batch(job)
        assert isinstance(done, bibtex_reader.ReadResult)
        items.extend(done.items)
    expected = read_bibtex(text, "m.bib").items
    assert _journals(items) == _journals(expected)
    assert _journals(items)[-1] == f"Journal {599 - 599 % macros_every}Same {599 - 599 % macros_every}"


class _Watched:
    """``_STRING_START_RE`` that notes the furthest match it has given."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.furthest = -1

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for m in self.pattern.finditer(text):
            self.furthest = max(self.furthest, m.start())
            yield m


def test_first_job_goes_out_before_the_whole_text_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _text(600, 7)
    watched = _Watched(bibtex_reader._STRING_START_RE)
    monkeypatch.setattr(bibtex_reader, "_STRING_START_RE", watched)
    jobs = _jobs(text, "m.bib", 40, None)
    first = next(jobs)
    assert watched.furthest < 2 * len(first[0])  # at most the definitions just past it
    rest = list(jobs)
    assert watched.furthest > len(text) // 2  # and the others as the later jobs are made
    assert "".join(j[0] for j in [first, *rest]) == text
