"""The detail pane's first build does not import the Annotations list's modules on the GUI
thread (issue 18): gui/pane_annotations brings the annotation, full-text and citing services
with the citation engine, 80-230 ms of imports that froze the window the first time references
were selected (the 100 DOIs just added, in bench/bench_add_identifier_window.py). With a threaded
runner they are imported on a worker, and a reference with a PDF still gets its list.

Run in a fresh interpreter: in this one other tests have imported the module already."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.pdf_annot_fixtures import knox_pages, write_pdf

from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading, time
from pathlib import Path
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QWidget

NAME = "bibliofile.gui.pane_annotations"
importers = []


class Watch:
    '''Notes which thread imports the Annotations list; the import itself goes on as usual.'''

    def find_spec(self, name, path=None, target=None):
        if name == NAME:
            importers.append(threading.current_thread() is threading.main_thread())
        return None


sys.meta_path.insert(0, Watch())
app = QApplication([])
from bibliofile.gui.detail_pane import DetailPane
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.storage.library import Library

lib = Library.open(Path(sys.argv[1]))
with_pdf, *many = [int(i) for i in sys.argv[2].split(",")]
runner = TaskRunner()
pane = DetailPane(lib, QUndoStack(), runner=runner)
pane.resize(420, 1400)
pane.show()


def wait(until, what):
    end = time.monotonic() + 60
    while not until():
        if time.monotonic() > end:
            sys.exit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


pane.show_references(many)  # more than the pane reads at once: summarised on a worker
wait(lambda: pane.summary is not None and pane.summary.count == len(many), "the summary")
pane.show_references([with_pdf])
wait(lambda: pane.findChild(QWidget, "annotationsSection") is not None, "the annotations list")
found = pane.findChild(QWidget, "annotationsSection")
wait(lambda: found.items, "the PDF's annotations")
print("gui-thread" if any(importers) else "worker", found.isVisibleTo(pane), len(found.items))
"""


def test_the_annotations_list_is_imported_on_a_worker_and_still_shown(lib: Library, tmp_path: Path) -> None:
    base = tmp_path / "papers"
    base.mkdir()
    [rid] = lib.add_references([make_ref("Cities and Design", 2008, family="Knox", given="Paul", item_type="book")])
    pdf = write_pdf(base / "Downloads" / "knox.pdf", knox_pages())
    perform(lib, lambda u: att.attach(u, att.FileLocations.of(lib, base), rid, pdf, "link"))
    many = lib.add_references([make_ref(f"Paper {i}", 2000 + i % 20) for i in range(30)])
    path = lib.path
    lib.close()
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen", "BIBLIOFILE_BASE_FOLDER": str(base),
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "desktop"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), ",".join(str(i) for i in [rid, *many])],
        capture_output=True, text=True, env=env, timeout=180,
    )
    assert res.returncode == 0, res.stderr
    where, visible, count = res.stdout.split()
    assert where == "worker", "gui/pane_annotations was imported on the GUI thread"
    assert visible == "True" and int(count) > 0
