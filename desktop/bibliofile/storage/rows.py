"""Conversion between model References and database rows, shared by the write and read paths."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

from bibliofile.model.creators import Creator, CreatorRole, authors_display
from bibliofile.model.dates import PartialDate
from bibliofile.model.reference import Reference, SourceRecord


def sort_key(text: str) -> str:
    """Case- and accent-insensitive sort text, so "Özil" sorts with "Ozil" and braces don't count."""
    t = text.strip().lstrip("{\"'“‘([").casefold()
    if t.isascii():
        return t
    return "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))


def reference_row(ref: Reference, rid: int, now: datetime, import_id: int | None, position: int) -> dict[str, Any]:
    date = PartialDate.parse(ref.fields.get("date", ""))
    display = authors_display(ref.creators)
    src = ref.source
    return {
        "id": rid,
        "item_type": ref.item_type,
        "citation_key": ref.citation_key,
        "title": ref.fields.get("title", ""),
        "container_title": ref.fields.get("container_title", ""),
        "date": date.iso(),
        "year": date.year,
        "authors_display": display,
        "doi": ref.fields.get("doi", ""),
        "pages": ref.fields.get("pages", ""),
        "status": ref.fields.get("status", ""),
        "sort_title": sort_key(ref.fields.get("title", "")),
        "sort_authors": sort_key(" ".join(c.sort_name for c in ref.creators[:3])),
        "sort_container": sort_key(ref.fields.get("container_title", "")),
        "fields_json": json.dumps(ref.fields, ensure_ascii=False),
        "extra_json": json.dumps(ref.extra, ensure_ascii=False) if ref.extra else "{}",
        "date_added": now,
        "date_modified": now,
        "edited": ref.edited,
        "deleted": False,
        "import_id": import_id,
        "position": position,
        "source_format": src.format if src else "",
        "source_text": src.text if src else "",
        "source_entry_type": src.entry_type if src else "",
        "source_fields_json": json.dumps(src.raw_fields, ensure_ascii=False) if src else "[]",
        "source_file": src.file if src else "",
        "source_line": src.line if src else 0,
        "source_prefix": src.prefix if src else "",
    }


def creator_rows(ref: Reference, rid: int) -> list[dict[str, Any]]:
    return [
        {
            "reference_id": rid,
            "position": i,
            "role": c.role.value,
            "family": c.family,
            "given": c.given,
            "particle": c.particle,
            "suffix": c.suffix,
            "literal": c.literal,
            "others": c.others,
        }
        for i, c in enumerate(ref.creators)
    ]


def fts_row(ref: Reference, rid: int) -> tuple[int, str, str, str, str, str, str]:
    f = ref.fields
    names = " ".join(
        c.literal if c.literal else f"{c.given} {c.particle} {c.family}" for c in ref.creators if not c.others
    )
    keywords = " ".join(x for x in (f.get("keywords", ""), f.get("subject_areas", "")) if x)
    notes = " ".join(x for x in (f.get("note", ""), f.get("annote", "")) if x)
    return (rid, f.get("title", ""), names, f.get("container_title", ""), f.get("abstract", ""), keywords, notes)


def creator_from_row(row: Any) -> Creator:
    try:
        role = CreatorRole(row.role)
    except ValueError:
        role = CreatorRole.CONTRIBUTOR
    return Creator(role, row.family, row.given, row.particle, row.suffix, row.literal, bool(row.others))


def reference_from_row(row: Any, creators: list[Creator]) -> Reference:
    source = None
    if row.source_format:
        source = SourceRecord(
            format=row.source_format,
            text=row.source_text,
            entry_type=row.source_entry_type,
            raw_fields=[(a, b) for a, b in json.loads(row.source_fields_json)],
            file=row.source_file,
            line=row.source_line,
            prefix=row.source_prefix,
        )
    return Reference(
        item_type=row.item_type,
        fields=json.loads(row.fields_json),
        creators=creators,
        citation_key=row.citation_key,
        extra=json.loads(row.extra_json),
        source=source,
        id=row.id,
        edited=bool(row.edited),
    )
