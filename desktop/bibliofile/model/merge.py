"""Three-way merge of one synced object, field by field, against the last synced base (issue 21).

Sync compares three versions of an object (a reference with its creators, tags, collections,
note and reading state, flattened to a *snapshot*: field name -> JSON value): the base both
replicas last agreed on, the local one and the remote (server) one. Finer than JabRef's
whole-entry optimistic lock, so two people editing different fields of one reference never
conflict:

- a field changed on one side only takes that side's value;
- a field changed on both sides to different values is a :class:`Conflict`; the result keeps
  the local value until the user chooses, and the remote value travels in the conflict, so
  nothing is lost;
- set fields (tags, collection membership) merge as sets: added on either side is added,
  removed on either side is removed;
- sequence fields (creators) merge membership the same way and keep an order: a reordering made
  on one side wins; additions go after the element they followed on their side (last when they
  were last). Only two different reorderings of the same names conflict;
- a deletion against an edit keeps the edited object and reports :class:`DeletedButEdited`.

The rules are symmetric: merging (local, remote) and (remote, local) give the same value in every
field that does not conflict, and the same conflicts with the sides swapped
(``tests/unit/test_merge_properties.py`` holds that with Hypothesis). Values are compared by their
canonical JSON, so ``1`` and ``True`` or ``1`` and ``1.0`` are different edits, as they would be
once stored. A field absent from a snapshot and a field holding ``None`` are the same thing; an
empty set or sequence is absent too (``normalize``).

Pure functions over plain data: no storage, no Qt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None
Snapshot: TypeAlias = Mapping[str, Json]

SET_FIELDS: frozenset[str] = frozenset({"tags", "collections"})
SEQUENCE_FIELDS: frozenset[str] = frozenset({"creators"})


@dataclass(frozen=True, slots=True)
class Conflict:
    """The same field changed on both sides: ``local`` is kept until the user chooses."""

    key: str
    field: str
    local: Json
    remote: Json


@dataclass(frozen=True, slots=True)
class DeletedButEdited:
    """One side deleted the object and the other edited it: the edited object was kept."""

    key: str
    deleted_on: Literal["local", "remote"]


@dataclass(frozen=True, slots=True)
class Merged:
    """The merge's outcome: ``value`` None means the object stays deleted."""

    value: dict[str, Json] | None
    conflicts: tuple[Conflict, ...] = ()
    deleted_but_edited: DeletedButEdited | None = None


def canonical(value: Json) -> str:
    """The identity of a value: its JSON with sorted keys (``1``, ``1.0`` and ``true`` differ)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _as_list(value: Json) -> list[Json]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]  # a lone value where a list belongs: keep it rather than drop it


def _set_value(values: Iterable[Json]) -> list[Json] | None:
    """A set field as stored: distinct members in canonical order; None when empty."""
    unique = {canonical(v): v for v in values}
    return [unique[k] for k in sorted(unique)] or None


def normalize(snapshot: Snapshot | None, *, set_fields: frozenset[str] = SET_FIELDS,
              sequence_fields: frozenset[str] = SEQUENCE_FIELDS) -> dict[str, Json] | None:
    """The snapshot without None values or empty sets/sequences, its sets in canonical order."""
    if snapshot is None:
        return None
    out: dict[str, Json] = {}
    for name, value in snapshot.items():
        if name in set_fields:
            value = _set_value(_as_list(value))
        elif name in sequence_fields:
            value = _as_list(value) or None
        if value is not None:
            out[name] = value
    return out


def changed_fields(before: Snapshot | None, after: Snapshot | None) -> dict[str, Json]:
    """Field -> new value (None when cleared) for every field that differs: one change-log row
    each. Both snapshots are compared normalized, so a reordered tag list is no change."""
    old = normalize(before) or {}
    new = normalize(after) or {}
    if not old:  # a new object (an initial push of a whole library): every field is a change
        return {name: new[name] for name in sorted(new)}
    return {
        name: new.get(name)
        for name in sorted(old.keys() | new.keys())
        if canonical(old.get(name)) != canonical(new.get(name))
    }


def merge_scalar(base: Json, local: Json, remote: Json) -> tuple[Json, bool]:
    """(value, conflicted): one side's change wins; two different changes conflict (local kept)."""
    b, l_, r = canonical(base), canonical(local), canonical(remote)
    if l_ == r or r == b:
        return local, False
    if l_ == b:
        return remote, False
    return local, True


def merge_set(base: Json, local: Json, remote: Json) -> list[Json] | None:
    """Three-way set merge: kept on both sides, or added on either; removed on either is gone."""
    o = {canonical(v): v for v in _as_list(base)}
    a = {canonical(v): v for v in _as_list(local)}
    b = {canonical(v): v for v in _as_list(remote)}
    kept = {k: v for k, v in o.items() if k in a and k in b}
    added = {k: v for side in (a, b) for k, v in side.items() if k not in o}
    return _set_value([*kept.values(), *added.values()])


