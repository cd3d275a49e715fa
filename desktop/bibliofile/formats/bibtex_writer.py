"""Writing References and passthrough blocks as BibTeX or BibLaTeX.

An entry nobody edited is written as the exact text it was read from (JabRef does the same), so
exporting an untouched library gives the file back byte for byte. An edited entry read from
BibTeX is its original text with only the changed fields' values replaced (names, order, case,
indentation and delimiters kept; a new field goes after the last one, in the entry's style), so
a .bib kept in git shows a one-line diff for a one-field edit (``bibtex_entry_patch``). Entries
from other formats get one clean, stable style.

Every value written is text that real ``bibtex`` and our reader read back as what the library
holds (``bibtex_values``): a value cannot start an entry of its own, end its entry early or
lose a brace. What BibTeX cannot carry is left out and said in ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from bibliofile.formats.bibtex_names import format_names
from bibliofile.formats.bibtex_reader import (
    ARTICLE_TYPES,
    DEFAULT_MACROS,
    ROLE_FIELDS,
    THESIS_GENRES,
    Macros,
    MacroValue,
    decode_fields,
    define_macro,
    entry_raw_fields,
    expansion_limit,
    macro_length,
)
from bibliofile.formats.bibtex_values import (
    braced,
    clean_field_name,
    clean_key,
    is_bibtex_raw_value,
)
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import MONTHS, PartialDate
from bibliofile.model.fields import EXTRA_BIBTEX_NAMES, FIELD_BY_KEY, LIST_SEPARATOR
from bibliofile.model.item_types import from_bibtex_type, item_type
from bibliofile.model.reference import Reference

Dialect = Literal["bibtex", "biblatex"]
Item = Reference | PassthroughBlock
# (group, field name, raw value): the group says which library value the field carries
# ("title", "creators:author", "date", "extra:<name>"), so an edit can find its lines.
Pair = tuple[str, str, str]

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


class Notes:
    """What a write could not keep verbatim, one plain sentence each (shown after an export)."""

    def __init__(self, into: list[str] | None) -> None:
        self.into = into
        self.keys: set[str] = set()  # citation keys written so far

    def add(self, key: str, what: str) -> None:
        if self.into is not None:
            self.into.append(f"entry '{key}': {what}")

    def lost(self, key: str, field: str, what: list[str]) -> None:
        for w in what:
            self.add(key, f"field '{field}': {w}")


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


def _verbatim_value(value: str) -> tuple[str, list[str]]:
    """An identifier (URL, DOI): the reader drops its spaces and braces, so they are not written;
    a final backslash gets a space after it, or the closing brace would read as escaped."""
    kept = "".join(c for c in value if not c.isspace() and c not in "{}" and c.isprintable())
    lost = ["spaces, line breaks or braces were left out of this identifier"] if kept != value else []
    return "{" + kept + (" " if kept.endswith("\\") else "") + "}", lost


_ESCAPED_BRACE_RE = re.compile(r"(?<!\\)\\([{}])")


def _names_value(people: list[Creator]) -> str:
    """A name list on one line with braces BibTeX can count (a name may hold anything).

    Escaped braces become their text commands: bibtex counts ``\\}`` as a brace and our reader
    does not, so a lone one would end the field early for one of them.
    """
    text = format_names(people)
    if "\n" in text or "\r" in text or not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    if "\\{" in text or "\\}" in text:
        text = _ESCAPED_BRACE_RE.sub(lambda m: "\\textbraceleft{}" if m.group(1) == "{" else "\\textbraceright{}", text)
    return "{" + _balanced_as_bibtex_counts(text) + "}"


def _balanced_as_bibtex_counts(text: str) -> str:
    """Braces matched the way BibTeX counts them (backslashes do not escape); an escaped lone
    brace becomes its text command and a bare lone one (a group never closed) goes."""
    if "{" not in text and "}" not in text:
        return text
    opens: list[int] = []
    lone: set[int] = set()
    for i, c in enumerate(text):
        if c == "{":
            opens.append(i)
        elif c == "}":
            if opens:
                opens.pop()
            else:
                lone.add(i)
    lone.update(opens)
    if not lone:
        return text
    out: list[str] = []
    for i, c in enumerate(text):
        if i not in lone:
            out.append(c)
        elif out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1]
            out.append("\\textbraceleft{}" if c == "{" else "\\textbraceright{}")
    return "".join(out)


def _genre_value(ref: Reference, entry_type: str, dialect: Dialect) -> str | None:
    genre = ref.fields.get("genre", "")
    if ref.item_type != "thesis":
        return genre
    if THESIS_GENRES.get(entry_type.lower()) == genre:
        return None  # implied by @phdthesis / @mastersthesis
    if dialect == "biblatex" and entry_type.lower() == "thesis":
        return {"PhD thesis": "phdthesis", "Master's thesis": "mathesis"}.get(genre, genre)
    return genre


class Original:
    """An entry's fields as its source text has them, and which still hold the library's value.

    ``groups`` maps each library value ("title", "creators:author", "date", "extra:<name>") to
    the indexes of the raw fields it came from; ``raw`` holds the raw fields of the groups whose
    decoded value did not change (so they are written as they were).
    """

    def __init__(
        self, ref: Reference, macros: Macros, raw_fields: list[tuple[str, str]] | None = None
    ) -> None:
        self.raw: dict[str, list[tuple[str, str]]] = {}
        self.groups: dict[str, list[int]] = {}
        self.raw_fields: list[tuple[str, str]] = []
        source = ref.source
        if source is None or source.format != "bibtex":
            return
        # An import keeps only the entry's text; its raw fields are read again when needed.
        if raw_fields is None:
            raw_fields = source.raw_fields or (entry_raw_fields(source.text) if source.text else [])
        self.raw_fields = raw_fields
        if not raw_fields:
            return
        # Read with the macros the output defines: a field using an @string the output lacks
        # reads differently now, so it counts as changed and is written out.
        origins: dict[str, list[int]] = {}
        _, fields, creators, extra = decode_fields(source.entry_type, raw_fields, macros, None, origins)
        self.groups.update(origins)
        used = {i for indexes in origins.values() for i in indexes}
        for name in extra:
            self.groups["extra:" + name] = [
                i for i, (n, _) in enumerate(raw_fields) if n.lower() == name and i not in used
            ]
        for key, indexes in origins.items():
            pairs = [raw_fields[i] for i in indexes]
            if key.startswith("creators:"):
                role = CreatorRole(key.split(":", 1)[1])
                if [c for c in creators if c.role is role] == [c for c in ref.creators if c.role is role]:
                    self.raw[key] = pairs
            elif fields.get(key) == ref.fields.get(key):
                self.raw[key] = pairs
        for name, raw in extra.items():
            if ref.extra.get(name) == raw:
                self.raw["extra:" + name] = [raw_fields[i] for i in self.groups["extra:" + name]][-1:]


def _date_pairs(ref: Reference, dialect: Dialect, original: Original, notes: Notes) -> list[Pair]:
    text = ref.fields.get("date", "")
    if not text:
        return []
    raw = original.raw.get("date")
    if raw is not None:
        names = {n.lower() for n, _ in raw}
        if "date" not in names or dialect == "biblatex":
            return [("date", n.lower(), v) for n, v in raw]
    d = PartialDate.parse(text)
    kept_apart = "year" in ref.extra or "month" in ref.extra
    was_date = [original.raw_fields[i][0].lower() for i in original.groups.get("date", [])] == ["date"]
    if d.literal or d.year is None:
        value, lost = braced(text)
        notes.lost(ref.citation_key, "date", lost)
        return [("date", "date" if kept_apart or was_date else "year", value)]
    if dialect == "biblatex" or kept_apart or was_date:
        # (a year/month kept apart because it disagreed with the date is written as it was)
        return [("date", "date", "{" + d.iso() + "}")]
    out = [("date", "year", "{" + (f"{d.year:04d}" if d.year >= 0 else str(d.year)) + "}")]
    if d.month is not None:
        out.append(("date", "month", MONTHS[d.month - 1]))
    if d.day is not None or d.is_range:
        out.append(("date", "date", "{" + d.iso() + "}"))
    return out


def _creator_pairs(ref: Reference, original: Original) -> list[Pair]:
    by_role: dict[CreatorRole, list[Creator]] = {}
    for c in ref.creators:
        by_role.setdefault(c.role, []).append(c)
    out: list[Pair] = []
    for role in CreatorRole:
        people = by_role.get(role)
        if not people:
            continue
        group = f"creators:{role.value}"
        name = _ROLE_NAMES.get(role, role.value.replace("-", ""))
        raw = original.raw.get(group)
        if raw is not None and len(raw) == 1:
            out.append((group, name, raw[0][1]))
        else:
            out.append((group, name, _names_value(people)))
    return out


def entry_pairs(ref: Reference, dialect: Dialect, original: Original, notes: Notes) -> list[Pair]:
    """Every field the entry is written with, in the clean order, unchanged ones as raw text."""
    entry_type = _entry_type(ref, dialect)
    key = ref.citation_key or (f"ref-{ref.id}" if ref.id is not None else "")
    pairs = _creator_pairs(ref, original)
    keys = [k for k in _ORDER if k in ref.fields] + [k for k in ref.fields if k not in _ORDER_SET]
    # Where a field was written under another name in the file, that name is used if an
    # unknown field of the entry already holds the canonical one (langid + language).
    source_names: dict[int, str] = {}
    for fkey in keys:
        if fkey == "date":
            pairs.extend(_date_pairs(ref, dialect, original, notes))
            continue
        value = ref.fields[fkey]
        if fkey == "genre":
            genre = _genre_value(ref, entry_type, dialect)
            if genre is None:
                continue
            value = genre
        name = _field_name(fkey, ref.item_type, dialect)
        raw = original.raw.get(fkey)
        lost: list[str] = []
        if raw is not None and len(raw) == 1:
            source_names[len(pairs)] = raw[0][0].lower()
            written = raw[0][1]
        elif fkey in _VERBATIM:
            written, lost = _verbatim_value(value)
        elif fkey == "keywords":
            written, lost = braced(", ".join(value.split(LIST_SEPARATOR)))
        elif fkey == "pages":
            written, lost = braced(value)
            written = written.replace("–", "--")
        else:
            written, lost = braced(value)
        if written == "{}" and lost:
            notes.add(key, f"field '{name}' was left out: it holds only what BibTeX cannot carry")
            continue
        notes.lost(key, name, lost)
        pairs.append((fkey, name, written))
    written_at = {n: i for i, (_, n, _) in enumerate(pairs)}
    # Extra fields of an entry read from BibTeX (or made here) hold raw BibTeX values; those
    # kept from RIS, a portal page, ... hold plain text.
    raw_extras = ref.source is None or ref.source.format == "bibtex"
    for name, raw_value in ref.extra.items():
        group = "extra:" + name
        out_name = clean_field_name(name)
        if out_name != name:
            notes.add(key, f"field '{name}' was written as '{out_name}' (BibTeX cannot read that name)")
        i = written_at.get(out_name)
        if i is not None:
            alt = source_names.get(i)
            if alt is None or alt in written_at or alt in ref.extra:
                notes.add(key, f"field '{name}' was left out: the entry already has a field of that name")
                continue
            pairs[i] = (pairs[i][0], alt, pairs[i][2])
            written_at[alt] = i
        written_at[out_name] = len(pairs)
        if raw_extras and is_bibtex_raw_value(raw_value):
            pairs.append((group, out_name, raw_value))  # kept as the file had it
        else:
            # Kept from RIS, a portal page, ...: plain text, written braced like any value.
            value, lost = braced(raw_value)
            notes.lost(key, out_name, lost)
            pairs.append((group, out_name, value))
    return pairs


def written_key(ref: Reference, notes: Notes) -> str:
    """The citation key as BibTeX can carry it (one typed before keys were checked may not);
    a reference without one (no author or title to make it from) gets ``ref-<id>``, as two
    empty keys in one file are an error to bibtex."""
    key = clean_key(ref.citation_key)
    if not key:
        key = f"ref-{ref.id}" if ref.id is not None else "ref"
        notes.add(key, f"the reference has no citation key; it was written as '{key}'")
    elif key != ref.citation_key:
        notes.add(key, f"the citation key {ref.citation_key!r} was written as {key!r}: BibTeX keys "
                  "cannot hold spaces, line breaks or {}(),=\\\"#%~'")
    return key


def _unique(key: str, notes: Notes) -> str:
    """A key not yet written in this file: bibtex skips an entry whose key came before (two RIS
    records with the same ID). Entries from the user's own .bib keep theirs as written."""
    if key in notes.keys:
        n = 2
        while f"{key}-{n}" in notes.keys:
            n += 1
        notes.add(key, f"another entry in this export has the same key; this one was written as '{key}-{n}'")
        key = f"{key}-{n}"
    notes.keys.add(key)
    return key


