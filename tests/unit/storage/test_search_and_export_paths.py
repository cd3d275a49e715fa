"""The fast paths of search and export give the same answers as the plain ones.

``bibtex_export_items`` hands the writer light References for untouched BibTeX entries,
``type:`` is resolved to item types in Python, and a year sort runs as two queries: each is a
shortcut taken for speed at 100k references, so each is checked here against what it replaces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.model import Creator, Reference
from bibliofile.services.editing import set_field
from bibliofile.services.exporting import export_text
from bibliofile.services.importing import import_files
from bibliofile.storage.library import TRASH, Library

BIB = """% kept comment
@string{jc = "Journal of Comparative Politics"}

@article{knox2008,
  author = {Knox, Colin and M{\\"u}ller, Anna},
  title  = {Political Inertia},
  journal = jc,
  year   = 2008,
}

@proceedings{conf2010,
  title = {Proceedings of the Tenth Conference},
  year  = {2010},
}

@inproceedings{smith1999,
  author = {Smith, John},
  title = {Undated things},
  booktitle = {Proc.},
}

@book{berg2001,
  author = {van der Berg, Hans},
  title = {Inertia and Change},
  publisher = {Polity},
  year = {2001},
}
"""


@pytest.fixture
def imported(library: Library, tmp_path: Path) -> list[int]:
    src = tmp_path / "refs.bib"
    src.write_text(BIB, encoding="utf-8")
    report = import_files(library, [src], workers=1)
    assert report.imported == 4 and not report.problems
    return report.ids


def _full_text(library: Library, ids: list[int] | None, dialect: str) -> str:
    items = library.export_items(ids)
    return write_bibtex(items, dialect=dialect, preserve_layout=ids is None)  # type: ignore[arg-type]


@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_light_export_equals_full_export(library: Library, imported: list[int], dialect: str) -> None:
    # One edited entry and one reference that never came from BibTeX join the untouched ones.
    ref = library.get(imported[0])
    with library.write() as uow:
        uow.update(set_field(ref, "title", "Political Inertia Revisited"), edited=True)
    library.add_references(
        [Reference(fields={"title": "Typed In", "date": "2020"}, creators=[Creator(family="Ng", given="Li")])]
    )
    whole = export_text(library, dialect)  # type: ignore[arg-type]
    assert whole == _full_text(library, None, dialect)
    assert "Political Inertia Revisited" in whole and "Typed In" in whole
    assert whole.startswith("% kept comment\n@string{jc")
    some = [imported[3], imported[0]]
    assert export_text(library, dialect, ids=some) == _full_text(library, some, dialect)  # type: ignore[arg-type]


def test_untouched_import_exports_byte_for_byte(library: Library, imported: list[int]) -> None:
    assert export_text(library, "bibtex") == BIB


def test_type_search_takes_item_types_prefixes_and_bibtex_entry_types(
    library: Library, imported: list[int]
) -> None:
    knox, conf, smith, berg = imported
    assert library.search("type:article-journal") == [knox]
    assert library.search("type:article") == [knox]  # a prefix of article-journal
    assert set(library.search("type:book")) == {berg, conf}  # @proceedings is stored as a book
    assert library.search("type:proceedings") == [conf]  # ... and still found by its BibTeX type
    assert library.search("type:inproceedings") == [smith]
    assert set(library.search("-type:book")) == {knox, smith}
    assert library.search("type:book inertia") == [berg]
    assert library.search("type:nosuchtype") == []


@pytest.mark.parametrize("descending", [False, True])
def test_year_sort_puts_undated_last_both_ways(
    library: Library, imported: list[int], descending: bool
) -> None:
    knox, conf, smith, berg = imported
    dated = [berg, knox, conf]
    expected = [*(reversed(dated) if descending else dated), smith]
    assert library.search("", sort="year", descending=descending) == expected
    # A text search takes the other path (FTS hits, then sorted): the same order.
    assert library.search("in", sort="year", descending=descending) == [
        i for i in expected if i in set(library.search("in"))
    ]


def test_trash_is_searched_apart_on_both_paths(library: Library, imported: list[int]) -> None:
    knox = imported[0]
    with library.write() as uow:
        uow.trash([knox])
    assert knox not in library.search("inertia")
    assert knox not in library.search("", sort="year")
    assert library.search("inertia", scope=TRASH) == [knox]
    assert library.search("", sort="year", scope=TRASH) == [knox]
