"""A .bib goes back in its own encoding and BOM, or says what it is written in.

``encoding-windows-1252-with-header.bib`` exported as UTF-8 while still saying
``% Encoding: windows-1252``, and a UTF-8 BOM was dropped. Now a library read from one .bib is
written back in that file's encoding (with its BOM), and where the text no longer fits it, in
UTF-8 with the ``% Encoding:`` line updated and a note saying so.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bibliofile.services.exporting import declare_encoding, export_to_file
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library


def imported(tmp_path: Path, data: bytes) -> Library:
    src = tmp_path / "in.bib"
    src.write_bytes(data)
    library = Library.open(tmp_path / "lib.sqlite")
    import_files(library, [src], workers=0)
    return library


# A file read from one .bib comes back byte for byte: its encoding, its BOM, its header.
AS_READ = {
    "windows-1252": "% Encoding: windows-1252\n\n@article{k,\n  title = {Café crème}\n}\n".encode("cp1252"),
    "utf-8 with BOM": b"\xef\xbb\xbf@article{k,\n  title = {\xc3\x9cber}\n}\n",
    "utf-16 with BOM": codecs.BOM_UTF16_BE
    + "% Encoding: UTF-16BE\n\n@article{k,\n  title = {Über}\n}\n".encode("utf-16-be"),
}


@pytest.mark.parametrize("encoding", list(AS_READ))
def test_a_file_is_written_back_in_its_own_encoding(tmp_path: Path, encoding: str) -> None:
    data = AS_READ[encoding]
    library = imported(tmp_path, data)
    try:
        out = tmp_path / "out.bib"
        assert export_to_file(library, out) == []
        assert out.read_bytes() == data
    finally:
        library.close()


def test_text_the_encoding_cannot_hold_is_written_as_utf8_and_the_header_says_so(tmp_path: Path) -> None:
    from bibliofile.services import editing

    data = "% Encoding: windows-1252\n\n@article{k,\n  title = {Café}\n}\n".encode("cp1252")
    library = imported(tmp_path, data)
    try:
        ref = library.get_many(library.search(""))[0]
        editing.apply_edit(library, ref, editing.set_field(ref, "title", "Ωmega café"))
        out = tmp_path / "out.bib"
        notes = export_to_file(library, out)
        text = out.read_bytes().decode("utf-8")
        assert text.startswith("% Encoding: UTF-8\n")
        assert "Ωmega café" in text
        assert any("UTF-8" in n for n in notes)
    finally:
        library.close()


def test_the_header_is_updated_only_when_it_would_be_wrong() -> None:
    notes: list[str] = []
    assert declare_encoding("% Encoding: US-ASCII\n@misc{k}", "utf-8", notes) == "% Encoding: US-ASCII\n@misc{k}"
    assert declare_encoding("% Encoding: UTF-8\n@misc{k, title={é}}", "utf-8-sig", notes).startswith("% Encoding: UTF-8\n")
    assert notes == []
    out = declare_encoding("% Encoding: windows-1252\n@misc{k, title={é}}", "utf-8", notes)
    assert out == "% Encoding: UTF-8\n@misc{k, title={é}}" and len(notes) == 1
