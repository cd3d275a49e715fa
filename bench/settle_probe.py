"""What bench_settle sees of a process from outside: the screen's frames and the process's CPU.

A thread grabs the whole screen through MIT-SHM (mss: about 1 ms a frame on Xvfb) as fast as
it can with a 2 ms pause, keeps only where each frame differs from the one before (a bounding box),
and samples the process's CPU time every 10 ms. The measurements are computed afterwards from
these records, so the definitions below are the whole truth of the figures:

- CPU time is the sum over the process's threads of ``/proc/PID/task/TID/schedstat``'s first
  field (nanoseconds on the CPU; a thread that ended keeps its last value), so a 200 ms window can
  resolve the 4 ms that /proc/PID/stat's 10 ms ticks cannot.
- Idle from T: every IDLE_WINDOW_S (200 ms) window starting at or after T, until observation
  ended (at least the quiet period later), used less than IDLE_CPU_S (2 % of one core); T is the
  first CPU sample after the last window that used more.
- Settled: the time of the last frame that differed from the one before, ignoring the text cursor:
  a change no wider than 4 px and no taller than 40 px, in the box where such changes go on
  blinking after the process is idle (that box is the cursor's; nothing else changes there).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mss

IDLE_WINDOW_S = 0.200
IDLE_CPU_S = 0.02 * IDLE_WINDOW_S  # 2 % of one core: 4 ms in 200 ms
CPU_EVERY_S = 0.010
FRAME_PAUSE_S = 0.002
CURSOR_MAX_W, CURSOR_MAX_H = 4, 40
DARK = 96  # green channel below this is ink (text), not a background or a highlight

IDLE_DEFINITION = (
    f"idle from T = every {IDLE_WINDOW_S * 1000:.0f} ms window starting at or after T, until observation "
    f"ended (the quiet period later), used less than {IDLE_CPU_S * 1000:.0f} ms of CPU (2 % of one core), "
    f"counting all the process's threads (/proc/PID/task/*/schedstat, sampled every "
    f"{CPU_EVERY_S * 1000:.0f} ms)"
)
SETTLED_DEFINITION = (
    "settled = the last frame (the whole screen, grabbed through MIT-SHM) that differs from "
    f"the one before, ignoring the text cursor: changes no bigger than {CURSOR_MAX_W}x{CURSOR_MAX_H} px "
    "in the box where they go on blinking once the process is idle"
)

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
_libc.memcmp.restype = ctypes.c_int
_INK = bytes(1 if v < DARK else 0 for v in range(256))


def cpu_ns(pid: int, seen: dict[int, int]) -> int | None:
    """The process's CPU time so far in ns (None once it has gone); ``seen`` keeps each thread's
    last value so a thread that ends does not take its time with it."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as fh:
                seen[int(tid)] = int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return sum(seen.values())


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak resident size so far) of the process, in kB."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out


class _Buf:
    """A frame's bytes with their address, for memcmp on parts of two frames."""

    __slots__ = ("addr", "data")

    def __init__(self, data: bytearray) -> None:
        self.data = data
        self.addr = ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))


def _same(a: _Buf, b: _Buf, start: int, end: int) -> bool:
    return end <= start or _libc.memcmp(a.addr + start, b.addr + start, end - start) == 0


def _first_diff(a: _Buf, b: _Buf, lo: int, hi: int) -> int:
    """The first byte offset in [lo, hi) where the frames differ (they do somewhere there)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _same(a, b, lo, mid):
            lo = mid
        else:
            hi = mid
    return lo


def _last_diff(a: _Buf, b: _Buf, lo: int, hi: int) -> int:
    """The last byte offset in [lo, hi) where the frames differ (they do somewhere there)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _same(a, b, mid, hi):
            hi = mid
        else:
            lo = mid
    return lo


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int  # inclusive
    y1: int  # inclusive

    @property
    def w(self) -> int:
        return self.x1 - self.x0 + 1

    @property
    def h(self) -> int:
        return self.y1 - self.y0 + 1

    def thin(self) -> bool:
        """Small enough to be a text cursor's blink."""
        return self.w <= CURSOR_MAX_W and self.h <= CURSOR_MAX_H

    def inside(self, other: Box) -> bool:
        return other.x0 <= self.x0 and self.x1 <= other.x1 and other.y0 <= self.y0 and self.y1 <= other.y1

    def union(self, other: Box) -> Box:
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


