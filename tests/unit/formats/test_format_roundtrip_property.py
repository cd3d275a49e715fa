"""Property: for RIS and CSL-JSON, write -> read gives back the same records.

Generated records carry Unicode text, name particles and suffixes, institutional names, partial
dates (year, year-month, day, ranges, literals) and unknown fields. RIS records hold only what RIS
can hold (see formats/ris.py and test_cross_format.py for what it cannot); CSL-JSON records hold
every field we have, since the writer keeps what CSL lacks in ``custom.bibliofile``.
"""

from __future__ import annotations

import json

import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibliofile.formats.csl_json import read_csl_json, write_csl_json
from bibliofile.formats.ris import TAG_RE, TYPE_FROM_RIS, TYPE_TO_RIS, read_ris, write_ris
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate
from bibliofile.model.fields import FIELDS
from bibliofile.model.item_types import ITEM_TYPES
from bibliofile.model.reference import Reference

ARTICLES = {"article-journal", "article-magazine", "article-newspaper", "review"}
RIS_TYPES = sorted(t.csl for t in ITEM_TYPES if TYPE_FROM_RIS.get(TYPE_TO_RIS[t.csl]) == t.csl)

text = (
    st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters=";,"), min_size=1, max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
para = text.filter(lambda t: TAG_RE.match(t) is None)
letters = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=10)
cap_word = letters.filter(lambda w: not w[0].islower())
family = st.builds(lambda a, b: f"{a} {b}" if b else a, cap_word, st.one_of(st.just(""), letters))
given_names = st.one_of(st.just(""), st.lists(letters, min_size=1, max_size=2).map(" ".join))


@st.composite
def person(draw: st.DrawFn, role: CreatorRole) -> Creator:
    return Creator(
        role=role,
        family=draw(family),
        given=draw(given_names),
        particle=draw(st.sampled_from(["", "", "van", "van der", "de la", "von", "da"])),
        suffix=draw(st.sampled_from(["", "", "Jr", "III"])),
    )


def creators(roles: list[CreatorRole], others: bool) -> st.SearchStrategy[list[Creator]]:
    @st.composite
    def build(draw: st.DrawFn) -> list[Creator]:
        out: list[Creator] = []
        for role in draw(st.lists(st.sampled_from(roles), unique=True, max_size=3)):
            out.extend(
                draw(st.lists(st.one_of(person(role), text.map(lambda t, r=role: Creator.institution(t, r))), min_size=1, max_size=4))
            )
            if others and draw(st.booleans()):
                out.append(Creator.et_al(role))
        return out

    return build()


dates = st.one_of(
    st.builds(PartialDate, st.integers(1000, 2100)),
    st.builds(PartialDate, st.integers(1000, 2100), st.integers(1, 12)),
    st.builds(PartialDate, st.integers(1000, 2100), st.integers(1, 12), st.integers(1, 28)),
    st.builds(lambda a, b: PartialDate(a, end_year=a + b), st.integers(1000, 2000), st.integers(1, 50)),
    st.sampled_from([PartialDate(literal="in press"), PartialDate(literal="forthcoming")]),
).map(lambda d: d.iso())
days = st.builds(PartialDate, st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 28)).map(lambda d: d.iso())
ident = st.from_regex(r"10\.[0-9]{4}/[A-Za-z0-9./_-]{1,20}", fullmatch=True)
url = st.from_regex(r"https://[a-z]{1,10}\.org/[A-Za-z0-9_-]{0,12}", fullmatch=True)
keywords = st.lists(text, min_size=1, max_size=4, unique=True).map("; ".join)
key = st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,15}", fullmatch=True)

RIS_TEXT_FIELDS = ("title", "short_title", "container_title", "collection_title", "volume",
                   "publisher", "publisher_place", "edition", "genre", "language", "article_number")


