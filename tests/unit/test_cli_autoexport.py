"""`bibliofile autoexport add|list|remove` as a user runs them (a real process on a real library),
and kept files rewritten at the end of any command that changed the library (issue 20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIB = """@article{knox2008, author = {Knox, Colin}, title = {Kazakhstan}, year = 2008}

@book{who2020, author = {{World Health Organization}}, title = {World Health Statistics}, year = 2020}

@misc{lone, title = {Alone}}
"""


def run(lib: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    path = tmp_path / "l.sqlite"
    assert run(path, "import", str(bib)).returncode == 0
    return path


def test_add_list_remove(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "paper" / "refs.bib"
    out.parent.mkdir()
    res = run(lib, "autoexport", "add", str(out))
    assert res.returncode == 0, res.stderr
    assert "3 references written; kept up to date from now on" in res.stdout
    assert out.read_text(encoding="utf-8") == BIB  # untouched entries come back as imported
    js = tmp_path / "paper" / "thesis.json"
    assert run(lib, "collection", "add", "Thesis", "knox2008").returncode == 0
    res = run(lib, "autoexport", "add", str(js), "--format", "csl-json", "--collection", "Thesis")
    assert res.returncode == 0, res.stderr
    assert [i["id"] for i in json.loads(js.read_text(encoding="utf-8"))] == ["knox2008"]

    listed = json.loads(run(lib, "autoexport", "list", "--json").stdout)
    assert [(a["file"], a["format"], a["what"], a["collection"]) for a in listed] == [
        (str(out), "bibtex", "library", None),
        (str(js), "csl-json", "collection", "Thesis"),
    ]
    assert all(a["written_at"] and a["last_error"] is None for a in listed)
    plain = run(lib, "autoexport", "list").stdout
    assert f"{js}\tcsl-json\tcollection “Thesis”\twritten " in plain

    res = run(lib, "autoexport", "remove", str(js))
    assert res.returncode == 0 and "no longer kept up to date" in res.stdout
    assert js.exists()
    assert [a["file"] for a in json.loads(run(lib, "autoexport", "list", "--json").stdout)] == [str(out)]


def test_commands_that_change_the_library_rewrite_the_kept_files(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "tagged.bib"
    assert run(lib, "autoexport", "add", str(out), "--query", "tag:thesis").returncode == 0
    assert out.read_text(encoding="utf-8") == ""  # nothing tagged yet
    assert run(lib, "tag", "who2020", "--add", "thesis").returncode == 0
    assert "@book{who2020," in out.read_text(encoding="utf-8")
    more = tmp_path / "more.bib"
    more.write_text("@article{new2021, author = {Neu, Ada}, title = {Newer}, year = 2021, keywords = {x}}\n",
                    encoding="utf-8")
    whole = tmp_path / "all.bib"
    assert run(lib, "autoexport", "add", str(whole), "--format", "biblatex").returncode == 0
    assert run(lib, "import", str(more)).returncode == 0
    assert "@article{new2021," in whole.read_text(encoding="utf-8")
    # A fresh export of the same selection is what the file holds.
    fresh = run(lib, "export", "--format", "biblatex")
    assert whole.read_text(encoding="utf-8") == fresh.stdout


def test_a_file_changed_by_another_program_is_kept_and_said(lib: Path, tmp_path: Path) -> None:
    target = tmp_path / "kept.bib"
    assert run(lib, "autoexport", "add", str(target)).returncode == 0
    ours = target.read_text(encoding="utf-8")
    target.write_text("% my edit\n" + ours, encoding="utf-8")
    res = run(lib, "tag", "lone", "--add", "x")
    assert res.returncode == 0
    [bak] = tmp_path.glob("kept.bib.bak-*")
    assert bak.read_text(encoding="utf-8") == "% my edit\n" + ours
    assert f"note: {target} had been changed by another program; that version was kept as {bak}" in res.stderr
    assert target.read_text(encoding="utf-8") == ours


def test_refusals(lib: Path, tmp_path: Path) -> None:
    res = run(lib, "autoexport", "add", str(tmp_path / "x.bib"), "--collection", "Nope")
    assert res.returncode == 1 and "there is no collection “Nope”; nothing was set up" in res.stderr
    res = run(lib, "autoexport", "add", str(tmp_path / "x.bib"), "--collection", "A", "--query", "q")
    assert res.returncode == 2  # argparse: not both
    res = run(lib, "autoexport", "add", str(tmp_path / "missing" / "x.bib"))
    assert res.returncode == 1 and "does not exist" in res.stderr
    res = run(lib, "autoexport", "remove", str(tmp_path / "x.bib"))
    assert res.returncode == 1 and "is not kept up to date; nothing was removed" in res.stderr
    res = run(tmp_path / "none.sqlite", "autoexport", "list")
    assert res.returncode == 1 and "no library there" in res.stderr


def test_a_failed_rewrite_is_a_note_and_the_command_still_succeeds(lib: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    out = folder / "refs.bib"
    assert run(lib, "autoexport", "add", str(out)).returncode == 0
    out.unlink()
    folder.rmdir()
    res = run(lib, "tag", "knox2008", "--add", "y")
    assert res.returncode == 0
    # Tags are not in the export and the file is gone: still retried, and said.
    assert f"note: cannot export to {out}" in res.stderr and "retried after the next change" in res.stderr
    [listed] = json.loads(run(lib, "autoexport", "list", "--json").stdout)
    assert "does not exist" in listed["last_error"]