def _clean_entry(ref: Reference, dialect: Dialect, macros: Macros, notes: Notes) -> str:
    pairs = entry_pairs(ref, dialect, Original(ref, macros), notes)
    lines = [f"@{_entry_type(ref, dialect)}{{{_unique(written_key(ref, notes), notes)},"]
    lines.extend(f"  {name} = {value}," for _, name, value in pairs)
    if len(lines) > 1:
        lines[-1] = lines[-1][:-1]
    lines.append("}")
    return "\n".join(lines)


def format_entry(ref: Reference, dialect: Dialect = "bibtex", notes: list[str] | None = None) -> str:
    """One entry in the clean style, whatever its history (used for new entries and pastes)."""
    return _clean_entry(ref, dialect, dict(DEFAULT_MACROS), Notes(notes))


_STRING_RE = re.compile(r"@\s*string\s*[{(]\s*([^\s=#{}\"]+)\s*=\s*(.*?)\s*[})]\s*$", re.I | re.S)


def _written_size(items: list[Item]) -> int:
    """About how long the written file is: the text of its blocks and kept entries."""
    size = 0
    for item in items:
        if isinstance(item, PassthroughBlock):
            size += len(item.prefix) + len(item.text)
        elif item.source is not None:
            size += len(item.source.prefix) + len(item.source.text)
    return size


