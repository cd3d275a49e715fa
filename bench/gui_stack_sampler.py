"""What the GUI thread was running during its longest gaps, for the window benchmarks.

A thread samples the GUI (main) thread's Python stack every 2 ms; a gap between two turns of
the event loop is then explained by the samples inside it. Where no frame of ours is on the
stack, Qt itself was busy (painting, layout), the event loop was waiting, or the GUI thread
waited for the GIL that another thread held: so each sample also keeps what the other threads
running our code were doing (``elsewhere``), and a stretch with no sample at all (``silence``)
means one C call held the GIL that long (a big ``json.loads``, loading a certificate bundle, a
collection of the heap): then the sampler itself could not run. Collections of the heap are
timed through ``gc.callbacks`` and named when they fall in a gap.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections import Counter
from itertools import pairwise
from types import FrameType


class StackSampler:
    """Samples the GUI thread's stack from a thread of its own: (perf_counter ms, label), and
    the other threads running our code at the same moment."""

    def __init__(self, interval: float = 0.002) -> None:
        self.main = threading.main_thread().ident
        self.interval = interval
        self.samples: list[tuple[float, str]] = []
        self.others: list[tuple[float, tuple[str, ...]]] = []
        self.strangers: list[tuple[float, tuple[str, ...]]] = []
        self.collections: list[tuple[float, float, int]] = []  # (start, end ms, generation)
        self._collecting: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        gc.callbacks.append(self._gc)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter() * 1000
        if phase == "start":
            self._collecting = now
        elif self._collecting is not None:
            self.collections.append((self._collecting, now, info["generation"]))
            self._collecting = None

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            frames = sys._current_frames()  # a profiler's use of it
            now = time.perf_counter() * 1000
            self.samples.append((now, label(frames.get(self.main))))
            busy = tuple(sorted(
                other_label(frame) for ident, frame in frames.items()
                if ident not in (self.main, me) and _ours(frame)))
            self.others.append((now, busy))
            # Threads running none of our code (a library's callbacks, an executor), unless
            # they are waiting: who else may have held the GIL.
            self.strangers.append((now, tuple(sorted(
                stranger_label(frame) for ident, frame in frames.items()
                if ident not in (self.main, me) and not _ours(frame) and not _waiting(frame)))))

    def during(self, start: float, end: float) -> list[tuple[str, int]]:
        """The labels sampled between ``start`` and ``end`` (ms), most frequent first, in %."""
        got = Counter(lab for t, lab in self.samples if start <= t <= end)
        total = sum(got.values())
        return [(lab, round(100 * n / total)) for lab, n in got.most_common(3)] if total else []

    def elsewhere(self, start: float, end: float) -> list[tuple[str, int]]:
        """What other threads were running of ours between ``start`` and ``end``, with the
        share of samples each was seen in (%), most frequent first."""
        inside = [busy for t, busy in self.others if start <= t <= end]
        got = Counter(lab for busy in inside for lab in set(busy))
        return [(lab, round(100 * n / len(inside))) for lab, n in got.most_common(3)] if inside else []

    def silence(self, start: float, end: float) -> float:
        """The longest stretch (ms) in ``start``..``end`` with no sample: the GIL held by one
        C call (the sampler needs it too), or the machine's load starving every thread."""
        times = [start] + [t for t, _ in self.samples if start <= t <= end] + [end]
        return max((b - a for a, b in pairwise(times)), default=end - start)

    def describe(self, start: float, end: float) -> str:
        """One line for a report: the GUI thread's labels, the longest silence, the others."""
        main = "; ".join(f"{lab} {pct}%" for lab, pct in self.during(start, end)) or "no sample"
        text = f"{main} [longest silence {self.silence(start, end):.0f} ms]"
        collected = [(b - a, g) for a, b, g in self.collections if a < end and b > start and b - a >= 5]
        if collected:
            text += " [" + ", ".join(f"gc gen{g} {ms:.0f} ms" for ms, g in collected) + "]"
        others = self.elsewhere(start, end)
        if others:
            text += " | other threads: " + "; ".join(f"{lab} {pct}%" for lab, pct in others)
        if self.silence(start, end) >= 20:
            text += " | " + self.around_silence(start, end)
        return text

    def around_silence(self, start: float, end: float) -> str:
        """The threads seen running just before and just after the longest silence in the
        range, ours and others' (not waiting): the GIL's holder is usually among them."""
        times = [start] + [t for t, _ in self.samples if start <= t <= end] + [end]
        a, b = max(pairwise(times), key=lambda p: p[1] - p[0])
        seen = [
            f"{when}: " + (", ".join(dict.fromkeys([*ours, *theirs])) or "nothing running")
            for when, t in (("before the silence", a), ("after", b))
            for ours, theirs in [(self._at(self.others, t), self._at(self.strangers, t))]
        ]
        return "; ".join(seen)

    @staticmethod
    def _at(series: list[tuple[float, tuple[str, ...]]], t: float) -> tuple[str, ...]:
        """The sample of ``series`` nearest to ``t`` (within 5 ms)."""
        near = min(series, key=lambda s: abs(s[0] - t), default=None)
        return near[1] if near is not None and abs(near[0] - t) <= 5 else ()


def _ours(frame: FrameType | None) -> bool:
    while frame is not None:
        if "/bibliofile/" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


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


def _waiting(frame: FrameType) -> bool:
    return frame.f_code.co_name in {"wait", "get", "select", "poll", "accept", "_wait_for_tstate_lock"}


def stranger_label(frame: FrameType) -> str:
    """A thread running none of our code: its innermost frame and its outermost (its start)."""
    inner = frame
    while frame.f_back is not None:
        frame = frame.f_back
    names = [f"{f.f_code.co_filename.rsplit('/', 1)[-1].removesuffix('.py')}.{f.f_code.co_name}" for f in (inner, frame)]
    return " <- ".join(dict.fromkeys(names)) + " (not ours)"


def other_label(frame: FrameType) -> str:
    """A worker's sample: its innermost frame, whoever's (an import, json, ssl), then ours."""
    code = frame.f_code
    inner = f"{code.co_filename.rsplit('/', 1)[-1].removesuffix('.py')}.{code.co_name}"
    return f"{inner} <- {label(frame)}" if "/bibliofile/" not in code.co_filename else label(frame)
