"""A server library in PostgreSQL (issue 21): connecting, its schema, and its reads and writes.

The sync service (a later step) pushes a replica's changes here and pulls the others'; this
module is everything it needs from the server, in SQLAlchemy Core over ``server_tables.py``.
Values always travel as bound parameters: no SQL text is ever built from user data.

Writes: each write function takes a transaction-level advisory lock first, so writers to one
server library take turns and change-log versions become visible in the order they were handed
out ("everything after version N" never misses a change that committed late). A write compares
the object with what the server holds and logs one change-log row per field that differs, then
stores the object's new state with the highest of those versions. Call them inside one
transaction (``with engine.begin() as conn``): a push is all or nothing.

Schema: created and upgraded by the server's own Alembic history (``server_migrations/``, its own
version table), under another advisory lock, so two replicas connecting to a new server at once
do not both create it. A server whose schema revision this version does not know was set up by
a newer Bibliofile: it is refused with a plain message before anything is written.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    URL,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    create_engine,
    delete,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bibliofile.model.merge import Json, Snapshot, changed_fields, normalize
from bibliofile.model.sync_snapshot import EXTRA_PREFIX, FIELD_PREFIX, READING_PREFIX
from bibliofile.storage.errors import LibraryError, LibraryTooNewError
from bibliofile.storage.server_tables import (
    VERSION_TABLE,
    change_log,
    s_collection_items,
    s_collections,
    s_creators,
    s_notes,
    s_reading,
    s_reference_tags,
    s_references,
    s_tags,
)

if TYPE_CHECKING:
    from alembic.config import Config

SERVER_MIGRATIONS_DIR = Path(__file__).with_name("server_migrations")

# pg_advisory_xact_lock keys ("bibw", "bibm"): one for writers, one for schema upgrades.
WRITE_LOCK = 0x62696277
MIGRATE_LOCK = 0x6269626D
# LISTEN/NOTIFY channel of a server library: a push's commit notifies it with the new version.
CHANGES_CHANNEL = "bibliofile_changes"
# Tags are keyed by name: every replica derives the same gid for the same name.
TAG_NAMESPACE = uuid.UUID("5b0f1e2c-8a61-4d7e-9f0b-6c1d2e3f4a5b")

# Alembic keeps its migration context in module globals: one upgrade at a time in this process
# (the advisory lock below orders processes, this orders threads).
_ALEMBIC_IN_USE = threading.Lock()

_CREATOR_PARTS = ("family", "given", "particle", "suffix", "literal")
_READING = {"status": "read_status", "priority": "priority", "rating": "rating", "date_read": "date_read"}


class ServerError(LibraryError):
    """A known problem with a server library (a bad URL, a refused connection); ``str()`` is the
    message for the user."""


class ServerTooNewError(ServerError, LibraryTooNewError):
    """The server's schema comes from a newer Bibliofile: nothing was written to it."""


class ServerUnreachableError(ServerError):
    """The server could not be reached, or the connection was lost during a sync: whatever the
    sync had begun was rolled back on both sides."""


class ServerRefusedError(ServerError):
    """The server refused a write (a read-only member's role): nothing was written."""


# The types the sync service holds without importing SQLAlchemy (only storage may).
ServerEngine = Engine
ServerConnection = Connection