@st.composite
def ris_references(draw: st.DrawFn) -> Reference:
    kind = draw(st.sampled_from(RIS_TYPES))
    f: dict[str, str] = {}
    for k in RIS_TEXT_FIELDS:
        if draw(st.booleans()):
            f[k] = draw(text)
    if draw(st.booleans()):
        f["issue" if kind in ARTICLES else "number"] = draw(st.integers(1, 99).map(str))
    if draw(st.booleans()):
        f["pages"] = draw(st.sampled_from(["1–10", "e123", "5", "iv–xii"]))
    if draw(st.booleans()):
        f["date"] = draw(dates)
    if draw(st.booleans()):
        f["accessed"] = draw(days)
    if draw(st.booleans()):
        f["doi"] = draw(ident)
    if draw(st.booleans()):
        f["url"] = draw(url)
    if draw(st.booleans()):
        f["isbn"] = "978-3-16-148410-0"
    if draw(st.booleans()):
        f["issn"] = "1234-567X"
    if draw(st.booleans()):
        f["keywords"] = draw(keywords)
    for k in ("abstract", "note"):
        if draw(st.booleans()):
            f[k] = "\n".join(draw(st.lists(para, min_size=1, max_size=3)))
    if kind == "paper-conference" and "container_title" in f and draw(st.booleans()):
        f["event_title"] = draw(text)
    extra = draw(st.dictionaries(st.sampled_from(["ris:AN", "ris:U2", "ris:DB", "ris:C1", "ris:L1"]),
                                 st.lists(text, min_size=1, max_size=2).map("\n".join), max_size=3))
    roles = [CreatorRole.AUTHOR, CreatorRole.EDITOR, CreatorRole.SERIES_EDITOR, CreatorRole.TRANSLATOR]
    people = [c for c in draw(creators(roles, others=False)) if _ris_carries(c)]
    return Reference(item_type=kind, fields=f, creators=people,
                     citation_key=draw(st.one_of(st.just(""), key)), extra=extra)


def _ris_carries(c: Creator) -> bool:
    """RIS marks an institution only by a trailing comma ("World Health Organization,"), so a
    person with no given name and a family name of several words, and an institution written like
    a particle and a family name ("van Gogh"), cannot be told apart (test_ris_fidelity.py)."""
    words = (c.literal or c.family).split(" ")
    lower = next((i for i, w in enumerate(words) if not w[:1].islower()), len(words))
    if c.literal:
        return not (lower > 0 and len(words) - lower == 1)
    return bool(c.given) or len(words) == 1


def _same(got: Reference, ref: Reference, written: str) -> None:
    assert got.item_type == ref.item_type, written
    assert got.citation_key == ref.citation_key, written
    assert got.fields == ref.fields, written
    assert got.extra == ref.extra, written
    assert got.creators == ref.creators, written


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ris_references(), min_size=1, max_size=3))
def test_ris_write_read_gives_back_the_records(refs: list[Reference]) -> None:
    written = write_ris(refs)
    result = read_ris(written)
    assert result.problems == [], written
    assert len(result.items) == len(refs)
    for got, ref in zip(result.items, refs, strict=True):
        assert isinstance(got, Reference)
        _same(got, ref, written)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ris_references(), min_size=1, max_size=3))
def test_rispy_reads_our_ris_the_same_way(refs: list[Reference]) -> None:
    """An independent reader (rispy) sees the same titles, authors and DOIs in what we write."""
    written = write_ris(refs)
    theirs = rispy.loads(written)
    assert len(theirs) == len(refs)
    for entry, ref in zip(theirs, refs, strict=True):
        assert entry.get("title", "") == ref.title
        assert entry.get("doi", "") == ref.fields.get("doi", "")
        authors = [c for c in ref.creators if c.role is CreatorRole.AUTHOR]
        assert len(entry.get("authors", [])) == len(authors)


# ---- CSL-JSON: every field, every type, "and others", BibTeX-only extras -------------------------
ALL_KEYS = [f.key for f in FIELDS if f.key not in ("date", "accessed", "status_date", "citation_count_date", "keywords", "doi", "url")]


@st.composite
def any_references(draw: st.DrawFn) -> Reference:
    kind = draw(st.sampled_from([t.csl for t in ITEM_TYPES]))
    f = {k: draw(text) for k in draw(st.lists(st.sampled_from(ALL_KEYS), unique=True, max_size=10))}
    for k in ("date", "accessed", "status_date", "citation_count_date"):
        if draw(st.booleans()):
            f[k] = draw(dates)
    if draw(st.booleans()):
        f["keywords"] = draw(keywords)
    if draw(st.booleans()):
        f["doi"] = draw(ident)
    extra = draw(st.dictionaries(st.sampled_from(["myfield", "x-custom", "file", "ris:AN"]), text, max_size=3))
    return Reference(item_type=kind, fields=f, creators=draw(creators(list(CreatorRole), others=True)),
                     citation_key=draw(st.one_of(st.just(""), key)), extra=extra)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_references(), min_size=1, max_size=3))
def test_csl_json_write_read_gives_back_the_records(refs: list[Reference]) -> None:
    written = write_csl_json(refs)
    json.loads(written)
    result = read_csl_json(written)
    assert result.problems == [], written
    assert len(result.items) == len(refs)
    for got, ref in zip(result.items, refs, strict=True):
        assert isinstance(got, Reference)
        _same(got, ref, written)
