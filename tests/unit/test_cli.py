"""The `bibliofile` command as a user runs it: a real process, real files, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIB = r"""@string{jn = "Journal of Things"}

@article{knox2008,
  author = {Knox, Colin},
  title = {Kazakhstan: Modernizing government in the context of political inertia},
  journal = jn # " Quarterly",
  year = 2008,
  month = mar
}

@article{broken, title = {never closed
@book{who2020,
  author = {{World Health Organization}},
  title = {World Health Statistics},
  year = {2020}
}
"""


def run(*args: str, lib: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        input=stdin,
    )


@pytest.fixture
def bib(tmp_path: Path) -> Path:
    p = tmp_path / "refs.bib"
    p.write_text(BIB, encoding="utf-8")
    return p


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "bibliofile", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("Bibliofile ")


def test_import_json_reports_problems_with_file_and_line(tmp_path: Path, bib: Path) -> None:
    res = run("import", str(bib), "--json", lib=tmp_path / "l.sqlite")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["imported"] == 2
    [problem] = report["problems"]
    assert problem["file"] == str(bib)
    assert problem["line"] == 11
    assert "Traceback" not in res.stderr


def test_import_text_output_then_search_and_export(tmp_path: Path, bib: Path) -> None:
    lib = tmp_path / "l.sqlite"
    res = run("import", str(bib), lib=lib)
    assert res.returncode == 0
    assert "Imported 2 references" in res.stdout
    assert f"{bib}:11:" in res.stdout
    found = run("search", "politic inert", "--json", lib=lib)
    assert [r["citation_key"] for r in json.loads(found.stdout)] == ["knox2008"]
    assert json.loads(run("search", "year:2020", "--json", lib=lib).stdout)[0]["authors"] == "World Health Organization"
    exported = run("export", "--format", "bibtex", lib=lib)
    assert exported.returncode == 0
    assert exported.stdout == BIB  # nothing edited: the file comes back byte for byte
    out = tmp_path / "out.bib"
    assert run("export", "--query", "author:knox", "-o", str(out), lib=lib).returncode == 0
    assert "knox2008" in out.read_text(encoding="utf-8")
    assert "World Health" not in out.read_text(encoding="utf-8")


def test_not_bibtex_is_one_clear_message_exit_1(tmp_path: Path) -> None:
    png = tmp_path / "picture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    res = run("import", str(png), lib=tmp_path / "l.sqlite")
    assert res.returncode == 1
    assert "picture.png" in res.stderr and "not a BibTeX" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_missing_file_exit_1_usage_error_exit_2(tmp_path: Path) -> None:
    res = run("import", str(tmp_path / "nope.bib"), lib=tmp_path / "l.sqlite")
    assert res.returncode == 1 and "no such file" in res.stderr
    res = run("import", lib=tmp_path / "l.sqlite")
    assert res.returncode == 2
    res = run("export", "--format", "docx", lib=tmp_path / "l.sqlite")
    assert res.returncode == 2


def test_newer_library_refused_exit_1(tmp_path: Path, bib: Path) -> None:
    import sqlite3

    lib = tmp_path / "l.sqlite"
    assert run("import", str(bib), lib=lib).returncode == 0
    con = sqlite3.connect(lib)
    con.execute("UPDATE alembic_version SET version_num='zzzz'")
    con.commit()
    con.close()
    res = run("search", "knox", lib=lib)
    assert res.returncode == 1
    assert "newer version of Bibliofile" in res.stderr
    assert "Traceback" not in res.stderr


def test_search_or_export_of_a_missing_library_is_refused_not_created(tmp_path: Path) -> None:
    """A mistyped --library once got an empty library made there (folders too) and "0 found"."""
    missing = tmp_path / "no" / "such" / "library.sqlite"
    for args in (("search", "knox"), ("export", "--format", "bibtex")):
        res = run(*args, lib=missing)
        assert res.returncode == 1 and "no library there" in res.stderr and str(missing) in res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "no").exists()


def test_invalid_query_is_a_hint_not_an_error(tmp_path: Path, bib: Path) -> None:
    lib = tmp_path / "l.sqlite"
    run("import", str(bib), lib=lib)
    res = run("search", "year:abc", lib=lib)
    assert res.returncode == 0
    assert "note:" in res.stderr


def test_sample_library_imports_cleanly(tmp_path: Path) -> None:
    from bibliofile.services.locations import sample_library_file

    res = run("import", str(sample_library_file()), "--json", lib=tmp_path / "l.sqlite")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert 10 <= report["imported"] <= 20
    assert report["problems"] == []
    seed = json.loads(run("search", "title:kazakhstan", "--json", lib=tmp_path / "l.sqlite").stdout)
    assert len(seed) == 1 and seed[0]["authors"] == ""


def test_cite_from_library_and_from_file(tmp_path: Path, bib: Path) -> None:
    lib = tmp_path / "l.sqlite"
    run("import", str(bib), lib=lib)
    res = run("cite", "knox2008", lib=lib)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Knox, C. (2008). Kazakhstan: Modernizing government")
    res = run("cite", "--citation", "knox2008", "who2020", lib=lib)
    assert res.stdout.strip() == "(Knox, 2008; World Health Organization, 2020)"
    res = run("cite", "--input", str(bib), "--format", "html", "--style", "ieee", "knox2008", lib=lib)
    assert "<i>Journal of Things Quarterly</i>" in res.stdout
    res = run("cite", "--style", "no-such-style", "knox2008", lib=lib)
    assert res.returncode == 1 and "No citation style" in res.stderr
    res = run("cite", "missing-key", lib=lib)
    assert res.returncode == 1 and "missing-key" in res.stderr
