"""The `bibliofile document` command line and LibreOffice's text export, as the end-to-end
document tests (.odt in test_document_refresh, .docx in test_docx_refresh) drive them: the
same library, the same four citations, the same way of running the real command and of
reading what LibreOffice shows, so the two formats are held to one standard.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.odt_documents import soffice_convert

from bibliofile.services.editing import apply_edit, set_field
from bibliofile.storage.library import Library

# Three references; the two by Lee in one year make APA add the 2008a/2008b suffixes.
BIB = r"""@book{fisher1935,
  author = {Fisher, Ronald A.},
  title = {The Design of Experiments},
  publisher = {Oliver and Boyd},
  address = {Edinburgh},
  year = {1935}
}
@article{lee2008a,
  author = {Lee, Min},
  title = {Alpha Study},
  journal = {Science},
  volume = {1},
  pages = {1--2},
  year = {2008}
}
@article{lee2008b,
  author = {Lee, Min},
  title = {Beta Study},
  journal = {Science},
  volume = {1},
  pages = {3--4},
  year = {2008}
}
"""

# Where the thesis's four citations go (after which text) and what each cites: Fisher twice,
# so that numbering and "ibid." have a repeat to show.
CITATIONS = (
    ("shaped by Fisher", ["fisher1935"]),
    ("Alpha came first", ["lee2008a"]),
    ("Beta followed", ["lee2008b"]),
    ("Fisher again", ["fisher1935"]),
)

# The thesis's paragraph once ``CITATIONS`` are in it, in APA (the style when none is given).
CITED_IN_APA = (
    "Experiments were shaped by Fisher (Fisher, 1935). Alpha came first (Lee, 2008a). "
    "Beta followed (Lee, 2008b). Fisher again (Fisher, 1935). Über alles."
)
Members = list[tuple[str, int, bytes]]  # (name, compression, bytes) of each zip member, in order


def cli(root: Path, *args: str, library: str = "lib.sqlite") -> subprocess.CompletedProcess[str]:
    """The real `bibliofile` command on the library ``root / library`` (UTF-8 output whatever
    the locale, since the messages quote the document's text)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(root / library), *args],
        capture_output=True, text=True, env=env, timeout=180,
    )


def cite_all(root: Path, doc: Path) -> None:
    """Add ``CITATIONS`` to ``doc`` with `bibliofile document cite`, one command each."""
    for after, keys in CITATIONS:
        done = cli(root, "document", "cite", str(doc), "--after", after, *keys)
        assert done.returncode == 0, done.stderr


def retitle(root: Path, key: str, title: str) -> None:
    """Change the title of the reference ``key`` in the library at ``root``, as an edit in the
    window does: the next refresh must bring it into the document."""
    lib = Library.open(root / "lib.sqlite")
    try:
        [rid] = lib.by_citation_key([key])
        before = lib.get(rid)
        apply_edit(lib, before, set_field(before, "title", title))
    finally:
        lib.close()


def assert_only_rewritten(original: Members, now: Members, part: str) -> None:
    """Every member of the document but ``part`` is as the word processor wrote it: names,
    order and compression of all, bytes of all others (a refresh splices one part only)."""
    assert [(n, c) for n, c, _ in now] == [(n, c) for n, c, _ in original]
    assert [d for n, _, d in now if n != part] == [d for n, _, d in original if n != part]


def text_of(root: Path, doc: Path) -> str:
    """The document as LibreOffice shows it, through its plain-text export."""
    out = soffice_convert(doc, "txt:Text", root / "txt", root / "profile")
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())  # soffice's text export starts with a BOM
    return data.decode("utf-8-sig")
