"""A reference's note (rich text) as an operation: storing it returns a Change whose undo
puts back the previous note, its plain text included, so searching notes finds the old words
again after an undo."""

from __future__ import annotations

from bibliofile.services.changes import Change, unchanged
from bibliofile.storage import curation
from bibliofile.storage.library import Library, UnitOfWork


def note(library: Library, rid: int) -> str:
    """The note's rich text (HTML), "" when there is none."""
    return curation.note(library, rid)


def set_note(uow: UnitOfWork, rid: int, html: str, plain: str) -> Change:
    """Store a reference's note: ``html`` as shown, ``plain`` its words for search (an empty
    text deletes the note). ``KeyError`` when the reference is gone for good."""
    old_html, old_plain = curation.notes(uow, [rid]).get(rid, ("", ""))
    text = "Edit Note"
    if (old_html, old_plain) == (html, plain):
        return unchanged(text)
    curation.set_note(uow, rid, html, plain)
    return Change(text, lambda u: set_note(u, rid, old_html, old_plain), (rid,))
