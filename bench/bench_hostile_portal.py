"""Hostile research-portal pages: the reader's time must grow linearly with the page (issue 14).

    python bench/bench_hostile_portal.py [--sizes 100k,1m,5m] [--timeout 60] [--only NAME] [--json OUT]

Each shape is a page made of one construct repeated to the size asked (the issue's 120 KB
``" *a"`` page took 33 s; pages full of ``<!--``, ``[``, ``<sup>`` or ``<`` 30-60+ s). Each
read runs ``read_portal`` in its own child process, killed after ``--timeout`` seconds (printed
as "> N s"; the larger sizes of that shape are then not tried). The child reports its peak
memory: the table shows MB/s, the peak RSS, and its growth over the interpreter's own (taken
before the page is made) divided by the page size.

For the "before" figures, run the script with PYTHONPATH pointing at an older checkout's
``desktop`` folder: the child processes inherit it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from hostile_cases import run_case

HEAD = "T\nResearch output: x\n"

# name -> (what it is, page of about n characters)
SHAPES: dict[str, tuple[str, Callable[[int], str]]] = {
    "star": ("' *a' repeated (the issue's 120 KB page)", lambda n: HEAD + " *a" * (n // 3)),
    "comment": ("'<!--' never closed", lambda n: HEAD + "<!--" * (n // 4)),
    "bracket": ("'[' repeated", lambda n: HEAD + "[" * n),
    "sup": ("'<sup>' never closed", lambda n: HEAD + "<sup>" * (n // 5)),
    "lt": ("'<' repeated", lambda n: HEAD + "<" * n),
    "bold": ("'**a' repeated", lambda n: HEAD + "**a" * (n // 3)),
    "link": ("'[a](' never closed", lambda n: HEAD + "[a](" * (n // 4)),
    "heading": ("'# T' + spaces (was cubic)", lambda n: "# T" + " " * n + "x\n" + HEAD),
    "row": ("status table row of spaces", lambda n: HEAD + "| Publication status | Published" + " " * n + "x |\n"),
    "lines": ("short lines 'a\\n'", lambda n: HEAD + "a\n" * (n // 2)),
}

CHILD = """
import json, resource, sys, time
from bibliofile.formats.portal import read_portal
import bench_hostile_portal as b
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
text = b.SHAPES[sys.argv[1]][1](int(sys.argv[2]))
t0 = time.perf_counter()
result = read_portal(text, "hostile.txt")
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "rss": rss, "base": base, "chars": len(text), "items": len(result.items)}))
"""


def parse_size(text: str) -> int:
    t = text.strip().lower()
    factor = {"k": 1000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t.rstrip("km")) * factor)


def run(shape: str, size: int, timeout: float) -> dict[str, float] | None:
    """One read in a child process; None when it ran past the timeout."""
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), here) if p)
    got = run_case(["-c", CHILD, shape, str(size)], timeout, env)
    if got.timed_out:
        return None
    if got.error:
        raise SystemExit(f"{shape} at {size:,} characters failed: {got.error}")
    data: dict[str, float] = json.loads(got.line)
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100k,1m,5m")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--only", action="append", default=[], help="shape name (repeatable)")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    import bibliofile

    print(f"reader: {os.path.dirname(bibliofile.__file__)}")
    print(f"{'shape':8} {'size':>9} {'seconds':>9} {'MB/s':>7} {'peak RSS':>9} {'growth/size':>11}  what")
    figures: list[dict[str, object]] = []
    for name, (what, _make) in SHAPES.items():
        if args.only and name not in args.only:
            continue
        timed_out = False
        for size in sizes:
            label = f"{size / 1e6:.1f} MB" if size >= 1_000_000 else f"{size // 1000} KB"
            if timed_out:
                print(f"{name:8} {label:>9} {'(skipped)':>9}")
                figures.append({"shape": name, "size": size, "seconds": None, "skipped": True})
                continue
            got = run(name, size, args.timeout)
            if got is None:
                timed_out = True
                print(f"{name:8} {label:>9} {'> ' + format(args.timeout, 'g') + ' s':>9}  {what}", flush=True)
                figures.append({"shape": name, "size": size, "seconds": None, "timeout": args.timeout})
                continue
            secs, rss, base = got["seconds"], got["rss"], got["base"]
            print(
                f"{name:8} {label:>9} {secs:9.3f} {size / 1e6 / max(secs, 1e-9):7.1f} {rss / 1e6:7.0f} MB"
                f" {(rss - base) / size:11.1f}  {what}",
                flush=True,
            )
            figures.append({"shape": name, "size": size, "seconds": secs, "rss": rss})
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
