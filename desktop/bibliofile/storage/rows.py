"""Conversion between model References and database rows, shared by the write and read paths."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole, authors_display
from bibliofile.model.dates import PartialDate
from bibliofile.model.reference import Reference, SourceRecord


class _CombiningMarks(dict[int, int | None]):
    """A str.translate table deleting combining marks, filled in as code points are met."""

    def __missing__(self, cp: int) -> int | None:
        value = None if unicodedata.combining(chr(cp)) else cp
        self[cp] = value
        return value


_STRIP_MARKS = _CombiningMarks()


def sort_key(text: str) -> str:
    """Case- and accent-insensitive sort text, so "Özil" sorts with "Ozil" and braces don't count."""
    t = text.replace("{", "").replace("}", "").strip().lstrip("\"'“‘([").casefold()
    if t.isascii():
        return t
    return unicodedata.normalize("NFKD", t).translate(_STRIP_MARKS)


# Row tuples for bulk inserts. The import builds them in its parse workers (``item_rows``), so
# they hold only str/int/bool and use batch-local numbers; ``UnitOfWork.add_rows`` puts in the
# ids, positions, import and time. The column names below name the tuple positions; the SQL is
# built from them and checked against the Table (tests/unit/storage/test_rows.py).
REFERENCE_HEAD = ("id", "date_added", "date_modified", "import_id", "position")
REFERENCE_BODY = (
    "item_type", "citation_key", "title", "container_title", "date", "year", "authors_display",
    "doi", "pages", "status", "sort_title", "sort_authors", "sort_container", "fields_json",
    "extra_json", "edited", "deleted", "source_format", "source_text", "source_entry_type",
    "source_fields_json", "source_file", "source_line", "source_prefix",
)
REFERENCE_COLUMNS = REFERENCE_HEAD + REFERENCE_BODY
# The reader's own columns (storage/curation.py): never written by imports or edits, so they
# take their server defaults on insert and keep their values when a reference is edited.
READING_COLUMNS = ("read_status", "priority", "rating", "date_read")
CREATOR_COLUMNS = ("reference_id", "position", "role", "family", "given", "particle", "suffix", "literal", "others")
BLOCK_COLUMNS = ("import_id", "position", "kind", "text", "prefix", "line")
SOURCE_PREFIX = REFERENCE_BODY.index("source_prefix")



def _json_dumps() -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, check_circular=False).encode``, the same text, with
    the C encoder made once: ``encode`` builds a new one on every call, ~2-3 us of the ~6 us an
    imported entry's fields took in the parse workers (issue 22). The stdlib's own encoder where
    its C part is missing."""
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    make = getattr(json.encoder, "c_make_encoder", None)  # not in the type stubs
    if make is None:  # pragma: no cover - CPython always has it
        return encode

    def default(o: Any) -> Any:
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

    # The arguments JSONEncoder.iterencode passes for these options (indent None: separators
    # ", " and ": "; no key sorting or skipping; NaN allowed).
    c_encode = make(None, default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def dumps(o: Any) -> str:
        if isinstance(o, str):
            return encode(o)
        return "".join(c_encode(o, 0))

    return dumps


_dumps = _json_dumps()


@lru_cache(maxsize=4096)
def _date_columns(text: str) -> tuple[str, int | None]:
    """(date, year) columns of a date field; dates repeat a lot within a library."""
    date = PartialDate.parse(text)
    return date.iso(), date.year


_container_sort_key = lru_cache(maxsize=4096)(sort_key)  # journals and series repeat too


def reference_body(ref: Reference, raw_fields: bool = True) -> tuple[Any, ...]:
    """The REFERENCE_BODY values of a reference: everything that does not depend on where it goes.

    ``raw_fields=False`` stores "[]" for the source's raw fields: an import's are in the kept
    text, and the BibTeX writer reads them from there for the few edited entries that need them.
    """
    f = ref.fields
    date, year = _date_columns(f.get("date", ""))
    creators = ref.creators
    src = ref.source
    title = f.get("title", "")
    container = f.get("container_title", "")
    head = (
        ref.item_type,
        ref.citation_key,
        title,
        container,
        date,
        year,
        authors_display(creators),
        f.get("doi", ""),
        f.get("pages", ""),
        f.get("status", ""),
        sort_key(title),
        sort_key(" ".join(c.sort_name for c in creators[:3])) if creators else "",
        _container_sort_key(container),
        _dumps(f),
        _dumps(ref.extra) if ref.extra else "{}",
        ref.edited,
        False,
    )
    if src is None:
        return (*head, "", "", "", "[]", "", 0, "")
    return (
        *head,
        src.format,
        src.text,
        src.entry_type,
        _dumps(src.raw_fields) if raw_fields and src.raw_fields else "[]",
        src.file,
        src.line,
        src.prefix,
    )


def reference_row(ref: Reference, rid: int, now: datetime, import_id: int | None, position: int) -> dict[str, Any]:
    return dict(zip(REFERENCE_COLUMNS, (rid, now, now, import_id, position, *reference_body(ref)), strict=True))


def creator_values(ref: Reference, rid: int) -> list[tuple[Any, ...]]:
    """CREATOR_COLUMNS tuples of a reference's creators."""
    return [
        (rid, i, c.role.value, c.family, c.given, c.particle, c.suffix, c.literal, c.others)
        for i, c in enumerate(ref.creators)
    ]


