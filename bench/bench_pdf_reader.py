"""The built-in PDF reader (issue 19): prints how fast a long PDF opens and shows page 1, how
much memory the reader takes, and how long the GUI thread ever waits.

For 300- and 500-page PDFs of text (written by tests/pdf_reader_fixtures.py, the files the
reader's tests open): time from ``open_reader`` to the document open and to page 1 painted
(the issue's target: under 300 ms for 500 pages), resident memory added by the reader, the
same after paging through every page (the page cache is bounded: memory must not grow with
the page count), a search for a word on the last page, and the GUI thread's longest gap
meanwhile (a 5 ms timer's lateness). Each size runs in a fresh process, offscreen.
Run: .venv/bin/python bench/bench_pdf_reader.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (300, 500)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one(pages: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication
    from tests.pdf_reader_fixtures import write_pdf

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = write_pdf(Path(tmp) / f"long-{pages}.pdf", pages, {pages: ["The last word: colophon."]})
        from bibliofile.gui.pdf_reader import open_reader

        gaps: list[float] = []
        ticker = QTimer()
        ticker.setInterval(5)
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        ticker.timeout.connect(tick)

        def spin_until(cond: object, limit: float = 30.0) -> None:
            end = time.perf_counter() + limit
            while not cond() and time.perf_counter() < end:  # type: ignore[operator]
                app.processEvents()
                time.sleep(0.0005)

        base = rss_mb()
        ticker.start()
        t0 = time.perf_counter()
        reader = open_reader(path)
        t_call = time.perf_counter() - t0
        spin_until(lambda: reader.info is not None or reader.error is not None)
        t_open = time.perf_counter() - t0
        view = reader.view
        spin_until(lambda: view.cache.get(0, view.render_scale()) is not None)
        view.viewport().repaint()
        t_paint = time.perf_counter() - t0
        after_open = rss_mb()
        gap_open = max(gaps, default=0.0)

        gaps.clear()
        for p in range(pages):
            reader.go_to_page(p + 1)
            spin_until(lambda p=p: view.cache.get(p, view.render_scale()) is not None)
        after_all = rss_mb()
        gap_pages = max(gaps, default=0.0)

        gaps.clear()
        reader.go_to_page(1)
        t1 = time.perf_counter()
        reader.search("colophon")
        spin_until(lambda: reader.search_complete)
        t_search = time.perf_counter() - t1
        gap_search = max(gaps, default=0.0)
        ticker.stop()
        print(
            f"{pages} pages ({path.stat().st_size / 1024:.0f} KB): open {t_open * 1000:.0f} ms, "
            f"page 1 painted {t_paint * 1000:.0f} ms (building the window {t_call * 1000:.0f} ms of it); RSS +{after_open - base:.0f} MB after page 1, "
            f"+{after_all - base:.0f} MB after every page ({len(view.cache)} pages, "
            f"{view.cache.used / 2**20:.0f} MB cached); search to the last page {t_search * 1000:.0f} ms "
            f"({len(reader.hits)} hit on page {reader.hits[0].page + 1 if reader.hits else '-'}, now on page {reader.page}); "
            f"GUI thread's longest gap: {gap_open:.0f} ms opening, {gap_pages:.0f} ms paging, {gap_search:.0f} ms searching"
        )
        reader.close()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one(int(sys.argv[2]))
        return
    for pages in SIZES:
        subprocess.run([sys.executable, __file__, "--one", str(pages)], check=True)


if __name__ == "__main__":
    main()
