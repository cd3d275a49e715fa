"""Entry point: `bibliofile` and `python -m bibliofile`. Wiring only."""

from __future__ import annotations

import sys

from bibliofile.startup import pause_collector

# Before anything heavy is imported: start-up runs without the cyclic collector (startup.py).
pause_collector()

from bibliofile.cli import main as _cli_main  # noqa: E402 - imported after the collector is paused
from bibliofile.cli import opens_window  # noqa: E402


def main() -> int:
    argv = sys.argv[1:]
    if opens_window(argv):
        # Before the window's modules are imported: PySide6's import hook would read the source
        # of each of them (gui/pyside_import_hook.py). Headless commands never load Qt.
        from bibliofile.gui.pyside_import_hook import skip_feature_scan

        skip_feature_scan()
    return _cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
