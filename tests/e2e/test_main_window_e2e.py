"""The whole app under Xvfb, driven like a person: import through File > Import, edit a field in
the detail pane, search by typing, trash with the Delete key, quit, start again and find the edit."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import quit_with_ctrl_q, stop

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import TRASH, Library

pytestmark = pytest.mark.e2e

# The detail pane's Title field, from the window's top: below the source line, item type,
# citation key and the "Main" heading (see docs/screenshots/main-window.png).
TITLE_FIELD_Y = 177
# The table's rows, from the window's top-left: below the column headers (the first row is at
# y=88, where the test clicks it) and right of the sidebar, left of the detail pane.
TABLE_ROWS = (215, 79, 930, 700)  # left, top, right, bottom


def window_origin(xvfb, wid: str) -> tuple[int, int]:
    geo = dict(line.split("=") for line in xvfb.xdotool("getwindowgeometry", "--shell", wid).splitlines())
    return int(geo["X"]), int(geo["Y"])


def text_lines_in_table(png: Path, origin: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The lines of dark text drawn in the table's rows of a screenshot, each as its ink's
    (left, top, right, bottom) in window coordinates: one per row shown, none for an empty table."""
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert not img.isNull(), png
    left, top, right, bottom = TABLE_ROWS
    ox, oy = origin
    inked: dict[int, list[int]] = {}
    for y in range(top, bottom):
        xs = [x for x in range(left, right) if max(img.pixelColor(ox + x, oy + y).getRgb()[:3]) < 110]
        if xs:
            inked[y] = xs
    lines: list[tuple[int, int, int, int]] = []
    for y in sorted(inked):
        if lines and lines[-1][3] == y - 1:
            line = lines[-1]
            lines[-1] = (min(line[0], *inked[y]), line[1], max(line[2], *inked[y]), y)
        else:
            lines.append((min(inked[y]), y, max(inked[y]), y))
    return lines


def assert_one_row_shown(png: Path, origin: tuple[int, int]) -> None:
    """Exactly one reference found: one line of text, across the columns from the authors to the
    date added, and blank table below it (the unfiltered 300 would fill the table with lines)."""
    lines = text_lines_in_table(png, origin)
    assert len(lines) == 1, f"{png.name}: {len(lines)} lines of text in the table, expected 1: {lines[:5]}"
    [(x0, y0, x1, y1)] = lines
    assert y1 - y0 <= 20 and y0 < 100, f"{png.name}: the text {lines} is not one row at the top"
    assert x0 < 320 and x1 > 800, f"{png.name}: the row's text spans only x={x0}..{x1}"


def fill_library(path: Path) -> None:
    lib = Library.open(path)
    refs = [
        Reference(
            fields={"title": f"Public management reform study {i}", "date": str(1980 + i % 40),
                    "container_title": f"Journal {i % 7}"},
            creators=[Creator(family=["Pollitt", "Hood", "Ostrom", "Weber"][i % 4], given="A.")],
        )
        for i in range(300)
    ]
    refs.append(
        Reference(
            fields={"title": "Kazakhstan: Modernizing government in the context of political inertia",
                    "date": "2008", "container_title": "International Review of Administrative Sciences"},
            creators=[Creator(family="Knox", given="Colin")],
            citation_key="knox2008",
        )
    )
    lib.add_references(refs)
    lib.close()


