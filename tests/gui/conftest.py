"""GUI tests: offscreen Qt, a real library file per test, tasks run synchronously."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BIBLIOFILE_NO_SAMPLE_PROMPT", "1")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library

SCREENSHOTS = Path(__file__).parent / "screenshots"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform plugin warns that it cannot pass size hints to a window system it
    # does not have; that is the plugin talking, not our code.
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints"))


def make_ref(
    title: str,
    year: int | None = 2008,
    family: str = "Knox",
    given: str = "Colin",
    item_type: str = "article-journal",
    **fields: str,
) -> Reference:
    f = {"title": title, **fields}
    if year is not None:
        f["date"] = str(year)
    return Reference(item_type=item_type, fields=f, creators=[Creator(family=family, given=given)])


FAMILIES = ["Knox", "Ostrom", "Weber", "Simon", "Lindblom", "Hood", "Dunleavy", "Pollitt", "Bouckaert", "Ångström"]
WORDS = ["governance", "reform", "public", "management", "state", "policy", "network", "markets", "trust", "audit"]


def many_refs(n: int) -> list[Reference]:
    refs = []
    for i in range(n):
        refs.append(
            make_ref(
                f"{WORDS[i % 10].capitalize()} and {WORDS[(i * 7 + 3) % 10]} {i}",
                year=1990 + (i % 30),
                family=FAMILIES[i % len(FAMILIES)],
                container_title=f"Journal {i % 5}",
                item_type="book" if i % 4 == 0 else "article-journal",
            )
        )
    return refs


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib.sqlite")
    yield library
    library.close()


@pytest.fixture
def settings(tmp_path: Path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def crashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Bugs reported by the crash hook are collected here instead of a modal dialog."""
    from bibliofile.gui import crash_dialog

    got: list[str] = []
    monkeypatch.setattr(crash_dialog, "collected", got)
    return got


@pytest.fixture
def make_window(qtbot, lib: Library, settings, crashes) -> Callable[..., object]:
    from bibliofile.gui.main_window import MainWindow
    from bibliofile.gui.task_runner import SyncTaskRunner

    made = []

    def make(library: Library | None = None, sync: bool = True):
        runner = SyncTaskRunner() if sync else None
        w = MainWindow(library or lib, runner=runner, settings=settings)
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.runner.wait()
    assert not crashes, crashes[0] if crashes else ""


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def open_export(qtbot) -> Callable[..., object]:
    """Opens File > Export on a window and waits for its preview; with ``scope`` (a radio's name)
    and ``output`` (a format) it chooses those and waits for that preview too. Its preview is
    built in a task, so every test of the dialog must wait for it the same way before it looks."""

    def wait(dlg) -> None:
        qtbot.waitUntil(lambda: not dlg.busy, timeout=30000)

    def open_(window, output: str | None = None, scope: str | None = None):
        dlg = window.citations.open_export_dialog()
        wait(dlg)
        if scope is not None:
            dlg.radios[scope].setChecked(True)
        if output is not None:
            dlg.set_output(output)
            wait(dlg)
        return dlg

    return open_


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
