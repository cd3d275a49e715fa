"""Hostile and large BibTeX imports (issue 14): each must finish in seconds, in bounded memory.

    python bench/bench_hostile_bibtex.py [--shapes doubling,chained,mixed,scale] [--quick]
        [--timeout 60] [--memory-gb 4] [--json OUT]

Shapes (each file is generated here, into a temporary folder):
  doubling  ``@string{a(k) = a(k-1) # a(k-1)}``, 20/24/26 levels: a ~600-byte file asking for
            2^(levels+1) characters (issue: 24 levels used 3.2 GB and 19 s, 26 MemoryError).
  chained   ``@string{m(k) = m(k-1) # "x"}``, 10k..100k macros and one entry using the last
            (issue: 100k ran past 60 s: the values add up to n^2/2 characters).
  mixed     N entries, every other one in windows-1252, the rest UTF-8: seconds, and how many
            UTF-8 titles came back as mojibake (issue: all of them, with no warning).
  scale     the synthetic library of generate_bib.py at 25k/50k/100k entries: seconds per MB
            and peak memory over file size must stay flat (issue: 100k entries or a 50 MB
            file in time proportional to its size, memory a small multiple of it).

Each import runs ``bibliofile.services.importing.import_files`` into a fresh library in its own
child process, under a wall-clock timeout and an address-space limit (so a blow-up ends as
"MemoryError" instead of taking the machine). Peak RSS is the child's (parse workers are its
own children and are reported separately). For "before" figures run the same script with the
old tree first on PYTHONPATH, e.g. ``PYTHONPATH=/tmp/old/desktop python bench/...``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_cases import run_case


def doubling(levels: int) -> str:
    lines = ['@string{a0 = "xx"}']
    lines += [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@article{{bomb, title = a{levels}, author = {{Doe, Jane}}, year = 2001}}")
    return "\n".join(lines) + "\n"


def chained(n: int) -> str:
    lines = ['@string{m0 = "x"}']
    lines += [f'@string{{m{i} = m{i - 1} # "x"}}' for i in range(1, n + 1)]
    lines.append(f"@article{{chain, title = m{n}, year = 2002}}")
    return "\n".join(lines) + "\n"


UTF8_TITLE = "Café Müller über Łódź"
CP1252_TITLE = "Ça va, Zoë et Søren"


def mixed(n: int) -> bytes:
    out = []
    for i in range(n):
        if i % 2:
            out.append(f"@article{{old{i},\n  title = {{{CP1252_TITLE} {i}}},\n  year = 1999\n}}\n".encode("cp1252"))
        else:
            out.append(f"@article{{new{i},\n  title = {{{UTF8_TITLE} {i}}},\n  year = 2020\n}}\n".encode())
    return b"\n".join(out)


# --- the child: one import -------------------------------------------------------------------


def child(path: str, memory_gb: float) -> None:
    limit = int(memory_gb * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        lib = Library.open(Path(d) / "lib.sqlite")
        try:
            report = import_files(lib, [path], workers=2)
            seconds = time.perf_counter() - t0
            titles = [t for (t,) in lib.rows(report.ids, ["title"]).values()] if report.ids else []
        finally:
            lib.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    mojibake = sum(1 for t in titles if "Ã" in t or "ﾃ" in t)
    utf8_ok = sum(1 for t in titles if t.startswith(UTF8_TITLE))
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "imported": report.imported,
                "problems": len(report.problems),
                "guessed_lines_reported": sum("not UTF-8" in p.message for p in report.problems),
                "mojibake_titles": mojibake,
                "utf8_titles_right": utf8_ok,
                "longest_title": max((len(t) for t in titles), default=0),
                "peak_rss_mb": round(own),
                "worker_peak_rss_mb": round(kids),
            }
        )
    )


def run(path: Path, timeout: float, memory_gb: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    got = run_case([__file__, "--child", str(path), "--memory-gb", str(memory_gb)], timeout)
    if got.timed_out:
        return {"result": f"timeout after {timeout:.0f} s"}
    if got.error:
        return {"result": got.error[:120], "seconds": round(time.perf_counter() - t0, 1)}
    out: dict[str, Any] = json.loads(got.line)
    return out


def shapes(quick: bool) -> list[tuple[str, int, str]]:
    """(shape, size, label) of each case."""
    out: list[tuple[str, int, str]] = []
    out += [("doubling", k, f"{k} levels") for k in ((20, 24) if quick else (20, 24, 26))]
    counts = (10_000, 20_000) if quick else (10_000, 20_000, 40_000, 100_000)
    out += [("chained", n, f"{n:,} macros") for n in counts]
    out += [("mixed", n, f"{n:,} entries") for n in ((2_000,) if quick else (2_000, 20_000))]
    sizes = (10_000, 20_000) if quick else (25_000, 50_000, 100_000)
    out += [("scale", n, f"{n:,} entries") for n in sizes]
    return out


def make(shape: str, n: int, path: Path) -> None:
    """Write one case's file (in a child: the runner stays small, and a child started from a
    large process would inherit its peak RSS figure through exec)."""
    if shape == "doubling":
        data = doubling(n).encode()
    elif shape == "chained":
        data = chained(n).encode()
    elif shape == "mixed":
        data = mixed(n)
    else:
        from generate_bib import generate

        data = generate(n).encode()
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--shapes", default="doubling,chained,mixed,scale")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a minute in all)")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--memory-gb", type=float, default=4)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--make", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.memory_gb)
        return 0
    if args.make:
        make(args.make[0], int(args.make[1]), Path(args.make[2]))
        return 0
    wanted = args.shapes.split(",")
    import bibliofile

    print(f"tree: {Path(bibliofile.__file__).parent}  (load average {os.getloadavg()[0]:.1f})")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        for shape, n, label in shapes(args.quick):
            if shape not in wanted:
                continue
            path = Path(d) / f"{shape}.bib"
            subprocess.run([sys.executable, __file__, "--make", shape, str(n), str(path)], check=True)
            res = run(path, args.timeout, args.memory_gb)
            mb = path.stat().st_size / 1e6
            res.update(shape=shape, case=label, file_mb=round(mb, 3))
            if "seconds" in res and "imported" in res and mb >= 1:
                res["s_per_mb"] = round(res["seconds"] / mb, 2)
                res["rss_over_file"] = round(res["peak_rss_mb"] / mb, 1)
            results.append(res)
            keys = [
                k
                for k in ("result", "seconds", "s_per_mb", "peak_rss_mb", "worker_peak_rss_mb", "rss_over_file",
                          "imported", "problems", "longest_title", "mojibake_titles", "utf8_titles_right",
                          "guessed_lines_reported")
                if k in res
            ]
            print(f"{shape:9} {label:16} {mb:8.3f} MB  " + "  ".join(f"{k}={res[k]}" for k in keys), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
