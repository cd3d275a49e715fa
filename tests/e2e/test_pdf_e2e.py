"""End-to-end for the papers themselves (issue 19): the real app under Xvfb with openbox. A PDF
is dropped on the window from another application, as from a file manager: a small Qt window
of this test starts a real XDND drag of the file's URL (xdotool cannot drag out of a file
manager, but it can press and move the mouse over a window that drags as one does). The drop
makes a reference with the PDF attached; the window reads its text in the background;
``fulltext:`` with a word only page 2 holds finds it; References > Open PDF opens the reader,
its Find jumps to that word's page, and the reader's title says page 2. Screenshots of each step.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import quit_with_ctrl_q, stop, wait_for
from tests.pdf_fixtures import paper_pages, write_pdf

from bibliofile.storage.library import Library

pytestmark = pytest.mark.e2e

WORD = "quokkaphile"  # on page 2 only
TABLE_X = 700
TABLE_Y = 400  # the empty table below the (no) rows

DRAG_SOURCE = r"""
import sys
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QLabel

class Source(QLabel):
    def mousePressEvent(self, event):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(sys.argv[1])])
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)

app = QApplication(sys.argv[:1])
w = Source("drag me: " + sys.argv[1])
w.setWindowTitle("pdf-drag-source")
w.resize(300, 120)
w.move(1080, 760)
w.show()
app.exec()
"""


def texts_found(lib_path: Path) -> int:
    lib = Library.open(lib_path, read_only=True)
    try:
        return len(lib.search(f"fulltext:{WORD}"))
    finally:
        lib.close()


def test_drop_a_pdf_find_page_two_and_read_it_there(xvfb, openbox, tmp_path: Path,
                                                   bibliofile_exe: Path, screenshots: Path) -> None:
    lib_path = tmp_path / "papers.sqlite"
    Library.open(lib_path).close()
    pdf = write_pdf(tmp_path / "Downloads" / "governance.pdf",
                    paper_pages("Governance of Shared Waters", 3, words={2: WORD}))
    env = {**xvfb.env, "XDG_CONFIG_HOME": str(tmp_path / "config"), "BIBLIOFILE_OFFLINE": "1"}
    log = (tmp_path / "app.log").open("a")
    app = subprocess.Popen([str(bibliofile_exe), "--library", str(lib_path)], env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    source = subprocess.Popen([sys.executable, "-c", DRAG_SOURCE, str(pdf)], env=xvfb.env,
                              stdout=log, stderr=subprocess.STDOUT)
    x = xvfb.xdotool
    try:
        wid = x("search", "--sync", "--onlyvisible", "--name", r"^papers\.sqlite", timeout=30).splitlines()[0]
        src = x("search", "--sync", "--onlyvisible", "--name", "^pdf-drag-source$", timeout=30).splitlines()[0]
        time.sleep(1.5)  # first paint and the deferred features
        x("windowmove", wid, "0", "0")
        x("windowsize", wid, "1300", "820")
        x("windowactivate", "--sync", src)
        x("mousemove", "--window", src, "100", "60")
        time.sleep(0.3)
        x("mousedown", "1")
        for step in range(1, 21):  # across the screen in small steps, as a hand does
            x("mousemove", str(1180 - step * (1180 - TABLE_X) // 20), str(810 - step * (810 - TABLE_Y) // 20))
            time.sleep(0.05)
        time.sleep(0.5)
        x("mousemove", str(TABLE_X + 5), str(TABLE_Y + 5))
        time.sleep(0.5)
        x("mouseup", "1")
        # The drop made a reference; the window then reads the PDF's text in the background.
        assert wait_for(lambda: texts_found(lib_path) == 1, 60), "the dropped PDF was not found by fulltext:"
        xvfb.screenshot(screenshots / "pdf_e2e_1_dropped.png")

        x("windowactivate", "--sync", wid)
        x("key", "ctrl+f")
        time.sleep(0.3)
        x("type", "--delay", "30", f"fulltext:{WORD}")
        x("key", "Return")
        time.sleep(1.5)
        x("mousemove", "--window", wid, str(TABLE_X), "88", "click", "1")  # the one row found
        time.sleep(1.0)
        xvfb.screenshot(screenshots / "pdf_e2e_2_found.png")

        x("key", "ctrl+shift+o")  # References > Open PDF
        reader = x("search", "--sync", "--onlyvisible", "--name", r"\.pdf — page ", timeout=30).splitlines()[0]
        # Opened from a full-text search, the reader opens at the page the hit names.
        assert wait_for(lambda: "page 2 of 3" in x("getwindowname", reader), 20), x("getwindowname", reader)
        x("windowactivate", "--sync", reader)
        x("key", "ctrl+f")
        time.sleep(0.3)
        x("type", "--delay", "30", WORD)
        x("key", "Return")
        assert wait_for(lambda: "page 2 of 3" in x("getwindowname", reader), 20), x("getwindowname", reader)
        time.sleep(0.8)
        shot = xvfb.screenshot(screenshots / "pdf_e2e_3_reader_page_2.png")
        assert shot["colours"] > 3
        x("key", "ctrl+w")
        time.sleep(0.5)
        assert app.poll() is None, "the app died"
        x("windowactivate", "--sync", wid)
        quit_with_ctrl_q(xvfb, app)
    finally:
        stop(app)
        if source.poll() is None:
            source.terminate()
            source.wait(10)
        log.close()
