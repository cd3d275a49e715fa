"""An edited entry as its original text with only what changed replaced.

Researchers keep .bib files in git, so an edit of one field must change only that field's
lines: every other field keeps its name as written (``URL``, ``journaltitle``, ``location``),
its place, its indentation and its delimiters, and a new field goes after the last one in the
entry's own style. The patched text is read back and compared with the clean style's reading
before it is used; where they disagree (or the text cannot be laid out), the clean style is
written instead, so the file always means what the library holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bibliofile.formats.bibtex_reader import decode_fields, entry_raw_fields, evaluate_value

if TYPE_CHECKING:
    from bibliofile.formats.bibtex_writer import Dialect, Notes, Original, Pair
    from bibliofile.model.reference import Reference

_HEAD_RE = re.compile(r"@[ \t]*([^\s{(]+)[ \t\r\n]*([{(])[ \t\r\n]*")
_NAME_RE = re.compile(r"[^\s\"#%'(),={}]+")
_BARE_RE = re.compile(r"[^\s\"#%'(),={}]+")
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


def scan_entry(text: str) -> Layout | None:
    """The layout of one entry's text, or None when it is not laid out as a plain entry."""
    m = _HEAD_RE.match(text)
    if m is None:
        return None
    close = "}" if m.group(2) == "{" else ")"
    i = m.end()
    key = re.compile(r"[^,\s}]*" if close == "}" else r"[^,\s)]*").match(text, i)
    assert key is not None  # (the pattern matches the empty string)
    key_start, key_end = i, key.end()
    i = key_end
    n = len(text)
    fields: list[FieldSpan] = []
    while True:
        while i < n and (text[i].isspace() or text[i] == ","):
            i += 1
        if i >= n:
            return None
        if text[i] == close:
            break
        name = _NAME_RE.match(text, i)
        if name is None:
            return None
        j = _skip_space(text, name.end())
        if j >= n or text[j] != "=":
            return None
        value_start = _skip_space(text, j + 1)
        value_end = _value_end(text, value_start)
        if value_end < 0:
            return None
        fields.append(FieldSpan(name.group(0), i, name.end(), value_start, value_end))
        i = value_end
    return Layout(m.start(1), m.end(1), key_start, key_end, fields)


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


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


# Braces and quotes, each with the backslash before it if there is one (then it is text).
_MARK_RE = re.compile(r'\\?[{}"]')


def _value_end(text: str, i: int) -> int:
    """Just past a value (parts joined by ``#``), with braces counted as bibtexparser does."""
    n = len(text)
    while True:
        if i >= n:
            return -1
        c = text[i]
        if c == "{" or c == '"':
            end = _delimited_end(text, i, c)
            if end < 0:
                return -1
        else:
            bare = _BARE_RE.match(text, i)
            if bare is None:
                return -1
            end = bare.end()
        k = _skip_space(text, end)
        if k < n and text[k] == "#":
            i = _skip_space(text, k + 1)
            continue
        return end


def _delimited_end(text: str, i: int, opener: str) -> int:
    """Just past the ``{...}`` or ``"..."`` that starts at ``i``; -1 when it is not closed."""
    depth = 0
    for m in _MARK_RE.finditer(text, i if opener == "{" else i + 1):
        mark = m.group(0)
        if len(mark) == 2:
            continue  # bibtexparser's rule: a brace or quote after a backslash is text
        if mark == "{":
            depth += 1
        elif mark == "}":
            depth -= 1
            if depth == 0 and opener == "{":
                return m.end()
            if depth < 0:
                return -1
        elif opener == '"' and depth == 0:
            return m.end()
    return -1


