"""A reference made from a PDF, with the PDF attached (issue 19): ``bibliofile import
PAPER.pdf``, a PDF dropped below the table's rows, File > Import of a PDF.

Three steps, as services/lookup.py, so the window keeps PDFium and the network off its GUI
thread and the write on its writer thread, and the CLI runs them in a row:

1. read (``read_pdfs``): metadata from the file, in the PDF worker process
   (formats/pdf_metadata.py ranks XMP, the Info dictionary and the page text);
2. fetch (``fetch_records``): with a DOI or arXiv id, the record online (network only);
3. write (``import_operation``): one transaction and one undo step for all the files.

What a file becomes: the record found online, completed with what the file says where the
record is silent; offline (or when the service cannot be reached) a placeholder "To look up:
<the title the file gives>" carrying the file's metadata, queued for the lookup queue to
complete later (services/lookup.py fills only what is still empty then, so nothing the user
typed meanwhile is overwritten); with no identifier, or one the service does not know, the
file's own metadata. A PDF whose identifier is already in the library is attached to that
reference instead of making a second one (its fields are left as they are). A PDF that cannot
be read still makes a reference, titled by its file name, with the reason said.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bibliofile.formats.pdf_metadata import PdfMetadata, read_pdf_metadata
from bibliofile.model.identifiers import Identifier
from bibliofile.model.reference import Reference
from bibliofile.online.http import HttpClient
from bibliofile.pdf.worker import PdfFailed, PdfWorker
from bibliofile.services import attachments, citation_keys, trash
from bibliofile.services.attachment_names import DEFAULT_NAME_PATTERN
from bibliofile.services.attachments import FileLocations, Mode, title_from_file_name
from bibliofile.services.changes import Change, Operation, combined, plural, unchanged
from bibliofile.services.editing import copy_reference
from bibliofile.services.lookup import (
    Fetched,
    _next_try,
    _now,
    existing_ids,
    fetch_identifiers,
    placeholder_for,
)
from bibliofile.services.lookup_match import PLACEHOLDER_TITLE
from bibliofile.storage import lookup_queue
from bibliofile.storage.library import Library, UnitOfWork
from bibliofile.storage.lookup_queue import PendingLookup

__all__ = ["PdfImported", "PdfRead", "fetch_records", "import_operation", "import_pdfs", "is_pdf", "read_pdfs"]

PAGE_HEIGHT_DEFAULT = 842.0


def is_pdf(path: str | Path) -> bool:
    """A file to make a reference from: named .pdf, or starting with the PDF signature."""
    p = Path(path)
    if p.suffix.lower() == ".pdf":
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class PdfRead:
    """One file read: its metadata, or ``problem`` (why it could not be read; the reference is
    then titled by the file's name)."""

    file: Path
    metadata: PdfMetadata | None
    problem: str = ""

    @property
    def identifier(self) -> Identifier | None:
        return self.metadata.identifier if self.metadata is not None else None


def read_pdfs(
    files: Sequence[str | Path], worker: PdfWorker | None = None, cancelled: Callable[[], bool] = lambda: False
) -> list[PdfRead]:
    """Read each file's metadata in the PDF worker process (never raises for a file)."""
    own = worker is None
    pdfs = worker or PdfWorker()
    out: list[PdfRead] = []
    try:
        for f in files:
            if cancelled():
                break
            path = Path(os.path.abspath(os.path.expanduser(str(f))))
            try:
                facts = pdfs.facts(path)
            except PdfFailed as exc:
                out.append(PdfRead(path, None, str(exc)))
                continue
            meta = read_pdf_metadata(
                info=facts.info, xmp=facts.xmp, first_pages=facts.first_pages, title_lines=facts.title_lines,
                page_height=PAGE_HEIGHT_DEFAULT, file_name=path.name,
            )
            out.append(PdfRead(path, meta))
    finally:
        if own:
            pdfs.close()
    return out


def fetch_records(client: HttpClient, reads: Sequence[PdfRead], skip: Sequence[str] = ()) -> dict[str, Fetched]:
    """Identifier key -> the record found online (network only). ``skip``: keys not to fetch
    (already in the library)."""
    wanted: dict[str, Identifier] = {}
    for r in reads:
        ident = r.identifier
        if ident is not None and ident.key not in skip:
            wanted.setdefault(ident.key, ident)
    if not wanted:
        return {}
    return {f.identifier.key: f for f in fetch_identifiers(client, list(wanted.values()))}


@dataclass(frozen=True, slots=True)
class PdfImported:
    """What one file became. ``status``: "found" (the record online), "queued" (a placeholder
    waiting for the lookup queue), "from file" (the file's own metadata), "attached" (its
    identifier was in the library already: attached to that reference), "unreadable" (titled
    by its name). ``message`` says it for the user, naming the file."""

    file: Path
    reference_id: int
    status: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"file": str(self.file), "id": self.reference_id, "status": self.status, "message": self.message}


def _with_file_metadata(ref: Reference, meta: PdfMetadata | None) -> Reference:
    """``ref`` with the file's fields where it has none (never over a value it has)."""
    if meta is None:
        return ref
    out = copy_reference(ref)
    for key, value in meta.reference.fields.items():
        if not out.fields.get(key, "").strip():
            out.fields[key] = value
    if not out.creators and meta.reference.creators:
        out.creators = list(meta.reference.creators)
    return out