def _macros(items: list[Item]) -> dict[str, MacroValue]:
    """Macros the written file defines: month names plus its @string blocks, defined as the
    reader defines them (issue 14): a long value stays in parts (``MacroValue``), and one past
    ``expansion_limit`` of the written text, or made from a refused one, stays undefined, so a
    field using it keeps the macro's name, as its import did. Expanding every value in full made
    a 700-byte file of doubling macros take gigabytes when an edited entry was exported."""
    macros: dict[str, MacroValue] = dict(DEFAULT_MACROS)
    refused: set[str] = set()
    limit = expansion_limit(_written_size(items))
    for item in items:
        if isinstance(item, PassthroughBlock) and item.kind is BlockKind.STRING:
            m = _STRING_RE.match(item.text)
            if m is None:
                continue
            name = m.group(1).lower()
            undefined: list[str] = []
            value = define_macro(m.group(2), macros, undefined)
            if macro_length(value) <= limit and not any(u.lower() in refused for u in undefined):
                macros[name] = value
                refused.discard(name)
            else:
                macros.pop(name, None)
                refused.add(name)
    return macros


_HEAD_KEY_RE = re.compile(r"(@[ \t]*[^\s{(]+[ \t\r\n]*[{(][ \t\r\n]*)([^,\s})]*)")


