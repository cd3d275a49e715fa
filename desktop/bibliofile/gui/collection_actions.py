"""The window's commands on collections: new, rename, delete, add to, remove from.

A part of MainWindow (a mixin), split out so the window module stays a frame. Each command is one
undo step over an operation of ``services.collections`` (``gui.undo.change_command``);
afterwards the sidebar reads the collections again. services.collections is imported on first
use: it imports SQLAlchemy, which loads after the first screen (issue 22).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from bibliofile.gui import messages
from bibliofile.gui.import_dialog import plural
from bibliofile.gui.undo import change_command
from bibliofile.gui.window_api import WindowMixin


class CollectionActions(WindowMixin):
    """Collections in the sidebar: their undoable writes and the questions before them."""

    def reload_collections(self) -> None:
        self.sidebar.set_collections(self.library.collections())

    def create_collection(self, name: str, parent_id: int | None = None) -> None:
        from bibliofile.services import collections

        self.undo_stack.push(
            change_command(self, f"New Collection “{name}”", lambda u: collections.create(u, name, parent_id),
                           self.reload_collections)
        )

    def rename_collection(self, cid: int, name: str) -> None:
        from bibliofile.services import collections

        old = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            change_command(self, f"Rename Collection “{old}”", lambda u: collections.rename(u, cid, name),
                           self.reload_collections)
        )

    def delete_collection(self, cid: int) -> None:
        """Delete a collection and its sub-collections; undo puts them back, items included."""
        from bibliofile.services import collections

        name = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            change_command(self, f"Delete Collection “{name}”", lambda u: collections.delete(u, cid),
                           self.reload_collections)
        )

    def add_to_collection(self, cid: int, ids: list[int]) -> None:
        from bibliofile.services import collections

        name = self.sidebar.collection_name(cid)

        def done() -> None:
            self.show_status(f"Added {plural(len(ids), 'reference')} to {name}", 4000)

        self.undo_stack.push(
            change_command(self, f"Add {plural(len(ids), 'reference')} to “{name}”",
                           lambda u: collections.add_items(u, cid, ids), self.reload_collections, done)
        )

    def remove_selected_from_collection(self) -> None:
        from bibliofile.services import collections

        cid = self.model.scope.collection_id
        ids = self.table.selected_ids()
        if cid is None or not ids:
            return
        name = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            change_command(self, f"Remove {plural(len(ids), 'reference')} from “{name}”",
                           lambda u: collections.remove_items(u, cid, ids), self.reload_collections)
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
