"""The detail pane's Attachments section (issue 19): a reference's files, the missing ones shown
as missing, and Open, Show in Folder, Locate…, Attach File… and Remove.

Every change is one step on the window's undo stack over services/attachments.py (the CLI's
``attach`` and ``files`` run the same operations), written at once on this thread as the rest
of the pane writes. A file dropped from the file manager onto the section is attached (stored,
or linked when the drop asks for a link). The base folder linked paths are relative to is the
setting ``attachments/base_folder`` (default the home folder). services.attachments is imported
on first use: it imports SQLAlchemy, which loads after the first screen (issue 22).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QPalette,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.undo import LibraryWriter, change_command
from bibliofile.gui.window_api import Writer
from bibliofile.model.reference import Reference
from bibliofile.services.changes import Change, Operation, combined
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.services.attachments import AttachmentView, FileLocations, Mode
    from bibliofile.storage.library import Library, UnitOfWork

BASE_FOLDER_KEY = "attachments/base_folder"
LINK_CHOICE_KEY = "attachments/link"  # the Attach dialog's last choice: link instead of store
MISSING = "missing"


def app_settings() -> QSettings:
    """The application's settings (the ones gui/app.py opens)."""
    return QSettings("Bibliofile", "Bibliofile")


def locations(library: Library, settings: QSettings | None = None) -> FileLocations:
    """Where this library's files are, with the base folder from the settings."""
    from bibliofile.services.attachments import FileLocations

    s = settings if settings is not None else app_settings()
    return FileLocations.of(library, str(s.value(BASE_FOLDER_KEY, "") or "") or None)


def dropped_files(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
    """Local regular files in a drag from outside the app (our own drags carry references)."""
    mime = event.mimeData()
    if event.source() is not None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_file()]


def drop_mode(event: QDropEvent) -> Mode:
    """A drop the user made a link (Ctrl+Shift or Alt while dragging, per platform) links the file;
    any other drop stores a copy."""
    return "link" if event.dropAction() == Qt.DropAction.LinkAction else "store"


def push_attachment_step(
    stack: QUndoStack,
    library: Library,
    text: str,
    operation: Operation,
    parent: QWidget | None,
    after: Callable[[list[int]], None],
) -> None:
    """One undo step over an attachment operation, written at once. A known problem (a file
    gone, a full disk) is said in a plain message and leaves no step on the stack."""
    from bibliofile.gui import messages

    holder: list[object] = []
    done: list[tuple[int, ...]] = []

    def failed(exc: LibraryError) -> None:
        if holder:
            holder[0].setObsolete(True)  # type: ignore[attr-defined]
        messages.show_error(parent, exc)

    def first(u: UnitOfWork) -> Change:
        change = operation(u)
        done.append(change.ids)
        return change

    # Copying or hashing a large file takes seconds: in the window it runs on the writer thread
    # (a known problem then comes back as the window's plain message); alone, here and now.
    top = parent.window() if parent is not None else None
    writer: Writer = top if top is not None and hasattr(top, "run_write") else LibraryWriter(library, on_error=failed)  # type: ignore[assignment]
    cmd = change_command(writer, text, first, after=lambda: after(list(done[-1]) if done else []))
    holder.append(cmd)
    stack.push(cmd)


