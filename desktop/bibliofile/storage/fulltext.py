"""The full-text index of attached files (issue 19): which file's text is indexed up to which
page, the pages themselves, and the search conditions and page hits over them.

``fulltext_files`` (plain SQL, every dialect) says what was read of each attachment; the
pages are in the FTS5 table of ``fulltext_fts5.py`` (SQLite's; a PostgreSQL library would put
a tsvector table behind the same functions). The index is derived data, like the references'
own FTS rows: services/fulltext.py writes it in its own transactions, outside undo, and it
can always be rebuilt from the files.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select, update

from bibliofile.model.query import Term, words
from bibliofile.storage import fulltext_fts5
from bibliofile.storage.batches import chunks, now
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import attachments_t, fulltext_files_t

__all__ = [
    "DONE",
    "FAILED",
    "INDEXING",
    "SCANNED",
    "IndexedFile",
    "add_pages",
    "begin_file",
    "condition",
    "file_pages",
    "finish_file",
    "forget",
    "has_text",
    "page_expression",
    "page_hits",
    "states",
    "touch",
]

F = fulltext_files_t.c
A = attachments_t.c
INDEXING, DONE, SCANNED, FAILED = "indexing", "done", "scanned", "failed"
FINISHED = frozenset({DONE, SCANNED, FAILED})
_names = itertools.count()


@dataclass(frozen=True, slots=True)
class IndexedFile:
    """One ``fulltext_files`` row: the file as it was read (size, mtime, sha256), its page
    count, pages indexed so far, and the outcome (``status``; ``message`` says why for
    "scanned" and "failed")."""

    attachment_id: int
    size: int
    mtime: float
    sha256: str
    pages: int
    pages_done: int
    status: str
    message: str = ""
    indexed_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


_COLUMNS = (F.attachment_id, F.size, F.mtime, F.sha256, F.pages, F.pages_done, F.status, F.message, F.indexed_at)


def states(src: Source, attachment_ids: Sequence[int] | None = None) -> dict[int, IndexedFile]:
    """What the index holds of these attachments (of all, when None)."""
    out: dict[int, IndexedFile] = {}
    with connection(src) as conn:
        stmts = [select(*_COLUMNS)] if attachment_ids is None else [
            select(*_COLUMNS).where(F.attachment_id.in_(c)) for c in chunks(list(dict.fromkeys(attachment_ids)))
        ]
        for stmt in stmts:
            for r in conn.execute(stmt):
                out[int(r[0])] = IndexedFile(
                    int(r[0]), int(r[1]), float(r[2]), str(r[3]), int(r[4]), int(r[5]), str(r[6]), str(r[7]), r[8]
                )
    return out


def begin_file(uow: UnitOfWork, aid: int, *, size: int, mtime: float, sha256: str, pages: int = 0) -> None:
    """Start (or start again) reading a file: its old pages go, its row says "indexing"."""
    fulltext_fts5.remove_pages(uow.conn, aid)
    uow.conn.execute(delete(fulltext_files_t).where(F.attachment_id == aid))
    uow.conn.execute(insert(fulltext_files_t).values(
        attachment_id=aid, size=size, mtime=mtime, sha256=sha256, pages=pages, pages_done=0,
        status=INDEXING, message="", indexed_at=None,
    ))


def add_pages(uow: UnitOfWork, aid: int, start: int, texts: Sequence[str], *, pages: int) -> None:
    """Index pages ``start``.. (from 0) and record that the file is read up to their end.
    Pages without text get no row (so a file with none is a scan)."""
    kept = [(start + i, t) for i, t in enumerate(texts) if t.strip()]
    for _k, run in itertools.groupby(enumerate(kept), key=lambda p: p[1][0] - p[0]):
        items = [page for _n, page in run]
        fulltext_fts5.add_pages(uow.conn, aid, items[0][0], [t for _p, t in items])
    uow.conn.execute(
        update(fulltext_files_t).where(F.attachment_id == aid).values(pages=pages, pages_done=start + len(texts))
    )


def finish_file(uow: UnitOfWork, aid: int, status: str, message: str = "") -> None:
    uow.conn.execute(
        update(fulltext_files_t).where(F.attachment_id == aid).values(status=status, message=message, indexed_at=now())
    )


def has_text(src: Source, aid: int) -> bool:
    """Whether any page of the attachment is in the index (none: a scan, or an empty file)."""
    with connection(src) as conn:
        return fulltext_fts5.has_pages(conn, aid)


def touch(uow: UnitOfWork, aid: int, mtime: float) -> None:
    """The file was touched but holds the same bytes: remember its new mtime, keep its pages."""
    uow.conn.execute(update(fulltext_files_t).where(F.attachment_id == aid).values(mtime=mtime))


def forget(uow: UnitOfWork, aid: int) -> None:
    """Drop a file's pages and row (it will be read again from the start)."""
    fulltext_fts5.remove_pages(uow.conn, aid)
    uow.conn.execute(delete(fulltext_files_t).where(F.attachment_id == aid))


