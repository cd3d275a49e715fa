"""An import's rows are the same whether the text is read in one go by bibtexparser alone or in
batches on worker processes with the fast scanner (issue 22): the scanner, the jobs' macro
tables and the marshalled payloads change how fast, never what is stored."""

from __future__ import annotations

import pytest

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import iter_bibtex_batches, read_bibtex
from bibliofile.storage.rows import RowBatch, imported_rows

ODD = [
    '@string{jn = "Journal of Tests"}\n',
    "@misc(paren{i}, title = {In parentheses}, year = 2001)\n",
    "@article{dup{i}, title = {First}, TITLE = {Second}, journal = jn # { A}}\n",
    "% a comment line between entries\n",
    '@inproceedings{q{i}, author = "M{\\"u}ller, Hans and van der Berg, Jo", title = "A {B} c", month = mar}\n',
    "@preamble{{\\newcommand{\\x}{y}}}\n",
]


def generated(n: int) -> str:
    """Plain entries with an odd block (macro, parentheses, repeated field, broken entry,
    comment, quotes, preamble) every few, so pieces take both paths, and a broken one at the end."""
    out = []
    for i in range(n):
        out.append(
            f"@article{{key{i},\n  author = {{Sm{i}th, J{i}. and Ólafsdóttir, Á.}},\n"
            f"  title = {{On {{T}}opic {i}: a {{\\em nested {{deep}} case}}}},\n"
            f"  journal = jn,\n  year = {1900 + i % 120},\n  pages = {{{i}--{i + 9}}},\n"
            f"  abstract = {{Line one\n    line two, with = and \"quotes\"}},\n}}\n\n"
        )
        if i % 7 == 3:
            out.append(ODD[(i // 7) % len(ODD)].replace("{i}", str(i)) + "\n")
    # Unbalanced, it keeps the rest of the text in one piece (see _segments): last.
    out.append("@book{broken, title = {never closed,\n\n@misc{after, year = 2000}\n")
    return "".join(out)


def plain(batches: list[tuple[RowBatch, str]]) -> tuple[list[object], list[object], list[object], list[object]]:
    """The rows of batches without their batch-local numbers (each batch's lead put first)."""
    refs: list[object] = []
    creators: list[object] = []
    fts: list[object] = []
    blocks: list[object] = []
    for rows, lead in batches:
        if lead:
            rows.prepend(lead)
        refs += [r[1:] for r in rows.refs]
        creators += [c[1:] for c in rows.creators]
        fts += [f[1:] for f in rows.fts]
        blocks += [b[1:] for b in rows.blocks]
    return refs, creators, fts, blocks


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_batches_store_what_bibtexparser_alone_reads(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    text = generated(400)
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    alone = read_bibtex(text, "g.bib", fast=False)
    batches = []
    problems = []
    for batch in iter_bibtex_batches(text, "g.bib", workers=workers, batch_entries=60, convert=imported_rows):
        assert isinstance(batch.payload, RowBatch)
        batches.append((batch.payload, batch.lead))
        problems.extend(batch.problems)
    assert len(batches) > 3
    assert plain(batches) == plain([(imported_rows(alone.items), "")])
    assert problems == alone.problems
    assert any("is given again" in p.message for p in problems)  # the odd blocks were met
    assert any("could not read entry 'broken" in p.message for p in problems)


def test_rows_travel_as_marshal_bytes_and_come_back_equal() -> None:
    rows = imported_rows(read_bibtex(generated(20), "g.bib").items)
    wire = bibtex_reader._to_wire(rows)
    assert isinstance(wire, bibtex_reader._Marshalled)
    assert bibtex_reader._from_wire(wire) == rows
    assert bibtex_reader._to_wire([1, 2]) == [1, 2]  # not a dataclass: pickled as it is
