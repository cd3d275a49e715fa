"""Where a keystroke's CPU goes in the real window, by thread: figures that hold on a busy machine.

    python bench/bench_keystroke_cpu.py [--n 100000] [--queries a,p,the] [--repeat 6]
                                        [--source WORKTREE ...]

bench_settle.py measures from outside, in wall time, and on a shared 2-core machine its
figures move by 2-4x with the load of other processes. This bench opens the real main window
offscreen in a child process (one per --source: the same library, copied, for each) and, for the
last key of each query, reads thread CPU time (``time.thread_time``) at the points that make up
the keystroke's critical path:

- worker: ``Library.search_staged`` (the head rows and the count; issue 22);
- GUI: from the key to the end of the table's first paint after the model shows the new rows;
- process: all threads, in the second after the key (the rest of the ids put in order, the
  badges, the repaint).

It wraps those methods to time them (the app's code is otherwise untouched) and prints medians
of --repeat keystrokes (the first is a warm-up). The library is bench_settle's
bench/data/settle-N-sSCHEMA.sqlite, copied to a temporary folder so the window's upgrade or
backup never touches it; its schema must be one every --source can open.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import json, os, sys, tempfile, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from bibliofile.startup import pause_collector
pause_collector()
from PySide6.QtCore import QEvent, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
import bibliofile.gui.library_table as lt
from bibliofile.gui.app import make_application
from bibliofile.gui.main_window import MainWindow
from bibliofile.storage.library import Library

marks = []
def mark(what):
    marks.append((time.perf_counter(), threading.get_ident() == main_thread, time.thread_time(), what))
def wrap(cls, name):
    orig = getattr(cls, name)
    def timed(*a, **k):
        mark("> " + name)
        try:
            return orig(*a, **k)
        finally:
            mark("< " + name)
    setattr(cls, name, timed)
main_thread = threading.get_ident()
for name in ("_show_head", "_apply"):
    wrap(lt.LibraryTableModel, name)
wrap(lt.LibraryTableView, "paintEvent")
wrap(Library, "search_staged")

app = make_application()
window = MainWindow(Library.open(sys.argv[1]), settings=QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"), QSettings.Format.IniFormat))
window.resize(1280, 800)
window.show()
def wait(seconds):
    loop = QEventLoop(); QTimer.singleShot(int(seconds * 1000), loop.quit); loop.exec()
def key(ch):
    QApplication.sendEvent(window.search_field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, ch))
wait(6.0)
window.search_field.setFocus()
out = {}
for query in sys.argv[2].split(","):
    runs = []
    for _ in range(int(sys.argv[3])):
        window.search_field.clear(); wait(2.0)
        for ch in query[:-1]:
            key(ch); wait(0.09)
        marks.clear()
        t0, p0 = time.perf_counter(), time.process_time()
        mark("key")
        key(query[-1])
        wait(1.0)
        process = (time.process_time() - p0) * 1000
        key_cpu = next(c for t, m, c, w in marks if w == "key")
        staged = [c for t, m, c, w in marks if not m and w.endswith("search_staged")]
        shown = next((i for i, (t, m, c, w) in enumerate(marks) if w in ("> _show_head", "> _apply")), None)
        painted = next((x for x in marks[shown:] if x[3] == "< paintEvent"), None) if shown is not None else None
        runs.append({
            "worker_head_ms": (staged[1] - staged[0]) * 1000 if len(staged) >= 2 else None,
            "gui_to_painted_ms": (painted[2] - key_cpu) * 1000 if painted else None,
            "wall_to_painted_ms": (painted[0] - t0) * 1000 if painted else None,
            "process_1s_ms": process,
        })
    out[query] = runs[1:]
print("RESULT " + json.dumps(out), flush=True)
QTimer.singleShot(0, app.quit)
"""

KEYS = ("worker_head_ms", "gui_to_painted_ms", "process_1s_ms", "wall_to_painted_ms")


def library_file(n: int, source: Path) -> Path:
    versions = sorted((source / "desktop" / "bibliofile" / "storage" / "migrations" / "versions").glob("[0-9]*.py"))
    tag = versions[-1].name.split("_")[0] if versions else "0"
    path = HERE / "data" / f"settle-{n}-s{tag}.sqlite"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run bench/bench_settle.py --n {n} --source {source} once to import it")
    return path


def measure(source: Path, library: Path, queries: str, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "library.sqlite"
        shutil.copyfile(library, copy)
        env = dict(os.environ, PYTHONPATH=str(source / "desktop"), BIBLIOFILE_NO_SAMPLE_PROMPT="1",
                   XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp, XDG_CACHE_HOME=tmp)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(copy), queries, str(repeat + 1)],
                              env=env, capture_output=True, text=True, timeout=1800)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"the window under {source} gave no result:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", default="a,p,the", help="comma-separated; the last key of each is measured")
    ap.add_argument("--repeat", type=int, default=6)
    ap.add_argument("--source", type=Path, action="append",
                    help="a checkout whose desktop/ runs the window (repeat it to compare; default this one)")
    args = ap.parse_args(argv)
    sources = [s.resolve() for s in (args.source or [ROOT])]
    library = library_file(args.n, sources[0])
    print(f"bench_keystroke_cpu: {args.n:,} references ({library.name}), {args.repeat} keystrokes each, "
          f"medians; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"  {'query':8} {'code':24} {'worker head CPU':>16} {'GUI CPU to painted':>19} "
          f"{'process CPU, 1 s':>17} {'wall to painted':>16}  (ms)")
    for source in sources:
        result = measure(source, library, args.queries, args.repeat)
        for query, runs in result.items():
            cells = []
            for k in KEYS:
                xs = [r[k] for r in runs if r[k] is not None]
                cells.append(f"{statistics.median(xs):.1f}" if xs else "-")
            print(f"  {query!r:8} {source.name:24} {cells[0]:>16} {cells[1]:>19} {cells[2]:>17} {cells[3]:>16}")
    print(f"  (load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; wall times move with it, CPU times much less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
