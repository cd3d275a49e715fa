"""Curation speed: a duplicate scan of the whole library, and a tag + status on 10,000 references.

    python bench/bench_curation.py [--n 100000] [--seed 1]

Works on a copy of bench/data/lib-N.sqlite when it exists (made by bench_search.py), else on a
fresh import of the generated file (bench/generate_bib.py). Targets (issue 6): scan of 100k
references < 10 s; tag + status on 10,000 selected references < 1 s, as one transaction whose
undo (one step in the window) puts back what was there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from generate_bib import DATA_DIR, ensure_bib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

from bibliofile.services import duplicates
from bibliofile.services.importing import import_files
from bibliofile.storage import curation
from bibliofile.storage.library import Library


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lib.sqlite"
        ready = DATA_DIR / f"lib-{args.n}.sqlite"
        t0 = time.perf_counter()
        if ready.exists():
            shutil.copy(ready, path)
            lib = Library.open(path)  # upgrades the copy to this version's schema
            how = f"copy of {ready.name}, opened and upgraded"
        else:
            lib = Library.open(path)
            import_files(lib, [ensure_bib(args.n, args.seed)])
            how = "imported"
        print(f"load {os.getloadavg()[0]:.2f}; library: {lib.count()} references ({how} in {time.perf_counter() - t0:.1f} s)")

        t0 = time.perf_counter()
        rows = curation.scan_rows(lib)
        t1 = time.perf_counter()
        pairs = duplicates.find_duplicates(rows, curation.not_duplicate_pairs(lib))
        t2 = time.perf_counter()
        kinds: dict[str, int] = {}
        for p in pairs:
            kind = p.reason.split(" ", 2)[0] + " " + p.reason.split(" ", 2)[1]
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"duplicate scan: {t2 - t0:.2f} s (read {t1 - t0:.2f} s + match {t2 - t1:.2f} s), "
              f"{len(pairs)} pairs {kinds} (target < 10 s)")

        ids = lib.search("", sort="title")[: 10_000]
        t0 = time.perf_counter()
        with lib.write() as uow:
            before = curation.set_reading(uow, ids, status="toread")
            tag = curation.add_tag(uow, "bench")
            added = curation.tag(uow, tag, ids)
        t1 = time.perf_counter()
        with lib.write() as uow:
            curation.untag(uow, tag, added)
            curation.put_reading(uow, before)
        t2 = time.perf_counter()
        print(f"tag + status on {len(ids)} references: {(t1 - t0) * 1000:.0f} ms in one transaction; "
              f"its undo {(t2 - t1) * 1000:.0f} ms (target < 1 s)")
        lib.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
