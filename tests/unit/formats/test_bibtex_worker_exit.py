"""Parse workers end without the interpreter's teardown when their pool shuts down (issue 22):
freeing a worker's heap object by object kept the importing process waiting ~1 s at the end of
a 100k import."""

from __future__ import annotations

from pathlib import Path

from bibliofile.formats.bibtex_reader import worker_pool

KEEP = """
import sys, types
class Kept:
    def __del__(self, _open=open, _path={path!r}):
        _open(_path, "w").close()
module = types.ModuleType("kept_by_test")
module.kept = Kept()
sys.modules["kept_by_test"] = module
"""


def test_a_worker_is_not_torn_down(tmp_path: Path) -> None:
    """An object a worker keeps in a module would be finalized by the teardown (it writes a
    file then); the worker ends before that, and the pool shuts down cleanly."""
    marker = tmp_path / "finalized"
    with worker_pool(1) as pool:
        assert pool is not None
        pool.submit(exec, KEEP.format(path=str(marker))).result()
        processes = list(pool._processes.values())
    assert processes and all(p.exitcode == 0 for p in processes)
    assert not marker.exists()


def test_the_same_object_is_finalized_by_a_teardown(tmp_path: Path) -> None:
    """The check above can fail: in a plain interpreter the object is finalized at exit."""
    import subprocess
    import sys

    marker = tmp_path / "finalized"
    subprocess.run([sys.executable, "-c", KEEP.format(path=str(marker))], check=True)
    assert marker.exists()
