"""BibTeX exports mean what the library holds, whatever the values hold.

A value with ``\\n@misc{evil, ...}`` must not forge an entry, a key like ``k,x}\\n@misc{evil2,``
must not either, ``\\}`` must come back as ``\\}``, and fields kept from RIS (``ris:AD``) must
be written so that real ``bibtex`` reads every export without an error. The property tests
check export -> import for hostile text in BibTeX and CSL-JSON; the expected text is what BibTeX
itself makes of a value (its white-space rules), written here from its documentation.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.bibtex_writer import format_entry, write_bibtex
from bibliofile.formats.csl_json import read_csl_json, write_csl_json
from bibliofile.formats.ris import read_ris
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference, SourceRecord

TEXT_FIELDS = ("title", "note", "abstract", "publisher", "container_title")


def refs_of(text: str) -> list[Reference]:
    return [i for i in read_bibtex(text).items if isinstance(i, Reference)]


def bibtex_reading(value: str) -> str:
    """What BibTeX can carry of a value (Tame the BeaST, "white space"): a blank line stays a
    paragraph break, any other line break is a space, CR is a line break, control characters
    are nothing to it, and the ends are trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(c for c in value if c in "\t\n" or unicodedata.category(c) != "Cc")
    paragraphs = re.split(r"[ \t]*\n[ \t]*(?:\n[ \t]*)+", value)
    return "\n\n".join(re.sub(r"[ \t]*\n[ \t]*", " ", p) for p in paragraphs).strip()


# --- the reported cases ------------------------------------------------------------------------


def test_a_value_cannot_start_an_entry_of_its_own() -> None:
    for value in ("x\n@misc{evil, title={Evil}}", "x\n\n@misc{evil, title={Evil}}", "}\n@misc{evil,"):
        ref = Reference(fields={"title": value}, citation_key="k")
        back = refs_of(write_bibtex([ref]))
        assert [r.citation_key for r in back] == ["k"], value
        assert back[0].fields["title"] == bibtex_reading(value)


def test_a_key_that_would_forge_an_entry_is_cleaned_and_reported() -> None:
    notes: list[str] = []
    ref = Reference(fields={"title": "T"}, citation_key="k,x}\n@misc{evil2,")
    out = write_bibtex([ref], notes=notes)
    back = refs_of(out)
    assert len(back) == 1 and back[0].fields == {"title": "T"}
    assert "," not in back[0].citation_key and "}" not in back[0].citation_key
    assert any("citation key" in n for n in notes)


def test_escaped_brace_comes_back_as_written() -> None:
    for value in ("a \\} b", "\\{", "lone } and { here", "} {", "{balanced}", "x\\"):
        ref = Reference(fields={"title": value, "note": value}, citation_key="k")
        (back,) = refs_of(write_bibtex([ref]))
        assert back.fields == {"title": value, "note": value}, value


def test_what_bibtex_cannot_carry_is_reported() -> None:
    notes: list[str] = []
    ref = Reference(fields={"title": "nul\x00here", "note": " a\nb "}, citation_key="k")
    (back,) = refs_of(write_bibtex([ref], notes=notes))
    assert back.fields == {"title": "nulhere", "note": "a b"}
    assert any("'title'" in n and "control" in n for n in notes)
    assert any("'note'" in n and "line break" in n for n in notes)


def test_a_megabyte_of_hostile_text_comes_back() -> None:
    chunk = "a\\} {b} @c %d #e $f &g _h ~i \u200fj ER  - k --l ``m'' "
    value = (chunk * (1_000_000 // len(chunk))).strip()
    ref = Reference(fields={"abstract": value}, citation_key="big")
    (back,) = refs_of(write_bibtex([ref]))
    assert back.fields["abstract"] == value


# --- property: hostile values survive BibTeX and CSL-JSON ---------------------------------------

HOSTILE = st.sampled_from(
    ["\n", "\r", "\r\n", "\n\n", "@", "@misc{evil, title={Evil}}", "{", "}", "\\", "\\}", "\\{",
     "ER  - ", "TY  - JOUR", "%", "\x00", "\u200f", "\u202e", "#", "$", "&", "_", "~", "^", '"',
     "--", "``", "''", "\t", " ", "\\textbf{x}", "=", ","]
)
PLAIN = st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=12)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE, PLAIN), min_size=1, max_size=12).map("".join)
KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789:-_", min_size=1, max_size=12)


