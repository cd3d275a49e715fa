"""The detail pane's Annotations list (issue 19): highlights and notes already in a reference's
PDFs, made in any viewer, under its Attachments, with Copy to Notes.

A collapsible "Annotations (5)" header over a list of page, kind, text and comment; a
double-click opens the reader at that page. What the library remembers is shown at once; a
file not read yet (or changed since) is read on the task runner's read pool through
services/annotations.py (PDFium in the worker process), and the list fills in when it is done.
Copy to Notes appends the chosen annotations (all when none is chosen) to the reference's note
as quotations with an in-text citation in the quick-copy style, "(Knox, 2008, p. 3)": one
operation, one step on the window's undo stack.

Signals:
    statusMessage(str): what Copy to Notes did, or why a file's annotations are not listed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QPalette, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.pane_attachments import AttachmentsSection, locations, push_attachment_step
from bibliofile.services import annotations as pdf_annotations
from bibliofile.services.annotations import Annotation, AnnotationList
from bibliofile.services.changes import Change
from bibliofile.storage.library import Library, UnitOfWork

EXPANDED_KEY = "annotations/expanded"
SHOWN_ROWS = 8  # rows the list shows before it scrolls

_worker_lock = threading.Lock()
_worker: Any = None  # one PDF worker process for the pane's reads, started on first need


def _read_with_worker(library: Library, where: Any, rid: int) -> AnnotationList:
    """Read the reference's unread PDFs in the shared worker (one caller at a time)."""
    global _worker
    from bibliofile.pdf.worker import PdfWorker

    with _worker_lock:
        if _worker is None:
            _worker = PdfWorker()
        return pdf_annotations.annotations_of(library, where, rid, worker=_worker)


