"""The detail pane's Attachments section (issue 19), offscreen on a real library and real files:
the list with a missing file shown as missing, Attach, Remove, Locate… and drops from the file
manager, each one undo step; and screenshots of the section with a present and a missing file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import QApplication

from bibliofile.gui.detail_pane import DetailPane
from bibliofile.gui.pane_attachments import MISSING, AttachmentsSection
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref

PDF = b"%PDF-1.4\n" + b"1" * 3000 + b"\n%%EOF\n"


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "papers"
    home.mkdir()
    monkeypatch.setenv("BIBLIOFILE_BASE_FOLDER", str(home))
    return home


@pytest.fixture
def stack() -> QUndoStack:
    return QUndoStack()


@pytest.fixture
def pane(qtbot, lib: Library, stack: QUndoStack, base: Path) -> DetailPane:
    p = DetailPane(lib, stack)
    qtbot.addWidget(p)
    p.resize(380, 1300)
    p.show()
    qtbot.waitExposed(p)
    return p


def section_of(pane: DetailPane) -> AttachmentsSection:
    found = pane.findChild(AttachmentsSection, "attachmentsSection")
    assert found is not None and found.isVisibleTo(pane)
    return found


def labels(s: AttachmentsSection) -> list[str]:
    return [s.list.item(i).text() for i in range(s.list.count())]


def write(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(PDF)
    return folder / name


def with_two_files(lib: Library, base: Path) -> int:
    """A reference with a stored file and a linked one that was then deleted (missing)."""
    [rid] = lib.add_references([make_ref("Governing the Commons", 1990, family="Ostrom", given="Elinor")])
    where = att.FileLocations.of(lib, base)
    perform(lib, lambda u: att.attach(u, where, rid, write(base / "Downloads", "ostrom.pdf"), "store"))
    gone = write(base / "Papers", "ostrom-notes.pdf")
    perform(lib, lambda u: att.attach(u, where, rid, gone, "link"))
    gone.unlink()
    return rid


def test_present_and_missing_files_are_listed_and_screenshotted(pane: DetailPane, lib: Library, base: Path, shots: Path) -> None:
    rid = with_two_files(lib, base)
    pane.show_references([rid])
    s = section_of(pane)
    assert labels(s) == ["Ostrom 1990 - Governing Commons.pdf (stored)", "ostrom-notes.pdf — missing"]
    assert s.list.item(1).data(Qt.ItemDataRole.AccessibleDescriptionRole) == MISSING
    assert str(base / "Papers" / "ostrom-notes.pdf") in s.list.item(1).toolTip()
    s.list.item(1).setSelected(True)
    assert s.locate_button.isEnabled() and not s.open_button.isEnabled()
    s.list.clearSelection()
    s.list.item(0).setSelected(True)
    assert s.open_button.isEnabled() and s.folder_button.isEnabled() and not s.locate_button.isEnabled()
    pane.scroll_area.ensureWidgetVisible(s)
    QApplication.processEvents()
    assert s.grab().save(str(shots / "pane_attachments_section.png"))
    assert pane.grab().save(str(shots / "pane_attachments.png"))


def test_attach_remove_and_their_undo_are_steps(pane: DetailPane, lib: Library, base: Path, stack: QUndoStack) -> None:
    [rid] = lib.add_references([make_ref("Governing the Commons", 1990, family="Ostrom", given="Elinor")])
    pane.show_references([rid])
    s = section_of(pane)
    assert labels(s) == [] and s.empty.isVisibleTo(pane)
    s.attach_files([write(base / "in", "a.pdf"), write(base / "in", "b.pdf")], "store")
    assert stack.count() == 1 and stack.undoText() == "Attach 2 files"
    assert labels(s) == ["Ostrom 1990 - Governing Commons.pdf (stored)", "Ostrom 1990 - Governing Commons (2).pdf (stored)"]
    stack.undo()
    assert labels(s) == [] and att.attachments_of(lib, s.where(), rid) == []
    stack.redo()
    assert len(labels(s)) == 2
    s.list.item(0).setSelected(True)
    s.remove_selected()
    assert stack.undoText() == "Remove “Ostrom 1990 - Governing Commons.pdf”"
    assert labels(s) == ["Ostrom 1990 - Governing Commons (2).pdf (stored)"]
    assert (s.where().trash_dir / "Ostrom 1990 - Governing Commons.pdf").is_file()
    stack.undo()
    assert len(labels(s)) == 2


def test_a_file_that_cannot_be_attached_is_said_and_leaves_no_step(
    pane: DetailPane, lib: Library, base: Path, stack: QUndoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bibliofile.gui import messages

    said: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: said.append(text))
    [rid] = lib.add_references([make_ref("One")])
    pane.show_references([rid])
    section_of(pane).attach_files([base / "gone.pdf"])
    assert said == [f"{base / 'gone.pdf'}: no such file; nothing was attached"]
    assert stack.count() == 0


def test_locate_finds_a_moved_file_by_name_and_size(pane: DetailPane, lib: Library, base: Path, stack: QUndoStack) -> None:
    rid = with_two_files(lib, base)
    moved = write(base / "Archive", "ostrom-notes.pdf")
    pane.show_references([rid])
    s = section_of(pane)
    s.list.item(1).setSelected(True)
    s.locate_selected()
    assert labels(s) == ["Ostrom 1990 - Governing Commons.pdf (stored)", "ostrom-notes.pdf"]
    assert att.attachments_of(lib, s.where(), rid)[1].file == moved
    stack.undo()
    assert labels(s)[1] == "ostrom-notes.pdf — missing"


def drop_files(target, files: list[Path], pos: QPointF, action: Qt.DropAction = Qt.DropAction.CopyAction) -> bool:
    """A drop from the file manager (the event holds the mime data only while it lives)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    at = pos.toPoint()
    for kind in (QDragEnterEvent, QDragMoveEvent):  # Qt delivers a drop only after an accepted enter
        QApplication.sendEvent(target, kind(at, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    event = QDropEvent(pos, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)
    return bool(event.isAccepted())


def test_a_file_dropped_on_the_section_is_attached_and_a_link_drop_links(pane: DetailPane, lib: Library, base: Path) -> None:
    [rid] = lib.add_references([make_ref("Governing the Commons", 1990, family="Ostrom", given="Elinor")])
    pane.show_references([rid])
    s = section_of(pane)
    assert drop_files(s, [write(base / "in", "dropped.pdf")], QPointF(10, 10))
    drop_files(s, [write(base / "Papers", "linked.pdf")], QPointF(10, 10), Qt.DropAction.LinkAction)
    views = att.attachments_of(lib, s.where(), rid)
    assert [(v.stored, v.attachment.original_name) for v in views] == [(True, "dropped.pdf"), (False, "linked.pdf")]
    assert views[1].attachment.path == "Papers/linked.pdf"


def test_arrowing_to_another_reference_shows_its_files(pane: DetailPane, lib: Library, base: Path) -> None:
    rid = with_two_files(lib, base)
    [other] = lib.add_references([make_ref("Another Title", 1990, family="Ostrom", given="Elinor")])
    pane.show_references([rid])
    pane.show_references([other])
    assert labels(section_of(pane)) == []
    pane.show_references([rid, other])
    assert pane.findChild(AttachmentsSection, "attachmentsSection") is None or not pane.findChild(
        AttachmentsSection, "attachmentsSection").isVisibleTo(pane)


def test_in_the_window_the_copy_runs_on_the_writer_and_the_section_follows(window, lib: Library, base: Path, qtbot) -> None:
    [rid] = lib.add_references([make_ref("Governing the Commons", 1990, family="Ostrom", given="Elinor")])
    window.show()
    window.reload(select=[rid])
    qtbot.waitUntil(lambda: window.table.selected_ids() == [rid])
    s = section_of(window.detail)
    s.attach_files([write(base / "in", "big.pdf")])
    qtbot.waitUntil(lambda: labels(section_of(window.detail)) == ["Ostrom 1990 - Governing Commons.pdf (stored)"])
    assert window.undo_stack.undoText() == "Attach “big.pdf”"
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: labels(section_of(window.detail)) == [])