@contextmanager
def translated(where: str) -> Iterator[None]:
    """The driver's errors as plain ServerErrors: a lost or refused connection, a refused write.
    Anything else (a bug) passes unchanged."""
    try:
        yield
    except DBAPIError as exc:
        import psycopg.errors

        orig = exc.orig
        if not isinstance(orig, psycopg.Error):  # the local library's error inside a sync: its own
            raise
        reason = str(orig).strip().splitlines()[0] if orig is not None and str(orig).strip() else type(exc).__name__
        if isinstance(orig, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction):
            raise ServerRefusedError(
                f"The shared library at {where} refused the changes ({reason}): your account may "
                "read it but not change it. Nothing was written there and your local library keeps "
                "its changes; ask the library's owner for write access."
            ) from exc
        if isinstance(exc, OperationalError) or exc.connection_invalidated or isinstance(orig, psycopg.OperationalError):
            raise ServerUnreachableError(
                f"Could not sync with the shared library at {where} ({reason}). Nothing was "
                "changed on either side; your local changes are kept and will be sent at the next sync."
            ) from exc
        raise


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One server transaction holding the writers' lock: a sync reads, merges and writes inside
    it, and it commits as a whole or not at all (a backend killed half-way leaves nothing)."""
    with translated(display_url(engine.url)), engine.begin() as conn:
        _write_lock(conn)
        before = latest_version(conn)
        yield conn
        # Live updates: the replicas listening hear of a push when it commits, and only then
        # (PostgreSQL delivers a NOTIFY at commit and drops it on rollback). The payload is the
        # version pulled up to, so the replica that pushed knows it has it already.
        after = latest_version(conn)
        if after > before:
            conn.execute(select(func.pg_notify(CHANGES_CHANNEL, str(after))))


# ---- connecting ---------------------------------------------------------------------------


def server_url(url: str) -> URL:
    """A ``postgresql://user@host:port/db`` URL as SQLAlchemy's psycopg 3 URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ServerError(f"{url!r} is not a server address: expected postgresql://USER@HOST:PORT/DATABASE") from exc
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ServerError(
            f"{display_url(parsed)} is not a PostgreSQL address: expected postgresql://USER@HOST:PORT/DATABASE"
        )
    if not parsed.database:
        raise ServerError(f"{display_url(parsed)} names no database: add /DATABASE at the end")
    return parsed.set(drivername="postgresql+psycopg")


def display_url(url: str | URL) -> str:
    """The address without its password and driver: what the library remembers and messages show."""
    parsed = make_url(url) if isinstance(url, str) else url
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False)


def connect(url: str, *, sslmode: str | None = None, connect_timeout: int = 10) -> Engine:
    """An engine for the server library at ``url``. The password comes from the URL, the
    environment (PGPASSWORD) or ~/.pgpass, as libpq finds it; TLS is used when the server
    offers it (libpq's ``prefer``, or PGSSLMODE, or ``sslmode`` here, e.g. "require")."""
    args: dict[str, Any] = {"connect_timeout": connect_timeout, "application_name": "bibliofile"}
    if sslmode:
        args["sslmode"] = sslmode
    return create_engine(server_url(url), connect_args=args, pool_pre_ping=True)


def listen(url: str, stop: threading.Event, on_change: Callable[[int], None], *,
           on_ready: Callable[[], None] | None = None, sslmode: str | None = None,
           poll_seconds: float = 0.5, connect_timeout: int = 10) -> None:
    """Wait for pushes to the server library at ``url`` until ``stop`` is set: ``on_change(version)``
    for each one committed (in this thread), ``on_ready()`` once listening.

    A connection of its own (psycopg, autocommit: LISTEN outside any sync's transaction), woken
    by the server as a push commits; ``stop`` is looked at every ``poll_seconds``. A connection
    that cannot be made or is lost raises ServerUnreachableError; the caller retries."""
    import psycopg
    from psycopg import sql

    parsed = server_url(url)
    where = display_url(parsed)
    params: dict[str, Any] = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
    params.update(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
                  connect_timeout=connect_timeout, application_name="bibliofile-listen")
    if parsed.password:
        params["password"] = parsed.password
    if sslmode:
        params["sslmode"] = sslmode
    try:
        with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v is not None}) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANGES_CHANNEL)))
            if on_ready is not None:
                on_ready()
            while not stop.is_set():
                for note in conn.notifies(timeout=poll_seconds):
                    payload = note.payload.strip()
                    on_change(int(payload) if payload.isdigit() else 0)
                    if stop.is_set():
                        break
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServerUnreachableError(f"Not listening to the shared library at {where} ({reason}).") from exc


# ---- schema ----------------------------------------------------------------------------------


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SERVER_MIGRATIONS_DIR))
    return cfg


@cache
def known_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every server revision this version knows, the heads)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return known, frozenset(script.get_heads())


