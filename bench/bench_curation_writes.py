"""Curation writes on many selected references, each the best of a few runs: reading state and
its undo, tag/untag, new citation keys, renumbering a reading list, and the duplicate scan's read.

    python bench/bench_curation_writes.py [--n 20000] [--select 10000] [--runs 5]

These are the bulk statements issue 16 moved from hand-written SQLite SQL to SQLAlchemy Core
(storage/batches.py): they must stay one executemany each. Works on a copy of
bench/data/lib-N.sqlite when it exists (made by bench_search.py), else on a fresh import of
the generated file (bench/generate_bib.py). Prints milliseconds; no targets of its own (the
10,000-reference tag + status target is bench_curation.py's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generate_bib import DATA_DIR, ensure_bib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

from bibliofile.services.importing import import_files
from bibliofile.storage import curation
from bibliofile.storage.library import Library


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--select", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    best: dict[str, float] = {}

    def timed(name: str, work: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        work()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lib.sqlite"
        ready = DATA_DIR / f"lib-{args.n}.sqlite"
        if ready.exists():
            shutil.copy(ready, path)
            lib = Library.open(path)
        else:
            lib = Library.open(path)
            import_files(lib, [ensure_bib(args.n, args.seed)])
        ids = lib.search("", sort="title")[: args.select]
        print(f"load {os.getloadavg()[0]:.2f}; {lib.count()} references, {len(ids)} selected, best of {args.runs}")
        with lib.write() as uow:
            cid = uow.add_collection("bench list")
            uow.add_to_collection(cid, ids)
        for _ in range(args.runs):
            one_run(lib, ids, cid, timed)
        lib.close()
    for name, secs in best.items():
        print(f"{name:34} {secs * 1000:7.0f} ms")
    return 0


def one_run(lib: Library, ids: list[int], cid: int, timed: Callable[[str, Callable[[], object]], None]) -> None:
    """Each write once, in one transaction, leaving the library as it found it but for keys."""
    with lib.write() as uow:
        tag = curation.add_tag(uow, "bench")
        before: list[list[curation.ReadingRow]] = []
        timed("set_reading", lambda: before.append(curation.set_reading(uow, ids, status="toread")))
        timed("put_reading (its undo)", lambda: curation.put_reading(uow, before[-1]))
        timed("tag", lambda: curation.tag(uow, tag, ids))
        timed("untag", lambda: curation.untag(uow, tag, ids))
        keys = {rid: f"bench{rid}" for rid in ids}
        timed("set_citation_keys", lambda: curation.set_citation_keys(uow, keys))
        timed("set_collection_order (reversed)", lambda: curation.set_collection_order(uow, cid, ids[::-1]))
    timed("scan_rows (whole library)", lambda: curation.scan_rows(lib))


if __name__ == "__main__":
    raise SystemExit(main())
