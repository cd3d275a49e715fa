"""CSL-JSON files: read (all CSL types and variables, date-parts/raw/literal dates) and write.

The field mapping is the one the citation engine uses (``model/csl.py``), so a reference cites
the same whether it came from a .bib or a .json file. What plain CSL-JSON cannot hold (a subtitle
apart from its title, our types manual/interview-as-typed, "and others", the research-portal
fields, an article number beside a number, BibTeX-only fields) is written into the item's
``custom`` object (CSL 1.0.2's place for application data) under ``bibliofile``, holding exactly
the difference between the reference and what the standard variables give back. Our own
write -> read is therefore lossless; another program reading the file sees the standard
variables and ignores ``custom`` (tests/unit/formats/test_cross_format.py lists what it loses).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.zotero_item_json import TYPES as ZOTERO_TYPES
from bibliofile.formats.zotero_item_json import is_zotero_item, zotero_to_csl
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.csl import CSL_TYPES, CslItem, from_csl_json, to_csl_json
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["item_to_reference", "json_items", "looks_like_csl_json", "read_csl_json", "write_csl_json"]

CUSTOM = "bibliofile"
_WS = " \t\r\n"


def looks_like_csl_json(text: str) -> bool:
    """A JSON array of objects (or one object) with CSL's "type" or "title" near the start."""
    head = text.lstrip("\ufeff" + _WS)[:4000]
    if not head or head[0] not in "[{":
        return False
    return any(k in head for k in ('"type"', '"title"', '"items"', '"itemType"')) or head.startswith("[]")


def item_to_reference(item: CslItem) -> tuple[Reference, list[str]]:
    """A CSL-JSON item as a Reference, with our own ``custom.bibliofile`` data put back."""
    ref, notes = from_csl_json(item)
    custom = item.get("custom")
    ours = custom.get(CUSTOM) if isinstance(custom, dict) else None
    if isinstance(custom, dict):
        rest = {k: v for k, v in custom.items() if k != CUSTOM}
        if rest:
            ref.extra["csl:custom"] = json.dumps(rest, ensure_ascii=False)
    if isinstance(ours, dict):
        if isinstance(ours.get("type"), str):
            notes = [n for n in notes if not n.startswith("unknown CSL type")]
        notes.extend(_apply_ours(ref, ours))
    return ref, notes


def _apply_ours(ref: Reference, ours: dict[str, Any]) -> list[str]:
    """Put back what our own writer kept in ``custom.bibliofile``; a part of the wrong shape
    (another program's edit, a hand-written file) is reported and left out."""
    notes: list[str] = []
    if isinstance(ours.get("type"), str):
        ref.item_type = ours["type"]
    for part, target in (("fields", ref.fields), ("extra", ref.extra)):
        values = ours.get(part)
        if values is None:
            continue
        if not isinstance(values, dict):
            notes.append(f"custom.bibliofile.{part} is {_json_kind(values)}, not an object; ignored (the standard variables were read)")
            continue
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            elif isinstance(value, str | int | float | bool):
                target[key] = str(value)
            else:
                notes.append(f"custom.bibliofile.{part}.{key} is {_json_kind(value)}, not text; ignored")
    creators = ours.get("creators")
    if isinstance(creators, list):
        ref.creators = [_creator(c) for c in creators if isinstance(c, dict)]
    elif creators is not None:
        notes.append(f"custom.bibliofile.creators is {_json_kind(creators)}, not a list; ignored")
    return notes


