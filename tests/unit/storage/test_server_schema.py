"""A server library on a real PostgreSQL (issue 21): its schema, its refusals, its round trips.

One private server per module (``tests/pg_server.py``), a fresh database per test.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, column, inspect, select, table, update
from tests.pg_server import PgServer

from bibliofile.model import Creator, CreatorRole, Reference, SourceRecord
from bibliofile.model.merge import normalize
from bibliofile.model.reading import ReadingState
from bibliofile.model.sync_snapshot import SyncedReference, from_snapshot, to_snapshot
from bibliofile.storage import server
from bibliofile.storage.server_tables import VERSION_TABLE, server_metadata

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.create_database(f"lib{next(_names)}")


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    eng = server.connect(url)
    yield eng
    eng.dispose()


@pytest.fixture
def ready(engine: Engine) -> Engine:
    server.upgrade_server(engine)
    return engine


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_a_new_server_gets_the_schema_once(engine: Engine) -> None:
    assert _tables(engine) == set()
    assert server.upgrade_server(engine) is True
    assert set(server_metadata.tables) | {VERSION_TABLE} == _tables(engine)
    with engine.connect() as conn:
        assert server.server_revisions(conn) == set(server.known_revisions()[1])
    assert server.upgrade_server(engine) is False


def test_schema_at_head_matches_the_server_tables(ready: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with ready.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(ctx, server_metadata) == []


def test_an_older_server_schema_is_upgraded(ready: Engine) -> None:
    cfg = server.alembic_config()
    with ready.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert _tables(ready) == {VERSION_TABLE}
    assert server.upgrade_server(ready) is True
    assert "change_log" in _tables(ready)


def test_a_server_from_a_newer_version_is_refused_and_nothing_is_written(ready: Engine) -> None:
    version = table(VERSION_TABLE, column("version_num"))
    with ready.begin() as conn:
        conn.execute(update(version).values(version_num="s9999_from_the_future"))
        server.put_reference(conn, uuid.uuid4(), {"fields.title": "Already there"}, "someone")
    before = _dump(ready)
    with pytest.raises(server.ServerTooNewError, match="newer version of Bibliofile") as refused:
        server.upgrade_server(ready)
    message = str(refused.value)
    assert "s9999_from_the_future" in message and "has written nothing there" in message
    assert "secret" not in message
    assert _dump(ready) == before


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to show that a refusal wrote nothing."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for name in sorted(_tables(engine)):
            t = table(name, *(column(c["name"]) for c in inspect(conn).get_columns(name)))
            out[name] = sorted((tuple(map(str, r)) for r in conn.execute(select(t))), key=str)
    return out


def _wait_until_blocked_or_done(engine: Engine, other_pid: int, done: Callable[[], bool]) -> None:
    """Until another session of this database waits on a lock, or ``done()``: no sleep decides
    the outcome, it only paces the polling."""
    activity = table("pg_stat_activity", column("pid"), column("wait_event_type"), column("datname"))
    with engine.connect() as probe:
        for _ in range(12_000):
            if done():
                return
            blocked = probe.execute(
                select(activity.c.pid).where(
                    activity.c.wait_event_type == "Lock", activity.c.pid != other_pid,
                    activity.c.datname == engine.url.database,
                )
            ).first()
            probe.rollback()  # pg_stat_activity is read once per transaction: look again afresh
            if blocked is not None:
                return
            time.sleep(0.01)


def test_a_replica_connecting_while_another_creates_the_schema_waits_and_finds_it_done(
    engine: Engine, url: str
) -> None:
    """Two laptops connect to a new server at once: the second must not create the tables too
    (its CREATE TABLE would collide with the first's when that commits)."""
    holder = engine.connect()
    creating = holder.begin()
    holder.execute(select(server.func.pg_advisory_xact_lock(server.MIGRATE_LOCK)))
    cfg = server.alembic_config()
    cfg.attributes["connection"] = holder
    command.upgrade(cfg, "heads")  # the first replica, half-way: schema made, not committed
    holder_pid = holder.execute(select(server.func.pg_backend_pid())).scalar_one()
    code = "import sys; from bibliofile.storage import server; print(server.upgrade_server(server.connect(sys.argv[1])))"
    second = subprocess.Popen(
        [sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_until_blocked_or_done(engine, holder_pid, lambda: second.poll() is not None)
        creating.commit()
        holder.close()
        out, err = second.communicate(timeout=120)
    finally:
        if second.poll() is None:
            second.kill()
    assert (second.returncode, out.strip()) == (0, "False"), err[-2000:]


SOURCE = SourceRecord(
    format="bibtex", text="@article{knox2008,\n  title = {Field {Notes}},\n}", entry_type="Article",
    raw_fields=[("title", "{Field {Notes}}")], file="refs.bib", line=3, prefix="\n",
)


def _synced(collection: str) -> SyncedReference:
    ref = Reference(
        item_type="article-journal",
        citation_key="knox2008",
        fields={"title": "Field Notes", "date": "2008-03", "doi": "10.1000/xyz"},
        creators=[
            Creator(family="Knox", given="Ann"),
            Creator(family="Berg", given="Hans", particle="van der", suffix="Jr"),
            Creator.institution("World Health Organization"),
            Creator(role=CreatorRole.EDITOR, family="Okafor"),
            Creator.et_al(),
        ],
        extra={"x-custom": "{kept as written}"},
        source=SOURCE,
        edited=True,
    )
    return SyncedReference(
        reference=ref,
        tags=("ml", "to-cite", "Robert'); DROP TABLE tags;--"),
        collections=(collection,),
        note_html="<p>Read <b>twice</b></p>",
        note_text="Read twice",
        reading=ReadingState(status="reading", priority=1, rating=4, date_read="2026-11-30"),
    )


def test_a_reference_with_creators_tags_and_collections_round_trips(ready: Engine) -> None:
    coll = str(uuid.uuid4())
    gid = str(uuid.uuid4())
    synced = _synced(coll)
    snapshot = to_snapshot(synced)
    with ready.begin() as conn:
        assert server.put_collection(conn, coll, server.collection_snapshot("Thesis"), "laptop") is not None
        assert server.put_reference(conn, gid, snapshot, "laptop") is not None
    with ready.connect() as conn:
        got = server.get_reference(conn, gid)
        assert server.get_collections(conn) == {coll: {"name": "Thesis"}}
        tag_names = set(conn.execute(select(table("tags", column("name")).c.name)).scalars())
    assert got == normalize(snapshot)
    back = from_snapshot(got)
    assert back.reference.creators == synced.reference.creators
    assert back.reference.fields == synced.reference.fields
    assert back.reference.extra == synced.reference.extra
    assert back.reference.source == SOURCE
    assert back.reference.edited is True and back.reference.citation_key == "knox2008"
    assert set(back.tags) == set(synced.tags) == tag_names
    assert back.collections == (coll,)
    assert (back.note_html, back.note_text) == (synced.note_html, synced.note_text)
    assert back.reading == synced.reading


def test_each_changed_field_is_one_change_log_row(ready: Engine) -> None:
    coll, gid = str(uuid.uuid4()), str(uuid.uuid4())
    snapshot = to_snapshot(_synced(coll))
    with ready.begin() as conn:
        server.put_collection(conn, coll, server.collection_snapshot("Thesis"), "laptop")
        server.put_reference(conn, gid, snapshot, "laptop")
        start = server.latest_version(conn)
    edited = {**snapshot, "fields.title": "Field Notes, revised", "tags": ["ml"]}
    edited.pop("fields.doi")
    with ready.begin() as conn:
        assert server.put_reference(conn, gid, snapshot, "desktop") is None  # nothing new
        version = server.put_reference(conn, gid, edited, "desktop")
    with ready.connect() as conn:
        log = server.changes_since(conn, start)
        assert server.references_changed_since(conn, start) == [(gid, version, False)]
        assert server.get_reference(conn, gid) == normalize(edited)
    assert [(e.field, e.value, e.author, e.object_gid) for e in log] == [
        ("fields.doi", None, "desktop", gid),
        ("fields.title", "Field Notes, revised", "desktop", gid),
        ("tags", ["ml"], "desktop", gid),
    ]
    assert version == max(e.version for e in log)


def test_a_deletion_is_a_tombstone_and_an_edit_brings_it_back(ready: Engine) -> None:
    gid = str(uuid.uuid4())
    snap = {"item_type": "book", "fields.title": "Gone", "tags": ["old"], "creators": [{"role": "author", "family": "X"}]}
    with ready.begin() as conn:
        server.put_reference(conn, gid, snap, "laptop")
        start = server.latest_version(conn)
        assert server.delete_reference(conn, gid, "desktop") is not None
        assert server.delete_reference(conn, gid, "desktop") is None  # already gone
    with ready.connect() as conn:
        assert server.get_reference(conn, gid) is None
        [entry] = server.changes_since(conn, start)
        assert (entry.tombstone, entry.field, entry.author) == (True, "", "desktop")
        assert server.references_changed_since(conn, start) == [(gid, entry.version, True)]
    with ready.begin() as conn:  # the laptop edited it meanwhile: the edit wins over the deletion
        server.put_reference(conn, gid, {**snap, "fields.title": "Kept"}, "laptop")
    with ready.connect() as conn:
        assert server.get_reference(conn, gid) == normalize({**snap, "fields.title": "Kept"})


def test_versions_become_visible_in_the_order_they_were_handed_out(ready: Engine) -> None:
    """Two writers at once: the one that got lower versions commits last. A replica pulling
    "after the highest version I saw" must still get them, so the second writer waits."""
    first = ready.connect()
    first_tx = first.begin()
    server.put_reference(first, uuid.uuid4(), {"fields.title": "first writer"}, "A")
    first_pid = first.execute(select(server.func.pg_backend_pid())).scalar_one()
    finished = threading.Event()
    failures: list[BaseException] = []

    def second_writer() -> None:
        try:
            with ready.begin() as conn:
                server.put_reference(conn, uuid.uuid4(), {"fields.title": "second writer"}, "B")
        except BaseException as exc:
            failures.append(exc)
        finally:
            finished.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    _wait_until_blocked_or_done(ready, first_pid, finished.is_set)
    with ready.connect() as reader:
        seen_while_first_open = {e.version for e in server.changes_since(reader, 0)}
        first_tx.commit()
        first.close()
        thread.join(timeout=60)
        assert not failures
        everything = server.changes_since(reader, 0)
    high = max(seen_while_first_open, default=0)
    late = [e.version for e in everything if e.version <= high and e.version not in seen_while_first_open]
    assert late == [], f"versions {late} committed after a reader had seen {high}: a pull would miss them"
    by_author = {a: [e.version for e in everything if e.author == a] for a in ("A", "B")}
    assert max(by_author["A"]) < min(by_author["B"])


def test_addresses_are_checked_and_shown_without_password() -> None:
    shown = server.display_url("postgresql://ann:secret@db.example.org:5433/lab")
    assert shown == "postgresql://ann@db.example.org:5433/lab"
    assert server.server_url("postgresql://ann@h/lab").drivername == "postgresql+psycopg"
    with pytest.raises(server.ServerError, match="not a PostgreSQL address"):
        server.server_url("sqlite:///tmp/x.sqlite")
    with pytest.raises(server.ServerError, match="names no database"):
        server.server_url("postgresql://ann:secret@h")
    with pytest.raises(server.ServerError) as bad:
        server.server_url("postgresql://ann:secret@h")
    assert "secret" not in str(bad.value)


CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")
def test_every_reference_of_the_real_bib_files_round_trips_through_the_server(ready: Engine) -> None:
    """Real-world .bib entries (odd fields, particles, literal names, "and others", unknown
    fields kept as written, the entry's source text) come back from the server as they went in."""
    from bibliofile.formats.bibtex_reader import read_bibtex_file
    from bibliofile.model.problems import UnreadableFileError

    refs: list[Reference] = []
    for path in sorted(CORPUS.rglob("*.bib")):
        try:
            refs.extend(i for i in read_bibtex_file(path).items if isinstance(i, Reference))
        except UnreadableFileError:
            continue  # the corpus holds deliberately unreadable files
    assert len(refs) > 1000

    def same(back: Reference, ref: Reference) -> None:
        assert (back.fields, back.creators, back.extra, back.source, back.citation_key, back.item_type) == (
            ref.fields, ref.creators, ref.extra, ref.source, ref.citation_key, ref.item_type,
        ), ref.citation_key

    snaps = [to_snapshot(SyncedReference(reference=r, tags=("corpus",))) for r in refs]
    for snap, ref in zip(snaps, refs, strict=True):  # the snapshot alone
        same(from_snapshot(snap).reference, ref)
    sent = {str(uuid.uuid4()): (snap, ref) for snap, ref in zip(snaps, refs, strict=True)}
    with ready.begin() as conn:
        versions = server.put_references(conn, {gid: snap for gid, (snap, _ref) in sent.items()}, "laptop")
    assert len(set(versions.values())) == len(sent)  # each reference's fields got their own versions
    with ready.connect() as conn:
        got = server.get_references(conn, list(sent))
    for gid, (snap, ref) in sent.items():
        assert got[gid] == normalize(snap), ref.citation_key
        same(from_snapshot(got[gid] or {}).reference, ref)


def test_a_batch_put_logs_only_what_changed_and_returns_each_new_version(ready: Engine) -> None:
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    first = {a: {"fields.title": "A"}, b: {"fields.title": "B", "tags": ["x"]}}
    with ready.begin() as conn:
        put = server.put_references(conn, first, "laptop")
        start = server.latest_version(conn)
    assert set(put) == {a, b}
    with ready.begin() as conn:
        again = server.put_references(
            conn, {a: first[a], b: {"fields.title": "B", "tags": ["x", "y"]}, c: {"fields.title": "C"}}, "desktop"
        )
    assert set(again) == {b, c}  # a did not change
    with ready.connect() as conn:
        log = server.changes_since(conn, start)
        assert [(e.object_gid, e.field) for e in log] == [(b, "tags"), (c, "fields.title")]
        assert again == {b: log[0].version, c: log[1].version}
        assert server.get_references(conn, [a, b, c]) == {
            a: {"fields.title": "A"}, b: {"fields.title": "B", "tags": ["x", "y"]}, c: {"fields.title": "C"},
        }
