"""Tags as operations: give or take a tag by name (the CLI's ``tag --add/--remove`` and the
detail pane's tag field) or by id (the sidebar's drops and the table's menu), rename, colour
and delete a tag. Each returns a Change whose undo puts the tags back exactly.

A tag given by name is made when new, and its undo deletes it again unless a reference still
carries it; a redo makes it anew by name, so undo and redo never depend on a tag id that an
undo removed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bibliofile.services.changes import Change, NotDone, plural, unchanged
from bibliofile.storage import curation, curation_queries
from bibliofile.storage.library import Library, UnitOfWork

Tag = curation.Tag


def all_tags(library: Library) -> list[Tag]:
    """Every tag with how many references (not in the trash) carry it, by name."""
    return curation.tags(library)


def tags_of(library: Library, ids: Sequence[int]) -> dict[int, list[str]]:
    """The tag names of each of these references (those with none are absent)."""
    return curation.tags_of(library, ids)


def add_tag(uow: UnitOfWork, ids: Sequence[int], name: str) -> Change:
    """Give the tag named ``name`` (made when new) to references; ``ValueError`` for a blank name."""
    name = name.strip()
    if not name:
        raise ValueError("a tag needs a name")
    wanted = list(dict.fromkeys(ids))
    text = f"Tag {plural(len(wanted), 'reference')} “{name}”"
    created = curation_queries.tag_id(uow, name) is None
    tid = curation.add_tag(uow, name)
    added = curation.tag(uow, tid, wanted)
    if not added and not created:
        return unchanged(text)

    def undo(u: UnitOfWork) -> Change:
        curation.untag(u, tid, added)
        if created and curation_queries.tag_use_count(u, tid) == 0:
            curation.delete_tag(u, tid)
        return Change(text, lambda r: add_tag(r, wanted, name), tuple(added))

    return Change(text, undo, tuple(added))


def remove_tag(uow: UnitOfWork, ids: Sequence[int], name: str) -> Change:
    """Take the tag named ``name`` off references; NotDone when no tag has that name. The tag
    itself stays (in the sidebar) even when no reference carries it any more."""
    tid = curation_queries.tag_id(uow, name)
    if tid is None:
        raise NotDone(f"there is no tag named “{name.strip()}”")
    return take_tag(uow, tid, ids, name.strip())


def give_tag(uow: UnitOfWork, tid: int, ids: Sequence[int], name: str = "") -> Change:
    """Give an existing tag (by id) to references."""
    wanted = list(dict.fromkeys(ids))
    text = f"Tag {plural(len(wanted), 'reference')} “{name}”" if name else "Tag"
    added = curation.tag(uow, tid, wanted)
    if not added:
        return unchanged(text)

    def undo(u: UnitOfWork) -> Change:
        return take_tag(u, tid, added, name)

    return Change(text, undo, tuple(added))


def take_tag(uow: UnitOfWork, tid: int, ids: Sequence[int], name: str = "") -> Change:
    """Take a tag (by id) off references."""
    wanted = list(dict.fromkeys(ids))
    text = f"Remove tag “{name}” from {plural(len(wanted), 'reference')}" if name else "Remove Tag"
    had = curation.untag(uow, tid, wanted)
    if not had:
        return unchanged(text)

    def undo(u: UnitOfWork) -> Change:
        return give_tag(u, tid, had, name)

    return Change(text, undo, tuple(had))


def rename_tag(uow: UnitOfWork, tid: int, name: str) -> Change:
    """Rename a tag (a blank name is refused with ValueError)."""
    name = name.strip()
    if not name:
        raise ValueError("a tag needs a name")
    old = _tag(uow, tid)
    text = f"Rename tag “{old.name}”"
    if old.name == name:
        return unchanged(text)
    curation.set_tag(uow, tid, name=name)
    return Change(text, lambda u: rename_tag(u, tid, old.name))


def set_tag_colour(uow: UnitOfWork, tid: int, colour: str) -> Change:
    """Give a tag a colour ("#rrggbb", or "" for none)."""
    old = _tag(uow, tid)
    text = f"Colour of tag “{old.name}”"
    if old.colour == colour:
        return unchanged(text)
    curation.set_tag(uow, tid, colour=colour)
    return Change(text, lambda u: set_tag_colour(u, tid, old.colour))


def delete_tag(uow: UnitOfWork, tid: int) -> Change:
    """Delete a tag from the library; its undo makes it again (same name and colour) on the
    references that had it."""
    old = _tag(uow, tid)
    had = curation.delete_tag(uow, tid)

    def undo(u: UnitOfWork) -> Change:
        new = curation.add_tag(u, old.name, old.colour)
        curation.tag(u, new, had)
        return Change(f"Delete tag “{old.name}”", lambda r: delete_tag(r, new), tuple(had))

    return Change(f"Delete tag “{old.name}”", undo, tuple(had))


def _tag(uow: UnitOfWork, tid: int) -> Tag:
    found = next((t for t in curation.tags(uow) if t.id == tid), None)
    if found is None:
        raise NotDone("that tag is no longer in the library")
    return found
