"""A cached display order keeps which ids its scope holds compactly (issue 22: memory under 150 MB
with 100k open): a byte per id, not Python sets of up to 100k ints, with the same counts."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from bibliofile.storage.orders import CachedOrder

N = 100_000


def _scope(size: int, seed: int) -> list[int]:
    rnd = random.Random(seed)
    ids = list(range(1, N + 1))
    rnd.shuffle(ids)
    return ids[:size]


@pytest.mark.parametrize("size", [60_000, 30_000, N - 500, 800])
def test_counts_and_first_rows_match_the_sets(size: int) -> None:
    scope = _scope(size, size)
    rnd = random.Random(7)
    order = CachedOrder(list(scope), N)
    for hits in (set(rnd.sample(range(1, N + 1), 50_000)), sorted(rnd.sample(range(1, N + 1), 20_000)), set(range(1, N + 1))):
        staged = order.staged(hits, set(), 50)
        wanted = set(hits)
        expected = [i for i in scope if i in wanted]
        assert staged.count == len(expected)
        assert staged.head == expected[:50]
        assert staged.ids() == expected


def test_a_hit_newer_than_the_order_is_not_counted() -> None:
    order = CachedOrder(_scope(30_000, 1), N)
    hits = set(range(1, N + 1)) | {N + 5}  # written after the order was read
    assert order.staged(hits, set(), 10).count == 30_000


def test_an_order_keeps_under_a_megabyte_beside_its_ids() -> None:
    """A 60k collection searched broadly and narrowly: what the order keeps for membership and
    places. Two sets of ints (members, ids outside) kept ~6 MB per cached order, and eight are
    cached."""
    scope = _scope(60_000, 3)
    rnd = random.Random(5)
    broad, narrow = set(rnd.sample(range(1, N + 1), 50_000)), set(rnd.sample(range(1, N + 1), 5_000))
    order = CachedOrder(list(scope), N)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        order.staged(broad, set(), 50)
        order.keep(narrow)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, f"{kept / 1e6:.1f} MB kept by one order"
