"""Exact duplicates: an imported entry the library already holds, skipped by File > Import and
``bibliofile import`` (issue 17) so that importing the same file twice does not double the library.

The rule (``LibraryIndex.match``). An entry is an exact duplicate of a reference in the library
(not the trash) when either

1. both have the same item type, the same fields and the same creators, every value normalised
   (case, accents, punctuation and spacing ignored; empty fields ignored; creators compared in
   order with their roles), leaving out the fields that describe the copy rather than the work
   (``COPY_FIELDS``: the date it was accessed, a citation count and its date), and leaving out
   the citation key, which is a label in one file, not part of the work; or
2. both carry the same DOI, or the same ISBN, and the same normalised title (a re-import of a
   reference the user has since corrected or annotated in the library).

Anything less certain (a similar title, the same DOI with another title) is a *likely*
duplicate: it is imported, and left to the paste preview's flag and to Tools > Find Duplicates.
Entries repeated inside the files of one import are not compared with each other: only what was
in the library before the import counts.

Matching is cheap where there is nothing to find: the library's titles, types, DOIs and ISBNs are
read once (``curation.scan_rows``); an entry whose normalised title is not among them is new
without more work, and only references sharing an entry's title and type are read in full.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.storage import curation
from bibliofile.storage.library import Library
from bibliofile.storage.rows import REFERENCE_BODY, RowBatch

# Fields that say where and when this copy was taken, not what the work is: a research-portal
# page read twice on two days differs only in these.
COPY_FIELDS = frozenset({"accessed", "urldate", "citation_count", "citation_count_date"})
TITLE_SHOWN = 60  # characters of a title in a message before it is elided

_AT = {name: 1 + i for i, name in enumerate(REFERENCE_BODY)}  # positions in a RowBatch.refs row
_WORDS = re.compile(r"[^\W_]+")

Fingerprint = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, ...], ...]]


class _CombiningMarks(dict[int, int | None]):
    """A str.translate table deleting combining marks, filled in as code points are met (a
    generator over every character cost most of a 20k-entry re-import)."""

    def __missing__(self, cp: int) -> int | None:
        value = None if unicodedata.combining(chr(cp)) else cp
        self[cp] = value
        return value


_STRIP_MARKS = _CombiningMarks()


def normal_text(text: str) -> str:
    """Casefolded, accents and punctuation removed, spaces collapsed: "The  Café!" -> "the cafe"."""
    t = text.casefold()
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t).translate(_STRIP_MARKS)
    return " ".join(_WORDS.findall(t))


def normal_doi(doi: str) -> str:
    return re.sub(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I).casefold()


def normal_isbn(isbn: str) -> str:
    """The first ISBN's digits (and X), "" when there is none."""
    return re.sub(r"[^0-9X]", "", isbn.split(";")[0].upper())


def fingerprint(
    item_type: str, fields: dict[str, Any], extra: dict[str, Any], creators: Iterable[Sequence[Any]]
) -> Fingerprint:
    """What rule 1 compares. ``creators`` are (role, family, given, particle, suffix, literal,
    others) in order, as stored."""
    values = {
        k: v for k, raw in (*fields.items(), *extra.items())
        if k not in COPY_FIELDS and (v := normal_text(str(raw)))
    }
    names = tuple(
        (str(role), *(normal_text(str(part)) for part in parts), "others" if others else "")
        for role, *parts, others in creators
    )
    return (item_type, tuple(sorted(values.items())), names)


Details = tuple[str, dict[str, Any], dict[str, Any], tuple[tuple[Any, ...], ...]]


def raw_key(details: Details) -> Details:
    """``fingerprint`` before normalising: equal raw keys have equal fingerprints, and an entry
    imported again has the raw key it had, so most matches cost no normalising at all."""
    item_type, fields, extra, creators = details
    values = {k: str(v) for k, v in (*fields.items(), *extra.items()) if k not in COPY_FIELDS and str(v).strip()}
    return (item_type, values, {}, creators)


