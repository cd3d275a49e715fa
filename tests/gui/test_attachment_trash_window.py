"""The window's Move to Trash and Empty Trash with stored files (issue 19): the status line says
the stored files stay until the trash is emptied, Empty Trash asks with the files counted, and
emptying deletes them from ``<library>.files/`` while a linked file stays where the user keeps it."""

from __future__ import annotations

from pathlib import Path

from bibliofile.gui import messages
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import TRASH, Library

from .conftest import make_ref


def _file(tmp_path: Path, name: str) -> Path:
    p = tmp_path / "downloads" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return p


def test_trash_says_files_stay_and_empty_trash_counts_and_deletes_them(window, lib: Library, tmp_path: Path, monkeypatch) -> None:
    rid, other = lib.add_references([make_ref("With Files"), make_ref("Without")])
    where = att.FileLocations.of(lib, tmp_path)
    for name in ("a.pdf", "b.pdf"):
        perform(lib, lambda u, n=name: att.attach(u, where, rid, _file(tmp_path, n), "store"))
    linked = _file(tmp_path, "mine.pdf")
    perform(lib, lambda u: att.attach(u, where, rid, linked, "link"))
    stored = [v.file for v in att.attachments_of(lib, where, rid) if v.stored]
    assert len(stored) == 2 and all(f.parent == tmp_path / "lib.files" for f in stored)

    window.reload()
    window.table.select_ids([rid, other])
    window.trash_selected()
    assert window.statusBar().currentMessage() == (
        "Moved 2 references to Trash; their 2 stored files stay in the library folder until the Trash is emptied."
    )
    assert all(f.is_file() for f in stored)

    window.set_scope(TRASH)
    asked: list[str] = []
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or False)
    window.ask_empty_trash()
    assert asked == ["Delete 2 references and 2 stored files for good? This cannot be undone."]
    assert all(f.is_file() for f in stored) and lib.count(TRASH) == 2  # said no: nothing went
    monkeypatch.setattr(messages, "ask", lambda _p, _t, text, **_k: asked.append(text) or True)
    window.ask_empty_trash()
    assert lib.count(TRASH) == 0
    assert not any(f.exists() for f in stored) and linked.is_file()
    assert window.statusBar().currentMessage() == "Deleted 2 references and 2 stored files for good."
