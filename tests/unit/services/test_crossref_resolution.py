"""Crossref/xdata children leave the library with what they inherit (issue 15).

A chapter that says only ``crossref = {book}`` cites, exports to RIS and CSL-JSON, and shows with
its book's author and publisher, by BibLaTeX's inheritance rules; the BibTeX export keeps the
entry as it was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.citeproc_skip import needs_citeproc

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.crossref import resolve_crossref
from bibliofile.model.creators import CreatorRole
from bibliofile.model.reference import Reference
from bibliofile.services import inheritance
from bibliofile.services.citation_payload import PayloadCache
from bibliofile.services.citing import cite
from bibliofile.services.editing import copy_reference
from bibliofile.services.exporting import export_text
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library

BIB = r"""@book{okonkwo2011,
  author = {Okonkwo, Adaeze},
  title = {Rivers of the North},
  subtitle = {A Survey},
  publisher = {Harbour Press},
  location = {Lagos},
  year = {2011},
  doi = {10.1000/whole-book},
}

@inbook{okonkwo2011delta,
  crossref = {okonkwo2011},
  title = {The Delta},
  chapter = {3},
  pages = {40--61},
}

@collection{berg2014,
  editor = {Berg, Jonas},
  title = {Water and Land},
  publisher = {Riverside},
  year = {2014},
}

@incollection{diallo2014,
  author = {Diallo, Amara},
  title = {Floods},
  crossref = {berg2014},
  pages = {1--9},
}

@mvbook{haddad1986,
  author = {Haddad, Samir},
  title = {Collected Works},
  publisher = {Cedar Books},
  year = {1986},
}

@book{haddad1986a,
  crossref = {haddad1986},
  title = {Early Essays},
  volume = {1},
}

@xdata{cedar,
  publisher = {Xdata Press},
  location = {Oslo},
}

