"""Partial dates: a year, a year and month, a full day, a range, or no date at all.

Stored as an EDTF-like string ("2008", "2008-03", "2008-03-14", "2000/2010") because it sorts,
round-trips through BibLaTeX's ``date`` field and CSL's date-parts, and needs no schema of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ONE = r"(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
_DATE_RE = re.compile(rf"^\s*{_ONE}\s*(?:(?:/|--?|–)\s*(?:{_ONE})?\s*)?$")
_UNDATED = {"", "n.d.", "nd", "n. d.", "no date", "undated", "s.d.", "o.j."}

MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)
_MONTH_NAMES = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "sept": 9,
}


def month_number(text: str) -> int | None:
    """1-12 for "3", "03", "mar", "March", "Mar."; None when it is not a month."""
    t = text.strip().rstrip(".").lower()
    if t.isdigit():
        n = int(t)
        return n if 1 <= n <= 12 else None
    if t[:3] in MONTHS and (len(t) == 3 or t in _MONTH_NAMES):
        return MONTHS.index(t[:3]) + 1
    return _MONTH_NAMES.get(t)


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to year, month or day precision, optionally a range; empty means "n.d."."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    end_year: int | None = None
    end_month: int | None = None
    end_day: int | None = None
    literal: str = ""

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse EDTF-like text; anything unrecognised is kept as a literal, never lost."""
        t = text.strip()
        if t.lower() in _UNDATED:
            return cls()
        m = _DATE_RE.match(t)
        if not m:
            return cls(literal=t)
        y, mo, d, ey, emo, ed = (int(g) if g else None for g in m.groups())
        if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
            return cls(literal=t)
        if (emo is not None and not 1 <= emo <= 12) or (ed is not None and not 1 <= ed <= 31):
            return cls(literal=t)
        if ey is not None and emo is None and y is not None:
            ey = _full_end_year(y, m.group(4))
        return cls(y, mo, d, ey, emo, ed)

    @classmethod
    def from_year_month(cls, year: str, month: str = "") -> PartialDate:
        """BibTeX's separate year/month fields; a non-numeric year stays a literal."""
        y = year.strip()
        if not y:
            return cls()
        if not re.fullmatch(r"-?\d{1,4}", y):
            return cls.parse(y)
        mo = month_number(month) if month.strip() else None
        return cls(int(y), mo)

    @property
    def is_empty(self) -> bool:
        return self.year is None and not self.literal

    @property
    def is_range(self) -> bool:
        return self.end_year is not None

    def iso(self) -> str:
        """The stored form: "2008", "2008-03", "2000/2010"; literal text as it was; "" if none."""
        if self.literal:
            return self.literal
        if self.year is None:
            return ""
        start = _fmt(self.year, self.month, self.day)
        if self.end_year is None:
            return start
        return f"{start}/{_fmt(self.end_year, self.end_month, self.end_day)}"

    def __str__(self) -> str:
        return self.iso() or "n.d."


def _full_end_year(start: int, end: str) -> int:
    """The end of a year range written shortened, as people write it: "1968–90" ends in 1990,
    "1999–03" in 2003, "1968–9" in 1969 (xampl.bib's ``\\switchargs{--90}{1968}`` reads
    "1968–90", which was stored as 1968/0090). An end year with as many digits as the start's
    (the stored "0090") is taken as written."""
    if start < 1000 or len(end) >= len(str(start)) or end.startswith("-"):
        return int(end)
    scale: int = 10 ** len(end)
    full = start - start % scale + int(end)
    return full if full >= start else full + scale


def _fmt(year: int, month: int | None, day: int | None) -> str:
    out = f"{year:04d}" if year >= 0 else str(year)
    if month is not None:
        out += f"-{month:02d}"
        if day is not None:
            out += f"-{day:02d}"
    return out
