"""The whole app under Xvfb: open a filled library, search by typing, trash with the Delete key."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import TRASH, Library

pytestmark = pytest.mark.e2e


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


def wait_for(predicate, timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_search_and_trash_in_the_real_window(xvfb, tmp_path, screenshots, bibliofile_exe) -> None:
    lib_path = tmp_path / "lib.sqlite"
    fill_library(lib_path)
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [str(bibliofile_exe), "--library", str(lib_path)], env=xvfb.env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wid = xvfb.xdotool("search", "--sync", "--onlyvisible", "--name", "^Bibliofile — ", timeout=30).splitlines()[0]
        assert xvfb.xdotool("getwindowname", wid) == "Bibliofile — lib.sqlite"
        time.sleep(1.0)  # first paint and the first search
        xvfb.screenshot(screenshots / "main_window_start.png")

        # Click into the search field (top right of the toolbar), then type a query.
        geo = dict(
            line.split("=") for line in xvfb.xdotool("getwindowgeometry", "--shell", wid).splitlines()
        )
        width = int(geo["WIDTH"])
        xvfb.xdotool("windowfocus", "--sync", wid)
        xvfb.xdotool("mousemove", "--window", wid, str(width - 200), "38", "click", "1")
        xvfb.xdotool("key", "ctrl+a")
        xvfb.xdotool("type", "--delay", "30", "author:knox")
        time.sleep(1.0)  # debounce + search + repaint
        shot = xvfb.screenshot(screenshots / "main_window.png")
        assert shot["width"] == 1400 and shot["colours"] > 20, shot
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
        xvfb.xdotool("key", "ctrl+q")
        assert wait_for(lambda: app.poll() is not None, 15), "Ctrl+Q did not quit"
        assert app.returncode == 0
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(10)
        log.close()
    lib = Library.open(lib_path)
    try:
        trashed = lib.search("", scope=TRASH)
        assert [r.citation_key for r in lib.get_many(trashed)] == ["knox2008"], (tmp_path / "app.log").read_text()
        assert lib.count() == 300
    finally:
        lib.close()
