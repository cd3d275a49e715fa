"""What runs before the window at launch (issue 22: first rows within 0.5 s at 100k), through the
real entry point (``bibliofile --library FILE``) in a fresh interpreter:

- a plain launch reads its arguments without building the whole command-line parser, whose
  sub-commands' modules (cli_document, cli_sync, ...) it never needs;
- PySide6's import hook does not read the source of the modules imported after it (it asked of
  each whether it mentions PySide6, for ``__feature__`` selections nobody here makes: ~20 % of
  every later import), and no module of ours selects a PySide feature.

Commands still get the whole parser (tests/unit/test_cli*.py run them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bibliofile.cli import launch_arguments, opens_window
from bibliofile.model import Reference
from bibliofile.storage.library import Library

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
sys.argv = ["bibliofile", "--library", sys.argv[1]]
from bibliofile.__main__ import main
code = main()
feature = sys.modules.get("shibokensupport.feature")
scanned = sorted(n for n in getattr(feature, "pyside_feature_dict", {}) if n.startswith("bibliofile"))
print(json.dumps({"code": code, "scanned": scanned,
                  "cli_modules": sorted(m for m in sys.modules if m.startswith("bibliofile.cli_"))}))
"""


def test_a_plain_launch_builds_no_command_parser_and_scans_no_module_source(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    lib = Library.open(path, create=True)
    lib.add_references([Reference(fields={"title": "A paper"}, citation_key="p")])
    lib.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BIBLIOFILE_EXIT_AFTER_START": "1",
           "BIBLIOFILE_NO_SAMPLE_PROMPT": "1"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    res = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["code"] == 0
    assert out["cli_modules"] == [], f"the launch built the command parser: {out['cli_modules']}"
    assert out["scanned"] == [], f"PySide6's hook read the source of {len(out['scanned'])} of our modules"


@pytest.mark.parametrize(
    ("argv", "library"),
    [([], None), (["--library", "a.sqlite"], "a.sqlite"), (["--library=b.sqlite"], "b.sqlite"),
     (["x.bib", "--library", "c.sqlite"], "c.sqlite")],
)
def test_plain_launches_are_read_without_the_parser(argv: list[str], library: str | None) -> None:
    from bibliofile.cli import split_open_files

    args = launch_arguments(split_open_files(argv)[0])
    assert args is not None and args.library == library and args.command is None
    assert opens_window(argv)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["--library"], ["--library", "--help"], ["--lib", "x"], ["search", "x"],
     ["--library", "a.sqlite", "export"]],
)
def test_anything_else_goes_to_the_whole_parser(argv: list[str]) -> None:
    assert not opens_window(argv)


def test_no_module_of_ours_selects_a_pyside_feature() -> None:
    """The hook's per-module scan is skipped on this ground (gui/pyside_import_hook.py)."""
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "desktop" / "bibliofile").rglob("*.py")
             if "__feature__" in p.read_text(encoding="utf-8") and p.name != "pyside_import_hook.py"]
    assert users == []
