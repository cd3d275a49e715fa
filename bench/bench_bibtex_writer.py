"""BibTeX writing at the formats layer: untouched, partly edited, all edited, and new entries.

An edited entry is now its source text with only the changed fields replaced (read back and
checked before it is used), and every new value is encoded so BibTeX reads it as the library
holds it. This measures what that costs, without storage in the way:

    python bench/bench_bibtex_writer.py [--n 20000] [--seed 1]

Shapes (entries/s, higher is better): the generated library written back untouched; with 10 %
and 100 % of entries edited (one title each); and N new references whose values hold hostile
text (braces, backslashes, ``%``, ``@`` after a newline, control characters).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.model.reference import Reference
from generate_bib import generate  # type: ignore[import-not-found]

HOSTILE = "a \\} lone { brace 50% & $ # _ ~ x\n@misc{evil, title={Evil}} \x00 ER  - end"


def timed(items: list[Reference | object], n: int) -> float:
    start = time.perf_counter()
    write_bibtex(items, preserve_layout=True)  # type: ignore[arg-type]
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    text = generate(args.n, args.seed)
    items = read_bibtex(text).items
    refs = [i for i in items if isinstance(i, Reference)]
    n = len(refs)
    print(f"{n} entries, {len(text) / 1e6:.1f} MB")
    print(f"untouched        {timed(items, n):>10,.0f} entries/s")
    for share in (0.10, 1.0):
        step = max(1, round(1 / share))
        edited_items: list[object] = []
        seen = 0
        for item in items:
            if isinstance(item, Reference) and (seen := seen + 1) % step == 0:
                e = copy.copy(item)
                e.fields = {**item.fields, "title": item.fields.get("title", "") + " (revised)"}
                # As the library loads it: the entry's text, not its parsed fields.
                e.source = dataclasses.replace(item.source, raw_fields=[]) if item.source else None
                e.edited = True
                edited_items.append(e)
            else:
                edited_items.append(item)
        print(f"{share:>4.0%} edited      {timed(edited_items, n):>10,.0f} entries/s")
    fresh = [
        Reference(fields={"title": HOSTILE, "note": HOSTILE, "abstract": HOSTILE * 5}, citation_key=f"k{i}")
        for i in range(n)
    ]
    print(f"new, hostile     {timed(fresh, n):>10,.0f} entries/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
