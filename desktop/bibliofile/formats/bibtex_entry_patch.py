"""An edited entry as its original text with only what changed replaced.

Researchers keep .bib files in git, so an edit of one field must change only that field's
lines: every other field keeps its name as written (``URL``, ``journaltitle``, ``location``),
its place, its indentation and its delimiters, and a new field goes after the last one in the
entry's own style. Where fields move, go or come, the patched fields are read and compared with
the clean style's reading before they are used; where they disagree (or the reader's fields
cannot be found in the text), the clean style is written instead, so the file always means
what the library holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bibliofile.formats.bibtex_reader import (
    FIELD_NAMES,
    ROLE_FIELDS,
    Macros,
    decode_fields,
    entry_raw_fields,
    evaluate_value,
)
from bibliofile.formats.bibtex_values import group_end

if TYPE_CHECKING:
    from bibliofile.formats.bibtex_writer import Dialect, Notes, Original, Pair
    from bibliofile.model.reference import Reference

_HEAD_RE = re.compile(r"@[ \t]*([^\s{(]+)[ \t\r\n]*([{(])[ \t\r\n]*")
_GAP_RE = re.compile(r"\s*,\s*")


@dataclass(frozen=True, slots=True)
class FieldSpan:
    """Where one ``name = value`` sits in the entry's text."""

    name: str
    start: int  # first character of the name
    name_end: int
    value_start: int
    value_end: int


@dataclass(frozen=True, slots=True)
class Layout:
    """The positions of an entry's type, key and fields in its text."""

    type_start: int
    type_end: int
    key_start: int
    key_end: int
    fields: list[FieldSpan]


_FIELD_HEAD_RE = re.compile(r"[\s,]*([^\s\"#%'(),={}]+)\s*=\s*")
_TAIL_RE = re.compile(r"[\s,]*[})]\s*")


def _locate(text: str, raw_fields: list[tuple[str, str]]) -> Layout | None:
    """Where the reader's fields (name, raw value) sit in the entry's text, found in order with
    a few anchored matches (no scan of the values themselves); None when they are not there
    exactly as the reader gave them."""
    m = _HEAD_RE.match(text)
    if m is None:
        return None
    key = re.compile(r"[^,\s}]*" if m.group(2) == "{" else r"[^,\s)]*").match(text, m.end())
    assert key is not None  # (the pattern matches the empty string)
    cursor = key.end()
    fields: list[FieldSpan] = []
    for name, raw in raw_fields:
        head = _FIELD_HEAD_RE.match(text, cursor)
        if head is None or head.group(1) != name or not text.startswith(raw, head.end()):
            return None
        fields.append(FieldSpan(name, head.start(1), head.end(1), head.end(), head.end() + len(raw)))
        cursor = head.end() + len(raw)
    if _TAIL_RE.fullmatch(text, cursor) is None:
        return None
    return Layout(m.start(1), m.end(1), m.end(), key.end(), fields)


def patch_entry(
    ref: Reference, dialect: Dialect, macros: Macros, notes: Notes, keep_empty_key: bool
) -> str | None:
    """The entry's source text with the edit applied, or None to write it in the clean style.

    ``keep_empty_key``: an entry whose key was empty in the file keeps it empty (the file is
    written back to itself; the library's generated key is for citations and other exports).
    """
    from bibliofile.formats.bibtex_writer import Notes as _Notes
    from bibliofile.formats.bibtex_writer import (
        Original,
        _entry_type,
        entry_pairs,
        written_key,
    )

    source = ref.source
    if source is None or source.format != "bibtex" or not source.text:
        return None
    text = source.text
    raw_fields = source.raw_fields or entry_raw_fields(text)  # (a stored entry keeps only its text)
    layout = _locate(text, raw_fields)
    if layout is None or not layout.fields:
        return None  # the reader's fields are not laid out plainly in the text: do not guess
    original = Original(ref, macros, raw_fields)
    pending: list[str] = []
    desired = entry_pairs(ref, dialect, original, _Notes(pending))
    plan = _field_edits(text, layout, original, desired)
    if plan is None:
        return None
    edits, simple = plan.edits, plan.simple
    entry_type = _entry_type(ref, dialect)
    if entry_type != text[layout.type_start : layout.type_end]:
        edits.append((layout.type_start, layout.type_end, entry_type))
        simple = False
    old_key = text[layout.key_start : layout.key_end]
    if ref.citation_key != old_key and not (keep_empty_key and old_key == ""):
        edits.append((layout.key_start, layout.key_end, written_key(ref, _Notes(pending))))
    out = text
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + new + out[end:]
    if not simple:
        # Fields moved, went or came: check that the result reads as the clean style's fields
        # (``desired`` itself, so no clean text is made or parsed). Extra fields kept byte for
        # byte from the file are left out: the clean style may have had to rewrite one the file
        # held in a form BibTeX itself rejects.
        kept = {g[len("extra:") :] for g in original.raw if g.startswith("extra:")}
        clean = [(name, value) for _, name, value in desired]
        if _reading(entry_type, plan.fields, macros, kept) != _reading(entry_type, clean, macros, kept):
            return None
    if notes.into is not None:
        notes.into.extend(pending)
    return out


