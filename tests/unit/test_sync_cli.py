"""`bibliofile sync` as a user runs it (issue 21): a real process, real library files, a real
PostgreSQL started by the test module (``tests/pg_server.py``).

The first sync names the server and a second machine starts from a path that does not exist
yet; the address is remembered without its password; JSON lists conflicts with both values;
an unreachable server is exit 1 with the local changes kept; a read-only member can pull but a
write is refused plainly; a server set up by a newer version is refused; usage errors are 2.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from itertools import count
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from tests.pg_server import SUPERUSER, PgServer

from bibliofile.model import Reference
from bibliofile.storage.library import Library

_names = count()


@pytest.fixture
def url(pg: PgServer) -> str:
    """A fresh shared library's address as a user types it (no driver name)."""
    return pg.create_database(f"shared{next(_names)}").replace("postgresql+psycopg://", "postgresql://")


def run(lib: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8", **env}, timeout=180,
    )


def make_library(path: Path, n: int = 3) -> None:
    lib = Library.open(path)
    try:
        lib.add_references([Reference(fields={"title": f"Paper {i}"}, citation_key=f"p{i}") for i in range(n)])
    finally:
        lib.close()


def edit_title(path: Path, key: str, title: str) -> None:
    lib = Library.open(path)
    try:
        ref = lib.get(lib.by_citation_key([key])[0])
        ref.fields["title"] = title
        lib.update_reference(ref)
    finally:
        lib.close()


def title(path: Path, key: str) -> str:
    lib = Library.open(path, create=False)
    try:
        return lib.get(lib.by_citation_key([key])[0]).fields["title"]
    finally:
        lib.close()


def remembered(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [u for (u,) in con.execute("SELECT server_url FROM sync_state")]
    finally:
        con.close()


def synced(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_a_second_machine_starts_from_the_server_and_the_password_is_never_stored(tmp_path: Path, url: str) -> None:
    laptop, office = tmp_path / "laptop.sqlite", tmp_path / "new" / "office.sqlite"
    make_library(laptop)
    with_password = url.replace(f"//{SUPERUSER}@", f"//{SUPERUSER}:s3cret-pw@")
    assert synced(run(laptop, "sync", with_password, "--json")) == {
        "server": url, "pushed": 3, "pulled": 0, "conflicts": [], "kept_edited": [], "renamed": [],
        "scope": {"whole_library": True}}
    assert remembered(laptop) == [url]
    for f in tmp_path.glob("laptop.sqlite*"):
        assert b"s3cret-pw" not in f.read_bytes(), f
    assert not office.exists()
    first = synced(run(office, "sync", url, "--json"))
    assert (first["pushed"], first["pulled"]) == (0, 3)
    assert title(office, "p2") == "Paper 2"
    edit_title(office, "p2", "Edited in the office")
    plain = run(office, "sync")  # remembered, and the plain output
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith(f"Synced with {url}: 1 sent, 0 received.")
    assert synced(run(laptop, "sync", "--json"))["pulled"] == 1
    assert title(laptop, "p2") == "Edited in the office"


def test_conflicts_are_listed_with_both_values(tmp_path: Path, url: str) -> None:
    laptop, office = tmp_path / "laptop.sqlite", tmp_path / "office.sqlite"
    make_library(laptop)
    synced(run(laptop, "sync", url, "--json"))
    synced(run(office, "sync", url, "--json"))
    edit_title(laptop, "p0", "Laptop")
    edit_title(office, "p0", "Office")
    synced(run(laptop, "sync", "--json"))
    report = synced(run(office, "sync", "--json"))
    assert report["conflicts"] == [{"key": "p0", "field": "fields.title", "local": "Office", "remote": "Laptop"}]
    assert title(office, "p0") == "Office"


def test_an_unreachable_server_is_exit_1_and_the_changes_wait_for_the_next_sync(
    tmp_path: Path, url: str, pg: PgServer
) -> None:
    laptop, office = tmp_path / "laptop.sqlite", tmp_path / "office.sqlite"
    make_library(laptop)
    synced(run(laptop, "sync", url, "--json"))
    edit_title(laptop, "p1", "Written offline")
    pg.stop()
    try:
        offline = run(laptop, "sync", "--json")
        never = run(tmp_path / "not-yet.sqlite", "sync", url)
    finally:
        pg.restart()
    assert offline.returncode == 1, offline.stderr
    assert offline.stdout == "" and "Traceback" not in offline.stderr
    assert "Could not sync with the shared library at" in offline.stderr
    assert "local changes are kept" in offline.stderr
    assert title(laptop, "p1") == "Written offline"
    assert never.returncode == 1 and not (tmp_path / "not-yet.sqlite").exists()
    assert synced(run(laptop, "sync", "--json"))["pushed"] == 1
    synced(run(office, "sync", url, "--json"))
    assert title(office, "p1") == "Written offline"


def _superuser(pg: PgServer, database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host="127.0.0.1", port=pg.port, user=SUPERUSER, dbname=database, autocommit=True)


def test_a_read_only_member_pulls_and_a_write_is_refused_plainly(tmp_path: Path, url: str, pg: PgServer) -> None:
    owner, member = tmp_path / "owner.sqlite", tmp_path / "member.sqlite"
    make_library(owner)
    synced(run(owner, "sync", url, "--json"))
    database = url.rsplit("/", 1)[1]
    reader = f"reader{next(_names)}"
    with _superuser(pg, database) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(reader)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(reader)))
    reader_url = url.replace(f"//{SUPERUSER}@", f"//{reader}@")
    assert synced(run(member, "sync", reader_url, "--json"))["pulled"] == 3
    edit_title(member, "p0", "A member's edit")
    refused = run(member, "sync")
    assert refused.returncode == 1
    assert "refused the changes" in refused.stderr and "may read it but not change it" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert title(member, "p0") == "A member's edit"
    assert title(owner, "p0") == "Paper 0"
    synced(run(owner, "sync", "--json"))
    assert title(owner, "p0") == "Paper 0"