def server_revisions(conn: Connection) -> set[str] | None:
    """The server's schema revisions; None when it has no Bibliofile schema yet."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    version = Table(VERSION_TABLE, MetaData(), Column("version_num", String(32)))
    return {row[0] for row in conn.execute(select(version.c.version_num))}


def check_server(conn: Connection, where: str = "the server") -> bool:
    """True when the schema must be created or upgraded; ServerTooNewError for a newer one."""
    current = server_revisions(conn)
    known, heads = known_revisions()
    if current is None:
        return True
    unknown = current - known
    if unknown:
        raise ServerTooNewError(
            f"The shared library at {where} was set up by a newer version of Bibliofile "
            f"(server schema {', '.join(sorted(unknown))}). This version cannot sync with it and "
            "has written nothing there; your local library is unchanged. Please update Bibliofile."
        )
    return current != heads


def upgrade_server(engine: Engine) -> bool:
    """Create or upgrade the server schema in one transaction; True when something ran.

    The check runs again inside the migration lock, so a replica that waited for another's
    upgrade finds the schema current and does nothing."""
    from alembic import command

    where = display_url(engine.url)
    with engine.connect() as probe:
        if not check_server(probe, where):
            return False
    with _ALEMBIC_IN_USE, engine.begin() as conn:
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATE_LOCK)))
        if not check_server(conn, where):
            return False
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    return True


# ---- the change log ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One change-log row: ``field`` "" with ``tombstone`` for a deletion."""

    version: int
    object_gid: str
    table: str
    field: str
    value: Json
    tombstone: bool
    author: str
    changed_at: datetime


def _write_lock(conn: Connection) -> None:
    conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))


def _log(conn: Connection, gid: uuid.UUID, table: str, changes: Mapping[str, Json], author: str,
         tombstone: bool = False) -> int:
    """One change-log row per field; returns the highest version handed out."""
    rows = [
        {"object_gid": gid, "table_name": table, "field": name, "value": value,
         "tombstone": tombstone, "author": author}
        for name, value in changes.items()
    ]
    versions = conn.execute(change_log.insert().returning(change_log.c.version), rows).scalars().all()
    return int(max(versions))


def latest_version(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_log.c.version), 0))).scalar_one())


