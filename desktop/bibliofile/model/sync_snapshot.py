"""A reference with everything that syncs about it, flattened to field -> JSON value (issue 21).

The merge (``merge.py``), the local base snapshots and the server's change log all speak of the
same fields, so a field name means one thing everywhere: ``item_type``, ``citation_key``,
``edited``, ``fields.<key>`` per bibliographic field, ``extra.<name>`` per field kept as written,
``source`` (the imported record, so an unedited entry is written back byte for byte on every
replica), ``creators`` (an ordered list), ``tags`` (names) and ``collections`` (collection global
ids) as sets, ``note`` (its HTML and plain text together, one value) and ``reading.<what>``.
Bibliographic fields keep even an empty value (``pages = {}`` is part of the entry); elsewhere an
empty value is left out, so a cleared note and a note never written are the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.merge import Json, Snapshot, normalize
from bibliofile.model.reading import ReadingState
from bibliofile.model.reference import Reference, SourceRecord

FIELD_PREFIX = "fields."
EXTRA_PREFIX = "extra."
READING_PREFIX = "reading."
_NAME_PARTS = ("family", "given", "particle", "suffix", "literal")


@dataclass(slots=True)
class SyncedReference:
    """What one replica holds about a reference, in plain data."""

    reference: Reference
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()  # global ids of the collections it is in
    note_html: str = ""
    note_text: str = ""
    reading: ReadingState = field(default_factory=ReadingState)


def creator_json(creator: Creator) -> dict[str, Json]:
    out: dict[str, Json] = {"role": str(creator.role)}
    for part in _NAME_PARTS:
        value = getattr(creator, part)
        if value:
            out[part] = value
    if creator.others:
        out["others"] = True
    return out


def creator_from_json(value: Json) -> Creator:
    data = value if isinstance(value, dict) else {}
    try:
        role = CreatorRole(str(data.get("role", "author")))
    except ValueError:  # a role a newer version knows: keep the name as an author
        role = CreatorRole.AUTHOR
    parts = {p: str(data.get(p) or "") for p in _NAME_PARTS}
    return Creator(role=role, others=bool(data.get("others", False)), **parts)


def to_snapshot(synced: SyncedReference) -> dict[str, Json]:
    ref = synced.reference
    out: dict[str, Json] = {
        "item_type": ref.item_type,
        "citation_key": ref.citation_key or None,
        "edited": True if ref.edited else None,
        "creators": [creator_json(c) for c in ref.creators],
        "tags": list(synced.tags),
        "collections": list(synced.collections),
    }
    # Every field, empty ones too: ``pages = {}`` in a .bib file is written back as it was.
    out.update({FIELD_PREFIX + k: v for k, v in ref.fields.items()})
    out.update({EXTRA_PREFIX + k: v for k, v in ref.extra.items()})
    if ref.source is not None:
        s = ref.source
        out["source"] = {
            "format": s.format, "text": s.text, "entry_type": s.entry_type,
            "raw_fields": [[name, raw] for name, raw in s.raw_fields],
            "file": s.file, "line": s.line, "prefix": s.prefix,
        }
    if synced.note_html or synced.note_text:
        out["note"] = {"html": synced.note_html, "text": synced.note_text}
    r = synced.reading
    out.update({
        READING_PREFIX + "status": r.status or None,
        READING_PREFIX + "priority": r.priority or None,
        READING_PREFIX + "rating": r.rating or None,
        READING_PREFIX + "date_read": r.date_read or None,
    })
    return normalize(out) or {}


def _source(value: Json) -> SourceRecord | None:
    if not isinstance(value, dict):
        return None
    raw = value.get("raw_fields")
    pairs = [(str(p[0]), str(p[1])) for p in raw if isinstance(p, list) and len(p) == 2] if isinstance(raw, list) else []
    line = value.get("line")
    return SourceRecord(
        format=str(value.get("format") or ""), text=str(value.get("text") or ""),
        entry_type=str(value.get("entry_type") or ""), raw_fields=pairs,
        file=str(value.get("file") or ""), line=line if isinstance(line, int) else 0,
        prefix=str(value.get("prefix") or ""),
    )


def _int(value: Json) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def from_snapshot(snapshot: Snapshot) -> SyncedReference:
    """The inverse of ``to_snapshot``; fields this version does not know are ignored, not fatal."""
    s = cast(Mapping[str, Json], normalize(snapshot) or {})
    ref = Reference(
        item_type=str(s.get("item_type") or "article-journal"),
        citation_key=str(s.get("citation_key") or ""),
        edited=bool(s.get("edited", False)),
        fields={k[len(FIELD_PREFIX):]: str(v) for k, v in s.items() if k.startswith(FIELD_PREFIX)},
        extra={k[len(EXTRA_PREFIX):]: str(v) for k, v in s.items() if k.startswith(EXTRA_PREFIX)},
        creators=[creator_from_json(c) for c in cast(list[Json], s.get("creators") or [])],
        source=_source(s.get("source")),
    )
    note = s.get("note")
    note_d = note if isinstance(note, dict) else {}
    return SyncedReference(
        reference=ref,
        tags=tuple(str(t) for t in cast(list[Json], s.get("tags") or [])),
        collections=tuple(str(c) for c in cast(list[Json], s.get("collections") or [])),
        note_html=str(note_d.get("html") or ""),
        note_text=str(note_d.get("text") or ""),
        reading=ReadingState(
            status=str(s.get(READING_PREFIX + "status") or ""),
            priority=_int(s.get(READING_PREFIX + "priority")),
            rating=_int(s.get(READING_PREFIX + "rating")),
            date_read=str(s.get(READING_PREFIX + "date_read") or ""),
        ),
    )