@dataclass(slots=True)
class _Plan:
    """The replacements that turn the source into the desired entry; ``fields`` are the
    resulting (name, raw value) pairs in order, and ``simple`` says every change is a value
    replaced in place (a field keeps its name and place, so it reads as the same key)."""

    edits: list[tuple[int, int, str]]
    fields: list[tuple[str, str]]
    simple: bool


def _field_edits(text: str, layout: Layout, original: Original, desired: list[Pair]) -> _Plan | None:
    fields = layout.fields
    wanted: dict[str, list[tuple[str, str]]] = {}
    for group, name, value in desired:
        wanted.setdefault(group, []).append((name, value))
    simple = True
    values: dict[int, str] = {}  # field index: its new raw value
    deleted: set[int] = set()
    inserts: dict[int, list[tuple[str, str]]] = {}  # after which field index: new (name, value)
    for group, indexes in original.groups.items():
        if not indexes or group in original.raw:
            continue  # unchanged: its lines stay as they are
        new = wanted.pop(group, [])
        if len(indexes) == 1 and len(new) == 1 and group != "date":
            f = fields[indexes[0]]
            values[indexes[0]] = _restyle(new[0][1], text[f.value_start : f.value_end])
            continue
        simple = False
        free = list(indexes)
        for name, value in new:
            match = next((i for i in free if fields[i].name.lower() == name.lower()), None)
            if match is None:
                inserts.setdefault(indexes[-1], []).append((name, value))
            else:
                free.remove(match)
                f = fields[match]
                values[match] = _restyle(value, text[f.value_start : f.value_end])
        deleted.update(free)
    for group in list(wanted):
        if original.groups.get(group):
            wanted.pop(group)  # unchanged and already in place
    present = {f.name.lower() for f in fields}
    for group, new in wanted.items():
        if not (len(new) == 1 and _reads_back(group, new[0][0], present)):
            simple = False
        inserts.setdefault(len(fields) - 1, []).extend(new)
    if len(deleted) == len(fields):
        return None
    edits = [(fields[i].value_start, fields[i].value_end, v) for i, v in values.items()]
    style = _Style(text, layout) if inserts else None
    result: list[tuple[str, str]] = []
    for i, f in enumerate(fields):
        if i not in deleted:
            result.append((f.name, values.get(i, text[f.value_start : f.value_end])))
        added = inserts.get(i)
        if added and style is not None:
            texts = [style.field(name, value) for name, value in added]
            edits.append((f.value_end, f.value_end, "".join(texts)))
            result.extend((style.name(name), style.value(value)) for name, value in added)
    edits.extend(_deletions(layout, sorted(deleted)))
    return _Plan(edits, result, simple and not deleted)


