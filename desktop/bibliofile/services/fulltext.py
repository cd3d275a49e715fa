"""Reading attached files into the full-text index (issue 19): incremental, resumable and
cancellable, the same in the window (in the background) and in the CLI (before it returns).

Which files: every attachment of a reference not in the trash whose file is a PDF, an HTML
page or a plain-text file and is where the library says. Which of them are read again:

- a file whose size and mtime are as when it was read is left alone (no hashing);
- a touched file (new mtime) is hashed: the same SHA-256 keeps its pages, another is read anew;
- a file whose reading stopped half-way (a cancel, a crash, the window closed) goes on from
  the first page not yet committed, if it is the same file.

PDF pages come from the PDF worker process (pdf/worker.py: a time and memory limit per file),
a batch at a time; batches are committed together about once a second, so a long run costs
few commits (each makes the window's cached orders stale) and a stop loses at most a second.
The index is derived data: these writes are not user actions and have no undo.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bibliofile.formats.file_text import MAX_TEXT_BYTES, html_pages, text_pages
from bibliofile.model.query import FULLTEXT, Query, Term, parse_query
from bibliofile.pdf.worker import PdfFailed, PdfWorker
from bibliofile.services.attachments import FileLocations
from bibliofile.storage import attachments as attachment_rows
from bibliofile.storage import fulltext as index
from bibliofile.storage.attachments import Attachment
from bibliofile.storage.library import Library, UnitOfWork

__all__ = ["SCANNED_MESSAGE", "FilePages", "IndexReport", "file_kind", "fulltext_terms", "index_files", "pages_found"]

SCANNED_MESSAGE = "scanned, no text (no OCR)"
BATCH_PAGES = 25  # pages asked of the worker at once
COMMIT_SECONDS = 1.0  # pending pages are committed at least this often
COMMIT_PAGES = 400  # ... or when this many are pending
_HTML = frozenset({".html", ".htm", ".xhtml", ".shtml"})
_TEXT = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
Progress = Callable[[int, int, str], None]


def file_kind(a: Attachment) -> str:
    """"pdf", "html", "text", or "" (a file whose text we do not read: EPUB, images...)."""
    name = (a.path.rsplit("/", 1)[-1] or a.original_name).lower()
    suffix = os.path.splitext(name)[1]
    ctype = a.content_type.lower()
    if suffix == ".pdf" or ctype == "application/pdf":
        return "pdf"
    if suffix in _HTML or ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if suffix in _TEXT or ctype == "text/plain":
        return "text"
    return ""


@dataclass
class IndexReport:
    """What a run did. ``scanned`` and ``failed``: (file name, why) each; ``messages()`` says
    it in lines for the user, each naming the file and what was kept."""

    files: int = 0
    read: int = 0
    resumed: int = 0
    unchanged: int = 0
    touched: int = 0
    missing: int = 0
    pages: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    scanned: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [f"{name}: {why}" for name, why in self.scanned + self.failed]

    def summary(self) -> str:
        parts = [f"{self.read} file{'' if self.read == 1 else 's'} read ({self.pages} pages)"]
        if self.unchanged or self.touched:
            parts.append(f"{self.unchanged + self.touched} unchanged")
        if self.resumed:
            parts.append(f"{self.resumed} resumed")
        if self.scanned:
            parts.append(f"{len(self.scanned)} scanned without text")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be read")
        if self.missing:
            parts.append(f"{self.missing} missing")
        text = "Full text: " + ", ".join(parts)
        return text + (" — stopped; the rest is read next time" if self.cancelled else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files, "read": self.read, "resumed": self.resumed, "unchanged": self.unchanged + self.touched,
            "missing": self.missing, "pages": self.pages, "cancelled": self.cancelled,
            "scanned": [{"file": n, "message": m} for n, m in self.scanned],
            "failed": [{"file": n, "message": m} for n, m in self.failed],
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class _Writer:
    """Pending index writes, committed together about once a second (or COMMIT_PAGES)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.pending: list[Callable[[UnitOfWork], None]] = []
        self.pages = 0
        self.since = time.monotonic()

    def add(self, op: Callable[[UnitOfWork], None], pages: int = 0) -> None:
        self.pending.append(op)
        self.pages += pages
        if self.pages >= COMMIT_PAGES or time.monotonic() - self.since >= COMMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            with self.library.write() as uow:
                for op in self.pending:
                    op(uow)
        self.pending, self.pages, self.since = [], 0, time.monotonic()


