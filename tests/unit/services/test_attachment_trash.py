"""Stored files and the Trash (issue 19), on a real library file and real files: moving a
reference with stored files to the trash keeps them (and says so); emptying the trash counts
them in its question and deletes them after the references are gone for good; linked files and
files another reference still names are never deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.model import Reference
from bibliofile.services import attachments as att
from bibliofile.services import trash
from bibliofile.services.attachments import FileLocations
from bibliofile.services.changes import perform
from bibliofile.storage import attachments as rows
from bibliofile.storage.library import Library

PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"


@pytest.fixture
def where(library: Library, tmp_path: Path) -> FileLocations:
    base = tmp_path / "home"
    base.mkdir()
    return FileLocations.of(library, base)


def _ref(library: Library, title: str) -> int:
    [rid] = library.add_references([Reference(fields={"title": title, "date": "2020"})])
    return rid


def _download(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir(exist_ok=True)
    p = folder / name
    p.write_bytes(PDF)
    return p


def _stored(library: Library, where: FileLocations, rid: int) -> list[Path]:
    return [v.file for v in att.attachments_of(library, where, rid) if v.stored]


def test_trashing_keeps_stored_files_and_the_message_says_so(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _ref(library, "Two Files")
    for name in ("a.pdf", "b.pdf"):
        perform(library, lambda u, n=name: att.attach(u, where, rid, _download(tmp_path, n), "store"))
    files = _stored(library, where, rid)
    assert len(files) == 2
    assert trash.stored_file_count(library, [rid]) == 2
    perform(library, lambda u: trash.move_to_trash(u, [rid]))
    assert all(f.is_file() for f in files)  # in the trash, the files stay
    assert trash.trashed_message(1, 2) == (
        "Moved 1 reference to Trash; its 2 stored files stay in the library folder until the Trash is emptied."
    )
    assert trash.trashed_message(3, 0) == "Moved 3 references to Trash."


def test_empty_trash_counts_and_deletes_stored_files_only(library: Library, where: FileLocations, tmp_path: Path) -> None:
    gone = _ref(library, "Deleted for Good")
    kept = _ref(library, "Still in the Library")
    linked_only = _ref(library, "Only a Linked File")
    perform(library, lambda u: att.attach(u, where, gone, _download(tmp_path, "gone.pdf"), "store"))
    perform(library, lambda u: att.attach(u, where, kept, _download(tmp_path, "kept.pdf"), "store"))
    linked = _download(tmp_path, "mine.pdf")
    perform(library, lambda u: att.attach(u, where, gone, linked, "link"))
    perform(library, lambda u: att.attach(u, where, linked_only, linked, "link"))
    [gone_file] = _stored(library, where, gone)
    [kept_file] = _stored(library, where, kept)
    # A second row naming the kept reference's stored file (as a merge could leave): not deleted.
    [shared] = [a for a in rows.for_references(library, [kept])[kept] if a.kind == rows.STORED]
    with library.write() as uow:
        rows.add(uow, [rows.Attachment(gone, rows.STORED, shared.path, "kept.pdf", shared.size)])
    perform(library, lambda u: trash.move_to_trash(u, [gone, linked_only]))

    n_files = trash.stored_files_in_trash(library, where)
    assert n_files == 1
    assert trash.empty_question(2, n_files) == "Delete 2 references and 1 stored file for good? This cannot be undone."

    with library.write() as uow:
        emptied = trash.empty_trash_with_files(uow, where)
    assert gone_file.is_file()  # nothing deleted before the commit
    done = trash.finish_emptying(emptied)
    assert (emptied.references, done.deleted, done.problems) == (2, 1, ())
    assert not gone_file.exists()
    assert kept_file.is_file() and linked.is_file()
    assert rows.for_references(library, [gone, linked_only]) == {}
    assert trash.emptied_message(emptied, done) == "Deleted 2 references and 1 stored file for good."


def test_a_file_that_cannot_be_deleted_is_named_and_the_rest_go(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _ref(library, "Stubborn")
    perform(library, lambda u: att.attach(u, where, rid, _download(tmp_path, "one.pdf"), "store"))
    perform(library, lambda u: att.attach(u, where, rid, _download(tmp_path, "two.pdf"), "store"))
    first, second = _stored(library, where, rid)
    perform(library, lambda u: trash.move_to_trash(u, [rid]))
    with library.write() as uow:
        emptied = trash.empty_trash_with_files(uow, where)
    # Replace the first file by a folder between the commit and the deletion: unlink refuses it.
    first.unlink()
    first.mkdir()
    done = trash.finish_emptying(emptied)
    assert done.deleted == 1 and not second.exists()
    [problem] = done.problems
    assert str(first) in problem and problem.endswith("it was kept")
    assert "could not be deleted" in trash.emptied_message(emptied, done)

