"""File > Export (the export dialog) shows what a BibTeX export could not write verbatim, as the
CLI prints its ``note:`` lines, and writes a whole library read from one .bib back as that file
was (its encoding and its blocks: a file of comments alone comes back byte for byte)."""

from __future__ import annotations

from pathlib import Path

from tests.citeproc_skip import needs_citeproc

from bibliofile.model import Reference
from bibliofile.services.importing import import_files

pytestmark = needs_citeproc

SPACED = Reference(item_type="book", citation_key="a b", fields={"title": "Spaced key", "date": "2001"})
PLAIN = Reference(item_type="book", citation_key="plain2002", fields={"title": "Plain", "date": "2002"})


def _bibtex_dialog(make_window, open_export):
    window = make_window()
    window.reload()
    return open_export(window, output="bibtex", scope="library")


def test_saving_bibtex_shows_the_cleaned_key_note(make_window, lib, open_export, tmp_path: Path) -> None:
    with lib.write() as u:
        u.add_items([SPACED, PLAIN])
    dialog = _bibtex_dialog(make_window, open_export)
    path = tmp_path / "refs.bib"
    dialog.save_to(path)
    assert "@book{ab," in path.read_text(encoding="utf-8")
    lines = dialog.status.text().splitlines()
    assert lines[0] == f"Saved 2 references to {path}."
    assert lines[1] == "1 note on what the file could not carry as the library holds it:"
    assert lines[2].startswith("entry 'ab': the citation key 'a b' was written as 'ab'")
    assert dialog.status.toolTip() == lines[2]
    dialog.close()


def test_saving_a_library_read_from_one_bib_writes_that_file_back(make_window, lib, open_export, tmp_path: Path) -> None:
    """The dialog writes as ``export -o`` does: in the file's own encoding, with its header."""
    data = "% Encoding: windows-1252\n\n@book{k, title = {Café}}\n".encode("cp1252")
    bib = tmp_path / "latin.bib"
    bib.write_bytes(data)
    import_files(lib, [bib], workers=1)
    dialog = _bibtex_dialog(make_window, open_export)
    path = tmp_path / "out.bib"
    dialog.save_to(path)
    assert path.read_bytes() == data
    assert dialog.status.text() == f"Saved 1 reference to {path}."
    dialog.close()
