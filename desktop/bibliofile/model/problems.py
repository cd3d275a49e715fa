"""Problems found while reading a file: collected, never thrown, so one bad entry costs one entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong at a place in a file, and what was done about it ("kept as text").

    ``not_read`` tells the two kinds apart (issue 17): True when what is at this place could not
    be read (an entry kept only as text, a record or line left out, a file not read at all);
    False for a remark on an entry that was read and stored."""

    file: str
    line: int
    message: str
    not_read: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class UnreadableFileError(Exception):
    """A file that could not be read at all (not BibTeX, unreadable encoding, missing)."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message
