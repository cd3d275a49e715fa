"""Search speed of OR, NOT and grouped queries beside plain word queries (issue 17, item 9).

    python bench/bench_search_boolean.py [--n 20000] [--seed 1] [--queries 30]

The same word pairs as bench_search.py ("polit inert"), searched as written, as "a OR b",
as "title:(a OR b) -c", and mixed with a field ("a OR year:2000..2010", which is SQL rather
than one FTS5 MATCH). Prints medians; the target is bench_search.py's (median < 10 ms).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench_export import ensure_library
from bench_search import prefix_queries


def _ms(lib: Any, query: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    ids = lib.search(query, sort="title")
    return (time.perf_counter() - t0) * 1000, len(ids)


def _parse_us(query: str, rounds: int = 2000) -> float:
    from bibliofile.model.query import parse_query

    t0 = time.perf_counter()
    for _ in range(rounds):
        parse_query(query)
    return (time.perf_counter() - t0) / rounds * 1e6


def main() -> None:
    from bibliofile.storage.library import Library

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=30)
    args = ap.parse_args()
    lib = Library.open(ensure_library(args.n, args.seed))
    try:
        pairs = [q.split() for q in prefix_queries(lib, args.queries, args.seed)]
        _ms(lib, "warm up")
        shapes: dict[str, Callable[[str, str], str]] = {
            "a b": lambda a, b: f"{a} {b}",
            "a OR b": lambda a, b: f"{a} OR {b}",
            "(a b) OR (b a)": lambda a, b: f"({a} {b}) OR ({b[:3]} -{a})",
            "title:(a OR b) -x": lambda a, b: f"title:({a} OR {b}) -zzzq",
            "a OR year:2000..2010": lambda a, b: f"{a} OR year:2000..2010",
            "-(a OR b)": lambda a, b: f"-({a} OR {b})",
        }
        print(f"search over {args.n:,} references, {len(pairs)} word pairs per shape (median, max, median hits)")
        for name, make in shapes.items():
            runs = [_ms(lib, make(a, b)) for a, b in pairs]
            ms = [t for t, _ in runs]
            hits = statistics.median(h for _, h in runs)
            print(f"  {name:24} {statistics.median(ms):6.1f} ms  max {max(ms):6.1f} ms  {hits:8,.0f} hits")
        for q in ("polit inert", "(gowda OR lignos) title:(graph OR network) -year:2001"):
            print(f"  parse_query({q!r}): {_parse_us(q):.1f} us")
    finally:
        lib.close()


if __name__ == "__main__":
    main()
