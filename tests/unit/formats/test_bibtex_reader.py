"""Reading BibTeX: decoded fields, exact source text, problems with lines, encodings."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from tests.read_results import joined, refs

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import (
    decode_bytes,
    iter_bibtex_batches,
    looks_like_bibtex,
    read_bibtex,
    read_bibtex_file,
)
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.problems import UnreadableFileError
from bibliofile.model.reference import Reference

DATA = Path(__file__).parents[2] / "data" / "bibtex"
SAMPLE = DATA / "sample.bib"


def one(text: str) -> Reference:
    found = refs(read_bibtex(text))
    assert len(found) == 1
    return found[0]


def test_sample_file_reads_with_exact_text() -> None:
    result = read_bibtex_file(SAMPLE)
    assert joined(result) == SAMPLE.read_text(encoding="utf-8")
    assert result.encoding == "utf-8"
    keys = [r.citation_key for r in refs(result)]
    assert keys == ["mueller2008", "smith2010", "knox1999", "tr1", "mueller2008"]
    assert result.entries_in_file == 6  # five references and the broken @book
    kinds = [i.kind for i in result.items if isinstance(i, PassthroughBlock)]
    assert kinds == [
        BlockKind.COMMENT, BlockKind.STRING, BlockKind.STRING, BlockKind.PREAMBLE,
        BlockKind.COMMENT, BlockKind.FAILED, BlockKind.TRAILER,
    ]


def test_sample_entry_fields_and_source() -> None:
    ref = refs(read_bibtex_file(SAMPLE))[0]
    assert ref.item_type == "article-journal"
    assert ref.fields["title"] == "A Bayesian Analysis of Café — Culture"
    assert ref.fields["container_title"] == "Journal of Computing Systems (Series B)"
    assert ref.fields["date"] == "2008-03"
    assert ref.fields["issue"] == "3"
    assert ref.fields["pages"] == "1–10"
    assert ref.fields["doi"] == "10.1000/xyz_123"
    assert ref.fields["keywords"] == "bayes; café; culture"
    assert ref.extra == {"file": "{:mueller2008.pdf:PDF}"}
    assert ref.creators == [
        Creator(family="Müller", given="Jörg"),
        Creator(family="Berg", given="Hans", particle="van der", suffix="Jr"),
        Creator.institution("World Health Organization"),
        Creator.et_al(),
    ]
    src = ref.source
    assert src is not None
    assert src.format == "bibtex" and src.entry_type == "Article" and src.line == 7
    assert src.text.startswith("@Article{mueller2008,") and src.text.endswith("}")
    assert ("journal", 'jcs # " (Series B)"') in src.raw_fields
    assert src.prefix == "\n\n"


def test_conference_paper_thesis_and_report_fields() -> None:
    _, paper, thesis, report, _ = refs(read_bibtex_file(SAMPLE))
    assert paper.item_type == "paper-conference" and paper.source and paper.source.entry_type == "InProceedings"
    assert paper.fields["container_title"] == "Proceedings of the Tenth Conference"
    assert paper.fields["publisher"] == "ACM Press"
    assert paper.fields["publisher_place"] == "New York"
    assert Creator(role=CreatorRole.EDITOR, family="Doe", given="Jane") in paper.creators
    assert thesis.fields["genre"] == "PhD thesis"
    assert thesis.fields["publisher"] == "University of Nowhere"
    assert report.fields["number"] == "TR-7" and "issue" not in report.fields
    assert report.fields["genre"] == "Technical Note"
    assert report.fields["date"] == "2001-07"


def test_failed_block_is_kept_and_reported_with_line() -> None:
    result = read_bibtex_file(SAMPLE)
    failed = [i for i in result.items if isinstance(i, PassthroughBlock) and i.kind is BlockKind.FAILED]
    assert len(failed) == 1 and failed[0].line == 40
    assert failed[0].text.startswith("@book{broken")
    problem = next(p for p in result.problems if p.line == 40)
    assert "broken" in problem.message and "kept as text" in problem.message


def test_duplicate_keys_import_both_and_report() -> None:
    result = read_bibtex_file(SAMPLE)
    assert [r.citation_key for r in refs(result)].count("mueller2008") == 2
    problem = next(p for p in result.problems if p.line == 54)
    assert "mueller2008" in problem.message and "line 7" in problem.message


def test_macros_concatenation_and_months() -> None:
    text = (
        '@string{a = "Alpha"}\n@string{ab = a # { Beta}}\n'
        "@article{k, journal = ab # \" Gamma\", year = {1999}, month = sep, note = 2 # {nd}}\n"
    )
    ref = refs(read_bibtex(text))[0]
    assert ref.fields["container_title"] == "Alpha Beta Gamma"
    assert ref.fields["date"] == "1999-09"
    assert ref.fields["note"] == "2nd"


@pytest.mark.parametrize(("month", "date"), [("mar", "2008-03"), ("{March}", "2008-03"), ('"3"', "2008-03"), ("{Mar.}", "2008-03")])
def test_month_forms(month: str, date: str) -> None:
    assert one(f"@article{{k, year = 2008, month = {month}}}").fields["date"] == date


def test_undefined_macro_is_reported_and_kept_as_name() -> None:
    result = read_bibtex("@article{k,\n  journal = nosuchjournal,\n}\n")
    assert refs(result)[0].fields["container_title"] == "nosuchjournal"
    assert len(result.problems) == 1 and "nosuchjournal" in result.problems[0].message
    assert result.problems[0].line == 1


@pytest.mark.parametrize(
    ("fields", "date"),
    [
        ("year = {2008}", "2008"),
        ("date = {2008-03-14}", "2008-03-14"),
        ("date = {2000/2010}", "2000/2010"),
        ("year = {in press}", "in press"),
        ("year = 2008, month = {Spring}", "2008"),
        ("", None),
    ],
)
def test_partial_dates(fields: str, date: str | None) -> None:
    ref = one(f"@misc{{k, {fields}}}")
    assert ref.fields.get("date") == date


def test_unparsable_month_is_kept_in_extra() -> None:
    assert one("@misc{k, year = 2008, month = {Spring}}").extra == {"month": "{Spring}"}


def test_unknown_fields_and_types_survive_as_written() -> None:
    ref = one("@Video{k, Title = {T}, MyField = {a {B} \\\"o}, count = 3}")
    assert ref.item_type == "motion_picture"
    assert ref.extra == {"myfield": '{a {B} \\"o}', "count": "3"}
    ref = one("@whatever{k, title = {T}}")
    assert ref.item_type == "document" and ref.source and ref.source.entry_type == "whatever"


def test_number_is_issue_for_articles_only() -> None:
    assert one("@article{k, number = {4}}").fields == {"issue": "4"}
    assert one("@techreport{k, number = {4}}").fields == {"number": "4"}


def test_masters_thesis_genre_and_school() -> None:
    ref = one("@mastersthesis{k, school = {Uni}, title = {T}}")
    assert ref.fields["genre"] == "Master's thesis" and ref.fields["publisher"] == "Uni"


def test_multiline_values_are_joined() -> None:
    ref = one("@article{k, title = {A long\n     title}, abstract = {One.\n\n  Two.}}")
    assert ref.fields["title"] == "A long title"
    assert ref.fields["abstract"] == "One.\n\nTwo."


def test_string_only_file_is_bibtex_with_no_entries(tmp_path: Path) -> None:
    p = tmp_path / "strings.bib"
    p.write_text('@string{a = "b"}\n% comment\n', encoding="utf-8")
    result = read_bibtex_file(p)
    assert refs(result) == [] and result.entries_in_file == 0 and result.problems == []


@pytest.mark.parametrize(
    "data",
    [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"TY  - JOUR\nTI  - A title\nER  - \n", b"PK\x03\x04\x14\x00\x06\x00"],
    ids=["empty", "png", "ris", "docx"],
)
def test_not_bibtex_is_one_clear_error(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "file.bib"
    p.write_bytes(data)
    with pytest.raises(UnreadableFileError) as err:
        read_bibtex_file(p)
    assert "is not a BibTeX file (no @entry found)" in err.value.message


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="cannot read"):
        read_bibtex_file(tmp_path / "nope.bib")


def test_looks_like_bibtex() -> None:
    assert looks_like_bibtex("% x\n@article{k, title={t}}")
    assert looks_like_bibtex("% Encoding: US-ASCII@PREAMBLE{x}@article{k}")
    assert not looks_like_bibtex("mail me at a@b.org\n")


ENTRY = "@article{k,\n  title = {Café Ünïcode},\n}\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ENTRY.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ENTRY.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + ENTRY.encode("utf-16-le"), "utf-16"),
        (ENTRY.encode("utf-16-be"), "utf-16-be"),
        (ENTRY.encode("utf-16-le"), "utf-16-le"),
        (ENTRY.encode("cp1252"), "cp1252"),
        (("% Encoding: windows-1252\n" + ENTRY).encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16be-nobom", "utf16le-nobom", "cp1252", "cp1252-header"],
)
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    text, used = decode_bytes(data, "x.bib")
    assert used == encoding
    assert text.endswith(ENTRY)
    p = tmp_path / "enc.bib"
    p.write_bytes(data)
    result = read_bibtex_file(p)
    assert refs(result)[0].fields["title"] == "Café Ünïcode"
    assert result.encoding == encoding


def test_header_that_lies_about_utf8_falls_back() -> None:
    data = b"% Encoding: UTF-8\n\n@article{k, author = {Test\xa0I. Last}}\n"
    text, used = decode_bytes(data, "x.bib")
    assert used == "cp1252" and "Test\u00a0I. Last" in text


def test_line_numbers_with_crlf() -> None:
    text = "% c\r\n\r\n@article{a, title={A}}\r\n@article{b,\r\n title={B}}\r\n"
    result = read_bibtex(text)
    assert [r.source.line for r in refs(result) if r.source] == [3, 4]
    assert joined(result) == text


def generated(n: int) -> str:
    parts = ['@string{early = {Early Journal}}\n']
    for i in range(n):
        if i == n // 2:
            parts.append("@string{late = {Late Journal}}\n\n% a comment between entries\n")
        journal = "late" if i > n // 2 else "early"
        parts.append(
            f"@article{{k{i % (n - 3)},\n  author = {{M{{\\\"u}}ller, J. and Smith, Ann}},\n"
            f"  title = {{Title {i} with {{Braces}} and\n@-sign at a line start}},\n"
            f"  journal = {journal},\n  year = {2000 + i % 20},\n  month = mar,\n}}\n\n"
        )
    parts.append("@article{broken, title = {x\n\n")
    return "".join(parts)


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_equal_one_read(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    text = generated(300)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    single = read_bibtex(text, "g.bib")
    batches = list(iter_bibtex_batches(text, "g.bib", workers=workers, batch_entries=40))
    assert len(batches) > 5
    assert [i for b in batches for i in b.items] == single.items
    assert [p for b in batches for p in b.problems] == single.problems
    assert sum(b.entries_in_file for b in batches) == single.entries_in_file == 301
    late = [r for r in refs(single) if r.fields.get("container_title") == "Late Journal"]
    assert len(late) == 149
    assert any("used again" in p.message for p in single.problems)


def test_a_broken_worker_pool_is_finished_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed before or during an import (the pool is broken): the batches are then
    parsed in this process, and the result is the same as one read."""
    import os
    from concurrent.futures.process import BrokenProcessPool

    text = generated(300)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    single = read_bibtex(text, "g.bib")
    with bibtex_reader.worker_pool(1) as pool:
        assert pool is not None
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result()
        items: list[object] = []
        for batch in iter_bibtex_batches(text, "g.bib", workers=1, batch_entries=40, convert=list, pool=pool):
            part = bibtex_reader.ReadResult(items=batch.payload)
            if batch.lead:
                bibtex_reader._prepend(part, batch.lead)
            items.extend(part.items)
    assert items == single.items


def test_small_text_is_one_batch() -> None:
    batches = list(iter_bibtex_batches(ENTRY, "x.bib"))
    assert len(batches) == 1 and batches[0] == read_bibtex(ENTRY, "x.bib")


@pytest.mark.parametrize("workers", [1, 2])
def test_converted_batches_equal_one_read(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """With ``convert`` the worker's payload plus each batch's ``lead`` give the same items."""
    text = generated(300)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    single = read_bibtex(text, "g.bib")
    items: list[object] = []
    problems = []
    for batch in iter_bibtex_batches(text, "g.bib", workers=workers, batch_entries=40, convert=list):
        part = bibtex_reader.ReadResult(items=batch.payload)
        if batch.lead:
            bibtex_reader._prepend(part, batch.lead)
        items.extend(part.items)
        problems.extend(batch.problems)
    assert items == single.items
    assert problems == single.problems