def index_files(
    library: Library,
    where: FileLocations,
    attachment_ids: Sequence[int] | None = None,
    *,
    worker: PdfWorker | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
) -> IndexReport:
    """Read the files not yet in the index (or changed since) into it; ``attachment_ids``
    limits it to those (the CLI after an attach). Stops between batches when ``cancelled()``,
    with every page read so far committed. Never raises for a file: a file that cannot be read
    is reported and marked, so it is not tried again until it changes."""
    started = time.monotonic()
    report = IndexReport()
    if attachment_ids is None:
        found = attachment_rows.all_attachments(library)
    else:
        found = attachment_rows.get(library, list(attachment_ids))
    todo = [a for a in found if file_kind(a)]
    report.files = len(todo)
    known = index.states(library, [a.id for a in todo])
    own_worker = worker is None
    pdfs = worker or PdfWorker()
    writer = _Writer(library)
    try:
        # First what to read (stat, hash: cheap), then the reading, so the PDF worker can be
        # asked for the next file's first pages while this process stores the current ones.
        jobs = [job for a in todo if (job := _plan(writer, a, where.resolve(a), known.get(a.id), report)) is not None]
        for n, job in enumerate(jobs):
            if cancelled():
                report.cancelled = True
                break
            if progress is not None:
                progress(n, len(jobs), job.path.name)
            if job.kind == "pdf":
                following = next((j for j in jobs[n + 1 :] if j.kind == "pdf"), None)
                _read_pdf(writer, pdfs, job, following, report, cancelled)
            else:
                _read_text(writer, job.attachment_id, job.path, job.kind, report)
            if report.cancelled:
                break
        writer.flush()
        if report.cancelled:
            pdfs.reset()  # answers asked for ahead are not wanted any more
        else:
            pdfs.release()
    finally:
        if own_worker:
            pdfs.close()
    report.seconds = time.monotonic() - started
    return report


@dataclass(frozen=True, slots=True)
class _Job:
    attachment_id: int
    path: Path
    kind: str
    start: int  # the first page to read (a resumed file's first page not yet committed)


def _plan(writer: _Writer, a: Attachment, path: Path, state: index.IndexedFile | None, report: IndexReport) -> _Job | None:
    """Whether (and from which page) to read a file; counts the others in ``report``."""
    try:
        st = os.stat(path)
    except OSError:
        report.missing += 1
        return None
    aid = a.id
    same_stat = state is not None and state.size == st.st_size and state.mtime == st.st_mtime
    if state is not None and same_stat and state.finished:
        report.unchanged += 1
        return None
    if state is not None and not same_stat and state.size == st.st_size:
        try:
            sha = _sha256(path)
        except OSError as exc:
            report.failed.append((path.name, f"could not be read ({exc.strerror or exc}); its text was not indexed"))
            return None
        if sha == state.sha256:
            mtime = st.st_mtime
            writer.add(lambda u: index.touch(u, aid, mtime))
            if state.finished:
                report.touched += 1
                return None
            same_stat = True
    report.read += 1
    if state is not None and same_stat and not state.finished:
        report.resumed += 1
        return _Job(aid, path, file_kind(a), state.pages_done)
    try:
        sha = _sha256(path)
    except OSError as exc:
        report.read -= 1
        report.failed.append((path.name, f"could not be read ({exc.strerror or exc}); its text was not indexed"))
        return None
    size, mtime = st.st_size, st.st_mtime
    writer.add(lambda u: index.begin_file(u, aid, size=size, mtime=mtime, sha256=sha))
    return _Job(aid, path, file_kind(a), 0)


def _finish(writer: _Writer, aid: int, status: str, message: str = "") -> None:
    writer.add(lambda u: index.finish_file(u, aid, status, message))


def _read_pdf(
    writer: _Writer, pdfs: PdfWorker, job: _Job, following: _Job | None, report: IndexReport, cancelled: Callable[[], bool]
) -> None:
    aid, path, start = job.attachment_id, job.path, job.start
    page = start
    total: int | None = None
    had_text = False
    while total is None or page < total:
        if cancelled():
            report.cancelled = True
            return
        try:
            batch = pdfs.pages(path, page, BATCH_PAGES)
        except PdfFailed as exc:
            kept = f"{page} of {total} pages are searchable" if total and page else "its text was not indexed"
            why = f"{exc}; {kept}"
            report.failed.append((path.name, why))
            _finish(writer, aid, index.FAILED, why)
            return
        total = batch.page_count
        texts, at = batch.texts, batch.start
        page += len(texts)
        # Ask for what comes next before storing these: the worker reads while we write.
        if texts and page < total:
            pdfs.prefetch(path, page, BATCH_PAGES)
        elif following is not None:
            pdfs.prefetch(following.path, following.start, BATCH_PAGES)
        had_text = had_text or any(t.strip() for t in texts)
        writer.add(_pages_op(aid, at, texts, total), len(texts))
        report.pages += len(texts)
        if not texts:
            break
    if total == 0:
        report.failed.append((path.name, "has no pages"))
        _finish(writer, aid, index.FAILED, "has no pages")
        return
    if not had_text and start > 0:
        writer.flush()  # pages read before a restart may hold text: ask the index
        had_text = index.has_text(writer.library, aid)
    if had_text:
        _finish(writer, aid, index.DONE)
    else:
        report.scanned.append((path.name, SCANNED_MESSAGE))
        _finish(writer, aid, index.SCANNED, SCANNED_MESSAGE)


