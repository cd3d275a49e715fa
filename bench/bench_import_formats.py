"""RIS and CSL-JSON import against BibTeX import of the same references (issue 5 target: >= 1.0).

    python bench/bench_import_formats.py [--n 100000] [--seed 1] [--workers 2] [--json OUT]

The synthetic .bib (generate_bib.py) is read once and written through our own writers as
bench/data/synthetic-N.ris and synthetic-N.json, so all three files hold the same references.
Each import then runs in its own child process into a fresh library: ``Library.open`` +
``import_files(lib, [path])`` (detect, decode, parse, store references, creators, FTS rows,
commit), BibTeX with its usual parse workers, RIS and CSL-JSON in the one process. The ratio is
BibTeX seconds / format seconds (>= 1.0: at least as fast as BibTeX).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate_bib import DATA_DIR, ensure_bib

FORMATS = ("bibtex", "ris", "csl-json")
SUFFIX = {"bibtex": ".bib", "ris": ".ris", "csl-json": ".json"}


def ensure_converted(bib: Path) -> dict[str, Path]:
    """The .ris and .json twins of the .bib, written once and reused."""
    from bibliofile.formats.bibtex_reader import read_bibtex
    from bibliofile.formats.csl_json import write_csl_json
    from bibliofile.formats.ris import write_ris
    from bibliofile.model.reference import Reference

    paths = {"bibtex": bib, "ris": bib.with_suffix(".ris"), "csl-json": bib.with_suffix(".json")}
    if paths["ris"].exists() and paths["csl-json"].exists():
        return paths
    t0 = time.perf_counter()
    refs = [r for r in read_bibtex(bib.read_text(encoding="utf-8")).items if isinstance(r, Reference)]
    for fmt, writer in (("ris", write_ris), ("csl-json", write_csl_json)):
        tmp = paths[fmt].with_suffix(".tmp")
        tmp.write_text(writer(refs), encoding="utf-8")
        tmp.replace(paths[fmt])
    print(f"converted {len(refs):,} references in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return paths


def run_one(path: Path, workers: int) -> dict[str, Any]:
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        lib = Library.open(Path(d) / "lib.sqlite")
        report = import_files(lib, [path], workers=workers)
        seconds = time.perf_counter() - t0
        stored = lib.count()
        lib.close()
    return {
        "seconds": seconds,
        "imported": report.imported,
        "stored": stored,
        "format": next(iter(report.formats.values()), ""),
        "problems": len(report.problems),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(fmt: str, path: Path, workers: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--workers", str(workers)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    result["variant"] = fmt
    result["bytes"] = path.stat().st_size
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", metavar="OUT")
    ap.add_argument("--child", metavar="PATH", help=argparse.SUPPRESS)
    ap.add_argument("--convert", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child), args.workers)))
        return 0
    if args.convert:
        ensure_converted(Path(args.convert))
        return 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    bib = ensure_bib(args.n, args.seed)
    # Converted in a child: Linux keeps a process's peak RSS across fork+exec, so converting here
    # would show up as every import child's peak.
    subprocess.run([sys.executable, __file__, "--convert", str(bib)], check=True)
    paths = ensure_converted(bib)
    results = [child(fmt, paths[fmt], args.workers) for fmt in FORMATS]
    base = results[0]["seconds"]
    print(f"import of {args.n:,} references, fresh library each, {args.workers} BibTeX parse workers")
    print(f"{'format':10} {'file MB':>8} {'seconds':>8} {'refs/s':>9} {'stored':>8} {'RSS MB':>7} {'BibTeX/this':>11}")
    ok = True
    for r in results:
        ratio = base / r["seconds"]
        if r["variant"] != "bibtex":
            ok = ok and ratio >= 1.0
        print(
            f"{r['variant']:10} {r['bytes'] / 1e6:8.1f} {r['seconds']:8.2f} {r['imported'] / r['seconds']:9,.0f} "
            f"{r['stored']:8,} {r['rss_mb']:7.0f} {ratio:11.2f}"
        )
    print("target: RIS and CSL-JSON at least as fast as BibTeX (ratio >= 1.0):", "pass" if ok else "miss")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
