"""Pages of a file the reader has shown, kept compactly, and what they say about progress.

A set rather than the furthest page: jumping to the last page with End (to look at the
references) is not having read the paper, so "12 of 20 pages" counts the pages actually shown.
Stored as ranges ("1-12,15") so a 500-page book read through is a few characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def encode_pages(pages: Iterable[int]) -> str:
    """'1-3,7' for {1, 2, 3, 7}; pages below 1 are left out."""
    ordered = sorted({p for p in pages if p >= 1})
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def decode_pages(text: str, limit: int = 100_000) -> set[int]:
    """The pages of ``encode_pages``' text. A malformed part is skipped (a library edited by
    hand loses that part of its progress, nothing else); ranges are capped at ``limit`` pages."""
    out: set[int] = set()
    for part in (text or "").split(","):
        first, dash, last = part.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            continue
        a = int(first)
        b = int(last) if last else a
        if a < 1 or b < a:
            continue
        out.update(range(a, min(b, a + limit - 1) + 1))
    return out


@dataclass(frozen=True, slots=True)
class PageProgress:
    """How much of one file has been shown: ``seen`` pages of ``count`` (0: count unknown)."""

    seen: int
    count: int

    @property
    def left(self) -> int:
        return max(0, self.count - self.seen)

    @property
    def finished(self) -> bool:
        return self.count > 0 and self.seen >= self.count

    def text(self) -> str:
        """'12 of 20 pages', or '12 pages' when the file's length is unknown."""
        if self.count:
            return f"{min(self.seen, self.count)} of {self.count} {'page' if self.count == 1 else 'pages'}"
        return f"{self.seen} {'page' if self.seen == 1 else 'pages'}"
