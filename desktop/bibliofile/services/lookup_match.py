"""When a record found online is the reference we have, and what merging it would change.

A title search returns candidates ranked by the service's own relevance, which is not evidence
that the first one is ours: a paper and its erratum, a book and its review, the same title in
another journal. So a candidate is applied only when it is a *confident* match:

- the normalised titles (case, accents, punctuation and spacing ignored; a subtitle after a
  colon counted either way) are equal, or nearly so: at most one edit per 25 characters (two
  at least: a typo, "modernising"), so "X: a reply" or "X (corrigendum)" is not X;
- the years, where both are known, are at most one apart (online-first versus print);
- the containers (journal, book), where both are known, agree (equal when normalised, one an
  abbreviation-like part of the other, or similar at 85% or more);
- the first authors' family names, where both are known, agree;
- and no second candidate is just as confident with another DOI (then neither is applied).

A less confident candidate is shown with the reasons it fell short, never applied silently.
The merge plan fills what is empty and offers what differs (``MergePlan``); the caller applies
fills always and differing fields only when the user picks them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from bibliofile.formats.detect import PLACEHOLDER_KEYWORD
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.fields import FIELD_BY_KEY, LIST_SEPARATOR
from bibliofile.model.reference import Reference

__all__ = [
    "CREATORS",
    "Candidate",
    "FieldDiff",
    "MergePlan",
    "is_placeholder",
    "judge_candidates",
    "merge_plan",
    "normalised_title",
    "without_placeholder",
]

CREATORS = "creators"  # the name MergePlan uses for the author list
TITLE_NEAR = 95.0  # the score of a title within the edit budget; others score below it
CONTAINER_NEAR = 85.0
PLACEHOLDER_TITLE = "To look up:"
PLACEHOLDER_NOTE = "Placeholder made from"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record a search found, how well it matches (0-100) and, when not confident, why."""

    reference: Reference
    score: float
    confident: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """A field both have with different values: offered, not applied. ``field`` is a field key,
    or ``creators`` for the author list (values then as "Family, Given; …")."""

    field: str
    label: str
    ours: str
    theirs: str


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What merging ``found`` into a reference would do: ``fills`` (field -> value) for empty
    fields, ``creators`` when it has no authors and the record has some, ``differs`` for the
    fields both have with other values, ``item_type`` when a placeholder takes the record's."""

    fills: dict[str, str] = field(default_factory=dict)
    creators: tuple[Creator, ...] = ()
    differs: tuple[FieldDiff, ...] = ()
    item_type: str = ""

    @property
    def empty(self) -> bool:
        return not (self.fills or self.creators or self.differs or self.item_type)


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = re.sub(r"<[^>]{0,100}>", " ", t)  # <i>, <sub> in titles from Crossref
    t = re.sub(r"[^\w]+", " ", t.casefold())
    return " ".join(t.split())


def normalised_title(text: str) -> str:
    """Title for comparison: case, accents, markup, punctuation and spacing ignored."""
    return _fold(text)


def _titles(ref: Reference) -> tuple[list[str], str]:
    """(the full title's spellings, the main title before a colon or "")."""
    t = ref.fields.get("title", "")
    full = [_fold(t)]
    sub = ref.fields.get("subtitle", "")
    if sub:
        full.append(_fold(f"{t} {sub}"))
    main = _fold(t.split(":", 1)[0]) if ":" in t else ""
    return [x for x in full if x], main


