"""Hostile and careless BibTeX (issue 14): @string macros that double or chain, a file that
mixes UTF-8 and windows-1252. Each must be read in bounded memory and say what it refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from tests.read_results import refs

from bibliofile.formats import bibtex_reader
from bibliofile.formats.bibtex_reader import (
    define_macro,
    iter_bibtex_batches,
    read_bibtex,
    read_bibtex_file,
)
from bibliofile.formats.text_encoding import decode_bytes_reporting
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library


def doubling(levels: int) -> str:
    """a0 is 2 characters, a(k) = a(k-1) # a(k-1): a(levels) asks for 2^(levels+1)."""
    lines = ['@string{a0 = "xx"}']
    lines += [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@article{{kept, title = a{levels}, author = {{Doe, Jane}}, year = 2001}}")
    return "\n".join(lines) + "\n"


def chained(n: int) -> str:
    """m(k) = m(k-1) # "x": m(n) is n+1 characters, but the values add up to n^2/2."""
    lines = ['@string{m0 = "x"}']
    lines += [f'@string{{m{i} = m{i - 1} # "x"}}' for i in range(1, n + 1)]
    lines.append(f"@article{{chain, title = m{n}, year = 2002}}")
    return "\n".join(lines) + "\n"


# ---- doubling macros -----------------------------------------------------------------------------


def test_doubling_macros_are_refused_past_the_limit_and_the_entry_is_kept() -> None:
    text = doubling(20)  # ~500 bytes asking for a 2 MiB title (26 levels: 128 MiB)
    result = read_bibtex(text, "bomb.bib")
    limit = bibtex_reader.MACRO_GROWTH * len(text) + bibtex_reader.MACRO_FLOOR
    first_refused = next(k for k in range(21) if 2 ** (k + 1) > limit)
    (ref,) = refs(result)
    assert ref.citation_key == "kept"
    assert ref.title == "a20"  # the refused macro's name, not 2 MiB of x
    assert ref.creators[0].family == "Doe" and ref.fields["date"] == "2001"
    by_line = {p.line: p.message for p in result.problems}
    # line k+1 holds a(k); the first refused names its size, the later ones the refused one
    first = by_line[first_refused + 1]
    assert f"@string 'a{first_refused}' would expand to {2 ** (first_refused + 1):,} characters" in first
    assert "it was not defined" in first
    assert f"uses the @string 'a{first_refused}', which was refused" in by_line[first_refused + 2]
    assert "'title' uses the @string 'a20', which was refused" in by_line[22]
    assert sum("refused" in m or "would expand" in m for m in by_line.values()) == 20 - first_refused + 2


def test_sixty_doubling_levels_finish_with_the_same_message() -> None:
    result = read_bibtex(doubling(60), "bomb.bib")
    (ref,) = refs(result)
    assert ref.title == "a60"
    assert any("would expand to" in p.message for p in result.problems)


def test_macro_text_taken_by_fields_is_capped_for_the_whole_read() -> None:
    """One large (allowed) macro used by many entries would be copied into each of them."""
    big = "y" * 60_000
    entries = "".join(f"@misc{{e{i}, title = big}}\n" for i in range(400))
    text = f"@string{{big = {{{big}}}}}\n{entries}"
    result = read_bibtex(text, "many.bib")
    found = refs(result)
    assert len(found) == 400  # every entry kept
    budget = bibtex_reader.MACRO_GROWTH * len(text) + bibtex_reader.MACRO_FLOOR
    expanded = [r for r in found if r.title == big]
    assert len(expanded) == budget // len(big)
    refused = [r for r in found if r.title == "big"]
    assert len(expanded) + len(refused) == 400
    messages = [p for p in result.problems if "past the" in p.message]
    assert len(messages) == len(refused)
    assert "entry 'e399': field 'title' would take @string 'big' past the limit" in messages[-1].message
    assert messages[-1].line == 401


# ---- chained macros ------------------------------------------------------------------------------


def test_chained_macros_keep_their_full_value() -> None:
    result = read_bibtex(chained(3000), "chain.bib")
    (ref,) = refs(result)
    assert ref.title == "x" * 3001
    assert result.problems == []


def _characters_held(values: list[object]) -> int:
    """Characters of text held by macro values, counting shared parts once."""
    seen: set[int] = set()
    total = 0
    stack = list(values)
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if isinstance(v, str):
            total += len(v)
        else:
            stack.extend(v.parts)  # type: ignore[attr-defined]
    return total


def test_a_chain_of_macros_holds_memory_linear_in_its_length() -> None:
    macros: dict[str, bibtex_reader.MacroValue] = {"m0": "x"}
    n = 20_000
    for i in range(1, n + 1):
        macros[f"m{i}"] = define_macro(f'm{i - 1} # "x"', macros)
    assert bibtex_reader.macro_length(macros[f"m{n}"]) == n + 1
    # Copies would hold n^2/2 = 200 million characters.
    assert _characters_held(list(macros.values())) < 10 * n
    assert str(macros[f"m{n}"]) == "x" * (n + 1)


def test_a_deep_macro_chain_crosses_to_workers_without_recursion() -> None:
    macros: dict[str, bibtex_reader.MacroValue] = {"m0": "y" * 300}
    for i in range(1, 50_001):
        macros[f"m{i}"] = define_macro(f'm{i - 1} # "x"', macros)
    packed = bibtex_reader.MacroPacker().pack(macros, ["gone"])
    back, refused = bibtex_reader.unpack_macros(pickle.loads(pickle.dumps(packed)))
    assert refused == {"gone"}
    assert str(back["m50000"]) == "y" * 300 + "x" * 50_000


@pytest.mark.parametrize("workers", [0, 2])
def test_a_large_file_of_chained_macros_reads_the_same_in_batches(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(bibtex_reader, "SMALL_TEXT", 0)
    # Every tenth entry takes a long chained macro (nodes that must cross to the workers), within
    # the budget of any piece of the file.
    uses = [f"m{3000 + i}" if i % 10 == 0 else f"m{i}" for i in range(300)]
    text = chained(4000) + "".join(f"@misc{{u{i}, title = {m} # {{!}}}}\n" for i, m in enumerate(uses))
    whole = read_bibtex(text, "c.bib")
    batches = list(iter_bibtex_batches(text, "c.bib", workers=workers, batch_entries=50))
    got = [(r.citation_key, r.title) for b in batches for r in refs(b)]
    assert got == [(r.citation_key, r.title) for r in refs(whole)]
    assert got[-10] == ("u290", "x" * 3291 + "!")
    assert got[-1] == ("u299", "x" * 300 + "!")
    assert [p for b in batches for p in b.problems] == whole.problems == []


# ---- a file mixing UTF-8 and windows-1252 --------------------------------------------------------

UTF8_PART = "@article{utf,\n  title = {Café Müller},\n  author = {Łukasz Żółw},\n}\n"
CP1252_PART = "@article{old,\n  title = {Ça va, Zoë},\n  year = 1999,\n  author = {Ørjan Šime},\n}\n"
MIXED = UTF8_PART.encode("utf-8") + CP1252_PART.encode("cp1252") + "@misc{end, note = {Ökonomie}}\n".encode()


def test_a_mixed_file_reads_each_line_in_its_own_encoding_and_names_the_guessed_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.bib"
    path.write_bytes(MIXED)
    result = read_bibtex_file(path)
    utf, old, end = refs(result)
    assert utf.title == "Café Müller"
    assert [c.family for c in utf.creators] == ["Żółw"]
    assert old.title == "Ça va, Zoë"
    assert [c.family for c in old.creators] == ["Šime"]
    assert end.extra or end.fields  # the last UTF-8 line after the guessed ones is UTF-8 again
    assert "Ökonomie" in (end.source.text if end.source else "")
    assert result.encoding == "utf-8"
    guessed = [p for p in result.problems if "not UTF-8" in p.message]
    assert [(p.line, p.message) for p in guessed] == [
        (6, "lines 6-8 are not UTF-8 like the rest of the file and were read as windows-1252 "
            "(a guess); check the accented letters there"),
    ]


def test_a_mixed_file_with_a_windows_1252_header_is_still_read_per_line() -> None:
    data = b"% Encoding: windows-1252\n" + MIXED
    text, encoding, problems = decode_bytes_reporting(data, "h.bib")
    assert "Café Müller" in text and "Ça va, Zoë" in text
    assert encoding == "utf-8"
    assert [p.line for p in problems] == [7]


def test_a_file_all_in_windows_1252_is_not_reported_as_mixed() -> None:
    data = (UTF8_PART + CP1252_PART).encode("cp1252", errors="replace")
    text, encoding, problems = decode_bytes_reporting(data.replace(b"?", b"L"), "old.bib")
    assert encoding == "cp1252"
    assert problems == []
    assert "Café Müller" in text


def test_importing_a_mixed_file_reports_the_guessed_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.bib"
    path.write_bytes(MIXED)
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        report = import_files(lib, [path], workers=0)
        titles = sorted(r.title for r in lib.get_many(report.ids))
    finally:
        lib.close()
    assert titles == ["", "Café Müller", "Ça va, Zoë"]
    assert [(p.file, p.line) for p in report.problems if "not UTF-8" in p.message] == [(str(path), 6)]
