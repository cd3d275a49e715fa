"""Launch settles (issue 22): after the first rows are painted, nothing runs that the first screen
does not need. The real app (``run_gui``, its real task runner) runs in a subprocess on a small
library with nothing to look up, index or keep up to date, for longer than the lookup queue's
idle delay; then:

- the lookup services (and the HTTP client), the auto-export and full-text services were never
  imported: an empty queue is one count, not a reason to load them;
- no statement scanned the titles (``LIKE 'To look up:%'``, ~1 s cold at 100k);
- the cite-as-you-write endpoint was not listening when the first rows were painted, and was
  listening afterwards (it starts once the event loop has shown the first screen).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from bibliofile.model import Reference
from bibliofile.storage.library import Library

NEVER_LOADED = (
    "bibliofile.services.lookup",
    "bibliofile.online.http",
    "httpx",
    "bibliofile.services.autoexport",
    "bibliofile.services.fulltext",
    "bibliofile.pdf.worker",
)
WATCH_MS = 5000  # longer than the lookup queue's IDLE_DELAY_MS (3 s) and the indexer's (4 s)

SCRIPT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from bibliofile.gui import app as app_module
from bibliofile.gui import main_window
from bibliofile.storage.statement_log import StatementLog

state = {}
original_show = main_window.MainWindow.show


class FirstRows(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        window.table.viewport().installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and self.window.model.rowCount() > 0 and "painted" not in state:
            state["painted"] = True
            state["port_at_first_paint"] = self.window.picker_actions.endpoint.port
        return False


def finish(window, log):
    state["port_after"] = window.picker_actions.endpoint.port
    state["loaded"] = [m for m in sys.argv[2].split(",") if m in sys.modules]
    state["statements"] = log.stop()
    print("STATE " + json.dumps(state))
    window.close()
    QApplication.instance().quit()


def show(self):
    log = StatementLog(self.library)  # the first search, the deferred set-up, the idle checks
    original_show(self)
    self._probe = FirstRows(self)
    QTimer.singleShot(int(sys.argv[3]), lambda: finish(self, log))


main_window.MainWindow.show = show
sys.exit(app_module.run_gui(Path(sys.argv[1])))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_launch_loads_and_scans_nothing_after_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": f"Paper {n}", "year": str(1990 + n % 30)}) for n in range(40)])
    lib.close()
    config = tmp_path / "config"
    (config / "Bibliofile").mkdir(parents=True)
    # Not the real port (23119): a developer's Zotero or Bibliofile may hold it.
    (config / "Bibliofile" / "Bibliofile.conf").write_text(f"[cayw]\nport={_free_port()}\n")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "BIBLIOFILE_NO_SAMPLE_PROMPT": "1",
    }
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), ",".join(NEVER_LOADED), str(WATCH_MS)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    line = next((x for x in res.stdout.splitlines() if x.startswith("STATE ")), None)
    assert line is not None, f"no state printed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    state = json.loads(line[len("STATE "):])
    assert state.get("painted"), "the table never painted its rows"
    assert state["loaded"] == [], f"loaded after launch with nothing to do: {state['loaded']}"
    scans = [s for s in state["statements"] if " LIKE " in s.upper()]
    assert scans == [], f"a LIKE scan ran at start-up: {scans}"
    assert state["port_at_first_paint"] is None, "the CAYW endpoint was started before the first rows were painted"
    assert state["port_after"] is not None, "the CAYW endpoint never started"
