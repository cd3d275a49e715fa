"""Entry point: `bibliofile` and `python -m bibliofile`. Wiring only."""

from __future__ import annotations

import sys

from bibliofile.startup import pause_collector

# Before anything heavy is imported: start-up runs without the cyclic collector (startup.py).
pause_collector()

from bibliofile.cli import main as _cli_main  # noqa: E402 - imported after the collector is paused


def main() -> int:
    return _cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