def test_search_and_trash_in_the_real_window(xvfb, tmp_path, screenshots, bibliofile_exe, request) -> None:
    lib_path = tmp_path / "lib.sqlite"
    fill_library(lib_path)
    bib = tmp_path / "to-import.bib"
    bib.write_text(
        "@book{ostrom1990,\n  author = {Ostrom, Elinor},\n  title = {Governing the Commons},\n"
        "  publisher = {Cambridge University Press},\n  year = {1990},\n}\n",
        encoding="utf-8",
    )
    log = (tmp_path / "app.log").open("a")
    request.addfinalizer(log.close)  # also when an assertion fails half-way
    app = subprocess.Popen(
        [str(bibliofile_exe), "--library", str(lib_path)], env=xvfb.env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wid = xvfb.xdotool("search", "--sync", "--onlyvisible", "--name", r"^lib\.sqlite$", timeout=30).splitlines()[0]
        assert xvfb.xdotool("getwindowname", wid) == "lib.sqlite — Bibliofile"
        time.sleep(1.0)  # first paint and the first search
        xvfb.screenshot(screenshots / "main_window_start.png")

        # File > Import (Ctrl+I): Qt's file dialog, type the path, Enter; then close the summary.
        xvfb.xdotool("windowfocus", "--sync", wid)
        xvfb.xdotool("key", "ctrl+i")
        dialog = xvfb.xdotool("search", "--sync", "--onlyvisible", "--name", "^Import", timeout=20).splitlines()[0]
        xvfb.xdotool("windowfocus", "--sync", dialog)
        time.sleep(0.5)
        xvfb.xdotool("type", "--delay", "10", str(bib))
        xvfb.xdotool("key", "Return")
        summary = xvfb.xdotool("search", "--sync", "--onlyvisible", "--name", "^Import finished", timeout=20)
        time.sleep(0.5)
        xvfb.screenshot(screenshots / "main_window_import_summary.png")
        xvfb.xdotool("windowfocus", "--sync", summary.splitlines()[0])
        xvfb.xdotool("key", "Escape")
        time.sleep(0.8)  # the imported reference is selected and shown in the detail pane

        # Edit its title in the detail pane (top of the right-hand pane), saved on Tab.
        geo = dict(
            line.split("=") for line in xvfb.xdotool("getwindowgeometry", "--shell", wid).splitlines()
        )
        width = int(geo["WIDTH"])
        xvfb.xdotool("mousemove", "--window", wid, str(width - 120), str(TITLE_FIELD_Y), "click", "1")
        xvfb.xdotool("key", "ctrl+a")
        xvfb.xdotool("type", "--delay", "20", "Governing the Commons Revisited")
        xvfb.xdotool("key", "Tab")
        time.sleep(0.8)
        xvfb.screenshot(screenshots / "main_window_edited.png")

        # Click into the search field (top right of the toolbar), then type a query.
        xvfb.xdotool("windowfocus", "--sync", wid)
        xvfb.xdotool("mousemove", "--window", wid, str(width - 200), "38", "click", "1")
        xvfb.xdotool("key", "ctrl+a")
        xvfb.xdotool("type", "--delay", "30", "author:knox")
        time.sleep(2.0)  # search + repaint, with room for a loaded machine (a CI box)
        shot = xvfb.screenshot(screenshots / "main_window.png")
        assert shot["width"] == 1400, shot
        assert_one_row_shown(screenshots / "main_window.png", window_origin(xvfb, wid))
        assert app.poll() is None, "the app died"

        # Select the one row found and press Delete: the reference goes to the trash.
        xvfb.xdotool("mousemove", "--window", wid, "500", "88", "click", "1")
        time.sleep(0.3)
        xvfb.xdotool("key", "Delete")
        time.sleep(0.8)
        xvfb.screenshot(screenshots / "main_window_after_delete.png")

        # Ctrl+F, Escape clears the search; Ctrl+Q quits cleanly and saves settings.
        xvfb.xdotool("key", "ctrl+f")
        xvfb.xdotool("key", "Escape")
        time.sleep(0.5)
        xvfb.screenshot(screenshots / "main_window_cleared.png")
        quit_with_ctrl_q(xvfb, app)
    finally:
        stop(app)
        log.flush()
    lib = Library.open(lib_path)
    try:
        trashed = lib.search("", scope=TRASH)
        assert [r.citation_key for r in lib.get_many(trashed)] == ["knox2008"], (tmp_path / "app.log").read_text()
        assert lib.count() == 301
        [edited] = lib.get_many(lib.search("key:ostrom1990"))
        assert edited.fields["title"] == "Governing the Commons Revisited", (tmp_path / "app.log").read_text()
    finally:
        lib.close()

    # Start again: the edit is there, found by typing.
    app = subprocess.Popen(
        [str(bibliofile_exe), "--library", str(lib_path)], env=xvfb.env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wid = xvfb.xdotool("search", "--sync", "--onlyvisible", "--name", r"^lib\.sqlite$", timeout=30).splitlines()[0]
        time.sleep(1.0)
        xvfb.xdotool("windowfocus", "--sync", wid)
        xvfb.xdotool("key", "ctrl+f")
        xvfb.xdotool("type", "--delay", "30", "revisited")
        time.sleep(1.0)
        xvfb.screenshot(screenshots / "main_window_after_restart.png")
        assert_one_row_shown(screenshots / "main_window_after_restart.png", window_origin(xvfb, wid))
        quit_with_ctrl_q(xvfb, app)
    finally:
        stop(app)
        log.close()
