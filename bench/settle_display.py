"""A private X display for bench_settle: Xvfb with openbox, and xdotool to act on it.

A window manager is part of what a user has: it decorates and places the window and gives it the
keyboard focus when it maps, so the keystrokes xdotool sends reach the app as a person's would.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

WIDTH, HEIGHT = 1400, 900
TOOLS = ("Xvfb", "openbox", "xdotool", "xprop")


def missing_tools() -> list[str]:
    """The programs this bench needs that are not installed (CI's .ci/run installs them)."""
    return [t for t in TOOLS if shutil.which(t) is None]


def _free_display() -> int:
    for n in range(120, 400):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :120 and :399")


class Display:
    """Xvfb (1400x900, 24 bit) with openbox running on it; ``env`` runs programs there."""

    def __init__(self) -> None:
        n = _free_display()
        self.name = f":{n}"
        self.xvfb = subprocess.Popen(
            ["Xvfb", self.name, "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.env = {**os.environ, "DISPLAY": self.name}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.wm: subprocess.Popen[bytes] | None = None
        try:
            self._wait(lambda: Path(f"/tmp/.X11-unix/X{n}").exists() and self._answers(), "Xvfb did not start")
            for attempt in range(3):
                self.wm = subprocess.Popen(
                    ["openbox", "--sm-disable"], env=self.env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )
                try:
                    self._wait(self._wm_ready, "openbox did not start", 30.0)
                    break
                except RuntimeError:
                    if self.wm.poll() is None or attempt == 2:
                        err = self.wm.stderr.read().decode(errors="replace") if self.wm.poll() is not None and self.wm.stderr else ""
                        raise RuntimeError(f"openbox did not start on {self.name}: {err.strip()[-500:]}") from None
                    time.sleep(0.5)
        except BaseException:
            self.close()
            raise

    def _answers(self) -> bool:
        """The server takes connections (its socket appears a moment before it does)."""
        return subprocess.run(["xprop", "-root", "-len", "1"], env=self.env, capture_output=True, timeout=10).returncode == 0

    def _wait(self, ready: Callable[[], bool], why: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.xvfb.poll() is not None:
                raise RuntimeError(f"{why} on {self.name}: Xvfb exited with {self.xvfb.returncode}")
            if self.wm is not None and self.wm.poll() is not None:
                raise RuntimeError(f"{why} on {self.name}: openbox exited with {self.wm.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{why} on {self.name} within {timeout:.0f} s")
            time.sleep(0.05)

    def _wm_ready(self) -> bool:
        """openbox has taken over the screen: it sets _NET_SUPPORTING_WM_CHECK on the root."""
        out = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=self.env,
            capture_output=True, text=True, timeout=10,
        )
        return "window id" in out.stdout

    def xdotool(self, *args: str, timeout: float = 20.0) -> str:
        out = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode != 0 and not (args and args[0] == "search"):
            raise RuntimeError(f"xdotool {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def close(self) -> None:
        for proc in (self.wm, self.xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Keyboard:
    """One key sent through XTEST from this process, so the bench knows to the microsecond when
    it reached the X server. (An `xdotool key` process sends it somewhere before it exits: on
    a 10k library the app had already answered by the time subprocess.run returned.)"""

    def __init__(self, display: str) -> None:
        x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x11.XStringToKeysym.restype = ctypes.c_ulong
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self._x11, self._xtst = x11, xtst
        self._dpy = x11.XOpenDisplay(display.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open X display {display}")

    def tap(self, keysym: str) -> float:
        """Press and release one key (a keysym name such as ``t``); returns time.perf_counter()
        just before the press was sent (the server has it once the XSync after it returns)."""
        code = self._x11.XKeysymToKeycode(self._dpy, self._x11.XStringToKeysym(keysym.encode()))
        if code == 0:
            raise ValueError(f"no key for {keysym!r} on this keyboard map")
        t = time.perf_counter()
        self._xtst.XTestFakeKeyEvent(self._dpy, code, 1, 0)
        self._x11.XSync(self._dpy, 0)
        self._xtst.XTestFakeKeyEvent(self._dpy, code, 0, 0)
        self._x11.XSync(self._dpy, 0)
        return t

    def close(self) -> None:
        if self._dpy:
            self._x11.XCloseDisplay(self._dpy)
            self._dpy = None