def _json_kind(value: Any) -> str:
    return {list: "a list", dict: "an object", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _creator(d: dict[str, Any]) -> Creator:
    try:
        role = CreatorRole(d.get("role", "author"))
    except ValueError:
        role = CreatorRole.CONTRIBUTOR
    return Creator(
        role=role,
        family=str(d.get("family", "")),
        given=str(d.get("given", "")),
        particle=str(d.get("particle", "")),
        suffix=str(d.get("suffix", "")),
        literal=str(d.get("literal", "")),
        others=bool(d.get("others", False)),
    )


def _creator_dict(c: Creator) -> dict[str, Any]:
    d: dict[str, Any] = {"role": c.role.value}
    for k in ("family", "given", "particle", "suffix", "literal"):
        v = getattr(c, k)
        if v:
            d[k] = v
    if c.others:
        d["others"] = True
    return d


def reference_to_item(ref: Reference, item_id: str) -> CslItem:
    """The standard variables, plus ``custom.bibliofile`` for whatever they do not give back."""
    item = to_csl_json(ref, item_id)
    if ref.extra.get("csl:type") in CSL_TYPES:
        item["type"] = ref.extra["csl:type"]
    for key, value in ref.extra.items():
        if key.startswith("csl:") and key not in ("csl:custom", "csl:type") and key[4:] not in item:
            item[key[4:]] = _json_value(value)
    if "csl:custom" in ref.extra:
        loaded = _json_value(ref.extra["csl:custom"])
        if isinstance(loaded, dict):
            item["custom"] = loaded
    back, _ = from_csl_json(item)
    ours: dict[str, Any] = {}
    if back.item_type != ref.item_type:
        ours["type"] = ref.item_type
    fields = {
        k: ref.fields.get(k)
        for k in set(ref.fields) | set(back.fields)
        if ref.fields.get(k) != back.fields.get(k)
    }
    if fields:
        ours["fields"] = dict(sorted(fields.items()))
    back.extra.pop("csl:custom", None)
    extra = {
        k: ref.extra.get(k)
        for k in set(ref.extra) | set(back.extra)
        if k != "csl:custom" and ref.extra.get(k) != back.extra.get(k)
    }
    if extra:
        ours["extra"] = dict(sorted(extra.items()))
    if back.creators != ref.creators:
        ours["creators"] = [_creator_dict(c) for c in ref.creators]
    if ours:
        existing = item.get("custom")
        custom: dict[str, Any] = dict(existing) if isinstance(existing, dict) else {}
        custom[CUSTOM] = ours
        item["custom"] = custom
    return item


def _json_value(text: str) -> Any:
    if text[:1] in "[{" or text in ("true", "false", "null") or text[:1].isdigit():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def write_csl_json(refs: Iterable[Reference]) -> str:
    """A CSL-JSON array; ids are citation keys (made unique), else ``item-N``."""
    items: list[CslItem] = []
    used: set[str] = set()
    for n, ref in enumerate(refs, 1):
        rid = ref.citation_key or f"item-{n}"
        if rid in used:
            rid = f"{rid}-{n}"
        used.add(rid)
        items.append(reference_to_item(ref, rid))
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def read_csl_json(text: str, file: str = "<text>") -> ReadResult:
    """Read CSL-JSON, item by item: an array of items, one item, ``{"items": [...]}``, or an
    object keyed by item type (``{"article-journal": [...], "book": {...}}``, as Zotero's test
    files are written). Zotero's own item JSON (``itemType``, ``creators``) is converted.

    Items are decoded one at a time so each knows its line, and a broken item costs the items
    after it only when the JSON itself cannot be resynchronised (the problem says where). An
    item nested too deeply for the decoder, or holding Infinity/NaN, is reported by line; the
    rest of the file is read.
    """
    result = ReadResult()
    items, result.problems = json_items(text, file)
    for line, obj, raw in items:
        if not isinstance(obj, dict):
            result.problems.append(Problem(file, line, "array element is not an object; skipped", True))
            continue
        try:
            converted = _reference(obj, raw, file, line)
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            result.problems.append(
                Problem(file, line, f"item could not be read ({type(exc).__name__}: {exc}); skipped", True)
            )
            continue
        ref, notes = converted
        if ref is not None:
            result.items.append(ref)
        result.problems.extend(Problem(file, line, n) for n in notes)
    result.entries_in_file = len(items)
    return result


def _reference(obj: dict[str, Any], raw: str, file: str, line: int) -> tuple[Reference | None, list[str]]:
    fmt = "csl-json"
    leftover: dict[str, str] = {}
    notes: list[str] = []
    item = obj
    if is_zotero_item(obj):
        fmt = "zotero-json"
        converted, leftover, notes = zotero_to_csl(obj)
        if converted is None:
            return None, notes
        item = converted
    ref, more = item_to_reference(item)
    ref.extra.update(leftover)
    ref.source = SourceRecord(
        format=fmt,
        text=raw or json.dumps(obj, ensure_ascii=False),  # the item as it was in the file
        entry_type=str(obj.get("type", obj.get("itemType", ""))),
        file=file,
        line=line,
    )
    return ref, notes + more


def json_items(text: str, file: str) -> tuple[list[tuple[int, Any, str]], list[Problem]]:
    """The items of a CSL-JSON (or Zotero JSON) text as (line, decoded object, text), and the
    problems met; shared by the importer and ``cite``."""
    problems: list[Problem] = []
    scanner = _Scanner(text.lstrip("\ufeff"), file, problems)
    return scanner.items(), problems


class _TooDeep(Exception):
    """A value nested deeper than the JSON decoder can follow; ``end`` is where it stops."""

    def __init__(self, end: int) -> None:
        super().__init__(end)
        self.end = end


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_TYPE_KEYS = ("type", "itemType", "title", "id")


class _Scanner:
    """Walks the top level of the text, decoding one item at a time (linear in the text)."""

    def __init__(self, body: str, file: str, problems: list[Problem]) -> None:
        self.body = body
        self.file = file
        self.problems = problems
        self.non_finite: list[str] = []
        self.end = 0  # where the last array read by ``array`` ended
        self.decoder = json.JSONDecoder(parse_constant=self._constant, parse_float=self._float)

    def _constant(self, name: str) -> None:
        self.non_finite.append(name)

    def _float(self, text: str) -> float | None:
        value = float(text)
        if math.isfinite(value):
            return value
        self.non_finite.append(text)
        return None

    def problem(self, pos: int, message: str, not_read: bool = False) -> None:
        self.problems.append(Problem(self.file, _line(self.body, pos), message, not_read))

    def decode(self, pos: int) -> tuple[Any, int]:
        """One JSON value at ``pos``; Infinity/NaN become null and are reported."""
        self.non_finite.clear()
        try:
            value, end = self.decoder.raw_decode(self.body, pos)
        except RecursionError:
            raise _TooDeep(_value_end(self.body, pos)) from None
        if self.non_finite:
            names = ", ".join(dict.fromkeys(self.non_finite))
            self.problem(pos, f"{names} is not a number JSON allows; read as empty, the rest of the item was kept")
        return value, end

    def items(self) -> list[tuple[int, Any, str]]:
        body = self.body
        pos = _skip_ws(body, 0)
        if pos >= len(body):
            self.problems.append(Problem(self.file, 1, "empty file; nothing to import", True))
            return []
        if body[pos] == "[":
            return self.array(pos)
        if body[pos] == "{":
            return self.object(pos)
        self.problem(pos, "not a CSL-JSON file (expected [ or {)", True)
        return []

    def array(self, pos: int) -> list[tuple[int, Any, str]]:
        """The elements of the array at ``pos`` with their lines (``self.end`` after it)."""
        body = self.body
        out: list[tuple[int, Any, str]] = []
        pos = _skip_ws(body, pos + 1)
        line = 1 + body.count("\n", 0, pos)
        last = pos
        n = len(body)
        while pos < n and body[pos] != "]":
            line += body.count("\n", last, pos)
            last = pos
            try:
                obj, end = self.decode(pos)
            except json.JSONDecodeError as exc:
                self.problems.append(
                    Problem(self.file, exc.lineno, f"not valid JSON ({exc.msg}); the items after line {line} were not read", True)
                )
                self.end = n
                return out
            except _TooDeep as deep:
                self._too_deep(line, deep)
                if deep.end < 0:
                    self.end = n
                    return out
                end = deep.end
            else:
                out.append((line, obj, body[pos:end]))
            pos = _skip_ws(body, end)
            if pos < n and body[pos] == ",":
                pos = _skip_ws(body, pos + 1)
            elif pos < n and body[pos] != "]":
                self.problem(pos, "expected , or ] between items; the rest was not read", True)
                self.end = n
                return out
        if pos >= n:
            self.problems.append(Problem(self.file, _line(body, n), "the array is not closed with ]; read up to the end"))
        self.end = pos + 1
        return out

    def _too_deep(self, line: int, deep: _TooDeep) -> None:
        rest = "the rest of the file was not read" if deep.end < 0 else "the rest of the file was read"
        self.problems.append(
            Problem(self.file, line, f"item nested too deeply for a reference (thousands of levels); skipped, {rest}", True)
        )

    def object(self, pos: int) -> list[tuple[int, Any, str]]:
        """A top-level object: one item, ``{"items": [...]}``, or items keyed by their type."""
        body = self.body
        start = pos
        members: list[tuple[int, str, Any, list[tuple[int, Any, str]] | None]] = []
        pos = _skip_ws(body, pos + 1)
        n = len(body)
        try:
            while pos < n and body[pos] != "}":
                line = _line(body, pos)
                key, pos = self.decode(pos)
                pos = _skip_ws(body, pos)
                if not isinstance(key, str) or pos >= n or body[pos] != ":":
                    raise json.JSONDecodeError("expected a name and ':'", body, pos)
                pos = _skip_ws(body, pos + 1)
                if pos < n and body[pos] == "[":
                    elements = self.array(pos)
                    members.append((line, key, [e[1] for e in elements], elements))
                    pos = self.end
                else:
                    try:
                        value, pos = self.decode(pos)
                    except _TooDeep as deep:
                        self._too_deep(line, deep)
                        if deep.end < 0:
                            break
                        pos = deep.end
                    else:
                        members.append((line, key, value, None))
                pos = _skip_ws(body, pos)
                if pos < n and body[pos] == ",":
                    pos = _skip_ws(body, pos + 1)
                elif pos < n and body[pos] != "}":
                    raise json.JSONDecodeError("expected , or }", body, pos)
            if pos >= n:
                self.problems.append(Problem(self.file, _line(body, n), "the object is not closed with }; read up to the end"))
        except json.JSONDecodeError as exc:
            if not members:
                self.problems.append(Problem(self.file, exc.lineno, f"not valid JSON ({exc.msg}); nothing imported", True))
                return []
            self.problems.append(
                Problem(self.file, exc.lineno, f"not valid JSON ({exc.msg}); the rest of the file was not read", True)
            )
        whole = {key: value for _, key, value, _ in members}
        inner = whole.get("items")
        if isinstance(inner, list):
            found = next(e for _, k, _, e in members if k == "items")
            return found if found is not None else [(_line(body, start), i, "") for i in inner]
        if members and not any(k in whole for k in _TYPE_KEYS) and all(_holds_items(v) for v in whole.values()):
            return self._keyed(members)
        return [(_line(body, start), whole, body[start : pos + 1])]

    def _keyed(self, members: list[tuple[int, str, Any, list[tuple[int, Any, str]] | None]]) -> list[tuple[int, Any, str]]:
        """``{"book": {...}, "article-journal": [{...}, ...]}``: each item typed by its key
        unless it says its own type."""
        out: list[tuple[int, Any, str]] = []
        for line, key, value, elements in members:
            for item_line, obj, raw in elements if elements is not None else [(line, value, "")]:
                if isinstance(obj, dict) and "type" not in obj and "itemType" not in obj:
                    if key in CSL_TYPES:
                        obj = {"type": key, **obj}
                    elif key in ZOTERO_TYPES:
                        obj = {"itemType": key, **obj}
                out.append((item_line, obj, raw))
        return out


def _holds_items(value: Any) -> bool:
    def item(v: Any) -> bool:
        return isinstance(v, dict) and any(k in v for k in _TYPE_KEYS)

    return item(value) or (isinstance(value, list) and bool(value) and all(item(v) for v in value))


def _value_end(body: str, pos: int) -> int:
    """Where the array or object at ``pos`` ends (-1 if never): brackets counted, strings skipped."""
    depth = 0
    for m in _TOKENS.finditer(body, pos):
        token = m.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def items_from(refs: Sequence[Reference]) -> list[CslItem]:
    """The items ``write_csl_json`` writes, as Python objects (for the clipboard and tests)."""
    parsed: list[CslItem] = json.loads(write_csl_json(refs))
    return parsed
