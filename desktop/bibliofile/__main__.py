"""Entry point: `bibliofile` and `python -m bibliofile`. Wiring only."""

from __future__ import annotations

import sys

from bibliofile.cli import main as _cli_main


def main() -> int:
    return _cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