def creator_rows(ref: Reference, rid: int) -> list[dict[str, Any]]:
    return [dict(zip(CREATOR_COLUMNS, row, strict=True)) for row in creator_values(ref, rid)]


def fts_row(ref: Reference, rid: int) -> tuple[int, str, str, str, str, str, str]:
    f = ref.fields
    names = " ".join(
        c.literal if c.literal else f"{c.given} {c.particle} {c.family}" for c in ref.creators if not c.others
    )
    get = f.get
    keywords = " ".join(x for x in (get("keywords", ""), get("subject_areas", "")) if x)
    notes = " ".join(x for x in (get("note", ""), get("annote", "")) if x)
    return (rid, get("title", ""), names, get("container_title", ""), get("abstract", ""), keywords, notes)


@dataclass(slots=True)
class RowBatch:
    """Rows of a run of items in order, numbered within the batch (picklable plain tuples).

    ``refs``: (item index, *REFERENCE_BODY); ``creators``: CREATOR_COLUMNS with the reference's
    index in ``refs`` as reference_id; ``fts``: fts_row with that index as id; ``blocks``:
    (item index, kind, text, prefix, line).
    """

    refs: list[tuple[Any, ...]] = field(default_factory=list)
    creators: list[tuple[Any, ...]] = field(default_factory=list)
    fts: list[tuple[int, str, str, str, str, str, str]] = field(default_factory=list)
    blocks: list[tuple[int, str, str, str, int]] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        """How many items (references and blocks) the rows came from."""
        return len(self.refs) + len(self.blocks)

    def prepend(self, text: str) -> None:
        """Put text before the first item (the tail of the previous batch), as the reader would."""
        if self.refs and self.refs[0][0] == 0:
            first = self.refs[0]
            p = 1 + SOURCE_PREFIX
            self.refs[0] = (*first[:p], text + first[p], *first[p + 1 :])
        elif self.blocks and self.blocks[0][0] == 0:
            pos, kind, body, prefix, line = self.blocks[0]
            if kind == BlockKind.TRAILER.value:
                self.blocks[0] = (pos, kind, text + body, prefix, line)
            else:
                self.blocks[0] = (pos, kind, body, text + prefix, line)
        else:
            self.blocks.insert(0, (0, BlockKind.TRAILER.value, text, "", 0))


def imported_rows(items: Sequence[Reference | PassthroughBlock]) -> RowBatch:
    """``item_rows`` for an import's parse workers: top-level, so it pickles by name."""
    return item_rows(items, raw_fields=False)


def item_rows(items: Sequence[Reference | PassthroughBlock], raw_fields: bool = True) -> RowBatch:
    """The rows of items (see RowBatch)."""
    batch = RowBatch()
    refs = batch.refs
    creators = batch.creators
    fts = batch.fts
    for pos, item in enumerate(items):
        if item.__class__ is PassthroughBlock:
            assert isinstance(item, PassthroughBlock)
            batch.blocks.append((pos, item.kind.value, item.text, item.prefix, item.line))
            continue
        assert isinstance(item, Reference)
        local = len(refs)
        refs.append((pos, *reference_body(item, raw_fields)))
        if item.creators:
            creators.extend(creator_values(item, local))
        fts.append(fts_row(item, local))
    return batch


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
