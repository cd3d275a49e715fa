"""`make` on a machine without npm: Node.js comes from PyPI into the venv (issue 17, item 13).

Why a real run: the fallback is a few lines of shell in the Makefile that only a fresh machine
takes, so nothing else in the suite would notice it breaking. The test runs the Makefile's
citeproc target in a scratch folder with a scratch venv, forcing the no-npm branch with
BIBLIOFILE_NPM=venv, and checks that Node.js landed in that venv and citeproc-js in
node_modules. It needs PyPI and the npm registry, as `make test` itself does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_installs_node_into_the_venv_when_there_is_no_npm(tmp_path: Path) -> None:
    for name in ("Makefile", "package.json", "package-lock.json", "pyproject.toml", "requirements.lock"):
        shutil.copy2(ROOT / name, tmp_path / name)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # The Python set-up is not what this test is about: mark it done, newer than its inputs.
    stamp = env_dir / ".bibliofile-setup"
    stamp.touch()
    later = max((tmp_path / n).stat().st_mtime for n in ("pyproject.toml", "requirements.lock")) + 5
    os.utime(stamp, (later, later))

    env = dict(os.environ, BIBLIOFILE_NPM="venv")
    run = subprocess.run(
        ["make", "node_modules/.package-lock.json", f"VENV={env_dir}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No npm on this machine" in run.stdout
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    node = subprocess.run([str(bin_dir / "node"), "--version"], capture_output=True, text=True, timeout=60)
    assert node.returncode == 0 and node.stdout.startswith("v"), node.stderr
    assert (tmp_path / "node_modules" / "citeproc" / "package.json").is_file()
    assert (tmp_path / "node_modules" / ".package-lock.json").is_file()
