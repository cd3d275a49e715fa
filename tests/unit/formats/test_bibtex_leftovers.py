"""Leftovers of issues 14 and 15 in BibTeX writing: a .bib with no entries (only comments,
@string, @preamble) is kept and written back as it was, and an edited entry from a file of
doubling @string macros exports in bounded time and memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bibliofile
from bibliofile.formats.bibtex_reader import read_bibtex
from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.formats.detect import detect_format
from bibliofile.model.reference import Reference
from bibliofile.services.editing import set_field
from bibliofile.services.exporting import export_to_file
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library

COMMENT_ONLY = {
    "jabref-empty": b"% Encoding: UTF-8\n",
    "jabref-empty-bom": b"\xef\xbb\xbf% Encoding: UTF-8\n\n",
    "comment-lines": b"% Bibliography of the project\n%   (kept by hand)\n\n% end\n",
    "blocks": (
        b"% Encoding: UTF-8\n\n@preamble{\"\\newcommand{\\noopsort}[1]{}\"}\n\n"
        b"@string{jcr = {Journal of Cancer Research}}\n@comment{jabref-meta: databaseType:bibtex;}\n"
    ),
}


@pytest.fixture
def lib(tmp_path: Path):
    library = Library.open(tmp_path / "lib.sqlite")
    yield library
    library.close()


@pytest.mark.parametrize("name", sorted(COMMENT_ONLY))
def test_a_file_with_no_entries_is_kept_and_written_back_byte_for_byte(lib: Library, tmp_path: Path, name: str) -> None:
    data = COMMENT_ONLY[name]
    bib = tmp_path / f"{name}.bib"
    bib.write_bytes(data)
    report = import_files(lib, [bib], workers=1)
    assert report.unreadable == [] and report.formats == {str(bib): "bibtex"} and report.imported == 0
    (notice,) = report.problems
    assert notice.file == str(bib) and notice.message.startswith("no references; its ")
    assert notice.message.endswith("kept and written back")
    out = tmp_path / "out.bib"
    export_to_file(lib, out)
    assert out.read_bytes() == data


def test_the_notice_counts_the_blocks(lib: Library, tmp_path: Path) -> None:
    bib = tmp_path / "three.bib"
    bib.write_text("@string{a = {A}}\n@preamble{\"p\"}\n@comment{c}\n", encoding="utf-8")
    (notice,) = import_files(lib, [bib], workers=1).problems
    assert notice.message == "no references; its 3 blocks are kept and written back"


@pytest.mark.parametrize(
    "text",
    [
        "% a comment\nsome words that are not a reference\n",
        "%0 Book\n%A Knox, Colin\n%T Public services reform\n%D 2008\n",  # EndNote tagged (Refer)
    ],
)
def test_other_text_of_percent_lines_is_still_not_bibtex(text: str) -> None:
    assert detect_format(text) is None


_COMMENT_LINE = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n@\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
    max_size=30,
).flatmap(lambda s: st.sampled_from(["% ", "%", "%%", "  % "]).map(lambda lead: lead + s))
# (a line such as "%A Knox" is a tag of EndNote's tagged format, tested above, so "%" + text
# without a space is generated only where the text does not make it one)
_COMMENT_LINE = _COMMENT_LINE.filter(lambda line: not re.match(r"%[^\s%](?:[ \t]|$)", line))


@settings(max_examples=150, deadline=None)
@given(
    first=_COMMENT_LINE,
    lines=st.lists(st.one_of(_COMMENT_LINE, st.sampled_from(["", "  "])), max_size=8),
)
def test_comment_lines_alone_read_as_bibtex_and_write_back_unchanged(first: str, lines: list[str]) -> None:
    text = "\n".join([first, *lines]) + "\n"
    assert detect_format(text) == "bibtex"
    result = read_bibtex(text, "c.bib")
    assert result.problems == []
    assert write_bibtex(result.items, preserve_layout=True) == text


def _doubling(levels: int) -> str:
    """@string a0 .. a<levels>, each the one before twice, and an entry using a small and the
    largest one (the reader refuses the large ones and keeps the name as the value)."""
    lines = ['@string{a0 = "xy"}'] + [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@article{{k,\n  title = {{Old}},\n  journal = a3,\n  note = a{levels}\n}}\n")
    return "\n".join(lines) + "\n"


def test_an_edited_entry_keeps_its_use_of_a_macro_the_reader_refused() -> None:
    """The writer defines the file's macros as the reader does: a20 (2 MiB from 500 bytes) was
    refused on import, so the note still reads 'a20' and is written as the file had it
    (the writer used to expand it in full, read the note as changed and brace it)."""
    result = read_bibtex(_doubling(20), "d.bib")
    assert any("@string 'a20'" in p.message for p in result.problems)
    (ref,) = [i for i in result.items if isinstance(i, Reference)]
    edited = set_field(ref, "title", "New")
    items = [edited if i is ref else i for i in result.items]
    out = write_bibtex(items, preserve_layout=True)
    assert "  title = {New},\n  journal = a3,\n  note = a20\n}" in out
    (again,) = [i for i in read_bibtex(out, "o.bib").items if isinstance(i, Reference)]
    assert again.fields == edited.fields


_EXPORT_UNDER_A_MEMORY_CAP = textwrap.dedent(
    """
    import resource, sys, time
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: 2^41 characters cannot fit
    from bibliofile.services.editing import apply_edit, set_field
    from bibliofile.services.exporting import export_to_file
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library
    folder = Path(sys.argv[1])
    lib = Library.open(folder / "lib.sqlite")
    import_files(lib, [folder / "doubling.bib"], workers=1)
    (ref,) = lib.get_many(lib.search(""))
    apply_edit(lib, ref, set_field(ref, "title", "New"))
    start = time.perf_counter()
    export_to_file(lib, folder / "out.bib")
    print(f"exported in {time.perf_counter() - start:.2f} s")
    lib.close()
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="the memory cap uses RLIMIT_AS (Linux)")
def test_exporting_an_edited_entry_of_a_doubling_macro_file_finishes_in_bounded_memory(tmp_path: Path) -> None:
    """Issue 14: 40 doubling @string macros (1 KB) asked the writer for 2^41 characters; run in
    a child capped at 1 GiB so the old code fails with MemoryError instead of eating the machine."""
    (tmp_path / "doubling.bib").write_text(_doubling(40), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(bibliofile.__file__).parents[1]))
    run = subprocess.run(
        [sys.executable, "-c", _EXPORT_UNDER_A_MEMORY_CAP, str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "MemoryError" not in run.stderr
    out = (tmp_path / "out.bib").read_text(encoding="utf-8")
    assert "  title = {New},\n  journal = a3,\n  note = a40\n}" in out
    assert out.count("@string{") == 41
