"""Sync figures (issue 21): an initial sync of N references each way, and an incremental sync of
100 changes, through a real PostgreSQL.

    python bench/bench_sync.py [--n 10000] [--changes 100] [--url postgresql://...]

A private server is started like the tests' (initdb + pg_ctl in a temp folder, fsync off) unless
``--url`` names one (its database must be empty). Targets (issue 21): the initial sync of 100k
references under 60 s, an incremental sync of 100 changes under 1 s. When ``--n`` is below
100,000 the 100k figure is printed as an extrapolation (linear in N), labelled as such.

Printed per step: the whole ``sync`` call, and apart the part of it spent finding this library's
changes (the references marked changed by the library's triggers, snapshotted and compared with
their bases: the local-only cost an incremental sync pays whatever the server does).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg_server, the private server helper


def _refs(n: int, rng: random.Random) -> list[object]:
    from bibliofile.model import Creator, Reference

    words = ["field", "notes", "evidence", "panel", "data", "inference", "climate", "policy", "network", "learning"]
    return [
        Reference(
            fields={"title": " ".join(rng.choices(words, k=6)), "date": str(rng.randint(1950, 2026)),
                    "doi": f"10.{rng.randint(1000, 9999)}/{i}", "container_title": rng.choice(words).title(),
                    "pages": f"{rng.randint(1, 300)}--{rng.randint(301, 600)}"},
            creators=[Creator(family=rng.choice(words).title(), given="A.") for _ in range(rng.randint(1, 4))],
            citation_key=f"key{i}",
        )
        for i in range(n)
    ]


def _timed(label: str, fn: object) -> float:
    t0 = time.perf_counter()
    result = fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - t0
    print(f"  {label}: {elapsed:.2f} s  ({result})")
    return elapsed


def _local_part(lib: object) -> float:
    """The local-only part of an incremental sync: the references marked changed since the last
    sync (migration 0012's triggers), snapshotted and compared with their bases, as
    ``services.sync.pending_changes`` counts them for the window's indicator."""
    from bibliofile.services import sync

    t0 = time.perf_counter()
    n = sync.pending_changes(lib)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    print(f"  local changes found from the marks: {elapsed:.2f} s ({n} changed)")
    return elapsed


def run(url: str, n: int, changes: int) -> None:
    from bibliofile.services import sync
    from bibliofile.storage import curation
    from bibliofile.storage.library import Library

    def summary(r: sync.SyncReport) -> str:
        return f"pushed {r.pushed:,}, pulled {r.pulled:,}, conflicts {len(r.conflicts)}"

    with tempfile.TemporaryDirectory() as tmp:
        a = Library.open(Path(tmp) / "a.sqlite")
        b = Library.open(Path(tmp) / "b.sqlite")
        t0 = time.perf_counter()
        ids = a.add_references(_refs(n, random.Random(1)))  # type: ignore[arg-type]
        with a.write() as uow:
            curation.tag(uow, curation.add_tag(uow, "to-cite"), ids[: n // 10])
            coll = uow.add_collection("Reading group")
            uow.add_to_collection(coll, ids[: n // 20])
        print(f"library of {n:,} references made locally in {time.perf_counter() - t0:.1f} s (not part of any figure)")
        print(f"initial sync, {n:,} references:")
        push = _timed("push (library -> empty server)", lambda: summary(sync.sync(a, url)))
        pull = _timed("pull (empty library <- server)", lambda: summary(sync.sync(b, url)))
        if n < 100_000:
            scale = 100_000 / n
            print(f"  EXTRAPOLATED to 100,000 (x{scale:g}, linear, not measured): push ~{push * scale:.0f} s, "
                  f"pull ~{pull * scale:.0f} s (target < 60 s)")
        print(f"incremental sync, {changes} changes on one replica, library of {n:,}:")
        rng = random.Random(3)
        edited = a.get_many(rng.sample(ids, changes))
        for r in edited:
            r.fields["title"] += " (revised)"
        with a.write() as uow:
            uow.update_many([(r, True) for r in edited])
        _local_part(a)
        _timed(f"push {changes} changes", lambda: summary(sync.sync(a)))
        _timed(f"pull {changes} changes", lambda: summary(sync.sync(b)))
        _timed("sync with nothing to do", lambda: summary(sync.sync(a)))
        a.close()
        b.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--changes", type=int, default=100)
    p.add_argument("--url", help="an empty PostgreSQL database (default: a private server)")
    args = p.parse_args()
    if args.url:
        run(args.url, args.n, args.changes)
        return
    from tests.pg_server import running_server

    with running_server() as pg:
        print(f"private PostgreSQL from {pg.bin_dir} (fsync off)")
        run(pg.create_database("bench"), args.n, args.changes)


if __name__ == "__main__":
    main()
