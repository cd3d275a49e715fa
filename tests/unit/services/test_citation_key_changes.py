"""Regenerate Citation Keys and Generate Missing Citation Keys as operations (Changes) on a real
library file: the keys each wrote, and that undo and redo put back exactly the keys before."""

from __future__ import annotations

from bibliofile.model import Creator, Reference
from bibliofile.services import citation_keys as ck
from bibliofile.services.changes import perform, undo
from bibliofile.storage.library import Library


def ostrom(key: str) -> Reference:
    return Reference(
        fields={"title": "Trust in networks", "date": "2020"},
        creators=[Creator(family="Ostrom")],
        citation_key=key,
    )


def keys(library: Library, ids: list[int]) -> list[str]:
    return [library.get(i).citation_key for i in ids]


def test_regenerate_keys_is_undone_to_the_users_own_keys(library: Library) -> None:
    ids = library.add_references([ostrom("mine"), ostrom("ostrom2020trustnetworks")])
    change = perform(library, lambda u: ck.regenerate_keys(u, ids))
    made = keys(library, ids)
    assert made[0] != "mine" and made[0].startswith("ostrom2020trustnetworks")
    assert len(set(made)) == 2
    redo = undo(library, change)
    assert keys(library, ids) == ["mine", "ostrom2020trustnetworks"]
    undo(library, redo)
    assert keys(library, ids) == made


def test_fill_missing_keys_is_undone_by_taking_the_given_keys_off(library: Library) -> None:
    ids = library.add_references([ostrom(""), ostrom("kept")])
    change = perform(library, lambda u: ck.fill_missing_keys(u))
    assert change.ids == (ids[0],)
    assert keys(library, ids) == ["ostrom2020trustnetworks", "kept"]
    redo = undo(library, change)
    assert keys(library, ids) == ["", "kept"]
    undo(library, redo)
    assert keys(library, ids) == ["ostrom2020trustnetworks", "kept"]
    assert not perform(library, lambda u: ck.fill_missing_keys(u)).changed
