"""Launch leaves for later what the first screen does not need (issue 22, launch part). The real
app (``run_gui``, its real task runner) runs in a subprocess on a small library; once the first
rows are painted and the start-up work after them has run (the cite-as-you-write endpoint is
listening, the deferred features are installed), it reports which modules were loaded:

- the endpoint wrote ``office-endpoint.json`` (its port) and ``office-command.json`` for the
  Writer extension, without importing the citation engine's Python side (office_render,
  citation_clusters, citing: 100-190 ms of imports at launch before, which only the first
  render request needs);
- the citation picker (Edit > Insert Citation…, an editor's pick) is loaded when first opened;
- the lookup queue's check at launch (is anything waiting?) does not import isbnlib (~15 ms);
- the order the table is sorted by is not prepared for searching (its ranks: 30-60 ms at 100k)
  until the search field takes focus;
- a library that syncs with nothing did not load the sync services and SQLAlchemy's PostgreSQL
  dialect (60-75 ms): File > Sync with Shared Library is added when the File menu first opens,
  and a library that syncs gets the automatic sync at launch as before.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from bibliofile.model import Reference
from bibliofile.storage.library import Library
from bibliofile.storage.sync_local import remember_server

SYNC = "Sync with Shared Library…"

NOT_AT_LAUNCH = (
    "bibliofile.services.office_render",
    "bibliofile.services.citation_clusters",
    "bibliofile.services.citing",
    "bibliofile.gui.citation_picker",
    "bibliofile.services.citation_picking",
    "bibliofile.services.sync",
    "sqlalchemy.dialects.postgresql",
    "isbnlib",
)
SETTLE_MS = 1500  # after the endpoint listens: the rest of the deferred start-up has run

SCRIPT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from bibliofile.gui import app as app_module
from bibliofile.gui import main_window

state = {}
original_show = main_window.MainWindow.show


def file_menu():
    return [a.text() for a in main_window.MainWindow.the.menu_file.actions()]


def warm(window):
    # Whether the current sort's order holds what a search uses (storage/orders.py).
    m = window.model
    order = window.library._orders.get((m._sort, m._descending, m._scope))
    return order is not None and order._rank is not None


def focus_search(window):
    window.activateWindow()
    window.search_field.setFocus()
    QTimer.singleShot(1000, lambda: finish_after_focus(window))


def finish_after_focus(window):
    state["warm_after_focus"] = warm(window)
    print("STATE " + json.dumps(state))
    window.close()
    QApplication.instance().quit()


def finish(window):
    state["warm_at_launch"] = warm(window)
    state["port"] = window.picker_actions.endpoint.port
    state["deferred_installed"] = window.curation is not None
    state["sync_installed"] = window.sync_action is not None
    state["loaded"] = [m for m in sys.argv[2].split(",") if m in sys.modules]
    state["file_menu"] = file_menu()
    window.menu_file.popup(window.mapToGlobal(window.rect().center()))  # the user opens File
    QApplication.processEvents()
    state["file_menu_opened"] = file_menu()
    window.menu_file.hide()
    focus_search(window)


def wait_for_endpoint(window, left):
    if window.picker_actions.endpoint.port or left <= 0:
        QTimer.singleShot(int(sys.argv[3]), lambda: finish(window))
    else:
        QTimer.singleShot(50, lambda: wait_for_endpoint(window, left - 1))


def show(self):
    main_window.MainWindow.the = self
    original_show(self)
    wait_for_endpoint(self, 200)


main_window.MainWindow.show = show
sys.exit(app_module.run_gui(Path(sys.argv[1])))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _launch(tmp_path: Path, watch: tuple[str, ...], server: str | None = None) -> tuple[dict[str, Any], Path]:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": f"Paper {n}", "year": str(1990 + n % 30)}) for n in range(40)])
    if server is not None:
        remember_server(lib, server)
    lib.close()
    config = tmp_path / "config"
    (config / "Bibliofile").mkdir(parents=True)
    # Not the real port (23119): a developer's Zotero or Bibliofile may hold it.
    (config / "Bibliofile" / "Bibliofile.conf").write_text(f"[cayw]\nport={_free_port()}\n")
    state_home = tmp_path / "state"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(state_home),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "BIBLIOFILE_NO_SAMPLE_PROMPT": "1",
    }
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), ",".join(watch), str(SETTLE_MS)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    line = next((x for x in res.stdout.splitlines() if x.startswith("STATE ")), None)
    assert line is not None, f"no state printed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return json.loads(line[len("STATE "):]), state_home / "Bibliofile"


def test_launch_loads_neither_the_citation_engine_nor_sync(tmp_path: Path) -> None:
    state, state_dir = _launch(tmp_path, NOT_AT_LAUNCH)
    assert state["port"], "the cite-as-you-write endpoint never started"
    assert state["deferred_installed"], "the deferred features were never installed"
    assert state["loaded"] == [], f"loaded at launch, before anything asked for them: {state['loaded']}"
    # What the Writer extension reads to find the app (the endpoint file is removed at quit).
    command = json.loads((state_dir / "office-command.json").read_text())
    assert command["command"][-2:] == ["-m", "bibliofile"]
    assert not state["warm_at_launch"], "the sort order was prepared for searching before any search could come"
    assert state["warm_after_focus"], "the search field took focus and the sort order was not prepared"
    # File > Sync is there when the user opens File, not before.
    assert not state["sync_installed"]
    assert SYNC not in state["file_menu"]
    assert SYNC in state["file_menu_opened"]
    assert state["file_menu_opened"][-1] == "&Quit", "the sync actions go before Quit"


def test_a_library_that_syncs_gets_its_automatic_sync_at_launch(tmp_path: Path) -> None:
    # A server nobody answers (the probe's port, closed again): the automatic sync finds it offline.
    state, _ = _launch(tmp_path, ("bibliofile.services.sync",), server=f"postgresql://me@127.0.0.1:{_free_port()}/lib")
    assert state["sync_installed"], "the automatic sync of a library that syncs was not started with the window"
    assert state["loaded"] == ["bibliofile.services.sync"]
    assert SYNC in state["file_menu"]
