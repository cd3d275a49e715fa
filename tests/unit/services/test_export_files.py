"""Writing export files like a careful program: symlinks followed, mode and hard links kept,
FIFOs and devices written through, plain messages (and no temp files) when it cannot be done."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bibliofile.services.exporting import ExportError, write_atomically

TEXT = "@article{k,\n  title = {Über}\n}\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_symlink_is_followed_to_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    write_atomically(link, TEXT)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == TEXT


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.bib"
    link.symlink_to(tmp_path / "new.bib")
    write_atomically(link, TEXT)
    assert link.is_symlink() and (tmp_path / "new.bib").read_text(encoding="utf-8") == TEXT


def test_the_mode_of_the_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "shared.bib"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o664)
    write_atomically(target, TEXT)
    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    assert target.read_text(encoding="utf-8") == TEXT


def test_a_new_file_gets_the_usual_mode_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.bib", TEXT)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.bib").stat().st_mode) == 0o644


def test_hard_links_stay_one_file(tmp_path: Path) -> None:
    a = tmp_path / "a.bib"
    a.write_text("old", encoding="utf-8")
    b = tmp_path / "b.bib"
    os.link(a, b)
    write_atomically(a, TEXT)
    assert b.read_text(encoding="utf-8") == TEXT
    assert a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomically(fifo, TEXT)
    reader.join(timeout=10)
    assert got == [TEXT.encode("utf-8")]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert leftovers(tmp_path) == []


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A device node like /dev/full in the test's own folder (so the code before this fix,
    which replaced the node with a regular file, cannot harm the real /dev/full)."""
    node = tmp_path / "full"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}); the /dev/full case needs root")
    return node


def test_a_full_device_gives_a_message_and_stays_a_device(full_device: Path) -> None:
    with pytest.raises(ExportError) as err:
        write_atomically(full_device, TEXT)
    assert str(full_device) in str(err.value) and "full" in str(err.value)
    assert stat.S_ISCHR(full_device.stat().st_mode)
    assert leftovers(full_device.parent) == []


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "out.bib"
    with pytest.raises(ExportError) as err:
        write_atomically(target, TEXT)
    assert str(target) in str(err.value) and "does not exist" in str(err.value)


def test_a_folder_is_not_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        write_atomically(folder, TEXT)
    assert str(folder) in str(err.value) and "it is a folder" in str(err.value)
    assert (folder / "keep.txt").exists()
    assert leftovers(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a real full disk for the atomic replace (root only; skipped otherwise)."""
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the full-disk replace is not tested")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(small_disk: Path) -> None:
    target = small_disk / "refs.bib"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        write_atomically(target, "x" * 200_000)
    assert str(target) in str(err.value) and "disk is full" in str(err.value)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in small_disk.iterdir()] == ["refs.bib"]


def run_cli(*args: str, lib: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_cli_export_errors_are_messages_with_exit_1(tmp_path: Path) -> None:
    bib = tmp_path / "in.bib"
    bib.write_text(TEXT, encoding="utf-8")
    lib = tmp_path / "lib.sqlite"
    assert run_cli("import", str(bib), lib=lib).returncode == 0
    for target, words in (
        (tmp_path / "missing" / "out.bib", "does not exist"),
        (tmp_path, "it is a folder"),
    ):
        res = run_cli("export", "-o", str(target), lib=lib)
        assert res.returncode == 1, res.stderr
        assert str(target) in res.stderr and words in res.stderr
        assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
