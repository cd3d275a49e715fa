"""Shared fixtures: real library files in a temporary folder (no mocks of our own storage)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Never let a test touch the user's real library or settings.
os.environ.setdefault("BIBLIOFILE_NO_SAMPLE_PROMPT", "1")


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def library(library_path: Path) -> Iterator[object]:
    from bibliofile.storage.library import Library

    lib = Library.open(library_path)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def pg() -> Iterator[object]:
    """A private PostgreSQL for the sync tests of one module (``tests.pg_server``: initdb and
    pg_ctl in a temporary folder on a free port), stopped after the module's last test."""
    from tests.pg_server import running_server

    with running_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs and QSettings write under XDG dirs: point them at a temporary home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
