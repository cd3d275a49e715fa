"""The entry point starts without the cyclic collector and turns it back on (startup.py).

Run in subprocesses: the state under test is process-wide, and pytest's own process must keep
its collector as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = r"""
import gc, json, sys
import bibliofile.__main__  # the console script's module: pauses the collector on import
paused = not gc.isenabled()
from bibliofile.cli import main
code = main(["--library", sys.argv[1], "search", "anything"])
print(json.dumps({"paused_at_entry": paused, "enabled_after": gc.isenabled(),
                  "frozen": gc.get_freeze_count(), "code": code}))
"""


def _run(code: str, *args: str) -> Any:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_a_command_runs_with_the_collector_back_on(tmp_path: Path) -> None:
    from bibliofile.storage.library import Library

    Library.open(tmp_path / "lib.sqlite").close()  # search needs a library that exists
    out = _run(PROBE, str(tmp_path / "lib.sqlite"))
    assert out["paused_at_entry"] is True
    assert out["enabled_after"] is True  # an import of 100k entries must not run without it
    assert isinstance(out["frozen"], int) and out["frozen"] > 1000  # start-up's objects are frozen
    assert out["code"] == 0


def test_resume_is_a_no_op_without_a_pause() -> None:
    code = (
        "import gc, json; from bibliofile import startup;"
        "startup.resume_collector(); a = (gc.isenabled(), gc.get_freeze_count());"
        "gc.disable(); startup.pause_collector(); startup.resume_collector();"
        "print(json.dumps([*a, gc.isenabled()]))"
    )
    # Resuming without a pause neither freezes nor changes anything; a collector that someone
    # else turned off is not turned on by a resume either.
    assert _run(code) == [True, 0, False]
