"""The window's commands on collections: new, rename, delete, add to, remove from.

A part of MainWindow (a mixin), split out so the window module stays a frame. Each command is one
undo step (``gui.undo.WriteCommand``); afterwards the sidebar reads the collections again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from bibliofile.gui import messages
from bibliofile.gui.import_dialog import plural
from bibliofile.gui.undo import WriteCommand
from bibliofile.gui.window_api import WindowMixin
from bibliofile.storage.library import UnitOfWork


class CollectionActions(WindowMixin):
    """Collections in the sidebar: their undoable writes and the questions before them."""

    def reload_collections(self) -> None:
        self.sidebar.set_collections(self.library.collections())

    def create_collection(self, name: str, parent_id: int | None = None) -> None:
        state: dict[str, Any] = {"id": None, "snapshot": None}

        def do(u: UnitOfWork) -> None:
            if state["snapshot"] is None:
                state["id"] = u.add_collection(name, parent_id)
            else:  # redo after an undo: the same collection, with what it held by then
                u.restore_collections(state["snapshot"])

        def undo(u: UnitOfWork, _saved: None) -> None:
            state["snapshot"] = u.delete_collection(state["id"])

        self.undo_stack.push(WriteCommand(self, f"New Collection “{name}”", do, undo, self.reload_collections))

    def rename_collection(self, cid: int, name: str) -> None:
        old = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            WriteCommand(
                self, f"Rename Collection “{old}”",
                lambda u: u.rename_collection(cid, name), lambda u, _s: u.rename_collection(cid, old),
                self.reload_collections,
            )
        )

    def delete_collection(self, cid: int) -> None:
        """Delete a collection and its sub-collections; undo puts them back, items included."""
        name = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            WriteCommand(
                self, f"Delete Collection “{name}”",
                lambda u: u.delete_collection(cid), lambda u, snapshot: u.restore_collections(snapshot),
                self.reload_collections,
            )
        )

    def add_to_collection(self, cid: int, ids: list[int]) -> None:
        name = self.sidebar.collection_name(cid)

        def done() -> None:
            self.show_status(f"Added {plural(len(ids), 'reference')} to {name}", 4000)

        self.undo_stack.push(
            WriteCommand(
                self, f"Add {plural(len(ids), 'reference')} to “{name}”",
                lambda u: u.add_to_collection(cid, ids), lambda u, added: u.remove_from_collection(cid, added or []),
                self.reload_collections, done,
            )
        )

    def remove_selected_from_collection(self) -> None:
        cid = self.model.scope.collection_id
        ids = self.table.selected_ids()
        if cid is None or not ids:
            return
        name = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            WriteCommand(
                self, f"Remove {plural(len(ids), 'reference')} from “{name}”",
                lambda u: u.remove_from_collection(cid, ids),
                lambda u, removed: u.put_back_in_collection(cid, removed or []),
                self.reload_collections,
            )
        )

    def _ask_new_collection(self, parent_id: int | None) -> None:
        name, ok = QInputDialog.getText(self, "New Collection", "Name of the new collection:")
        if ok and name.strip():
            self.create_collection(name.strip(), parent_id)

    def _ask_rename_collection(self, cid: int) -> None:
        old = self.sidebar.collection_name(cid)
        name, ok = QInputDialog.getText(self, "Rename Collection", "New name:", text=old)
        if ok and name.strip() and name.strip() != old:
            self.rename_collection(cid, name.strip())

    def _ask_delete_collection(self, cid: int) -> None:
        name = self.sidebar.collection_name(cid)
        if messages.ask(
            self,
            "Delete Collection",
            f"Delete the collection “{name}” and its sub-collections? The references stay in your library.",
            yes="Delete",
        ):
            self.delete_collection(cid)