def _reads_back(group: str, name: str, present: set[str]) -> bool:
    """True when a new field ``name`` can only read back as ``group`` (so the patch need not be
    read again): a name the entry does not have yet that maps to that group alone."""
    lname = name.lower()
    if lname in present or lname in ("year", "month", "date", "number", "issue", "type"):
        return False
    if group.startswith("creators:"):
        role = ROLE_FIELDS.get(lname)
        return role is not None and group == f"creators:{role.value}"
    if group.startswith("extra:"):
        return group == f"extra:{lname}" and lname not in FIELD_NAMES and lname not in ROLE_FIELDS
    return FIELD_NAMES.get(lname) == group


def _deletions(layout: Layout, deleted: list[int]) -> list[tuple[int, int, str]]:
    """Spans that remove the given fields with their separators, keeping the others' lines."""
    fields = layout.fields
    out: list[tuple[int, int, str]] = []
    runs: list[list[int]] = []
    for i in deleted:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        first, last = run[0], run[-1]
        if first > 0:
            out.append((fields[first - 1].value_end, fields[last].value_end, ""))
        else:
            out.append((fields[0].start, fields[last + 1].start, ""))
    return out


class _Style:
    """How this entry writes a field: separator, indentation, ``=`` spacing, name case, quotes."""

    def __init__(self, text: str, layout: Layout) -> None:
        fields = layout.fields
        last = fields[-1]
        before = fields[-2].value_end if len(fields) > 1 else layout.key_end
        gap = text[before : last.start]
        self.gap = gap if _GAP_RE.fullmatch(gap) and "," in gap else ",\n  "
        eq = text[last.name_end : last.value_start]
        self.eq = eq if re.fullmatch(r"\s*=\s*", eq) and "\n" not in eq else " = "
        # Aligned "=" signs: the column of each field's "=" from the start of its line.
        columns = {_column(text, f.start) + len(f.name) + eq_offset(text, f) for f in fields}
        self.align = columns.pop() if len(columns) == 1 and len(fields) > 1 else None
        self.name_column = _column(text, last.start)
        names = [f.name for f in fields if f.name.isalpha()]
        if names and all(n.isupper() for n in names):
            self.case = "upper"
        elif names and all(n[0].isupper() and n[1:].islower() for n in names if len(n) > 1):
            self.case = "title"
        else:
            self.case = "lower"
        quoted = sum(text[f.value_start] == '"' for f in fields)
        self.quoted = quoted * 2 > len(fields)

    def name(self, name: str) -> str:
        if self.case == "upper":
            return name.upper()
        if self.case == "title":
            return name[:1].upper() + name[1:]
        return name

    def value(self, value: str) -> str:
        return _restyle(value, '"') if self.quoted else value

    def field(self, name: str, value: str) -> str:
        name = self.name(name)
        eq = self.eq
        if self.align is not None:
            pad = self.align - self.name_column - len(name)
            eq = " " * max(pad, 1 if eq.startswith(" ") else 0) + eq.lstrip()
        return self.gap + name + eq + self.value(value)


def eq_offset(text: str, f: FieldSpan) -> int:
    """Characters between a field's name and its ``=``."""
    return text.index("=", f.name_end) - f.name_end


def _column(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1)


def _restyle(value: str, old: str) -> str:
    """A new value in the delimiters the old one had: quotes stay quotes, a bare number stays
    bare, where the new text allows it; braces otherwise."""
    if not (value.startswith("{") and value.endswith("}")) or group_end(value, 0) != len(value) - 1:
        return value  # a macro, a month name, or raw text kept from the file
    content = value[1:-1]
    if old.isdigit() and content.isdigit():
        return content
    if old.startswith('"') and not _has_quote_at_top(content):
        return '"' + content + '"'
    return value


def _has_quote_at_top(content: str) -> bool:
    depth = 0
    for c in content:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0:
            return True
    return False


def _reading(entry_type: str, raw: list[tuple[str, str]], macros: Macros, skip: set[str]) -> object:
    """What the reader makes of an entry's fields (creators by role: their order across roles
    is not part of the reference)."""
    item_type, fields, creators, extra = decode_fields(entry_type, raw, macros)
    by_role = sorted(creators, key=lambda c: c.role.value)
    return item_type, fields, by_role, {k: evaluate_value(v, macros) for k, v in extra.items() if k not in skip}
