"""Inputs that once ended in "internal error … please report" (exit 3) get a plain message and
exit 1 or 2, or simply work (issue 14). Real processes, real files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.damaged_library import damage_middle_page

from bibliofile import cli

ENTRY = "@article{{k{i}, author = {{Knox, Colin}}, title = {{Hello world number {i}}}, year = {{2008}}}}\n"


def run(*args: str, lib: Path, env: dict[str, str] | None = None, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        timeout=120,
    )


def assert_plain(res: subprocess.CompletedProcess[str]) -> None:
    assert "internal error" not in res.stderr
    assert "Traceback" not in res.stderr


@pytest.fixture(scope="module")
def shared_big_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 references: more output than a pipe holds (imported once, copied per test)."""
    folder = tmp_path_factory.mktemp("big")
    bib = folder / "many.bib"
    bib.write_text("".join(ENTRY.format(i=i) for i in range(3000)), encoding="utf-8")
    lib = folder / "l.sqlite"
    res = run("import", str(bib), lib=lib)
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(lib)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return lib


@pytest.fixture
def big_library(shared_big_library: Path, tmp_path: Path) -> Path:
    lib = tmp_path / "l.sqlite"
    shutil.copyfile(shared_big_library, lib)
    return lib


def test_a_file_name_that_is_not_utf8_imports(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9 refs.bib")  # Latin-1 bytes, as an old archive or USB stick has
    bib = tmp_path / name
    bib.write_text(ENTRY.format(i=1), encoding="utf-8")
    lib = tmp_path / "l.sqlite"
    res = run("import", str(bib), lib=lib)
    assert_plain(res)
    assert res.returncode == 0, res.stderr
    assert "Imported 1 reference" in res.stdout
    assert "caf\\xe9 refs.bib" in res.stdout  # the odd byte shown, not a crash
    found = run("search", "hello", lib=lib)
    assert found.returncode == 0 and "k1" in found.stdout


def test_a_rating_too_large_for_sqlite_is_a_hint(tmp_path: Path) -> None:
    lib = tmp_path / "l.sqlite"
    bib = tmp_path / "a.bib"
    bib.write_text(ENTRY.format(i=1), encoding="utf-8")
    run("import", str(bib), lib=lib)
    for q in ("rating:99999999999999999999", "priority:-99999999999999999999..", "rating:1..99999999999999999999"):
        res = run("search", q, lib=lib)
        assert_plain(res)
        assert res.returncode == 0, res.stderr
        assert "0 found" in res.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x83\xff\xfe binary \x89PNG\r\n" * 20])
def test_cite_with_an_empty_or_binary_style_file(tmp_path: Path, content: bytes) -> None:
    lib = tmp_path / "l.sqlite"
    bib = tmp_path / "a.bib"
    bib.write_text(ENTRY.format(i=1), encoding="utf-8")
    run("import", str(bib), lib=lib)
    style = tmp_path / "mine.csl"
    style.write_bytes(content)
    for args in (("cite", "--style", str(style)), ("cite", "--input", str(bib), "--style", str(style))):
        res = run(*args, lib=lib)
        assert_plain(res)
        assert res.returncode == 1
        assert f"{style}: not a CSL style" in res.stderr


@pytest.mark.parametrize(
    "args",
    [("search", "hello", "--json"), ("search", "hello"), ("export",), ("export", "--format", "ris")],
)
def test_a_closed_pipe_ends_quietly(big_library: Path, args: tuple[str, ...]) -> None:
    """`bibliofile search … --json | head -c 300`: the reader goes away; no "internal error",
    no "Exception ignored" at exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bibliofile", "--library", str(big_library), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(300)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    code = proc.wait(timeout=120)
    assert len(head) == 300
    assert code in (0, 1), err
    assert "internal error" not in err and "Broken pipe" not in err and "Exception ignored" not in err


def test_a_reader_that_gives_up_is_a_message_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """RecursionError / MemoryError / UnicodeError from a reader (readers are fixed one by one
    elsewhere; whatever one still raises is a message, never "internal error")."""
    from bibliofile.services import importing

    ris = tmp_path / "deep.ris"
    ris.write_text("TY  - JOUR\nTI  - x\nER  - \n", encoding="utf-8")
    for exc in (RecursionError("maximum recursion depth exceeded"), MemoryError(), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")):

        def give_up(*_a: object, _exc: BaseException = exc, **_k: object) -> str:
            raise _exc

        monkeypatch.setattr(importing, "detect_format", give_up)
        code = cli.main(["--library", str(tmp_path / "l.sqlite"), "import", str(ris)])
        err = capsys.readouterr().err
        assert code == 1, err
        assert f"{ris}: could not be read" in err and "internal error" not in err


def test_search_export_cite_of_an_empty_file_do_not_make_a_library(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    for args in (("search", "x"), ("export",), ("cite", "--query", "x")):
        res = run(*args, lib=empty)
        assert_plain(res)
        assert res.returncode == 1
        assert "not a library" in res.stderr
        assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


# ---- damage, check --recover --------------------------------------------------------------------


def test_import_into_a_damaged_library_is_refused_and_check_recovers(big_library: Path, tmp_path: Path) -> None:
    backup = big_library.with_name(big_library.name + ".before-upgrade-20260101-000000.bak")
    con, dst = sqlite3.connect(big_library), sqlite3.connect(backup)
    con.backup(dst)
    con.close()
    dst.close()
    damage_middle_page(big_library)
    before = big_library.read_bytes()
    bib = tmp_path / "one.bib"
    bib.write_text(ENTRY.format(i="new"), encoding="utf-8")

    res = run("import", str(bib), lib=big_library)
    assert_plain(res)
    assert res.returncode == 1 and "damaged" in res.stderr
    assert big_library.read_bytes() == before

    res = run("check", lib=big_library)
    assert_plain(res)
    assert res.returncode == 1 and "is damaged" in res.stdout and "--recover" in res.stdout

    res = run("check", "--recover", lib=big_library)
    assert_plain(res)
    assert res.returncode == 0, res.stderr
    [recovered] = [p for p in tmp_path.iterdir() if ".recovered-" in p.name and p.suffix == ".sqlite"]
    assert str(recovered) in res.stdout and "3000 references" in res.stdout
    assert run("check", lib=recovered).returncode == 0
    found = run("search", "hello", lib=recovered)
    assert found.returncode == 0 and "3000 found" in found.stderr
    assert big_library.read_bytes() == before


# ---- read-only folder ---------------------------------------------------------------------------


@pytest.fixture
def read_only_folder(big_library: Path) -> Iterator[tuple[Path, list[str], dict[str, str]]]:
    """(library in a folder this process's CLI cannot write, command prefix, environment).
    Root writes anywhere, so as root the CLI runs as nobody (setpriv)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only for the CLI")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    top = Path(tempfile.mkdtemp(prefix="bibliofile-ro-"))
    home = top / "home"
    home.mkdir()
    folder = top / "ro"
    folder.mkdir()
    lib = folder / "l.sqlite"
    shutil.copyfile(big_library, lib)
    for p in (top, home):
        p.chmod(0o777)
    lib.chmod(0o444)
    folder.chmod(0o555)
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state")}
    try:
        yield lib, prefix, env
    finally:
        folder.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)


def test_a_library_in_a_read_only_folder_opens_read_only(read_only_folder: tuple[Path, list[str], dict[str, str]], tmp_path: Path) -> None:
    lib, user, env = read_only_folder
    before = lib.read_bytes()
    res = run("search", "hello world number 12", lib=lib, env=env, user=user)
    assert_plain(res)
    assert res.returncode == 0, res.stderr
    assert "k12\t" in res.stdout
    res = run("export", lib=lib, env=env, user=user)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("@article{") == 3000
    res = run("cite", "k7", lib=lib, env=env, user=user)
    assert res.returncode == 0, res.stderr
    assert "Hello world number 7" in res.stdout
    bib = lib.parent.parent / "home" / "new.bib"
    bib.write_text(ENTRY.format(i="new"), encoding="utf-8")
    bib.chmod(0o444)
    res = run("import", str(bib), lib=lib, env=env, user=user)
    assert_plain(res)
    assert res.returncode == 1
    assert "read-only" in res.stderr
    assert lib.read_bytes() == before
    assert sorted(p.name for p in lib.parent.iterdir()) == ["l.sqlite"]
