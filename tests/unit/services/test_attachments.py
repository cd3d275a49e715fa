"""Attachments as operations (issue 19), on a real library file and real files in tmp folders:
attach (stored or linked), remove to the folder's Trash, rename by pattern, missing files found
again; every step undone and redone through its Change, as the window's undo does."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from bibliofile.model import Reference
from bibliofile.model.creators import Creator
from bibliofile.services import attachments as att
from bibliofile.services.attachments import AttachmentError, FileLocations
from bibliofile.services.changes import Change, perform, undo
from bibliofile.storage import attachments as rows
from bibliofile.storage.library import Library

PDF = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"


@pytest.fixture
def where(library: Library, tmp_path: Path) -> FileLocations:
    base = tmp_path / "home"
    base.mkdir()
    return FileLocations.of(library, base)


def _paper(library: Library) -> int:
    ref = Reference(fields={"title": "Deep Residual Learning for Image Recognition", "date": "2016"})
    ref.creators = [Creator(family="He", given="Kaiming"), Creator(family="Zhang", given="Xiangyu")]
    [rid] = library.add_references([ref])
    return rid


def _file(folder: Path, name: str, data: bytes = PDF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    return p


def test_store_copies_under_the_pattern_name_and_undo_keeps_the_file(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    source = _file(tmp_path / "downloads", "1512.03385v1.pdf")
    change = perform(library, lambda u: att.attach(u, where, rid, source, "store"))
    assert where.files_dir == tmp_path / "library.files"
    stored = where.files_dir / "He 2016 - Deep Residual Learning.pdf"
    assert stored.read_bytes() == PDF and source.read_bytes() == PDF  # a copy; the original stays
    [view] = att.attachments_of(library, where, rid)
    a = view.attachment
    assert (a.kind, a.path, a.original_name, a.size, a.content_type) == (
        "stored", stored.name, "1512.03385v1.pdf", len(PDF), "application/pdf")
    assert a.sha256 == hashlib.sha256(PDF).hexdigest() and view.present
    assert not [p for p in where.files_dir.iterdir() if p.name.endswith(".tmp")]

    redo = undo(library, change)  # the attach undone: no row, the copy in the Trash, not deleted
    assert att.attachments_of(library, where, rid) == []
    assert not stored.exists()
    assert (where.files_dir / "Trash" / stored.name).read_bytes() == PDF
    undo(library, redo)  # redone: the same row and file back
    [back] = att.attachments_of(library, where, rid)
    assert back.attachment.id == a.id and back.present and stored.read_bytes() == PDF


def test_two_stored_files_of_one_reference_get_unique_names(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    for name in ("a.pdf", "b.PDF"):
        perform(library, lambda u, n=name: att.attach(u, where, rid, _file(tmp_path / "in", n), "store"))
    names = sorted(v.file.name for v in att.attachments_of(library, where, rid))
    assert names == ["He 2016 - Deep Residual Learning (2).pdf", "He 2016 - Deep Residual Learning.pdf"]


def test_link_inside_the_base_folder_is_relative_and_outside_absolute(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    inside = _file(where.base / "Papers" / "ML", "resnet.pdf")
    outside = _file(tmp_path / "usb", "other.epub", b"PK epub")
    perform(library, lambda u: att.attach(u, where, rid, inside, "link"))
    perform(library, lambda u: att.attach(u, where, rid, outside, "link"))
    first, second = att.attachments_of(library, where, rid)
    assert first.attachment.path == "Papers/ML/resnet.pdf" and first.file == inside and first.present
    assert second.attachment.path == str(outside) and second.attachment.content_type == "application/epub+zip"
    # The library moved to a machine whose base folder is elsewhere: the relative path follows it.
    moved = FileLocations(where.files_dir, tmp_path / "other-home")
    assert moved.resolve(first.attachment) == tmp_path / "other-home" / "Papers" / "ML" / "resnet.pdf"
    assert not (tmp_path / "library.files").exists()  # linking copies nothing


def test_bad_files_are_refused_with_the_path_and_nothing_changes(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    with pytest.raises(AttachmentError, match=r"nope\.pdf: no such file; nothing was attached"):
        perform(library, lambda u: att.attach(u, where, rid, tmp_path / "nope.pdf", "store"))
    with pytest.raises(AttachmentError, match="a folder, not a file"):
        perform(library, lambda u: att.attach(u, where, rid, tmp_path, "link"))
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(AttachmentError, match="not a regular file"):
        perform(library, lambda u: att.attach(u, where, rid, fifo, "store"))
    with pytest.raises(AttachmentError, match="#999 is not in the library"):
        perform(library, lambda u: att.attach(u, where, 999, _file(tmp_path, "ok.pdf"), "store"))
    assert rows.all_attachments(library, include_trash=True) == []
    assert not (where.files_dir and where.files_dir.exists() and any(where.files_dir.iterdir()))


def test_remove_keeps_a_linked_file_and_trashes_a_stored_one(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    linked = _file(where.base, "linked.pdf")
    perform(library, lambda u: att.attach(u, where, rid, linked, "link"))
    perform(library, lambda u: att.attach(u, where, rid, _file(tmp_path / "in", "s.pdf"), "store"))
    views = att.attachments_of(library, where, rid)
    change = perform(library, lambda u: att.remove(u, where, [v.attachment.id for v in views]))
    assert change.description == "Remove 2 attachments" and change.ids == (rid,)
    assert linked.read_bytes() == PDF
    assert [p.name for p in (where.files_dir / "Trash").iterdir()] == ["He 2016 - Deep Residual Learning.pdf"]
    undo(library, change)
    again = att.attachments_of(library, where, rid)
    assert [(v.attachment.id, v.present) for v in again] == [(v.attachment.id, True) for v in views]


def test_removing_a_stored_file_whose_name_was_taken_meanwhile_puts_it_back_beside(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    perform(library, lambda u: att.attach(u, where, rid, _file(tmp_path / "in", "s.pdf"), "store"))
    [v] = att.attachments_of(library, where, rid)
    change = perform(library, lambda u: att.remove(u, where, [v.attachment.id]))
    v.file.write_bytes(b"someone else's")
    undo(library, change)
    [back] = att.attachments_of(library, where, rid)
    assert back.file.name == "He 2016 - Deep Residual Learning (2).pdf" and back.file.read_bytes() == PDF
    assert v.file.read_bytes() == b"someone else's"


def test_rename_by_pattern_after_the_title_changed_and_undo(library: Library, where: FileLocations, tmp_path: Path) -> None:
    rid = _paper(library)
    perform(library, lambda u: att.attach(u, where, rid, _file(tmp_path / "in", "s.pdf"), "store"))
    ref = library.get(rid)
    ref.fields["title"] = "Identity Mappings in Deep Residual Networks"
    library.update_reference(ref)
    change = perform(library, lambda u: att.rename_stored(u, where, [rid]))
    assert change.description == "Rename 1 stored file"
    [v] = att.attachments_of(library, where, rid)
    assert v.file.name == "He 2016 - Identity Mappings Deep.pdf" and v.present
    redo = undo(library, change)
    [v] = att.attachments_of(library, where, rid)
    assert v.file.name == "He 2016 - Deep Residual Learning.pdf" and v.present
    assert sorted(p.name for p in where.files_dir.iterdir()) == ["He 2016 - Deep Residual Learning.pdf"]
    undo(library, redo)
    assert where.files_dir.joinpath("He 2016 - Identity Mappings Deep.pdf").is_file()
    assert not perform(library, lambda u: att.rename_stored(u, where, None, "[auth] [year] - [shorttitle]")).changed


def test_a_moved_file_is_missing_then_found_again_by_name_and_size(library: Library, where: FileLocations) -> None:
    rid = _paper(library)
    original = _file(where.base / "Papers", "resnet.pdf")
    perform(library, lambda u: att.attach(u, where, rid, original, "link"))
    moved = where.base / "Archive" / "2016" / "resnet.pdf"
    moved.parent.mkdir(parents=True)
    original.rename(moved)
    _file(where.base / "Other", "resnet.pdf", b"a different file, same name")  # wrong size: not it
    _file(where.base / ".hidden", "resnet.pdf")  # hidden folders are not searched
    missing = att.missing_files(library, where)
    assert [m.file for m in missing] == [original]
    search = att.find_again(where, missing)
    assert search.found == {missing[0].attachment.id: moved} and not search.stopped
    change = perform(library, lambda u: att.relink(u, where, search.found))
    assert att.missing_files(library, where) == []
    assert att.attachments_of(library, where, rid)[0].attachment.path == "Archive/2016/resnet.pdf"
    undo(library, change)
    assert [m.attachment.path for m in att.missing_files(library, where)] == ["Papers/resnet.pdf"]


def test_search_stops_at_its_limit_and_says_so(library: Library, where: FileLocations) -> None:
    rid = _paper(library)
    original = _file(where.base, "gone.pdf")
    perform(library, lambda u: att.attach(u, where, rid, original, "link"))
    original.unlink()
    for i in range(30):
        _file(where.base / f"d{i}", "x.txt", b"x")
    search = att.find_again(where, att.missing_files(library, where), limit=10)
    assert search.stopped and search.found == {}


def test_a_library_without_a_file_can_link_but_not_store(library: Library, tmp_path: Path) -> None:
    rid = _paper(library)
    server = FileLocations(None, tmp_path)
    with pytest.raises(AttachmentError, match="link the file instead"):
        perform(library, lambda u: att.attach(u, server, rid, _file(tmp_path, "p.pdf"), "store"))
    change: Change = perform(library, lambda u: att.attach(u, server, rid, tmp_path / "p.pdf", "link"))
    assert change.ids == (rid,)


def test_check_library_reports_each_missing_file_with_its_reference(library: Library, where: FileLocations, tmp_path: Path) -> None:
    from bibliofile.services.library_check import missing_attachments

    rid = _paper(library)
    linked = _file(where.base, "linked.pdf")
    perform(library, lambda u: att.attach(u, where, rid, linked, "link"))
    perform(library, lambda u: att.attach(u, where, rid, _file(tmp_path / "in", "kept.pdf"), "store"))
    assert missing_attachments(library, where.base) == []
    linked.unlink()
    [finding] = missing_attachments(library, where.base)
    assert (finding.reference_id, finding.kind, finding.fix) == (rid, "missing-file", None)
    assert finding.message == f"The linked file “linked.pdf” is missing: it is not at {linked}."


def test_a_file_alone_makes_a_reference_titled_by_its_name_and_undo_takes_both(library: Library, where: FileLocations, tmp_path: Path) -> None:
    pdf = _file(tmp_path / "in", "Ostrom_1990_Governing the commons.pdf")
    change = perform(library, lambda u: att.new_reference_for_file(u, where, pdf))
    [rid] = change.ids
    ref = library.get(rid)
    assert (ref.title, ref.item_type) == ("Ostrom 1990 Governing the commons", "document")
    [v] = att.attachments_of(library, where, rid)
    assert v.present and v.stored and v.file.name == "Ostrom 1990 Governing.pdf"
    redo = undo(library, change)
    assert library.search("Governing") == [] and att.attachments_of(library, where, rid) == []
    assert (where.files_dir / "Trash" / "Ostrom 1990 Governing.pdf").is_file()
    undo(library, redo)
    assert library.search("Governing") == [rid] and att.attachments_of(library, where, rid)[0].present