def test_a_server_set_up_by_a_newer_version_is_refused(tmp_path: Path, url: str, pg: PgServer) -> None:
    laptop, office = tmp_path / "laptop.sqlite", tmp_path / "office.sqlite"
    make_library(laptop)
    synced(run(laptop, "sync", url, "--json"))
    with _superuser(pg, url.rsplit("/", 1)[1]) as conn:
        conn.execute("UPDATE bibliofile_server_version SET version_num = 's9999_from_the_future'")
    make_library(office, 2)
    refused = run(office, "sync", url)
    assert refused.returncode == 1
    assert "newer version of Bibliofile" in refused.stderr and "s9999_from_the_future" in refused.stderr
    assert remembered(office) == []  # nothing written here either


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sync",), "has never been synced"),
        (("sync", "http://example.org/lab"), "not a PostgreSQL address"),
        (("sync", "postgresql://ann@localhost:5432"), "names no database"),
        (("sync", "--keep"), "--keep and --remove go with --leave"),
        (("sync", "--leave", "--collection", "Lab"), "do not go with --leave"),
        (("sync", "--collection", "Lab", "--whole-library"), "contradict each other"),
        (("sync", "--leave", "--keep", "--remove"), "not allowed with argument"),
        (("sync", "--leave", "--forget"), "give one"),
    ],
)
def test_usage_errors_are_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    lib = tmp_path / "l.sqlite"
    make_library(lib)
    done = run(lib, *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr


def test_a_library_that_does_not_exist_needs_the_address(tmp_path: Path) -> None:
    done = run(tmp_path / "nothing.sqlite", "sync")
    assert done.returncode == 2
    assert "does not exist yet" in done.stderr
    assert not (tmp_path / "nothing.sqlite").exists()


def test_the_readme_set_up_an_owner_and_editing_members(tmp_path: Path, pg: PgServer) -> None:
    """The README's recipe, step by step: a role that owns the database makes the schema with its
    first sync and grants a group of editors; a member of the group sends an edit."""
    n = next(_names)
    owner_role, database, editors, member_role = f"lab_owner{n}", f"lab_library{n}", f"lab_editors{n}", f"ann{n}"
    with _superuser(pg, "postgres") as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(owner_role)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner_role)))
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(editors)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(member_role), sql.Identifier(editors)))
    owner_url = f"postgresql://{owner_role}@127.0.0.1:{pg.port}/{database}"
    owner, member = tmp_path / "owner.sqlite", tmp_path / "ann.sqlite"
    make_library(owner)
    assert synced(run(owner, "sync", owner_url, "--json"))["pushed"] == 3
    with psycopg.connect(host="127.0.0.1", port=pg.port, user=owner_role, dbname=database, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(editors)))
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(editors)))
    member_url = owner_url.replace(f"//{owner_role}@", f"//{member_role}@")
    assert synced(run(member, "sync", member_url, "--json"))["pulled"] == 3
    edit_title(member, "p1", "Ann's edit")
    assert synced(run(member, "sync", "--json"))["pushed"] == 1
    assert synced(run(owner, "sync", "--json"))["pulled"] == 1
    assert title(owner, "p1") == "Ann's edit"


