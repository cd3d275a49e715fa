"""Resident memory of the app with the built-in reader open on a 100k library (issue 19: under
400 MB), measured in the process that runs the window.

    python bench/bench_reader_memory.py [--n 100000] [--pages 30] [--repeat 1] [--scale 1]

The library is bench/data/settle-N-sSCHEMA.sqlite (bench_settle.ensure_library: imported once
with the CLI from generate_bib.py's file, one file per schema, reused by both benches), copied
to a temporary folder so the shared file stays as it is. A PAGES-page PDF of text (the tests' own
writer, tests/pdf_fixtures.py) is attached to the copy's first reference with
``bibliofile attach #ID FILE --store``, which opens the copy through ``Library.open`` (upgraded to
the current schema first when the file is older) and indexes the PDF's text before it returns,
so the window finds the library as a user's would be after attaching a paper.

Each run is a fresh process, offscreen, opening the real MainWindow as ``bibliofile --library``
does (collector paused, linecache cleared, settings in a private folder), then:

1. the window shown with its rows, until idle (no 500 ms with more than 10 ms of CPU, the
   sampler's own left out);
2. the reference selected (which loads the citation engine for the drag payload: V8, the
   largest part of the figures, printed apart), then quiet until V8 has collected a style's
   build garbage and again until the engine has released V8 (citation/engine.py
   RELEASE_AFTER_S: what the window holds while one reads), then References > Open PDF
   triggered (the path a user takes), until page 1 is drawn;
3. every page in turn with the reader's Next Page (Page Down), each drawn before the next, a
   find for a word on every page, back to page 1, then zoomed in once;
4. until idle again ("settled"), and again after the reader is closed;
5. another reference selected: the seconds until its drag payload is ready, the engine started
   again after its release (the prefetch waits PREFETCH_DELAY_MS first).

A thread samples the resident set every 5 ms: "peak" is the highest sample from step 2 on (the
reader's peak), VmHWM the process's own high-water mark (start-up included). ``--scale 2``
runs Qt at a device pixel ratio of 2 (a high-dpi laptop: pages drawn with 4x the pixels).
The machine's 2 cores are shared with other work: memory is steady, times are not.
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
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_MB = 400
REST_TARGET_MB = 150  # issue 22: the window at rest, the citation engine released
sys.path.insert(0, str(ROOT / "desktop"))
from bibliofile.citation.engine import COMPACT_AFTER_S, RELEASE_AFTER_S  # noqa: E402  (constants; V8 loads later)

FIND = "governance"  # every page of paper_pages has it: the find marks one hit a page


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) for x in fh if x.startswith(key + ":"))


def _rollup_mb() -> dict[str, float]:
    """Pss, anonymous and file-backed resident MB (/proc/self/smaps_rollup; Linux). The file
    pages are mostly libraries, V8's among them: pages another process maps too (a second
    Bibliofile, a test run) are counted whole in the resident set, in part in Pss."""
    try:
        with open("/proc/self/smaps_rollup") as fh:
            kb = {p[0].rstrip(":"): int(p[1]) for p in (line.split() for line in fh) if len(p) == 3}
    except OSError:
        return {}
    return {"pss": kb["Pss"] / 1024, "anon": kb["Anonymous"] / 1024, "file": (kb["Rss"] - kb["Anonymous"]) / 1024}


def _others_mapping(name: str = "libmini_racer") -> int:
    """How many other processes map V8's library: their pages are not ours to give back (the
    kernel's MADV_PAGEOUT leaves shared pages), so the figure after the release depends on it."""
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/maps") as fh:
                    n += any(name in line for line in fh)
            except OSError:
                continue
    return n


