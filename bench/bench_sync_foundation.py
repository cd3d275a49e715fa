"""Sync foundation figures (issue 21): the local upgrade, the merge, and a server's reads/writes.

    python bench/bench_sync_foundation.py [--n 100000] [--server-n 2000] [--url postgresql://...]

- upgrade 0008 -> 0009 of an N-reference library (backup included, as at start-up): the
  migration gives every reference a global id;
- merge_object on N pairs of edited snapshots (both sides edited, some in the same field);
- put_reference (one by one) against put_references (batched), get_references and
  changes_since against PostgreSQL: a private server started like the tests' (initdb + pg_ctl
  in a temp folder) unless ``--url`` names one (its database must be empty). The issue's target
  is an initial sync of 100k references in under 60 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg_server, the private server helper


def _refs(n: int, rng: random.Random) -> list[object]:
    from bibliofile.model import Creator, Reference

    words = ["field", "notes", "evidence", "panel", "data", "inference", "climate", "policy", "network", "learning"]
    return [
        Reference(
            fields={"title": " ".join(rng.choices(words, k=6)), "date": str(rng.randint(1950, 2026)),
                    "doi": f"10.{rng.randint(1000, 9999)}/{i}"},
            creators=[Creator(family=rng.choice(words).title(), given="A.") for _ in range(rng.randint(1, 4))],
            citation_key=f"key{i}",
        )
        for i in range(n)
    ]


def bench_upgrade(n: int) -> None:
    from alembic import command

    from bibliofile.storage import migrate, sync_local
    from bibliofile.storage.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lib.sqlite"
        lib = Library.open(path)
        lib.add_references(_refs(n, random.Random(1)))  # type: ignore[arg-type]
        cfg = migrate.alembic_config()
        with lib.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008")
        lib.close()
        t0 = time.perf_counter()
        lib = Library.open(path)
        elapsed = time.perf_counter() - t0
        given = len(sync_local.gids(lib, "reference"))
        lib.close()
    print(f"upgrade 0008->0009 of {n:,} references (backup included): {elapsed:.2f} s; {given:,} global ids")


def _snapshot_pairs(n: int) -> list[tuple[dict[str, object], dict[str, object], dict[str, object]]]:
    rng = random.Random(2)
    out = []
    for i in range(n):
        base: dict[str, object] = {
            "item_type": "article-journal", "fields.title": f"Title {i}", "fields.date": "2001",
            "creators": [{"role": "author", "family": f"A{j}"} for j in range(3)], "tags": ["a", "b"],
        }
        local = {**base, "fields.title": f"Title {i} (rev)", "tags": ["a", "b", "c"]}
        remote = {**base, "fields.date": "2002", "creators": [{"role": "author", "family": "A2"}, {"role": "author", "family": "A0"}]}
        if rng.random() < 0.1:
            remote["fields.title"] = "Other"
        out.append((base, local, remote))
    return out


def bench_merge(n: int) -> None:
    from bibliofile.model.merge import merge_object

    pairs = _snapshot_pairs(n)
    t0 = time.perf_counter()
    conflicts = sum(len(merge_object(str(i), b, l_, r).conflicts) for i, (b, l_, r) in enumerate(pairs))  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    print(f"merge_object x {n:,} (both sides edited): {elapsed:.2f} s = {n / elapsed:,.0f}/s; {conflicts:,} conflicts")


def bench_server(n: int, url: str | None) -> None:
    from bibliofile.model.sync_snapshot import SyncedReference, to_snapshot
    from bibliofile.storage import server

    started = None
    if url is None:
        from tests.pg_server import running_server

        started = running_server()
        pg = started.__enter__()
        url = pg.create_database("bench")
    try:
        engine = server.connect(url)
        server.upgrade_server(engine)
        snaps = {str(uuid.uuid4()): to_snapshot(SyncedReference(reference=r, tags=("bench",)))  # type: ignore[arg-type]
                 for r in _refs(n, random.Random(3))}
        gids = list(snaps)
        half = len(gids) // 2
        t0 = time.perf_counter()
        with engine.begin() as conn:
            for gid in gids[:half]:
                server.put_reference(conn, gid, snaps[gid], "bench")
        one_by_one = time.perf_counter() - t0
        t0 = time.perf_counter()
        with engine.begin() as conn:
            server.put_references(conn, {g: snaps[g] for g in gids[half:]}, "bench")
        batched = time.perf_counter() - t0
        t0 = time.perf_counter()
        with engine.connect() as conn:
            got = server.get_references(conn, list(snaps))
        get = time.perf_counter() - t0
        t0 = time.perf_counter()
        with engine.connect() as conn:
            log = server.changes_since(conn, 0, limit=10**9)
        pull = time.perf_counter() - t0
        engine.dispose()
        assert all(got.values())
        for label, count, secs in (("put_reference one by one", half, one_by_one),
                                   ("put_references batched", len(gids) - half, batched)):
            rate = count / secs
            print(f"server {label}, {count:,} in one transaction: {secs:.2f} s = {rate:,.0f}/s "
                  f"(100k would take {100_000 / rate:,.0f} s)")
        print(f"server get_references of {n:,}: {get:.2f} s; changes_since(0): {len(log):,} rows in {pull:.2f} s")
    finally:
        if started is not None:
            started.__exit__(None, None, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="references for the upgrade and merge figures")
    parser.add_argument("--server-n", type=int, default=2_000, help="references put to the server")
    parser.add_argument("--url", help="an empty PostgreSQL database to use instead of a private server")
    args = parser.parse_args(argv)
    bench_upgrade(args.n)
    bench_merge(args.n)
    bench_server(args.server_n, args.url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