def test_leaving_a_shared_library_keeps_every_reference(tmp_path: Path, url: str) -> None:
    lib = tmp_path / "l.sqlite"
    make_library(lib)
    synced(run(lib, "sync", url, "--json"))
    left = run(lib, "sync", "--forget")
    assert left.returncode == 0, left.stderr
    assert f"no longer syncs with {url}" in left.stdout
    assert remembered(lib) == []
    assert title(lib, "p2") == "Paper 2"
    again = run(lib, "sync", "--forget")
    assert again.returncode == 2 and "does not sync with any shared library" in again.stderr
    assert run(lib, "sync").returncode == 2  # nothing remembered any more


def test_a_group_library_syncs_only_its_collections_and_is_left(tmp_path: Path, url: str) -> None:
    """`--collection` on the first sync makes a group library; a colleague's new library names the
    group's collection as the server holds it; `--leave --remove` takes the group's references
    out of that library again, `--leave` alone keeps them."""
    laptop, office = tmp_path / "laptop.sqlite", tmp_path / "office.sqlite"
    make_library(laptop, 4)
    lib = Library.open(laptop)
    try:
        with lib.write() as uow:
            uow.add_to_collection(uow.add_collection("Lab"), lib.by_citation_key(["p0", "p1"]))
    finally:
        lib.close()
    first = synced(run(laptop, "sync", url, "--collection", "Lab", "--json"))
    assert first["pushed"] == 3  # p0, p1 and the collection; p2 and p3 stay private
    assert first["scope"] == {"whole_library": False, "collections": [{"gid": first["scope"]["collections"][0]["gid"], "name": "Lab"}]}  # type: ignore[index]
    plain = run(laptop, "sync")  # the scope is remembered
    assert plain.stdout.startswith(f"Synced with {url} (only Lab): 0 sent, 0 received."), plain.stdout
    joined = synced(run(office, "sync", url, "--collection", "Lab", "--json"))
    assert joined["pulled"] == 3
    assert {r.citation_key for r in _all(office)} == {"p0", "p1"}
    edit_title(office, "p1", "Edited by a colleague")
    assert synced(run(office, "sync", "--json"))["pushed"] == 1
    assert synced(run(laptop, "sync", "--json"))["pulled"] == 1
    assert title(laptop, "p1") == "Edited by a colleague"
    left = synced(run(office, "sync", "--leave", "--remove", "--json"))
    assert (left["left"], left["removed"], left["kept"], left["collections_removed"]) == (url, 2, 0, 1)
    assert _all(office) == [] and remembered(office) == []
    kept = run(laptop, "sync", "--leave")
    assert kept.returncode == 0 and "2 references stay here" in kept.stdout, kept
    assert len(_all(laptop)) == 4 and remembered(laptop) == []


def test_removing_what_a_whole_library_shares_is_refused(tmp_path: Path, url: str) -> None:
    lib = tmp_path / "l.sqlite"
    make_library(lib)
    synced(run(lib, "sync", url, "--json"))
    done = run(lib, "sync", "--leave", "--remove")
    assert done.returncode == 2 and "shares the whole library" in done.stderr
    assert remembered(lib) == [url] and len(_all(lib)) == 3


def _all(path: Path) -> list[Reference]:
    from bibliofile.storage import sync_replica

    lib = Library.open(path, create=False)
    try:
        return lib.get_many(sorted(sync_replica.live_reference_gids(lib).values()))
    finally:
        lib.close()
