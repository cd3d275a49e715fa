"""Hostile RIS shapes (issue 14): reading must grow linearly with the text, writing too.

    python bench/bench_hostile_ris.py [--code DIR] [--timeout 60] [--quick]

Each shape is generated in memory and timed in a child process (so a shape that hangs on old
code is stopped at ``--timeout`` and printed as "> N s" instead of freezing the run). ``--code``
points at another checkout's ``desktop/`` folder, to time the code before a change:

    git worktree add /tmp/wt-old <commit>
    python bench/bench_hostile_ris.py --code /tmp/wt-old/desktop

Shapes:
  cont-N      one record whose abstract has N continuation lines as other programs write them
              (untagged lines after ``AB  -``); the old reader re-built the value per line.
  exact-N     the same value written by our writer (tab-marked continuation lines).
  records-N   N small records, one after the other.
  repeat-N    one record with N repeated unknown tags (kept joined in ``extra``).
  write-1MB   one reference whose abstract is 1 MB of hostile text with newlines, written and
              read back (checks that the writer's escaping stays linear).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hostile_cases import timed_with

HERE = Path(__file__).resolve().parent
DEFAULT_CODE = HERE.parent / "desktop"

CHILD = r"""
import sys, time, tracemalloc
shape, n = sys.argv[1], int(sys.argv[2])
import bibliofile
from bibliofile.formats import ris
if shape == "cont":
    text = "TY  - JOUR\nTI  - Long abstract\nAB  - start\n" + "continued line of the abstract\n" * n + "ER  - \n"
elif shape == "exact":
    text = "TY  - JOUR\nTI  - Long abstract\nAB  - start\n" + "\tcontinued line of the abstract\n" * n + "ER  - \n"
elif shape == "records":
    one = "TY  - JOUR\nAU  - Knox, Colin\nTI  - A title {n}\nPY  - 2008\nSP  - 1\nEP  - 9\nER  - \n\n"
    text = "".join(one.replace("{n}", str(i)) for i in range(n))
elif shape == "repeat":
    text = "TY  - JOUR\nTI  - T\n" + "ZZ  - value\n" * n + "ER  - \n"
elif shape == "write":
    from bibliofile.model.reference import Reference
    unit = "line\r\nER  - \nTY  - JOUR\n@{\\}%\u200f x\n"
    ref = Reference(fields={"title": "T", "abstract": unit * (n // len(unit))})
    t0 = time.perf_counter()
    text = ris.write_ris([ref])
    wrote = time.perf_counter() - t0
else:
    raise SystemExit(f"unknown shape {shape}")
t0 = time.perf_counter()
result = ris.read_ris(text, "bench.ris")
seconds = time.perf_counter() - t0
items = len(result.items)
print(f"{seconds:.3f} {items} {len(text)} {bibliofile.__file__}")
"""


def run(code: Path, shape: str, n: int, timeout: float) -> str:
    got = timed_with(code, CHILD, shape, n, timeout)
    if isinstance(got, str):
        return got
    seconds, items, size = got
    return f"{seconds:7.2f} s  ({items:,} records, {size / 1e6:.1f} MB)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, default=DEFAULT_CODE, help="a desktop/ folder to import bibliofile from")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    args = ap.parse_args()
    code = args.code.resolve()
    if args.quick:
        shapes = [("cont", 50_000), ("exact", 50_000), ("records", 10_000), ("repeat", 50_000), ("write", 1_000_000)]
    else:
        shapes = [
            ("cont", 50_000), ("cont", 100_000), ("cont", 200_000), ("cont", 1_000_000),
            ("exact", 200_000), ("exact", 1_000_000),
            ("records", 100_000),
            ("repeat", 100_000), ("repeat", 200_000),
            ("write", 1_000_000),
        ]
    print(f"code: {code}")
    for shape, n in shapes:
        label = f"{shape}-{n // 1000}k" if shape != "write" else f"write-{n // 1_000_000}MB"
        print(f"{label:>14}: {run(code, shape, n, args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
