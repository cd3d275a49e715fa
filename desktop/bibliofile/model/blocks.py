"""Non-reference blocks of a BibTeX file that must survive a round trip.

``@string``, ``@preamble``, ``@comment``, free text between entries and blocks that failed to
parse are kept as their exact text with the exact whitespace that preceded them (``prefix``), so
concatenating prefix + text over a file's items in order gives the file back byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BlockKind(StrEnum):
    STRING = "string"
    PREAMBLE = "preamble"
    COMMENT = "comment"
    FAILED = "failed"
    TRAILER = "trailer"


@dataclass(slots=True)
class PassthroughBlock:
    kind: BlockKind
    text: str
    prefix: str = ""
    line: int = 0
    file: str = ""
