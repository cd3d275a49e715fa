"""Style search per keystroke over the whole catalogue (issue 17, item 8): prints ms per query.

The picker searches at every keystroke; the ranked search (citation/style_search.py) must stay
well under a frame. Run: .venv/bin/python bench/bench_style_search.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bibliofile.citation.styles import StyleCatalogue, packaged_styles_dir

QUERIES = ["p", "ps", "psy", "psychology", "apa", "nature numeric", "social science", "zzz"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        cat = StyleCatalogue(packaged_styles_dir(), root / "user", root / "cache")
        t1 = time.perf_counter()
        cat.search("warm")
        t2 = time.perf_counter()
        print(f"{len(cat)} styles; catalogue (index built) {1000 * (t1 - t0):.0f} ms; search keys {1000 * (t2 - t1):.0f} ms")
        for q in QUERIES:
            runs = []
            for _ in range(5):
                s = time.perf_counter()
                hits = cat.search(q)
                runs.append(time.perf_counter() - s)
            print(f"{q!r:18} {len(hits):6} hits  median {1000 * sorted(runs)[2]:6.1f} ms")


if __name__ == "__main__":
    main()
