"""Reordering a reading list by dragging, ten times in a row in one run of the real app, under
Xvfb with openbox as the window manager (focus and drags behave as on a desktop), driven with
xdotool like a person: press on a row, move in small steps, pause, release.

Issue 17: drags "did nothing" 4 of 4 times in one run and worked after a restart. The run here
starts as that one did: everything selected in My Library (as after an import), then the reading
list. The library file is read after each drag; at the end Ctrl+Z is pressed ten times and each
press must take back exactly one drag.

Positions are window-relative and follow a first start (1300x800; its own settings directory),
as in test_curation_e2e.py: rows of the font's height + 8 px below the toolbar and the header.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import quit_with_ctrl_q, stop, wait_for

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library, Scope

pytestmark = pytest.mark.e2e

FIRST_ROW_Y = 88
ROW_HEIGHT = 22
TABLE_X = 520  # inside the table, right of the sidebar
MY_LIBRARY_Y = 67
LIST_Y = 139  # My Library, Unfiled, Trash, Collections, then the list
LETTERS = "ABCDEFGH"
# (row pressed, row whose upper half it is dropped on; None: below the last row)
DRAGS = [(3, 0), (7, 2), (0, 5), (5, None), (2, 1), (6, 0), (1, 4), (4, 7), (7, 0), (2, 6)]


def fill_library(path: Path) -> tuple[list[int], int]:
    """A-H, all in one reading list in that order, and two references outside it."""
    lib = Library.open(path)
    try:
        refs = [
            Reference(fields={"title": f"{letter} study of public management", "date": "2001",
                              "container_title": "Public Administration", "volume": "1"},
                      creators=[Creator(family="Hood", given="C.")], citation_key=f"hood2001{letter.lower()}")
            for letter in LETTERS + "XY"
        ]
        ids = lib.add_references(refs)
        with lib.write() as uow:
            cid = uow.add_collection("Reading list")
            uow.add_to_collection(cid, ids[: len(LETTERS)])
        return ids, cid
    finally:
        lib.close()


def expected_after(order: str, src: int, dst: int | None) -> str:
    """The list after dragging row ``src`` before row ``dst`` (None: to the end), worked out
    here from the rows as shown, not by the app."""
    moving = order[src]
    rest = order.replace(moving, "")
    at = len(rest) if dst is None else rest.index(order[dst])
    return rest[:at] + moving + rest[at:]


def test_ten_drags_in_one_run_each_one_undo_step(xvfb, openbox, tmp_path: Path, bibliofile_exe: Path,
                                                 screenshots: Path) -> None:
    lib_path = tmp_path / "lib.sqlite"
    ids, cid = fill_library(lib_path)
    letter_of = {rid: LETTERS[n] for n, rid in enumerate(ids[: len(LETTERS)])}

    def order_in_file() -> str:
        lib = Library.open(lib_path, read_only=True)
        try:
            return "".join(letter_of[i] for i in lib.search("", sort="position", scope=Scope(collection_id=cid)))
        finally:
            lib.close()

    env = {**xvfb.env, "XDG_CONFIG_HOME": str(tmp_path / "config")}  # a first start's layout
    log_path = tmp_path / "app.log"
    log = log_path.open("a")
    app = subprocess.Popen([str(bibliofile_exe), "--library", str(lib_path)], env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    x = xvfb.xdotool

    def y_of(row: int | None) -> int:
        if row is None:
            return FIRST_ROW_Y + len(LETTERS) * ROW_HEIGHT + 30  # the empty table below the rows
        return FIRST_ROW_Y + row * ROW_HEIGHT - ROW_HEIGHT // 3  # the row's upper half

    try:
        wid = x("search", "--sync", "--onlyvisible", "--name", r"^lib\.sqlite", timeout=30).splitlines()[0]
        time.sleep(1.5)  # first paint, the first search, the deferred features
        x("windowactivate", "--sync", wid)
        # As after an import: everything in My Library selected, then the reading list.
        x("mousemove", "--window", wid, str(TABLE_X), str(FIRST_ROW_Y), "click", "1")
        time.sleep(0.3)
        x("key", "ctrl+a")
        time.sleep(0.5)
        x("mousemove", "--window", wid, "100", str(LIST_Y), "click", "1")
        time.sleep(1.0)

        orders = [order_in_file()]
        assert orders[0] == LETTERS
        for n, (src, dst) in enumerate(DRAGS):
            want = expected_after(orders[-1], src, dst)
            start_y = FIRST_ROW_Y + src * ROW_HEIGHT
            x("mousemove", "--window", wid, str(TABLE_X), str(start_y))
            time.sleep(0.3)
            x("mousedown", "1")
            step_y = (y_of(dst) - start_y) / 8
            for step in range(1, 9):  # past Qt's start distance, in small steps
                x("mousemove", "--window", wid, str(TABLE_X + step), str(int(start_y + step_y * step)))
                time.sleep(0.05)
            x("mousemove", "--window", wid, str(TABLE_X + 10), str(y_of(dst) + 2))
            time.sleep(0.3)
            x("mousemove", "--window", wid, str(TABLE_X + 10), str(y_of(dst)))
            time.sleep(0.4)
            x("mouseup", "1")
            wait_for(lambda want=want: order_in_file() == want, 5)
            got = order_in_file()
            assert got == want, f"drag {n + 1} (row {src} before {dst}): {got}, expected {want}"
            orders.append(got)
        time.sleep(0.5)
        xvfb.screenshot(screenshots / "reorder_after_ten_drags.png")

        # Each drag is one undo step: each Ctrl+Z brings back the order before one drag.
        x("mousemove", "--window", wid, str(TABLE_X), str(FIRST_ROW_Y), "click", "1")
        time.sleep(0.3)
        for n in range(len(DRAGS), 0, -1):
            x("key", "ctrl+z")
            wait_for(lambda n=n: order_in_file() == orders[n - 1], 5)
            assert order_in_file() == orders[n - 1], f"Ctrl+Z number {len(DRAGS) - n + 1}"
        assert app.poll() is None, "the app died"
        quit_with_ctrl_q(xvfb, app)
    finally:
        stop(app)
        log.close()
