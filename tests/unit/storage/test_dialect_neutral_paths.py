"""The dialect-neutral write paths run, and run the same, without a second database server.

PostgreSQL's drivers take named parameters, so ``batches.execute_many`` sends them rows as
dicts through SQLAlchemy, where SQLite gets tuples straight from the DBAPI. SQLite takes named
parameters too: a library opened with ``paramstyle="named"`` runs the PostgreSQL path on a real
file, and must store exactly what the SQLite path stores. Every Core statement it executes must
also compile for PostgreSQL (the full-text index, SQLite-specific by design, aside).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ClauseElement, TextClause

from bibliofile.model import Creator, Reference
from bibliofile.model.reference import SourceRecord
from bibliofile.storage import curation
from bibliofile.storage.engine import library_url, make_engine
from bibliofile.storage.library import Library
from bibliofile.storage.tables import collection_items_t, notes_t, reference_tags_t, references_t

R = references_t.c


def _refs() -> list[Reference]:
    bib = Reference(
        fields={"title": "From a file", "date": "2001", "number_of_pages": "120", "isbn": "978-0-19-852663-6"},
        creators=[Creator(family="Bibber", given="B.")],
        source=SourceRecord("bibtex", "@book{old,\n  title = {From a file},\n}\n"),
    )
    made = [
        Reference(fields={"title": f"Made {n}", "date": "2008", "pages": "1-10"}, creators=[Creator(family="Knox", given="C.")])
        for n in range(4)
    ]
    return [bib, *made]


def _open(path: Path, named: bool) -> Library:
    Library.open(path).close()  # create and upgrade the file the usual way
    url = library_url(path)
    if not named:
        return Library.open(path)
    return Library(make_engine(url, paramstyle="named"), url)


def _curate(lib: Library) -> tuple[list[int], int]:
    ids = lib.add_references(_refs())
    with lib.write() as uow:
        before = curation.set_reading(uow, ids[:3], status="read", priority=2)
        curation.put_reading(uow, before[:1])  # the first back as it was
        tid = curation.add_tag(uow, "thesis")
        curation.tag(uow, tid, ids[1:4])
        curation.set_citation_keys(uow, {ids[0]: "bibber2001", ids[1]: "knox2008"})
        cid = uow.add_collection("Reading list")
        uow.add_to_collection(cid, ids)
        curation.set_collection_order(uow, cid, ids[::-1])
        curation.set_note(uow, ids[2], "<p>marginalia</p>", "marginalia")
    return ids, cid


def _stored(lib: Library) -> dict[str, Any]:
    """What the curation wrote, with ids as positions (two libraries number alike anyway)."""
    with lib.engine.connect() as conn:
        refs = conn.execute(
            select(R.id, R.citation_key, R.edited, R.read_status, R.priority, R.rating, R.date_read).order_by(R.id)
        ).all()
        tags = conn.execute(select(reference_tags_t).order_by(*reference_tags_t.c)).all()
        items = conn.execute(select(collection_items_t).order_by(*collection_items_t.c)).all()
        notes = conn.execute(select(notes_t.c.reference_id, notes_t.c.html, notes_t.c.text)).all()
    return {"refs": [tuple(r) for r in refs], "tags": [tuple(r) for r in tags],
            "items": [tuple(r) for r in items], "notes": [tuple(r) for r in notes]}


@pytest.fixture
def named(tmp_path: Path) -> Iterator[Library]:
    lib = _open(tmp_path / "named.sqlite", named=True)
    assert not lib.engine.dialect.positional  # else this file tests the SQLite path twice
    yield lib
    lib.close()


def test_the_named_parameter_path_stores_what_it_should(named: Library) -> None:
    ids, cid = _curate(named)
    states = curation.reading_states(named, ids)
    today = date.today().isoformat()
    assert [(states[i].status, states[i].priority) for i in ids] == [("", 0), ("read", 2), ("read", 2), ("", 0), ("", 0)]
    assert states[ids[1]].date_read == today
    assert curation.tags_of(named, ids) == {i: ["thesis"] for i in ids[1:4]}
    assert curation.collection_order(named, cid) == ids[::-1]
    keys = curation.citation_keys(named)
    assert (keys[ids[0]], keys[ids[1]]) == ("bibber2001", "knox2008")
    # a new key on an entry read from BibTeX marks it edited (its kept text has the old key)
    assert named.get(ids[0]).edited and not named.get(ids[1]).edited
    assert named.search("marginalia") == [ids[2]]
    progress = curation.list_progress(named, cid)
    assert (progress.total, progress.read, progress.pages_left) == (5, 2, 120 + 10 + 10)
    isbns = {row.id: row.isbn for row in curation.scan_rows(named)}
    assert isbns == {ids[0]: "978-0-19-852663-6", **{i: "" for i in ids[1:]}}


def test_both_parameter_paths_store_the_same(tmp_path: Path, named: Library) -> None:
    plain = _open(tmp_path / "plain.sqlite", named=False)
    try:
        assert plain.engine.dialect.positional
        _curate(plain)
        _curate(named)
        assert _stored(named) == _stored(plain)
    finally:
        plain.close()


def test_every_core_statement_compiles_for_postgresql(named: Library) -> None:
    seen: list[ClauseElement] = []

    @event.listens_for(named.engine, "before_execute")
    def record(_conn: Any, clause: Any, *_args: Any) -> None:
        if isinstance(clause, ClauseElement) and not isinstance(clause, TextClause):
            seen.append(clause)

    ids, cid = _curate(named)
    curation.list_progress(named, cid)
    curation.scan_rows(named)
    curation.tags(named)
    curation.read_per_month(named)
    named.search("year:2001..2010 tag:thesis status:read", sort="year")
    named.rows(ids, ["title", "read_status", "priority"])
    assert len(seen) > 20  # the listener saw the work (an unconnected one sees nothing)
    pg = postgresql.dialect()  # type: ignore[no-untyped-call]
    sqlite_only = [str(c.compile(dialect=pg)) for c in seen if "json_extract" in str(c.compile(dialect=pg))]
    assert sqlite_only == []
