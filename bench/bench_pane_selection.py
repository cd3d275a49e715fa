"""Selecting many references in the window: how long the GUI thread is held (issue 18, Speed).

For 100, 1,000 and 10,000 selected references (and Ctrl+A on the whole library), prints:
- the select call itself (the table's selection and what the window does on it, synchronously);
- the longest gap between two turns of the GUI event loop (a 2 ms beat) from the selection
  until the detail pane shows what they share (or, where it shows the count only, 1 s later);
- when the pane's summary was on screen;
- for the worst gap seen at each size, what the GUI thread was running (bench/gui_stack_sampler.py).
Target (issue 18): no GUI-thread slice over 50 ms at 100 selected; 10,000 never freezes the pane.

A fresh library of generated references (titles, dates, journals, volumes, two authors, a tag
and a reading status on some), offscreen Qt, the window's real (threaded) task runner.
Run: .venv/bin/python bench/bench_pane_selection.py [--n 12000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BIBLIOFILE_NO_SAMPLE_PROMPT", "1")

from gui_stack_sampler import StackSampler

WORDS = ["governance", "reform", "public", "management", "state", "policy", "network", "markets",
         "trust", "audit", "accountability", "performance", "budget", "agency", "welfare"]
FAMILIES = ["Knox", "Ostrom", "Weber", "Simon", "Lindblom", "Hood", "Dunleavy", "Pollitt"]


def generated(n: int) -> list:  # type: ignore[type-arg]
    from bibliofile.model import Creator, Reference

    out = []
    for i in range(n):
        w = [WORDS[(i * k + 3) % len(WORDS)] for k in (1, 7, 11)]
        out.append(Reference(
            item_type="book" if i % 4 == 0 else "article-journal",
            fields={
                "title": f"{w[0].capitalize()} and {w[1]} in {w[2]} {i}",
                "date": str(1980 + i % 40),
                "container_title": f"Journal of {WORDS[i % 7].capitalize()}",
                "volume": str(i % 60), "issue": str(i % 4 + 1), "pages": f"{i % 300}–{i % 300 + 20}",
                "publisher": "CUP" if i % 3 else "OUP", "language": "en",
            },
            creators=[Creator(family=FAMILIES[i % 8], given="A."), Creator(family=FAMILIES[(i + 3) % 8], given="B.")],
        ))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=12_000, help="references in the library")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pane-selection-"))
    os.environ.update({"XDG_CACHE_HOME": str(tmp / "cache"), "XDG_CONFIG_HOME": str(tmp / "config")})

    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    import bibliofile
    from bibliofile.gui.main_window import MainWindow
    from bibliofile.storage.library import Library

    library = Library.open(tmp / "lib.sqlite")
    ids = library.add_references(generated(args.n))
    print(f"bibliofile from {Path(bibliofile.__file__).parent}; {len(ids):,} references")
    window = MainWindow(library, settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1400, 900)
    window.show()
    pane = window.detail
    clock = QElapsedTimer()
    clock.start()

    def wait(ms: int) -> None:
        end = clock.elapsed() + ms
        while clock.elapsed() < end:
            app.processEvents()
            time.sleep(0.001)

    def summary_shown() -> bool:
        if hasattr(pane, "loading"):  # this change: the pane says when its summary is on screen
            return not pane.loading and pane.summary is not None
        return pane.stack.currentWidget() is pane.scroll_area  # before: shown within the select

    sampler = StackSampler()
    sampler.start()
    wait(2500)  # launch settles (first search, badges, sort orders)
    sizes = [100, 1000, 10_000, len(ids)]
    rows: dict[int, list[tuple[float, float, float | None]]] = {n: [] for n in sizes}
    worst: dict[int, tuple[float, list[tuple[str, int]]]] = {}
    for rep in range(args.repeat):
        for n in sizes:
            window.table.select_ids(ids[-1:])  # one reference, then the many
            wait(300)
            chosen = ids[rep: rep + n] if n < len(ids) else ids
            gaps = [0.0]
            last = [clock.elapsed()]
            ends = [0.0]  # perf_counter ms at the end of each gap

            def tick(gaps: list[float] = gaps, last: list[int] = last, ends: list[float] = ends) -> None:
                now = clock.elapsed()
                gaps.append(now - last[0])
                ends.append(time.perf_counter() * 1000)
                last[0] = now

            beat = QTimer()
            beat.setInterval(2)
            beat.timeout.connect(tick)
            beat.start()
            t0 = time.perf_counter()
            if n < len(ids):
                window.table.select_ids(chosen)
            else:
                window.table.selectAll()  # Ctrl+A
            call = (time.perf_counter() - t0) * 1000
            shown: float | None = None
            start = clock.elapsed()
            last[0] = start  # the select call is counted on its own
            while clock.elapsed() - start < 10_000:
                app.processEvents()
                if summary_shown():
                    shown = (time.perf_counter() - t0) * 1000
                    break
                time.sleep(0.001)
            wait(200)  # the repaint after the summary
            beat.stop()
            rows[n].append((call, max(gaps), shown))
            g = max(range(len(gaps)), key=gaps.__getitem__)
            if gaps[g] > worst.get(n, (-1.0, []))[0]:
                worst[n] = (gaps[g], sampler.during(ends[g] - gaps[g], ends[g]))
    sampler.stop()
    print("selected   select call   longest later gap   summary on screen after   (median of "
          f"{args.repeat}, ms)")
    for n in sizes:
        call = statistics.median(r[0] for r in rows[n])
        gap = statistics.median(r[1] for r in rows[n])
        got = [r[2] for r in rows[n] if r[2] is not None]
        shown = f"{statistics.median(got):.0f}" if len(got) == len(rows[n]) else "never (count only)"
        label = f"{n:,}" + (" (Ctrl+A)" if n == len(ids) else "")
        print(f"{label:>16}   {call:8.0f}   {gap:12.0f}   {shown:>18}")
    for n in sizes:
        gap, what = worst[n]
        running = "; ".join(f"{lab} {pct}%" for lab, pct in what) or "no sample"
        print(f"  worst gap at {n:,}: {gap:.0f} ms: {running}")
    window.close()
    library.close()


if __name__ == "__main__":
    main()
