"""A citation key BibTeX cannot carry is refused in the window, with the reason shown beside it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from bibliofile.gui.detail_pane import DetailPane
from bibliofile.model import Creator, Reference
from bibliofile.storage.library import Library


@pytest.fixture
def lib(tmp_path: Path):
    library = Library.open(tmp_path / "pane.sqlite")
    yield library
    library.close()


def test_a_key_that_would_forge_an_entry_is_refused_with_a_message(qtbot, lib: Library) -> None:
    (rid,) = lib.add_references(
        [Reference(fields={"title": "T", "date": "2008"}, creators=[Creator(family="Knox")], citation_key="knox2008")]
    )
    stack = QUndoStack()
    pane = DetailPane(lib, stack)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_references([rid])
    assert pane.key_edit is not None and pane.key_warning is not None
    pane.key_edit.setText("k,x}@misc{evil2,")
    pane.key_edit.setModified(True)
    pane.key_edit.editingFinished.emit()
    assert lib.get(rid).citation_key == "knox2008"
    assert stack.count() == 0
    assert pane.key_warning.isVisibleTo(pane)
    assert "cannot contain" in pane.key_warning.text()
    assert pane.key_edit.text() == "knox2008"
