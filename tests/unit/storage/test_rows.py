"""Row tuples for bulk inserts: their column names follow the schema, and they move cleanly."""

from __future__ import annotations

import pickle

from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.reference import SourceRecord
from bibliofile.storage.rows import (
    BLOCK_COLUMNS,
    CREATOR_COLUMNS,
    READING_COLUMNS,
    REFERENCE_BODY,
    REFERENCE_COLUMNS,
    RowBatch,
    imported_rows,
    item_rows,
    sort_key,
)
from bibliofile.storage.tables import blocks_t, creators_t, references_t


def test_column_names_cover_the_tables() -> None:
    assert set(REFERENCE_COLUMNS) | set(READING_COLUMNS) == set(references_t.c.keys())
    assert len(REFERENCE_COLUMNS) == len(set(REFERENCE_COLUMNS))
    assert set(CREATOR_COLUMNS) == set(creators_t.c.keys()) - {"id"}
    assert set(BLOCK_COLUMNS) == set(blocks_t.c.keys()) - {"id"}


def test_sort_key_folds_case_accents_and_braces() -> None:
    # As its docstring says: "Özil" sorts with "Ozil", and braces (BibTeX's case protection)
    # do not count, wherever they are.
    assert sort_key("{Özil} Straße") == sort_key("Ozil Strasse") == "ozil strasse"
    assert sort_key("The {DNA} of {B}ritish reform") == sort_key("The DNA of British reform")
    titles = ["{Z}ebra crossings", "ozil b", "{Ö}zil", "Apple"]
    assert sorted(titles, key=sort_key) == ["Apple", "{Ö}zil", "ozil b", "{Z}ebra crossings"]
    assert sort_key("  “Quoted”") == "quoted”"
    assert sort_key("Ωmega ñ") == "ωmega n"


def items() -> list[Reference | PassthroughBlock]:
    src = SourceRecord("bibtex", "@article{a, title={T}}", "article", [("title", "{T}")], "f.bib", 3, "\n")
    return [
        PassthroughBlock(BlockKind.COMMENT, "% c", "", 1, "f.bib"),
        Reference(
            fields={"title": "T", "date": "2008-03"},
            creators=[Creator(CreatorRole.AUTHOR, "Knox", "Ann")],
            citation_key="a",
            source=src,
        ),
        PassthroughBlock(BlockKind.TRAILER, "\n", "", 5, "f.bib"),
    ]


def test_item_rows_number_within_the_batch_and_pickle_as_plain_data() -> None:
    batch = item_rows(items())
    assert [r[0] for r in batch.refs] == [1] and [b[0] for b in batch.blocks] == [0, 2]
    body = dict(zip(REFERENCE_BODY, batch.refs[0][1:], strict=True))
    assert body["date"] == "2008-03" and body["year"] == 2008 and body["source_fields_json"] != "[]"
    assert [c[0] for c in batch.creators] == [0] and batch.fts[0][0] == 0
    assert pickle.loads(pickle.dumps(batch)) == batch
    assert batch.item_count == 3
    body = dict(zip(REFERENCE_BODY, imported_rows(items()).refs[0][1:], strict=True))
    assert body["source_fields_json"] == "[]"


def test_prepend_goes_before_the_first_item() -> None:
    batch = item_rows(items())
    batch.prepend("tail ")
    assert batch.blocks[0] == (0, "comment", "% c", "tail ", 1)
    refs_first = item_rows(items()[1:])
    refs_first.prepend("x")
    prefix = dict(zip(REFERENCE_BODY, refs_first.refs[0][1:], strict=True))["source_prefix"]
    assert prefix == "x\n"
    trailer = item_rows(items()[2:])
    trailer.prepend("y")
    assert trailer.blocks[0][2] == "y\n"
    empty = RowBatch()
    empty.prepend("z")
    assert empty.blocks == [(0, "trailer", "z", "", 0)] and empty.item_count == 1
