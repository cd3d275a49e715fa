"""Run one benchmark case in a child process, stopped after a timeout (shared by bench_hostile_*).

A hostile shape can take minutes or hours on old code; running it in a child lets the bench kill
it at ``timeout`` and print "> N s" instead of freezing the whole run, and gives each case its own
peak memory figure. Each script keeps its own child code and its own table: only the running,
the timeout and the failure report are the same, so they live here once.

Bench scripts are run as ``python bench/X.py``, which puts bench/ first on ``sys.path``; they
import this module as ``from hostile_cases import run_case``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    """What one child run gave: its last stdout line, or why there is none."""

    line: str = ""  # last line the child printed (its figures), when it exited 0
    timed_out: bool = False
    error: str = ""  # last stderr line (or "exit N") when it exited non-zero

    @property
    def ok(self) -> bool:
        return not self.timed_out and not self.error


def run_case(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None) -> Outcome:
    """Run ``python argv...`` (the same interpreter) and keep its last stdout line."""
    try:
        proc = subprocess.run(
            [sys.executable, *argv],
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(timed_out=True)
    if proc.returncode != 0:
        return Outcome(error=(proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1])
    lines = proc.stdout.strip().splitlines()
    return Outcome(line=lines[-1] if lines else "")


def code_env(code: Path | str) -> dict[str, str]:
    """This environment with ``code`` (a ``desktop/`` folder) as the child's PYTHONPATH."""
    return dict(os.environ, PYTHONPATH=str(code))


def timed_with(code: Path, child: str, shape: str, n: int, timeout: float) -> tuple[float, int, int] | str:
    """Run ``python -c child shape n`` on the ``code`` tree; its (seconds, items, size), or what to
    print instead (stopped, failed, or the wrong tree imported).

    ``child`` prints one line, ``seconds items size bibliofile.__file__``: the last word proves
    that the "before" run really timed the other tree's code and not this checkout's.
    """
    got = run_case(["-c", child, shape, str(n)], timeout, code_env(code))
    if got.timed_out:
        return f"> {timeout:.0f} s (stopped)"
    if got.error:
        return "failed: " + got.error
    seconds, items, size, where = got.line.split()
    if not where.startswith(str(code)):
        return f"wrong code imported: {where}"
    return float(seconds), int(items), int(size)
