"""A broken block is reported once, by us, with the file and line and what was kept, not also
by bibtexparser's own log line on stderr (which named no file and said nothing of what was kept)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BROKEN = """@book{broken, title = {never closed
@techreport{ok, title = {Fine}, year = 2001}
"""


def test_a_broken_block_is_reported_once_with_its_file_and_line(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BROKEN, encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(tmp_path / "l.sqlite"), "import", str(bib)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "Parsing of" not in res.stderr
    assert f"{bib}:1: could not read entry 'broken'" in res.stdout
    assert "kept as text" in res.stdout