def reference_details(ref: Reference) -> Details:
    return (ref.item_type, ref.fields, ref.extra, tuple(_creator_values(c) for c in ref.creators))


def _creator_values(c: Creator) -> tuple[Any, ...]:
    return (c.role.value, c.family, c.given, c.particle, c.suffix, c.literal, c.others)


def elided(title: str) -> str:
    """A title in quotes, cut at ``TITLE_SHOWN`` characters: “A title that is…”."""
    shown = " ".join(title.split()) or "(no title)"
    if len(shown) > TITLE_SHOWN:
        shown = shown[: TITLE_SHOWN - 1].rstrip() + "…"
    return f"“{shown}”"


def who_and_when(authors: str, year: int | None) -> str:
    """ "Knox et al., 2020"; "no authors, n.d." when the reference has neither (it is shown in
    parentheses and mid-sentence, where "(no authors)" read as "((no authors), 2008; …")."""
    return f"{authors or 'no authors'}, {year if year else 'n.d.'}"


def describe(authors: str, year: int | None, title: str) -> str:
    """A reference as a person recognises it (not by an id): 'Knox et al., 2020, “A title…”'."""
    return f"{who_and_when(authors, year)}, {elided(title)}"


@dataclass(slots=True)
class SkippedEntry:
    """An entry left out of an import as an exact duplicate, with the rows to store it after all
    ("Import anyway", ``--allow-duplicates``): its reference row (slot 0 is its position in the
    import), its creator rows and its search row, and the import it belongs to."""

    file: str
    line: int
    title: str
    duplicate_of: int
    existing: str  # describe() of the library's reference
    existing_who: str  # who_and_when() of it: the title is the same (normalised) by the rule
    reason: str
    import_id: int | None
    ref_row: tuple[Any, ...] = field(repr=False)
    creator_rows: list[tuple[Any, ...]] = field(repr=False, default_factory=list)
    fts_row: tuple[Any, ...] | None = field(repr=False, default=None)

    @property
    def message(self) -> str:
        return f"{elided(self.title)} is already in the library ({self.existing_who}; {self.reason})"


@dataclass(slots=True)
class _Known:
    id: int
    item_type: str
    doi: str
    isbn: str


