"""Properties of sync's three-way merge (issue 21), over any edits two replicas can make.

Two replicas start from one base and each applies its own sequence of edits (set or clear a
field, add or remove a tag or a collection, add, remove or move a creator, delete the reference).
Whichever replica syncs first (which side is "local"), the merge must give the same reference
(commutativity: the same value in every field without a conflict, the same conflicts with sides
swapped), and nothing either side did may be lost: each side's value of a field it changed is
the result or is in a conflict; an added tag, collection or creator is in the result; a removed
one is not. Small value pools make the two sides collide often.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.model.merge import (
    SEQUENCE_FIELDS,
    SET_FIELDS,
    Json,
    Merged,
    canonical,
    merge_object,
    normalize,
)

SCALARS = ["title", "date", "doi", "citation_key", "note", "rating"]
VALUES: list[Json] = ["a", "b", "c", "", 1, 2, True, 1.0, None]
TAGS = ["ml", "survey", "to-cite", "read"]
COLLECTIONS = ["c-1", "c-2", "c-3"]
PEOPLE: list[Json] = [
    {"family": "Knox"},
    {"family": "Smith"},
    {"family": "Okafor", "given": "Chi"},
    {"literal": "WHO"},
    {"family": "Lee"},
]


@dataclass(frozen=True)
class Edit:
    kind: str
    name: str = ""
    value: Any = None
    i: int = 0
    j: int = 0


edits = st.one_of(
    st.builds(Edit, st.just("set"), st.sampled_from(SCALARS), st.sampled_from(VALUES)),
    st.builds(Edit, st.just("add"), st.just("tags"), st.sampled_from(TAGS)),
    st.builds(Edit, st.just("remove"), st.just("tags"), st.sampled_from(TAGS)),
    st.builds(Edit, st.just("add"), st.just("collections"), st.sampled_from(COLLECTIONS)),
    st.builds(Edit, st.just("remove"), st.just("collections"), st.sampled_from(COLLECTIONS)),
    st.builds(Edit, st.just("insert_creator"), value=st.sampled_from(PEOPLE), i=st.integers(0, 6)),
    st.builds(Edit, st.just("remove_creator"), i=st.integers(0, 6)),
    st.builds(Edit, st.just("move_creator"), i=st.integers(0, 6), j=st.integers(0, 6)),
    st.builds(Edit, st.just("delete")),
)

bases = st.fixed_dictionaries(
    {},
    optional={
        **{name: st.sampled_from(VALUES) for name in SCALARS},
        "tags": st.lists(st.sampled_from(TAGS), unique=True),
        "collections": st.lists(st.sampled_from(COLLECTIONS), unique=True),
        "creators": st.lists(st.sampled_from(PEOPLE), max_size=4),
    },
)


def apply(base: dict[str, Json], sequence: list[Edit]) -> dict[str, Json] | None:
    """A replica's reference after its edits (None once deleted: later edits cannot reach it)."""
    ref: dict[str, Any] = copy.deepcopy(base)
    for edit in sequence:
        if edit.kind == "delete":
            return None
        if edit.kind == "set":
            ref[edit.name] = edit.value
        elif edit.kind == "add":
            ref[edit.name] = sorted({*(ref.get(edit.name) or []), edit.value})
        elif edit.kind == "remove":
            ref[edit.name] = [v for v in ref.get(edit.name) or [] if v != edit.value]
        else:
            people = list(ref.get("creators") or [])
            if edit.kind == "insert_creator":
                people.insert(edit.i % (len(people) + 1), edit.value)
            elif people and edit.kind == "remove_creator":
                people.pop(edit.i % len(people))
            elif people:
                moved = people.pop(edit.i % len(people))
                people.insert(edit.j % (len(people) + 1), moved)
            ref["creators"] = people
    return ref


def _multiset(values: Json) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values if isinstance(values, list) else []:
        out[canonical(v)] = out.get(canonical(v), 0) + 1
    return out


