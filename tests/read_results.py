"""Looking into a BibTeX reader's result the same way in every reader test.

``joined`` is the whole file again from what the reader kept (each item's prefix and text, in
order): the tests that say "nothing is lost" compare it with the input, so its definition must not
drift between test files.
"""

from __future__ import annotations

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.model.reference import Reference


def refs(result: ReadResult) -> list[Reference]:
    """The references read, without the passthrough blocks."""
    return [i for i in result.items if isinstance(i, Reference)]


def joined(result: ReadResult) -> str:
    """The file's text as the items keep it, in order."""
    out = []
    for item in result.items:
        if isinstance(item, Reference):
            assert item.source is not None
            out.append(item.source.prefix + item.source.text)
        else:
            out.append(item.prefix + item.text)
    return "".join(out)
