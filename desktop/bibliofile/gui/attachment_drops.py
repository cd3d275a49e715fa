"""Files dropped from the file manager onto the table (issue 19): on a reference's row they are
attached to it; PDFs dropped where there is no row each make a reference from the PDF's
metadata (services/pdf_import.py) with the PDF attached.

Bibliographies (.bib, .ris, ...) are imported wherever they are dropped, as before: a
researcher drops a .bib on the table to import it, and the table is mostly rows. Any other
mix goes to the window's import as it did. The window's drop handlers (gui/window_import.py)
ask here first; the table's viewport ignores file drags, so they reach the window with the
window's coordinates. A drop the user made a link (Ctrl+Shift or Alt while dragging) links the
files where they are; any other stores a copy in the library's folder. One undo step each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

from bibliofile.gui.pane_attachments import attach_operation, drop_mode, dropped_files, locations
from bibliofile.gui.window_api import WindowApi

# Files that only ever hold references: imported where they are dropped, never attached.
BIBLIOGRAPHY_SUFFIXES = frozenset({".bib", ".bibtex", ".ris", ".nbib", ".enw"})


def row_under(window: WindowApi, event: QDragMoveEvent | QDropEvent) -> int | None:
    """The reference whose row is under the drag (None: no row there, or the trash shows)."""
    if window.model.scope.trash:
        return None
    table = window.table
    viewport = table.viewport()
    at = viewport.mapFrom(window.as_parent(), event.position().toPoint())
    if not viewport.rect().contains(at):
        return None
    row = table.rowAt(at.y())
    return (window.model.id_at(row) or None) if row >= 0 else None


def _plan(window: WindowApi, event: QDragMoveEvent | QDropEvent) -> tuple[str, list[Path], int | None]:
    """("attach", files, id) on a row, ("new", pdfs, None) PDFs off the rows, else ("", [], None)."""
    files = dropped_files(event)
    if not files or any(f.suffix.lower() in BIBLIOGRAPHY_SUFFIXES for f in files):
        return "", [], None
    rid = row_under(window, event)
    if rid is not None:
        return "attach", files, rid
    if all(f.suffix.lower() == ".pdf" for f in files) and not window.model.scope.trash:
        return "new", files, None
    return "", [], None


def has_files(event: QDragEnterEvent) -> bool:
    """A drag from outside bringing files: the window takes it in, and decides by where it moves."""
    return bool(dropped_files(event))


def accepts(window: WindowApi, event: QDragMoveEvent | QDropEvent) -> bool:
    """Whether a drag here would attach or make references (the window accepts it then)."""
    return bool(_plan(window, event)[0])


def drop(window: WindowApi, event: QDropEvent) -> bool:
    """Attach or make references for a drop; False when it is not ours (the window imports)."""
    what, files, rid = _plan(window, event)
    if not what:
        return False
    event.acceptProposedAction()
    mode = drop_mode(event)
    if what == "attach" and rid is not None:
        attach_to_row(window, rid, files, mode)
    else:
        new_references(window, files, mode)
    return True


def attach_to_row(window: WindowApi, rid: int, files: list[Path], mode: Any = "store") -> None:
    """Attach ``files`` to reference ``rid``: one undo step; the row is selected afterwards,
    so the detail pane shows the files."""
    from bibliofile.gui.undo import change_command

    where = locations(window.library, window.settings)
    text = f"Attach “{files[0].name}”" if len(files) == 1 else f"Attach {len(files)} files"
    title = window.library.rows([rid], ["title"]).get(rid, ("",))[0] or f"#{rid}"

    def said() -> None:
        how = "linked" if mode == "link" else "stored in the library's folder"
        window.show_status(f"{text} to “{title}” ({how}); Edit › Undo takes it off again.", 8000)

    window.undo_stack.push(change_command(
        window, text, attach_operation(where, rid, files, mode, text), after_redo=said,
        select_after_redo=[rid], select_after_undo=[rid],
    ))


def new_references(window: WindowApi, files: list[Path], mode: Any = "store") -> None:
    """A reference per PDF from the PDF's own metadata, completed online by its DOI or arXiv id
    (offline: a queued placeholder carrying the file's title), the PDF attached: one undo step
    (services/pdf_import.py, as ``bibliofile import PAPER.pdf``). PDFium and the network run
    off the GUI thread; the write on the writer thread."""
    from bibliofile.gui.lookup_progress import default_client
    from bibliofile.gui.undo import change_command
    from bibliofile.services import pdf_import
    from bibliofile.services.lookup import existing_ids

    library = window.library
    where = locations(library, window.settings)
    text = f"New Reference from “{files[0].name}”" if len(files) == 1 else f"New References from {len(files)} PDFs"
    window.show_status(f"Reading {len(files)} PDF{'' if len(files) == 1 else 's'}…")

    def read(ctx: Any) -> Any:
        reads = pdf_import.read_pdfs(files, cancelled=ctx.cancelled)
        held = existing_ids(library, [r.identifier for r in reads if r.identifier is not None])
        if not any(r.identifier is not None and r.identifier.key not in held for r in reads):
            return reads, {}
        with default_client() as client:
            return reads, pdf_import.fetch_records(client, reads, skip=list(held))

    def write(got: Any) -> None:
        reads, fetched = got
        outcomes: list[pdf_import.PdfImported] = []

        def done() -> None:
            ids = list(dict.fromkeys(o.reference_id for o in outcomes))
            if ids:
                window.show_in_library(ids)
            said = "; ".join(o.message for o in outcomes[:3]) + ("; …" if len(outcomes) > 3 else "")
            window.show_status(f"{text}: {said}", 12000)

        operation = pdf_import.import_operation(where, reads, fetched, mode=mode, outcomes=outcomes)
        window.undo_stack.push(change_command(window, text, operation, after_redo=done))

    window.runner.read(read, write, window.show_error)
