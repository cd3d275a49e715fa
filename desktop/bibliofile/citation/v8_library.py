"""mini-racer's V8 library loaded without holding the GIL (issue 18).

``py_mini_racer`` loads its 74 MB ``libmini_racer`` with ``ctypes.CDLL``, and CPython's
``dlopen`` there runs with the GIL held: 20-75 ms (more under load) in which no other thread
runs Python, the window's included, at the citation engine's first start just after references
were added or selected. A call *through* ctypes releases the GIL, so the library is loaded first
by calling the C library's ``dlopen`` (``LoadLibraryW`` on Windows) as a foreign function; the
``ctypes.CDLL`` that follows finds it loaded and only takes a reference. Any failure leaves the
load to ``py_mini_racer`` as before (slower for the window, never broken).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from importlib.util import find_spec
from pathlib import Path

_lock = threading.Lock()
_handle: int | None = None  # kept for the life of the process, as py_mini_racer keeps its own


def library_path() -> Path | None:
    """Where ``py_mini_racer`` will load its library from (its own rules, PyInstaller's too)."""
    name = {"darwin": "libmini_racer.dylib", "win32": "mini_racer.dll"}.get(sys.platform, "libmini_racer.so")
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        folder = Path(bundle) / "py_mini_racer"
    else:
        spec = find_spec("py_mini_racer")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / name
    return path if path.is_file() else None


def preload() -> bool:
    """Load the V8 library with the GIL released (once per process); whether it is loaded."""
    global _handle
    with _lock:
        if _handle is not None:
            return True
        path = library_path()
        if path is None:
            return False
        try:
            if sys.platform == "win32":
                kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
                kernel32.LoadLibraryW.restype = ctypes.c_void_p
                kernel32.LoadLibraryW.argtypes = [ctypes.c_wchar_p]
                handle = kernel32.LoadLibraryW(str(path))
            else:
                libc = ctypes.CDLL(None)
                libc.dlopen.restype = ctypes.c_void_p
                libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
                # The mode ctypes.CDLL will ask for, so its own dlopen matches this one.
                handle = libc.dlopen(os.fsencode(path), ctypes.DEFAULT_MODE | os.RTLD_NOW)
        except (OSError, AttributeError):
            return False
        if not handle:
            return False
        _handle = int(handle)
        return True
