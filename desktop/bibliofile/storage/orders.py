"""Display orders of the whole library kept in memory, so typing a search does not re-sort.

A keystroke's search at 100k references was mostly ORDER BY: a broad prefix ("p", "pol") hits
half the library, and SQLite sorted those 50,000 rows on every key (100-200 ms). The order of
the whole library by a sort key does not change while nobody writes, so it is read once (one
walk of a sort index, ~60 ms) and a search then only finds *which* ids match (no ORDER BY) and
keeps those, in order, from the cached list (a few ms).

Staleness is ruled out by SQLite itself: ``PRAGMA data_version`` on a connection that never
writes changes whenever any other connection (this process's writers, the CLI, another program)
commits. Every use of the cache checks it first, so a cached order is never served after a write.
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from bibliofile.storage.sqlite_dialect import DataVersionProbe

FINISH_SLICE = 8192  # ids per GIL hand-over when a staged search finishes (~1-2 ms each)
# Hits of a search: a set, or an ascending list straight from the full-text index (a set of a
# broad prefix's 94k hits took 10 ms that a staged search does not need).
Hits = set[int] | frozenset[int] | list[int]
KEEP = 8  # orders kept: a few sort keys x scopes; each is 8 bytes per reference (+4 ranked)
# A head found by looking up the order's first ids in the full-text index (staged_by_lookup):
# a lookup costs ~15 us at 100k, reading a hit out ~0.13 us and counting one ~0.03 us, so the
# head / density lookups pay when hits^2 >= LOOKUP_COST x head x scope size (a margin of ~3:
# at 100k and 200 rows, from 77k hits on). Only in a scope missing at most LOOKUP_OUTSIDE ids
# of the library (each is looked up for the count); given up past LOOKUP_BUDGET x the lookups
# the count predicts.
LOOKUP_COST = 300
LOOKUP_OUTSIDE = 512
LOOKUP_BUDGET = 3
LOOKUP_MIN_STEP = 32


@dataclass(frozen=True, slots=True)
class StagedSearch:
    """A search answered in two steps: its first rows and count now, all its ids on ``finish()``.

    For a broad query (tens of thousands of hits) putting every hit in display order is a walk
    of the whole order (~10-16 ms at 100k); a window only needs the first screenful and the
    count to repaint, so it shows ``head`` at once and calls ``finish`` off the GUI thread.
    ``finish`` is None when ``head`` already holds every id.
    """

    head: list[int]
    count: int
    finish: Callable[[Callable[[], bool] | None], list[int]] | None = None

    def ids(self) -> list[int]:
        return self.head if self.finish is None else self.finish(None)


class CachedOrder:
    """One scope's ids in display order, and (made on first need) which ids it holds and each
    id's place in it, stored compactly: a byte per id for membership and 4 bytes per id for
    places, not Python sets and ints (a 60k collection's two sets were ~6 MB per cached order;
    issue 22: under 150 MB with 100k open)."""

    __slots__ = ("_flags", "_lock", "_outside", "_rank", "ids", "top")

    def __init__(self, ids: list[int], top: int | None = None) -> None:
        self.ids = array("q", ids)
        # The largest id in the library (any scope) when the order was read: hits come from
        # the whole library, so ``outside`` must reach it.
        self.top = max(top if top is not None else 0, max(ids) if ids else 0)
        self._rank: array[int] | None = None
        self._flags: bytearray | None = None
        self._outside: frozenset[int] | None = None
        self._lock = threading.Lock()

    def flags(self) -> bytearray:
        """1 at each id this scope holds, 0 elsewhere, indexed by id up to ``top``: counting
        hits in the scope without a set of its ids (``sum(map(flags.__getitem__, hits))``)."""
        with self._lock:
            if self._flags is None:
                flags = bytearray(self.top + 1)
                for rid in self.ids:
                    flags[rid] = 1
                self._flags = flags
            return self._flags

    def staged(self, hits: Hits | None, excluded: set[int], head: int) -> StagedSearch:
        """``keep`` in two steps (see StagedSearch); small results come complete."""
        if hits is None or len(hits) * 8 < len(self.ids):
            ids = self.keep(hits, excluded)
            return StagedSearch(ids, len(ids))
        if isinstance(hits, list) and not excluded:
            wanted: Hits = hits
            contains = _sorted_contains(hits)  # no set of 94k hits for a screenful of members
        else:
            wanted = _as_set(hits) - excluded if excluded else hits
            contains = wanted.__contains__
        count = self._count(wanted, contains)
        # Walking the order keeps only this scope's ids.
        first = list(islice(filter(contains, self.ids), head))
        if len(first) >= count:
            return StagedSearch(first, len(first))
        order = self.ids

        def finish(cancelled: Callable[[], bool] | None = None) -> list[int]:
            return _walk(order, _as_set(wanted), cancelled)

        return StagedSearch(first, count, finish)

    def staged_by_lookup(
        self,
        hits_count: int,
        among: Callable[[Sequence[int]], set[int]],
        read_hits: Callable[[], tuple[Hits | None, set[int]]],
        head: int,
    ) -> StagedSearch | None:
        """``staged`` for a broad query without reading its hits first: the first ``head`` ids
        come from asking the index which of the order's first ids match (``among``), the count
        from the number of hits in the library (``hits_count``) less those outside this scope,
        and ``finish`` reads every hit (``read_hits``) once the window has painted the head.

        A first key ("a", "p") hits most of the library, and reading its 80-95k ids took 11-13
        ms of the keystroke's critical path at 100k; a count and ~250 lookups take ~6 ms. None
        when the query is not broad enough (the lookups would cost more than the read, see
        LOOKUP_COST) or the scope is not nearly the whole library: the caller reads the hits."""
        outside = self.outside()
        size = len(self.ids)
        if outside is None or len(outside) > LOOKUP_OUTSIDE or hits_count * hits_count < LOOKUP_COST * head * size:
            return None
        count = hits_count - len(among(sorted(outside))) if outside else hits_count
        if count <= 0:
            return StagedSearch([], 0)
        first: list[int] = []
        start = 0
        budget = LOOKUP_BUDGET * (head * size // count + LOOKUP_MIN_STEP)
        while len(first) < head and start < size:
            wanted = head - len(first)
            step = min(size - start, max(LOOKUP_MIN_STEP, wanted * size // count + wanted // 10))
            if start + step > budget:
                return None  # the order's first ids match more sparsely than the count says
            chunk = self.ids[start : start + step]
            found = among(chunk)
            first.extend(islice(filter(found.__contains__, chunk), wanted))
            start += step
        if len(first) >= count or start >= size:
            return StagedSearch(first, len(first))
        order = self.ids

        def finish(cancelled: Callable[[], bool] | None = None) -> list[int]:
            if cancelled is not None and cancelled():
                return []
            hits, excluded = read_hits()
            keep = _as_set(hits) if hits is not None else frozenset(order)
            return _walk(order, keep - excluded if excluded else keep, cancelled)

        return StagedSearch(first, count, finish)

    def _count(self, wanted: Hits, contains: Callable[[int], bool]) -> int:
        """How many of the hits are in this scope, at the cost of the smaller side: the few ids
        *not* in a scope holding nearly all of them (the library minus the trash), else one
        byte look-up per hit."""
        outside = self.outside()
        if outside is not None:
            if len(outside) * 16 < len(wanted):
                return len(wanted) - sum(1 for rid in outside if contains(rid))
            return len(wanted) - len(outside.intersection(wanted))
        flags = self.flags()
        try:
            return sum(map(flags.__getitem__, wanted))
        except IndexError:  # a hit newer than the order (cannot be in it)
            size = len(flags)
            return sum(1 for rid in wanted if rid < size and flags[rid])

    def outside(self) -> frozenset[int] | None:
        """For a scope holding nearly every id up to its largest (all but a sixteenth at most):
        those it does not hold (the trash and deleted ids, for the library); None otherwise."""
        with self._lock:
            if self._outside is None and self.ids and (self.top - len(self.ids)) * 16 <= self.top:
                self._outside = frozenset(range(1, self.top + 1)).difference(self.ids)
            return self._outside

    def rank(self) -> array[int]:
        """Position of each id (-1 when absent), indexed by id: 4 bytes per id up to the largest."""
        with self._lock:
            if self._rank is None:
                rank = array("i", [-1]) * (self.top + 1 if self.ids else 0)
                for pos, rid in enumerate(self.ids):
                    rank[rid] = pos
                self._rank = rank
            return self._rank

    def keep(self, hits: Hits | None, excluded: set[int] | None = None) -> list[int]:
        """The ids in order that are in ``hits`` (all when None) and not in ``excluded``. Hits
        outside this scope (the trash, other collections) simply drop out."""
        if hits is None:
            return [i for i in self.ids if i not in excluded] if excluded else self.ids.tolist()
        if excluded:
            hits = _as_set(hits) - excluded
        if len(hits) * 5 < len(self.ids) * 2:
            # Up to 40 % of the order: sort the hits by their place (k log k) rather than walk
            # the whole order. Measured at 100k: 10k hits 5 vs 16 ms, 25k 14 vs 26 ms, 40k 23 vs
            # 30 ms; from about half of the order on, the walk wins.
            rank = self.rank()
            size = len(rank)
            return sorted((i for i in hits if i < size and rank[i] >= 0), key=rank.__getitem__)
        return list(filter(_as_set(hits).__contains__, self.ids))  # no bytecode loop: ~10 ms for 100k


def _walk(order: array[int], keep: set[int] | frozenset[int], cancelled: Callable[[], bool] | None) -> list[int]:
    """The ids of ``order`` in ``keep``, in order. In slices, letting go of the GIL after each
    (one C-level filter over 100k ids holds it for 25-40 ms) and stopping early when the caller
    no longer wants the answer (the next keystroke): the partial list returned then is thrown
    away."""
    out: list[int] = []
    for start in range(0, len(order), FINISH_SLICE):
        out.extend(filter(keep.__contains__, order[start : start + FINISH_SLICE]))
        if cancelled is not None and cancelled():
            break
        time.sleep(0)
    return out


def _as_set(hits: Hits) -> set[int] | frozenset[int]:
    return set(hits) if isinstance(hits, list) else hits


def _sorted_contains(hits: list[int]) -> Callable[[int], bool]:
    """Membership in ascending ids by binary search."""

    def contains(rid: int) -> bool:
        i = bisect_left(hits, rid)
        return i < len(hits) and hits[i] == rid

    return contains


class OrderCache:
    """Ordered id lists per (sort, direction, scope), dropped as soon as the file changes."""

    def __init__(self, path: Path) -> None:
        self._probe = DataVersionProbe(path)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._orders: OrderedDict[Hashable, CachedOrder] = OrderedDict()

    def _current(self) -> int:
        """The file's data version; clears the orders when it moved. Caller holds the lock."""
        version = self._probe.version()
        if version != self._version:
            self._orders.clear()
            self._version = version
        return version

    def get(self, key: Hashable) -> CachedOrder | None:
        with self._lock:
            self._current()
            order = self._orders.get(key)
            if order is not None:
                self._orders.move_to_end(key)
            return order

    def version(self) -> int:
        with self._lock:
            return self._current()

    def put(self, key: Hashable, ids: list[int], version: int) -> None:
        """Keep ``ids`` if they were read at ``version`` and nothing was committed since."""
        with self._lock:
            if self._current() != version:
                return
            self._orders[key] = CachedOrder(ids, self._probe.largest_id())
            self._orders.move_to_end(key)
            while len(self._orders) > KEEP:
                self._orders.popitem(last=False)

    def get_or_read(self, key: Hashable, read: Callable[[], list[int]]) -> list[int]:
        """The cached order, or ``read()`` it now (and keep it when still current)."""
        order = self.get(key)
        if order is not None:
            return order.ids.tolist()
        version = self.version()
        ids = read()
        self.put(key, ids, version)
        return ids

    def close(self) -> None:
        with self._lock:
            self._orders.clear()
            self._probe.close()