def patch_entry(
    ref: Reference, dialect: Dialect, macros: dict[str, str], notes: Notes, keep_empty_key: bool
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
    planned = _field_edits(text, layout, original, desired)
    if planned is None:
        return None
    edits, simple = planned
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
    # Extra fields kept byte for byte from the file are left out of the comparison: the clean
    # style may have had to rewrite one the file held in a form BibTeX itself rejects.
    # The clean style's fields are ``desired`` itself, so no clean text is made or parsed; the
    # patched text is read with the scanner, which agreed with the reader on the source text.
    if simple:
        if notes.into is not None:
            notes.into.extend(pending)
        return out  # each changed field holds the clean style's value under its own name
    kept = {g[len("extra:") :] for g in original.raw if g.startswith("extra:")}
    done = scan_entry(out)
    if done is None:
        return None
    patched = [(f.name, out[f.value_start : f.value_end]) for f in done.fields]
    clean = [(name, value) for _, name, value in desired]
    if _reading(out[done.type_start : done.type_end], patched, macros, kept) != _reading(
        entry_type, clean, macros, kept
    ):
        return None
    if notes.into is not None:
        notes.into.extend(pending)
    return out


def _field_edits(
    text: str, layout: Layout, original: Original, desired: list[Pair]
) -> tuple[list[tuple[int, int, str]], bool] | None:
    """The replacements that turn the source into the desired entry, and whether they are all
    plain value replacements (a field keeps its name and place, so it reads as the same key)."""
    fields = layout.fields
    wanted: dict[str, list[tuple[str, str]]] = {}
    for group, name, value in desired:
        wanted.setdefault(group, []).append((name, value))
    styles: list[_Style] = []

    def style() -> _Style:
        if not styles:
            styles.append(_Style(text, layout))
        return styles[0]

    simple = True
    edits: list[tuple[int, int, str]] = []
    deleted: set[int] = set()
    inserts: dict[int, list[str]] = {}  # after which field index: the new fields' text
    for group, indexes in original.groups.items():
        if not indexes or group in original.raw:
            continue  # unchanged: its lines stay as they are
        new = wanted.pop(group, [])
        if len(indexes) == 1 and len(new) == 1 and group != "date":
            f = fields[indexes[0]]
            edits.append((f.value_start, f.value_end, _restyle(new[0][1], text[f.value_start : f.value_end])))
            continue
        simple = False
        free = list(indexes)
        for name, value in new:
            match = next((i for i in free if fields[i].name.lower() == name.lower()), None)
            if match is None:
                inserts.setdefault(indexes[-1], []).append(style().field(name, value))
            else:
                free.remove(match)
                f = fields[match]
                edits.append((f.value_start, f.value_end, _restyle(value, text[f.value_start : f.value_end])))
        deleted.update(free)
    for group in list(wanted):
        if original.groups.get(group):
            wanted.pop(group)  # unchanged and already in place
    for new in wanted.values():
        for name, value in new:
            simple = False
            inserts.setdefault(len(fields) - 1, []).append(style().field(name, value))
    if len(deleted) == len(fields):
        return None
    for after, texts in inserts.items():
        at = fields[after].value_end
        edits.append((at, at, "".join(texts)))
    edits.extend(_deletions(layout, sorted(deleted)))
    return edits, simple and not deleted


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

    def field(self, name: str, value: str) -> str:
        if self.case == "upper":
            name = name.upper()
        elif self.case == "title":
            name = name[:1].upper() + name[1:]
        eq = self.eq
        if self.align is not None:
            pad = self.align - self.name_column - len(name)
            eq = " " * max(pad, 1 if eq.startswith(" ") else 0) + eq.lstrip()
        if self.quoted:
            value = _restyle(value, '"')
        return self.gap + name + eq + value


def eq_offset(text: str, f: FieldSpan) -> int:
    """Characters between a field's name and its ``=``."""
    return text.index("=", f.name_end) - f.name_end


def _column(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1)


def _restyle(value: str, old: str) -> str:
    """A new value in the delimiters the old one had: quotes stay quotes, a bare number stays
    bare, where the new text allows it; braces otherwise."""
    if not (value.startswith("{") and value.endswith("}")) or _group_end(value) != len(value):
        return value  # a macro, a month name, or raw text kept from the file
    content = value[1:-1]
    if old.isdigit() and content.isdigit():
        return content
    if old.startswith('"') and not _has_quote_at_top(content):
        return '"' + content + '"'
    return value


def _group_end(value: str) -> int:
    depth = 0
    for i, c in enumerate(value):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


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


def _reading(entry_type: str, raw: list[tuple[str, str]], macros: dict[str, str], skip: set[str]) -> object:
    """What the reader makes of an entry's fields (creators by role: their order across roles
    is not part of the reference)."""
    item_type, fields, creators, extra = decode_fields(entry_type, raw, macros)
    by_role = sorted(creators, key=lambda c: c.role.value)
    return item_type, fields, by_role, {k: evaluate_value(v, macros) for k, v in extra.items() if k not in skip}
