"""Checking a library is clean enough to cite from, with a fix where one is certain.

Each finding names the reference, the field and what is wrong in words a researcher uses. The
required fields per type follow what BibTeX's standard styles and APA need to format a complete
reference (``@article`` needs author, title, journal, year, volume), so a missing one is what
would print as a gap in a bibliography. Fixes are offered only when the right value is not in
doubt (a DOI written as a URL, an ISBN with the wrong checksum is *not* fixable).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import date

from bibliofile.model.creators import CreatorRole
from bibliofile.model.fields import FIELD_BY_KEY
from bibliofile.model.item_types import item_type
from bibliofile.model.reading import page_count
from bibliofile.model.reference import Reference
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import Library

AUTHORS = "authors"  # pseudo-field: the creators list
ALTERNATIVES = {AUTHORS: "editors"}  # a book with editors and no authors is complete

REQUIRED: dict[str, tuple[str, ...]] = {
    "article-journal": (AUTHORS, "title", "container_title", "date", "volume"),
    "article-magazine": (AUTHORS, "title", "container_title", "date"),
    "article-newspaper": (AUTHORS, "title", "container_title", "date"),
    "book": (AUTHORS, "title", "publisher", "date"),
    "chapter": (AUTHORS, "title", "container_title", "publisher", "date"),
    "paper-conference": (AUTHORS, "title", "container_title", "date"),
    "thesis": (AUTHORS, "title", "publisher", "date"),
    "report": (AUTHORS, "title", "publisher", "date"),
    "webpage": ("title", "url"),
    "post-weblog": ("title", "url"),
    "manuscript": (AUTHORS, "title"),
}
DEFAULT_REQUIRED = ("title", "date")
FIELD_WORDS = {"publisher": "publisher (or school, institution)", "date": "year", AUTHORS: "authors"}

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_PAGE = re.compile(r"[A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdmIVXLCDM]+")
_RANGE = re.compile(rf"({_PAGE.pattern})\s*(?:-+|–|—)\s*({_PAGE.pattern})")
FIRST_YEAR = 1450  # printing; older works are cited by edition


@dataclass(frozen=True, slots=True)
class Finding:
    reference_id: int
    citation_key: str
    title: str
    kind: str  # missing, doi, isbn, issn, pages, year, braces, duplicate-key
    field: str
    message: str
    fix: str | None = None  # the certain new value of ``field``, when there is one

    @property
    def fixable(self) -> bool:
        return self.fix is not None


def check_reference(ref: Reference, this_year: int | None = None) -> list[Finding]:
    """Every problem of one reference (duplicate keys need the library: ``check_library``)."""
    assert ref.id is not None
    out: list[Finding] = []
    this_year = this_year or date.today().year

    def add(kind: str, field: str, message: str, fix: str | None = None) -> None:
        out.append(Finding(ref.id or 0, ref.citation_key, ref.title, kind, field, message, fix))

    label = item_type(ref.item_type).label.lower()
    for f in REQUIRED.get(ref.item_type, DEFAULT_REQUIRED):
        if f == AUTHORS:
            roles = {c.role for c in ref.creators}
            if CreatorRole.AUTHOR not in roles and not (ref.item_type != "article-journal" and CreatorRole.EDITOR in roles):
                add("missing", AUTHORS, f"A {label} needs its authors; none are given.")
        elif not ref.get(f).strip():
            name = FIELD_WORDS.get(f, FIELD_BY_KEY[f].label.lower() if f in FIELD_BY_KEY else f)
            add("missing", f, f"A {label} needs its {name}; it is empty.")

    doi = ref.get("doi").strip()
    if doi and not DOI_RE.match(doi):
        bare = _DOI_PREFIX.sub("", doi).strip()
        fix = bare if DOI_RE.match(bare) else None
        add("doi", "doi", f"“{doi}” is not a DOI (10.prefix/suffix).", fix)

    for value in _split(ref.get("isbn")):
        problem = isbn_problem(value)
        if problem:
            add("isbn", "isbn", f"ISBN {value}: {problem}.")
    for value in _split(ref.get("issn")):
        problem = issn_problem(value)
        if problem:
            add("issn", "issn", f"ISSN {value}: {problem}.")

    pages = ref.get("pages").strip()
    for part in filter(None, (p.strip() for p in pages.split(","))):
        m = _RANGE.fullmatch(part)
        if m and m.group(1).isdigit() and page_count(part) is None:
            add("pages", "pages", f"The page range “{part}” ends before it starts.")
        elif not m and not _PAGE.fullmatch(part):
            add("pages", "pages", f"“{part}” is not a page or a page range.")

    year = ref.year
    if year is not None and not FIRST_YEAR <= year <= this_year + 1:
        add("year", "date", f"The year {year} is out of range ({FIRST_YEAR}–{this_year + 1}).")
    elif ref.get("date") and year is None:
        add("year", "date", f"“{ref.get('date')}” is not a date with a year.")

    for key, value in ref.fields.items():
        if not _balanced(value):
            add("braces", key, f"Unbalanced braces in {FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key}.")
    return out


def check_library(
    library: Library,
    ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch: int = 2000,
) -> list[Finding]:
    """Findings for the library (or these references), read a batch at a time."""
    ids = list(ids) if ids is not None else library.search("", sort="title")
    out: list[Finding] = []
    by_key: dict[str, list[Reference]] = {}
    this_year = date.today().year
    for start in range(0, len(ids), batch):
        if cancelled is not None and cancelled():
            raise Cancelled()
        for ref in library.get_many(ids[start : start + batch]):
            out.extend(check_reference(ref, this_year))
            if ref.citation_key:
                by_key.setdefault(ref.citation_key, []).append(ref)
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    for key, refs in by_key.items():
        if len(refs) > 1:
            for r in refs:
                out.append(
                    Finding(r.id or 0, key, r.title, "duplicate-key", "citation_key",
                            f"The citation key “{key}” is used by {len(refs)} references.")
                )
    return out


def findings_for(library: Library, ids: Sequence[int]) -> dict[int, list[Finding]]:
    """Findings of just these references (the rows the table shows), duplicate keys included.

    The table's badges ask for a screenful of rows at a time, so this must not read the whole
    library: each reference is checked alone, and a key counts as a duplicate when the citation
    key index finds it on another reference (not in the trash, as ``check_library``). Every id
    asked for is in the answer, clean ones with an empty list."""
    refs = library.get_many(list(ids))
    out: dict[int, list[Finding]] = {i: [] for i in ids}
    this_year = date.today().year
    for ref in refs:
        out[ref.id or 0] = check_reference(ref, this_year)
    keys = {r.citation_key for r in refs if r.citation_key}
    if keys:
        holders = library.by_citation_key(keys)
        per_key: dict[str, int] = {}
        for (key,) in library.rows(holders, ["citation_key"]).values():
            per_key[key] = per_key.get(key, 0) + 1
        for r in refs:
            n = per_key.get(r.citation_key, 0)
            if r.citation_key and n > 1:
                out[r.id or 0].append(
                    Finding(r.id or 0, r.citation_key, r.title, "duplicate-key", "citation_key",
                            f"The citation key “{r.citation_key}” is used by {n} references.")
                )
    return out


def apply_fixes(refs: Iterable[Reference], findings: Iterable[Finding]) -> list[tuple[Reference, Reference]]:
    """(before, after) pairs of the references these findings' certain fixes change, ready for
    ``editing.apply_edits`` (one transaction) or the GUI's undoable edit command."""
    by_id = {r.id: r for r in refs}
    after: dict[int, Reference] = {}
    for f in findings:
        if f.fix is None or f.reference_id not in by_id:
            continue
        new = after.setdefault(f.reference_id, deepcopy(by_id[f.reference_id]))
        new.fields[f.field] = f.fix
    return [(by_id[i], a) for i, a in after.items()]


def _split(value: str) -> list[str]:
    return [v for v in re.split(r"[;,]\s*|\s+(?=\d{3})", value.strip()) if v.strip()]


def isbn_problem(value: str) -> str:
    """"" for a valid ISBN-10 or -13, else what is wrong."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return "" if total % 11 == 0 else "the check digit is wrong"
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return "" if total % 10 == 0 else "the check digit is wrong"
    return "an ISBN has 10 or 13 digits"


def issn_problem(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return "an ISSN has 8 digits (the last may be X)"
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return "" if digits[7] == expected else "the check digit is wrong"


_BRACE_OR_ESCAPE = re.compile(r"\\.|[{}]", re.S)


def _balanced(value: str) -> bool:
    """True when every ``}`` closes an earlier ``{`` and all are closed; a backslash escapes
    the character after it. Only the braces and escapes are visited (a regex walk), not every
    character: a Python loop over each field's text was three quarters of checking a reference,
    and the table's badges check a screenful on every search."""
    if "{" not in value and "}" not in value:
        return True
    depth = 0
    for m in _BRACE_OR_ESCAPE.finditer(value):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
