"""Where the app's time goes in each phase bench_settle measures: py-spy, attached from outside.

``bench_settle.py --profile`` adds one run (not counted in the figures: sampling slows the app)
in which py-spy records the launch and each search separately, as collapsed stacks (py-spy's
"raw" format) in bench/results/, and prints each phase's functions with the most samples, so
whoever makes a phase faster starts from evidence. Only threads that are running are sampled.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

RATE = 250  # samples a second per thread


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


class Profiler:
    """One py-spy process at a time, attached to a running process for one named phase."""

    def __init__(self, out_dir: Path, stamp: str) -> None:
        exe = py_spy()
        if exe is None:
            raise RuntimeError("--profile needs py-spy (pip install py-spy)")
        self.exe = exe
        self.out_dir = out_dir
        self.stamp = stamp
        self.proc: subprocess.Popen[bytes] | None = None
        self.files: dict[str, Path] = {}
        self._phase = ""

    def start(self, phase: str, pid: int, timeout: float = 3.0) -> None:
        """Attach to ``pid``; a process still starting Python is retried until py-spy holds on."""
        path = self.out_dir / f"settle-profile-{self.stamp}-{phase}.txt"
        deadline = time.monotonic() + timeout
        while True:
            proc = subprocess.Popen(
                [self.exe, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw",
                 "--nonblocking", "--output", str(path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            time.sleep(0.1)
            if proc.poll() is None or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.proc, self._phase = proc, phase
        self.files[phase] = path

    def stop(self) -> None:
        """py-spy writes its file when interrupted, as on Ctrl+C."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _frame_name(frame: str) -> str:
    """``render (bibliofile/gui/library_table.py:123)`` -> the function and file without the line."""
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0] if where else ""
    return f"{name} ({file})" if file else name


def top_frames(path: Path, n: int = 10) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, the frames with the most samples in themselves, our own functions with the
    most samples under them) of one py-spy raw file."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return 0, [], []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        total += k
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if frames:
            own[frames[-1]] += k
        for f in set(frames):
            if "bibliofile/" in f or "bibliofile\\" in f:
                under[f] += k
    return total, own.most_common(n), under.most_common(n)


def report(files: dict[str, Path], n: int = 10) -> list[str]:
    lines = [f"py-spy profile ({RATE} samples/s, running threads only; not part of the figures):"]
    for phase, path in files.items():
        total, own, under = top_frames(path, n)
        lines.append(f"  {phase}: {total} samples ({total / RATE:.2f} s of thread time), {path}")
        lines.append("    most samples in the function itself:")
        lines += [f"      {k / max(total, 1):5.0%}  {f}" for f, k in own]
        lines.append("    our functions with the most samples under them:")
        lines += [f"      {k / max(total, 1):5.0%}  {f}" for f, k in under]
    return lines