def page_expression(term: Term) -> str:
    """FTS5 syntax for a full-text term: whole words (all of them on one page), a quoted
    phrase in order, and a prefix only where the user wrote ``*`` (``govern*``). Unlike the
    references' fields, which match prefixes as one types, a prefix here would merge the
    doclists of every word of 10,000 pages that starts so (38 ms against 1 ms for a common word;
    bench/bench_fulltext.py)."""
    toks = words(term.text)
    if not toks:
        return ""
    quoted = ['"' + t.replace('"', '""') + '"' for t in toks]
    if term.phrase:
        return '"' + " ".join(t.replace('"', '""') for t in toks) + '"'
    if term.text.rstrip().endswith("*"):
        quoted[-1] += "*"
    return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"


def condition(term: Term, id_column: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL for ``fulltext:word`` on reference ids: references with an attached file whose
    text has the word (``page_expression``) or the quoted phrase."""
    expr = page_expression(term)
    if not expr:
        return id_column.is_(None)
    matching = fulltext_fts5.attachment_ids_matching(expr, f"ft{next(_names)}")
    return id_column.in_(select(A.reference_id).where(A.id.in_(matching)))


@dataclass(frozen=True, slots=True)
class PageHits:
    """Where a reference's files hold the searched words: (attachment id, pages from 1)."""

    reference_id: int
    files: tuple[tuple[int, tuple[int, ...]], ...]


def page_hits(src: Source, terms: Sequence[Term], reference_ids: Sequence[int]) -> dict[int, PageHits]:
    """For each of ``reference_ids``, the pages of its files matching the full-text terms: all
    of them on one page when some page has them all, else any of them (words spread over a
    paper's pages still say where each is)."""
    exprs = [e for e in (page_expression(t) for t in terms if not t.negated) if e]
    wanted = set(reference_ids)
    if not exprs or not wanted:
        return {}
    with connection(src) as conn:
        rowids = fulltext_fts5.page_rowids(conn, " AND ".join(exprs))
        if not rowids and len(exprs) > 1:
            rowids = fulltext_fts5.page_rowids(conn, " OR ".join(exprs))
        by_file: dict[int, list[int]] = {}
        for rowid in rowids:
            aid, page = fulltext_fts5.split_rowid(rowid)
            by_file.setdefault(aid, []).append(page + 1)
        owners: dict[int, int] = {}
        for chunk in chunks(list(by_file)):
            for aid, rid in conn.execute(select(A.id, A.reference_id).where(A.id.in_(chunk))):
                owners[int(aid)] = int(rid)
    out: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for aid, pages in by_file.items():
        rid = owners.get(aid)
        if rid in wanted:
            out.setdefault(rid, []).append((aid, tuple(pages)))
    return {rid: PageHits(rid, tuple(files)) for rid, files in out.items()}


def file_pages(src: Source, terms: Sequence[Term], attachment_id: int) -> tuple[int, ...]:
    """The pages (from 1) of one attached file matching the full-text terms, chosen as
    ``page_hits`` chooses them: the pages holding all of them, else those holding any. What
    the reader opens at when a search found this file."""
    exprs = [e for e in (page_expression(t) for t in terms if not t.negated) if e]
    if not exprs:
        return ()
    with connection(src) as conn:
        rowids = fulltext_fts5.page_rowids(conn, " AND ".join(exprs), attachment_id)
        if not rowids and len(exprs) > 1:
            rowids = fulltext_fts5.page_rowids(conn, " OR ".join(exprs), attachment_id)
    return tuple(fulltext_fts5.split_rowid(r)[1] + 1 for r in rowids)


def counts(src: Source) -> dict[str, int]:
    """Files in the index by status (for a summary line)."""
    with connection(src) as conn:
        return {str(s): int(n) for s, n in conn.execute(select(F.status, func.count()).group_by(F.status))}
