"""The reader gives its memory back (issue 19: under 400 MB with the reader open at 100k
references, bench/bench_reader_memory.py). A closed reader's drawn pages go with the window,
not with the last Python reference to it; and page-sized blocks freed on a thread go back to
the system (glibc's mmap threshold, fixed when a document opens) instead of staying in the
thread's heap, where a paged-through document's drawings stayed after the reader closed."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pdf_reader_fixtures import write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.pdf_reader import open_reader


@pytest.fixture
def readers() -> Iterator[None]:
    yield
    for r in list(pdf_reader._open.values()):
        with contextlib.suppress(RuntimeError):  # already deleted with its parent
            r.close()
    pdf_reader._open.clear()


def test_closing_the_reader_drops_its_drawn_pages(qtbot, readers, tmp_path: Path) -> None:
    r = open_reader(write_pdf(tmp_path / "long.pdf", 8))
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    cache = r.view.cache
    for page in range(1, 9):
        r.go_to_page(page)
        qtbot.waitUntil(lambda page=page: cache.get(page - 1, r.view.render_scale()) is not None, timeout=10000)
    assert len(cache) >= 4 and cache.used > 4 * 2**20  # pages of a few MB each, kept for paging back
    r.close()
    assert (len(cache), cache.used) == (0, 0)  # the window object may live on: its pixels do not


PROBE = textwrap.dedent("""
    import ctypes, sys, threading
    from bibliofile.gui.pdf_render import return_page_memory_to_the_system
    if sys.argv[1] == "tuned":
        assert return_page_memory_to_the_system()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    PAGE = 816 * 1056 * 4  # a Letter page drawn at 96 dpi, 32 bits a pixel
    def rss():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096 / 2**20
    def draw():  # the renderer's thread: a zoomed page freed, then 30 pages, every other one dropped
        big = libc.malloc(2 * PAGE); ctypes.memset(big, 1, 2 * PAGE); libc.free(big)
        blocks = [libc.malloc(PAGE) for _ in range(30)]
        for b in blocks:
            ctypes.memset(b, 1, PAGE)
        before = rss()
        for b in blocks[::2]:
            libc.free(b)
        print(round(before - rss()))
    t = threading.Thread(target=draw); t.start(); t.join()
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_page_sized_blocks_freed_on_a_thread_go_back_to_the_system() -> None:
    desktop = Path(__file__).resolve().parents[2] / "desktop"

    def returned_mb(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60,
                             env={"PYTHONPATH": str(desktop), "PATH": ""})
        assert out.returncode == 0, out.stderr
        return int(out.stdout.split()[-1])

    freed = 15 * 816 * 1056 * 4 / 2**20  # 49 MB
    assert returned_mb("tuned") >= 0.9 * freed
    assert returned_mb("default") < 0.5 * freed  # glibc as it comes keeps them: what the tuning is for


def test_paging_keeps_the_cache_small_and_a_huge_zoom_draws_each_page_once(qtbot, readers, tmp_path: Path) -> None:
    r = open_reader(write_pdf(tmp_path / "long.pdf", 20))
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    drawn: list[tuple[int, float]] = []
    r.renderer.pageRendered.connect(lambda page, scale, _image: drawn.append((page, scale)))
    view = r.view
    view.set_zoom(1.0)
    for page in range(1, 21):
        r.go_to_page(page)
        qtbot.waitUntil(lambda page=page: view.cache.get(page - 1, view.render_scale()) is not None, timeout=10000)
    assert len(view.cache) >= 6  # pages to go back to...
    assert view.cache.used <= 32 * 2**20  # ...within 32 MB at 100 %

    # At 400 % one page is 55 MB: it is kept while in view, and what is drawn ahead never pushes
    # it out (a page drawn, dropped for its neighbour, drawn again, round and round).
    view.set_zoom(4.0)
    r.go_to_page(10)
    scale = view.render_scale()
    qtbot.waitUntil(lambda: all(view.cache.get(p, scale) is not None for p in view.visible_pages()), timeout=10000)
    qtbot.wait(500)  # long enough for a loop to show
    at_400 = [d for d in drawn if d[1] == scale]
    assert len(at_400) == len(set(at_400)), at_400
    assert all(view.cache.get(p, scale) is not None for p in view.visible_pages())
