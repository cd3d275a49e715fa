"""The layering of docs/architecture.md as a test: import-linter's contracts in pyproject.toml must hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    proc = subprocess.run(
        [exe, "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT / "desktop",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Every contract of pyproject.toml was checked and kept (a contract import-linter skipped
    # or could not read would make the counts differ).
    declared = (ROOT / "pyproject.toml").read_text(encoding="utf-8").count("[[tool.importlinter.contracts]]")
    assert declared >= 8  # layers, Qt, SQLAlchemy, window_api, gui->formats, gui->storage, HTTP, PDFium
    assert f"{declared} kept, 0 broken" in proc.stdout, proc.stdout


def test_headless_modules_do_not_load_qt() -> None:
    """The CLI's import path must never load PySide6 (a server or CI has no display)."""
    code = (
        "import sys, bibliofile.cli, bibliofile.services.importing, bibliofile.services.exporting;"
        "print('PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
