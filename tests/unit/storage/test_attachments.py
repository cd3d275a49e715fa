"""Attachment rows (issue 19): stored, read back in order, removed and restored with their ids,
gone with their reference; and an older library upgraded to 0006 keeps everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from bibliofile.model import Reference
from bibliofile.storage import attachments, migrate
from bibliofile.storage.attachments import LINKED, STORED, Attachment
from bibliofile.storage.library import Library


def _two_references(lib: Library) -> list[int]:
    return lib.add_references([Reference(fields={"title": "First"}), Reference(fields={"title": "Second"})])


def test_rows_keep_their_order_and_come_back_with_their_ids(library: Library) -> None:
    a, b = _two_references(library)
    with library.write() as uow:
        added = attachments.add(uow, [
            Attachment(a, STORED, "Smith 2020 - First.pdf", "first.pdf", 1234, 1.5, "ab" * 32, "application/pdf"),
            Attachment(a, LINKED, "Papers/notes.txt", "notes.txt", 10),
            Attachment(b, LINKED, "/elsewhere/b.pdf", "b.pdf"),
        ])
    assert [x.position for x in added] == [0, 1, 0]
    got = attachments.for_references(library, [a, b])
    assert [x.path for x in got[a]] == ["Smith 2020 - First.pdf", "Papers/notes.txt"]
    assert got[a][0].size == 1234 and got[a][0].sha256 == "ab" * 32 and got[a][0].last_page_read is None
    with library.write() as uow:
        removed = attachments.remove(uow, [added[0].id])
    assert [x.path for x in attachments.for_references(library, [a])[a]] == ["Papers/notes.txt"]
    with library.write() as uow:
        attachments.restore(uow, removed)
    again = attachments.for_references(library, [a])[a]
    assert [(x.id, x.position, x.path) for x in again] == [(added[0].id, 0, "Smith 2020 - First.pdf"), (added[1].id, 1, "Papers/notes.txt")]


def test_a_new_row_goes_after_the_last(library: Library) -> None:
    [a] = library.add_references([Reference(fields={"title": "One"})])
    with library.write() as uow:
        attachments.add(uow, [Attachment(a, LINKED, "x.pdf")])
    with library.write() as uow:
        [later] = attachments.add(uow, [Attachment(a, LINKED, "y.pdf")])
    assert later.position == 1


def test_rows_go_with_a_reference_deleted_for_good_and_stay_in_the_trash(library: Library) -> None:
    a, b = _two_references(library)
    with library.write() as uow:
        attachments.add(uow, [Attachment(a, LINKED, "a.pdf"), Attachment(b, LINKED, "b.pdf")])
        uow.trash([a, b])
    assert attachments.all_attachments(library) == []
    assert len(attachments.all_attachments(library, include_trash=True)) == 2
    with library.write() as uow:
        uow.purge([a])
    assert [x.path for x in attachments.all_attachments(library, include_trash=True)] == ["b.pdf"]


def test_last_page_read_is_kept(library: Library) -> None:
    [a] = library.add_references([Reference(fields={"title": "One"})])
    with library.write() as uow:
        [x] = attachments.add(uow, [Attachment(a, LINKED, "x.pdf")])
        attachments.set_last_page_read(uow, x.id, 12)
    assert attachments.get(library, [x.id])[0].last_page_read == 12


def test_library_from_0005_gains_the_table_and_keeps_everything(library_path: Path) -> None:
    lib = Library.open(library_path)
    ids = lib.add_references([Reference(fields={"title": "Kept through the upgrade"})])
    cfg = migrate.alembic_config()
    with lib.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    lib.close()
    con = sqlite3.connect(library_path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "attachments" not in tables and migrate.current_revisions(library_path) == {"0005"}
    lib = Library.open(library_path)
    try:
        assert lib.search("upgrade") == ids
        with lib.write() as uow:
            [x] = attachments.add(uow, [Attachment(ids[0], LINKED, "paper.pdf")])
        assert attachments.for_references(lib, ids)[ids[0]] == [x]
    finally:
        lib.close()
    assert migrate.current_revisions(library_path) == set(migrate.known_revisions()[1])
