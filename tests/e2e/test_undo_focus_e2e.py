"""Ctrl+Z right after an edit in the detail pane, in the real app under Xvfb with openbox as the
window manager (issue 17, item 2): the field had kept the undo keys for itself, so the library's
undo never ran while the focus was in the pane. A window manager changes who has the focus
after windows come and go, so this runs with one, as on a desktop.

The library file is read (read-only) while the app runs, after each key, and again after Ctrl+Q.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import Display, quit_with_ctrl_q, stop, wait_for

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library

pytestmark = pytest.mark.e2e

FIRST_ROW_Y = 88  # the table's first row, below the toolbar and the header (test_curation_e2e)
TABLE_X = 500


def title_in_file(path: Path) -> str:
    lib = Library.open(path, create=False, read_only=True)
    try:
        (rid,) = lib.search("")
        return lib.get(rid).title
    finally:
        lib.close()


def test_ctrl_z_in_the_detail_pane_undoes_the_edit(openbox: Display, tmp_path: Path, bibliofile_exe: Path,
                                                   screenshots: Path) -> None:
    lib_path = tmp_path / "lib.sqlite"
    lib = Library.open(lib_path)
    lib.add_references([Reference(fields={"title": "Alpha study", "date": "2001"},
                                  creators=[Creator(family="Hood", given="C.")])])
    lib.close()
    log_path = tmp_path / "app.log"
    log = log_path.open("a")
    app = subprocess.Popen([str(bibliofile_exe), "--library", str(lib_path)], env=openbox.env,
                           stdout=log, stderr=subprocess.STDOUT)
    x = openbox.xdotool

    def title_becomes(want: str) -> bool:
        return wait_for(lambda: title_in_file(lib_path) == want, 10)

    try:
        wid = x("search", "--sync", "--onlyvisible", "--name", r"^lib\.sqlite", timeout=30).splitlines()[0]
        time.sleep(1.5)  # first paint and first search
        x("windowactivate", "--sync", wid)
        x("mousemove", "--window", wid, str(TABLE_X), str(FIRST_ROW_Y), "click", "1")
        time.sleep(0.5)
        x("key", "Return")  # Enter on a row: the focus goes to the title in the detail pane
        time.sleep(0.5)
        x("key", "ctrl+a")
        x("type", "--delay", "30", "Beta study")
        x("key", "Return")  # the edit is stored: one library step
        assert title_becomes("Beta study"), log_path.read_text()
        openbox.screenshot(screenshots / "undo_focus_edited.png")

        x("key", "ctrl+z")  # the focus is still in the title field
        assert title_becomes("Alpha study"), f"Ctrl+Z in the pane did not undo\n{log_path.read_text()}"
        openbox.screenshot(screenshots / "undo_focus_undone.png")

        x("key", "ctrl+shift+z")
        assert title_becomes("Beta study"), "Ctrl+Shift+Z in the pane did not redo"
        x("key", "ctrl+z")
        assert title_becomes("Alpha study")
        assert app.poll() is None, "the app died"
        quit_with_ctrl_q(openbox, app)
    finally:
        stop(app)
        log.close()
    assert title_in_file(lib_path) == "Alpha study"
