"""RIS export -> import -> export gives the same bytes (issue 14), one fixture per cause the corpus
fuzzer (tests/unit/test_fuzz_import.py) found, each a small file written here in the shape of the
corpus file that showed it:

- order: the whole-library RIS export went in title order, sorted on the stored rows, which lack
  what a crossref child inherits (pybtex's xampl.bib, JabRef's auxparser/origin.bib), or what RIS
  drops (a creator role RIS has no tag for: Zotero's citeProcJSExport.json, where "TY GEN became
  STAT"); after a trip the same references sorted differently;
- keywords: a keyword written twice ("Women", MedlinePlainImporterTestCompleteEntry.bib) was
  dropped by the reader, so the second export lost a KW line;
- kept container tags: a record's second JF was kept before its first one, which was kept only
  once its T2 won the container title (JabRef's RisImporterTest1.ris), so the JF lines swapped;
- the export names what RIS could not carry, as ``note:`` lines (exit 0).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibliofile import cli
from bibliofile.formats.ris import read_ris, write_ris
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.item_types import ITEM_TYPES
from bibliofile.model.reference import Reference


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(args))
    return rc, out.getvalue(), err.getvalue()


def trip(tmp_path: Path, name: str, text: str) -> tuple[str, str, str]:
    """(first RIS export, export after re-importing it into a fresh library, first export's stderr)."""
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    first, again = tmp_path / "first.ris", tmp_path / "again.ris"
    assert run_cli("--library", str(a), "import", str(src))[0] == 0
    rc, _, err = run_cli("--library", str(a), "export", "--format", "ris", "-o", str(first))
    assert rc == 0
    assert run_cli("--library", str(b), "import", "--format", "ris", str(first))[0] == 0
    assert run_cli("--library", str(b), "export", "--format", "ris", "-o", str(again))[0] == 0
    return first.read_text(encoding="utf-8"), again.read_text(encoding="utf-8"), err


def ids(ris_text: str) -> list[str]:
    return [line[6:] for line in ris_text.splitlines() if line.startswith("ID  - ")]


# ---- (a) order ---------------------------------------------------------------------------------

# xampl.bib's shape: two chapters with one title and author; the one with a crossref has no year
# of its own (its row sorts first) until the RIS export writes the inherited year and editor in.
CROSSREF_BIB = """@incollection{chapter-minimal,
  author = {Lincoll, Daniel D.},
  title = {Semigroups of Recurrences},
  booktitle = {High Speed Computer and Algorithm Organization},
  year = 1977
}

@incollection{chapter-crossref,
  author = {Lincoll, Daniel D.},
  title = {Semigroups of Recurrences},
  crossref = {whole-collection}
}

@book{whole-collection,
  editor = {Lipcoll, David J. and Lawrie, D. H.},
  title = {High Speed Computer and Algorithm Organization},
  publisher = {Academic Press},
  year = 1977
}
"""


def test_a_crossref_child_keeps_its_place(tmp_path: Path) -> None:
    first, again, _ = trip(tmp_path, "xampl-shape.bib", CROSSREF_BIB)
    assert again == first
    assert ids(first) == ["chapter-minimal", "chapter-crossref", "whole-collection"]  # file order


# citeProcJSExport.json's shape: one title for every item type; a composer has no RIS tag, so
# after a trip the law has no creator and sorted before the document ("TY GEN became STAT").
SAME_TITLE_JSON = json.dumps(
    [
        {"id": "doc", "type": "document", "title": "Title", "author": [{"literal": "Institutional Author"}]},
        {"id": "law", "type": "legislation", "title": "Title", "composer": [{"family": "Zed", "given": "Zoe"}]},
    ]
)


def test_references_with_one_title_keep_their_order_when_a_creator_is_lost(tmp_path: Path) -> None:
    first, again, err = trip(tmp_path, "same-title.json", SAME_TITLE_JSON)
    assert [line for line in first.splitlines() if line.startswith("TY  - ")] == ["TY  - GEN", "TY  - STAT"]
    assert "AU  - Institutional Author," in first
    assert again == first
    notes = [line for line in err.splitlines() if line.startswith("note: RIS entry ")]
    assert [n.partition(": creators: ")[2] for n in notes] == ["RIS has no tag for the role composer: 'Zoe Zed' not written"]


# ---- (b) keywords as written ---------------------------------------------------------------------

KEYWORDS_BIB = """@article{medline,
  title = {Women at work},
  keywords = {Humans, Women, Working/history*, women, Women, Working/psychology}
}
"""


def test_repeated_keywords_survive(tmp_path: Path) -> None:
    first, again, err = trip(tmp_path, "keywords.bib", KEYWORDS_BIB)
    kws = [line[6:] for line in first.splitlines() if line.startswith("KW  - ")]
    assert kws == ["Humans", "Women", "Working/history*", "women", "Women", "Working/psychology"]
    assert again == first
    assert "keywords" not in err  # nothing to report: RIS carries them all


def test_keywords_read_as_written() -> None:
    ref = Reference(item_type="article-journal", fields={"title": "T", "keywords": "Rats; rats; Rats; Inbred F344"})
    (back,) = read_ris(write_ris([ref])).items
    assert isinstance(back, Reference)
    assert back.fields["keywords"] == "Rats; rats; Rats; Inbred F344"


# ---- (d) kept tags in the record's order -------------------------------------------------------

# RisImporterTest1.ris's conference record: the T2 wins the container title, both JF are kept.
CONTAINERS_RIS = """TY  - CONF
TI  - Editorial
JF  - Empirical Software Engineering
T2  - Automaton
JA  - kmptne
JF  - kmptnz
ER  -
"""


def test_kept_container_tags_keep_their_order(tmp_path: Path) -> None:
    (ref,) = read_ris(CONTAINERS_RIS).items
    assert isinstance(ref, Reference)
    assert ref.fields["container_title"] == "Automaton"
    assert ref.extra == {"ris:JF": "Empirical Software Engineering\nkmptnz", "ris:JA": "kmptne"}
    first, again, _ = trip(tmp_path, "containers.ris", CONTAINERS_RIS)
    assert [line for line in first.splitlines() if line[:2] in ("JF", "JA")] == [
        "JF  - Empirical Software Engineering", "JF  - kmptnz", "JA  - kmptne",
    ]
    assert again == first


# Dates set aside at the end of the record (a DA whose year disagrees with PY) go back in place too.
DATES_RIS = """TY  - JOUR
TI  - Dates
DA  - 1999/05/01
DA  - 2001/02/03
PY  - 2005
ER  -
"""


def test_kept_dates_keep_their_order(tmp_path: Path) -> None:
    (ref,) = read_ris(DATES_RIS).items
    assert isinstance(ref, Reference)
    assert ref.extra["ris:DA"] == "1999/05/01\n2001/02/03"
    first, again, _ = trip(tmp_path, "dates.ris", DATES_RIS)
    assert again == first


# ---- losses reach the user ---------------------------------------------------------------------


def test_export_prints_what_ris_could_not_carry(tmp_path: Path) -> None:
    src = tmp_path / "lossy.bib"
    src.write_text("@article{sub, title = {Main}, subtitle = {Sub}, eventtitle = {Conf}}\n@misc{,title={Keyless}, pagetotal = {12}}\n", encoding="utf-8")
    lib = str(tmp_path / "a.sqlite")
    assert run_cli("--library", lib, "import", str(src))[0] == 0
    rc, out, err = run_cli("--library", lib, "export", "--format", "ris")
    assert rc == 0 and "TI  - Main: Sub" in out
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert "note: RIS entry 'sub': field 'subtitle': RIS has no subtitle tag; joined to the title" in notes
    assert any(n.startswith("note: RIS ") and "number_of_pages" in n for n in notes), notes


# ---- what RIS reads differently is written as it will be read ----------------------------------

# Zotero's case006.ris and JabRef's RisImporterTestDate1.2.ris: a precise Y1 with a bare PY year.
YEAR_BESIDE_DATE_RIS = """TY  - JOUR
TI  - Dates
Y1  - 2014/06/01
PY  - 2014
ER  -
"""


def test_a_year_beside_its_full_date_is_not_kept_twice(tmp_path: Path) -> None:
    (ref,) = read_ris(YEAR_BESIDE_DATE_RIS).items
    assert isinstance(ref, Reference)
    assert ref.fields["date"] == "2014-06-01" and ref.extra == {}
    first, again, _ = trip(tmp_path, "year-beside-date.ris", YEAR_BESIDE_DATE_RIS)
    assert again == first


def test_a_year_before_its_full_date_takes_the_full_date() -> None:
    (ref,) = read_ris("TY  - JOUR\nTI  - Dates\nPY  - 2014\nY1  - 2014/06/01\nER  -\n").items
    assert isinstance(ref, Reference)
    assert ref.fields["date"] == "2014-06-01" and ref.extra == {}


# JabRef's complex.bib: a DOI with its resolver, and a name BibTeX reads with the given name "Jr."
# (von Last, Jr, First); MsBibImporterTest5.bib: a report's issue, which RIS reads as its number.
READ_DIFFERENTLY_BIB = """@article{doi,
  author = {Sherry, John F., Jr.},
  title = {Resolver},
  doi = {http://dx.doi.org/10.1007/s00779-005-0347-6}
}

@techreport{report,
  title = {Numbered},
  institution = {Lab},
  issue = {3}
}
"""


def test_values_ris_reads_differently_are_written_as_read(tmp_path: Path) -> None:
    first, again, err = trip(tmp_path, "read-differently.bib", READ_DIFFERENTLY_BIB)
    assert again == first
    assert "DO  - 10.1007/s00779-005-0347-6" in first
    assert "AU  - Sherry, John F., Jr." in first
    assert "M1  - 3" in first and "IS  - " not in first
    notes = [line for line in err.splitlines() if line.startswith("note: RIS ")]
    assert any("'doi'" in n and "resolver prefix" in n for n in notes), notes
    assert any("creators" in n and "reads back as" in n for n in notes), notes
    assert any("'issue'" in n and "(M1)" in n for n in notes), notes


# JabRef's RisImporterTest6.ris: a year, the publication date, then dated events as more PY lines.
DATED_EVENTS_RIS = """TY  - JOUR
TI  - Chelation
Y1  - 2013
PY  - 2013/04/18
PY  - 2013/02/15/received
PY  - 2013/03/14/accepted
ER  -
"""


def test_dated_events_do_not_displace_the_date(tmp_path: Path) -> None:
    (ref,) = read_ris(DATED_EVENTS_RIS).items
    assert isinstance(ref, Reference)
    assert ref.fields["date"] == "2013-04-18"
    assert ref.extra == {"ris:PY": "2013/02/15/received\n2013/03/14/accepted"}
    first, again, _ = trip(tmp_path, "dated-events.ris", DATED_EVENTS_RIS)
    assert again == first


# ---- kept values and the fields they would fill ------------------------------------------------

# Zotero's case002.ris with a line repeated (as the fuzzer does): a patent's IS is its number, so
# its second IS must be its issue, as our M1 + IS reads back, not a kept value that fills the issue
# on the next reading; a kept value with a CR, which reads back as two values; JabRef's
# ModsExportFormatTestBook.bib with an ISSN field that is not an ISSN beside its ISBN.
PATENT_RIS = """TY  - PAT
TI  - Patent
IS  - 4,904,581
IS  - 4,904,581
IS  - 7
CA  - 25\r4
ER  -
"""


def test_a_patents_repeated_issue_and_a_kept_cr(tmp_path: Path) -> None:
    (ref,) = read_ris(PATENT_RIS).items
    assert isinstance(ref, Reference)
    assert (ref.fields["number"], ref.fields["issue"]) == ("4,904,581", "4,904,581")
    assert ref.extra == {"ris:IS": "7", "ris:CA": "25\r4"}
    first, again, err = trip(tmp_path, "patent.ris", PATENT_RIS)
    assert again == first
    assert "CA  - 25\nCA  - 4\n" in first
    assert "extra:ris:CA: line breaks other than LF" in err


SN_BIB = """@book{sn,
  title = {Numbers},
  isbn = {123456789},
  issn = {X87654321},
  keywords = {note}
}
"""


def test_an_issn_read_as_a_second_isbn_is_written_where_it_is_kept(tmp_path: Path) -> None:
    first, again, err = trip(tmp_path, "sn.bib", SN_BIB)
    assert again == first
    lines = first.splitlines()
    assert lines.index("SN  - 123456789") < lines.index("KW  - note") < lines.index("SN  - X87654321")
    assert "field 'issn': not an ISSN (NNNN-NNNX); reads back as the ISBN" in err


# ---- properties: one trip reaches the fixed point ---------------------------------------------

TAGS = ["TI", "T1", "AU", "A2", "A3", "ED", "T2", "JF", "JO", "JA", "BT", "PY", "Y1", "DA", "Y2",
        "SP", "EP", "IS", "M1", "VL", "SN", "DO", "UR", "KW", "AB", "N2", "N1", "ID", "ST", "CA", "DB", "C1"]
values = st.one_of(
    st.sampled_from(["2014", "2014/06/01", "2014/06", "2013/02/15/received", "99", "1234-567X", "978-3-16",
                     "http://dx.doi.org/10.1/x", "Smith, J.", "Sherry, Jr., John F.", "World Health Organization,",
                     "Rats", "rats", "5-9", "4,904,581", "a; b; a"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)
line_ends = st.sampled_from(["\n", "\n", "\r\n", "\n\t"])


@st.composite
def ris_files(draw: st.DrawFn) -> str:
    records = []
    for _ in range(draw(st.integers(1, 3))):
        lines = [f"TY  - {draw(st.sampled_from(['JOUR', 'BOOK', 'RPRT', 'PAT', 'CONF', 'GEN', 'THES', 'XYZ']))}"]
        for _ in range(draw(st.integers(0, 10))):
            lines.append(f"{draw(st.sampled_from(TAGS))}  - {draw(values)}{draw(line_ends)}".rstrip("\n"))
        records.append("\n".join([*lines, "ER  - "]))
    return "\n\n".join(records) + "\n"


def _refs(text: str) -> list[Reference]:
    return [r for r in read_ris(text).items if isinstance(r, Reference)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ris_files())
def test_any_ris_file_is_a_fixed_point_after_one_trip(text: str) -> None:
    first = write_ris(_refs(text))
    assert write_ris(_refs(first)) == first


people = st.builds(
    Creator,
    role=st.sampled_from(list(CreatorRole)),
    family=st.sampled_from(["Smith", "van Gogh", "Abu Bakr", "Sherry", "Lab"]),
    given=st.sampled_from(["", "J.", "Jr.", "John F."]),
    suffix=st.sampled_from(["", "Jr.", "John F."]),
)
institutions = st.builds(Creator.institution, st.sampled_from(["Institutional Author", "World Health Organization",
                                                               "Plato", "Acme, Inc."]))
fields = st.dictionaries(
    st.sampled_from(["title", "subtitle", "container_title", "event_title", "issue", "number", "date", "isbn",
                     "issn", "doi", "keywords", "pages", "number_of_pages", "note", "annote", "abstract",
                     "status", "accessed"]),
    values,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.builds(
    Reference,
    item_type=st.sampled_from(sorted(t.csl for t in ITEM_TYPES)),
    fields=fields,
    creators=st.lists(st.one_of(people, institutions), max_size=3),
    extra=st.dictionaries(st.sampled_from(["ris:JF", "ris:SN", "ris:IS", "ris:PY", "ris:CA", "bibtex:x"]), values, max_size=3),
), min_size=1, max_size=3))
def test_any_reference_is_a_fixed_point_after_one_trip(refs: list[Reference]) -> None:
    """Whatever RIS cannot carry, the second export writes what the first did."""
    first = write_ris(refs)
    assert write_ris(_refs(first)) == first