def _pages_op(aid: int, start: int, texts: Sequence[str], total: int) -> Callable[[UnitOfWork], None]:
    return lambda u: index.add_pages(u, aid, start, texts, pages=total)


def _read_text(writer: _Writer, aid: int, path: Path, kind: str, report: IndexReport) -> None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        why = f"could not be read ({exc.strerror or exc}); its text was not indexed"
        report.failed.append((path.name, why))
        _finish(writer, aid, index.FAILED, why)
        return
    cut = len(data) > MAX_TEXT_BYTES
    pages = (html_pages if kind == "html" else text_pages)(data[:MAX_TEXT_BYTES])
    writer.add(lambda u: index.add_pages(u, aid, 0, pages, pages=len(pages)), len(pages))
    report.pages += len(pages)
    message = f"only its first {MAX_TEXT_BYTES >> 20} MB were indexed" if cut else ""
    _finish(writer, aid, index.DONE, message)
    if cut:
        report.failed.append((path.name, message))


@dataclass(frozen=True, slots=True)
class FilePages:
    """Pages (from 1) of one attached file where a search's words are."""

    attachment_id: int
    name: str
    pages: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {"attachment_id": self.attachment_id, "file": self.name, "pages": list(self.pages)}

    def describe(self) -> str:
        shown = ", ".join(str(p) for p in self.pages[:12]) + (", …" if len(self.pages) > 12 else "")
        return f"{self.name}, page{'' if len(self.pages) == 1 else 's'} {shown}"


def fulltext_terms(query: Query, inside_files: bool = False) -> list[Term]:
    """The terms of a query the files' text answers: ``fulltext:`` terms, and with "Search
    inside files" the plain words too (inside OR groups as well)."""
    out: list[Term] = []

    def walk(t: Term) -> None:
        if t.negated:
            return
        if t.any_of:
            for alt in t.any_of:
                for member in alt:
                    walk(member)
        elif t.field == FULLTEXT or (inside_files and t.field is None):
            out.append(t)

    for t in query.terms:
        walk(t)
    return out


def pages_found(
    library: Library, query: Query | str, reference_ids: Sequence[int], inside_files: bool = False
) -> dict[int, list[FilePages]]:
    """For each reference, the pages of its files that hold the query's full-text words (the
    CLI's ``fulltext_pages``, the window's "found on page ...")."""
    q = parse_query(query) if isinstance(query, str) else query
    terms = fulltext_terms(q, inside_files)
    if not terms or not reference_ids:
        return {}
    hits = index.page_hits(library, terms, reference_ids)
    names = {a.id: (a.path.rsplit("/", 1)[-1] or a.original_name)
             for a in attachment_rows.get(library, [aid for h in hits.values() for aid, _p in h.files])}
    return {rid: [FilePages(aid, names.get(aid, f"#{aid}"), pages) for aid, pages in h.files] for rid, h in hits.items()}


@dataclass(frozen=True, slots=True)
class FileHit:
    """Where a search's full-text words are in one attached file: its pages (from 1) and the
    words themselves as the user wrote them (a phrase whole, ``govern*`` as ``govern``), for
    the reader to open at the first page and find them there."""

    pages: tuple[int, ...]
    words: tuple[str, ...]


def search_words(terms: Sequence[Term]) -> tuple[str, ...]:
    """The words of full-text terms to find in a document, each once, in the query's order."""
    out: dict[str, None] = {}
    for t in terms:
        text = " ".join(t.text.split()).rstrip("*").strip()
        if text and not t.negated:
            out.setdefault(text, None)
    return tuple(out)


def hit_in_file(library: Library, query: Query | str, attachment_id: int, inside_files: bool = False) -> FileHit | None:
    """The pages of one attachment that hold the query's full-text words, with the words; None
    when the query has no full-text words or this file does not hold them."""
    q = parse_query(query) if isinstance(query, str) else query
    terms = fulltext_terms(q, inside_files)
    if not terms:
        return None
    pages = index.file_pages(library, terms, attachment_id)
    return FileHit(pages, search_words(terms)) if pages else None