def _plan(read: PdfRead, fetched: Fetched | None) -> tuple[Reference, str, str, Fetched | None]:
    """(reference to add, status, message, the failure to queue) for one file."""
    name = read.file.name
    meta = read.metadata
    if meta is None:
        ref = Reference(item_type="document", fields={"title": title_from_file_name(read.file)})
        return ref, "unreadable", f"{name}: {read.problem}; titled by its file name", None
    ident = meta.identifier
    if ident is not None and fetched is not None and fetched.reference is not None:
        ref = _with_file_metadata(copy_reference(fetched.reference), meta)
        return ref, "found", f"{name}: {ident.label} found online: “{ref.title}”", None
    if ident is not None and fetched is not None and fetched.transient:
        ref = placeholder_for(ident, fetched.message)
        if meta.reference.title:
            ref.fields["title"] = f"{PLACEHOLDER_TITLE} {meta.reference.title}"
        ref = _with_file_metadata(ref, meta)
        ref.fields["note"] = (
            f"Placeholder made from {ident.label} in {name}; the details are still to be looked up ({fetched.message})."
        )
        return ref, "queued", f"{name}: {fetched.message}; kept as “to look up” with the title the file gives", fetched
    ref = copy_reference(meta.reference)
    if not ref.title:
        ref.fields["title"] = title_from_file_name(read.file)
    why = ""
    if ident is not None and fetched is not None:
        why = f" ({ident.label}: {fetched.message})"
    guessed = " (the title is a guess from page 1: check it)" if meta.title_guessed else ""
    return ref, "from file", f"{name}: made from the file's own metadata{why}{guessed}", None


def import_operation(
    where: FileLocations,
    reads: Sequence[PdfRead],
    fetched: dict[str, Fetched],
    *,
    mode: Mode = "store",
    pattern: str = DEFAULT_NAME_PATTERN,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
    when: datetime | None = None,
    outcomes: list[PdfImported] | None = None,
) -> Operation:
    """The write: a reference per file (or the one already holding its identifier) with the
    file attached, placeholders queued; one Change whose undo takes the files off and the new
    references to the trash. ``outcomes`` (if given) is filled with what each file became."""

    def operation(uow: UnitOfWork) -> Change:
        stamp = when or _now()
        text = f"New Reference from “{reads[0].file.name}”" if len(reads) == 1 else f"New References from {plural(len(reads), 'PDF')}"
        if not reads:
            return unchanged(text)
        held = existing_ids(uow, [r.identifier for r in reads if r.identifier is not None])
        changes: list[Change] = []
        new_ids: list[int] = []
        queued: list[int] = []
        done: list[PdfImported] = []
        for read in reads:
            ident = read.identifier
            if ident is not None and ident.key in held:
                rid = held[ident.key][0]
                changes.append(attachments.attach(uow, where, rid, read.file, mode, pattern))
                done.append(PdfImported(read.file, rid, "attached", f"{read.file.name}: {ident.label} is in the library already; attached to it"))
                continue
            ref, status, message, failure = _plan(read, fetched.get(ident.key) if ident is not None else None)
            [rid] = uow.add_items([ref])
            new_ids.append(rid)
            if failure is not None and ident is not None:
                queued.append(rid)
                lookup_queue.add_pending(uow, [PendingLookup(
                    rid, ident.key, "add", failure.message, 1, _next_try(1, stamp, failure.retry_after), stamp,
                )])
            else:
                # Its identifier is in the library now: a second copy of the PDF attaches to it.
                if ident is not None:
                    held[ident.key] = (rid,)
            changes.append(attachments.attach(uow, where, rid, read.file, mode, pattern))
            done.append(PdfImported(read.file, rid, status, message))
        citation_keys.fill_missing(uow, [i for i in new_ids if i not in queued], key_pattern)
        if outcomes is not None:
            outcomes[:] = done
        made = [_trashable(text, tuple(new_ids))] if new_ids else []
        return combined(text, [*made, *changes])

    return operation


def _trashable(text: str, ids: tuple[int, ...]) -> Change:
    def undo(u: UnitOfWork) -> Change:
        back = trash.move_to_trash(u, list(ids))
        return replace(back, description=text)

    return Change(text, undo, ids)


@dataclass(frozen=True, slots=True)
class PdfImportReport:
    """``bibliofile import PAPER.pdf``: what each file became, the Change, and the full-text
    report of reading their pages."""

    outcomes: list[PdfImported]
    change: Change | None
    index: Any = None


def import_pdfs(
    library: Library,
    where: FileLocations,
    files: Sequence[str | Path],
    client: HttpClient,
    *,
    mode: Mode = "store",
    pattern: str = DEFAULT_NAME_PATTERN,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
    index_text: bool = True,
) -> PdfImportReport:
    """Read, fetch, write and index in one go (the CLI): the text of the new attachments is
    searchable when this returns."""
    from bibliofile.services import fulltext
    from bibliofile.services.changes import perform
    from bibliofile.storage import attachments as rows

    with PdfWorker() as worker:
        reads = read_pdfs(files, worker)
        held = existing_ids(library, [r.identifier for r in reads if r.identifier is not None])
        fetched = fetch_records(client, reads, skip=list(held))
        outcomes: list[PdfImported] = []
        change = perform(library, import_operation(
            where, reads, fetched, mode=mode, pattern=pattern, key_pattern=key_pattern, outcomes=outcomes,
        ))
        report = None
        if index_text and outcomes:
            ids = [a.id for rid in {o.reference_id for o in outcomes}
                   for a in rows.for_references(library, [rid]).get(rid, [])]
            report = fulltext.index_files(library, where, ids, worker=worker)
    return PdfImportReport(outcomes, change, report)
