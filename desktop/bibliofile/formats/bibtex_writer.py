"""Writing References and passthrough blocks as BibTeX or BibLaTeX.

An entry nobody edited is written as the exact text it was read from (JabRef does the same), so
exporting an untouched library gives the file back byte for byte. Edited and new entries get one
clean, stable style; within them, a field whose value did not change is still written with the
raw text it had in the file (macros, braces, ``{\\"u}``), so an edit touches only what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from bibliofile.formats.bibtex_names import format_names
from bibliofile.formats.bibtex_reader import (
    ARTICLE_TYPES,
    DEFAULT_MACROS,
    ROLE_FIELDS,
    THESIS_GENRES,
    decode_fields,
    entry_raw_fields,
    evaluate_value,
)
from bibliofile.formats.latex_text import balance_braces, unicode_to_latex_safe
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import MONTHS, PartialDate
from bibliofile.model.fields import EXTRA_BIBTEX_NAMES, FIELD_BY_KEY, LIST_SEPARATOR
from bibliofile.model.item_types import from_bibtex_type, item_type
from bibliofile.model.reference import Reference

Dialect = Literal["bibtex", "biblatex"]
Item = Reference | PassthroughBlock

_ROLE_NAMES: dict[CreatorRole, str] = {role: name for name, role in ROLE_FIELDS.items()}
_CHAPTER_TYPES = frozenset({"chapter", "paper-conference", "entry-encyclopedia", "entry-dictionary"})
_VERBATIM = frozenset({"url", "doi", "eprint"})
# Canonical order of our field keys in a clean entry; "date" stands for year/month/date.
_ORDER: tuple[str, ...] = (
    "title", "subtitle", "short_title", "container_title", "collection_title", "edition",
    "volume", "issue", "number", "pages", "number_of_pages", "article_number", "publisher",
    "publisher_place", "event_title", "event_place", "genre", "medium", "version", "date",
    "status", "status_date", "accessed", "doi", "isbn", "issn", "url", "pmid", "pmcid", "eprint",
    "eprint_type", "crossref", "language", "keywords", "abstract", "note", "annote",
    "research_output_type", "peer_reviewed", "externally_published", "subject_areas",
    "citation_count", "citation_count_source", "citation_count_date",
)
_ORDER_SET = frozenset(_ORDER)


def _is_unedited(ref: Reference) -> bool:
    return not ref.edited and ref.source is not None and ref.source.format == "bibtex"


def _entry_type(ref: Reference, dialect: Dialect) -> str:
    source = ref.source
    if (
        source is not None
        and source.format == "bibtex"  # a RIS "BOOK" or a CSL "book" is not a BibTeX type
        and source.entry_type
        and from_bibtex_type(source.entry_type) == ref.item_type
    ):
        return source.entry_type
    t = item_type(ref.item_type)
    if ref.item_type == "thesis" and dialect == "bibtex":
        genre = ref.fields.get("genre", "").lower()
        if genre.startswith(("master", "ma ", "msc", "m.sc", "m.a.")):
            return "mastersthesis"
    return t.bibtex if dialect == "bibtex" else t.biblatex


def _field_name(key: str, ref_type: str, dialect: Dialect) -> str:
    if key == "container_title" and ref_type in _CHAPTER_TYPES:
        return "booktitle"
    if key == "publisher":
        if ref_type == "thesis":
            return "school" if dialect == "bibtex" else "institution"
        if ref_type == "report":
            return "institution"
    if key == "issue":
        return "number" if ref_type in ARTICLE_TYPES else "issue"
    fdef = FIELD_BY_KEY.get(key)
    if fdef is not None:
        name = fdef.bibtex if dialect == "bibtex" else fdef.biblatex
        if name:
            return name
    return EXTRA_BIBTEX_NAMES.get(key, key.replace("_", "-"))


def _braced(value: str) -> str:
    return "{" + unicode_to_latex_safe(value) + "}"


def _verbatim_value(value: str) -> str:
    return "{" + balance_braces(value) + "}"


def _genre_value(ref: Reference, entry_type: str, dialect: Dialect) -> str | None:
    genre = ref.fields.get("genre", "")
    if ref.item_type != "thesis":
        return genre
    if THESIS_GENRES.get(entry_type.lower()) == genre:
        return None  # implied by @phdthesis / @mastersthesis
    if dialect == "biblatex" and entry_type.lower() == "thesis":
        return {"PhD thesis": "phdthesis", "Master's thesis": "mathesis"}.get(genre, genre)
    return genre


class _Unchanged:
    """Which raw field texts can be written again because their decoded value did not change."""

    def __init__(self, ref: Reference, macros: dict[str, str]) -> None:
        self.raw: dict[str, list[tuple[str, str]]] = {}
        source = ref.source
        if source is None or source.format != "bibtex":
            return
        # An import keeps only the entry's text; its raw fields are read again when needed.
        raw_fields = source.raw_fields or (entry_raw_fields(source.text) if source.text else [])
        if not raw_fields:
            return
        undefined: list[tuple[str, str]] = []
        origins: dict[str, list[int]] = {}
        _, fields, creators, _ = decode_fields(source.entry_type, raw_fields, macros, undefined, origins)
        bad = {name.lower() for name, _ in undefined}
        for key, indexes in origins.items():
            pairs = [raw_fields[i] for i in indexes]
            if any(name.lower() in bad for name, _ in pairs):
                continue  # uses a macro the output does not define
            if key.startswith("creators:"):
                role = CreatorRole(key.split(":", 1)[1])
                if [c for c in creators if c.role is role] == [c for c in ref.creators if c.role is role]:
                    self.raw[key] = pairs
            elif fields.get(key) == ref.fields.get(key):
                self.raw[key] = pairs


def _date_fields(ref: Reference, dialect: Dialect, unchanged: _Unchanged) -> list[tuple[str, str]]:
    text = ref.fields.get("date", "")
    if not text:
        return []
    raw = unchanged.raw.get("date")
    if raw is not None:
        names = {n.lower() for n, _ in raw}
        if "date" not in names or dialect == "biblatex":
            return [(n.lower(), v) for n, v in raw]
    d = PartialDate.parse(text)
    kept_apart = "year" in ref.extra or "month" in ref.extra
    if d.literal or d.year is None:
        return [("date" if kept_apart else "year", _braced(text))]
    if dialect == "biblatex" or kept_apart:
        # (a year/month kept apart because it disagreed with the date is written as it was)
        return [("date", "{" + d.iso() + "}")]
    out = [("year", "{" + (f"{d.year:04d}" if d.year >= 0 else str(d.year)) + "}")]
    if d.month is not None:
        out.append(("month", MONTHS[d.month - 1]))
    if d.day is not None or d.is_range:
        out.append(("date", "{" + d.iso() + "}"))
    return out


def _creator_fields(ref: Reference, unchanged: _Unchanged) -> list[tuple[str, str]]:
    by_role: dict[CreatorRole, list[Creator]] = {}
    for c in ref.creators:
        by_role.setdefault(c.role, []).append(c)
    out: list[tuple[str, str]] = []
    for role in CreatorRole:
        people = by_role.get(role)
        if not people:
            continue
        name = _ROLE_NAMES.get(role, role.value.replace("-", ""))
        raw = unchanged.raw.get(f"creators:{role.value}")
        if raw is not None and len(raw) == 1:
            out.append((name, raw[0][1]))
        else:
            out.append((name, "{" + format_names(people) + "}"))
    return out


def _clean_entry(ref: Reference, dialect: Dialect, macros: dict[str, str]) -> str:
    entry_type = _entry_type(ref, dialect)
    unchanged = _Unchanged(ref, macros)
    pairs = _creator_fields(ref, unchanged)
    keys = [k for k in _ORDER if k in ref.fields] + [k for k in ref.fields if k not in _ORDER_SET]
    # Where a field was written under another name in the file, that name is used if an
    # unknown field of the entry already holds the canonical one (langid + language).
    source_names: dict[int, str] = {}
    for key in keys:
        if key == "date":
            pairs.extend(_date_fields(ref, dialect, unchanged))
            continue
        value = ref.fields[key]
        if key == "genre":
            genre = _genre_value(ref, entry_type, dialect)
            if genre is None:
                continue
            value = genre
        name = _field_name(key, ref.item_type, dialect)
        raw = unchanged.raw.get(key)
        if raw is not None and len(raw) == 1:
            source_names[len(pairs)] = raw[0][0].lower()
            pairs.append((name, raw[0][1]))
        elif key in _VERBATIM:
            pairs.append((name, _verbatim_value(value)))
        elif key == "keywords":
            pairs.append((name, _braced(", ".join(value.split(LIST_SEPARATOR)))))
        elif key == "pages":
            pairs.append((name, _braced(value).replace("–", "--")))
        else:
            pairs.append((name, _braced(value)))
    written = {n: i for i, (n, _) in enumerate(pairs)}
    for name, raw_value in ref.extra.items():
        i = written.get(name)
        if i is not None:
            alt = source_names.get(i)
            if alt is None or alt in written or alt in ref.extra:
                continue  # cannot be written without a duplicate field name
            pairs[i] = (alt, pairs[i][1])
            written[alt] = i
        written[name] = len(pairs)
        pairs.append((name, raw_value))
    lines = [f"@{entry_type}{{{ref.citation_key},"]
    lines.extend(f"  {name} = {value}," for name, value in pairs)
    if len(lines) > 1:
        lines[-1] = lines[-1][:-1]
    lines.append("}")
    return "\n".join(lines)


def format_entry(ref: Reference, dialect: Dialect = "bibtex") -> str:
    """One entry in the clean style, whatever its history (used for new and edited entries)."""
    return _clean_entry(ref, dialect, dict(DEFAULT_MACROS))


def _macros(items: list[Item]) -> dict[str, str]:
    """Macros the written file defines: month names plus its @string blocks."""
    import re

    macros = dict(DEFAULT_MACROS)
    for item in items:
        if isinstance(item, PassthroughBlock) and item.kind is BlockKind.STRING:
            m = re.match(r"@\s*string\s*[{(]\s*([^\s=#{}\"]+)\s*=\s*(.*?)\s*[})]\s*$", item.text, re.I | re.S)
            if m:
                macros[m.group(1).lower()] = evaluate_value(m.group(2), macros)
    return macros


def write_bibtex(
    items: Iterable[Item], dialect: Dialect = "bibtex", preserve_layout: bool = False
) -> str:
    """BibTeX text for references and blocks in the given order.

    ``preserve_layout`` keeps each item's original leading text, so a library imported from one
    file and not edited is written back byte for byte; otherwise entries are separated by one
    blank line.
    """
    items = list(items)
    macros: dict[str, str] | None = None
    parts: list[str] = []
    last_fresh = False
    for item in items:
        if isinstance(item, PassthroughBlock):
            if preserve_layout:
                parts.append(item.prefix + item.text)
            elif item.kind is not BlockKind.TRAILER and item.text.strip():
                parts.append(item.text)
            last_fresh = False
            continue
        if _is_unedited(item):
            assert item.source is not None
            text = item.source.text
            fresh = False
        else:
            if macros is None:
                macros = _macros(items)
            text = _clean_entry(item, dialect, macros)
            fresh = True
        if preserve_layout:
            # Records read from RIS, CSL-JSON, ... carry no BibTeX layout: separate them plainly.
            kept = item.source is not None and item.source.format == "bibtex"
            prefix = item.source.prefix if kept and item.source is not None else ("\n\n" if parts else "")
            parts.append(prefix + text)
        else:
            parts.append(text)
        last_fresh = fresh
    if preserve_layout:
        out = "".join(parts)
        return out + "\n" if last_fresh else out
    return "\n\n".join(parts) + "\n" if parts else ""
