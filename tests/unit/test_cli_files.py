"""`bibliofile attach` and `bibliofile files` as a user runs them (issue 19): a real process on a
real library file and real files; what each command did is read back through `files --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIB = """@article{he2016, author = {He, Kaiming and Zhang, Xiangyu}, title = {Deep Residual Learning for Image Recognition}, year = 2016}
@misc{twin, title = {One}}
@misc{twin, title = {Two}}
"""
PDF = b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n"


def run(lib: Path, base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "BIBLIOFILE_BASE_FOLDER": str(base)}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def files(lib: Path, base: Path, *args: str) -> list[dict[str, Any]]:
    res = run(lib, base, "files", "--json", *args)
    assert res.returncode == 0, res.stderr
    out: list[dict[str, Any]] = json.loads(res.stdout)
    return out


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    path = tmp_path / "l.sqlite"
    assert run(path, tmp_path, "import", str(bib), "--allow-duplicates").returncode == 0
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    home = tmp_path / "papers-home"
    (home / "Papers").mkdir(parents=True)
    return home


def test_attach_stores_a_copy_by_default_and_files_lists_it(lib: Path, base: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "download.pdf"
    pdf.write_bytes(PDF)
    res = run(lib, base, "attach", "he2016", str(pdf))
    assert res.returncode == 0, res.stderr
    stored = tmp_path / "l.files" / "He 2016 - Deep Residual Learning.pdf"
    assert "Attach “download.pdf” to he2016" in res.stdout and str(stored) in res.stdout
    assert stored.read_bytes() == PDF and pdf.exists()
    [row] = files(lib, base)
    assert (row["citation_key"], row["kind"], row["present"], row["size"], row["original_name"]) == (
        "he2016", "stored", True, len(PDF), "download.pdf")


def test_link_is_relative_to_the_base_folder_and_a_moved_file_is_missing_then_located(lib: Path, base: Path) -> None:
    pdf = base / "Papers" / "resnet.pdf"
    pdf.write_bytes(PDF)
    assert run(lib, base, "attach", "he2016", str(pdf), "--link").returncode == 0
    [row] = files(lib, base)
    assert (row["kind"], row["path"], row["present"]) == ("linked", "Papers/resnet.pdf", True)
    moved = base / "Archive" / "resnet.pdf"
    moved.parent.mkdir()
    pdf.rename(moved)
    res = run(lib, base, "files", "--missing")
    assert res.returncode == 0
    assert res.stdout.split("\t")[0] == "he2016" and res.stdout.rstrip().endswith("MISSING")
    assert "1 missing file" in res.stderr
    res = run(lib, base, "files", "--missing", "--locate")
    assert "Found 1 of 1 missing files" in res.stderr
    assert files(lib, base, "--missing") == []
    assert files(lib, base)[0]["path"] == "Archive/resnet.pdf"


def test_refusals_name_the_file_or_key_and_change_nothing(lib: Path, base: Path, tmp_path: Path) -> None:
    res = run(lib, base, "attach", "he2016", str(tmp_path / "nope.pdf"))
    assert res.returncode == 1 and "nope.pdf: no such file; nothing was attached" in res.stderr
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(PDF)
    res = run(lib, base, "attach", "nokey", str(pdf))
    assert res.returncode == 1 and "no reference has the key “nokey”" in res.stderr
    res = run(lib, base, "attach", "twin", str(pdf))
    assert res.returncode == 1 and "names 2 references" in res.stderr and "#ID" in res.stderr
    assert files(lib, base) == []
    assert not (tmp_path / "l.files").exists()


def test_link_and_store_exclude_each_other(lib: Path, base: Path, tmp_path: Path) -> None:
    res = run(lib, base, "attach", "he2016", str(tmp_path), "--link", "--store")
    assert res.returncode == 2 and "not allowed with argument" in res.stderr


def test_files_of_a_library_that_is_not_there_is_refused(tmp_path: Path, base: Path) -> None:
    res = run(tmp_path / "none.sqlite", base, "files")
    assert res.returncode == 1 and "no library there" in res.stderr
    assert not (tmp_path / "none.sqlite").exists()
