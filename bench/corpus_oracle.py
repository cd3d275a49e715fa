"""The command line shared by the corpus-versus-oracle comparisons (ris_vs_oracles.py,
titles_vs_pylatexenc.py): ``--corpus DIR``, ``--src DIR``, ``--all``.

Both read ../shared/corpus beside the checkout, say so and stop (exit 0) where it is absent, and
measure another tree's code ("before") when ``--src`` names its ``desktop/`` folder. One place,
so the two scripts agree on where the corpus is and on what a missing corpus prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def oracle_args(doc: str | None, all_help: str, default_corpus: Path = CORPUS) -> argparse.Namespace | None:
    """Parse the arguments; None (having said why) when there is no corpus to compare.

    With ``--src``, that folder goes first on ``sys.path``, so import ``bibliofile`` only after
    this call.
    """
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus)
    parser.add_argument("--src", help="a tree's desktop/ folder whose bibliofile to measure")
    parser.add_argument("--all", action="store_true", help=all_help)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus} (it lives in ../shared/corpus beside the checkout)")
        return None
    if args.src:
        sys.path.insert(0, args.src)
    return args
