"""Start-up stays light with the online features installed (issue 18): building the window
loads neither the HTTP client nor the lookup services, and reads nothing of the lookup queue;
those wait until the window is idle (``LookupQueue.start_when_idle``) or a lookup is asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bibliofile.model import Reference
from bibliofile.storage.library import Library

NOT_AT_START = ("httpx", "bibliofile.online.http", "bibliofile.services.lookup", "PySide6.QtNetwork")

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from bibliofile.storage.library import Library
from bibliofile.gui.main_window import MainWindow
window = MainWindow(Library.open(Path(sys.argv[1])))
window.show()
app.processEvents()
print(",".join(m for m in sys.argv[2].split(",") if m in sys.modules))
print(window.lookup_queue.started, window.add_by_identifier.field.isVisible())
"""


def test_building_the_window_loads_no_http_client_or_lookup_service(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": "To look up: DOI 10.1126/foo", "doi": "10.1126/foo", "keywords": "to look up"})])
    lib.close()
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), ",".join(NOT_AT_START)],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    loaded, state = res.stdout.rstrip("\n").split("\n")[-2:]
    assert loaded == "", f"loaded at start-up: {loaded}"
    assert state == "False True", "the queue is not read while the window starts; the field is shown"