class RssSampler(threading.Thread):
    """The resident set every ``interval`` s (from /proc/self/statm: one read, no parsing of
    the whole status), the highest since ``reset``."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.interval = interval
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0
        self.cpu = 0.0  # this thread's own CPU seconds, left out of "idle"
        self.stopped = threading.Event()

    def now_mb(self) -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self.page / 2**20

    def reset(self) -> None:
        self.peak = 0

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.peak = max(self.peak, int(self.now_mb()))
            self.cpu = time.thread_time()


def _probe(library: str) -> dict[str, Any]:
    """Runs in the child: the window, the reader, the figures (one JSON line on stdout)."""
    from bibliofile.startup import pause_collector

    pause_collector()  # first, as bibliofile/__main__.py does
    import linecache

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from bibliofile.gui.app import make_application
    from bibliofile.storage.attachments import all_attachments
    from bibliofile.storage.library import Library

    sampler = RssSampler()
    sampler.start()
    app = make_application()
    assert isinstance(app, QApplication)
    lib = Library.open(library)
    from bibliofile.gui import pdf_reader
    from bibliofile.gui.main_window import MainWindow

    linecache.clearcache()  # as run_gui does once the window's modules are imported
    settings = QSettings("Bibliofile", "Bibliofile")  # XDG_CONFIG_HOME is a private folder
    window = MainWindow(lib, settings=settings)
    window.resize(1280, 800)
    window.show()
    out: dict[str, Any] = {"references": 0}

    def spin(cond: Any, limit: float = 60.0, what: str = "") -> None:
        end = time.perf_counter() + limit
        while not cond():
            if time.perf_counter() > end:
                raise TimeoutError(f"waited {limit:.0f} s for {what}")
            app.processEvents()
            time.sleep(0.002)

    def idle(quiet: float = 0.5, cpu: float = 0.010, limit: float = 60.0) -> float:
        """Run the event loop until ``quiet`` s pass using at most ``cpu`` s of the process's
        CPU (every thread: the renderer's and the writer's too); the seconds it took."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit:
            c0, s0 = time.process_time(), sampler.cpu
            loop = QEventLoop()  # the app's own event loop, not a poll that would use CPU itself
            QTimer.singleShot(round(quiet * 1000), loop.quit)
            loop.exec()
            if time.process_time() - c0 - (sampler.cpu - s0) <= cpu:
                break
        return time.perf_counter() - t0

    spin(lambda: window.model.rowCount() > 0, what="the first rows")
    out["references"] = window.model.rowCount()
    idle()
    out["window_idle_mb"] = sampler.now_mb()
    out["window_idle_rollup"] = _rollup_mb()
    out["startup_hwm_mb"] = _status_kb("VmHWM") / 1024

    attachment = next(iter(all_attachments(lib)))
    window.show_in_library([attachment.reference_id])
    spin(lambda: window.table.selected_ids() == [attachment.reference_id], what="the selection")
    idle()
    out["selected_idle_mb"] = sampler.now_mb()
    # Selecting readies the citation drag payload: citeproc-js in V8 (py_mini_racer), not the reader.
    out["v8_loaded"] = "py_mini_racer" in sys.modules
    # and once quiet for longer than the engine waits before V8 collects a style's build
    # garbage (citation/engine.py COMPACT_AFTER_S): what the window holds while one reads
    idle(quiet=COMPACT_AFTER_S + 1.0)
    out["selected_settled_mb"] = sampler.now_mb()
    out["selected_settled_rollup"] = _rollup_mb()
    # and once quiet for longer than the engine keeps V8 unused (RELEASE_AFTER_S): closed, its
    # memory given back; the next render starts it again
    idle(quiet=RELEASE_AFTER_S + 1.0, limit=RELEASE_AFTER_S + 1.0)
    out["selected_released_mb"] = sampler.now_mb()
    out["selected_released_rollup"] = _rollup_mb()
    out["v8_library_shared"] = _others_mapping()
    engine_module = sys.modules.get("bibliofile.citation.engine")
    shared = getattr(engine_module, "_default", None)
    out["v8_releases"] = getattr(shared, "releases", 0)
    sampler.reset()
    t0 = time.perf_counter()
    window.act_open_pdf.trigger()  # References > Open PDF (Ctrl+Shift+O)
    [reader] = pdf_reader._open.values()
    view = reader.view
    spin(lambda: reader.info is not None or reader.error is not None, what="the document")
    if reader.error:
        raise RuntimeError(reader.error)

    def drawn(page: int) -> bool:
        return view.cache.get(page, view.render_scale()) is not None

    spin(lambda: drawn(reader.page - 1), what="page 1 drawn")
    view.viewport().repaint()
    out["first_page_ms"] = (time.perf_counter() - t0) * 1000
    out["after_open_mb"] = sampler.now_mb()
    pages = view.page_count
    out["pages"] = pages
    reader.act_first.trigger()
    for _ in range(pages - 1):
        reader.act_next.trigger()  # Page Down
        page = reader.page
        spin(lambda page=page: drawn(page - 1), what=f"page {page} drawn")
        view.viewport().repaint()
    out["last_page"] = reader.page
    out["after_paging_mb"] = sampler.now_mb()
    out["cached_pages"] = len(view.cache)
    out["cache_mb"] = view.cache.used / 2**20
    reader.search(FIND)
    spin(lambda: reader.search_complete, what="the find")
    out["find_hits"] = len(reader.hits)
    reader.act_first.trigger()
    spin(lambda: drawn(0), what="page 1 again")
    reader.act_zoom_in.trigger()
    spin(lambda: drawn(reader.page - 1), what="page 1 zoomed")
    view.viewport().repaint()
    out["reader_peak_mb"] = float(sampler.peak)
    out["settle_s"] = idle(quiet=2.0)
    out["settled_mb"] = sampler.now_mb()
    out["hwm_mb"] = _status_kb("VmHWM") / 1024
    reader.close()
    idle(quiet=1.0)
    out["closed_mb"] = sampler.now_mb()
    # the cost of the release: another reference selected, its drag payload rendered by an
    # engine that starts again (V8, citeproc.js, APA) on the background lane
    other = next(i for i in window.model.ids[:50] if i != attachment.reference_id)
    rendered = window.citations.prefetched
    t0 = time.perf_counter()
    window.show_in_library([other])
    spin(lambda: window.citations.prefetched > rendered, what="the payload after the release")
    out["restart_s"] = time.perf_counter() - t0
    sampler.stopped.set()
    window.close()
    window.runner.wait()
    lib.close()
    return out