def _check_nothing_lost(
    base: dict[str, Json] | None, side: dict[str, Json] | None, other: dict[str, Json] | None,
    merged: Merged, side_is_local: bool,
) -> None:
    """Everything ``side`` did survives in the merge (or in a conflict)."""
    o, s = normalize(base) or {}, normalize(side)
    if s is None:
        return  # a deletion: checked with the edit it met in the caller
    if canonical(s) == canonical(o):
        return  # this side did nothing, so it has nothing to lose (a deletion may win)
    assert merged.value is not None, "an edited reference was deleted"
    conflicts = {c.field: c for c in merged.conflicts}
    for name in sorted(o.keys() | s.keys()):
        before, mine, result = o.get(name), s.get(name), merged.value.get(name)
        if name in SET_FIELDS:
            was = {canonical(v) for v in before or []}  # type: ignore[union-attr]
            now = {canonical(v) for v in mine or []}  # type: ignore[union-attr]
            got = {canonical(v) for v in result or []}  # type: ignore[union-attr]
            assert now - was <= got, f"{name}: an added member was lost"
            assert not (was - now) & got, f"{name}: a removed member came back"
        elif name in SEQUENCE_FIELDS:
            if name in conflicts:
                c = conflicts[name]
                assert canonical(c.local if side_is_local else c.remote) == canonical(mine)
                continue
            was, now, got = _multiset(before), _multiset(mine), _multiset(result)
            for key, n in now.items():
                if n > was.get(key, 0):
                    assert got.get(key, 0) >= n - was.get(key, 0), f"{name}: an added name was lost"
        elif canonical(mine) != canonical(before):
            if name in conflicts:
                c = conflicts[name]
                kept = c.local if side_is_local else c.remote
                assert canonical(kept) == canonical(mine), f"{name}: the conflict lost this side's value"
            else:
                assert canonical(result) == canonical(mine), f"{name}: this side's edit was lost"
    if other is None:
        # Deleted on the other side, edited here: kept, and reported.
        assert merged.deleted_but_edited is not None


@settings(max_examples=400, deadline=None)
@given(bases, st.lists(edits, max_size=8), st.lists(edits, max_size=8))
def test_merge_in_either_order_converges_and_loses_nothing(
    base: dict[str, Json], edits_a: list[Edit], edits_b: list[Edit]
) -> None:
    a, b = apply(base, edits_a), apply(base, edits_b)
    ab = merge_object("k", base, a, b)  # replica A syncs with B's changes on the server
    ba = merge_object("k", base, b, a)

    # Commutativity.
    assert (ab.value is None) == (ba.value is None)
    assert {(c.field, canonical(c.local), canonical(c.remote)) for c in ab.conflicts} == {
        (c.field, canonical(c.remote), canonical(c.local)) for c in ba.conflicts
    }
    if ab.value is not None and ba.value is not None:
        conflicted = {c.field for c in ab.conflicts}
        for name in ab.value.keys() | ba.value.keys():
            if name not in conflicted:
                assert canonical(ab.value.get(name)) == canonical(ba.value.get(name)), name
    sides = {"local": "remote", "remote": "local"}
    assert (ab.deleted_but_edited is None) == (ba.deleted_but_edited is None)
    if ab.deleted_but_edited and ba.deleted_but_edited:
        assert sides[ab.deleted_but_edited.deleted_on] == ba.deleted_but_edited.deleted_on

    # Nothing lost, from each side, in each order.
    _check_nothing_lost(base, a, b, ab, side_is_local=True)
    _check_nothing_lost(base, b, a, ab, side_is_local=False)
    _check_nothing_lost(base, b, a, ba, side_is_local=True)
    _check_nothing_lost(base, a, b, ba, side_is_local=False)
    if a is None and b is None:
        assert ab.value is None


@settings(max_examples=200, deadline=None)
@given(bases, st.lists(edits, max_size=8))
def test_a_one_sided_change_is_taken_as_it_is(base: dict[str, Json], sequence: list[Edit]) -> None:
    """The common case of sync: only one replica changed anything since the last sync."""
    changed = apply(base, sequence)
    for merged in (merge_object("k", base, changed, base), merge_object("k", base, base, changed)):
        assert merged.conflicts == ()
        assert merged.deleted_but_edited is None
        assert canonical(merged.value) == canonical(normalize(changed))


@settings(max_examples=200, deadline=None)
@given(bases, st.lists(edits, max_size=8))
def test_merging_a_side_with_itself_gives_it_back(base: dict[str, Json], sequence: list[Edit]) -> None:
    same = apply(base, sequence)
    merged = merge_object("k", base, same, copy.deepcopy(same))
    assert merged.conflicts == () and canonical(merged.value) == canonical(normalize(same))