def _with_key(text: str, key: str) -> str:
    """An entry's text with another citation key in its head."""
    m = _HEAD_KEY_RE.match(text)
    if m is None:
        return text
    return text[: m.start(2)] + key + text[m.end(2) :]


def _edited_entry(
    ref: Reference, dialect: Dialect, macros: Macros, notes: Notes, own_file: bool
) -> str:
    from bibliofile.formats.bibtex_entry_patch import patch_entry

    patched = patch_entry(ref, dialect, macros, notes, keep_empty_key=own_file)
    if patched is not None:
        notes.keys.add(ref.citation_key)
        return patched
    return _clean_entry(ref, dialect, macros, notes)


def write_bibtex(
    items: Iterable[Item],
    dialect: Dialect = "bibtex",
    preserve_layout: bool = False,
    notes: list[str] | None = None,
    parts: list[str] | None = None,
) -> str:
    """BibTeX text for references and blocks in the given order.

    ``preserve_layout`` keeps each item's original leading text, so a library imported from one
    file and not edited is written back byte for byte (an entry whose key was empty in the file
    keeps it empty there: the file is its own); otherwise entries are separated by one blank
    line and each carries its library key. ``notes`` collects what could not be written as the
    library holds it. ``parts`` (an empty list) receives each item's written text, so an
    auto-export can keep each entry's and reuse it while the entry is unchanged (issue 20).
    """
    items = list(items)
    out_notes = Notes(notes)
    macros: Macros | None = None
    parts = [] if parts is None else parts
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
            out_notes.keys.add(item.citation_key)
            text = item.source.text
            if not preserve_layout and item.citation_key:
                m = _HEAD_KEY_RE.match(text)
                if m is not None and m.group(2) != item.citation_key:
                    text = _with_key(text, written_key(item, out_notes))  # an empty key in the file
            fresh = False
        else:
            if macros is None:
                macros = _macros(items)
            text = _edited_entry(item, dialect, macros, out_notes, own_file=preserve_layout)
            fresh = True
        if preserve_layout:
            # Records read from RIS, CSL-JSON, ... carry no BibTeX layout: separate them plainly.
            kept = item.source is not None and item.source.format == "bibtex"
            prefix = item.source.prefix if kept and item.source is not None else ("\n\n" if parts else "")
            parts.append(prefix + text)
            fresh = fresh and not (kept and item.source is not None and item.source.text)
        else:
            parts.append(text)
        last_fresh = fresh
    if preserve_layout:
        out = "".join(parts)
        return out + "\n" if last_fresh else out
    return "\n\n".join(parts) + "\n" if parts else ""
