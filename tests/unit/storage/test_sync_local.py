"""Local sync bookkeeping (issue 21): migration 0009 gives an existing library's objects global
ids and loses nothing; later objects get theirs when a sync starts; servers and bases are kept."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from bibliofile.model import Creator, Reference
from bibliofile.storage import attachments, migrate, sync_local
from bibliofile.storage.library import Library

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OLD_TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'reference_fts%'"


def _dump(path: Path, skip: set[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (but ``skip``), read with sqlite3 so no code of ours is between."""
    con = sqlite3.connect(path)
    try:
        names = [n for (n,) in con.execute(OLD_TABLES_QUERY) if n not in skip]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def _old_library(path: Path) -> tuple[list[int], list[int], list[int]]:
    """A library as the version before sync left it (schema 0008), with something of each kind."""
    lib = Library.open(path)
    refs = lib.add_references(
        [
            Reference(fields={"title": f"Paper {i}", "date": str(1990 + i)}, citation_key=f"p{i}",
                      creators=[Creator(family=f"Author{i}")])
            for i in range(30)
        ]
    )
    with lib.write() as uow:
        uow.trash(refs[:2])  # references in the trash get their ids too
        colls = [uow.add_collection("Thesis"), uow.add_collection("Chapter 1")]
        uow.add_to_collection(colls[0], refs[:10])
        added = attachments.add(uow, [attachments.Attachment(reference_id=refs[3], kind="linked", path="a.pdf")])
    cfg = migrate.alembic_config()
    with lib.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    lib.close()
    return refs, colls, [a.id for a in added]


def test_upgrade_gives_every_object_a_global_id_and_keeps_everything(library_path: Path) -> None:
    refs, colls, atts = _old_library(library_path)
    new_tables = {"reference_gids", "collection_gids", "attachment_gids", "sync_state", "sync_bases"}
    before = _dump(library_path, skip={"alembic_version"})
    assert not new_tables & set(before)

    lib = Library.open(library_path)
    try:
        assert list(library_path.parent.glob("library.sqlite.before-upgrade-*.bak"))
        after = _dump(library_path, skip={"alembic_version"})
        assert new_tables <= set(after)
        # Later migrations add tables of their own (reading progress, PDF annotations): only
        # what was there before must be as it was.
        assert {name: after[name] for name in before} == before, "the upgrade changed rows it should only have read"
        for kind, ids in (("reference", refs), ("collection", colls), ("attachment", atts)):
            gids = sync_local.gids(lib, kind)  # type: ignore[arg-type]
            assert set(gids) == set(ids), kind
            assert all(UUID.match(g) for g in gids.values()), kind
        all_gids = [g for kind in ("reference", "collection", "attachment") for g in sync_local.gids(lib, kind).values()]  # type: ignore[arg-type]
        assert len(set(all_gids)) == len(all_gids) == len(refs) + len(colls) + len(atts)
        assert sync_local.servers(lib) == []
        assert sync_local.ensure_gids(lib) == 0  # nothing left without one
    finally:
        lib.close()


def test_references_added_later_get_ids_when_a_sync_starts(library: Library) -> None:
    first = library.add_references([Reference(fields={"title": "Before"})])
    assert sync_local.ensure_gids(library) == 1
    kept = sync_local.gids(library, "reference")[first[0]]
    later = library.add_references([Reference(fields={"title": "After"}), Reference(fields={"title": "Also"})])
    with library.write() as uow:  # inside a sync's own transaction
        assert sync_local.ensure_gids(uow) == 2
    gids = sync_local.gids(library, "reference")
    assert gids[first[0]] == kept  # an id once given never changes
    assert set(gids) == {*first, *later}
    assert sync_local.local_ids(library, "reference", [kept, "not-a-known-id"]) == {kept: first[0]}


def test_a_pulled_reference_takes_the_servers_id(library: Library) -> None:
    [rid] = library.add_references([Reference(fields={"title": "Pulled"})])
    sync_local.ensure_gids(library)
    server_gid = "0b7e2a52-3c1d-4f7a-9d7e-5a1b2c3d4e5f"
    sync_local.set_gid(library, "reference", rid, server_gid)
    assert sync_local.gids(library, "reference", [rid]) == {rid: server_gid}


def test_a_server_is_remembered_without_password_with_its_own_replica_id(library: Library) -> None:
    with pytest.raises(ValueError, match="password"):
        sync_local.remember_server(library, "postgresql://ann:secret@db.example.org/lab")
    state = sync_local.remember_server(library, "postgresql://ann@db.example.org/lab")
    assert state.last_pulled_version == 0 and UUID.match(state.replica_id)
    assert sync_local.remember_server(library, "postgresql://ann@db.example.org/lab") == state
    sync_local.record_pull(library, state.id, 42)
    again = sync_local.server_state(library, "postgresql://ann@db.example.org/lab")
    assert again is not None and again.last_pulled_version == 42 and again.last_synced is not None
    assert again.replica_id == state.replica_id


def test_bases_are_kept_per_server_and_a_deleted_reference_shows_as_a_base_without_object(library: Library) -> None:
    ids = library.add_references([Reference(fields={"title": "Kept"}), Reference(fields={"title": "Gone"})])
    sync_local.ensure_gids(library)
    gids = sync_local.gids(library, "reference")
    state = sync_local.remember_server(library, "postgresql://ann@h/lab")
    other = sync_local.remember_server(library, "postgresql://ann@h/other")
    snaps = {gids[i]: (7, {"fields.title": t, "tags": ["b", "a"]}) for i, t in zip(ids, ("Kept", "Gone"), strict=True)}
    sync_local.save_bases(library, state.id, "reference", snaps)
    loaded = sync_local.load_bases(library, state.id)
    assert loaded[gids[ids[0]]] == (7, {"fields.title": "Kept", "tags": ["a", "b"]})
    assert sync_local.load_bases(library, other.id) == {}
    assert sync_local.deleted_since_sync(library, state.id, "reference") == []
    with library.write() as uow:
        uow.purge([ids[1]])  # emptied from the trash: gone for good
    assert sync_local.deleted_since_sync(library, state.id, "reference") == [gids[ids[1]]]
    sync_local.save_bases(library, state.id, "reference", {gids[ids[1]]: (9, None)})  # tombstone agreed
    assert sync_local.deleted_since_sync(library, state.id, "reference") == []
    assert set(sync_local.load_bases(library, state.id, [gids[ids[0]], gids[ids[1]]])) == {gids[ids[0]]}
