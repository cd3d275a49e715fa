"""LaTeX-to-text on hostile field values must take time linear in their size (issue 14).

    python bench/bench_hostile_latex.py [--sizes 1,5,20] [--shapes all] [--timeout 60]
                                        [--src DIR] [--json OUT]

Each shape is a single field value of the given size in MB, decoded by ``latex_to_unicode`` in
a child process of its own (so a hang is cut at ``--timeout`` seconds and peak memory is the
child's). ``--src`` points at another tree's ``desktop/`` folder to time that tree's code, e.g. a
worktree of the commit before the fix for the "before" column. Once a shape times out, its larger
sizes are not tried (they would only time out later). Linear code shows a steady s/MB column.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hostile_cases import run_case

MB = 1_000_000


def _repeat(unit: str) -> Callable[[int], str]:
    def make(size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return make


def _nested(size: int) -> str:
    depth = size // 2
    return "{" * depth + "}" * depth


def _nested_args(size: int) -> str:
    unit = r"\emph{\frac{"
    k = size // (len(unit) + 2)
    return unit * k + "}}" * k


SHAPES: dict[str, tuple[str, Callable[[int], str]]] = {
    "known": ("accents, symbols, logos", _repeat(r"\"o \'e {\ss} \TeX{} \c{c} \v s ")),
    "unknown": ("unknown commands with arguments", _repeat(r"\foo{bar} \zz{x}{y} ")),
    "unknown-bare": ("unknown commands without arguments", _repeat(r"\MFx\PQ \& ")),
    "math": ("math soup", _repeat(r"$\alpha^{2}_{i} \frac{a}{b} \log n$ \hat{x} ")),
    "escapes": ("escapes and ligatures", _repeat(r"\& \% \$ -- `` '' ~ ")),
    "nested": ("braces nested size/2 deep", _nested),
    "nested-args": ("\\emph{\\frac{ nested", _nested_args),
    "unclosed-args": ("\\noopsort{ never closed", _repeat(r"\noopsort{")),
    "unclosed-verb": ("\\verb| and \\cite[ never closed", _repeat(r"\verb|\cite[")),
    "accent-spaces": ("accents before long space runs", _repeat("\\\"" + " " * 200)),
    "accent-brace-spaces": ("\\\"{, 5000 spaces, two letters", _repeat("\\\"{" + " " * 5000 + "oo} ")),
    "switchargs": ("\\switchargs nested (parts decoded apart)", _repeat(r"\switchargs{\switchargs{a}{\'e}}{c} ")),
}


def _child(shape: str, size: int) -> None:
    import resource

    import bibliofile
    from bibliofile.formats.latex_text import latex_to_unicode

    print(bibliofile.__file__, file=sys.stderr)

    value = SHAPES[shape][1](size)
    t0 = time.perf_counter()
    out = latex_to_unicode(value)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": secs, "peak_mb": peak, "out_chars": len(out)}))


def _run(shape: str, size: int, src: str | None, timeout: float) -> dict[str, float] | None:
    env = dict(os.environ, BENCH_LATEX_SRC=src) if src else None
    got = run_case([__file__, "--child", shape, str(size)], timeout, env)
    if got.timed_out:
        return None
    if got.error:
        raise SystemExit(f"{shape} at {size:,} characters failed: {got.error}")
    result: dict[str, float] = json.loads(got.line)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,5,20", help="value sizes in MB, comma-separated")
    parser.add_argument("--shapes", default="all", help="comma-separated names, or all: " + ", ".join(SHAPES))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as a hang")
    parser.add_argument("--src", help="a tree's desktop/ folder whose bibliofile to time (default: this one)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    sizes = [float(s) for s in args.sizes.split(",")]
    shapes = list(SHAPES) if args.shapes == "all" else args.shapes.split(",")
    print(f"latex_to_unicode, one value per run ({args.src or 'this tree'}); timeout {args.timeout:.0f} s")
    print(f"{'shape':15} {'MB':>5} {'seconds':>9} {'s/MB':>7} {'peak MB':>8}  what")
    figures: list[dict[str, object]] = []
    for shape in shapes:
        timed_out = False
        for mb in sizes:
            label = SHAPES[shape][0]
            if timed_out:
                print(f"{shape:15} {mb:5g} {'skipped':>9} {'':>7} {'':>8}  (smaller size already timed out)")
                continue
            r = _run(shape, int(mb * MB), args.src, args.timeout)
            if r is None:
                timed_out = True
                print(f"{shape:15} {mb:5g} {'>' + format(args.timeout, '.0f'):>9} {'':>7} {'':>8}  {label}")
                figures.append({"shape": shape, "mb": mb, "seconds": None})
                continue
            secs = r["seconds"]
            print(f"{shape:15} {mb:5g} {secs:9.2f} {secs / mb:7.2f} {r['peak_mb']:8.0f}  {label}")
            figures.append({"shape": shape, "mb": mb, **r})
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    # The tree to time comes first on the path (the editable install points at this checkout).
    sys.path.insert(0, os.environ.get("BENCH_LATEX_SRC") or str(Path(__file__).resolve().parents[1] / "desktop"))
    main()
