"""The terminal stays quiet about the machine's fonts on start (issue 17, item 12).

Qt printed 'qt.text.font.db: OpenType support missing for "<font>", script 11' for every Type 1,
CFF or bitmap font installed (fonts-urw-base35 here) when a title in a script no font covers
was laid out: a Devanagari title in the table is enough. The real app runs in a subprocess,
offscreen, until the title has been laid out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library

DEVANAGARI_TITLE = "भारतीय भाषाओं में संज्ञानात्मक अध्ययन"


def make_library(tmp_path: Path) -> Path:
    lib_path = tmp_path / "library.sqlite"
    lib = Library.open(lib_path)
    lib.add_references(
        [Reference(fields={"title": DEVANAGARI_TITLE, "date": "2020"}, creators=[Creator(family="शर्मा")])]
    )
    lib.close()
    return lib_path


def run_app(tmp_path: Path, lib_path: Path, rules: str | None, until: str | None, seconds: float) -> tuple[str, float]:
    """Run the real app offscreen until a stderr line holds ``until`` (or ``seconds`` pass), then
    end it; returns its stderr and how long it ran. The table paints its rows some time after
    the window appears, so the app is given time rather than told to quit after its first paint."""
    env = {k: v for k, v in os.environ.items() if k != "QT_LOGGING_RULES"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        BIBLIOFILE_NO_SAMPLE_PROMPT="1",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    if rules is not None:
        env["QT_LOGGING_RULES"] = rules
    cmd = [sys.executable, "-m", "bibliofile", "--library", str(lib_path)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if until and until in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    t0 = time.monotonic()
    seen.wait(seconds)
    ran = time.monotonic() - t0
    proc.terminate()
    proc.wait(timeout=30)
    reader.join(timeout=10)
    assert proc.stderr is not None
    proc.stderr.close()
    return "".join(lines), ran


def font_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "qt.text.font.db" in line]


def test_no_font_database_chatter_but_the_users_rules_win(tmp_path: Path) -> None:
    lib_path = make_library(tmp_path)
    # The user's QT_LOGGING_RULES turn the category back on: the lines come, and say how long
    # the app takes here to lay out the title.
    loud, ran = run_app(tmp_path, lib_path, "qt.text.font.db=true", "OpenType support missing", 90)
    if "OpenType support missing" not in loud:
        pytest.skip("every installed font here shapes Devanagari: Qt has nothing to say about fonts")
    quiet, _ = run_app(tmp_path, lib_path, None, None, 2 * ran + 3)
    assert font_lines(quiet) == []
    # other warnings are left alone: the offscreen plugin's own still reaches the terminal
    assert "propagateSizeHints" in quiet
