"""End-to-end: the real `bibliofile` process on its own Xvfb display, driven by xdotool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class Display:
    name: str
    env: dict[str, str]

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        for attempt in range(3):
            out = subprocess.run(
                ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout
            )
            # `search` walks every window; one that closes meanwhile (a progress dialog, a
            # tooltip) makes it fail with BadWindow. That is the walk racing, not the app: retry.
            if out.returncode != 0 and args[0] == "search" and "BadWindow" in out.stderr and attempt < 2:
                time.sleep(0.2)
                continue
            break
        if out.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def screenshot(self, path: Path) -> dict[str, int]:
        """Grab the whole screen with a tiny Qt process; returns size and a count of colours."""
        code = (
            "import sys, json\n"
            "from PySide6.QtGui import QGuiApplication\n"
            "app = QGuiApplication(sys.argv[:1])\n"
            "pix = app.primaryScreen().grabWindow(0)\n"
            "assert pix.save(sys.argv[1])\n"
            "img = pix.toImage()\n"
            "colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}\n"
            "print(json.dumps({'width': img.width(), 'height': img.height(), 'colours': len(colours)}))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], env={**self.env, "QT_QPA_PLATFORM": "xcb"},
            capture_output=True, text=True, timeout=60, check=True,
        )
        import json

        return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def quit_with_ctrl_q(display: Display, app: subprocess.Popen[bytes]) -> None:
    """Ctrl+Q, as a person quits: the app must end by itself, cleanly."""
    display.xdotool("key", "ctrl+q")
    assert wait_for(lambda: app.poll() is not None, 15), "Ctrl+Q did not quit"
    assert app.returncode == 0


def stop(app: subprocess.Popen[bytes]) -> None:
    """After a test, whatever happened in it: no app left running."""
    if app.poll() is None:
        app.terminate()
        app.wait(10)


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb() -> Iterator[Display]:
    """A private Xvfb server (1400x900, 24 bit) for one test."""
    missing = [t for t in ("Xvfb", "xdotool") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"end-to-end tests need {' and '.join(missing)} (apt-get install xvfb xdotool)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    socket = Path(f"/tmp/.X11-unix/X{n}")
    deadline = time.monotonic() + 15
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.communicate()[1].decode(errors="replace")
            pytest.skip(f"Xvfb did not start on :{n}: {err.strip()[:300]}")
        time.sleep(0.05)
    env = {**os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb", "BIBLIOFILE_NO_SAMPLE_PROMPT": "1"}
    env.pop("WAYLAND_DISPLAY", None)
    # The socket appears before the server answers; a client started then (openbox) failed with
    # "Failed to open the display" on a busy machine.
    if shutil.which("xprop") is not None and not wait_for(lambda: _answers(env), 15):
        proc.kill()
        pytest.skip(f"Xvfb :{n} did not answer")
    try:
        yield Display(f":{n}", env)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _answers(env: dict[str, str]) -> bool:
    out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True, timeout=10)
    return out.returncode == 0


def _managed(env: dict[str, str]) -> bool:
    out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True, timeout=10)
    return "window id" in out.stdout


@pytest.fixture
def openbox(xvfb: Display, tmp_path: Path) -> Iterator[Display]:
    """openbox managing the test's display (.ci/run installs it): focus after dialogs, activation
    and drags behave as on a desktop. Started again if it gives up on a busy machine."""
    if shutil.which("openbox") is None:
        pytest.skip("this end-to-end test needs a window manager: apt-get install openbox")
    wm_log = tmp_path / "openbox.log"
    wm: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):
            with wm_log.open("a") as out:
                wm = subprocess.Popen(["openbox", "--sm-disable"], env=xvfb.env, stdout=out, stderr=out)
            if shutil.which("xprop") is None:
                time.sleep(1.5)
                ok = wm.poll() is None
            else:
                ok = wait_for(lambda w=wm: w.poll() is None and _managed(xvfb.env), 20)
            if ok:
                break
            wm.kill()
            wm.wait()
        else:
            raise AssertionError(f"openbox did not take the display: {wm_log.read_text()[-500:]}")
        yield xvfb
    finally:
        if wm is not None and wm.poll() is None:
            wm.terminate()
            try:
                wm.wait(10)
            except subprocess.TimeoutExpired:
                wm.kill()
                wm.wait()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def bibliofile_exe() -> Path:
    exe = Path(sys.executable).parent / "bibliofile"
    if not exe.exists():
        pytest.skip(f"{exe} is not installed (pip install -e .)")
    return exe