class LibraryIndex:
    """The library as it was before an import, for ``match``; see the module doc for the rule."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.by_title: dict[str, list[_Known]] = defaultdict(list)
        for r in curation.scan_rows(library):
            known = _Known(r.id, r.item_type, normal_doi(r.doi), normal_isbn(r.isbn))
            self.by_title[normal_text(r.title)].append(known)
        self._details: dict[int, Details] = {}
        self._raw: dict[int, Details] = {}
        self._prints: dict[int, Fingerprint] = {}
        self._described: dict[int, tuple[str, int | None, str]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_title)

    def match(
        self, item_type: str, title: str, doi: str, isbn: str, details: Callable[[], Details]
    ) -> tuple[int, str] | None:
        """(id, why) of the library reference this entry exactly duplicates, or None.
        ``details`` gives the entry's type, fields, extra fields and creators, asked for only
        when a library reference has its title and type."""
        same_title = self.by_title.get(normal_text(title))
        if not same_title:
            return None
        d, i = normal_doi(doi), normal_isbn(isbn)
        for k in same_title:
            if d and k.doi == d:
                return k.id, "same DOI and title"
            if i and k.isbn == i:
                return k.id, "same ISBN and title"
        typed = [k.id for k in same_title if k.item_type == item_type]
        if not typed:
            return None
        self._load(typed)
        mine = details()
        raw = raw_key(mine)
        same = next((rid for rid in typed if self._raw.get(rid) == raw), None)
        if same is None:
            fp = fingerprint(*mine)
            same = next((rid for rid in typed if rid in self._details and self._print(rid) == fp), None)
        return None if same is None else (same, "same type, fields and authors")

    def _print(self, rid: int) -> Fingerprint:
        if rid not in self._prints:
            self._prints[rid] = fingerprint(*self._details[rid])
        return self._prints[rid]

    def _load(self, ids: Sequence[int]) -> None:
        missing = [i for i in ids if i not in self._details]
        for ref in self.library.get_many(missing) if missing else ():
            assert ref.id is not None
            self._details[ref.id] = details = reference_details(ref)
            self._raw[ref.id] = raw_key(details)
            self._described[ref.id] = (ref.authors_display, ref.year, ref.title)

    def described(self, rid: int) -> tuple[str, int | None, str]:
        """(authors, year, title) of a library reference."""
        self._load([rid])
        return self._described.get(rid, ("", None, ""))

    def split(self, batch: RowBatch, file: str, import_id: int | None, position: int) -> tuple[RowBatch, list[SkippedEntry]]:
        """The batch without the exact duplicates, and those as SkippedEntry (positions made
        absolute: ``position`` + the row's index in the batch)."""
        if not self or not batch.refs:
            return batch, []
        creators: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for c in batch.creators:
            creators[c[0]].append(c)
        # Only rows whose title the library has can be duplicates; their namesakes are read in
        # full in one go for the batch (one query each, not one a row).
        at_title, at_type = _AT["title"], _AT["item_type"]
        titled = [
            (local, row, same) for local, row in enumerate(batch.refs)
            if (same := self.by_title.get(normal_text(row[at_title])))
        ]
        self._load([k.id for _, row, same in titled for k in same if k.item_type == row[at_type]])
        skipped: dict[int, SkippedEntry] = {}
        for local, row, _same in titled:
            item_type, title, doi = row[_AT["item_type"]], row[_AT["title"]], row[_AT["doi"]]
            fields_json = row[_AT["fields_json"]]
            fields: dict[str, Any] | None = None
            isbn = ""
            if '"isbn"' in fields_json:
                fields = json.loads(fields_json)
                isbn = str(fields.get("isbn", ""))

            def details(row: tuple[Any, ...] = row, local: int = local, fields: dict[str, Any] | None = fields) -> Details:
                f = fields if fields is not None else json.loads(row[_AT["fields_json"]])
                extra = json.loads(row[_AT["extra_json"]])
                return (row[_AT["item_type"]], f, extra, tuple(c[2:] for c in creators.get(local, ())))

            found = self.match(item_type, title, doi, isbn, details)
            if found is None:
                continue
            rid, why = found
            authors, year, existing_title = self.described(rid)
            skipped[local] = SkippedEntry(
                file, row[_AT["source_line"]], title, rid, describe(authors, year, existing_title),
                who_and_when(authors, year), why, import_id,
                (position + row[0], *row[1:]), creators.get(local, []), batch.fts[local],
            )
        if not skipped:
            return batch, []
        kept = RowBatch(blocks=batch.blocks)
        renumber: dict[int, int] = {}
        for local, row in enumerate(batch.refs):
            if local not in skipped:
                renumber[local] = len(kept.refs)
                kept.refs.append(row)
                kept.fts.append((renumber[local], *batch.fts[local][1:]))
        kept.creators = [(renumber[c[0]], *c[1:]) for c in batch.creators if c[0] in renumber]
        return kept, list(skipped.values())


def rows_of(entries: Sequence[SkippedEntry]) -> RowBatch:
    """The rows to store skipped entries after all, at their own positions in their import
    (``UnitOfWork.add_rows(batch, import_id, 0)``); the entries must share one import."""
    batch = RowBatch()
    for local, e in enumerate(entries):
        batch.refs.append(e.ref_row)
        batch.creators.extend((local, *c[1:]) for c in e.creator_rows)
        if e.fts_row is not None:
            batch.fts.append((local, *e.fts_row[1:]))
    return batch
