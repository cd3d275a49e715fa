"""Curating in the real app under Xvfb, driven like a person with xdotool: the triage keys on a
selected row (1-3 for priority, R for the reading status), and dragging a row of a reading list
to a new place. The library file is checked after Ctrl+Q; screenshots go to the test's tmp dir.

Positions are window-relative and follow the default layout of a first start (1300x800, the
sidebar 200 px wide, rows of the font's height + 8 px), as in test_main_window_e2e.py.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import quit_with_ctrl_q, stop

from bibliofile.model import Creator, Reference
from bibliofile.storage import curation
from bibliofile.storage.library import Library, Scope

pytestmark = pytest.mark.e2e

FIRST_ROW_Y = 88  # the table's first row, below the toolbar and the header
ROW_HEIGHT = 22  # measured from the screenshots (font height + 8)
TABLE_X = 500  # inside the Title column
LIST_NAME = "Reading list"
LIST_Y = 139  # the collection in the sidebar: My Library, Unfiled, Trash, Collections, then it


def fill_library(path: Path) -> tuple[list[int], int]:
    """Titles sort alphabetically A..G in My Library; the reading list holds A-D, in order."""
    lib = Library.open(path)
    try:
        refs = [
            Reference(
                fields={"title": f"{letter} study of public management", "date": "2001",
                        "container_title": "Public Administration", "volume": "1"},
                creators=[Creator(family="Hood", given="C.")],
                citation_key=f"hood2001{letter.lower()}",
            )
            for letter in "ABCDEF"
        ]
        # G lacks the journal and volume a citation needs: its row shows the integrity badge.
        refs.append(Reference(fields={"title": "G study of public management", "date": "2001"},
                              creators=[Creator(family="Hood", given="C.")]))
        ids = lib.add_references(refs)
        with lib.write() as uow:
            cid = uow.add_collection(LIST_NAME)
            uow.add_to_collection(cid, ids[:4])
        return ids, cid
    finally:
        lib.close()


def row_y(row: int) -> int:
    return FIRST_ROW_Y + row * ROW_HEIGHT


def test_triage_keys_and_reordering_a_reading_list(xvfb, tmp_path: Path, bibliofile_exe: Path) -> None:
    lib_path = tmp_path / "lib.sqlite"
    ids, cid = fill_library(lib_path)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    log_path = tmp_path / "app.log"
    log = log_path.open("a")
    app = subprocess.Popen(
        [str(bibliofile_exe), "--library", str(lib_path)], env=xvfb.env, stdout=log, stderr=subprocess.STDOUT
    )
    x = xvfb.xdotool
    try:
        wid = x("search", "--sync", "--onlyvisible", "--name", r"^lib\.sqlite$", timeout=30).splitlines()[0]
        time.sleep(1.5)  # first paint, the first search and the integrity badges' check
        x("windowfocus", "--sync", wid)
        xvfb.screenshot(shots / "curation_start.png")

        # Triage: click row A, press 1 and R; row B (arrow down): 3, then R twice.
        x("mousemove", "--window", wid, str(TABLE_X), str(row_y(0)), "click", "1")
        time.sleep(0.3)
        x("key", "1")
        time.sleep(0.3)
        x("key", "r")
        time.sleep(0.3)
        x("key", "Down")
        time.sleep(0.3)
        x("key", "3")
        time.sleep(0.3)
        x("key", "r")
        time.sleep(0.3)
        x("key", "r")
        time.sleep(0.8)
        xvfb.screenshot(shots / "curation_triaged.png")

        # The reading list in the sidebar: below My Library, Unfiled and Trash.
        x("mousemove", "--window", wid, "100", str(LIST_Y), "click", "1")
        time.sleep(1.0)
        xvfb.screenshot(shots / "curation_reading_list.png")

        # Drag the fourth row (D) above the first (A): press, move in small steps (a drag starts
        # after Qt's start distance), hover, release.
        x("mousemove", "--window", wid, str(TABLE_X), str(row_y(3)), "click", "1")
        time.sleep(0.3)
        x("mousedown", "1")
        for step in range(1, 9):
            x("mousemove", "--window", wid, str(TABLE_X + step), str(row_y(3) - 4 * step))
            time.sleep(0.05)
        target = row_y(0) - ROW_HEIGHT // 3  # the upper half of row A: "before A"
        x("mousemove", "--window", wid, str(TABLE_X + 10), str(target + 3))
        time.sleep(0.3)
        x("mousemove", "--window", wid, str(TABLE_X + 10), str(target))
        time.sleep(0.5)
        xvfb.screenshot(shots / "curation_dragging.png")
        x("mouseup", "1")
        time.sleep(1.0)
        xvfb.screenshot(shots / "curation_reordered.png")
        assert app.poll() is None, "the app died"

        quit_with_ctrl_q(xvfb, app)
    finally:
        stop(app)
        log.close()

    lib = Library.open(lib_path)
    try:
        states = curation.reading_states(lib, ids)
        assert (states[ids[0]].priority, states[ids[0]].status) == (1, "toread"), log_path.read_text()
        assert (states[ids[1]].priority, states[ids[1]].status) == (3, "reading"), log_path.read_text()
        assert all(states[i].priority == 0 and states[i].status == "" for i in ids[2:])
        assert lib.search("", sort="position", scope=Scope(collection_id=cid)) == [ids[3], ids[0], ids[1], ids[2]]
    finally:
        lib.close()