def _title_score(ours: Reference, theirs: Reference) -> float:
    """Best likeness of the full titles, or of one side's main title (before its subtitle)
    against the other's full title; never of the two main titles alone ("X: a reply")."""
    ours_full, ours_main = _titles(ours)
    theirs_full, theirs_main = _titles(theirs)
    pairs = [(a, b) for a in ours_full for b in theirs_full]
    pairs += [(ours_main, b) for b in theirs_full if ours_main]
    pairs += [(a, theirs_main) for a in ours_full if theirs_main]
    best = 0.0
    for a, b in pairs:
        if a == b:
            return 100.0
        if Levenshtein.distance(a, b) <= max(2, min(len(a), len(b)) // 25):
            best = max(best, TITLE_NEAR)
        best = max(best, min(float(fuzz.ratio(a, b)), TITLE_NEAR - 0.1))
    return best


def _first_family(ref: Reference) -> str:
    for c in ref.creators:
        if c.role is CreatorRole.AUTHOR and not c.others:
            return _fold(c.family or c.literal)
    return ""


def _containers_agree(a: str, b: str) -> bool:
    x, y = _fold(a), _fold(b)
    if not x or not y or x == y:
        return True
    if x in y or y in x:
        return True
    return float(fuzz.ratio(x, y)) >= CONTAINER_NEAR


def judge(ours: Reference, theirs: Reference) -> Candidate:
    """One candidate against the reference, by the rules in the module doc."""
    score = _title_score(ours, theirs)
    reasons: list[str] = []
    if score < TITLE_NEAR:
        reasons.append(f"the title differs ({score:.0f}% alike)")
    y1, y2 = ours.year, theirs.year
    if y1 is not None and y2 is not None and abs(y1 - y2) > 1:
        reasons.append(f"the year differs ({y2} here, {y1} in the reference)")
    c1, c2 = ours.fields.get("container_title", ""), theirs.fields.get("container_title", "")
    if c1 and c2 and not _containers_agree(c1, c2):
        reasons.append(f"the journal or book differs (“{c2}”)")
    a1, a2 = _first_family(ours), _first_family(theirs)
    if a1 and a2 and a1 != a2 and float(fuzz.ratio(a1, a2)) < 85:
        reasons.append("the first author differs")
    return Candidate(theirs, score, not reasons, tuple(reasons))


def judge_candidates(ours: Reference, found: Sequence[Reference]) -> tuple[Candidate | None, list[Candidate]]:
    """(the one confident match or None, every candidate judged, best first). Two confident
    candidates with different DOIs cancel each other: both are returned as unsure."""
    judged = sorted((judge(ours, f) for f in found), key=lambda c: -c.score)
    confident = [c for c in judged if c.confident]
    dois = {c.reference.fields.get("doi", "").lower() for c in confident}
    if len(confident) == 1 or (confident and len(dois) == 1):
        return confident[0], judged
    if len(confident) > 1:
        why = ("another record matches as well; choose one",)
        judged = [Candidate(c.reference, c.score, False, c.reasons + why) if c.confident else c for c in judged]
    return None, judged


# ---- the merge ------------------------------------------------------------------------------

def is_placeholder(ref: Reference) -> bool:
    """A reference made from a bare identifier, still waiting for its details."""
    keywords = [k.strip() for k in ref.fields.get("keywords", "").split(";")]
    return PLACEHOLDER_KEYWORD in keywords and ref.fields.get("title", "").startswith(PLACEHOLDER_TITLE)


def without_placeholder(ref: Reference) -> Reference:
    """A copy without what made it a placeholder (the "To look up" title, keyword and note),
    so the record found fills those fields instead of being offered as a difference."""
    from bibliofile.services.editing import copy_reference

    out = copy_reference(ref)
    if not is_placeholder(ref):
        return out
    out.fields.pop("title", None)
    words = [k.strip() for k in out.fields.get("keywords", "").split(";") if k.strip() and k.strip() != PLACEHOLDER_KEYWORD]
    if words:
        out.fields["keywords"] = LIST_SEPARATOR.join(words)
    else:
        out.fields.pop("keywords", None)
    if out.fields.get("note", "").startswith(PLACEHOLDER_NOTE):
        out.fields.pop("note")
    return out


# ISO 639-1 codes (what Crossref and DataCite send) and the names portals and .bib files use.
_LANGUAGES = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese",
    "nl": "dutch", "ru": "russian", "zh": "chinese", "ja": "japanese", "ko": "korean", "pl": "polish",
    "sv": "swedish", "da": "danish", "no": "norwegian", "fi": "finnish", "tr": "turkish", "ar": "arabic",
}


