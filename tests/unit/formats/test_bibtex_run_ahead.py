"""Parse workers run ahead to the end of the text once the consumer says it will be busy
(``iter_bibtex_batches(..., all_ahead_from=)``, issue 22): an import builds its indexes then,
and the workers parse the rest meanwhile instead of waiting with a core idle."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import iter_bibtex_batches, read_bibtex


def generated(n: int) -> str:
    return "".join(
        f"@article{{k{i},\n  author = {{Writer, A{i % 7}}},\n  title = {{Title number {i}}},\n"
        f"  year = {{{1990 + i % 30}}},\n  journal = {{Journal {i % 5}}},\n}}\n\n"
        for i in range(n)
    )


def _read(pool: Any, text: str, all_ahead_from: float, submitted: list[int]) -> tuple[list[object], list[tuple[float, int]]]:
    """The items read and, per batch, (its read_to, jobs submitted when the consumer got it)."""
    items: list[object] = []
    seen: list[tuple[float, int]] = []
    for batch in iter_bibtex_batches(
        text, "g.bib", workers=1, batch_entries=40, convert=list, pool=pool, all_ahead_from=all_ahead_from
    ):
        seen.append((batch.read_to, submitted[0]))
        part = bibtex_reader.ReadResult(items=batch.payload)
        if batch.lead:
            bibtex_reader._prepend(part, batch.lead)
        items.extend(part.items)
    return items, seen


def _counting(pool: Any) -> list[int]:
    submitted = [0]
    submit = pool.submit

    def counted(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        if fn is bibtex_reader._parse_batch:
            submitted[0] += 1
        return submit(fn, *args, **kwargs)

    pool.submit = counted
    return submitted


def test_all_jobs_go_out_when_the_share_is_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    single = read_bibtex(text, "g.bib")
    jobs = sum(1 for _ in bibtex_reader._segments(text, 40))
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        submitted = _counting(pool)
        items, seen = _read(pool, text, 0.5, submitted)
    assert items == single.items
    assert len(seen) == jobs > 8
    at = next(i for i, (share, _) in enumerate(seen) if share >= 0.5)
    assert seen[at][1] == jobs  # every job was out before the consumer got this batch
    for i, (_, out) in enumerate(seen[:at]):
        assert out <= i + 1 + 2  # before it, at most workers + 1 ahead of the batch given


def test_without_it_the_workers_stay_a_few_jobs_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        submitted = _counting(pool)
        items, seen = _read(pool, text, 1.0, submitted)
    assert items == read_bibtex(text, "g.bib").items
    assert all(out <= i + 1 + 2 for i, (_, out) in enumerate(seen))


def test_a_broken_pool_still_gives_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result()
        items, _ = _read(pool, text, 0.3, [0])
    assert items == read_bibtex(text, "g.bib").items
