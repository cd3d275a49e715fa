"""Auto-export (issue 20): the file always equals a fresh export of the same selection, is
rewritten incrementally, survives a crash mid-write, and never silently replaces someone else's
edit. Real SQLite libraries and real files throughout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference
from bibliofile.services import autoexport
from bibliofile.services.importing import import_files
from bibliofile.storage import autoexports as store
from bibliofile.storage.library import Library

BIB = """% Encoding: UTF-8
@string{jpe = "Journal of Political Economy"}

@article{smith2020,
  author = {Smith, Jane and Doe, John},
  title  = {On {Bayesian} Things},
  journal = jpe,
  year   = 2020,
}

@book{doe1999,
    title={A Book},
    author={Doe, John},
    publisher={Press},
    year={1999}
}

@comment{kept as it is}

@inproceedings{lee2001,
  title = {Talk},
  author = {Lee, Ann},
  booktitle = {Proc.},
  year = {2001},
  abstract = {Unknown fields stay},
  foo = {bar}
}
"""


def _library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib.sqlite")
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    import_files(lib, [bib])
    return lib


def _row(lib: Library, path: Path) -> store.AutoExportRow:
    row = store.find(lib, str(path))
    assert row is not None
    return row


def _fresh_bytes(lib: Library, path: Path) -> bytes:
    from bibliofile.services.exporting import encoded

    text, encoding = autoexport.fresh_text(lib, _row(lib, path))
    return encoded(text, encoding)


def _edit_title(lib: Library, rid: int, title: str) -> None:
    ref = lib.get(rid)
    ref.fields["title"] = title
    with lib.write() as uow:
        uow.update(ref)


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex", "csl-json"])
def test_added_file_is_written_at_once_and_equals_a_fresh_export(tmp_path: Path, fmt: str) -> None:
    lib = _library(tmp_path)
    out = tmp_path / f"out.{fmt}"
    outcome = autoexport.add(lib, out, fmt)
    assert outcome.written and not outcome.error
    assert out.read_bytes() == _fresh_bytes(lib, out)
    if fmt == "bibtex":
        assert out.read_text(encoding="utf-8") == BIB  # untouched entries keep their own text
    lib.close()


def test_one_edit_reformats_only_that_entry_and_keeps_the_rest_verbatim(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    out = tmp_path / "out.bib"
    caches: dict[int, autoexport.EntryCache] = {}
    autoexport.add(lib, out, "bibtex", caches=caches)
    [doe] = lib.by_citation_key(["doe1999"])
    _edit_title(lib, doe, "A Better Book")
    # Let the first write's entries settle: stamps have whole seconds.
    [outcome] = autoexport.refresh_all(lib, caches)
    assert outcome.written
    text = out.read_text(encoding="utf-8")
    assert "A Better Book" in text
    assert "  title  = {On {Bayesian} Things},\n  journal = jpe," in text  # neighbour untouched
    assert out.read_bytes() == _fresh_bytes(lib, out)
    lib.close()


def test_entries_formatted_long_enough_ago_are_reused(tmp_path: Path) -> None:
    """Stamps have whole seconds, so entries formatted within their edit's second are formatted
    again; once settled, a rewrite after one edit formats that one (and the last, which decides
    the final newline)."""
    lib = Library.open(tmp_path / "lib.sqlite")
    refs = [Reference(fields={"title": f"T{i}"}, citation_key=f"k{i}",
                      creators=[Creator(family=f"F{i}", given="G")]) for i in range(30)]
    lib.add_references(refs)
    # Make every stamp a second older than now, as if edited earlier.
    import sqlite3
    con = sqlite3.connect(tmp_path / "lib.sqlite")
    con.execute("UPDATE \"references\" SET date_modified = datetime(date_modified, '-5 seconds')")
    con.commit()
    con.close()
    out = tmp_path / "out.bib"
    caches: dict[int, autoexport.EntryCache] = {}
    first = autoexport.add(lib, out, "biblatex", caches=caches)
    assert first.formatted == 30
    [k5] = lib.by_citation_key(["k5"])
    _edit_title(lib, k5, "Changed")
    [again] = autoexport.refresh_all(lib, caches)
    assert again.formatted == 2  # the edited one and the last
    assert out.read_bytes() == _fresh_bytes(lib, out)
    # A fresh process (the command line) reads the formatted entries back from the library.
    [cli] = autoexport.refresh_all(lib, {}, force=True)
    assert cli.formatted <= 3
    assert out.read_bytes() == _fresh_bytes(lib, out)
    lib.close()


def test_collection_and_query_exports(tmp_path: Path) -> None:
    from bibliofile.services import collections
    from bibliofile.services.changes import perform

    lib = _library(tmp_path)
    [smith] = lib.by_citation_key(["smith2020"])
    [lee] = lib.by_citation_key(["lee2001"])
    perform(lib, lambda u: collections.file_under(u, "Thesis", [smith]))
    col = tmp_path / "thesis.bib"
    q = tmp_path / "talks.json"
    autoexport.add(lib, col, "bibtex", collection="Thesis")
    autoexport.add(lib, q, "csl-json", query="Talk")
    assert "smith2020" in col.read_text(encoding="utf-8") and "doe1999" not in col.read_text(encoding="utf-8")
    assert '"id": "lee2001"' in q.read_text(encoding="utf-8")
    perform(lib, lambda u: collections.file_under(u, "Thesis", [lee]))
    autoexport.refresh_all(lib)
    assert "lee2001" in col.read_text(encoding="utf-8")
    assert col.read_bytes() == _fresh_bytes(lib, col)
    # The collection deleted: the file stays as it was, the auto-export stays set up and says why.
    cid = collections.find(lib, "Thesis")
    assert cid is not None
    before = col.read_bytes()
    perform(lib, lambda u: collections.delete(u, cid.id))
    outcomes = {o.path: o for o in autoexport.refresh_all(lib)}
    assert outcomes[str(col)].error and "was deleted" in outcomes[str(col)].message
    assert col.read_bytes() == before
    assert autoexport.autoexports(lib)[0].description == "collection “Thesis” (deleted)"
    lib.close()


def test_a_crash_during_the_rewrite_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _library(tmp_path)
    out = tmp_path / "out.bib"
    autoexport.add(lib, out, "bibtex")
    before = out.read_bytes()
    [smith] = lib.by_citation_key(["smith2020"])
    _edit_title(lib, smith, "Rewritten")

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    [outcome] = autoexport.refresh_all(lib)
    monkeypatch.undo()
    assert outcome.error and str(out) in outcome.message and "disk is full" in outcome.message
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.bib")] == []  # no temp left
    [listed] = autoexport.autoexports(lib)
    assert "disk is full" in listed.last_error
    # Retried after the next change, and then right.
    [again] = autoexport.refresh_all(lib)
    assert again.written and out.read_bytes() == _fresh_bytes(lib, out)
    assert autoexport.autoexports(lib)[0].last_error == ""
    lib.close()


def test_a_file_changed_by_another_program_is_kept_as_bak(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    out = tmp_path / "out.bib"
    autoexport.add(lib, out, "bibtex")
    theirs = "% my own notes\n" + out.read_text(encoding="utf-8")
    out.write_text(theirs, encoding="utf-8")
    [smith] = lib.by_citation_key(["smith2020"])
    _edit_title(lib, smith, "New")
    [outcome] = autoexport.refresh_all(lib)
    assert outcome.written and outcome.backup
    assert "changed by another program" in outcome.message and outcome.backup in outcome.message
    assert Path(outcome.backup).read_text(encoding="utf-8") == theirs
    assert Path(outcome.backup).name.startswith("out.bib.bak-")
    assert out.read_bytes() == _fresh_bytes(lib, out)
    # Our own file, merely touched, is not backed up again.
    os.utime(out, ns=(1, 1))
    _edit_title(lib, smith, "Newer")
    [quiet] = autoexport.refresh_all(lib)
    assert quiet.written and not quiet.backup
    assert len(list(tmp_path.glob("out.bib.bak-*"))) == 1
    lib.close()


def test_an_existing_file_is_kept_aside_when_an_auto_export_is_added(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    out = tmp_path / "thesis.bib"
    out.write_text("@misc{mine, title={Mine}}\n", encoding="utf-8")
    outcome = autoexport.add(lib, out, "bibtex")
    assert outcome.backup and Path(outcome.backup).read_text(encoding="utf-8") == "@misc{mine, title={Mine}}\n"
    assert outcome.message == f"{out} was there already; it was kept as {outcome.backup} and the export written in its place"
    lib.close()


def test_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    out = tmp_path / "out.bib"
    caches: dict[int, autoexport.EntryCache] = {}
    autoexport.add(lib, out, "bibtex", caches=caches)
    mtime = out.stat().st_mtime_ns
    [outcome] = autoexport.refresh_all(lib, caches)
    assert not outcome.written and out.stat().st_mtime_ns == mtime
    lib.close()


def test_a_missing_folder_is_a_message_and_it_stays_set_up(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    folder = tmp_path / "paper"
    folder.mkdir()
    out = folder / "refs.bib"
    autoexport.add(lib, out, "bibtex")
    out.unlink()
    folder.rmdir()
    [outcome] = autoexport.refresh_all(lib, force=True)
    assert outcome.error and str(out) in outcome.message and "does not exist" in outcome.message
    assert len(autoexport.autoexports(lib)) == 1
    folder.mkdir()
    [again] = autoexport.refresh_all(lib)
    assert again.written and out.read_bytes() == _fresh_bytes(lib, out)
    lib.close()


def test_set_up_refusals(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    with pytest.raises(autoexport.AutoExportError, match="no collection “Nope”"):
        autoexport.add(lib, tmp_path / "a.bib", collection="Nope")
    with pytest.raises(autoexport.AutoExportError, match="unknown format"):
        autoexport.add(lib, tmp_path / "a.bib", "ris")
    with pytest.raises(autoexport.AutoExportError, match="it is a folder"):
        autoexport.add(lib, tmp_path, "bibtex")
    with pytest.raises(autoexport.AutoExportError, match="does not exist"):
        autoexport.add(lib, tmp_path / "no" / "a.bib", "bibtex")
    autoexport.add(lib, tmp_path / "a.bib")
    with pytest.raises(autoexport.AutoExportError, match="kept up to date already"):
        autoexport.add(lib, tmp_path / "a.bib")
    autoexport.remove(lib, tmp_path / "a.bib")
    assert autoexport.autoexports(lib) == []
    assert (tmp_path / "a.bib").exists()  # removing stops updates; the file stays
    with pytest.raises(autoexport.AutoExportError, match="not kept up to date"):
        autoexport.remove(lib, tmp_path / "a.bib")
    lib.close()


def test_a_symlinked_file_is_written_through_the_link_keeping_its_mode(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    real = tmp_path / "real" / "refs.bib"
    real.parent.mkdir()
    real.write_text("", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "linked.bib"
    link.symlink_to(real)
    autoexport.add(lib, link, "bibtex")
    [smith] = lib.by_citation_key(["smith2020"])
    _edit_title(lib, smith, "Through the link")
    [outcome] = autoexport.refresh_all(lib)
    assert outcome.written and not outcome.backup
    assert link.is_symlink() and "Through the link" in real.read_text(encoding="utf-8")
    assert real.stat().st_mode & 0o777 == 0o640
    lib.close()
