"""The task runner's thread for work nobody waits for runs at the normal priority (issue 18).

It ran at Qt's idle priority, SCHED_IDLE on Linux: such a thread is not run while anything else
wants the cores, and when it holds the GIL the GUI thread waits with it (priority inversion).
The full-text run that follows every write, the references just added by identifier included,
froze the window 100-200 ms on a loaded machine (bench/bench_add_identifier_window.py), and a
GUI timer beside a Python loop on such a thread missed beats of up to 176 ms at load 2-3 on two
cores (against 35 ms at the normal priority)."""

from __future__ import annotations

import os
import threading

import pytest

from bibliofile.gui.task_runner import TaskRunner


@pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="scheduling policies are POSIX")
def test_idle_work_runs_under_the_windows_own_scheduling_policy(qtbot) -> None:
    runner = TaskRunner()
    running, release = threading.Event(), threading.Event()
    got: list[int] = []

    def work(_ctx: object) -> int:
        running.set()
        release.wait(10)
        return os.sched_getscheduler(0)

    runner.idle(work, got.append)
    assert running.wait(10)
    assert not runner.busy()  # still never counts as the window being busy
    release.set()
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    assert got == [os.sched_getscheduler(0)], "the idle task ran under another policy (SCHED_IDLE is 5)"
    runner.wait()
