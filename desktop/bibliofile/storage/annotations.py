"""Annotations read from attached PDFs (issue 19): the remarks of each file and which version
of the file they were read from (size and mtime), so a file is read again only when it changed.

Derived data, like the full-text index: services/annotations.py writes it outside undo, and it
can always be read again from the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import annotation_files_t, pdf_annotations_t

__all__ = ["StoredAnnotation", "StoredFile", "read", "replace"]

A = pdf_annotations_t.c
F = annotation_files_t.c


@dataclass(frozen=True, slots=True)
class StoredAnnotation:
    """One remark: ``page`` from 0, ``kind``, the ``text`` under it, ``comment``, ``author``."""

    page: int
    kind: str
    text: str
    comment: str
    author: str


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What was read of one attachment: the file's size and mtime then, why it could not be read
    ("" when it could), and its annotations in page order."""

    size: int
    mtime: float
    message: str
    annotations: tuple[StoredAnnotation, ...]


def read(src: Source, attachment_id: int) -> StoredFile | None:
    """The annotations stored for an attachment, None when its file was never read."""
    with connection(src) as conn:
        row = conn.execute(select(F.size, F.mtime, F.message).where(F.attachment_id == attachment_id)).first()
        if row is None:
            return None
        found = conn.execute(
            select(A.page, A.kind, A.text, A.comment, A.author)
            .where(A.attachment_id == attachment_id)
            .order_by(A.page, A.id)
        )
        notes = tuple(StoredAnnotation(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in found)
    return StoredFile(int(row[0]), float(row[1]), str(row[2]), notes)


def replace(
    uow: UnitOfWork, attachment_id: int, *, size: int, mtime: float, annotations: Sequence[StoredAnnotation], message: str = ""
) -> None:
    """Put a file's annotations (read from the file of this size and mtime) in place of the old."""
    conn = uow.conn
    conn.execute(delete(pdf_annotations_t).where(A.attachment_id == attachment_id))
    conn.execute(delete(annotation_files_t).where(F.attachment_id == attachment_id))
    conn.execute(insert(annotation_files_t).values(attachment_id=attachment_id, size=size, mtime=mtime, message=message))
    if annotations:
        conn.execute(insert(pdf_annotations_t), [
            {"attachment_id": attachment_id, "page": a.page, "kind": a.kind, "text": a.text,
             "comment": a.comment, "author": a.author}
            for a in annotations
        ])
