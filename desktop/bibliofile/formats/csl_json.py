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
from collections.abc import Iterable, Sequence
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.csl import CSL_TYPES, CslItem, from_csl_json, to_csl_json
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["item_to_reference", "looks_like_csl_json", "read_csl_json", "write_csl_json"]

CUSTOM = "bibliofile"
_decoder = json.JSONDecoder()
_WS = " \t\r\n"


def looks_like_csl_json(text: str) -> bool:
    """A JSON array of objects (or one object) with CSL's "type" or "title" near the start."""
    head = text.lstrip("\ufeff" + _WS)[:4000]
    if not head or head[0] not in "[{":
        return False
    return '"type"' in head or '"title"' in head or '"items"' in head or head.startswith("[]")


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
            ref.item_type = ours["type"]
            notes = [n for n in notes if not n.startswith("unknown CSL type")]
        for key, value in (ours.get("fields") or {}).items():
            if value is None:
                ref.fields.pop(key, None)
            else:
                ref.fields[key] = str(value)
        for key, value in (ours.get("extra") or {}).items():
            if value is None:
                ref.extra.pop(key, None)
            else:
                ref.extra[key] = str(value)
        if isinstance(ours.get("creators"), list):
            ref.creators = [_creator(c) for c in ours["creators"] if isinstance(c, dict)]
    return ref, notes


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
    """Read a CSL-JSON array (or one item, or ``{"items": [...]}``), item by item.

    Items are decoded one at a time so each knows its line, and a broken item costs the items
    after it only when the JSON itself cannot be resynchronised (the problem says where).
    """
    result = ReadResult()
    body = text.lstrip("\ufeff")
    pos = _skip_ws(body, 0)
    if pos >= len(body):
        result.problems.append(Problem(file, 1, "empty file; nothing to import"))
        return result
    items: list[tuple[int, Any, str]] = []
    if body[pos] == "{":
        try:
            obj, end = _decoder.raw_decode(body, pos)
        except json.JSONDecodeError as exc:
            result.problems.append(Problem(file, exc.lineno, f"not valid JSON ({exc.msg}); nothing imported"))
            return result
        inner = obj.get("items") if isinstance(obj, dict) else None
        if isinstance(inner, list):
            items = [(_line(body, pos), i, "") for i in inner]
        else:
            items = [(_line(body, pos), obj, body[pos:end])]
    elif body[pos] == "[":
        items = _array_items(body, pos, file, result.problems)
    else:
        result.problems.append(Problem(file, _line(body, pos), "not a CSL-JSON file (expected [ or {)"))
        return result
    for line, obj, raw in items:
        if not isinstance(obj, dict):
            result.problems.append(Problem(file, line, "array element is not an object; skipped"))
            continue
        ref, notes = item_to_reference(obj)
        ref.source = SourceRecord(
            format="csl-json",
            text=raw or json.dumps(obj, ensure_ascii=False),  # the item as it was in the file
            entry_type=str(obj.get("type", "")),
            file=file,
            line=line,
        )
        result.items.append(ref)
        result.problems.extend(Problem(file, line, n) for n in notes)
    result.entries_in_file = len(items)
    return result


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _array_items(body: str, pos: int, file: str, problems: list[Problem]) -> list[tuple[int, Any, str]]:
    out: list[tuple[int, Any, str]] = []
    pos = _skip_ws(body, pos + 1)
    line = 1 + body.count("\n", 0, pos)
    last = pos
    n = len(body)
    while pos < n and body[pos] != "]":
        line += body.count("\n", last, pos)
        last = pos
        try:
            obj, end = _decoder.raw_decode(body, pos)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(file, exc.lineno, f"not valid JSON ({exc.msg}); the items after line {line} were not read")
            )
            return out
        out.append((line, obj, body[pos:end]))
        pos = _skip_ws(body, end)
        if pos < n and body[pos] == ",":
            pos = _skip_ws(body, pos + 1)
        elif pos < n and body[pos] != "]":
            problems.append(Problem(file, _line(body, pos), "expected , or ] between items; the rest was not read"))
            return out
    if pos >= n:
        problems.append(Problem(file, _line(body, n), "the array is not closed with ]; read up to the end"))
    return out


def items_from(refs: Sequence[Reference]) -> list[CslItem]:
    """The items ``write_csl_json`` writes, as Python objects (for the clipboard and tests)."""
    parsed: list[CslItem] = json.loads(write_csl_json(refs))
    return parsed
