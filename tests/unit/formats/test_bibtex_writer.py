"""Writing BibTeX: untouched entries byte for byte, edited ones in one clean style."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bibliofile.formats.bibtex_reader import read_bibtex, read_bibtex_file
from bibliofile.formats.bibtex_writer import format_entry, write_bibtex
from bibliofile.formats.crossref import resolve_crossref
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.reference import Reference

SAMPLE = Path(__file__).parents[2] / "data" / "bibtex" / "sample.bib"


def refs(items: list[Reference | PassthroughBlock]) -> list[Reference]:
    return [i for i in items if isinstance(i, Reference)]


def test_untouched_file_is_written_back_byte_for_byte() -> None:
    result = read_bibtex_file(SAMPLE)
    assert write_bibtex(result.items, preserve_layout=True) == SAMPLE.read_text(encoding="utf-8")


def test_file_without_final_newline_stays_without() -> None:
    text = "@article{a, title={A}}\n\n\n@book{b, title={B}}"
    assert write_bibtex(read_bibtex(text).items, preserve_layout=True) == text


def test_without_layout_items_are_separated_by_a_blank_line() -> None:
    text = "@article{a, title={A}}   \n\n\n\n@book{b,  title={B}}\n\n"
    assert write_bibtex(read_bibtex(text).items) == "@article{a, title={A}}\n\n@book{b,  title={B}}\n"


def test_unedited_entry_is_its_source_text_even_when_fields_differ() -> None:
    ref = refs(read_bibtex("@ARTICLE{k, TITLE = {Old}}").items)[0]
    ref.fields["title"] = "changed but not marked edited"
    assert write_bibtex([ref]) == "@ARTICLE{k, TITLE = {Old}}\n"


def test_new_reference_in_clean_style() -> None:
    ref = Reference(
        item_type="article-journal",
        citation_key="knox2008",
        fields={
            "title": "Bayesian R&D: 50% of {cases}",
            "container_title": "Journal of Things",
            "date": "2008-03",
            "volume": "12",
            "issue": "3",
            "pages": "1–10",
            "doi": "10.1000/a_b",
            "keywords": "one; two",
        },
        creators=[
            Creator(family="Knox", given="Ada"),
            Creator(family="Berg", given="Hans", particle="van der"),
            Creator.institution("World Health Organization"),
            Creator.et_al(),
        ],
        extra={"file": "{:a.pdf:PDF}"},
    )
    assert format_entry(ref) == (
        "@article{knox2008,\n"
        "  author = {Knox, Ada and van der Berg, Hans and {World Health Organization} and others},\n"
        # (the braces are part of the title's text, so they are written as text, not grouping)
        "  title = {Bayesian R\\&D: 50\\% of \\{cases\\}},\n"
        "  journal = {Journal of Things},\n"
        "  volume = {12},\n"
        "  number = {3},\n"
        "  pages = {1--10},\n"
        "  year = {2008},\n"
        "  month = mar,\n"
        "  doi = {10.1000/a_b},\n"
        "  keywords = {one, two},\n"
        "  file = {:a.pdf:PDF}\n"
        "}"
    )
    biblatex = format_entry(ref, "biblatex")
    assert "  journaltitle = {Journal of Things},\n" in biblatex
    assert "  date = {2008-03},\n" in biblatex and "year" not in biblatex


def test_edited_entry_keeps_its_text_and_gains_the_new_field_after_the_last() -> None:
    text = (
        '@string{jn = "Journal of Nothing"}\n'
        "@Article{k,\n  Author = {M{\\\"u}ller, J{\\\"o}rg},\n  Title = {The {DNA} Story},\n"
        "  Journal = jn,\n  year = 2008, month = mar,\n  unknown = {Keep {Me}}\n}\n"
    )
    items = read_bibtex(text).items
    ref = refs(items)[0]
    ref.fields["volume"] = "7"
    ref.edited = True
    out = write_bibtex(items, preserve_layout=True)
    assert out == text.replace("  unknown = {Keep {Me}}\n", "  unknown = {Keep {Me}},\n  volume = {7}\n")
    again = refs(read_bibtex(out).items)[0]
    assert again.fields == ref.fields and again.creators == ref.creators and again.extra == ref.extra
    # Exported alone, the @string is not there, so the macro is written out.
    alone = write_bibtex([ref])
    assert "  Journal = {Journal of Nothing},\n" in alone


def test_changed_field_is_written_fresh() -> None:
    ref = refs(read_bibtex("@article{k, title = {Old {T}itle}}").items)[0]
    ref.fields["title"] = "New Title"
    ref.edited = True
    assert "title = {New Title}" in write_bibtex([ref])


def test_thesis_type_and_school() -> None:
    ref = Reference(item_type="thesis", citation_key="t", fields={"genre": "Master's thesis", "publisher": "Uni"})
    out = format_entry(ref)
    assert out.startswith("@mastersthesis{t,") and "school = {Uni}" in out and "type" not in out
    out = format_entry(ref, "biblatex")
    assert out.startswith("@thesis{t,") and "type = {mathesis}" in out and "institution = {Uni}" in out
    assert refs(read_bibtex(out).items)[0].fields == ref.fields


def test_roles_and_portal_fields_round_trip() -> None:
    ref = Reference(
        item_type="chapter",
        citation_key="c",
        fields={"title": "Ch", "container_title": "The Book", "subject_areas": "A; B", "peer_reviewed": "yes"},
        creators=[Creator(family="A", given="B"), Creator(role=CreatorRole.EDITOR, family="E", given="F"),
                  Creator(role=CreatorRole.BOOK_AUTHOR, family="G", given="H")],
    )
    out = format_entry(ref)
    assert "booktitle = {The Book}" in out and "subject-areas = {A; B}" in out
    back = refs(read_bibtex(out).items)[0]
    assert back.fields == ref.fields and back.creators == ref.creators and back.item_type == "chapter"


def test_passthrough_blocks_are_written_as_text() -> None:
    items: list[Reference | PassthroughBlock] = [
        PassthroughBlock(BlockKind.STRING, "@string{a = {b}}"),
        PassthroughBlock(BlockKind.FAILED, "@book{broken, title = {x"),
    ]
    assert write_bibtex(items) == "@string{a = {b}}\n\n@book{broken, title = {x\n"


def test_crossref_resolution() -> None:
    text = (
        "@inproceedings{paper, title = {Paper}, crossref = {procs}, pages = {1--2}}\n"
        "@proceedings{procs, title = {Proceedings of X}, editor = {Ed, Itor}, publisher = {P},"
        " year = 2001, crossref = {series}}\n"
        "@book{series, title = {Series}, address = {Place}, crossref = {procs}}\n"
    )
    by_key = {r.citation_key: r for r in refs(read_bibtex(text).items)}
    paper = by_key["paper"]
    resolved = resolve_crossref(paper, by_key)
    assert resolved.fields["container_title"] == "Proceedings of X"
    assert resolved.fields["publisher"] == "P" and resolved.fields["date"] == "2001"
    assert resolved.fields["publisher_place"] == "Place"  # from the grandparent; the cycle back is ignored
    assert resolved.fields["title"] == "Paper" and resolved.fields["pages"] == "1–2"
    assert Creator(role=CreatorRole.EDITOR, family="Ed", given="Itor") in resolved.creators
    assert "container_title" not in paper.fields  # the stored entry is not changed
    assert resolve_crossref(dataclasses.replace(paper, fields={"crossref": "missing"}), by_key).fields == {"crossref": "missing"}
