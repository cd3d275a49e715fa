"""Hostile reader shapes (issue 14): EndNote XML records and keyless identical references.

    python bench/bench_hostile_readers.py [--code DIR] [--timeout 120] [--quick]

Each shape is generated in memory and timed in a child process, so a shape that takes minutes
on old code is stopped at ``--timeout`` and printed as "> N s". ``--code`` points at another
checkout's ``desktop/`` folder, to time the code before a change:

    git worktree add /tmp/wt-old <commit>
    python bench/bench_hostile_readers.py --code /tmp/wt-old/desktop

Shapes:
  endnote-N   N small EndNote XML records, read by ``read_endnote_xml`` (the old reader counted
              each record's line from the start of the text: quadratic).
  keys-N      N identical keyless references (as N identical RIS records import) given citation
              keys by ``citation_keys.fill_missing``: only the key step is timed (the old
              suffix search started from "a" for every key: quadratic).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hostile_cases import timed_with

HERE = Path(__file__).resolve().parent
DEFAULT_CODE = HERE.parent / "desktop"

CHILD = r"""
import sys, tempfile, time
from pathlib import Path
shape, n = sys.argv[1], int(sys.argv[2])
import bibliofile
if shape == "endnote":
    from bibliofile.formats.endnote_xml import read_endnote_xml
    one = (
        '<record><database name="x.enl">x.enl</database><ref-type name="Journal Article">17</ref-type>\n'
        '<contributors><authors><author><style face="normal" font="default" size="100%">Smith, John'
        '</style></author></authors></contributors>\n<titles><title><style face="normal" font="default" '
        'size="100%">Title number {n}</style></title><secondary-title>Journal</secondary-title></titles>\n'
        '<pages>1-10</pages><volume>3</volume><dates><year>2001</year></dates>\n</record>\n'
    )
    text = ('<?xml version="1.0" encoding="UTF-8"?><xml><records>\n'
            + "".join(one.replace("{n}", str(i)) for i in range(n)) + "</records></xml>\n")
    t0 = time.perf_counter()
    items = len(read_endnote_xml(text, "bench.xml").items)
    seconds = time.perf_counter() - t0
    size = len(text)
elif shape == "keys":
    from bibliofile.model.creators import Creator
    from bibliofile.model.reference import Reference
    from bibliofile.services import citation_keys
    from bibliofile.storage.library import Library
    with tempfile.TemporaryDirectory() as d:
        lib = Library.open(Path(d) / "lib.sqlite")
        ref = Reference(fields={"title": "The same title again", "date": "2001"},
                        creators=[Creator(family="Smith", given="John")])
        lib.add_references([ref] * n)
        t0 = time.perf_counter()
        with lib.write() as uow:
            items = len(citation_keys.fill_missing(uow))
        seconds = time.perf_counter() - t0
        lib.close()
    size = 0
else:
    raise SystemExit(f"unknown shape {shape}")
print(f"{seconds:.3f} {items} {size} {bibliofile.__file__}")
"""


def run(code: Path, shape: str, n: int, timeout: float) -> str:
    got = timed_with(code, CHILD, shape, n, timeout)
    if isinstance(got, str):
        return got
    seconds, items, size = got
    what = "records" if shape == "endnote" else "keys given"
    mb = f", {size / 1e6:.1f} MB" if size else ""
    return f"{seconds:7.2f} s  ({items:,} {what}{mb})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, default=DEFAULT_CODE, help="a desktop/ folder to import bibliofile from")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    args = ap.parse_args()
    code = args.code.resolve()
    if args.quick:
        shapes = [("endnote", 5_000), ("keys", 5_000)]
    else:
        shapes = [
            ("endnote", 5_000), ("endnote", 10_000), ("endnote", 20_000), ("endnote", 100_000),
            ("keys", 5_000), ("keys", 20_000), ("keys", 100_000),
        ]
    print(f"code: {code}")
    for shape, n in shapes:
        print(f"{shape}-{n // 1000}k".rjust(12) + f": {run(code, shape, n, args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
