"""Live updates between replicas (issue 21): a change made on one replica shown in another
running window, through a real PostgreSQL and LISTEN/NOTIFY. Target: under 2 s.

    python bench/bench_sync_live.py [--n 1000] [--rounds 10] [--url postgresql://...]

Two local libraries of ``--n`` references synced with one server (a private one, started like
the tests', fsync off, unless ``--url`` names an empty database). The first is open in the real
window (offscreen, its real TaskRunner and automatic sync with the app's own timings); the
second, the "other replica", edits one reference's title and pushes it with ``services.sync``.
Each round is timed from just before the other replica's edit to the moment the window's table
model gives the new title for that row, with the event loop running in between as in the app
(no user action). Printed per round and as median / worst: the whole, the other replica's edit
and push, the NOTIFY heard by the window's listener, and the window's own sync (reach + sync on
the writer + table reload) until the title shows.

Both replicas run in this one process and the other replica pushes from the GUI thread, so the
window only hears the NOTIFY once that push has returned: the figure is the push and the
window's pull one after the other, as a second computer's push followed by this window's pull
would be at worst. The machine's load changes the figures (say it when reporting them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BIBLIOFILE_NO_SAMPLE_PROMPT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg_server, the private server helper


def _refs(n: int) -> list[object]:
    from bibliofile.model import Creator, Reference

    return [
        Reference(fields={"title": f"Paper number {i}", "date": str(1950 + i % 70), "doi": f"10.1234/{i}"},
                  creators=[Creator(family=f"Author{i % 97}", given="A.")], citation_key=f"key{i}")
        for i in range(n)
    ]


def run(url: str, n: int, rounds: int) -> None:
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from bibliofile.gui.library_table import TABLE_COLUMNS
    from bibliofile.services import sync
    from bibliofile.storage.library import Library

    app = QApplication.instance() or QApplication([])
    from bibliofile.gui.main_window import MainWindow

    title_column = [c.key for c in TABLE_COLUMNS].index("title")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-live-"))
    here = Library.open(tmp / "window.sqlite")
    other = Library.open(tmp / "other.sqlite")
    here.add_references(_refs(n))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    sync.sync(here, url)
    sync.sync(other, url)
    print(f"{n:,} references on both replicas (initial push and pull: {time.perf_counter() - t0:.1f} s, not part of the figure)")

    window = MainWindow(here, settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    window._install_deferred()
    auto = window.sync_action.auto
    heard: list[float] = []
    synced: list[float] = []
    auto._notified.connect(lambda _v: heard.append(time.perf_counter()))
    auto.finished.connect(lambda _r: synced.append(time.perf_counter()))

    def spin_until(done: object, timeout: float) -> bool:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            QCoreApplication.processEvents()
            if done():  # type: ignore[operator]
                return True
            time.sleep(0.002)
        return False

    if not spin_until(lambda: auto.listening and auto.syncs >= 1 and not auto.running, 60):
        raise SystemExit("the window never listened or synced")

    def shown_title(key: str) -> str | None:
        [local_id] = here.by_citation_key([key])
        model = window.model
        if local_id not in model.ids:
            return None
        return str(model.data(model.index(model.ids.index(local_id), title_column)))

    totals, pushes, notes, windows = [], [], [], []
    for r in range(rounds):
        key = f"key{(r * 37) % n}"
        marker = f"Live edit {r} at {time.time():.3f}"
        heard.clear()
        synced.clear()
        start = time.perf_counter()
        [other_id] = other.by_citation_key([key])
        ref = other.get(other_id)
        ref.fields["title"] = marker
        other.update_reference(ref)
        report = sync.sync(other)
        pushed = time.perf_counter()
        assert report.pushed == 1, report
        if not spin_until(lambda key=key, marker=marker: shown_title(key) == marker, 30):
            raise SystemExit(f"round {r}: the change never showed")
        shown = time.perf_counter()
        total, push = shown - start, pushed - start
        note = (heard[0] - pushed) if heard else float("nan")
        in_window = shown - (heard[0] if heard else pushed)
        totals.append(total)
        pushes.append(push)
        notes.append(note)
        windows.append(in_window)
        print(f"  round {r + 1}: {total * 1000:.0f} ms (edit + push {push * 1000:.0f} ms, NOTIFY heard "
              f"{note * 1000:+.0f} ms after, the window's sync until shown {in_window * 1000:.0f} ms)")
        spin_until(lambda: not auto.running, 10)
        time.sleep(0.2)  # rounds apart, as edits by people are

    def line(label: str, values: list[float]) -> str:
        return f"{label}: median {statistics.median(values) * 1000:.0f} ms, worst {max(values) * 1000:.0f} ms"

    print(f"change on one replica shown in the other's window, {n:,} references, {rounds} rounds (target < 2000 ms):")
    print("  " + line("whole", totals))
    print("  " + line("edit + push on the other replica", pushes))
    print("  " + line("NOTIFY heard after the push returned", notes))
    print("  " + line("window: notified -> sync -> title shown", windows))
    window.close()
    here.close()
    other.close()
    app.processEvents()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--url", help="an empty PostgreSQL database (default: a private server)")
    args = p.parse_args()
    if args.url:
        run(args.url, args.n, args.rounds)
        return
    from tests.pg_server import running_server

    with running_server() as pg:
        print(f"private PostgreSQL from {pg.bin_dir} (fsync off)")
        run(pg.create_database("bench_live").replace("postgresql+psycopg://", "postgresql://"), args.n, args.rounds)


if __name__ == "__main__":
    main()
