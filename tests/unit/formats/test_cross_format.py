"""BibTeX -> RIS -> BibTeX and BibTeX -> CSL-JSON -> BibTeX lose only what the middle format
cannot hold, and these tests list exactly what that is.

For CSL-JSON the middle file is read as another program would: without our ``custom`` object
(our own reader gets everything back through it; see test_format_roundtrip_property.py).
"""

from __future__ import annotations

import json

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.bibtex_writer import format_entry
from bibliofile.formats.csl_json import read_csl_json, write_csl_json
from bibliofile.formats.ris import read_ris, write_ris
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.reference import Reference

ARTICLE = r"""@article{knox2008,
  author = {Knox, Colin and van der Berg, Jr, Hans and {World Health Organization} and others},
  editor = {Smith, Ann},
  title = {Kazakhstan},
  subtitle = {Modernizing government},
  shorttitle = {Kazakhstan},
  journal = {International Review of Administrative Sciences},
  series = {Special issues},
  volume = {74},
  number = {3},
  pages = {477--496},
  pagetotal = {20},
  eid = {e12},
  year = {2008},
  month = sep,
  publisher = {Sage},
  address = {London},
  edition = {2},
  language = {English},
  doi = {10.1177/0020852308095313},
  issn = {0020-8523},
  url = {https://example.org/a},
  urldate = {2020-01-02},
  keywords = {governance, reform},
  abstract = {An abstract with {\"U}mlaut.},
  note = {A note.},
  pubstate = {Published},
  pubstate-date = {2008},
  peer-reviewed = {Yes},
  citation-count = {36},
  citation-count-source = {Scopus},
  subject-areas = {Public Administration},
  owner = {colin},
}
"""


def bib_ref(text: str = ARTICLE) -> Reference:
    (ref,) = [r for r in read_bibtex(text).items if isinstance(r, Reference)]
    return ref


def via_bibtex(ref: Reference) -> Reference:
    """Written as BibTeX and read again: the last leg of each trip."""
    back = bib_ref(format_entry(ref))
    return back


def lost(before: Reference, after: Reference) -> dict[str, str | None]:
    """Fields that differ: key -> value after (None: gone)."""
    keys = set(before.fields) | set(after.fields)
    return {k: after.fields.get(k) for k in sorted(keys) if before.fields.get(k) != after.fields.get(k)}


def test_bibtex_to_ris_to_bibtex_loses_exactly_what_ris_cannot_hold() -> None:
    ref = bib_ref()
    ris = write_ris([ref])
    (mid,) = [r for r in read_ris(ris).items if isinstance(r, Reference)]
    after = via_bibtex(mid)
    assert lost(ref, after) == {
        "title": "Kazakhstan: Modernizing government",  # no subtitle tag: joined to the title
        "subtitle": None,
        "number_of_pages": None,  # no RIS tag
        "status": None,  # no RIS tag
        "status_date": None,
        "peer_reviewed": None,  # research-portal fields: no RIS tags
        "citation_count": None,
        "citation_count_source": None,
        "subject_areas": None,
    }
    # "and others" has no RIS form; the other names (particle, suffix, institution) survive.
    assert after.creators == [c for c in ref.creators if not c.others]
    assert Creator.et_al() in ref.creators
    # BibTeX-only fields kept in extra ("owner") have no RIS tag.
    assert ref.extra == {"owner": "{colin}"} and after.extra == {}
    assert after.item_type == ref.item_type and after.citation_key == ref.citation_key


def test_bibtex_to_csl_json_to_bibtex_loses_exactly_what_csl_cannot_hold() -> None:
    ref = bib_ref()
    items = json.loads(write_csl_json([ref]))
    for item in items:
        item.pop("custom", None)  # what another CSL-JSON program keeps
    (mid,) = [r for r in read_csl_json(json.dumps(items)).items if isinstance(r, Reference)]
    after = via_bibtex(mid)
    assert lost(ref, after) == {
        "title": "Kazakhstan: Modernizing government",  # CSL has no subtitle variable
        "subtitle": None,
        "status_date": None,  # no CSL variable for these
        "peer_reviewed": None,
        "citation_count": None,
        "citation_count_source": None,
        "subject_areas": None,
    }
    assert after.creators == [c for c in ref.creators if not c.others]
    assert after.extra == {}
    assert after.item_type == ref.item_type and after.citation_key == ref.citation_key


def test_with_our_own_reader_csl_json_loses_nothing() -> None:
    ref = bib_ref()
    (mid,) = [r for r in read_csl_json(write_csl_json([ref])).items if isinstance(r, Reference)]
    assert mid.fields == ref.fields and mid.creators == ref.creators and mid.extra == ref.extra


def test_types_ris_cannot_tell_apart() -> None:
    """interview, manual and review have no RIS type: they come back as document, book, article."""
    got = {}
    for t in ("interview", "manual", "review"):
        r = Reference(item_type=t, fields={"title": "x"}, creators=[Creator(role=CreatorRole.AUTHOR, family="A")])
        (back,) = read_ris(write_ris([r])).items
        assert isinstance(back, Reference)
        got[t] = back.item_type
    assert got == {"interview": "document", "manual": "book", "review": "article-journal"}
