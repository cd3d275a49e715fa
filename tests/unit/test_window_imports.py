"""Importing the main window's module loads no SQL toolkit (issue 22: first rows within 0.5 s).

SQLAlchemy's import was ~125 ms of CPU and our storage layer another ~40 ms, spent before the
first screen could paint, only because the window's modules and the services they use named
storage at module top. The first screen is read without them and SQLAlchemy loads after it;
a new top-level ``from bibliofile.storage.library import ...`` (or a service that has one) in
any module the window imports would quietly put that cost back, so it is checked here. It runs
in a fresh interpreter: this test process has long imported SQLAlchemy itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Storage modules that import SQLAlchemy at their top (the light ones, storage.scope and
# storage.errors, are the window's to use).
HEAVY_STORAGE = ("bibliofile.storage.library", "bibliofile.storage.engine", "bibliofile.storage.tables")

SCRIPT = """
import json, sys
import bibliofile.gui.main_window
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_by_importing_the_window() -> list[str]:
    """The modules a fresh interpreter holds after ``import bibliofile.gui.main_window``."""
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    loaded: list[str] = json.loads(res.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_main_window_loads_no_sqlalchemy_alembic_or_storage_engine() -> None:
    loaded = _loaded_by_importing_the_window()
    toolkits = [m for m in loaded if m.split(".")[0] in ("sqlalchemy", "alembic")]
    storage = [m for m in loaded if m in HEAVY_STORAGE]
    ours = [m for m in loaded if m.startswith(("bibliofile.storage", "bibliofile.services"))]
    assert not toolkits and not storage, (
        f"importing bibliofile.gui.main_window loaded {storage + toolkits[:10]}"
        f"{' and more' if len(toolkits) > 10 else ''}; storage and services modules loaded: {ours}"
    )


def test_importing_the_main_window_loads_no_http_server() -> None:
    """The cite-as-you-write endpoint starts after the first rows are painted; its HTTP server
    (``http.server`` with ``email`` and ``http.client``, ~10 ms) is imported then, not with the
    window (gui/cayw_http.py)."""
    loaded = _loaded_by_importing_the_window()
    assert "http.server" not in loaded and "bibliofile.gui.cayw_http" not in loaded