def _private_env(tmp: Path, scale: float) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BIBLIOFILE_NO_SAMPLE_PROMPT": "1",
           "BIBLIOFILE_OFFLINE": "1"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp / var.lower())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "desktop"), env.get("PYTHONPATH", "")) if p)
    if scale != 1:
        env["QT_SCALE_FACTOR"] = str(scale)
    return env


def prepare(n: int, pages: int, tmp: Path) -> Path:
    """A copy of the N-reference library with a PAGES-page PDF stored under its first
    reference and indexed, by the CLI."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    from tests.pdf_fixtures import paper_pages, write_pdf

    from bench_settle import app_command, ensure_library

    shared = ensure_library(n)
    copy = tmp / f"reader-{n}.sqlite"
    t0 = time.perf_counter()
    shutil.copyfile(shared, copy)
    pdf = write_pdf(tmp / "paper.pdf", paper_pages("A Thirty-Page Paper on Public Reform", pages))
    out = subprocess.run(
        [*app_command(), "--library", str(copy), "attach", "#1", str(pdf), "--store", "--json"],
        env=_private_env(tmp, 1), capture_output=True, text=True, timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"attaching {pdf.name} failed:\n{out.stdout[-1500:]}{out.stderr[-1500:]}")
    print(f"(copied {shared.name} and attached a {pages}-page PDF with the CLI in "
          f"{time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return copy


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (2: a high-dpi screen)")
    ap.add_argument("--probe", metavar="LIBRARY", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe:
        print(json.dumps(_probe(args.probe)))
        return 0
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-reader-") as name:
        tmp = Path(name)
        library = prepare(args.n, args.pages, tmp)
        for _ in range(args.repeat):
            proc = subprocess.run([sys.executable, __file__, "--probe", str(library)],
                                  env=_private_env(tmp, args.scale), capture_output=True, text=True, timeout=900)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    r0 = runs[0]

    def parts(key: str) -> str:
        r = r0.get(key) or {}
        return f"Pss {r['pss']:.0f}, anonymous {r['anon']:.0f}, file {r['file']:.0f} MB" if r else ""

    print(f"load {os.getloadavg()[0]:.2f} (2 shared cores); {r0['references']:,} references; "
          f"a {r0['pages']}-page PDF; device pixel ratio {args.scale:g}; {len(runs)} run(s), medians")
    print(f"window idle, before the reader:   {med('window_idle_mb'):6.0f} MB  "
          f"(start-up high-water mark {med('startup_hwm_mb'):.0f} MB; {parts('window_idle_rollup')})")
    print(f"one reference selected:           {med('selected_idle_mb'):6.0f} MB  "
          f"({'the citation engine, citeproc-js in V8, loaded for the drag payload' if r0['v8_loaded'] else 'no V8'})")
    print(f"one selected, quiet {COMPACT_AFTER_S + 1:.0f} s:       {med('selected_settled_mb'):6.0f} MB  "
          f"({parts('selected_settled_rollup')})")
    print(f"one selected, quiet {RELEASE_AFTER_S + 1:.0f} s:      {med('selected_released_mb'):6.0f} MB  "
          f"({'V8 released' if r0['v8_releases'] else 'V8 still loaded'}: {parts('selected_released_rollup')}; "
          f"V8's library mapped by {r0['v8_library_shared']} other process(es); the reader lines below follow it)")
    if len(runs) > 1:
        print("  each run: " + ", ".join(f"{r['selected_released_mb']:.0f} MB (V8's library mapped by "
                                         f"{r['v8_library_shared']} other)" for r in runs))
    print(f"reader open, page 1 drawn:        {med('after_open_mb'):6.0f} MB  "
          f"(Open PDF -> page 1 drawn {med('first_page_ms'):.0f} ms)")
    print(f"after paging to page {r0['last_page']}:        {med('after_paging_mb'):6.0f} MB  "
          f"({r0['cached_pages']} pages, {r0['cache_mb']:.0f} MB in the page cache)")
    print(f"peak with the reader (5 ms samples): {med('reader_peak_mb'):4.0f} MB  "
          f"(process high-water mark {med('hwm_mb'):.0f} MB)")
    print(f"settled, reader open:             {med('settled_mb'):6.0f} MB  (idle after {med('settle_s'):.1f} s; "
          f"find '{FIND}': {r0['find_hits']} hits)")
    print(f"reader closed:                    {med('closed_mb'):6.0f} MB")
    print(f"then another reference selected: drag payload ready {med('restart_s'):.2f} s after the selection "
          "(V8 and APA started again)")
    rest = med("selected_released_mb")
    print(f"target (issue 22): under {REST_TARGET_MB} MB at rest at 100k references: "
          f"{'pass' if rest < REST_TARGET_MB else 'FAIL'} (one selected, quiet {RELEASE_AFTER_S + 1:.0f} s: {rest:.0f} MB)")
    worst = max(max(r["reader_peak_mb"], r["settled_mb"]) for r in runs)
    print(f"target: under {TARGET_MB} MB with the reader open at 100k references: "
          f"{'pass' if worst < TARGET_MB else 'FAIL'} (worst peak {worst:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
