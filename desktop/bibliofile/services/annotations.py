"""Highlights and notes already in a reference's PDFs (issue 19), listed with their pages and
copied into the reference's note as quotations with a citation.

Reading on demand, remembered: a file's annotations are read (in the PDF worker process, with
its time and memory limits) the first time its reference is shown and again only when the
file's size or mtime changed; otherwise they come from the library (storage/annotations.py),
in one query. The full-text pass is not used for this: it would mean reading every PDF of an
existing library again, while one file costs little when its reference is shown (measured on
2 busy cores: the worker's start and a 3-page file 0.28 s, a 500-page file with ~1,000
annotations 0.2 s, a 3-page file with the worker running 2 ms). Copying into the note is one
operation (one transaction, one undo step) over services.notes.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from bibliofile.citation.engine import CitationItem
from bibliofile.pdf.worker import PdfFailed, PdfWorker
from bibliofile.services import notes
from bibliofile.services.attachments import AttachmentView, FileLocations, attachments_of
from bibliofile.services.changes import Change
from bibliofile.services.citing import cite_items
from bibliofile.services.fulltext import file_kind
from bibliofile.storage import annotations as stored
from bibliofile.storage import curation
from bibliofile.storage.library import Library, UnitOfWork

__all__ = [
    "KIND_NAMES",
    "Annotation",
    "AnnotationList",
    "annotations_of",
    "append_to_note",
    "citation_for",
    "quotation_html",
]

# The words the pane and the note use for each kind.
KIND_NAMES = {
    "Highlight": "Highlight",
    "Underline": "Underline",
    "StrikeOut": "Strike-out",
    "Squiggly": "Squiggly",
    "Note": "Note",
    "FreeText": "Text box",
}


@dataclass(frozen=True, slots=True)
class Annotation:
    """One remark in one attached file, ``page`` from 1 (as the reader and citations count)."""

    attachment_id: int
    file_name: str
    page: int
    kind: str
    text: str
    comment: str
    author: str

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


@dataclass
class AnnotationList:
    """A reference's annotations in file and page order; ``messages``: one line per file that
    could not be read ("NAME: why; its annotations are not listed")."""

    annotations: list[Annotation] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    unread: list[AttachmentView] = field(default_factory=list)  # PDFs not read yet (read=False)


def _stat(v: AttachmentView) -> tuple[int, float] | None:
    try:
        st = os.stat(v.file)
    except OSError:
        return None
    return st.st_size, st.st_mtime


def _read_file(library: Library, v: AttachmentView, facts: tuple[int, float], worker: PdfWorker) -> stored.StoredFile:
    size, mtime = facts
    message = ""
    found: tuple[stored.StoredAnnotation, ...] = ()
    try:
        found = tuple(
            stored.StoredAnnotation(a.page, a.kind, a.text, a.comment, a.author) for a in worker.annotations(v.file)
        )
    except PdfFailed as exc:
        message = str(exc)
    with library.write() as uow:
        stored.replace(uow, v.attachment.id, size=size, mtime=mtime, annotations=found, message=message)
    return stored.StoredFile(size, mtime, message, found)


def annotations_of(
    library: Library, where: FileLocations, reference_id: int, *, read: bool = True, worker: PdfWorker | None = None
) -> AnnotationList:
    """The annotations of a reference's PDFs that are there. A file not read yet, or changed
    since, is read now when ``read`` (in ``worker``, or one started for this call); without
    ``read`` it is listed in ``unread`` (the window reads those off its thread). Never raises
    for a file: one that cannot be read is said in ``messages`` and remembered until it changes."""
    out = AnnotationList()
    pdfs = [v for v in attachments_of(library, where, reference_id) if v.present and file_kind(v.attachment) == "pdf"]
    own = worker is None and read
    pdf_worker = worker
    try:
        for v in pdfs:
            facts = _stat(v)
            if facts is None:
                continue
            known = stored.read(library, v.attachment.id)
            if known is None or (known.size, known.mtime) != facts:
                if not read:
                    out.unread.append(v)
                    continue
                if pdf_worker is None:
                    pdf_worker = PdfWorker()
                known = _read_file(library, v, facts, pdf_worker)
            if known.message:
                out.messages.append(f"{v.name}: {known.message}; its annotations are not listed")
            out.annotations.extend(
                Annotation(v.attachment.id, v.name, a.page + 1, a.kind, a.text, a.comment, a.author)
                for a in known.annotations
            )
    finally:
        if own and pdf_worker is not None:
            pdf_worker.close()
    return out


def citation_for(library: Library, reference_id: int, page: int, style: str = "apa", locale: str | None = "en-US") -> str:
    """The in-text citation of a page of the reference, "(Knox, 2008, p. 3)" in APA."""
    ref = library.get(reference_id)
    return cite_items([CitationItem(ref, locator=str(page), label="page")], style, locale, "text").strip()


def quotation_html(items: Sequence[Annotation], citations: Sequence[str]) -> tuple[str, str]:
    """The annotations as the note's new paragraphs (HTML) and their plain words: a markup's
    text quoted with its citation, its comment after it; a note's words with the citation."""
    parts: list[str] = []
    plain: list[str] = []
    for a, cite in zip(items, citations, strict=True):
        by = f" ({a.author})" if a.author else ""
        if a.text:
            quote = f"“{a.text}” {cite}"
            line = f"<p>{html.escape(quote)}</p>"
            if a.comment:
                line += f"<p><i>{html.escape(a.comment + by)}</i></p>"
            plain.append(quote + (f"\n{a.comment}{by}" if a.comment else ""))
        else:
            said = f"{a.kind_name}: {a.comment}{by} {cite}"
            line = f"<p>{html.escape(said)}</p>"
            plain.append(said)
        parts.append(f"<blockquote>{line}</blockquote>")
    return "".join(parts), "\n\n".join(plain)


def _joined(old_html: str, new_html: str) -> str:
    """The note's HTML with the new paragraphs at its end (inside its body when it is a whole
    document, as the note editor saves it)."""
    if not old_html.strip():
        return new_html
    at = old_html.lower().rfind("</body>")
    return old_html[:at] + new_html + old_html[at:] if at >= 0 else old_html + new_html


def append_to_note(uow: UnitOfWork, reference_id: int, new_html: str, new_plain: str) -> Change:
    """Add paragraphs at the end of the reference's note: one operation, whose undo puts the
    note back as it was (services.notes)."""
    old_html, old_plain = curation.notes(uow, [reference_id]).get(reference_id, ("", ""))
    plain = f"{old_plain}\n\n{new_plain}" if old_plain.strip() else new_plain
    change = notes.set_note(uow, reference_id, _joined(old_html, new_html), plain)
    return Change("Copy Annotations to Notes", change.undo, change.ids)
