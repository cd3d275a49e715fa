"""Two replicas editing while apart (fields, creators, tags, collection membership, notes,
reading state, deletions, new references), synced in any order, end up with the same library
(issue 21): a Hypothesis property over real SQLite files and a real PostgreSQL.

The merge's own properties (symmetry, nothing lost) are in ``tests/unit/test_merge_properties.py``
over plain data; this checks the whole path: local changes found against the bases, pushed,
pulled, written back and read again. Each example gets a fresh server database and two fresh
libraries that start from one synced library; small pools of values make the replicas collide
on the same references and fields. Few examples, so the module runs in seconds.
"""

from __future__ import annotations

import tempfile
from itertools import count
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.pg_server import PgServer

from bibliofile.model import Creator, Reference
from bibliofile.model.merge import Json
from bibliofile.services import sync
from bibliofile.storage import curation, server, sync_replica
from bibliofile.storage.library import Library

_names = count()
KEYS = ["k0", "k1", "k2"]
FIELDS = ["title", "date", "volume"]
VALUES = ["one", "two", ""]
TAGS = ["ml", "to-cite"]

ops = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.tuples(st.just("tag"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(TAGS)),
    st.tuples(st.just("untag"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(TAGS)),
    st.tuples(st.just("author"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(["Lee", "Okafor"])),
    st.tuples(st.just("trash"), st.integers(0, 1), st.sampled_from(KEYS)),
    st.tuples(st.just("collect"), st.integers(0, 1), st.sampled_from(KEYS)),
    st.tuples(st.just("uncollect"), st.integers(0, 1), st.sampled_from(KEYS)),
    st.tuples(st.just("note"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(["", "Method", "Results"])),
    st.tuples(st.just("read"), st.integers(0, 1), st.sampled_from(KEYS), st.sampled_from(["", "toread", "read"])),
    st.tuples(st.just("add"), st.integers(0, 1)),
    st.tuples(st.just("sync"), st.integers(0, 1)),
)


def state(lib: Library) -> dict[str, dict[str, Json]]:
    live = sync_replica.live_reference_gids(lib)
    snaps = sync_replica.reference_snapshots(lib, list(live.values()))
    return {g: snaps[i] for g, i in live.items()}


def server_state(url: str) -> dict[str, dict[str, Json]]:
    engine = server.connect(url)
    try:
        with engine.connect() as conn:
            changed = server.references_changed_since(conn, 0)
            found = server.get_references(conn, [g for g, _v, deleted in changed if not deleted])
    finally:
        engine.dispose()
    return {g: s for g, s in found.items() if s is not None}


def apply(lib: Library, op: tuple[object, ...], added: list[int]) -> None:
    kind = op[0]
    if kind == "add":
        added[0] += 1
        lib.add_references([Reference(fields={"title": f"New {added[0]}"}, citation_key=f"new{op[1]}-{added[0]}")])
        return
    ids = lib.by_citation_key([str(op[2])])
    if not ids:
        return  # in the trash here
    rid = ids[0]
    if kind == "edit":
        ref = lib.get(rid)
        ref.fields[str(op[3])] = str(op[4])
        lib.update_reference(ref)
    elif kind == "author":
        ref = lib.get(rid)
        ref.creators.append(Creator(family=str(op[3])))
        lib.update_reference(ref)
    elif kind in ("tag", "untag"):
        with lib.write() as uow:
            tag = curation.add_tag(uow, str(op[3]))
            (curation.tag if kind == "tag" else curation.untag)(uow, tag, [rid])
    elif kind == "trash":
        with lib.write() as uow:
            uow.trash([rid])
    elif kind in ("collect", "uncollect"):
        group = next(i for i, _p, name in lib.collections() if name == "Group")
        with lib.write() as uow:
            if kind == "collect":
                uow.add_to_collection(group, [rid])
            else:
                uow.remove_from_collection(group, [rid])
    elif kind == "note":
        text = str(op[3])
        with lib.write() as uow:
            curation.set_note(uow, rid, f"<p>{text}</p>" if text else "", text)
    elif kind == "read":
        with lib.write() as uow:
            curation.set_reading(uow, [rid], status=str(op[3]), date_read="2026-01-01" if op[3] == "read" else "")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(ops, max_size=14))
def test_any_interleaving_of_edits_and_syncs_converges(pg: PgServer, steps: list[tuple[object, ...]]) -> None:
    url = pg.create_database(f"conv{next(_names)}")
    with tempfile.TemporaryDirectory() as folder:
        replicas = [Library.open(Path(folder) / "a.sqlite"), Library.open(Path(folder) / "b.sqlite")]
        try:
            replicas[0].add_references([
                Reference(fields={"title": f"Start {k}"}, citation_key=k, creators=[Creator(family="Knox")]) for k in KEYS
            ])
            with replicas[0].write() as uow:
                uow.add_collection("Group")
            sync.sync(replicas[0], url)
            sync.sync(replicas[1], url)
            added = [0]
            for op in steps:
                lib = replicas[int(str(op[1]))]
                if op[0] == "sync":
                    sync.sync(lib)
                else:
                    apply(lib, op, added)
            for i in (0, 1, 0):
                sync.sync(replicas[i])
            a, b = state(replicas[0]), state(replicas[1])
            assert a == b
            assert a == server_state(url)
            assert (sync.sync(replicas[1]).pushed, sync.sync(replicas[0]).pulled) == (0, 0)  # settled
        finally:
            for lib in replicas:
                lib.close()
