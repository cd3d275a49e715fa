"""The window paints its first rows before SQLAlchemy is imported (issue 22: first rows within
0.5 s at 100k; SQLAlchemy and our storage were ~160 ms of the CPU before them).

In a fresh interpreter, as ``run_gui`` opens a library (``gui.app.open_library``): the first
paint of the table with rows must come with no ``sqlalchemy`` module loaded, and the real
Library must open right after (the first search's worker asks for the whole order), so the
window then holds every reference and a write goes through as ever.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library

SCRIPT = r"""
import json, sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from bibliofile.gui.app import make_application, open_library

app = make_application()
library = open_library(Path(sys.argv[1]))
from bibliofile.gui.main_window import MainWindow

seen = {}
window = MainWindow(library, settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and window.model.rowCount() > 0 and "first" not in seen:
            seen["first"] = {
                "sqlalchemy": sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")),
                "rows": window.model.rowCount(),
                "title": window.model.data(window.model.index(0, 0)),
            }
        return False


paint = FirstPaint()
window.table.viewport().installEventFilter(paint)
window.show()


def finish():
    if "first" not in seen or window.model.rowCount() < int(sys.argv[3]) or not getattr(library, "opened", False):
        QTimer.singleShot(50, finish)
        return
    with library.write() as uow:  # the real library takes writes
        uow.add_items([__import__("bibliofile.model", fromlist=["Reference"]).Reference(fields={"title": "Written after"})])
    seen["after"] = {"rows": window.model.rowCount(), "count": library.count(), "kind": type(library).__name__}
    app.quit()


QTimer.singleShot(0, finish)
QTimer.singleShot(60000, app.quit)
app.exec()
window.runner.wait()
library.close()
print(json.dumps(seen))
"""


def test_the_first_rows_are_painted_before_sqlalchemy_loads(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path)
    n = 700  # more than the first screen's rows, so the whole order comes after them
    with lib.write() as uow:
        uow.add_items(
            [Reference(fields={"title": f"Paper {i:04d}", "date": "2001"}, creators=[Creator(family="Ng")]) for i in range(n)]
        )
    lib.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BIBLIOFILE_NO_SAMPLE_PROMPT": "1"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), str(tmp_path / "settings.ini"), str(n)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    seen = json.loads(res.stdout.strip().splitlines()[-1])
    assert "first" in seen and "after" in seen, seen
    assert seen["first"]["sqlalchemy"] == [], f"SQLAlchemy was loaded before the first rows: {seen['first']['sqlalchemy'][:5]}"
    assert seen["first"]["rows"] > 0
    assert seen["after"]["kind"] == "DeferredLibrary"
    assert seen["after"]["count"] == n + 1
