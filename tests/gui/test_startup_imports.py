"""The window's start-up path stays light: building the main window must not load the citation
engine, the BibTeX reader or bibtexparser, which it needs only when the user first cites,
imports or pastes. (The detail pane once imported services.citing for crossref display, and
launch went from 1.37x to 1.73x the bare Qt window, against a target of 1.5x.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bibliofile.model import Reference
from bibliofile.storage.library import Library

HEAVY = (
    "bibliofile.citation.engine",
    "bibliofile.formats.bibtex_reader",
    "bibtexparser",
    "concurrent.futures.process",
)

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from bibliofile.storage.library import Library
from bibliofile.gui.main_window import MainWindow
window = MainWindow(Library.open(Path(sys.argv[1])))
print(",".join(m for m in sys.argv[2].split(",") if m in sys.modules))
"""


def test_building_the_window_loads_no_citation_engine_or_reader(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": "A chapter", "crossref": "book"}, citation_key="ch")])
    lib.close()
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"loaded at start-up: {res.stdout.strip()}"
