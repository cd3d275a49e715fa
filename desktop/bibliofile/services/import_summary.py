"""What an import tells the user, in the same words in the window's summary and on the command
line: what was skipped as already in the library, what could not be read, and what was read with
a remark, each a headline (grammatical for 1 and for N) over "file:line: message" lines.

Kept apart from ``importing`` so the wording has one home and can be tested without a library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bibliofile.model.problems import Problem
from bibliofile.services.exact_duplicates import SkippedEntry


def count(n: int, one: str, many: str) -> str:
    """ "1 entry", "2 entries", "1,000 entries" (thousands separated, as the table writes them)."""
    return f"{n:,} {one if n == 1 else many}"


def imported_headline(n: int) -> str:
    return f"Imported {count(n, 'reference', 'references')}"


def skipped_headline(n: int) -> str:
    """ "2 references were already in the library and were skipped"."""
    if n == 1:
        return "1 reference was already in the library and was skipped"
    return f"{n:,} references were already in the library and were skipped"


def not_read_headline(problems: Sequence[Problem], unreadable: Sequence[str] = ()) -> str:
    """ "2 entries could not be read", "1 file could not be read", "1 file and 3 entries could
    not be read": a file not read at all is counted as a file, the rest by place in a file."""
    files = list(dict.fromkeys(unreadable))
    places = {(p.file, p.line) for p in problems if p.not_read and p.file not in files}
    parts = []
    if files:
        parts.append(count(len(files), "file", "files"))
    if places or not files:
        parts.append(count(len(places), "entry", "entries"))
    return f"{' and '.join(parts)} could not be read"


def remarks_headline(problems: Sequence[Problem]) -> str:
    """ "1 entry was read with a remark", "3 entries were read with remarks"; remarks on a
    whole file (no line) are counted as remarks: "1 remark on what was read"."""
    remarks = [p for p in problems if not p.not_read]
    entries = {(p.file, p.line) for p in remarks if p.line}
    if not entries:
        return f"{count(len(remarks), 'remark', 'remarks')} on what was read"
    verb = "was" if len(entries) == 1 else "were"
    return f"{count(len(entries), 'entry', 'entries')} {verb} read with {'a remark' if len(remarks) == 1 else 'remarks'}"


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    """ "file:line: message" (or "file: message" for the whole file), grouped by file in line order."""
    order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in problems))}
    out = []
    for p in sorted(problems, key=lambda p: (order[p.file], p.line)):
        out.append(f"{p.file}:{p.line}: {p.message}" if p.line else f"{p.file}: {p.message}")
    return out


def skipped_lines(skipped: Sequence[SkippedEntry]) -> list[str]:
    return [f"{s.file}:{s.line}: {s.message}" if s.line else f"{s.file}: {s.message}" for s in skipped]


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a summary: what it holds ("skipped", "not_read", "remarks"), its headline
    and its lines."""

    kind: str
    headline: str
    lines: tuple[str, ...]


def sections(
    problems: Sequence[Problem], skipped: Sequence[SkippedEntry] = (), unreadable: Sequence[str] = ()
) -> list[Section]:
    """The summary's parts that have something in them, in the order a reader needs them."""
    out = []
    if skipped:
        out.append(Section("skipped", skipped_headline(len(skipped)), tuple(skipped_lines(skipped))))
    unread = [p for p in problems if p.not_read]
    if unread or unreadable:
        out.append(Section("not_read", not_read_headline(unread, unreadable), tuple(problem_lines(unread))))
    remarks = [p for p in problems if not p.not_read]
    if remarks:
        out.append(Section("remarks", remarks_headline(remarks), tuple(problem_lines(remarks))))
    return out