class AnnotationsSection(QWidget):
    """A reference's PDF annotations in the detail pane (see the module doc for signals)."""

    statusMessage = Signal(str)

    def __init__(self, library: Library, undo_stack: QUndoStack, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationsSection")
        self.library = library
        self.undo_stack = undo_stack
        self.settings = settings
        self.reference_id = 0
        self.read_only = False
        self.items: list[Annotation] = []
        self._reading: int | None = None  # the reference whose files are being read

        self.header = QToolButton(self)
        self.header.setObjectName("annotationsHeader")
        self.header.setCheckable(True)
        self.header.setChecked(bool(settings.value(EXPANDED_KEY, True, bool)))
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.toggled.connect(self._toggled)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("annotationsList")
        self.tree.setAccessibleName("Annotations in the attached PDFs")
        self.tree.setHeaderLabels(["Page", "Kind", "Text", "Comment"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        head = self.tree.header()
        head.setStretchLastSection(True)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setColumnWidth(2, 180)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self.open_item(item))
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.note = QLabel(self)
        self.note.setObjectName("annotationsNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.copy_button = QPushButton("Copy to Notes", self)
        self.copy_button.setObjectName("annotationsCopyToNotes")
        self.copy_button.setAutoDefault(False)
        self.copy_button.setToolTip("Add the selected annotations (all, when none is selected) to the note, "
                                    "quoted with a citation of their page")
        self.copy_button.clicked.connect(self.copy_to_notes)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.tree)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)
        self._toggled(self.header.isChecked())

    # ---- showing ----------------------------------------------------------------------------------
    def show_reference(self, reference_id: int, read_only: bool = False) -> None:
        """Show a reference's annotations: the remembered ones now, unread files read after."""
        self.reference_id = reference_id
        self.read_only = read_only
        self.refresh()

    def refresh(self) -> None:
        where = locations(self.library, self.settings)
        listed = pdf_annotations.annotations_of(self.library, where, self.reference_id, read=False)
        self._show(listed, reading=bool(listed.unread))
        if listed.unread and self._reading != self.reference_id:
            self._read_later(where)

    def _read_later(self, where: Any) -> None:
        rid = self.reference_id
        self._reading = rid
        runner = getattr(self.window(), "runner", None)

        def done(result: object) -> None:
            if not shiboken6.isValid(self):
                return
            self._reading = None
            if self.reference_id == rid and isinstance(result, AnnotationList):
                self._show(result, reading=False)
                for line in result.messages:
                    self.statusMessage.emit(line)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._reading = None
                self.note.setText(f"The annotations could not be read: {exc}")

        if runner is None or not hasattr(runner, "read"):
            try:
                done(_read_with_worker(self.library, where, rid))
            except Exception as exc:  # a library problem: said under the list, the pane goes on
                failed(exc)
            return
        runner.read(lambda _ctx: _read_with_worker(self.library, where, rid), done, failed)

    def _show(self, listed: AnnotationList, reading: bool) -> None:
        has_pdf = bool(listed.annotations or listed.messages or listed.unread) or self._has_pdf()
        self.setVisible(has_pdf)
        self.items = list(listed.annotations)
        self.tree.clear()
        for n, a in enumerate(self.items):
            item = QTreeWidgetItem([str(a.page), a.kind_name, a.text, _comment(a)])
            item.setData(0, Qt.ItemDataRole.UserRole, n)
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(2, a.text)
            item.setToolTip(3, _comment(a))
            item.setToolTip(0, f"{a.file_name}, page {a.page}. Double-click opens it at this page.")
            self.tree.addTopLevelItem(item)
        count = len(self.items)
        self.header.setText(f"Annotations ({count}{'+' if reading else ''})")
        lines = list(listed.messages)
        if reading:
            lines.append("Reading the annotations of the attached PDF…")
        elif not count and not listed.messages:
            lines.append("No highlights or notes in the attached PDFs.")
        self.note.setText("\n".join(lines))
        self._fit()
        self._update_buttons()

    def _has_pdf(self) -> bool:
        parent = self.parentWidget()
        section = parent.findChild(AttachmentsSection, "attachmentsSection") if parent is not None else None
        if section is None:
            return False
        from bibliofile.services.fulltext import file_kind

        return any(file_kind(v.attachment) == "pdf" for v in section.views)

    def _fit(self) -> None:
        rows = self.tree.topLevelItemCount()
        line = self.tree.sizeHintForRow(0) if rows else 0
        head = self.tree.header().sizeHint().height()
        self.tree.setFixedHeight(head + min(rows, SHOWN_ROWS) * line + 2 * self.tree.frameWidth() + 2 if rows else 0)

    def _toggled(self, expanded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.tree.setVisible(expanded)
        self.copy_button.setVisible(expanded)
        self.settings.setValue(EXPANDED_KEY, expanded)

    def _update_buttons(self) -> None:
        self.copy_button.setEnabled(not self.read_only and bool(self.items))

    def selected(self) -> list[Annotation]:
        rows = sorted(int(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems())
        return [self.items[r] for r in rows]

    # ---- actions ----------------------------------------------------------------------------------
    def open_item(self, item: QTreeWidgetItem) -> None:
        """Double-click: the PDF in the built-in reader at the annotation's page."""
        a = self.items[int(item.data(0, Qt.ItemDataRole.UserRole))]
        from bibliofile.gui import pdf_reader

        if pdf_reader.open_attachment_id(self.library, a.attachment_id, a.page, self) is None:
            self.statusMessage.emit(f"“{a.file_name}” is missing; Locate… in Attachments finds it.")

    def copy_to_notes(self) -> None:
        """Append the chosen annotations (all when none is chosen) to the note: one undo step."""
        chosen = self.selected() or list(self.items)
        if self.read_only or not chosen:
            return
        from bibliofile.gui.preferences_dialog import quick_copy_locale, quick_copy_style

        style = quick_copy_style(self.settings)
        locale = quick_copy_locale(self.settings) or "en-US"
        rid = self.reference_id
        pages: dict[int, str] = {}
        try:
            for a in chosen:
                if a.page not in pages:
                    pages[a.page] = pdf_annotations.citation_for(self.library, rid, a.page, style, locale)
        except Exception as exc:  # a style the engine cannot use: say so, write nothing
            self.statusMessage.emit(f"Not copied: the citation could not be formatted ({exc}).")
            return
        new_html, new_plain = pdf_annotations.quotation_html(chosen, [pages[a.page] for a in chosen])
        n = len(chosen)
        text = f"Copy {n} Annotation{'' if n == 1 else 's'} to Notes"

        def operation(u: UnitOfWork) -> Change:
            return pdf_annotations.append_to_note(u, rid, new_html, new_plain)

        push_attachment_step(self.undo_stack, self.library, text, operation, self,
                             lambda _ids: self._copied(n))

    def _copied(self, n: int) -> None:
        if shiboken6.isValid(self):
            self.statusMessage.emit(f"{n} annotation{'' if n == 1 else 's'} added to the note; Edit › Undo takes "
                                    f"{'it' if n == 1 else 'them'} out.")


def _comment(a: Annotation) -> str:
    return f"{a.comment} — {a.author}" if a.comment and a.author else a.comment


def sync_annotations(pane: QWidget, section: AttachmentsSection | None, reference_id: int | None,
                     editable: bool) -> AnnotationsSection | None:
    """The detail pane's hook, after its Attachments section: for one reference, the
    Annotations list below that section (made once), else hidden. Returns the list."""
    content = pane.scroll_area.widget()  # type: ignore[attr-defined]
    if content is None:
        return None
    found: AnnotationsSection | None = content.findChild(AnnotationsSection, "annotationsSection")
    if section is None or reference_id is None:
        if found is not None:
            found.hide()
        return None
    if found is None:
        layout = content.layout()
        assert isinstance(layout, QVBoxLayout)
        found = AnnotationsSection(section.library, section.undo_stack, section.settings, content)
        found.statusMessage.connect(pane.statusMessage)  # type: ignore[attr-defined]
        section.attachmentsChanged.connect(lambda _ids: found.refresh() if shiboken6.isValid(found) else None)
        layout.insertWidget(layout.indexOf(section) + 1, found)
    found.show_reference(reference_id, read_only=not editable)
    return found


def annotations_of_pane(pane: QWidget) -> Sequence[Annotation]:
    """What the pane lists (tests and the e2e checks read it)."""
    content = pane.scroll_area.widget()  # type: ignore[attr-defined]
    found = content.findChild(AnnotationsSection, "annotationsSection") if content is not None else None
    return list(found.items) if found is not None else []
