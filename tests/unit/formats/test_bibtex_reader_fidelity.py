"""BibTeX reading as real BibTeX reads it (issue 15): a quoted value ending in a backslash, a
field given twice, an entry with an empty key. Where ``bibtex`` is installed, the same fixtures
are also run through it (a tiny .bst that prints the fields) and compared."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.read_results import joined, refs

from bibliofile.formats.bibtex_reader import entry_raw_fields, read_bibtex
from bibliofile.model.creators import Creator
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library

# The exact line research-portal BibTeX exports write (two backslashes before the quote).
PORTAL_LINE = '  author = "Xuran CAI and LAM, \\\\Chun Kit\\\\",'
PORTAL_BIB = (
    "@article{cai2024,\n"
    f"{PORTAL_LINE}\n"
    '  title = "Stable Matching at Scale",\n'
    "  year = 2024\n"
    "}\n"
    "\n"
    "@article{next2024,\n"
    '  author = "Wong, Anna",\n'
    '  title = "The Entry After",\n'
    "  year = 2024\n"
    "}\n"
)

DUPLICATE_BIB = (
    "@article{dup1,\n"  # line 1
    "  author = {Alpha, Ann},\n"
    "  title = {The First Title},\n"  # line 3
    "  Author = {Beta, Bob},\n"  # line 4: the same field in another case
    "  title = {The Second Title},\n"  # line 5
    "  year = 1999\n"
    "}\n"
)

EMPTY_KEY_BIB = (
    "% exported by a tool that writes no keys\n"
    "@misc{,\n"
    "  author = {Name},\n"
    "  booktitle = {Test Title},\n"
    "  pages = {--11},\n"
    "  year = {2000}\n"
    "}\n"
)


# ---- a quoted value ending in a backslash --------------------------------------------------------


def test_a_quoted_value_ending_in_a_backslash_keeps_the_entry_and_the_next() -> None:
    result = read_bibtex(PORTAL_BIB, "portal.bib")
    assert result.problems == []
    cai, following = refs(result)
    assert cai.citation_key == "cai2024"
    assert cai.title == "Stable Matching at Scale"
    assert cai.creators == [Creator(family="CAI", given="Xuran"), Creator(family="LAM", given="Chun Kit")]
    assert following.citation_key == "next2024"
    assert following.title == "The Entry After"
    assert joined(result) == PORTAL_BIB  # every byte kept, backslashes included
    assert cai.source is not None and PORTAL_LINE in cai.source.text


def test_a_single_backslash_before_the_closing_quote_ends_the_value_too() -> None:
    text = '@article{k,\n  author = "Lam, Kit\\",\n  title = {T}\n}\n'
    (ref,) = refs(read_bibtex(text))
    assert ref.creators == [Creator(family="Lam", given="Kit")]
    assert ref.title == "T"


def test_a_string_macro_ending_in_a_backslash_is_defined() -> None:
    text = '@string(dir = "C:\\")\n@misc{k, howpublished = dir, title = {After}}\n'
    result = read_bibtex(text)
    (ref,) = refs(result)
    assert ref.title == "After"
    assert result.problems == []
    assert joined(result) == text


def test_an_escaped_quote_inside_braces_or_mid_word_is_still_a_letter() -> None:
    # A quote inside braces is a letter for BibTeX; `\"` before a letter is an umlaut that
    # bibtexparser reads leniently. Neither may end the value.
    text = (
        '@article{k,\n  title = "A {\\"}, b",\n  author = "M\\"uller, Hans",\n  year = 2001\n}\n'
    )
    (ref,) = refs(read_bibtex(text))
    assert ref.fields["date"] == "2001"
    assert ref.creators == [Creator(family="Müller", given="Hans")]
    assert ref.title.startswith("A ") and ref.title.endswith(" b")  # one value, not cut at the quote


def test_entry_raw_fields_reads_the_backslash_value_whole() -> None:
    fields = entry_raw_fields(PORTAL_BIB.split("\n\n")[0])
    assert fields[0] == ("author", '"Xuran CAI and LAM, \\\\Chun Kit\\\\"')
    assert [name for name, _ in fields] == ["author", "title", "year"]


# ---- a field given twice -------------------------------------------------------------------------


def test_a_duplicated_field_is_imported_with_the_first_value_and_reported() -> None:
    result = read_bibtex(DUPLICATE_BIB, "dup.bib")
    (ref,) = refs(result)
    assert ref.title == "The First Title"
    assert ref.creators == [Creator(family="Alpha", given="Ann")]  # not Ann and Bob
    assert ref.fields["date"] == "1999"
    assert "title" not in ref.extra and "author" not in ref.extra  # no field moved elsewhere
    assert joined(result) == DUPLICATE_BIB
    by_line = {p.line: p.message for p in result.problems}
    assert sorted(by_line) == [4, 5]
    assert "'Author' is given again (first at line 2)" in by_line[4]
    assert "'title' is given again (first at line 3)" in by_line[5]
    assert all("dup1" in m and "BibTeX uses the first" in m for m in by_line.values())


def test_entry_raw_fields_of_a_duplicated_entry_keeps_every_field() -> None:
    names = [name for name, _ in entry_raw_fields(DUPLICATE_BIB)]
    assert names == ["author", "title", "Author", "title", "year"]


# ---- an empty key ------------------------------------------------------------------------------


def test_an_empty_key_entry_keeps_its_text_and_field_names(tmp_path: Path) -> None:
    """The library gives it a key; the kept text and the raw field names stay as written
    (``booktitle`` of a @misc is not renamed, so a write-back can keep it)."""
    result = read_bibtex(EMPTY_KEY_BIB)
    (ref,) = refs(result)
    assert ref.citation_key == ""
    assert joined(result) == EMPTY_KEY_BIB
    path = tmp_path / "nokey.bib"
    path.write_bytes(EMPTY_KEY_BIB.encode())
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        report = import_files(lib, [path], workers=0)
        (stored,) = lib.get_many(report.ids)
    finally:
        lib.close()
    assert stored.citation_key  # generated
    assert stored.source is not None
    assert stored.source.text == EMPTY_KEY_BIB[EMPTY_KEY_BIB.index("@") :].rstrip("\n")
    raw_names = [name for name, _ in entry_raw_fields(stored.source.text)]
    assert raw_names == ["author", "booktitle", "pages", "year"]


# ---- against real BibTeX -------------------------------------------------------------------------

SHOW_BST = r"""ENTRY { author title } {} {}
INTEGERS { nameptr numnames }
FUNCTION {not} { { #0 } { #1 } if$ }
FUNCTION {show}
{ "key=[" cite$ * "]" * write$ newline$
  "title=[" title * "]" * write$ newline$
  author empty$ 'skip$
  { author num.names$ 'numnames :=
    #1 'nameptr :=
    { nameptr numnames > not }
    { "name=[" author nameptr "{vv~}{ll}" format.name$ * "]" * write$ newline$
      nameptr #1 + 'nameptr := }
    while$ }
  if$
}
FUNCTION {article} { show }
FUNCTION {misc} { show }
FUNCTION {default.type} { show }
READ
ITERATE {call.type$}
"""


def _bibtex(tmp_path: Path, text: str) -> tuple[str, str]:
    (tmp_path / "t.bib").write_text(text, encoding="utf-8")
    (tmp_path / "show.bst").write_text(SHOW_BST, encoding="ascii")
    (tmp_path / "t.aux").write_text("\\citation{*}\n\\bibdata{t}\n\\bibstyle{show}\n", encoding="ascii")
    env = {"BIBINPUTS": ".", "BSTINPUTS": ".", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(["bibtex", "t"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    return (tmp_path / "t.bbl").read_text(encoding="utf-8"), run.stdout


needs_bibtex = pytest.mark.skipif(shutil.which("bibtex") is None, reason="real bibtex is not installed")


@needs_bibtex
def test_real_bibtex_reads_the_backslash_entry_as_we_do(tmp_path: Path) -> None:
    bbl, log = _bibtex(tmp_path, PORTAL_BIB)
    assert "error message" not in log
    assert "key=[cai2024]" in bbl and "key=[next2024]" in bbl
    ours = refs(read_bibtex(PORTAL_BIB))
    assert [f"name=[{c.family}]" for c in ours[0].creators] == ["name=[CAI]", "name=[LAM]"]
    assert "name=[CAI]\nname=[LAM]" in bbl
    assert f"title=[{ours[0].title}]" in bbl


@needs_bibtex
def test_real_bibtex_takes_the_first_of_a_duplicated_field(tmp_path: Path) -> None:
    bbl, log = _bibtex(tmp_path, DUPLICATE_BIB)
    assert "ignoring dup1's extra" in log
    (ref,) = refs(read_bibtex(DUPLICATE_BIB))
    assert f"title=[{ref.title}]" in bbl
    assert [f"name=[{c.family}]" for c in ref.creators] == ["name=[Alpha]"]
    assert "name=[Alpha]" in bbl and "Beta" not in bbl
