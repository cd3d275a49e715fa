"""The reader's page drawing (issue 19): only the pages in view (and one either side) are ever
drawn, however long the document; the cache of drawings stays within its byte budget and
keeps the most recently used; a rotated page's search hits land on the turned text; the Fit
buttons show the mode chosen even when two modes give the same zoom."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from tests.pdf_reader_fixtures import write_pdf

from bibliofile.gui import pdf_reader
from bibliofile.gui.pdf_reader import PdfReaderWindow, open_reader
from bibliofile.gui.pdf_render import PageCache


@pytest.fixture
def readers() -> Iterator[None]:
    yield
    for r in list(pdf_reader._open.values()):
        with contextlib.suppress(RuntimeError):  # already deleted with its parent
            r.close()
    pdf_reader._open.clear()


def opened(qtbot, path: Path, **kw) -> tuple[PdfReaderWindow, list[int]]:
    """A reader and the list of pages (0-based) its renderer has drawn, in order."""
    r = open_reader(path, **kw)
    drawn: list[int] = []
    r.renderer.pageRendered.connect(lambda page, _scale, _image: drawn.append(page))
    qtbot.waitUntil(lambda: r.info is not None, timeout=10000)
    return r, drawn


def settle(qtbot, r: PdfReaderWindow) -> None:
    scale = r.view.render_scale()
    qtbot.waitUntil(lambda: all(r.view.cache.get(p, scale) is not None for p in r.view.visible_pages()), timeout=10000)


def test_only_pages_in_view_are_drawn_in_a_long_document(qtbot, tmp_path: Path, readers) -> None:
    r, drawn = opened(qtbot, write_pdf(tmp_path / "long.pdf", 300))
    settle(qtbot, r)
    qtbot.wait(100)  # anything else asked for would come meanwhile
    assert drawn and set(drawn) <= {0, 1, 2}
    assert drawn[0] == 0  # the page in view first
    r.go_to_page(150)
    settle(qtbot, r)
    qtbot.wait(100)
    assert set(drawn) <= {0, 1, 2, 147, 148, 149, 150, 151}
    assert 149 in drawn
    # Jumping through the document asks only for where it lands: pages skipped are never drawn.
    for page in (20, 80, 260):
        r.go_to_page(page)
    settle(qtbot, r)
    qtbot.wait(100)
    assert len(set(drawn)) < 20, sorted(set(drawn))
    assert not {100, 200, 299} & set(drawn)


def image(width: int, height: int) -> QImage:
    made = QImage(width, height, QImage.Format.Format_RGB32)
    made.fill(0xFFFFFF)
    return made


def test_page_cache_keeps_within_its_budget_dropping_the_least_recently_used() -> None:
    one = image(100, 100).sizeInBytes()
    cache = PageCache(budget=3 * one)
    for page in range(3):
        cache.put(page, 1.0, image(100, 100))
    assert cache.get(0, 1.0) is not None  # page 0 used again: page 1 is now the oldest
    cache.put(3, 1.0, image(100, 100))
    assert cache.used <= cache.budget and len(cache) == 3
    assert cache.get(1, 1.0) is None and cache.get(0, 1.0) is not None and cache.get(3, 1.0) is not None
    cache.put(3, 1.0, image(100, 100))  # the same page again replaces, never counts twice
    assert cache.used == 3 * one
    # A zoom shows the nearest drawing of the page until the new one comes.
    roomy = PageCache(budget=20 * one)
    for scale, size in ((1.0, 100), (2.0, 200), (3.0, 300)):
        roomy.put(0, scale, image(size, size))
    assert roomy.best(0, 1.8) is roomy.get(0, 2.0)
    assert roomy.best(0, 1.0) is roomy.get(0, 1.0)
    assert roomy.best(7, 1.0) is None
    big = PageCache(budget=one // 2)
    big.put(0, 1.0, image(100, 100))  # one page bigger than the budget is still kept: it is in view
    assert len(big) == 1


def test_hits_on_a_rotated_page_land_on_the_turned_text(qtbot, tmp_path: Path, readers) -> None:
    path = write_pdf(tmp_path / "turned.pdf", 3, {2: ["A zeugma turned."]}, rotate={2: 90})
    r, _drawn = opened(qtbot, path)
    assert r.info is not None and r.info.page_sizes[1] == (792.0, 612.0)  # shown landscape
    with qtbot.waitSignal(r.searchDone, timeout=10000):
        r.search("zeugma")
    [hit] = r.hits
    [rect] = hit.rects
    # Turned clockwise, the lines run down the page near its right edge: the word is tall and
    # narrow there, inside the page as shown.
    assert rect.height() > 3 * rect.width()
    assert rect.left() > 792 / 2 and rect.right() <= 792 and rect.top() >= 0 and rect.bottom() < 612 / 2


def test_fit_buttons_follow_the_mode_even_when_the_zoom_is_the_same(qtbot, tmp_path: Path, readers) -> None:
    # The widest page is the landscape one: Fit Width and Fit Page on it are the same zoom.
    path = write_pdf(tmp_path / "turned.pdf", 3, rotate={2: 90})
    r, _drawn = opened(qtbot, path)
    r.go_to_page(2)
    assert r.act_fit_width.isChecked()  # the mode a reader opens in
    r.act_fit_width.trigger()  # clicked again: still the mode
    assert r.act_fit_width.isChecked() and not r.act_fit_page.isChecked()
    r.act_fit_page.trigger()
    assert r.view.fit == "page"
    assert r.act_fit_page.isChecked() and not r.act_fit_width.isChecked()
    r.act_zoom_in.trigger()  # a zoom of one's own: neither
    assert not r.act_fit_page.isChecked() and not r.act_fit_width.isChecked()