def changes_since(conn: Connection, after: int, limit: int = 10_000) -> list[LogEntry]:
    """Change-log rows with a version above ``after``, oldest first (at most ``limit``)."""
    c = change_log.c
    rows = conn.execute(
        select(c.version, c.object_gid, c.table_name, c.field, c.value, c.tombstone, c.author, c.changed_at)
        .where(c.version > after)
        .order_by(c.version)
        .limit(limit)
    )
    return [LogEntry(r[0], str(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


# ---- references ------------------------------------------------------------------------------


def tag_gid(name: str) -> uuid.UUID:
    return uuid.uuid5(TAG_NAMESPACE, name)


def _gid(gid: str | uuid.UUID) -> uuid.UUID:
    return gid if isinstance(gid, uuid.UUID) else uuid.UUID(gid)


def get_references(conn: Connection, gids: Iterable[str | uuid.UUID]) -> dict[str, dict[str, Json] | None]:
    """The server's snapshot of each reference (``model.sync_snapshot`` field names); None for a
    deleted one or one the server never had."""
    wanted = [_gid(g) for g in gids]
    out: dict[str, dict[str, Json] | None] = {str(g): None for g in wanted}
    if not wanted:
        return out
    r = s_references.c
    snaps: dict[uuid.UUID, dict[str, Json]] = {}
    for row in conn.execute(
        select(r.gid, r.item_type, r.citation_key, r.fields, r.extra, r.source, r.edited)
        .where(r.gid == any_(_uuid_array(wanted)), r.deleted.is_(False))
    ):
        snap: dict[str, Json] = {"item_type": row.item_type or None, "citation_key": row.citation_key or None,
                                 "edited": row.edited or None, "source": row.source}
        snap.update({FIELD_PREFIX + k: v for k, v in (row.fields or {}).items()})
        snap.update({EXTRA_PREFIX + k: v for k, v in (row.extra or {}).items()})
        snaps[row.gid] = snap
    live = list(snaps)
    if live:
        cr = s_creators.c
        for row in conn.execute(select(s_creators).where(cr.reference_gid == any_(_uuid_array(live))).order_by(cr.reference_gid, cr.position)):
            person: dict[str, Json] = {"role": row.role}
            person.update({p: getattr(row, p) for p in _CREATOR_PARTS if getattr(row, p)})
            if row.others:
                person["others"] = True
            snaps[row.reference_gid].setdefault("creators", []).append(person)  # type: ignore[union-attr]
        t, rt = s_tags.c, s_reference_tags.c
        for ref_gid, name in conn.execute(
            select(rt.reference_gid, t.name).join(s_tags, t.gid == rt.tag_gid).where(rt.reference_gid == any_(_uuid_array(live)))
        ):
            snaps[ref_gid].setdefault("tags", []).append(name)  # type: ignore[union-attr]
        ci = s_collection_items.c
        for ref_gid, coll in conn.execute(select(ci.reference_gid, ci.collection_gid).where(ci.reference_gid == any_(_uuid_array(live)))):
            snaps[ref_gid].setdefault("collections", []).append(str(coll))  # type: ignore[union-attr]
        n = s_notes.c
        for ref_gid, html, text in conn.execute(select(n.reference_gid, n.html, n.text).where(n.reference_gid == any_(_uuid_array(live)))):
            snaps[ref_gid]["note"] = {"html": html, "text": text}
        rd = s_reading.c
        for row in conn.execute(select(s_reading).where(rd.reference_gid == any_(_uuid_array(live)))):
            for key, column in _READING.items():
                snaps[row.reference_gid][READING_PREFIX + key] = getattr(row, column) or None
    for gid, snap in snaps.items():
        out[str(gid)] = normalize(snap)
    return out


def get_reference(conn: Connection, gid: str | uuid.UUID) -> dict[str, Json] | None:
    return get_references(conn, [gid])[str(_gid(gid))]


def put_reference(conn: Connection, gid: str | uuid.UUID, snapshot: Snapshot, author: str) -> int | None:
    """Store the reference as ``snapshot`` says, logging each changed field; returns its new
    version, or None when the server already held exactly this. A tombstoned reference put
    again comes back (an edit won over a deletion)."""
    return put_references(conn, {gid: snapshot}, author).get(str(_gid(gid)))


def put_references(conn: Connection, items: Mapping[str | uuid.UUID, Snapshot], author: str) -> dict[str, int]:
    """``put_reference`` for many at once, a few statements per batch rather than per reference
    (an initial push of a whole library); returns gid -> new version of those that changed."""
    _write_lock(conn)
    out: dict[str, int] = {}
    keys = list(items)
    for start in range(0, len(keys), _BATCH):
        batch = {_gid(g): normalize(items[g]) or {} for g in keys[start : start + _BATCH]}
        out.update(_put_batch(conn, batch, author))
    return out


_BATCH = 2000


def _put_batch(conn: Connection, batch: dict[uuid.UUID, dict[str, Json]], author: str) -> dict[str, int]:
    current = get_references(conn, batch)
    changes = {k: c for k, new in batch.items() if (c := changed_fields(current[str(k)], new))}
    if not changes:
        return {}
    owners = [k for k, fields in changes.items() for _name in fields]
    handed = _next_versions(conn, len(owners))
    _copy(conn, change_log, ("version", "object_gid", "table_name", "field", "value", "tombstone", "author"), (
        (version, k, "references", name, _jsonb(value), False, author)
        for version, (k, name, value) in zip(
            handed, ((k, n, v) for k, fields in changes.items() for n, v in fields.items()), strict=True
        )
    ))
    versions: dict[uuid.UUID, int] = {}
    for k, version in zip(owners, handed, strict=True):
        versions[k] = max(version, versions.get(k, 0))
    rows = []
    for k in changes:
        new = batch[k]
        rows.append({
            "gid": k,
            "item_type": str(new.get("item_type") or ""),
            "citation_key": str(new.get("citation_key") or ""),
            "fields": {n[len(FIELD_PREFIX):]: v for n, v in new.items() if n.startswith(FIELD_PREFIX)},
            "extra": {n[len(EXTRA_PREFIX):]: v for n, v in new.items() if n.startswith(EXTRA_PREFIX)},
            "source": new.get("source"),
            "edited": bool(new.get("edited")),
            "deleted": False,
            "version": versions[k],
        })
    r = s_references.c
    present = set(conn.execute(select(r.gid).where(r.gid == any_(_uuid_array(list(changes))))).scalars())
    fresh = [row for row in rows if row["gid"] not in present]
    if fresh:  # never on the server, not even as a tombstone: COPY, no conflict to handle
        columns = tuple(fresh[0])
        _copy(conn, s_references, columns, (
            tuple(_jsonb(v) if c in ("fields", "extra", "source") else v for c, v in row.items()) for row in fresh
        ))
    known = [row for row in rows if row["gid"] in present]
    if known:
        upsert = pg_insert(s_references)
        conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[s_references.c.gid],
                set_={c: upsert.excluded[c] for c in known[0] if c != "gid"},
            ),
            known,
        )
    _replace_parts(conn, {k: batch[k] for k in changes}, changes)
    return {str(k): v for k, v in versions.items()}


def _replace_parts(conn: Connection, new: Mapping[uuid.UUID, Mapping[str, Json]],
                   changes: Mapping[uuid.UUID, Mapping[str, Json]]) -> None:
    """Rewrite the rows of the parts that changed (creators, tags, collections, note, reading)."""

    def changed(part: str) -> list[uuid.UUID]:
        return [k for k, c in changes.items() if part in c]

    def clear(table: Table, keys: list[uuid.UUID]) -> None:
        if keys:
            conn.execute(delete(table).where(table.c.reference_gid == any_(_uuid_array(keys))))

    def add(table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            columns = tuple(rows[0])
            _copy(conn, table, columns, (tuple(row[c] for c in columns) for row in rows))

    keys = changed("creators")
    clear(s_creators, keys)
    add(s_creators, [
        {"reference_gid": k, "position": i, "role": str(p.get("role") or "author"),
         "others": bool(p.get("others", False)), **{part: str(p.get(part) or "") for part in _CREATOR_PARTS}}
        for k in keys
        for i, p in enumerate(_list(new[k].get("creators")))
        if isinstance(p, dict)
    ])
    keys = changed("tags")
    clear(s_reference_tags, keys)
    tagged = [(k, str(t)) for k in keys for t in _list(new[k].get("tags"))]
    if tagged:
        _ensure_tags(conn, sorted({t for _k, t in tagged}), version=None)
    add(s_reference_tags, [{"reference_gid": k, "tag_gid": tag_gid(t)} for k, t in tagged])
    keys = changed("collections")
    clear(s_collection_items, keys)
    add(s_collection_items, [
        {"collection_gid": _gid(str(c)), "reference_gid": k} for k in keys for c in _list(new[k].get("collections"))
    ])
    keys = changed("note")
    clear(s_notes, keys)
    add(s_notes, [
        {"reference_gid": k, "html": str(note.get("html") or ""), "text": str(note.get("text") or "")}
        for k in keys
        if isinstance(note := new[k].get("note"), dict)
    ])
    keys = [k for k, c in changes.items() if any(name.startswith(READING_PREFIX) for name in c)]
    clear(s_reading, keys)
    reading_rows = []
    for k in keys:
        values = {column: new[k].get(READING_PREFIX + key) for key, column in _READING.items()}
        if any(v is not None for v in values.values()):
            reading_rows.append({
                "reference_gid": k,
                "read_status": str(values["read_status"] or ""),
                "priority": _int(values["priority"]),
                "rating": _int(values["rating"]),
                "date_read": str(values["date_read"] or ""),
            })
    add(s_reading, reading_rows)


def _next_versions(conn: Connection, n: int) -> list[int]:
    """``n`` change-log versions, in order, taken from the log's own sequence under the writers'
    lock (so they are above every committed version), for rows written by COPY."""
    if n == 0:
        return []
    sequence = func.pg_get_serial_sequence(change_log.name, change_log.c.version.name)
    numbers = conn.execute(select(func.nextval(sequence)).select_from(func.generate_series(1, n))).scalars()
    return sorted(int(v) for v in numbers)


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows into one of our tables through PostgreSQL's COPY: the initial push of a large library
    sends its hundreds of thousands of rows as data, with no statement of thousands of parameters
    for the driver to build (that was most of the time). Table and column names are our own
    schema's, quoted as identifiers; values never become SQL text."""
    from psycopg import sql

    raw = conn.connection.driver_connection
    assert raw is not None
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _jsonb(value: object) -> Any:
    """A JSON value for a JSONB column in a COPY row (None stays SQL NULL)."""
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value)


def _uuid_array(keys: Sequence[uuid.UUID]) -> Any:
    """One array parameter for ``= ANY(...)``: a list of thousands of ids as a single bound value
    rather than thousands of placeholders the driver must parse."""
    return bindparam(None, list(keys), type_=ARRAY(Uuid))


def _int(value: Json) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _list(value: Json) -> list[Json]:
    return value if isinstance(value, list) else []


def _ensure_tags(conn: Connection, names: Sequence[str], version: int | None) -> None:
    """Create the tags that do not exist yet (a tag is its name; its colour is set apart)."""
    missing = [n for n in names if n not in _existing_tags(conn, names)]
    if not missing:
        return
    v = version if version is not None else latest_version(conn)
    rows = [{"gid": tag_gid(n), "name": n, "version": v} for n in missing]
    conn.execute(pg_insert(s_tags).values(rows).on_conflict_do_nothing(index_elements=[s_tags.c.gid]))


def _existing_tags(conn: Connection, names: Sequence[str]) -> set[str]:
    return set(conn.execute(select(s_tags.c.name).where(s_tags.c.name.in_(list(names)))).scalars())


def delete_reference(conn: Connection, gid: str | uuid.UUID, author: str) -> int | None:
    """Tombstone the reference (its parts go; the row stays, marked deleted, so replicas learn of
    the deletion); None when there was nothing to delete."""
    _write_lock(conn)
    key = _gid(gid)
    r = s_references.c
    live = conn.execute(select(r.gid).where(r.gid == key, r.deleted.is_(False))).first()
    if live is None:
        return None
    version = _log(conn, key, "references", {"": None}, author, tombstone=True)
    for table in (s_creators, s_reference_tags, s_collection_items, s_notes, s_reading):
        conn.execute(delete(table).where(table.c.reference_gid == key))
    conn.execute(update(s_references).where(r.gid == key).values(deleted=True, version=version))
    return version


def references_changed_since(conn: Connection, after: int) -> list[tuple[str, int, bool]]:
    """(gid, version, deleted) of every reference whose last change is above ``after``."""
    r = s_references.c
    rows = conn.execute(select(r.gid, r.version, r.deleted).where(r.version > after).order_by(r.version))
    return [(str(g), int(v), bool(d)) for g, v, d in rows]


# ---- collections and tags ------------------------------------------------------------------


def collection_snapshot(name: str, parent_gid: str | None = None, position: int = 0) -> dict[str, Json]:
    return normalize({"name": name, "parent": parent_gid, "position": position or None}) or {}


def get_collections(conn: Connection) -> dict[str, dict[str, Json]]:
    """gid -> snapshot of every live collection."""
    c = s_collections.c
    rows = conn.execute(select(c.gid, c.name, c.parent_gid, c.position).where(c.deleted.is_(False)))
    return {str(g): collection_snapshot(n, str(p) if p else None, pos) for g, n, p, pos in rows}


def put_collection(conn: Connection, gid: str | uuid.UUID, snapshot: Snapshot, author: str) -> int | None:
    """Create or change a collection (name, parent gid, position); None when unchanged."""
    _write_lock(conn)
    key = _gid(gid)
    new = normalize(snapshot) or {}
    changes = changed_fields(get_collections(conn).get(str(key)), new)
    if not changes:
        return None
    version = _log(conn, key, "collections", changes, author)
    parent = new.get("parent")
    row = {"name": str(new.get("name") or ""), "parent_gid": _gid(str(parent)) if parent else None,
           "position": int(new.get("position") or 0), "deleted": False, "version": version}  # type: ignore[arg-type]
    upsert = pg_insert(s_collections).values(gid=key, **row)
    conn.execute(upsert.on_conflict_do_update(index_elements=[s_collections.c.gid], set_=row))
    return version


def delete_collection(conn: Connection, gid: str | uuid.UUID, author: str) -> int | None:
    """Tombstone a collection: its memberships go, its references stay."""
    _write_lock(conn)
    key = _gid(gid)
    c = s_collections.c
    if conn.execute(select(c.gid).where(c.gid == key, c.deleted.is_(False))).first() is None:
        return None
    version = _log(conn, key, "collections", {"": None}, author, tombstone=True)
    conn.execute(delete(s_collection_items).where(s_collection_items.c.collection_gid == key))
    conn.execute(update(s_collections).where(c.gid == key).values(deleted=True, version=version))
    return version


def set_tag_colour(conn: Connection, name: str, colour: str, author: str) -> int | None:
    _write_lock(conn)
    _ensure_tags(conn, [name], version=None)
    key = tag_gid(name)
    current = conn.execute(select(s_tags.c.colour).where(s_tags.c.gid == key)).scalar_one()
    if current == colour:
        return None
    version = _log(conn, key, "tags", {"colour": colour or None}, author)
    conn.execute(update(s_tags).where(s_tags.c.gid == key).values(colour=colour, version=version))
    return version