@st.composite
def hostile_refs(draw: st.DrawFn) -> Reference:
    fields = {k: draw(HOSTILE_TEXT) for k in draw(st.sets(st.sampled_from(TEXT_FIELDS), min_size=1))}
    return Reference(item_type="book", fields=fields, citation_key=draw(KEY))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ref=hostile_refs(), dialect=st.sampled_from(["bibtex", "biblatex"]))
def test_hostile_values_survive_bibtex_export_and_import(ref: Reference, dialect: str) -> None:
    notes: list[str] = []
    out = write_bibtex([ref], dialect=dialect, notes=notes)  # type: ignore[arg-type]
    back = refs_of(out)
    assert [r.citation_key for r in back] == [ref.citation_key]
    # (a value with nothing BibTeX can carry is left out, and said so)
    expected = {k: bibtex_reading(v) for k, v in ref.fields.items() if bibtex_reading(v) or not v}
    assert back[0].fields == expected
    changed = [k for k, v in ref.fields.items() if bibtex_reading(v) != v]
    for key in changed:
        assert any(f"'{key}'" in n or "container" in key or "publisher" in key for n in notes), (key, notes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ref=hostile_refs())
def test_hostile_values_survive_csl_json_export_and_import(ref: Reference) -> None:
    ref.creators = [Creator(family="Knox", given="Ada")]
    result = read_csl_json(write_csl_json([ref]))
    (back,) = [i for i in result.items if isinstance(i, Reference)]
    assert back.fields == ref.fields


# --- real bibtex reads every export -------------------------------------------------------------

# A style that prints each entry's key and fields, and defines a function for every entry type
# (default.type), so the only messages bibtex can give are about the .bib itself.
DUMP_BST = """ENTRY { title note abstract publisher journal booktitle author } {} {}
FUNCTION {show} { duplicate$ missing$ { pop$ "" } 'skip$ if$ }
FUNCTION {default.type} {
  "KEY " cite$ * write$ newline$
  "TITLE " title show * write$ newline$
  "NOTE " note show * write$ newline$
  "ABSTRACT " abstract show * write$ newline$
}
READ
ITERATE {call.type$}
"""
# bibtex warns (at READ) about entry types the style has no function for, even with default.type.
DUMP_BST = DUMP_BST.replace("READ\n", "".join(
    f"FUNCTION {{{t}}} {{ default.type }}\n"
    for t in ("article", "book", "booklet", "inbook", "incollection", "inproceedings", "manual",
              "mastersthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished",
              "online", "report", "thesis", "collection", "periodical", "dataset", "software")
) + "READ\n")

RIS = """TY  - JOUR
AU  - Rossi, Maria
TI  - Un titolo {con} graffe } e % percento
AD  - Dipto. di Fisica, Università di Pisa, Largo B. Pontecorvo 3
AD  - Second line, with "quotes" and = signs
N1  - Note line one
N1  - @misc{evil, title={Evil}}
C1  - custom {one
PY  - 2020
ER  -

TY  - BOOK
AU  - Müller, Jörg
TI  - Zweites Buch
CY  - Berlin # Wien
ZZ  - unknown tag: value, with comma
ER  -
"""


