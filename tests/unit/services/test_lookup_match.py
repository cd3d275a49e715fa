"""The confident-match rules, each with a near-miss candidate that must not be applied, and the
merge plan (fill what is empty, offer what differs)."""

from __future__ import annotations

import pytest

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.services.lookup_match import judge, judge_candidates, merge_plan

TITLE = "Kazakhstan: Modernizing government in the context of political inertia"
JOURNAL = "International Review of Administrative Sciences"


def ref(title: str = TITLE, year: str = "2008", journal: str = JOURNAL, author: str = "", doi: str = "") -> Reference:
    fields = {"title": title, "date": year, "container_title": journal, "doi": doi}
    r = Reference(fields={k: v for k, v in fields.items() if v})
    if author:
        r.creators = [Creator(family=author, given="C.")]
    return r


OURS = ref()


@pytest.mark.parametrize(
    "theirs",
    [
        ref(),
        ref(title="KAZAKHSTAN — modernizing government in the context of political inertia."),  # case, punctuation
        ref(title="Kazakhstan: modernising government in the context of political inertia"),  # one letter
        ref(year="2009"),  # online first / print: one year apart
        ref(journal="International Review of Administrative Sciences: An International Journal of Comparative Public Administration"),
        ref(title="Kazakhstan"),  # the title before its subtitle
        ref(author="Knox"),  # our first author unknown
    ],
)
def test_confident(theirs: Reference) -> None:
    assert judge(OURS, theirs).confident


@pytest.mark.parametrize(
    ("theirs", "why"),
    [
        (ref(title="Kyrgyzstan: Modernizing government in the context of economic transition"), "the title differs"),
        (ref(title="Kazakhstan: Modernizing government in the context of political inertia — a reply"), "the title differs"),
        (ref(year="2010"), "the year differs (2010 here, 2008 in the reference)"),
        (ref(journal="Public Administration and Development"), "the journal or book differs"),
    ],
)
def test_near_misses_are_not_confident(theirs: Reference, why: str) -> None:
    judged = judge(OURS, theirs)
    assert not judged.confident and any(why in r for r in judged.reasons), judged.reasons


def test_a_different_first_author_is_a_near_miss() -> None:
    ours = ref(author="Knox")
    judged = judge(ours, ref(author="Janenova"))
    assert not judged.confident and "the first author differs" in judged.reasons


def test_two_confident_records_with_different_dois_cancel_out() -> None:
    match, judged = judge_candidates(OURS, [ref(doi="10.1/a"), ref(doi="10.1/b")])
    assert match is None and all("another record matches as well" in c.reasons[-1] for c in judged)


def test_the_same_record_twice_is_still_one_match() -> None:
    match, _ = judge_candidates(OURS, [ref(doi="10.1/a"), ref(doi="10.1/A", year="2009")])
    assert match is not None


def test_merge_fills_empty_and_offers_differing() -> None:
    ours = Reference(fields={"title": TITLE, "pages": "477-496", "volume": "75", "date": "2008"})
    theirs = Reference(
        fields={"title": TITLE.upper(), "pages": "477–496", "volume": "74", "doi": "10.1177/0020852308095314", "date": "2008-09"},
        creators=[Creator(family="Knox", given="Colin")],
    )
    plan = merge_plan(ours, theirs)
    assert plan.fills == {"doi": "10.1177/0020852308095314"}
    assert plan.creators == (Creator(family="Knox", given="Colin"),)
    assert {d.field: (d.ours, d.theirs) for d in plan.differs} == {"volume": ("75", "74"), "date": ("2008", "2008-09")}


def test_an_isbn_with_a_qualifier_is_still_looked_up_by_it() -> None:
    from bibliofile.services.lookup import identifier_of

    got = identifier_of(Reference(item_type="book", fields={"isbn": "0-306-40615-2 (paperback); 978-0-306-40615-7"}))
    assert got is not None and (got.kind, got.value) == ("isbn", "0306406152")


def test_a_language_code_and_its_name_are_the_same_language() -> None:
    plan = merge_plan(Reference(fields={"title": TITLE, "language": "English"}), Reference(fields={"title": TITLE, "language": "en"}))
    assert plan.differs == () and plan.fills == {}
