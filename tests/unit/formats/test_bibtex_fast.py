"""The fast entry scanner gives exactly bibtexparser's result: on every .bib of the shared
corpus, and on hand-picked entries at each edge of what it accepts (issue 22)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.bibtex_blocks import fast_split, mismatch

from bibliofile.formats.bibtex_fast import MAX_DEPTH, ScannedEntry
from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.text_encoding import decode_bytes
from bibliofile.model.problems import UnreadableFileError

# The shared third-party corpus sits beside the checkout (../shared), never inside it.
CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def corpus_files() -> list[Path]:
    files = sorted(CORPUS.rglob("*.bib")) if CORPUS.is_dir() else []
    if not files:
        why = f"no .bib files under {CORPUS}: the shared corpus sits beside the checkout"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(why)
        pytest.skip(why)
    return files


def test_every_corpus_entry_reads_as_bibtexparser_reads_it(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files()
    wrong: list[str] = []
    fast = pieces = blocks = 0
    for path in files:
        try:
            text, _ = decode_bytes(path.read_bytes(), str(path))
        except UnreadableFileError:
            continue
        why = mismatch(text)
        if why:
            wrong.append(f"{path.relative_to(CORPUS)}: {why}")
        split = fast_split(text)
        fast += split.fast
        pieces += split.fallback_pieces
        blocks += len(split.blocks)
    with capsys.disabled():
        print(
            f"\n[bibtex_fast] {len(files)} corpus files: {fast} entries took the fast path, "
            f"{pieces} pieces went to bibtexparser, {blocks} blocks in all"
        )
    assert not wrong, "\n".join(wrong)
    assert fast > 1000  # the corpus holds ~2,000 plain entries: the fast path must take them


ENTRY = "@article{key1,\n  author = {Smith, J.},\n  title = {A {B} c},\n  year = 2001,\n  journal = jn,\n}\n"

# Each is read by both and must agree; the number is how many entries the fast path must take.
CASES: dict[str, tuple[str, int]] = {
    "plain": (ENTRY, 1),
    "no trailing comma": ("@book{k, title = {T}, year = {2000}}", 1),
    "quoted and concatenated": ('@misc{k, title = "A " # jn # {B}, note = "x, {y} }z"}', 1),
    "empty field list": ("@misc{k,\n}", 1),
    "upper-case type and spaces": ("@ARTICLE \t{ k ,\n title\t=\t{x} , }", 1),
    "blank lines and comments between": (f"% head\n{ENTRY}\nsome words\n\n{ENTRY}trailing", 2),
    "mid-line block start inside a value": ("@misc{k, note = {see @misc{x}}}", 1),
    "line-start block start inside a value": ("@misc{k, note = {see\n@misc{x}}, year = 1}\n", 0),
    "backslashed braces": ("@misc{k, title = {a \\{ b}, note = {c \\} d}}}", 1),
    "backslash before a line break": ("@misc{k, title = {a \\\nb},\n year = 2}\n@misc{j, year = 3}", 2),
    "escaped quote in a quoted value": ('@misc{k, title = "M{\\"u}ller \\" x", year = 1}', 1),
    "quote after a brace": ('@misc{k, title = "a{"}b", year = 1}', 0),
    "repeated field": ("@misc{k, title = {a}, Title = {b}}\n", 0),
    "repeated key": (f"{ENTRY}{ENTRY}", 2),
    "parenthesised entry": ("@misc(k, title = {a})\n@misc{j, year = 1}", 1),
    "string preamble comment": ('@string{jn = "J"}\n@preamble{"x"}\n@comment{c}\n' + ENTRY, 1),
    "commentary is a comment": ("@commentary{k, title = {a}}", 0),
    "key only": ("@misc{k}\n" + ENTRY, 1),
    "no key": ("@misc{, title = {a}}", 1),
    "empty type": ("@{k, title = {a}}", 1),
    "empty field name": ("@misc{k, = {a}}", 1),
    "missing value end": ("@misc{k, title = {a}\n@misc{j, year = 1}", 1),
    "missing equals": ("@misc{k, title {a}}\n@misc{j, year = 1}", 1),
    "dangling name": ("@misc{k, title = {a}, year }\n" + ENTRY, 1),
    "unclosed quote": ('@misc{k, title = "a}\n\n@misc{j, year = 1}', 1),
    "deep nesting": ("@misc{k, title = " + "{" * (MAX_DEPTH + 1) + "x" + "}" * (MAX_DEPTH + 1) + "}", 0),
    "nesting at the limit": ("@misc{k, title = " + "{" * MAX_DEPTH + "x" + "}" * MAX_DEPTH + "}", 1),
    "stray closing brace ends the entry": ("@misc{k, title = a}b}, year = 1}\n" + ENTRY, 2),
    "unicode whitespace and names": ("@misc{k,\u00a0títle\u2003=\u00a0{é}\u2003}", 1),
    "CRLF lines": (ENTRY.replace("\n", "\r\n") * 2, 2),
    "at end of file, unclosed": ("@misc{k, title = {a", 0),
    "string aborted by the next block": ('@string{jn = "J\n@misc{j, year = 1}', 1),
    "closing quote before value end": ('@misc{k, author = "LAM, \\\\Chun Kit\\\\", year = 1}', 0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_edge_cases_agree_with_bibtexparser(name: str) -> None:
    text, fast = CASES[name]
    assert mismatch(text) == ""
    assert fast_split(text).fast == fast


def test_scanned_entry_keeps_type_key_fields_and_lines() -> None:
    split = fast_split("\n\n" + ENTRY)
    entry = split.blocks[0]
    assert isinstance(entry, ScannedEntry)
    assert (entry.entry_type, entry.key, entry.start_line) == ("article", "key1", 2)
    assert entry.raw == ENTRY.rstrip("\n")
    assert entry.raw_fields == [("author", "{Smith, J.}"), ("title", "{A {B} c}"), ("year", "2001"), ("journal", "jn")]
    assert entry.field_lines() == [3, 4, 5, 6]


def test_repeated_field_problem_names_its_line() -> None:
    result = read_bibtex("@misc{a, year = 1}\n\n@misc{k,\n  title = {a},\n  TITLE = {b}}\n")
    assert [(p.line, "'TITLE' is given again (first at line 4)" in p.message) for p in result.problems] == [(5, True)]
