"""Storage for curating a library: reading state, tags, notes, reading-list order, saved
searches, "not duplicates" pairs, citation keys, and the figures of the reading overview.

Kept apart from ``library.py`` so the core read/write paths stay small. Writes take the
``UnitOfWork`` of the caller's one user action; every bulk write is one statement per 900 ids
(10,000 references are one transaction of a dozen UPDATEs) and returns what it replaced, so
the GUI can undo it in one step. Reads take a Library or, inside an action (an import's key
generation), its UnitOfWork.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import unescape
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, select, true, update

from bibliofile.model.reading import STATUSES, ReadingState, page_count
from bibliofile.storage.batches import chunks, execute_many, now
from bibliofile.storage.json_fields import json_field
from bibliofile.storage.library import Source, UnitOfWork, connection
from bibliofile.storage.tables import (
    collection_items_t,
    creators_t,
    not_duplicates_t,
    notes_t,
    reference_tags_t,
    references_t,
    saved_searches_t,
    tags_t,
)

R = references_t.c
CI = collection_items_t.c
RT = reference_tags_t.c
T = tags_t.c

ReadingRow = tuple[int, str, int, int, str]  # id, status, priority, rating, date_read




# ---- reading state ---------------------------------------------------------------------------
def reading_states(src: Source, ids: Sequence[int]) -> dict[int, ReadingState]:
    out: dict[int, ReadingState] = {}
    with connection(src) as conn:
        for chunk in chunks(ids, 900):
            stmt = select(R.id, R.read_status, R.priority, R.rating, R.date_read).where(R.id.in_(chunk))
            for rid, status, priority, rating, read_on in conn.execute(stmt):
                out[rid] = ReadingState(status, priority, rating, read_on)
    return out


def set_reading(
    uow: UnitOfWork,
    ids: Sequence[int],
    *,
    status: str | None = None,
    priority: int | None = None,
    rating: int | None = None,
    date_read: str | None = None,
) -> list[ReadingRow]:
    """Set some of the reading state of many references; returns the rows as they were.

    Marking a reference read gives it today's date read when it had none. The references'
    ``edited`` flag and modification date are left alone: reading is not editing the entry.
    """
    if status is not None and status not in ("", *STATUSES):
        raise ValueError(f"unknown reading status {status!r}")
    if priority is not None and not 0 <= priority <= 3:
        raise ValueError("priority is 0 (none) or 1..3")
    if rating is not None and not 0 <= rating <= 5:
        raise ValueError("rating is 0 (none) or 1..5")
    before = _reading_rows(uow.conn, ids)
    values: dict[str, Any] = {}
    if status is not None:
        values["read_status"] = status
        if status == "read" and date_read is None:
            values["date_read"] = case((R.date_read == "", date.today().isoformat()), else_=R.date_read)
    if priority is not None:
        values["priority"] = priority
    if rating is not None:
        values["rating"] = rating
    if date_read is not None:
        values["date_read"] = date_read
    if values:
        for chunk in chunks(ids, 900):
            uow.conn.execute(update(references_t).where(R.id.in_(chunk)).values(**values))
    return before


def put_reading(uow: UnitOfWork, rows: Sequence[ReadingRow]) -> None:
    """Put back rows returned by ``set_reading`` (its undo)."""
    if rows:
        stmt = (
            update(references_t)
            .where(R.id == bindparam("b_id"))
            .values(
                read_status=bindparam("b_status"),
                priority=bindparam("b_priority"),
                rating=bindparam("b_rating"),
                date_read=bindparam("b_date_read"),
            )
        )
        execute_many(uow.conn, stmt, ("b_id", "b_status", "b_priority", "b_rating", "b_date_read"), rows)


def _reading_rows(conn: Connection, ids: Sequence[int]) -> list[ReadingRow]:
    rows: list[ReadingRow] = []
    for chunk in chunks(ids, 900):
        stmt = select(R.id, R.read_status, R.priority, R.rating, R.date_read).where(R.id.in_(chunk))
        rows.extend((a, b, c, d, e) for a, b, c, d, e in conn.execute(stmt))
    return rows


# ---- tags --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    colour: str
    count: int


def tags(src: Source) -> list[Tag]:
    """Every tag with how many references (not in the trash) carry it, by name."""
    with connection(src) as conn:
        used = (
            select(RT.tag_id, func.count().label("n"))
            .select_from(reference_tags_t.join(references_t, R.id == RT.reference_id))
            .where(R.deleted.is_(False))
            .group_by(RT.tag_id)
            .subquery()
        )
        stmt = (
            select(T.id, T.name, T.colour, func.coalesce(used.c.n, 0))
            .outerjoin(used, used.c.tag_id == T.id)
            .order_by(func.lower(T.name))
        )
        return [Tag(i, n, c, k) for i, n, c, k in conn.execute(stmt)]


def tags_of(src: Source, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    with connection(src) as conn:
        for chunk in chunks(ids, 900):
            stmt = (
                select(RT.reference_id, T.name)
                .join(tags_t, T.id == RT.tag_id)
                .where(RT.reference_id.in_(chunk))
                .order_by(func.lower(T.name))
            )
            for rid, name in conn.execute(stmt):
                out.setdefault(rid, []).append(name)
    return out


def add_tag(uow: UnitOfWork, name: str, colour: str = "") -> int:
    """The id of the tag with this name (case-insensitive), created when new."""
    name = name.strip()
    if not name:
        raise ValueError("a tag needs a name")
    found = uow.conn.execute(select(T.id).where(func.lower(T.name) == name.lower())).scalar()
    if found is not None:
        return int(found)
    pk = uow.conn.execute(insert(tags_t).values(name=name, colour=colour)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def set_tag(uow: UnitOfWork, tag_id: int, *, name: str | None = None, colour: str | None = None) -> None:
    values: dict[str, str] = {}
    if name is not None and name.strip():
        values["name"] = name.strip()
    if colour is not None:
        values["colour"] = colour
    if values:
        uow.conn.execute(update(tags_t).where(T.id == tag_id).values(**values))


def delete_tag(uow: UnitOfWork, tag_id: int) -> list[int]:
    """Delete a tag; returns the references that had it (to undo with add_tag + tag)."""
    had = list(uow.conn.execute(select(RT.reference_id).where(RT.tag_id == tag_id)).scalars())
    uow.conn.execute(delete(tags_t).where(T.id == tag_id))
    return had


def tag(uow: UnitOfWork, tag_id: int, ids: Sequence[int]) -> list[int]:
    """Give the tag to references; returns those that did not have it (the undo's list)."""
    have: set[int] = set()
    wanted = list(dict.fromkeys(ids))
    for chunk in chunks(wanted, 900):
        have.update(
            uow.conn.execute(
                select(RT.reference_id).where(RT.tag_id == tag_id, RT.reference_id.in_(chunk))
            ).scalars()
        )
    new = [i for i in wanted if i not in have]
    if new:
        execute_many(uow.conn, insert(reference_tags_t), ("reference_id", "tag_id"), [(i, tag_id) for i in new])
    return new


def untag(uow: UnitOfWork, tag_id: int, ids: Sequence[int]) -> list[int]:
    """Take the tag off references; returns those that had it."""
    had: list[int] = []
    for chunk in chunks(list(ids), 900):
        cond = and_(RT.tag_id == tag_id, RT.reference_id.in_(chunk))
        had.extend(uow.conn.execute(select(RT.reference_id).where(cond)).scalars())
        uow.conn.execute(delete(reference_tags_t).where(cond))
    return had


# ---- notes -------------------------------------------------------------------------------------
def note(src: Source, rid: int) -> str:
    """The note's rich text (HTML), "" when there is none."""
    with connection(src) as conn:
        return str(conn.execute(select(notes_t.c.html).where(notes_t.c.reference_id == rid)).scalar() or "")


def notes(src: Source, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(html, plain text) of the notes of these references."""
    out: dict[int, tuple[str, str]] = {}
    with connection(src) as conn:
        for chunk in chunks(ids, 900):
            n = notes_t.c
            for rid, html, plain in conn.execute(select(n.reference_id, n.html, n.text).where(n.reference_id.in_(chunk))):
                out[rid] = (html, plain)
    return out


def set_note(uow: UnitOfWork, rid: int, html: str, plain: str) -> str:
    """Store a note (empty text deletes it) and keep the full-text index's notes column in step
    (the entry's own note/annote fields plus this text). Returns the previous HTML."""
    conn = uow.conn
    old = note(uow, rid)
    conn.execute(delete(notes_t).where(notes_t.c.reference_id == rid))
    if plain.strip() or "<img" in html:
        conn.execute(insert(notes_t).values(reference_id=rid, html=html, text=plain, modified=now()))
    fields_json = conn.execute(select(R.fields_json).where(R.id == rid)).scalar()
    if fields_json is None:
        raise KeyError(rid)
    f = json.loads(fields_json)
    words = " ".join(x for x in (f.get("note", ""), f.get("annote", ""), plain.strip()) if x)
    uow.index.set_notes(conn, rid, words)
    return old


# ---- reading lists (ordered collections) -------------------------------------------------------
def collection_order(src: Source, cid: int) -> list[int]:
    with connection(src) as conn:
        stmt = (
            select(CI.reference_id)
            .join(references_t, R.id == CI.reference_id)
            .where(CI.collection_id == cid, R.deleted.is_(False))
            .order_by(CI.position, CI.reference_id)
        )
        return list(conn.execute(stmt).scalars())


def set_collection_order(uow: UnitOfWork, cid: int, ordered: Sequence[int]) -> list[int]:
    """Number the collection's items in this order (others keep theirs, after); returns the
    previous order (the undo's argument)."""
    with connection(uow) as conn:
        current = select(CI.reference_id).where(CI.collection_id == cid).order_by(CI.position, CI.reference_id)
        before = list(conn.execute(current).scalars())
    members = set(before)  # built once: a set() inside the comprehensions was quadratic
    placed = [i for i in dict.fromkeys(ordered) if i in members]
    placed_set = set(placed)
    rest = [i for i in before if i not in placed_set]
    renumber = (
        update(collection_items_t)
        .where(CI.collection_id == cid, CI.reference_id == bindparam("b_id"))
        .values(position=bindparam("b_position"))
    )
    execute_many(uow.conn, renumber, ("b_position", "b_id"), list(enumerate([*placed, *rest])))
    return before


def move_in_collection(uow: UnitOfWork, cid: int, ids: Sequence[int], before: int | None) -> list[int]:
    """Move references (kept in their order) to just before ``before``, or to the end when
    None; ``move_to_top`` is this before the first. Returns the previous order."""
    with connection(uow) as conn:
        stmt = select(CI.reference_id).where(CI.collection_id == cid).order_by(CI.position, CI.reference_id)
        order = list(conn.execute(stmt).scalars())
    wanted = set(ids)
    moving = [i for i in order if i in wanted]
    rest = [i for i in order if i not in wanted]
    at = rest.index(before) if before is not None and before in rest else len(rest)
    return set_collection_order(uow, cid, [*rest[:at], *moving, *rest[at:]])


def move_to_top(uow: UnitOfWork, cid: int, ids: Sequence[int]) -> list[int]:
    wanted = set(ids)
    first = next((i for i in collection_order(uow, cid) if i not in wanted), None)
    return move_in_collection(uow, cid, ids, first)


@dataclass(frozen=True, slots=True)
class ListProgress:
    total: int
    read: int
    pages_left: int  # pages of the references not yet read (status not read/skimmed)
    unknown_pages: int  # unread references whose length is not known

    def text(self) -> str:
        from bibliofile.model.reading import reading_time

        out = f"{self.read} of {self.total} read"
        if self.pages_left:
            out += f" · {self.pages_left} pages left, {reading_time(self.pages_left)}"
        if self.unknown_pages:
            out += f" ({self.unknown_pages} of unknown length)"
        return out


def list_progress(src: Source, cid: int, pages_left: Mapping[int, int] | None = None) -> ListProgress:
    """``pages_left``: pages still to read of references the reader has a page count for
    (issue 19's reading progress); they count instead of the reference's page range."""
    known_left = pages_left or {}
    with connection(src) as conn:
        stmt = (
            select(R.id, R.read_status, R.pages, json_field(R.fields_json, "number_of_pages"))
            .join(collection_items_t, CI.reference_id == R.id)
            .where(CI.collection_id == cid, R.deleted.is_(False))
        )
        total = done = left = unknown = 0
        for rid, status, pages, number in conn.execute(stmt):
            total += 1
            if status in ("read", "skimmed"):
                done += 1
                continue
            n = known_left.get(rid)
            if n is None:
                n = page_count(pages or "", str(number or ""))
            if n is None:
                unknown += 1
            else:
                left += n
        return ListProgress(total, done, left, unknown)


# ---- saved searches ----------------------------------------------------------------------------
def saved_searches(src: Source) -> list[tuple[int, str, str]]:
    s = saved_searches_t.c
    with connection(src) as conn:
        return [(i, n, q) for i, n, q in conn.execute(select(s.id, s.name, s.query).order_by(s.position, s.id))]


def add_saved_search(uow: UnitOfWork, name: str, query: str) -> int:
    s = saved_searches_t.c
    end = uow.conn.execute(select(func.coalesce(func.max(s.position), -1))).scalar_one() + 1
    pk = uow.conn.execute(insert(saved_searches_t).values(name=name, query=query, position=end)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def rename_saved_search(uow: UnitOfWork, sid: int, name: str) -> None:
    uow.conn.execute(update(saved_searches_t).where(saved_searches_t.c.id == sid).values(name=name))


def delete_saved_search(uow: UnitOfWork, sid: int) -> None:
    uow.conn.execute(delete(saved_searches_t).where(saved_searches_t.c.id == sid))


# ---- duplicates --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScanRow:
    """What a duplicate scan compares, read for the whole library in two queries."""

    id: int
    item_type: str
    title: str
    year: int | None
    doi: str
    isbn: str
    first_author: str


def scan_rows(src: Source) -> list[ScanRow]:
    """Every reference not in the trash, with its first creator's family name (or literal)."""
    with connection(src) as conn:
        c = creators_t.c
        first: dict[int, str] = {}
        for rid, family, literal in conn.execute(
            select(c.reference_id, c.family, c.literal).where(c.position == 0)
        ):
            first[rid] = family or literal
        stmt = select(
            R.id, R.item_type, R.title, R.year, R.doi, json_field(R.fields_json, "isbn")
        ).where(R.deleted.is_(False))
        return [
            ScanRow(rid, t, title, year, doi or "", isbn or "", first.get(rid, ""))
            for rid, t, title, year, doi, isbn in conn.execute(stmt)
        ]


def not_duplicate_pairs(src: Source) -> set[tuple[int, int]]:
    with connection(src) as conn:
        nd = not_duplicates_t.c
        return {(a, b) for a, b in conn.execute(select(nd.first_id, nd.second_id))}


def mark_not_duplicates(uow: UnitOfWork, a: int, b: int) -> None:
    first, second = min(a, b), max(a, b)
    if (first, second) not in not_duplicate_pairs(uow):
        uow.conn.execute(insert(not_duplicates_t).values(first_id=first, second_id=second))


def unmark_not_duplicates(uow: UnitOfWork, a: int, b: int) -> None:
    nd = not_duplicates_t.c
    uow.conn.execute(delete(not_duplicates_t).where(nd.first_id == min(a, b), nd.second_id == max(a, b)))


@dataclass(slots=True)
class Absorbed:
    """What ``absorb`` changed on the kept reference, to undo a merge exactly."""

    tags: list[int]
    collections: list[int]
    note_before: str
    reading_before: list[ReadingRow]


def absorb(uow: UnitOfWork, keep: int, gone: int) -> Absorbed:
    """Give ``keep`` the tags, collections, note and reading state of ``gone`` (a merge keeps
    both), then move ``gone`` to the trash."""
    conn = uow.conn
    gone_tags = list(conn.execute(select(RT.tag_id).where(RT.reference_id == gone)).scalars())
    added_tags = [t for t in gone_tags if tag(uow, t, [keep])]
    gone_cols = list(conn.execute(select(CI.collection_id).where(CI.reference_id == gone)).scalars())
    keep_cols = set(conn.execute(select(CI.collection_id).where(CI.reference_id == keep)).scalars())
    added_cols = [c for c in gone_cols if c not in keep_cols]
    for c in added_cols:
        pos = conn.execute(select(CI.position).where(CI.collection_id == c, CI.reference_id == gone)).scalar_one()
        conn.execute(insert(collection_items_t).values(collection_id=c, reference_id=keep, position=pos))
    both = notes(uow, [keep, gone])
    note_before = both.get(keep, ("", ""))[0]
    if gone in both:
        html = "\n".join(h for h, _ in (both.get(keep, ("", "")), both[gone]) if h)
        plain = "\n".join(p for _, p in (both.get(keep, ("", "")), both[gone]) if p)
        set_note(uow, keep, html, plain)
    states = reading_states(uow, [keep, gone])
    k, g = states[keep], states[gone]
    reading_before = _reading_rows(conn, [keep])
    set_reading(
        uow,
        [keep],
        status=k.status or g.status,
        priority=min((p for p in (k.priority, g.priority) if p), default=0),
        rating=max(k.rating, g.rating),
        date_read=k.date_read or g.date_read,
    )
    uow.trash([gone])
    return Absorbed(added_tags, added_cols, note_before, reading_before)


def unabsorb(uow: UnitOfWork, keep: int, gone: int, record: Absorbed) -> None:
    """Undo ``absorb``: restore ``gone`` and take back what ``keep`` received."""
    uow.restore([gone])
    for t in record.tags:
        untag(uow, t, [keep])
    for c in record.collections:
        uow.remove_from_collection(c, [keep])
    _, plain = notes(uow, [keep]).get(keep, ("", ""))
    if record.note_before or plain:
        set_note(uow, keep, record.note_before, _plain_of(record.note_before))
    put_reading(uow, record.reading_before)


def _plain_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(style|head)[^>]*>.*?</\1>", "", html))).strip()


# ---- citation keys -----------------------------------------------------------------------------
def citation_keys(src: Source) -> dict[int, str]:
    """Every reference's key (including the trash: a key in the trash is still taken)."""
    with connection(src) as conn:
        return dict(conn.execute(select(R.id, R.citation_key)).all())


def ids_without_key(src: Source, ids: Sequence[int] | None = None) -> list[int]:
    """References (these, or all) whose citation key is empty, in id order."""
    with connection(src) as conn:
        if ids is None:
            return list(conn.execute(select(R.id).where(R.citation_key == "").order_by(R.id)).scalars())
        if len(ids) > 900:
            # An import's ids are one run: one range scan instead of a hundred IN lists (0.8 s
            # at 100k), filtered to the ids asked for.
            wanted = set(ids)
            stmt = select(R.id).where(R.id.between(min(ids), max(ids)), R.citation_key == "")
            return sorted(i for i in conn.execute(stmt).scalars() if i in wanted)
        out: list[int] = []
        for chunk in chunks(ids, 900):
            out.extend(conn.execute(select(R.id).where(R.id.in_(chunk), R.citation_key == "")).scalars())
        return sorted(out)


def key_inputs(src: Source, ids: Sequence[int]) -> dict[int, tuple[str, int | None, list[str]]]:
    """(title, year, family names of the authors, else of the editors) per reference."""
    out: dict[int, tuple[str, int | None, list[str]]] = {}
    c = creators_t.c
    with connection(src) as conn:
        for chunk in chunks(ids, 900):
            names: dict[int, dict[str, list[str]]] = {}
            stmt = (
                select(c.reference_id, c.role, c.family, c.literal)
                .where(c.reference_id.in_(chunk), c.others.is_(False))
                .order_by(c.reference_id, c.position)
            )
            for rid, role, family, literal in conn.execute(stmt):
                names.setdefault(rid, {}).setdefault(role, []).append(family or literal)
            for rid, title, year in conn.execute(select(R.id, R.title, R.year).where(R.id.in_(chunk))):
                roles = names.get(rid, {})
                out[rid] = (title, year, roles.get("author") or roles.get("editor") or [])
    return out


def set_citation_keys(uow: UnitOfWork, keys: Mapping[int, str]) -> dict[int, str]:
    """Set keys; returns the keys they had. An entry imported from BibTeX is marked edited, so
    an export writes its new key (its kept source text still has the old one)."""
    before: dict[int, str] = {}
    for chunk in chunks(list(keys), 900):
        before.update((i, k) for i, k in uow.conn.execute(select(R.id, R.citation_key).where(R.id.in_(chunk))))
    if keys:
        stmt = (
            update(references_t)
            .where(R.id == bindparam("b_id"))
            .values(
                citation_key=bindparam("b_key"),
                edited=case((R.source_format == "bibtex", true()), else_=R.edited),
            )
        )
        execute_many(uow.conn, stmt, ("b_id", "b_key"), list(keys.items()))
    return before


# ---- overview ----------------------------------------------------------------------------------
def per_year(src: Source) -> list[tuple[int | None, int]]:
    with connection(src) as conn:
        stmt = select(R.year, func.count()).where(R.deleted.is_(False)).group_by(R.year).order_by(R.year)
        return [(y, n) for y, n in conn.execute(stmt)]


def per_type(src: Source) -> list[tuple[str, int]]:
    with connection(src) as conn:
        stmt = (
            select(R.item_type, func.count())
            .where(R.deleted.is_(False))
            .group_by(R.item_type)
            .order_by(func.count().desc())
        )
        return [(t, n) for t, n in conn.execute(stmt)]


def read_per_month(src: Source) -> list[tuple[str, int]]:
    """("2026-03", n) for references marked read, by the month of their date read."""
    with connection(src) as conn:
        month = func.substr(R.date_read, 1, 7)
        stmt = (
            select(month, func.count())
            .where(R.deleted.is_(False), R.date_read != "")
            .group_by(month)
            .order_by(month)
        )
        return [(m, n) for m, n in conn.execute(stmt)]
