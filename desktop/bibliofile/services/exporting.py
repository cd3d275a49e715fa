"""Exporting references as BibTeX/BibLaTeX, written atomically so a crash never half-writes a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.storage.library import Library

Dialect = Literal["bibtex", "biblatex"]


def export_text(
    library: Library, dialect: Dialect = "bibtex", query: str | None = None, ids: Sequence[int] | None = None
) -> str:
    """The exported text. The whole library keeps file order and @string/@preamble/@comment
    blocks (so an untouched import comes back byte for byte); a query or a selection exports
    just those references."""
    if query:
        ids = library.search(query)
    whole = ids is None
    # Light items: an untouched BibTeX entry needs only its kept text (write_bibtex's contract).
    items = library.bibtex_export_items(ids)
    return write_bibtex(items, dialect=dialect, preserve_layout=whole)


def write_atomically(path: str | Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename over it."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