class AttachmentsSection(QWidget):
    """A reference's files in the detail pane.

    Signals:
        statusMessage(str): what an action did, for the window's status bar.
        attachmentsChanged(list): reference ids whose files changed (the pane shows them again).
    """

    statusMessage = Signal(str)
    attachmentsChanged = Signal(list)

    def __init__(
        self,
        library: Library,
        undo_stack: QUndoStack,
        reference_id: int,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsSection")
        self.library = library
        self.undo_stack = undo_stack
        self.reference_id = reference_id
        self.settings = settings if settings is not None else app_settings()
        self.read_only = read_only
        self.views: list[AttachmentView] = []
        self._file_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self.setAcceptDrops(not read_only)

        self.list = QListWidget(self)
        self.list.setObjectName("attachmentsList")
        self.list.setAccessibleName("Attached files")
        self.list.setIconSize(QSize(16, 16))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemDoubleClicked.connect(lambda _item: self.open_in_reader())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel("No files. Drop a file here, or Attach File…", self)
        self.empty.setObjectName("attachmentsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)  # as every label of the pane
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        def button(text: str, name: str, slot: Callable[[], None], tip: str) -> QPushButton:
            b = QPushButton(text, self)
            b.setObjectName(name)
            b.setToolTip(tip)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            return b

        self.open_button = button("Open", "attachmentOpen", self.open_selected, "Open with the system's application")
        self.folder_button = button("Show in Folder", "attachmentShowFolder", self.show_in_folder,
                                    "Open the folder that holds the file")
        self.locate_button = button("Locate…", "attachmentLocate", self.locate_selected,
                                    "Look for the missing file by name and size in the base folder, or choose it")
        self.attach_button = button("Attach File…", "attachmentAdd", self.ask_attach,
                                    "Store a copy in the library's folder, or link the file where it is")
        self.remove_button = button("Remove", "attachmentRemove", self.remove_selected,
                                    "Take the file off this reference (a stored copy goes to the folder's Trash)")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        for i, b in enumerate((self.open_button, self.folder_button, self.locate_button)):
            grid.addWidget(b, 0, i)
        grid.addWidget(self.attach_button, 1, 0, 1, 2)
        grid.addWidget(self.remove_button, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addLayout(grid)
        row.addStretch(1)
        layout.addLayout(row)
        self.refresh()

    # ---- showing ----------------------------------------------------------------------------------
    def show_reference(self, reference_id: int, read_only: bool = False) -> None:
        """Show another reference's files (the pane refills its rows without building anew)."""
        self.reference_id = reference_id
        self.read_only = read_only
        self.setAcceptDrops(not read_only)
        self.refresh()

    def where(self) -> FileLocations:
        return locations(self.library, self.settings)

    def refresh(self) -> None:
        """Read the reference's files again and whether each is there."""
        from bibliofile.services import attachments

        selected = {v.attachment.id for v in self.selected()}
        self.views = attachments.attachments_of(self.library, self.where(), self.reference_id)
        self.list.clear()
        for v in self.views:
            item = QListWidgetItem(self._label(v))
            item.setData(Qt.ItemDataRole.UserRole, v.attachment.id)
            if v.present:
                item.setIcon(self._file_icon)  # the style's: a file-type lookup per row cost a selection change
                item.setToolTip(f"{v.file}\n{'Stored in the library' if v.stored else 'Linked'}; {_size(v.attachment.size)}")
            else:
                item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
                font = item.font()
                font.setItalic(True)  # said by the icon and the words; the colour stays readable
                item.setFont(font)
                item.setToolTip(f"Missing: not at {v.file}.\nLocate… looks for it in {self.where().base}.")
                item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, MISSING)
            self.list.addItem(item)
            item.setSelected(v.attachment.id in selected)
        rows = len(self.views)
        self.list.setVisible(rows > 0)
        self.empty.setVisible(rows == 0)
        line = self.list.sizeHintForRow(0) if rows else 0
        self.list.setFixedHeight(min(rows, 6) * line + 2 * self.list.frameWidth() + 2 if rows else 0)
        self._update_buttons()

    def _label(self, v: AttachmentView) -> str:
        tail = " (stored)" if v.stored else ""
        return f"{v.name}{tail}" if v.present else f"{v.name} — missing"

    def selected(self) -> list[AttachmentView]:
        ids = {int(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()}
        return [v for v in self.views if v.attachment.id in ids]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        present = [v for v in chosen if v.present]
        self.open_button.setEnabled(bool(present))
        self.folder_button.setEnabled(bool(present))
        self.locate_button.setEnabled(not self.read_only and any(not v.present for v in chosen))
        self.remove_button.setEnabled(not self.read_only and bool(chosen))
        self.attach_button.setEnabled(not self.read_only)

    # ---- actions ----------------------------------------------------------------------------------
    def open_selected(self) -> None:
        for v in self.selected():
            if v.present:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(v.file)))
            else:
                self.statusMessage.emit(f"“{v.name}” is missing: not at {v.file}. Locate… looks for it.")

    def open_in_reader(self) -> None:
        """Double-click: a PDF that is there opens in Bibliofile's own reader (gui/pdf_reader.py,
        imported on first use, at the page last read); any other file as Open does."""
        chosen = self.selected()
        if len(chosen) == 1 and chosen[0].present:
            from bibliofile.gui import pdf_reader

            if pdf_reader.is_pdf(chosen[0]):
                pdf_reader.open_attachment(chosen[0], self.library, self)
                return
        self.open_selected()

    def show_in_folder(self) -> None:
        for folder in dict.fromkeys(v.file.parent for v in self.selected() if v.present):
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def ask_attach(self) -> None:
        """Attach File…: a file dialog with a choice to link instead of storing a copy."""
        dialog = QFileDialog(self, "Attach File", str(self.settings.value("paths/attach", str(Path.home()))))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # so it can hold the choice below
        link = QCheckBox("Link to the file where it is (do not store a copy in the library)", dialog)
        link.setObjectName("attachLinkChoice")
        link.setChecked(bool(self.settings.value(LINK_CHOICE_KEY, False, bool)))
        layout = dialog.layout()
        if isinstance(layout, QGridLayout):
            layout.addWidget(link, layout.rowCount(), 0, 1, -1)
        self.attach_dialog = dialog
        if not dialog.exec():
            return
        files = [Path(f) for f in dialog.selectedFiles()]
        self.settings.setValue(LINK_CHOICE_KEY, link.isChecked())
        if files:
            self.settings.setValue("paths/attach", str(files[0].parent))
            self.attach_files(files, "link" if link.isChecked() else "store")

    def attach_files(self, files: Sequence[Path], mode: Mode = "store") -> None:
        """Attach files to this reference: one undo step for all of them."""
        if self.read_only or not files:
            return
        where, rid = self.where(), self.reference_id
        paths = list(files)
        text = f"Attach “{paths[0].name}”" if len(paths) == 1 else f"Attach {len(paths)} files"
        push_attachment_step(self.undo_stack, self.library, text, attach_operation(where, rid, paths, mode, text),
                             self, self._after_write)

    def remove_selected(self) -> None:
        from bibliofile.services import attachments

        chosen = self.selected()
        if self.read_only or not chosen:
            return
        where = self.where()
        ids = [v.attachment.id for v in chosen]
        text = f"Remove “{chosen[0].name}”" if len(chosen) == 1 else f"Remove {len(chosen)} attachments"
        push_attachment_step(self.undo_stack, self.library, text, lambda u: attachments.remove(u, where, ids),
                             self, self._after_write)
        if any(v.stored for v in chosen):
            self.statusMessage.emit(f"{text}: the stored copy is in {where.trash_dir}; Edit › Undo puts it back.")

    def locate_selected(self) -> None:
        """Look for the selected missing files by name and size; what is not found, the user
        chooses (one file dialog per file)."""
        from bibliofile.services import attachments

        missing = [v for v in self.selected() if not v.present]
        if self.read_only or not missing:
            return
        where = self.where()
        search = attachments.find_again(where, missing)
        found = dict(search.found)
        for v in missing:
            if v.attachment.id in found:
                continue
            chosen, _f = QFileDialog.getOpenFileName(self, f"Locate “{v.name}”", str(where.base), f"{v.name} (*{v.file.suffix});;All files (*)")
            if chosen:
                found[v.attachment.id] = Path(chosen)
        if not found:
            self.statusMessage.emit(f"Not found in {where.base}; nothing was changed.")
            return
        text = "Locate File" if len(found) == 1 else f"Locate {len(found)} Files"
        push_attachment_step(self.undo_stack, self.library, text, lambda u: attachments.relink(u, where, found),
                             self, self._after_write)
        self.statusMessage.emit(f"Found {len(found)} of {len(missing)} missing files.")

    def _after_write(self, ids: list[int]) -> None:
        if not shiboken6.isValid(self):
            return  # an undo from the Edit menu after the pane moved on: nothing here to refresh
        self.refresh()
        self.attachmentsChanged.emit(ids or [self.reference_id])

    # ---- drops from the file manager ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.read_only and dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self.read_only and dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = dropped_files(event)
        if self.read_only or not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_files(files, drop_mode(event))


def attach_operation(where: FileLocations, reference_id: int, files: Sequence[Path], mode: Mode, text: str) -> Operation:
    """Attach several files as one operation (one transaction, one undo step)."""
    from bibliofile.services import attachments

    def operation(u: UnitOfWork) -> Change:
        return combined(text, [attachments.attach(u, where, reference_id, f, mode) for f in files])

    return operation


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def sync_pane(pane: QWidget, refs: Sequence[Reference], editable: bool = True) -> AttachmentsSection | None:
    """The detail pane's hook: for one reference, its Attachments section at the end of the
    pane's content (made when the content was built anew, else shown for this reference);
    for several, none. Returns the section."""
    content = pane.scroll_area.widget()  # type: ignore[attr-defined]
    if content is None:
        return None
    section: AttachmentsSection | None = content.findChild(AttachmentsSection, "attachmentsSection")
    if len(refs) != 1 or refs[0].id is None:
        if section is not None:
            section.hide()
        loaded = _annotations_module()
        if loaded is not None:  # not imported yet: no Annotations list was made to hide
            loaded.sync_annotations(pane, None, None, editable)
        return None
    rid = refs[0].id
    if section is None:
        layout = content.layout()
        assert isinstance(layout, QVBoxLayout)
        label = pane._group_label("Attachments", content)  # type: ignore[attr-defined]
        section = AttachmentsSection(pane.library, pane.undo_stack, rid, content, read_only=not editable)  # type: ignore[attr-defined]
        section.statusMessage.connect(pane.statusMessage)  # type: ignore[attr-defined]
        at = max(layout.count() - 1, 0)  # before the closing stretch
        layout.insertWidget(at, label)
        layout.insertWidget(at + 1, section)
        _sync_annotations(pane, section, rid, editable)
        return section
    section.show()
    section.show_reference(rid, read_only=not editable)
    _sync_annotations(pane, section, rid, editable)
    return section


# The PDFs' highlights and notes are listed under the files (gui/pane_annotations.py). Importing
# that module brings the annotation, full-text and citing services with the citation engine:
# 80-230 ms on the GUI thread at the pane's first build, which froze the window the first time
# references were selected (issue 18). It is imported on a worker instead, when the pane has one.
ANNOTATIONS_MODULE = "bibliofile.gui.pane_annotations"


def _annotations_module() -> ModuleType | None:
    """gui/pane_annotations if it has been imported in full (not while a worker imports it)."""
    module = sys.modules.get(ANNOTATIONS_MODULE)
    # importlib marks a module being executed so: the test its own import lock uses.
    if module is None or getattr(getattr(module, "__spec__", None), "_initializing", False):
        return None
    return module


def _sync_annotations(pane: QWidget, section: AttachmentsSection, rid: int, editable: bool) -> None:
    """The Annotations list under ``section``: at once when its module is loaded (or the pane
    reads on this thread, as in tests); else the module is imported on the pane's worker and
    the list added when it is there, for the reference the section shows then. The list shows
    only for references with PDFs, so most first builds look no different meanwhile."""
    loaded = _annotations_module()
    runner = getattr(pane, "runner", None)
    if loaded is None and (runner is None or runner.synchronous):
        loaded = importlib.import_module(ANNOTATIONS_MODULE)
    if loaded is not None or runner is None:
        if loaded is not None:
            loaded.sync_annotations(pane, section, rid, editable)
        return

    def imported(_module: object) -> None:
        if not shiboken6.isValid(section) or section.isHidden():
            return  # the pane was closed, or shows several references or none by now
        module = _annotations_module()
        if module is not None:
            module.sync_annotations(pane, section, section.reference_id, not section.read_only)

    runner.read(lambda _ctx: importlib.import_module(ANNOTATIONS_MODULE), imported)
