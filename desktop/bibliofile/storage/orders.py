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

import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

KEEP = 8  # orders kept: a few sort keys x scopes; each is 8 bytes per reference (+4 ranked)


class CachedOrder:
    """One scope's ids in display order, and (made on first need) each id's place in it."""

    __slots__ = ("_lock", "_rank", "ids")

    def __init__(self, ids: list[int]) -> None:
        self.ids = array("q", ids)
        self._rank: array[int] | None = None
        self._lock = threading.Lock()

    def rank(self) -> array[int]:
        """Position of each id (-1 when absent), indexed by id: 4 bytes per id up to the largest."""
        with self._lock:
            if self._rank is None:
                rank = array("l", [-1]) * ((max(self.ids) + 1) if self.ids else 0)
                for pos, rid in enumerate(self.ids):
                    rank[rid] = pos
                self._rank = rank
            return self._rank

    def keep(self, hits: set[int] | None, excluded: set[int] | None = None) -> list[int]:
        """The ids in order that are in ``hits`` (all when None) and not in ``excluded``. Hits
        outside this scope (the trash, other collections) simply drop out."""
        if hits is None:
            return [i for i in self.ids if i not in excluded] if excluded else self.ids.tolist()
        if excluded:
            hits = hits - excluded
        if len(hits) * 8 < len(self.ids):
            # A few hits: sort them by their place (k log k) rather than walk the whole order
            # (~8 ms at 100k however few the hits).
            rank = self.rank()
            size = len(rank)
            return sorted((i for i in hits if i < size and rank[i] >= 0), key=rank.__getitem__)
        return list(filter(hits.__contains__, self.ids))  # no bytecode loop: ~10 ms for 100k


class OrderCache:
    """Ordered id lists per (sort, direction, scope), dropped as soon as the file changes."""

    def __init__(self, path: Path) -> None:
        self._probe = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._version: int | None = None
        self._orders: OrderedDict[Hashable, CachedOrder] = OrderedDict()

    def _current(self) -> int:
        """The file's data version; clears the orders when it moved. Caller holds the lock."""
        version = int(self._probe.execute("PRAGMA data_version").fetchone()[0])
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
            self._orders[key] = CachedOrder(ids)
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
