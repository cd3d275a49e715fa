"""`bibliofile collection|tag|status` as a user runs them: a real process on a real library
file, the exit codes of the other commands (0 done, 1 nothing could be done, 2 usage), and
what each command did read back through `bibliofile search`."""

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


def keys(lib: Path, query: str) -> list[str]:
    res = run(lib, "search", query, "--json")
    assert res.returncode == 0, res.stderr
    return sorted(r["citation_key"] for r in json.loads(res.stdout))


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    path = tmp_path / "l.sqlite"
    assert run(path, "import", str(bib)).returncode == 0
    return path


def test_tag_add_and_remove(lib: Path) -> None:
    res = run(lib, "tag", "knox2008", "who2020", "--add", "central asia", "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert sorted(r["citation_key"] for r in report["changed"]) == ["knox2008", "who2020"]
    assert report["missing"] == [] and report["unchanged"] == []
    assert keys(lib, 'tag:"central asia"') == ["knox2008", "who2020"]
    res = run(lib, "tag", "who2020", "lone", "--remove", "Central Asia")
    assert res.returncode == 0, res.stderr
    assert "1 changed, 1 already so" in res.stdout
    assert keys(lib, 'tag:"central asia"') == ["knox2008"]


def test_status_sets_and_clears_and_reports_missing_keys(lib: Path) -> None:
    res = run(lib, "status", "knox2008", "nokey", "read", "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert [r["citation_key"] for r in report["changed"]] == ["knox2008"]
    assert report["missing"] == ["nokey"]
    assert "“nokey”" in res.stderr
    assert keys(lib, "status:read") == ["knox2008"]
    again = run(lib, "status", "knox2008", "read")
    assert again.returncode == 0 and "nothing to change" in again.stdout
    assert run(lib, "status", "knox2008", "none").returncode == 0
    assert keys(lib, "status:read") == []


def test_collection_add_list_remove_delete(lib: Path) -> None:
    res = run(lib, "collection", "add", "Chapter 2", "knox2008", "lone")
    assert res.returncode == 0, res.stderr
    assert run(lib, "collection", "add", "Chapter 2/Methods").returncode == 0
    listed = run(lib, "collection", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(c["path"], c["count"]) for c in json.loads(listed.stdout)] == [
        ("Chapter 2", 2), ("Chapter 2/Methods", 0)
    ]
    assert run(lib, "collection", "list").stdout.splitlines() == ["Chapter 2\t2", "Chapter 2/Methods\t0"]
    assert run(lib, "collection", "remove", "Chapter 2", "lone").returncode == 0
    assert [c["count"] for c in json.loads(run(lib, "collection", "list", "--json").stdout)] == [1, 0]
    assert run(lib, "collection", "remove", "Chapter 2", "--delete").returncode == 0
    assert json.loads(run(lib, "collection", "list", "--json").stdout) == []
    assert keys(lib, "") == ["knox2008", "lone", "who2020"]  # the references stay


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tag", "nokey", "--add", "x"), "no reference has the key “nokey”"),
        (("tag", "knox2008", "--remove", "never"), "no tag named “never”"),
        (("status", "nokey", "read"), "no reference has the key “nokey”"),
        (("collection", "remove", "Nowhere", "knox2008"), "no collection “Nowhere”"),
        (("collection", "add", "A/B", "knox2008"), "no collection “A” to put “B” in"),
    ],
)
def test_nothing_could_be_done_is_exit_1_with_a_plain_message(lib: Path, args: tuple[str, ...], message: str) -> None:
    res = run(lib, *args)
    assert res.returncode == 1
    assert message in res.stderr and "nothing was changed" in res.stderr
    assert "Traceback" not in res.stderr
    assert json.loads(run(lib, "collection", "list", "--json").stdout) == []
    assert keys(lib, "tag:x") == []


@pytest.mark.parametrize(
    "args",
    [
        ("status", "knox2008", "finished"),
        ("tag", "knox2008"),
        ("tag", "knox2008", "--add", "a", "--remove", "b"),
        ("collection",),
        ("collection", "remove", "Chapter 2"),
    ],
)
def test_usage_errors_are_exit_2(lib: Path, args: tuple[str, ...]) -> None:
    res = run(lib, *args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_a_missing_library_is_not_made_by_a_curation_command(tmp_path: Path) -> None:
    res = run(tmp_path / "nowhere.sqlite", "tag", "knox2008", "--add", "x")
    assert res.returncode == 1
    assert "no library there" in res.stderr
    assert not (tmp_path / "nowhere.sqlite").exists()
