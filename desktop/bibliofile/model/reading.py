"""The reader's state of a reference: status, priority, rating, date read, and reading time.

Plain values shared by storage (what the columns hold), services and the GUI (what the keys
do). Statuses are stored as short keys so ``status:toread`` searches them as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STATUSES: tuple[str, ...] = ("toread", "reading", "read", "skimmed")
STATUS_LABELS: dict[str, str] = {
    "": "",
    "toread": "To read",
    "reading": "Reading",
    "read": "Read",
    "skimmed": "Skimmed",
}
# Minutes a page of scholarly text takes, for the estimated reading time of a list. An
# assumption stated to the user next to the figure, not a measurement.
MINUTES_PER_PAGE = 4
PAGES_WHEN_UNKNOWN = 0


@dataclass(frozen=True, slots=True)
class ReadingState:
    status: str = ""
    priority: int = 0  # 0 none, 1 high ... 3 low
    rating: int = 0  # 0 none, 1..5
    date_read: str = ""  # ISO date


def next_status(status: str) -> str:
    """The status the triage key R moves to: none -> to read -> reading -> read -> skimmed -> none."""
    cycle = ("", *STATUSES)
    try:
        return cycle[(cycle.index(status) + 1) % len(cycle)]
    except ValueError:
        return "toread"


def stars(rating: int) -> str:
    return "★" * max(0, min(5, rating))


_RANGE = re.compile(r"^\s*[A-Za-z]*(\d+)\s*(?:-+|–|—)\s*[A-Za-z]*(\d+)\s*$")


def page_count(pages: str, number_of_pages: str = "") -> int | None:
    """Pages of a reference from its ``pages`` range ("477--496" -> 20) or its page total."""
    total = number_of_pages.strip()
    if total.isdigit() and int(total) > 0:
        return int(total)
    m = _RANGE.match(pages or "")
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if last < first and len(m.group(2)) < len(m.group(1)):  # "477-96"
            last = int(m.group(1)[: len(m.group(1)) - len(m.group(2))] + m.group(2))
        if last >= first:
            return last - first + 1
    return None


def reading_time(pages: int) -> str:
    """'about 3 h 20 min' for a number of pages at MINUTES_PER_PAGE."""
    minutes = pages * MINUTES_PER_PAGE
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"about {hours} h {rest} min"
    if hours:
        return f"about {hours} h"
    return f"about {rest} min"
