"""The citation engine's V8 library is loaded with the GIL released (issue 18).

py_mini_racer loads its 74 MB library with ``ctypes.CDLL``, whose ``dlopen`` holds the GIL:
20-75 ms in which the window could not run, at the engine's first start after an add by
identifier (bench/bench_add_identifier_window.py). The engine now loads it first through a call
to the C library's ``dlopen`` (ctypes releases the GIL around foreign calls), so the
``ctypes.CDLL`` that follows finds it mapped already. Run in a fresh interpreter: the library
is loaded once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import ctypes
from pathlib import Path

seen = []
plain_init = ctypes.CDLL.__init__


def watching_init(self, name, *args, **kwargs):
    '''Notes, for the V8 library, whether the process had it mapped before ctypes loads it.'''
    if name and "mini_racer" in str(name):
        maps = Path("/proc/self/maps").read_text()
        seen.append(str(Path(name).resolve()) in maps)
    plain_init(self, name, *args, **kwargs)


ctypes.CDLL.__init__ = watching_init
from bibliofile.citation.engine import _new_context

ctx = _new_context()
print(ctx.eval("6 * 7"), seen)
ctx.close()
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the process's mappings (Linux)")
def test_the_v8_library_is_mapped_before_ctypes_loads_it() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "desktop"), os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    answer, seen = res.stdout.strip().split(" ", 1)
    assert answer == "42"  # the engine's context works as before
    assert seen == "[True]", "ctypes.CDLL loaded the V8 library itself, holding the GIL"


def test_the_library_path_is_the_one_py_mini_racer_loads() -> None:
    from py_mini_racer import _dll

    from bibliofile.citation.v8_library import library_path

    path = library_path()
    assert path is not None and path.is_file()
    assert path.name == _dll._get_lib_filename("mini_racer")
    assert path.parent == Path(_dll.__file__).parent