# An element of a sequence: its canonical JSON and which occurrence of that value it is, so a
# list that names one person twice keeps both.
_Id: TypeAlias = tuple[str, int]
_END: _Id = ("", -1)  # the anchor of additions that no kept element follows


def _ids(values: Sequence[Json]) -> list[tuple[_Id, Json]]:
    seen: dict[str, int] = {}
    out: list[tuple[_Id, Json]] = []
    for value in values:
        key = canonical(value)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(((key, n), value))
    return out


def merge_sequence(base: Json, local: Json, remote: Json) -> tuple[list[Json] | None, bool]:
    """(value, conflicted) for an ordered list such as creators.

    Membership merges like a set. The order of the members both sides kept is the side's that
    reordered them (the base's when neither did; a conflict, local kept, when both reordered them
    differently). Each side's additions follow the element they follow on that side; when both
    sides add at the same place, the two runs are ordered by their values, so the result does
    not depend on which side is local. Additions that nothing kept follows go last.
    """
    o_list, a_list, b_list = _as_list(base), _as_list(local), _as_list(remote)
    o_c, a_c, b_c = ([canonical(v) for v in x] for x in (o_list, a_list, b_list))
    if a_c == b_c or b_c == o_c:
        return a_list or None, False
    if a_c == o_c:
        return b_list or None, False
    o, a, b = _ids(o_list), _ids(a_list), _ids(b_list)
    in_o = {i for i, _ in o}
    in_a = {i for i, _ in a}
    in_b = {i for i, _ in b}
    survivors = [i for i, _ in o if i in in_a and i in in_b]
    kept = set(survivors)
    order_a = [i for i, _ in a if i in kept]
    order_b = [i for i, _ in b if i in kept]
    if order_a in (survivors, order_b):
        order = order_b
    elif order_b == survivors:
        order = order_a
    else:
        return a_list or None, True
    values: dict[_Id, Json] = {}
    for i, v in (*o, *a, *b):
        values.setdefault(i, v)

    def runs(side: list[tuple[_Id, Json]]) -> dict[_Id | None, list[_Id]]:
        """Additions grouped by where they go: after the kept element before them, or at the
        end when no kept element follows them (an appended name stays last)."""
        anchor: _Id | None = None
        out: dict[_Id | None, list[_Id]] = {}
        run: list[_Id] = []
        for i, _ in side:
            if i in kept:
                if run:
                    out[anchor] = run
                    run = []
                anchor = i
            elif i not in in_o:
                run.append(i)
        if run:
            out[_END] = run
        return out

    runs_a, runs_b = runs(a), runs(b)
    result: list[_Id] = []
    emitted: set[_Id] = set()

    def emit_after(anchor: _Id | None) -> None:
        for run in sorted((runs_a.get(anchor, []), runs_b.get(anchor, []))):
            for i in run:
                if i not in emitted:
                    emitted.add(i)
                    result.append(i)

    emit_after(None)
    for i in order:
        result.append(i)
        emitted.add(i)
        emit_after(i)
    emit_after(_END)
    return [values[i] for i in result] or None, False


def merge_object(
    key: str,
    base: Snapshot | None,
    local: Snapshot | None,
    remote: Snapshot | None,
    *,
    set_fields: frozenset[str] = SET_FIELDS,
    sequence_fields: frozenset[str] = SEQUENCE_FIELDS,
) -> Merged:
    """Merge one object's local and remote snapshots against their base (None: deleted there,
    or, for the base, never synced). ``key`` names the object in conflicts (the caller's choice:
    citation key or global id)."""

    def norm(s: Snapshot | None) -> dict[str, Json] | None:
        return normalize(s, set_fields=set_fields, sequence_fields=sequence_fields)

    o, a, b = norm(base), norm(local), norm(remote)
    if a is None and b is None:
        return Merged(None)
    if a is None or b is None:
        survivor = b if a is None else a
        assert survivor is not None
        if o is None:  # created on one side only (a deleted-unseen object has a base)
            return Merged(survivor)
        if canonical(survivor) == canonical(o):
            return Merged(None)  # deleted on one side, untouched on the other
        side: Literal["local", "remote"] = "local" if a is None else "remote"
        return Merged(survivor, (), DeletedButEdited(key, side))
    o = o or {}
    out: dict[str, Json] = {}
    conflicts: list[Conflict] = []
    for name in sorted(o.keys() | a.keys() | b.keys()):
        ov, av, bv = o.get(name), a.get(name), b.get(name)
        value: Json
        if name in set_fields:
            value = merge_set(ov, av, bv)
        elif name in sequence_fields:
            value, clash = merge_sequence(ov, av, bv)
            if clash:
                conflicts.append(Conflict(key, name, av, bv))
        else:
            value, clash = merge_scalar(ov, av, bv)
            if clash:
                conflicts.append(Conflict(key, name, av, bv))
        if value is not None:
            out[name] = value
    return Merged(out, tuple(conflicts))