def _language(value: str) -> str:
    v = value.strip().casefold()
    return _LANGUAGES.get(v.split("-")[0], v) if len(v.split("-")[0]) == 2 else v


def _same(key: str, a: str, b: str) -> bool:
    if key == "language":
        return _language(a) == _language(b)
    if key in ("doi", "url", "isbn", "issn", "pmcid", "eprint"):
        return a.strip().casefold().replace("-", "") == b.strip().casefold().replace("-", "")
    if key == "pages":
        return re.sub(r"[\s\u2010-\u2015-]+", "-", a.strip()) == re.sub(r"[\s\u2010-\u2015-]+", "-", b.strip())
    if key in ("title", "container_title", "publisher", "abstract"):
        return _fold(a) == _fold(b)
    return " ".join(a.split()) == " ".join(b.split())


def names_text(creators: Sequence[Creator]) -> str:
    return "; ".join(
        c.literal or ", ".join(p for p in (f"{c.particle} {c.family}".strip(), c.given) if p) for c in creators if not c.others
    )


def merge_plan(ours: Reference, theirs: Reference) -> MergePlan:
    """What to fill and what to offer when ``theirs`` (a record found online) is merged into
    ``ours``. Placeholders take everything, their type included."""
    placeholder = is_placeholder(ours)
    base = without_placeholder(ours)
    fills: dict[str, str] = {}
    differs: list[FieldDiff] = []
    for key, value in theirs.fields.items():
        value = value.strip()
        if not value:
            continue
        have = base.fields.get(key, "").strip()
        if not have:
            fills[key] = value
        elif not _same(key, have, value):
            label = FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key
            differs.append(FieldDiff(key, label, have, value))
    ours_authors = [c for c in base.creators if c.role is CreatorRole.AUTHOR]
    theirs_all = [c for c in theirs.creators if not c.others]
    fill_creators: tuple[Creator, ...] = ()
    if theirs_all and not base.creators:
        fill_creators = tuple(theirs_all)
    elif theirs_all and ours_authors:
        theirs_authors = [c for c in theirs_all if c.role is CreatorRole.AUTHOR]
        if theirs_authors and [_fold(c.family or c.literal) for c in ours_authors] != [
            _fold(c.family or c.literal) for c in theirs_authors
        ]:
            differs.append(FieldDiff(CREATORS, "Authors", names_text(ours_authors), names_text(theirs_authors)))
    item_type = theirs.item_type if placeholder and theirs.item_type != ours.item_type else ""
    return MergePlan(fills, fill_creators, tuple(differs), item_type)


def apply_plan(current: Reference, plan: MergePlan, accept: Sequence[str] = ()) -> Reference:
    """``current`` with the plan's fills (each only if the field is still empty) and the
    differing fields named in ``accept`` (``creators`` for the author list) applied."""
    out = without_placeholder(current)
    for key, value in plan.fills.items():
        if not out.fields.get(key, "").strip():
            out.fields[key] = value
    chosen = set(accept)
    for d in plan.differs:
        if d.field in chosen and d.field != CREATORS:
            out.fields[d.field] = d.theirs
    if plan.creators and not out.creators:
        out.creators = list(plan.creators)
    if plan.item_type:
        out.item_type = plan.item_type
    return out


def apply_creators(current: Reference, theirs: Reference) -> Reference:
    """Replace the author list (a differing one the user chose) with the record's, keeping
    editors and other roles."""
    from bibliofile.services.editing import copy_reference

    out = copy_reference(current)
    kept = [c for c in out.creators if c.role is not CreatorRole.AUTHOR]
    out.creators = [c for c in theirs.creators if c.role is CreatorRole.AUTHOR] + kept
    return out
