"""RIS: the tag variants EndNote, Web of Science, Scopus and portals write; problems carry lines."""

from __future__ import annotations

from bibliofile.formats.ris import read_ris, write_ris
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.reference import Reference

ENDNOTE = """\ufeffTY  - JOUR
AU  - Knox, Colin
AU  - van der Berg, Hans, Jr
AU  - World Health Organization
TI  - Public services reform
  in Kazakhstan
T2  - International Review of Administrative Sciences
PY  - 2008
DA  - 2008/09/01
VL  - 74
IS  - 3
SP  - 477
EP  - 496
SN  - 0020-8523
DO  - https://doi.org/10.1177/0020852308095313
KW  - governance
KW  - reform; modernisation
AB  - First paragraph of the abstract.
Continued on a second line.
N1  - A note.
AN  - WOS:000259
ER  -
"""


def refs(text: str, file: str = "f.ris") -> tuple[list[Reference], list[str]]:
    result = read_ris(text, file)
    out = [r for r in result.items if isinstance(r, Reference)]
    return out, [str(p) for p in result.problems]


def test_endnote_record_all_fields() -> None:
    (ref,), problems = refs(ENDNOTE)
    assert problems == []
    assert ref.item_type == "article-journal"
    assert ref.creators == [
        Creator(family="Knox", given="Colin"),
        Creator(family="Berg", given="Hans", particle="van der", suffix="Jr"),
        Creator.institution("World Health Organization"),
    ]
    assert ref.fields == {
        "title": "Public services reform in Kazakhstan",
        "container_title": "International Review of Administrative Sciences",
        "date": "2008-09-01",
        "volume": "74",
        "issue": "3",
        "pages": "477–496",
        "issn": "0020-8523",
        "doi": "10.1177/0020852308095313",
        "keywords": "governance; reform; modernisation",
        "abstract": "First paragraph of the abstract.\nContinued on a second line.",
        "note": "A note.",
    }
    assert ref.extra == {"ris:AN": "WOS:000259"}
    assert ref.source is not None and ref.source.line == 1 and ref.source.format == "ris"


def test_portal_variant_one_space_blank_lines_repeated_abstract() -> None:
    text = "TY - GEN\n\nT1 - HALO\n\nBT - Proceedings of X\n\nT2 - X 2025\n\nN2 - Same text.\n\nAB - Same text.\n\nM3 - Conference contribution\n\nPY - 2025/3/30\n\nER -\n"
    (ref,), problems = refs(text)
    assert problems == []
    assert ref.item_type == "paper-conference"
    assert ref.fields["container_title"] == "Proceedings of X"
    assert ref.fields["event_title"] == "X 2025"
    assert ref.fields["abstract"] == "Same text."
    assert ref.fields["date"] == "2025-03-30"
    assert "ris:AB" not in ref.extra and "ris:N2" not in ref.extra


def test_differing_abstracts_keep_the_second_in_extra() -> None:
    (ref,), _ = refs("TY  - JOUR\nAB  - One.\nN2  - Two.\nER  - \n")
    assert ref.fields["abstract"] == "One."
    assert ref.extra["ris:N2"] == "Two."


def test_unknown_tags_survive_a_write() -> None:
    text = "TY  - JOUR\nTI  - T\nZZ  - custom one\nZZ  - custom two\nC3  - c3\nER  - \n"
    (ref,), _ = refs(text)
    assert ref.extra == {"ris:ZZ": "custom one\ncustom two", "ris:C3": "c3"}
    written = write_ris([ref])
    assert "ZZ  - custom one\nZZ  - custom two\n" in written
    (back,), _ = refs(written)
    assert back.extra == ref.extra


def test_problems_carry_lines_and_nothing_is_lost() -> None:
    text = "junk before\nTY  - JOUR\nTI  - First\nTY  - BOOK\nTI  - Second\nER  - \nAU  - Stray, Tag\n\nTY  - WHAT\nTI  - Third\n"
    got, problems = refs(text, "x.ris")
    assert [r.title for r in got] == ["First", "Second", "Third"]
    assert problems == [
        "x.ris:1: text outside a RIS record; ignored",
        "x.ris:2: record has no ER line; it ends where the next TY begins",
        "x.ris:7: AU line outside a record (no TY before it); ignored",
        "x.ris:9: the last record has no ER line; it was read up to the end of the text",
        "x.ris:9: unknown RIS type 'WHAT'; read as a generic document",
    ]
    assert got[2].item_type == "document" and got[2].source is not None and got[2].source.entry_type == "WHAT"


def test_scopus_article_number_and_isbn_issn() -> None:
    (ref,), _ = refs("TY  - JOUR\nC7  - 104211\nSN  - 978-3-16-148410-0\nSN  - 1234-5679\nER  - \n")
    assert ref.fields["article_number"] == "104211"
    assert ref.fields["isbn"] == "978-3-16-148410-0"
    assert ref.fields["issn"] == "1234-5679"


def test_dates_in_every_shape() -> None:
    def date(py: str, da: str = "") -> str:
        text = f"TY  - JOUR\nPY  - {py}\n" + (f"DA  - {da}\n" if da else "") + "ER  - \n"
        (ref,), _ = refs(text)
        return ref.fields.get("date", "")

    assert date("2008") == "2008"
    assert date("2008///") == "2008"
    assert date("2008/03/14/") == "2008-03-14"
    assert date("2008", "2008/03") == "2008-03"
    assert date("in press") == "in press"
    assert date("2000/2010") == "2000/2010"


def test_writer_output_shape() -> None:
    ref = Reference(
        item_type="chapter",
        fields={"title": "T", "subtitle": "S", "date": "2001-02", "pages": "5–9", "container_title": "Book"},
        creators=[Creator(family="Plato"), Creator(role=CreatorRole.EDITOR, family="Ed", given="A"), Creator.et_al()],
        citation_key="k1",
    )
    assert write_ris([ref]) == (
        "TY  - CHAP\nID  - k1\nTI  - T: S\nAU  - Plato,\nA2  - Ed, A\nT2  - Book\nPY  - 2001\nDA  - 2001/02\n"
        "SP  - 5\nEP  - 9\nER  - \n\n"
    )


def test_broken_exports_type_lines_in_a_row_and_odd_years() -> None:
    text = "TY  - BOOK\nTY  - JOUR\nTI  - One record\nPY  - 99\nPY  - 2015/october\nER  - \n"
    (ref,), problems = refs(text, "b.ris")
    assert ref.item_type == "article-journal"
    assert ref.fields["date"] == "2015-10"  # the usable year wins; the other is kept
    assert ref.extra == {"ris:PY": "99"}
    assert problems == ["b.ris:2: another TY line before any tag; the record's type is now 'JOUR'"]
