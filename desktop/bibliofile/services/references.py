"""References as operations: New Reference, as a Change like every other write, so the window's
undo and a future CLI ``new`` share it. Editing a reference's fields is ``services.editing``
(``apply_edits``); trashing and restoring are ``services.trash``.
"""

from __future__ import annotations

from bibliofile.model.item_types import is_known_item_type
from bibliofile.model.reference import Reference
from bibliofile.services import trash
from bibliofile.services.changes import Change
from bibliofile.storage.library import UnitOfWork


def new_reference(uow: UnitOfWork, item_type: str, collection_id: int | None = None) -> Change:
    """Add an empty reference of this CSL type (filed in ``collection_id`` too); ``ids`` holds
    its id. Its undo moves it to the trash and the redo restores it, so a redo brings back the
    same reference (with whatever was typed into it), not a new empty one. ``ValueError`` for
    a type Bibliofile does not know."""
    if not is_known_item_type(item_type):
        raise ValueError(f"“{item_type}” is not a type of reference Bibliofile knows")
    [rid] = uow.add_items([Reference(item_type=item_type)])
    if collection_id is not None:
        uow.add_to_collection(collection_id, [rid])
    text = "New Reference"

    def undo(u: UnitOfWork) -> Change:
        trash.move_to_trash(u, [rid])
        return Change(text, redo, (rid,))

    def redo(u: UnitOfWork) -> Change:
        trash.restore(u, [rid])
        return Change(text, undo, (rid,))

    return Change(text, undo, (rid,))