def change_box(prev: _Buf, cur: _Buf, width: int) -> Box | None:
    """Where two frames differ. The x extent is exact for changes up to CURSOR_MAX_H rows tall;
    a taller one (a real change whatever its width) is looked at on every 4th row, which is
    enough to tell where a window is and costs a few ms instead of twenty."""
    n = len(cur.data)
    if _same(prev, cur, 0, n):
        return None
    stride = width * 4
    first, last = _first_diff(prev, cur, 0, n), _last_diff(prev, cur, 0, n)
    y0, y1 = first // stride, last // stride
    step = 1 if y1 - y0 + 1 <= CURSOR_MAX_H else 4
    x0, x1 = (first % stride) // 4, (last % stride) // 4
    if y0 == y1:
        return Box(x0, y0, x1, y1)
    x0, x1 = min(x0, x1), max(x0, x1)
    for y in range(y0, y1 + 1, step):
        a, b = y * stride, (y + 1) * stride
        if _same(prev, cur, a, b):
            continue
        x0 = min(x0, (_first_diff(prev, cur, a, b) - a) // 4)
        x1 = max(x1, (_last_diff(prev, cur, a, b) - a) // 4)
    return Box(x0, y0, x1, y1)


def ink_lines(frame: bytes | bytearray, width: int, box: Box) -> int:
    """How many separate lines of dark text (runs of scanlines with ink) lie inside ``box``: a
    table showing rows has one per row, an empty one only its header's."""
    stride = width * 4
    lines, inked = 0, False
    for y in range(box.y0, box.y1 + 1):
        start = y * stride + box.x0 * 4
        green = bytes(frame[start + 1 : start + box.w * 4 : 4])
        now = 1 in green.translate(_INK)
        if now and not inked:
            lines += 1
        inked = now
    return lines


@dataclass
class Change:
    t: float
    box: Box


class Recorder(threading.Thread):
    """Watches the screen and one process (set ``pid``) until ``stop()``; see the module doc."""

    def __init__(self, display: str) -> None:
        super().__init__(daemon=True)
        self.display = display
        self.pid: int | None = None
        self.changes: list[Change] = []
        self.cpu: list[tuple[float, int]] = []  # (time, ns of CPU so far)
        self.frames = 0
        self.gaps: list[float] = []  # seconds between consecutive grabs
        self.frame: bytearray = bytearray()  # the latest frame
        self.frame_t = 0.0
        self.width = self.height = 0
        self.hook: Callable[[float, bytearray, Box], None] | None = None  # on each change
        self._halt = threading.Event()
        self._started = threading.Event()
        self._seen: dict[int, int] = {}
        self.error: BaseException | None = None

    def watch(self, pid: int) -> None:
        """Start sampling this process's CPU (a new process: the old one's samples are dropped)."""
        self._seen = {}
        self.cpu = []
        self.pid = pid

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # reported by the bench, not lost in the thread
            self.error = exc
            self._started.set()

    def _loop(self) -> None:
        with mss.MSS(display=self.display) as sct:
            mon = sct.monitors[0]
            self.width, self.height = mon["width"], mon["height"]
            prev = _Buf(bytearray(sct.grab(mon).raw))
            self.frame = prev.data
            self._started.set()
            next_cpu = 0.0
            while not self._halt.is_set():
                raw = sct.grab(mon).raw
                t = time.perf_counter()
                cur = _Buf(raw if isinstance(raw, bytearray) else bytearray(raw))
                self.frames += 1
                if self.frame_t:
                    self.gaps.append(t - self.frame_t)
                box = change_box(prev, cur, self.width)
                if box is not None:
                    self.changes.append(Change(t, box))
                    hook = self.hook
                    if hook is not None:
                        hook(t, cur.data, box)
                    prev = cur
                    self.frame = cur.data
                self.frame_t = t
                pid = self.pid
                if pid is not None and t >= next_cpu:
                    ns = cpu_ns(pid, self._seen)
                    if ns is not None:
                        self.cpu.append((time.perf_counter(), ns))
                    next_cpu = t + CPU_EVERY_S
                time.sleep(FRAME_PAUSE_S)

    def wait_started(self) -> None:
        self._started.wait(30)
        if self.error is not None:
            raise RuntimeError(f"screen capture failed: {self.error!r}") from self.error

    def stop(self) -> None:
        self._halt.set()
        self.join(10)

    # ---- online: is it quiet yet? ---------------------------------------------------------------
    def last_real_change(self) -> float:
        """When the screen last changed by more than a blinking cursor could (0 if never)."""
        for c in reversed(self.changes):
            if not c.box.thin():
                return c.t
        return 0.0

    def last_change(self) -> float:
        return self.changes[-1].t if self.changes else 0.0


def busy_until(cpu: list[tuple[float, int]], start: float) -> float:
    """When the process became idle for good after ``start``: the first CPU sample after the last
    IDLE_WINDOW_S window (one starting at a sample) that used IDLE_CPU_S or more, or ``start``.
    From then on every such window uses less; a burst at full speed is placed within a sample
    (10 ms) of its end, and tiny blips (a cursor blink, a timer) never count."""
    before = [s for s in cpu if s[0] < start][-1:]  # a window from just before start counts too
    samples = before + [s for s in cpu if s[0] >= start]
    idle = start
    i = 0
    for j in range(len(samples)):
        if i < j:
            i = j
        while i + 1 < len(samples) and samples[i + 1][0] - samples[j][0] <= IDLE_WINDOW_S:
            i += 1
        if (samples[i][1] - samples[j][1]) / 1e9 >= IDLE_CPU_S and j + 1 < len(samples):
            idle = max(idle, samples[j + 1][0])
    return idle


def cursor_box(changes: list[Change], after: float) -> Box | None:
    """The text cursor's box: the union of the thin changes after ``after`` (the process idle), if
    that union is itself no bigger than a cursor (two blinking places are not one cursor)."""
    box: Box | None = None
    for c in changes:
        if c.t > after and c.box.thin():
            box = c.box if box is None else box.union(c.box)
    return box if box is not None and box.thin() else None


def settled_at(changes: list[Change], start: float, end: float, ignore: list[Box | None]) -> float:
    """The last frame in [start, end] that changed outside every box in ``ignore`` (the cursor's,
    say), or ``start`` if none did."""
    boxes = [b for b in ignore if b is not None]
    last = start
    for c in changes:
        if start <= c.t <= end and not any(c.box.inside(b) for b in boxes):
            last = c.t
    return last
