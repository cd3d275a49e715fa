"""Finding duplicate references, saying why and how sure, and merging them field by field.

A scan reads one light row per reference (``curation.scan_rows``) and matches in passes, the
cheap certain ones first:

1. the same DOI (score 1.0), or the same ISBN between two books (0.95);
2. the same normalised title (case, accents, punctuation ignored) and first author, years at
   most one apart (0.97 same year, 0.92 a year apart: preprint and journal version);
3. titles at least ``FUZZY_CUTOFF`` % alike by rapidfuzz's ratio, same first author, years at
   most one apart (score = similarity x 0.9).

Passes 2 and 3 compare only references in the same block (first author, year) and the next
year's block, so 100k references take a few seconds, not the 5 billion comparisons of every
pair. Two references with different DOIs are never proposed by title: they are two works.
Pairs the user marked "not duplicates" are left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.storage import curation
from bibliofile.storage.curation import ScanRow
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import Library

FUZZY_CUTOFF = 90.0
MAX_GROUP = 50  # a DOI shared by more references than this is a data error, not duplicates


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first: int
    second: int
    score: float  # 0..1, how sure
    reason: str


def normalise(text: str) -> str:
    """Casefolded, accents and punctuation removed, spaces collapsed."""
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", t))


def normal_doi(doi: str) -> str:
    return re.sub(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I).lower()


def normal_isbn(isbn: str) -> str:
    """ISBN-13 digits (an ISBN-10 converted), or "" when it is neither."""
    digits = re.sub(r"[^0-9Xx]", "", isbn.split(";")[0]).upper()
    if len(digits) == 10:
        core = "978" + digits[:9]
        check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(core)) % 10) % 10
        return core + str(check)
    return digits if len(digits) == 13 and digits.isdigit() else ""


def find_duplicates(
    rows: Iterable[ScanRow],
    not_duplicates: set[tuple[int, int]] | None = None,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DuplicatePair]:
    """Pairs among these rows, most certain first.

    ``cancelled`` is asked between blocks (``Cancelled`` is raised); ``progress(done, total)``
    counts the blocks compared, so a dialog can say how far a 100k scan is."""
    rows = list(rows)
    if cancelled is not None and cancelled():
        raise Cancelled()
    skip = not_duplicates or set()
    found: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        key = (min(a, b), max(a, b))
        if key in skip:
            return
        old = found.get(key)
        if old is None or old.score < score:
            found[key] = DuplicatePair(key[0], key[1], score, reason)

    by_doi: dict[str, list[int]] = defaultdict(list)
    by_isbn: dict[str, list[int]] = defaultdict(list)
    doi_of: dict[int, str] = {}
    for r in rows:
        if r.doi:
            d = normal_doi(r.doi)
            doi_of[r.id] = d
            by_doi[d].append(r.id)
        if r.isbn and r.item_type == "book":
            i = normal_isbn(r.isbn)
            if i:
                by_isbn[i].append(r.id)
    for d, ids in by_doi.items():
        if 1 < len(ids) <= MAX_GROUP:
            for n, a in enumerate(ids):
                for b in ids[n + 1 :]:
                    add(a, b, 1.0, f"same DOI {d}")
    for i, ids in by_isbn.items():
        if 1 < len(ids) <= MAX_GROUP:
            for n, a in enumerate(ids):
                for b in ids[n + 1 :]:
                    add(a, b, 0.95, f"same ISBN {i}")

    # Blocks by (first author, year); titles normalised once.
    blocks: dict[tuple[str, int], list[tuple[int, str, int]]] = defaultdict(list)
    for r in rows:
        title = normalise(r.title)
        if len(title) < 4 or r.year is None:
            continue
        author = normalise(r.first_author).replace(" ", "")
        blocks[(author, r.year)].append((r.id, title, r.year))

    def different_works(a: int, b: int) -> bool:
        da, db = doi_of.get(a), doi_of.get(b)
        return bool(da and db and da != db)

    total = len(blocks)
    if progress is not None:
        progress(0, total)
    for done, ((author, year), block) in enumerate(blocks.items()):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None and done and done % 2000 == 0:
            progress(done, total)
        later = blocks.get((author, year + 1), [])
        candidates = block + later
        titles = [t for _, t, _ in candidates]
        for n, (rid, title, y) in enumerate(block):
            # Compare with the rest of this block and the whole next-year block.
            rest = titles[n + 1 :]
            if not rest:
                continue
            for _match, similarity, idx in process.extract(
                title, rest, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
            ):
                oid, otitle, oy = candidates[n + 1 + idx]
                if different_works(rid, oid):
                    continue
                who = f"same first author ({author})" if author else "no author on either"
                years = f"year {y}" if y == oy else f"years {y} and {oy}"
                if otitle == title:
                    add(rid, oid, 0.97 if y == oy else 0.92, f"same title, {who}, {years}")
                else:
                    add(rid, oid, round(similarity / 100 * 0.9, 3),
                        f"titles {similarity:.0f}% alike, {who}, {years}")
    return sorted(found.values(), key=lambda p: (-p.score, p.first, p.second))


def scan(
    library: Library,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DuplicatePair]:
    """Duplicate pairs of the library (not the trash), without those marked not duplicates."""
    rows = curation.scan_rows(library)
    return find_duplicates(rows, curation.not_duplicate_pairs(library), cancelled, progress)


# ---- merging -----------------------------------------------------------------------------------
KEEP, OTHER, BOTH = "keep", "other", "both"


def merge_fields(keep: Reference, other: Reference) -> list[str]:
    """The fields the two references have, in a stable order (for a field-by-field dialog)."""
    return sorted(set(keep.fields) | set(other.fields))


def default_choices(keep: Reference, other: Reference) -> dict[str, str]:
    """Keep's value unless it is empty; creators of both."""
    choices = {f: (KEEP if keep.get(f).strip() or not other.get(f).strip() else OTHER)
               for f in merge_fields(keep, other)}
    choices["creators"] = BOTH
    choices["citation_key"] = KEEP if keep.citation_key else OTHER
    return choices


