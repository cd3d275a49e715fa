"""Importing from the window: the file dialog path, drops, the summary, and cancelling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QPushButton

from bibliofile.gui import app as gui_app
from bibliofile.gui import messages
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.storage.library import LIBRARY, TRASH

from .conftest import make_ref

GOOD = """@article{knox2008,
  author = {Knox, Colin},
  title = {Kazakhstan: Modernizing government},
  journal = {International Review of Administrative Sciences},
  year = {2008},
}

@book{ostrom1990,
  author = {Ostrom, Elinor},
  title = {Governing the Commons},
  publisher = {Cambridge University Press},
  year = {1990},
}

@article{broken,
  author = {Nobody,
  title = {Unclosed
"""


def big_bib(path: Path, n: int) -> Path:
    parts = [
        f"@article{{key{i},\n  author = {{Author{i % 97}, Given}},\n  title = {{Title number {i} on governance}},\n"
        f"  journal = {{Journal {i % 13}}},\n  year = {{{1950 + i % 70}}},\n}}\n"
        for i in range(n)
    ]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def test_import_via_file_dialog_selects_and_summarises(window, lib, tmp_path, monkeypatch, shots) -> None:
    bib = tmp_path / "reading.bib"
    bib.write_text(GOOD, encoding="utf-8")
    lib.add_references([make_ref("Already here")])
    window.reload()
    window.search_field.setText("already")
    window.search_field.flush()
    window.set_scope(TRASH)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bib)], ""))
    window.ask_import()

    assert lib.count() >= 3
    selected = window.table.selected_ids()
    titles = {r.title for r in lib.get_many(selected)}
    assert {"Kazakhstan: Modernizing government", "Governing the Commons"} <= titles
    assert "Already here" not in titles
    assert window.model.scope == LIBRARY and window.search_field.text() == ""
    dlg = window.summary_dialog
    assert dlg is not None and dlg.isVisible()
    assert "from reading.bib" in dlg.headline.text()
    assert f"{bib}:" in dlg.views["not_read"].toPlainText()  # the unclosed entry (issue 17: its own box)
    dlg.grab().save(str(shots / "import_summary_real.png"))
    dlg.accept()


def test_dropping_a_bib_file_on_the_window_imports_it(window, lib, tmp_path) -> None:
    bib = tmp_path / "dropped.bib"
    bib.write_text(GOOD, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bib))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    window.paste_importer.preview_dialog.accept()  # drops show the import preview first (issue 5)
    assert lib.count() >= 2
    not_bib = QMimeData()
    not_bib.setUrls([QUrl.fromLocalFile(str(tmp_path / "photo.png"))])
    assert window._dropped_files(QDropEvent(QPointF(1, 1), Qt.DropAction.CopyAction, not_bib,
                                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)) == []


def test_cancel_from_progress_dialog_leaves_library_as_it_was(make_window, lib, tmp_path, qtbot) -> None:
    lib.add_references([make_ref("Kept")])
    before = lib.search("")
    bib = big_bib(tmp_path / "big.bib", 6000)
    window = make_window(sync=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.importer._timer.setInterval(0)  # show the progress dialog at once
    cancelled = []
    window.importer.cancelled.connect(lambda: cancelled.append(True))
    window.import_files([bib])
    qtbot.waitUntil(lambda: window.importer.progress_dialog is not None or not window.importer.running, timeout=5000)
    assert window.importer.progress_dialog is not None, "the import finished before it could be cancelled"
    dlg = window.importer.progress_dialog
    assert "Importing" in dlg.labelText() and "of about" in dlg.labelText()
    assert 5400 <= dlg.maximum() <= 6600  # a bar that fills: about 6,000 entries
    [cancel_button] = dlg.findChildren(QPushButton)
    cancel_button.click()  # what the user does
    qtbot.waitUntil(lambda: not window.importer.running, timeout=20000)
    assert cancelled == [True]
    assert lib.search("") == before
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.summary_dialog is None


def test_progress_dialog_stays_away_for_quick_imports(make_window, lib, tmp_path, qtbot) -> None:
    bib = tmp_path / "small.bib"
    bib.write_text(GOOD, encoding="utf-8")
    window = make_window(sync=False)
    assert isinstance(window.runner, TaskRunner)
    done = []
    window.importer.imported.connect(done.append)
    window.import_files([bib])
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert window.importer.progress_dialog is None
    qtbot.waitUntil(lambda: bool(window.table.selected_ids()), timeout=5000)
    assert len(window.table.selected_ids()) == done[0].imported
    window.summary_dialog.accept()


def test_first_run_offers_the_sample_library(window, lib, settings, monkeypatch) -> None:
    from bibliofile.services.locations import sample_library_file

    # The entries of the shipped sample, read from its text: @string and @comment are not entries.
    sample = sample_library_file().read_text(encoding="utf-8")
    keys = re.findall(r"^@(?!string|comment|preamble)\w+\{([^,\s]+),", sample, re.MULTILINE | re.IGNORECASE)
    assert len(keys) >= 10, "resources/sample-library.bib should hold a reading list"
    monkeypatch.delenv("BIBLIOFILE_NO_SAMPLE_PROMPT", raising=False)
    asked: list[str] = []
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or True)
    assert gui_app.offer_sample(window, lib, settings)
    assert asked == [gui_app.SAMPLE_QUESTION]
    assert sorted(r.citation_key for r in lib.get_many(lib.search(""))) == sorted(keys)
    window.summary_dialog.accept()
    # Asked once only, and never when the library has references.
    assert not gui_app.offer_sample(window, lib, settings)
    assert len(asked) == 1


def test_no_sample_prompt_when_disabled(window, lib, settings, monkeypatch) -> None:
    monkeypatch.setenv("BIBLIOFILE_NO_SAMPLE_PROMPT", "1")
    monkeypatch.setattr(messages, "ask", lambda *a, **k: pytest.fail("asked"))
    assert not gui_app.offer_sample(window, lib, settings)


def test_export_selection_round_trips(window, lib, tmp_path) -> None:
    bib = tmp_path / "in.bib"
    bib.write_text(GOOD, encoding="utf-8")
    window.import_files([bib])
    window.summary_dialog.accept()
    ids = lib.search("author:ostrom")
    window.table.select_ids(ids)
    out = tmp_path / "out.bib"
    window.act_export.trigger()  # File > Export: the export dialog, on the selection
    dlg = window.citations.export_dialog
    assert dlg.what() == "selection"
    dlg.set_output("biblatex")
    dlg.save_to(out)
    text = out.read_text(encoding="utf-8")
    assert "Governing the Commons" in text and "Kazakhstan" not in text
    dlg.radios["library"].setChecked(True)
    dlg.set_output("bibtex")
    dlg.save_to(out)
    assert "Kazakhstan" in out.read_text(encoding="utf-8")
    dlg.close()