@article{lund2020,
  author = {Lund, Britt},
  title = {Ice},
  journaltitle = {Polar Notes},
  year = {2020},
  xdata = {cedar},
}
"""


def _by_key() -> dict[str, Reference]:
    refs = [r for r in read_bibtex(BIB, "crossref.bib").items if isinstance(r, Reference)]
    return {r.citation_key: r for r in refs}


def _names(ref: Reference, role: CreatorRole) -> list[str]:
    return [c.family for c in ref.creators if c.role is role]


def test_a_book_chapter_inherits_the_author_as_author_and_book_author() -> None:
    refs = _by_key()
    chapter = resolve_crossref(refs["okonkwo2011delta"], refs)
    assert _names(chapter, CreatorRole.AUTHOR) == ["Okonkwo"]
    assert _names(chapter, CreatorRole.BOOK_AUTHOR) == ["Okonkwo"]
    assert chapter.fields["container_title"] == "Rivers of the North: A Survey"
    assert chapter.fields["publisher"] == "Harbour Press"
    assert chapter.fields["publisher_place"] == "Lagos"
    assert chapter.fields["date"] == "2011"
    assert chapter.fields["title"] == "The Delta" and chapter.fields["pages"] == "40–61"
    assert "doi" not in chapter.fields  # the book's DOI is not the chapter's
    assert refs["okonkwo2011delta"].creators == []  # the stored entry is untouched


def test_a_collection_chapter_keeps_its_author_and_gains_the_editors() -> None:
    refs = _by_key()
    chapter = resolve_crossref(refs["diallo2014"], refs)
    assert _names(chapter, CreatorRole.AUTHOR) == ["Diallo"]
    assert _names(chapter, CreatorRole.EDITOR) == ["Berg"]
    assert _names(chapter, CreatorRole.BOOK_AUTHOR) == []
    assert chapter.fields["container_title"] == "Water and Land"
    assert chapter.fields["publisher"] == "Riverside"


def test_a_volume_of_a_multivolume_book_gets_the_main_title_not_a_book_title() -> None:
    refs = _by_key()
    volume = resolve_crossref(refs["haddad1986a"], refs)
    assert _names(volume, CreatorRole.AUTHOR) == ["Haddad"]
    assert _names(volume, CreatorRole.BOOK_AUTHOR) == []  # only in* children get a book author
    assert volume.extra["maintitle"] == "{Collected Works}"
    assert "container_title" not in volume.fields
    assert volume.fields["title"] == "Early Essays"
    assert volume.fields["publisher"] == "Cedar Books"


def test_xdata_fields_are_inherited() -> None:
    refs = _by_key()
    article = resolve_crossref(refs["lund2020"], refs)
    assert article.fields["publisher"] == "Xdata Press"
    assert article.fields["container_title"] == "Polar Notes"


def test_a_single_parent_may_be_given_instead_of_a_mapping() -> None:
    """The form ``services.editing.inherited_fields`` calls (child, parent)."""
    refs = _by_key()
    chapter = resolve_crossref(refs["okonkwo2011delta"], refs["okonkwo2011"])
    assert chapter.fields["publisher"] == "Harbour Press"


@pytest.fixture
def filled(tmp_path: Path, library: Library) -> tuple[Library, Path, dict[str, int]]:
    bib = tmp_path / "crossref.bib"
    bib.write_text(BIB, encoding="utf-8")
    report = import_files(library, [bib], workers=1)
    ids = {r.citation_key: r.id for r in library.get_many(report.ids) if r.id is not None}
    return library, bib, ids


def test_csl_json_export_carries_the_inherited_names_and_publisher(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, _, ids = filled
    items = json.loads(export_text(library, "csl-json", ids=[ids["okonkwo2011delta"]]))
    [item] = items
    assert [n["family"] for n in item["author"]] == ["Okonkwo"]
    assert [n["family"] for n in item["container-author"]] == ["Okonkwo"]
    assert item["publisher"] == "Harbour Press"
    assert item["container-title"] == "Rivers of the North: A Survey"


def test_ris_export_carries_the_inherited_author_and_publisher(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, _, ids = filled
    ris = export_text(library, "ris", ids=[ids["okonkwo2011delta"]])
    lines = ris.splitlines()
    assert "AU  - Okonkwo, Adaeze" in lines
    assert "PB  - Harbour Press" in lines


def test_bibtex_export_writes_the_entries_as_they_were_written(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, bib, ids = filled
    assert export_text(library, "bibtex") == bib.read_text(encoding="utf-8")
    child = export_text(library, "biblatex", ids=[ids["okonkwo2011delta"]])
    assert "crossref" in child and "Harbour Press" not in child and "Okonkwo" not in child


def test_the_detail_pane_is_told_the_inherited_fields_and_names(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, _, ids = filled
    fields, names = inheritance.inherited_values(library, library.get(ids["okonkwo2011delta"]))
    assert fields["publisher"] == "Harbour Press"
    assert fields["container_title"] == "Rivers of the North: A Survey"
    assert [(c.family, c.role) for c in names] == [
        ("Okonkwo", CreatorRole.AUTHOR), ("Okonkwo", CreatorRole.BOOK_AUTHOR)
    ]
    assert inheritance.inherited_values(library, library.get(ids["okonkwo2011"])) == ({}, [])


@needs_citeproc
def test_a_citation_of_the_chapter_names_its_author(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, bib, _ = filled
    from_library = cite(library, keys=["okonkwo2011delta"], style="apa", fmt="text")
    assert from_library.startswith("Okonkwo, A. (2011). The Delta.")
    assert "Harbour Press" in from_library
    assert cite(None, bib, keys=["okonkwo2011delta"], style="apa", fmt="text") == from_library


@needs_citeproc
def test_the_drag_payload_cites_resolved_but_carries_bibtex_as_stored(filled: tuple[Library, Path, dict[str, int]]) -> None:
    library, _, ids = filled
    rid = ids["okonkwo2011delta"]
    edited = copy_reference(library.get(rid))
    edited.fields["pages"] = "40--62"
    with library.write() as uow:
        uow.update(edited)  # marked edited: the BibTeX is written from its fields, not its text
    assert library.get(rid).edited
    payload = PayloadCache().build(library, [rid], "apa", None, citation=False)
    assert "Okonkwo" in payload.text and "Harbour Press" in payload.csl_json
    assert "crossref" in payload.bibtex and "Harbour Press" not in payload.bibtex
