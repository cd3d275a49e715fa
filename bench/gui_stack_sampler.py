"""What the GUI thread was running during its longest gaps, for the window benchmarks.

A thread samples the GUI (main) thread's Python stack every 2 ms; a gap between two turns of
the event loop is then explained by the samples inside it. Where no frame of ours is on the
stack, Qt itself was busy (painting, layout) or the event loop was waiting.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from types import FrameType


class StackSampler:
    """Samples the GUI thread's stack from a thread of its own: (perf_counter ms, label)."""

    def __init__(self, interval: float = 0.002) -> None:
        self.main = threading.main_thread().ident
        self.interval = interval
        self.samples: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self.main)  # a profiler's use of it
            self.samples.append((time.perf_counter() * 1000, label(frame)))

    def during(self, start: float, end: float) -> list[tuple[str, int]]:
        """The labels sampled between ``start`` and ``end`` (ms), most frequent first, in %."""
        got = Counter(lab for t, lab in self.samples if start <= t <= end)
        total = sum(got.values())
        return [(lab, round(100 * n / total)) for lab, n in got.most_common(3)] if total else []


def label(frame: FrameType | None) -> str:
    ours: list[str] = []
    while frame is not None:
        code = frame.f_code
        if "/bibliofile/" in code.co_filename:
            mod = code.co_filename.rsplit("/bibliofile/", 1)[1].removesuffix(".py")
            ours.append(f"{mod}.{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    if not ours:
        return "Qt (event loop, paint, layout: no frame of ours)"
    # The innermost frame of ours (where the time goes) and the two outermost (who asked).
    return " <- ".join(dict.fromkeys([ours[0], *ours[-2:]]))