def run_bibtex(folder: Path, bib: str) -> tuple[int, str, str]:
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    (folder / "dump.bst").write_text(DUMP_BST, encoding="utf-8")
    (folder / "job.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{dump}\n", encoding="utf-8")
    env = {**os.environ, "BIBINPUTS": ".", "BSTINPUTS": "."}
    done = subprocess.run(["bibtex", "job"], cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    blg = (folder / "job.blg").read_text(encoding="utf-8", errors="replace")
    bbl = (folder / "job.bbl").read_text(encoding="utf-8", errors="replace") if (folder / "job.bbl").exists() else ""
    return done.returncode, blg, bbl


def hostile_library() -> list[Reference]:
    values = [
        "x\n@misc{evil, title={Evil}}", "a \\} b", "lone } brace", "lone { brace", "50% off #1 & $2",
        "back\\slash", "nul\x00here", "\u200fRTL\u202e", "ER  - \nTY  - JOUR", "{\\em x}", "a~b--c",
        'say "hi"',
    ]
    refs = [
        Reference(item_type="book", fields={"title": v, "note": v, "abstract": v}, citation_key=f"h{i}",
                  creators=[Creator(family="Knox", given="Ada")])
        for i, v in enumerate(values)
    ]
    refs.append(Reference(fields={"title": "Key"}, citation_key="k,x}\n@misc{evil2,"))
    refs.append(Reference(fields={"title": "Names"}, citation_key="names", creators=[
        Creator(family="x}\n@misc{evil,", given="A\\"), Creator.institution("{Lone brace Inc.")]))
    ris = [i for i in read_ris(RIS, "in.ris").items if isinstance(i, Reference)]
    assert ris and any(r.extra for r in ris)
    for n, r in enumerate(ris):
        r.citation_key = r.citation_key or f"ris{n}"  # as an import gives every reference a key
    return refs + ris


needs_bibtex = pytest.mark.skipif(shutil.which("bibtex") is None, reason="real bibtex is not installed")


@needs_bibtex
@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_real_bibtex_reads_hostile_and_ris_exports_without_a_complaint(tmp_path: Path, dialect: str) -> None:
    refs = hostile_library()
    out = write_bibtex(refs, dialect=dialect)  # type: ignore[arg-type]
    code, blg, bbl = run_bibtex(tmp_path, out)
    complaints = [
        line for line in blg.splitlines()
        if re.search(r"I was expecting|I'm ignoring|Warning|[Ee]rror|illegal|unbalanced|Sorry|Repeated entry", line)
    ]
    assert code == 0 and complaints == [], blg
    keys = re.findall(r"^KEY (.*)$", bbl, re.MULTILINE)
    ours = refs_of(out)
    assert keys == [r.citation_key for r in ours] and len(keys) == len(refs)
    # bibtex and our reader see the same raw title for every entry (white space aside).
    titles = [" ".join(t.split()) for t in re.findall(r"^TITLE ?(.*?)\nNOTE\b", bbl, re.MULTILINE | re.DOTALL)]
    raw = {r.citation_key: dict((n.lower(), v) for n, v in r.source.raw_fields) for r in ours if r.source}
    assert titles == [" ".join(raw[k]["title"][1:-1].split()) for k in keys]


@needs_bibtex
def test_real_bibtex_reads_every_extra_field_braced(tmp_path: Path) -> None:
    (ref,) = [r for r in read_ris(RIS, "in.ris").items if isinstance(r, Reference) and "ris:ad" in {k.lower() for k in r.extra}][:1]
    out = format_entry(ref)
    assert re.search(r"^  ris:AD = \{", out, re.MULTILINE | re.IGNORECASE), out
    code, blg, _ = run_bibtex(tmp_path, out)
    assert code == 0, blg


def test_extra_fields_from_other_formats_come_back_as_their_text() -> None:
    src = SourceRecord("ris", "")
    ref = Reference(fields={"title": "T"}, citation_key="k", source=src,
                    extra={"ris:AD": "Dipto. di Fisica {x", "portal:country": "Italy"})
    (back,) = refs_of(write_bibtex([ref]))
    assert set(back.extra) == {"ris:ad", "portal:country"}
    assert back.extra["portal:country"] == "{Italy}"


@needs_bibtex
def test_records_with_the_same_or_no_key_are_all_read_by_bibtex(tmp_path: Path) -> None:
    ris = "TY  - JOUR\nID  - 12345\nTI  - One\nER  -\n\nTY  - JOUR\nID  - 12345\nTI  - Two\nER  -\n\nTY  - GEN\nER  -\n"
    refs = [i for i in read_ris(ris, "in.ris").items if isinstance(i, Reference)]
    for n, r in enumerate(refs):
        r.id = n + 1
    notes: list[str] = []
    out = write_bibtex(refs, notes=notes)
    keys = [r.citation_key for r in refs_of(out)]
    assert len(set(keys)) == 3 and all(keys)
    assert len(notes) == 2
    code, blg, _ = run_bibtex(tmp_path, out)
    assert code == 0 and "Repeated entry" not in blg, blg


def test_a_name_cannot_start_an_entry_or_end_its_field() -> None:
    people = [Creator(family="x}\n@misc{evil,", given="A\\"), Creator.institution("{Lone brace Inc.")]
    ref = Reference(fields={"title": "T"}, creators=people, citation_key="k")
    back = refs_of(write_bibtex([ref]))
    assert [r.citation_key for r in back] == ["k"] and back[0].fields == {"title": "T"}
    assert len(back[0].creators) == 2
