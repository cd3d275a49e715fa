"""The full-text indexer's run imports its services on the worker, not on the GUI thread
(issue 18): a run starts 1.5 s after each write, such as the references just added by
identifier, and importing the file readers and the PDF worker's client there froze the window
(bench/bench_add_identifier_window.py). With the window's threaded runner the run still ends
with its report.

Run in a fresh interpreter: in this one other tests have imported the services already."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bibliofile.model import Reference
from bibliofile.storage.library import Library

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading, time
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

NAME = "bibliofile.services.fulltext"
importers = []


class Watch:
    '''Notes which thread imports the full-text services; the import itself goes on as usual.'''

    def find_spec(self, name, path=None, target=None):
        if name == NAME:
            importers.append(threading.current_thread() is threading.main_thread())
        return None


sys.meta_path.insert(0, Watch())
app = QApplication([])
from bibliofile.gui.main_window import MainWindow
from bibliofile.storage.library import Library

window = MainWindow(Library.open(Path(sys.argv[1])), settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
assert not window.runner.synchronous
window.show()


def wait(until, what):
    end = time.monotonic() + 60
    while not until():
        if time.monotonic() > end:
            sys.exit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


wait(lambda: getattr(window, "fulltext", None) is not None, "the indexer (installed once launch settles)")
reports = []
window.fulltext.finished.connect(reports.append)
window.fulltext.run()  # what a write sets off 1.5 s later
wait(lambda: reports, "the run")
print("gui-thread" if any(importers) else "worker" if importers else "never", reports[0].files)
"""


def test_a_run_imports_the_fulltext_services_on_its_worker(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": "Added by identifier", "doi": "10.1126/science.169.3946.635"})])
    lib.close()
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen", "BIBLIOFILE_NO_SAMPLE_PROMPT": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "desktop"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), str(tmp_path / "settings.ini")],
        capture_output=True, text=True, env=env, timeout=180,
    )
    assert res.returncode == 0, res.stderr
    where, files = res.stdout.split()
    assert where == "worker", f"services/fulltext was imported on the GUI thread ({where})"
    assert files == "0"  # the run ended with its report: no attached file to read
