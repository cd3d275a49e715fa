"""Run every benchmark (import, export, search) and print one summary table against the targets.

    python bench/run_all.py [--n 100000] [--repeat 1]      (what `make bench` runs)

Each benchmark runs in its own interpreter, so memory and caches of one do not colour the next.
Results also go to bench/results/<date>.json (gitignored) for comparing runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _run(script: str, args: list[str]) -> tuple[dict[str, Any] | None, int]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        rc = subprocess.run([sys.executable, str(HERE / script), *args, "--json", str(out)]).returncode
        text = out.read_text()
        return (json.loads(text) if text else None), rc
    finally:
        out.unlink(missing_ok=True)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run all Bibliofile benchmarks")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="import runs per variant (median)")
    args = ap.parse_args(argv)
    common = ["--n", str(args.n), "--seed", str(args.seed)]

    print(f"== Bibliofile benchmarks, N = {args.n:,} ({_machine()})", flush=True)
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} (figures are only comparable on a quiet machine)\n",
          flush=True)
    imp, rc_i = _run("bench_import.py", [*common, "--repeat", str(args.repeat)])
    print(flush=True)
    exp, rc_e = _run("bench_export.py", common)
    print(flush=True)
    sea, rc_s = _run("bench_search.py", common)

    rows: list[tuple[str, str, str, bool | None]] = []
    if imp:
        rows.append(("import: ratio bibtexparser s / ours s", f"{imp['ratio']:.2f}", ">= 1.0 (goal 1.5)",
                     imp["ratio"] >= 1.0 and imp["ours_count_ok"]))
        rows.append(("import: ours, entries/s", f"{imp['ours_eps']:,.0f}", "", None))
        rows.append(("import: bibtexparser, entries/s", f"{imp['baseline_eps']:,.0f}", "", None))
        rows.append(("import: peak RSS main / worker MB", f"{imp['ours_rss_mb']:,.0f} / "
                     f"{imp['ours_workers_rss_mb']:,.0f}", "", None))
    if exp:
        rows.append(("export untouched, entries/s", f"{exp['untouched_eps']:,.0f}", ">= 60,000",
                     exp["untouched_eps"] >= 60_000))
        if "edited_eps" in exp:
            # Not the target (the library as imported, written back verbatim): edited
            # entries are written anew in clean style, re-reading their kept text (bench/README).
            rows.append(("export 10% edited (written anew), entries/s", f"{exp['edited_eps']:,.0f}",
                         "(no target)", None))
        rows.append(("export == original file, byte for byte", "yes" if exp["byte_identical"] else "no",
                     "yes", exp["byte_identical"]))
    if sea:
        rows.append(("search 2-word prefix, median ms", f"{sea['median_ms']:.1f}", "< 10",
                     sea["median_ms"] < 10))
        rows.append(("search 2-word prefix, p95 / max ms", f"{sea['p95_ms']:.1f} / {sea['max_ms']:.1f}", "", None))
        rows.append(("sort whole library by title / authors / year, ms",
                     " / ".join(f"{sea['sorts'][s][0]:.0f}" for s in ("title", "authors", "year")), "", None))

    load_after = os.getloadavg()
    print(f"\n== Summary (N = {args.n:,}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    w = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'measure':{w}}  {'value':>16}  {'target':>18}  result")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("pass" if ok else "FAIL")
        print(f"{name:{w}}  {value:>16}  {target:>18}  {verdict}")
    failed = [name for name, rc in (("import", rc_i), ("export", rc_e), ("search", rc_s)) if rc]
    if failed:
        print(f"benchmarks that exited with an error: {', '.join(failed)}")

    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    (results_dir / f"{stamp}.json").write_text(
        json.dumps({"machine": _machine(), "n": args.n, "load": [load_before[0], load_after[0]], "import": imp, "export": exp, "search": sea}, indent=2)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
