"""Property: any reference written by format_entry reads back as the same reference."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.bibtex_writer import format_entry
from bibliofile.formats.latex_text import unicode_to_latex_safe
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate
from bibliofile.model.item_types import ITEM_TYPES, from_bibtex_type, item_type
from bibliofile.model.reference import Reference

DIALECTS = ("bibtex", "biblatex")
ROUND_TRIP_TYPES = {
    d: sorted(
        t.csl for t in ITEM_TYPES
        if from_bibtex_type(t.bibtex if d == "bibtex" else t.biblatex) == t.csl
    )
    for d in DIALECTS
}
ARTICLES = {"article-journal", "article-magazine", "article-newspaper", "review"}

text = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\\{}"),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
letters = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=10)
name_word = st.builds(lambda w, tail: w + tail, letters, st.sampled_from(["", ".", "-Smith", "'s"]))
words = st.lists(name_word, min_size=1, max_size=3).map(" ".join)


@st.composite
def person(draw: st.DrawFn, role: CreatorRole) -> Creator:
    return Creator(
        role=role,
        family=draw(words),
        given=draw(st.one_of(st.just(""), words)),
        particle=draw(st.sampled_from(["", "", "van", "van der", "de la", "von"])),
        suffix=draw(st.sampled_from(["", "", "Jr", "III"])),
    )


@st.composite
def creators(draw: st.DrawFn) -> list[Creator]:
    out: list[Creator] = []
    for role in draw(st.lists(st.sampled_from([CreatorRole.AUTHOR, CreatorRole.EDITOR, CreatorRole.TRANSLATOR]), unique=True, max_size=3)):
        people = draw(
            st.lists(
                st.one_of(person(role), text.map(lambda t, r=role: Creator.institution(t, r))),
                min_size=1,
                max_size=4,
            )
        )
        if draw(st.booleans()):
            people.append(Creator.et_al(role))
        out.extend(people)
    return out


dates = st.one_of(
    st.builds(PartialDate, st.integers(1000, 2100)),
    st.builds(PartialDate, st.integers(1000, 2100), st.integers(1, 12)),
    st.builds(PartialDate, st.integers(1000, 2100), st.integers(1, 12), st.integers(1, 28)),
    st.builds(lambda a, b: PartialDate(a, end_year=a + b), st.integers(1000, 2000), st.integers(1, 50)),
    st.sampled_from([PartialDate(literal="in press"), PartialDate(literal="forthcoming")]),
).map(lambda d: d.iso())
ident = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9./:_-]{0,20}", fullmatch=True)
keywords = st.lists(
    st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=8), min_size=1, max_size=4
).map("; ".join)
extra_value = st.one_of(
    text.map(lambda t: "{" + unicode_to_latex_safe(t) + "}"),
    st.integers(0, 9999).map(str),
)


@st.composite
def references(draw: st.DrawFn, dialect: str) -> Reference:
    kind = draw(st.sampled_from(ROUND_TRIP_TYPES[dialect]))
    fields: dict[str, str] = {}
    for key in ("title", "container_title", "publisher", "publisher_place", "note", "abstract",
                "edition", "subtitle", "event_title", "status", "citation_count"):
        if draw(st.booleans()):
            fields[key] = draw(text)
    if draw(st.booleans()):
        fields["issue" if kind in ARTICLES else "number"] = draw(st.integers(1, 99).map(str))
    if draw(st.booleans()):
        fields["pages"] = draw(st.sampled_from(["1–10", "e123", "5"]))
    for key in ("doi", "url", "isbn"):
        if draw(st.booleans()):
            fields[key] = draw(ident)
    if draw(st.booleans()):
        fields["keywords"] = draw(keywords)
    if draw(st.booleans()):
        fields["date"] = draw(dates)
    if kind == "thesis" or draw(st.booleans()):
        fields["genre"] = draw(st.sampled_from(["PhD thesis", "Master's thesis", "Diplomarbeit"])) if kind == "thesis" else draw(text)
    extra = draw(st.dictionaries(st.sampled_from(["myfield", "x-custom", "file", "owner"]), extra_value, max_size=3))
    return Reference(
        item_type=kind,
        fields=fields,
        creators=draw(creators()),
        citation_key=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,15}", fullmatch=True)),
        extra=extra,
    )


def by_role(cs: list[Creator]) -> dict[CreatorRole, list[Creator]]:
    out: dict[CreatorRole, list[Creator]] = {}
    for c in cs:
        out.setdefault(c.role, []).append(c)
    return out


def check(ref: Reference, dialect: str) -> None:
    written = format_entry(ref, dialect)  # type: ignore[arg-type]
    result = read_bibtex(written)
    assert result.problems == [], written
    back = [i for i in result.items if isinstance(i, Reference)]
    assert len(back) == 1, written
    got = back[0]
    assert got.citation_key == ref.citation_key
    assert got.item_type == ref.item_type, (written, item_type(ref.item_type))
    assert got.fields == ref.fields, written
    assert got.extra == ref.extra, written
    assert by_role(got.creators) == by_role(ref.creators), written


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(references("bibtex"))
def test_bibtex_round_trip(ref: Reference) -> None:
    check(ref, "bibtex")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(references("biblatex"))
def test_biblatex_round_trip(ref: Reference) -> None:
    check(ref, "biblatex")
