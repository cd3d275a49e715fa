"""Exporting references as BibTeX/BibLaTeX (or RIS, CSL-JSON), written atomically so a crash never half-writes a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.storage.library import Library

Dialect = Literal["bibtex", "biblatex", "ris", "csl-json"]


def export_text(
    library: Library, dialect: Dialect = "bibtex", query: str | None = None, ids: Sequence[int] | None = None
) -> str:
    """The exported text. The whole library keeps file order and @string/@preamble/@comment
    blocks (so an untouched import comes back byte for byte); a query or a selection exports
    just those references."""
    if query:
        ids = library.search(query)
    if dialect in ("ris", "csl-json"):
        return _data_text(library, dialect, ids)
    whole = ids is None
    # Light items: an untouched BibTeX entry needs only its kept text (write_bibtex's contract).
    items = library.bibtex_export_items(ids)
    return write_bibtex(items, dialect="biblatex" if dialect == "biblatex" else "bibtex", preserve_layout=whole)


def _data_text(library: Library, fmt: str, ids: Sequence[int] | None) -> str:
    """RIS or CSL-JSON of the given references (all when None), in the library's title order."""
    from bibliofile.formats.csl_json import write_csl_json
    from bibliofile.formats.ris import write_ris

    refs = library.get_many(list(ids) if ids is not None else library.search(""))
    return write_ris(refs) if fmt == "ris" else write_csl_json(refs)


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
