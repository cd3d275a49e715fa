"""What skipping exact duplicates costs an import (issue 17): the library's titles, types, DOIs
and ISBNs are read once, and only entries sharing a title with a library reference are compared
in full.

    python bench/bench_import_duplicates.py [--n 20000] [--workers 0]

Three imports of a synthetic N-entry file (bench/generate_bib.py), each timed on its own copy
of the library:
  empty      into an empty library (nothing to compare with: the index is empty)
  other      into a library holding another N-entry file (seed 2): every entry is compared
             by title, few share one
  same       into a library that already holds this file: every entry is an exact duplicate
             (skipped now; stored a second time before)
``--allow-duplicates`` turns the check off: the same tree's figures without it. Prints CPU seconds of this process (workers=0: the whole import) and references stored. Run it against the previous commit from a
worktree (PYTHONPATH=desktop first) for the "before" figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bibliofile
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library
from generate_bib import ensure_bib


def timed_import(db: Path, bib: Path, workers: int, allow: bool = False) -> tuple[float, int, int]:
    lib = Library.open(db)
    try:
        start = time.process_time()  # CPU time: wall time on a shared machine says more of the neighbours
        if allow:
            report = import_files(lib, [bib], workers=workers, allow_duplicates=True)
        else:  # no such argument before issue 17: this line runs on the old code too
            report = import_files(lib, [bib], workers=workers)
        seconds = time.process_time() - start
        return seconds, report.imported, len(getattr(report, "skipped", []))
    finally:
        lib.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--allow-duplicates", action="store_true", help="compare nothing (the cost without the check)")
    ap.add_argument("--workers", type=int, default=0, help="0 (default): all work in this process, so CPU time counts it all")
    args = ap.parse_args()
    print(f"bibliofile from {Path(bibliofile.__file__).parent}")
    bib = ensure_bib(args.n)
    other = ensure_bib(args.n, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        seconds, stored, _ = timed_import(base / "empty.sqlite", bib, args.workers, args.allow_duplicates)
        print(f"empty: {seconds:6.2f} s CPU  stored {stored:,}")
        timed_import(base / "other.sqlite", other, args.workers)
        shutil.copy(base / "empty.sqlite", base / "same.sqlite")
        seconds, stored, skipped = timed_import(base / "other.sqlite", bib, args.workers, args.allow_duplicates)
        print(f"other: {seconds:6.2f} s CPU  stored {stored:,}  skipped {skipped:,}")
        seconds, stored, skipped = timed_import(base / "same.sqlite", bib, args.workers, args.allow_duplicates)
        print(f"same:  {seconds:6.2f} s CPU  stored {stored:,}  skipped {skipped:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
