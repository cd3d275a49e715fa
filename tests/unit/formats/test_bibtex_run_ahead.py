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


def _counting(pool: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """[jobs sent to the pool or parsed in this process (while no worker had answered)]."""
    out = [0]
    submit = pool.submit

    def counted(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        if fn is bibtex_reader._parse_batch:
            out[0] += 1
        return submit(fn, *args, **kwargs)

    class Counted(bibtex_reader._ParsedHere):
        def __init__(self) -> None:
            super().__init__()
            out[0] += 1

    pool.submit = counted
    monkeypatch.setattr(bibtex_reader, "_ParsedHere", Counted)
    return out


def test_all_jobs_go_out_when_the_share_is_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    single = read_bibtex(text, "g.bib")
    jobs = sum(1 for _ in bibtex_reader._segments(text, 40))
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        submitted = _counting(pool, monkeypatch)
        items, seen = _read(pool, text, 0.5, submitted)
    assert items == single.items
    assert len(seen) == jobs > 8
    at = next(i for i, (share, _) in enumerate(seen) if share >= 0.5)
    assert seen[at][1] == jobs  # every job was out before the consumer got this batch
    for i, (_, out) in enumerate(seen[:at]):
        assert out <= i + 1 + 2 * 2  # before it, at most 2 * (workers + 1) ahead of the batch given


def test_without_it_the_workers_stay_a_few_jobs_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        submitted = _counting(pool, monkeypatch)
        items, seen = _read(pool, text, 1.0, submitted)
    assert items == read_bibtex(text, "g.bib").items
    assert all(out <= i + 1 + 2 * 2 for i, (_, out) in enumerate(seen))


def test_a_broken_pool_still_gives_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generated(600)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result()
        items, _ = _read(pool, text, 0.3, [0])
    assert items == read_bibtex(text, "g.bib").items


def test_this_process_parses_while_no_worker_has_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker is busy (as while it starts): the importing process parses a few of the next
    jobs itself, the batches come in file order and equal one read."""
    import time

    made: list[int] = []

    class Counted(bibtex_reader._ParsedHere):
        def __init__(self) -> None:
            super().__init__()
            made.append(1)

    monkeypatch.setattr(bibtex_reader, "_ParsedHere", Counted)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    text = generated(600)
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        pool.submit(time.sleep, 1.5)  # the worker's first 1.5 s
        items, seen = _read(pool, text, 1.0, [0])
    assert items == read_bibtex(text, "g.bib").items
    assert [share for share, _ in seen] == sorted(share for share, _ in seen)
    assert 1 <= len(made) <= 2  # at most as many as the window: 2 * (workers + 1) pending
