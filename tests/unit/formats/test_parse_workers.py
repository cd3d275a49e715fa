"""Parse workers die with the import that started them (issue 14).

A real ``bibliofile import`` of a generated multi-megabyte .bib runs in a child process; once its
parse workers are up it is killed with SIGKILL (it can clean nothing up), and every process it
had started (the workers and multiprocessing's resource tracker) must be gone a few seconds
later instead of living on under init.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bibliofile.formats.bibtex_reader import start_worker_pool

DESKTOP = Path(__file__).resolve().parents[3] / "desktop"  # the tree under test, not the install

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs /proc to find a process's children (Linux)"
)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pid:
                out.add(int(entry))
    return out


def _alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie waiting for init to reap it has ended)."""
    return {p for p in pids if (st := _stat(p)) is not None and st[0] not in ("Z", "X")}


def _big_bib(path: Path, entries: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("@string{jcs = {Journal of Computing Systems}}\n\n")
        for i in range(entries):
            fh.write(
                f"@article{{key{i},\n  author = {{M{{\\\"u}}ller, J{i}rg and van der Berg, Hans}},\n"
                f"  title = {{A {{Bayesian}} Analysis of Caf\\'e Culture, Part {i}}},\n"
                f"  journal = jcs,\n  year = {1990 + i % 30},\n  month = mar,\n  pages = {{{i}--{i + 9}}},\n"
                f"  abstract = {{{'We study the effects of things on other things. ' * 4}}},\n}}\n\n"
            )


def test_killing_an_import_mid_parse_ends_its_workers_and_resource_tracker(tmp_path: Path) -> None:
    bib = tmp_path / "big.bib"
    _big_bib(bib, 40_000)  # ~18 MB: several seconds of parsing on two workers
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DESKTOP), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bibliofile", "--library", str(tmp_path / "lib.sqlite"), "import", str(bib)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            started |= _children(proc.pid)
            if len(started) >= 3:  # two workers and the resource tracker
                break
            time.sleep(0.05)
        assert len(started) >= 3, f"the import did not start its workers: {started}"
        time.sleep(1.0)  # the workers are parsing now
        started |= _children(proc.pid)
        assert proc.poll() is None, "the import finished before it could be killed; make the file larger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while _alive(started) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = _alive(started)
        assert not survivors, f"still running after the import was killed: {survivors}"
    finally:
        for pid in _alive(started):  # never leave them behind, even when the test fails
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _pid() -> int:
    return os.getpid()


def test_a_pool_of_workers_that_die_with_their_parent_still_does_its_work() -> None:
    pool = start_worker_pool(2, _noop)
    assert pool is not None
    try:
        pids = {pool.submit(_pid).result(timeout=60) for _ in range(6)}
        assert os.getpid() not in pids
    finally:
        pool.shutdown(wait=True)
    assert not _alive(pids)


def _noop() -> None:
    """Warm-up job."""
