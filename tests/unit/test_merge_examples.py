"""The field-level three-way merge of sync (issue 21), case by case as a researcher meets them."""

from __future__ import annotations

from bibliofile.model.merge import (
    Conflict,
    DeletedButEdited,
    changed_fields,
    merge_object,
    merge_sequence,
    merge_set,
    normalize,
)

KNOX = {"family": "Knox", "given": "Ann", "role": "author"}
SMITH = {"family": "Smith", "given": "Bo", "role": "author"}
OKAFOR = {"family": "Okafor", "given": "Chi", "role": "author"}
LEE = {"family": "Lee", "given": "Dae", "role": "author"}

BASE = {
    "title": "Field notes",
    "date": "2008",
    "citation_key": "knox2008",
    "creators": [KNOX, SMITH],
    "tags": ["ml", "survey"],
    "collections": ["c-1"],
}


def test_different_fields_changed_on_each_side_both_survive() -> None:
    local = {**BASE, "title": "Field notes, revised"}
    remote = {**BASE, "date": "2009"}
    merged = merge_object("knox2008", BASE, local, remote)
    assert merged.conflicts == ()
    assert merged.value is not None
    assert merged.value["title"] == "Field notes, revised"
    assert merged.value["date"] == "2009"


def test_same_field_changed_differently_is_a_conflict_keeping_local() -> None:
    local = {**BASE, "title": "Local title"}
    remote = {**BASE, "title": "Remote title", "date": "2010"}
    merged = merge_object("knox2008", BASE, local, remote)
    assert merged.conflicts == (Conflict("knox2008", "title", "Local title", "Remote title"),)
    assert merged.value is not None
    assert merged.value["title"] == "Local title"
    assert merged.value["date"] == "2010"  # the rest of the remote edit still merges


def test_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "title": "Same fix"}
    merged = merge_object("k", BASE, both, dict(both))
    assert merged.conflicts == () and merged.value == normalize(both)


def test_field_cleared_on_one_side_and_untouched_on_the_other_is_cleared() -> None:
    local = {k: v for k, v in BASE.items() if k != "date"}
    merged = merge_object("k", BASE, local, BASE)
    assert merged.value is not None and "date" not in merged.value


def test_field_cleared_on_one_side_and_edited_on_the_other_conflicts() -> None:
    local = {k: v for k, v in BASE.items() if k != "date"}
    remote = {**BASE, "date": "2011"}
    merged = merge_object("k", BASE, local, remote)
    assert merged.conflicts == (Conflict("k", "date", None, "2011"),)


def test_tags_merge_as_sets() -> None:
    local = {**BASE, "tags": ["ml", "survey", "to-cite"]}  # added to-cite
    remote = {**BASE, "tags": ["ml", "reviewed"]}  # removed survey, added reviewed
    merged = merge_object("k", BASE, local, remote)
    assert merged.conflicts == ()
    assert merged.value is not None
    assert merged.value["tags"] == ["ml", "reviewed", "to-cite"]


def test_collection_membership_merges_as_a_set() -> None:
    assert merge_set(["c-1"], ["c-1", "c-2"], []) == ["c-2"]
    assert merge_set(["c-1"], [], []) is None
    assert merge_set(None, ["c-3"], ["c-3"]) == ["c-3"]


def test_creators_reordered_on_one_side_and_added_on_the_other() -> None:
    local = [SMITH, KNOX]  # swapped
    remote = [KNOX, SMITH, OKAFOR]  # appended a third author
    value, clash = merge_sequence([KNOX, SMITH], local, remote)
    assert not clash
    assert value == [SMITH, KNOX, OKAFOR]
    assert merge_sequence([KNOX, SMITH], remote, local) == (value, False)


def test_creator_added_in_the_middle_stays_after_the_name_it_followed() -> None:
    local = [KNOX, OKAFOR, SMITH]
    remote = [KNOX]  # removed Smith
    assert merge_sequence([KNOX, SMITH], local, remote) == ([KNOX, OKAFOR], False)


def test_both_sides_adding_after_the_same_creator_give_one_order_whichever_is_local() -> None:
    local = [KNOX, OKAFOR, SMITH]
    remote = [KNOX, LEE, SMITH]
    one, clash_one = merge_sequence([KNOX, SMITH], local, remote)
    other, clash_other = merge_sequence([KNOX, SMITH], remote, local)
    assert not clash_one and not clash_other
    assert one == other
    assert one is not None and one[0] == KNOX and one[-1] == SMITH and len(one) == 4


def test_two_different_reorderings_conflict_and_keep_local() -> None:
    base = [KNOX, SMITH, OKAFOR]
    local = [SMITH, KNOX, OKAFOR]
    remote = [KNOX, OKAFOR, SMITH]
    merged = merge_object("k", {"creators": base}, {"creators": local}, {"creators": remote})
    assert merged.value == {"creators": local}
    assert merged.conflicts == (Conflict("k", "creators", local, remote),)


def test_the_same_name_twice_in_a_list_is_kept_twice() -> None:
    value, clash = merge_sequence([KNOX], [KNOX, KNOX], [KNOX, SMITH])
    assert not clash
    assert value is not None and value.count(KNOX) == 2 and SMITH in value


def test_deleted_locally_but_edited_remotely_keeps_the_edit_and_says_so() -> None:
    remote = {**BASE, "title": "Edited on the office desktop"}
    merged = merge_object("knox2008", BASE, None, remote)
    assert merged.value == normalize(remote)
    assert merged.deleted_but_edited == DeletedButEdited("knox2008", "local")


def test_deleted_remotely_but_edited_locally_keeps_the_edit_and_says_so() -> None:
    local = {**BASE, "tags": ["ml"]}
    merged = merge_object("knox2008", BASE, local, None)
    assert merged.value == normalize(local)
    assert merged.deleted_but_edited == DeletedButEdited("knox2008", "remote")


def test_deleted_on_one_side_and_untouched_on_the_other_is_deleted() -> None:
    # The untouched side lists the same tags in another order: still untouched.
    untouched = {**BASE, "tags": ["survey", "ml"]}
    assert merge_object("k", BASE, None, untouched).value is None
    assert merge_object("k", BASE, untouched, None).value is None


def test_created_on_one_side_only_is_taken() -> None:
    new = {"title": "Brand new"}
    assert merge_object("k", None, new, None).value == new
    assert merge_object("k", None, None, new).value == new


def test_a_number_and_a_boolean_are_different_edits() -> None:
    # In Python 1 == True; as stored (JSON) they differ, and the merge must not pick by order.
    merged = merge_object("k", {"rating": 0}, {"rating": 1}, {"rating": True})
    assert merged.conflicts == (Conflict("k", "rating", 1, True),)


def test_changed_fields_lists_each_differing_field_once() -> None:
    after = {**BASE, "title": "New", "tags": ["survey", "ml"], "doi": "10.1/x"}
    del after["date"]
    assert changed_fields(BASE, after) == {"date": None, "doi": "10.1/x", "title": "New"}
    assert changed_fields(None, {"title": "T"}) == {"title": "T"}
    assert changed_fields({"title": "T"}, None) == {"title": None}
