"""Ranked search over the style catalogue, on the styles' own ``<info>`` metadata.

Why ranked tiers and not a substring filter: ~480 styles carry ``field="psychology"``, many of
them journals of other subjects that inherit the tag from a Springer template ("Analog
Integrated Circuits…"), and a plain substring test over title + fields listed them in
alphabetical order before the styles people meant. Each style lands in the best tier it
reaches; a style that matches none is not listed:

1. the exact id or alias typed ("apa", "mla"),
2. a featured style (APA 7, Harvard, Vancouver…) that matches at all,
3. a title (or short title) that starts with the text,
4. every word starts a word of the title, short title or id, or its stem does ("psych";
   "psychology" meets "Psychological", so the American Psychological Association styles come
   up),
5. every word is met by a subject field or the citation format (``field="psychology"``,
   ``citation-format="numeric"``), or by tiers 4's words,
6. every word is a substring of the id, title, short title, fields or format.

Within a tier independent styles (which carry the formatting, such as the APA variants) come
before the dependent journal styles, then titles in alphabetical order. The search keys are built
once per catalogue from the cached header index (never from the files) and a keystroke is one
pass over plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # styles.py imports this module; it needs only the attributes
    from bibliofile.citation.styles import StyleInfo

_WORD_RE = re.compile(r"\w+")
# English endings that make "psychology", "psychological", "psychologies" one word for search.
_SUFFIXES = ("ically", "ical", "ics", "ic", "al", "ies", "y", "es", "s")

EXACT, FEATURED_TIER, TITLE_PREFIX, WORD_PREFIX, FIELD, SUBSTRING = range(6)


def stem(word: str) -> str:
    """A word without a common English ending, keeping at least four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """What a keystroke compares with, lower-cased once. The word lists are strings of the form
    " w1 w2 w3 " so that "a word starts with x" is one substring test (`" x" in words`), done
    in C: a one-letter query meets half the catalogue, and a Python loop per word was 40 ms."""

    info: StyleInfo
    title: str
    short_title: str
    words: str  # of the title, short title and id
    word_stems: str
    categories: str  # field words ("social", "science") and the citation format
    category_stems: str
    haystack: str


def _spaced(words: Iterable[str]) -> str:
    return " " + " ".join(dict.fromkeys(words)) + " "


def keys_for(info: StyleInfo) -> SearchKeys:
    title = info.title.lower()
    short = info.short_title.lower()
    words = _WORD_RE.findall(f"{title} {short} {info.id.lower()}")
    categories = [w for f in info.fields for w in _WORD_RE.findall(f.lower().replace("_", " "))]
    if info.citation_format:
        categories.append(info.citation_format.lower())
    hay = f"{info.id} {title} {short} {' '.join(info.fields)} {info.citation_format}".lower()
    return SearchKeys(
        info, title, short, _spaced(words), _spaced(stem(w) for w in words),
        _spaced(categories), _spaced(stem(c) for c in categories), hay,
    )


def _meets(word: str, word_stem: str, words: str, stems: str) -> bool:
    """A word of ``words`` starts with ``word``, or with its stem when that is long enough to
    say something ("psycholog" meets "Psychological", "Psychologie"; "phys" would meet
    "Physiology" for "physics", so a short stem must be a whole word's stem)."""
    if len(word_stem) >= 6:
        return f" {word_stem}" in words
    return f" {word}" in words or f" {word_stem} " in stems


def tier(keys: SearchKeys, text: str, words: list[str], stems: list[str]) -> int | None:
    """The tier ``keys`` reaches for the lower-cased ``text`` (split into ``words``), or None."""
    hay = keys.haystack
    # every tier below implies each word's stem is a substring of the haystack: a cheap first test
    if not all(s in hay for s in stems):
        return None
    if keys.title.startswith(text) or (keys.short_title and keys.short_title.startswith(text)):
        return TITLE_PREFIX
    worst = WORD_PREFIX
    for word, word_stem in zip(words, stems, strict=True):
        if _meets(word, word_stem, keys.words, keys.word_stems):
            continue
        if _meets(word, word_stem, keys.categories, keys.category_stems):
            worst = max(worst, FIELD)
        elif word in hay:
            worst = SUBSTRING
        else:
            return None
    return worst


def rank(
    keys: Iterable[SearchKeys], text: str, featured: Mapping[str, int], exact_id: str | None
) -> list[StyleInfo]:
    """The styles matching ``text``, best first (see the module docstring); all when it is blank."""
    low = " ".join(text.lower().split())
    words = low.split()
    if not words:
        return [k.info for k in keys]  # in the catalogue's order: featured, then by title
    stems = [stem(w) for w in words]
    hits: list[tuple[int, int, int, str, StyleInfo]] = []
    for k in keys:
        found = EXACT if exact_id is not None and k.info.id == exact_id else tier(k, low, words, stems)
        if found is None:
            continue
        t = FEATURED_TIER if found > FEATURED_TIER and k.info.id in featured else found
        hits.append((t, featured.get(k.info.id, len(featured)), int(k.info.dependent), k.title, k.info))
    hits.sort(key=lambda h: h[:4])
    return [h[4] for h in hits]
