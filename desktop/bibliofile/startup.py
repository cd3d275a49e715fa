"""Start-up runs without the cyclic garbage collector, and what it built is frozen afterwards.

Importing PySide6, SQLAlchemy and our modules creates a few hundred thousand objects, and
CPython's collector walks all of them each time its generation counters trip: at launch that is
60-80 ms of full collections (measured with bench/bench_window.py: first paint of a 100k library
at 490 ms with the collector, 400 ms without). Nothing built while starting is garbage worth
looking for, so the entry point pauses the collector, and once the window has painted its first
rows (or a command has parsed its arguments) ``resume_collector`` freezes those objects into the
permanent generation and turns the collector back on. Frozen objects are never scanned again, so
a later full collection (for example during typing) walks only what was made since. See ADR 0012.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Turn the cyclic collector off until ``resume_collector`` (no-op if it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what start-up built and turn the collector back on, if ``pause_collector`` paused it.

    Safe to call any number of times and from code that may run without a paused start (tests
    build windows directly): then it does nothing."""
    global _paused
    if not _paused:
        return
    _paused = False
    gc.freeze()
    gc.enable()


def collector_paused() -> bool:
    return _paused