def merged_reference(keep: Reference, other: Reference, choices: Mapping[str, str] | None = None) -> Reference:
    """``keep`` with the chosen fields of ``other`` (see default_choices); the creators of both
    when ``choices["creators"] == BOTH`` (a name in both is kept once)."""
    chosen = dict(default_choices(keep, other))
    chosen.update(choices or {})
    out = deepcopy(keep)
    for f in merge_fields(keep, other):
        if chosen.get(f) == OTHER:
            if other.get(f):
                out.fields[f] = other.fields[f]
            else:
                out.fields.pop(f, None)
    if chosen.get("citation_key") == OTHER and other.citation_key:
        out.citation_key = other.citation_key
    mode = chosen.get("creators", BOTH)
    if mode == OTHER:
        out.creators = deepcopy(other.creators)
    elif mode == BOTH:
        seen = {_person(c) for c in keep.creators}
        out.creators = deepcopy(keep.creators) + [deepcopy(c) for c in other.creators if _person(c) not in seen]
    for k, v in other.extra.items():
        out.extra.setdefault(k, v)
    return out


def _person(c: Creator) -> tuple[str, str, str]:
    return (c.role.value, normalise(c.family or c.literal), normalise(c.given)[:1])


@dataclass(slots=True)
class MergeRecord:
    """What a merge changed, to undo it exactly."""

    keep_before: Reference
    other_id: int
    absorbed: curation.Absorbed | None = None
    keep_after: Reference | None = None


def merge(library: Library, keep_id: int, other_id: int, choices: Mapping[str, str] | None = None) -> MergeRecord:
    """Merge ``other`` into ``keep`` as one transaction: fields as chosen, tags, collections,
    notes and reading state of both on ``keep``; ``other`` goes to the trash."""
    keep, other = library.get(keep_id), library.get(other_id)
    merged = merged_reference(keep, other, choices)
    record = MergeRecord(keep, other_id, keep_after=merged)
    with library.write() as uow:
        uow.update(merged)
        record.absorbed = curation.absorb(uow, keep_id, other_id)
    return record


def redo_merge(library: Library, record: MergeRecord) -> None:
    assert record.keep_after is not None and record.keep_before.id is not None
    with library.write() as uow:
        uow.update(deepcopy(record.keep_after))
        record.absorbed = curation.absorb(uow, record.keep_before.id, record.other_id)


def undo_merge(library: Library, record: MergeRecord) -> None:
    keep = record.keep_before
    assert keep.id is not None and record.absorbed is not None
    with library.write() as uow:
        uow.update(deepcopy(keep), edited=keep.edited)
        curation.unabsorb(uow, keep.id, record.other_id, record.absorbed)


def mark_not_duplicates(library: Library, a: int, b: int) -> None:
    with library.write() as uow:
        curation.mark_not_duplicates(uow, a, b)
