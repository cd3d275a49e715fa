"""The window's own commands on references: New Reference, Move to Trash, Restore, Empty Trash.

A part of MainWindow (a mixin), split out so the window module stays a frame. Each command is one
undo step on the window's stack over an operation of ``services.references`` or
``services.trash`` (``gui.undo.change_command``), run as one unit of work. Those services are
imported on first use: they import SQLAlchemy, which loads after the first screen (issue 22).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from bibliofile.gui import messages
from bibliofile.gui.import_dialog import plural
from bibliofile.gui.pane_attachments import locations
from bibliofile.gui.undo import change_command
from bibliofile.gui.window_api import WindowMixin
from bibliofile.model.item_types import ITEM_TYPES
from bibliofile.services.changes import Change
from bibliofile.storage.scope import LIBRARY, TRASH

if TYPE_CHECKING:
    from bibliofile.storage.library import UnitOfWork


class ReferenceActions(WindowMixin):
    """New Reference, Move to Trash, Restore and Empty Trash on the window's table."""

    def trash_selected(self) -> None:
        from bibliofile.services import trash

        ids = self.table.selected_ids()
        if not ids or self.model.scope.trash:
            return
        text = f"Move {plural(len(ids), 'reference')} to Trash"
        # Stored files stay until the trash is emptied: the status line says so (issue 19).
        said = trash.trashed_message(len(ids), trash.stored_file_count(self.library, ids))
        self.undo_stack.push(
            change_command(self, text, lambda u: trash.move_to_trash(u, ids),
                           after_redo=lambda: self.show_status(said, 10000),
                           select_after_undo=ids, select_after_redo=self._neighbour(ids))
        )

    def restore_selected(self) -> None:
        from bibliofile.services import trash

        ids = self.table.selected_ids()
        if not ids or not self.model.scope.trash:
            return
        text = f"Restore {plural(len(ids), 'reference')}"
        self.undo_stack.push(
            change_command(self, text, lambda u: trash.restore(u, ids),
                           select_after_undo=ids, select_after_redo=self._neighbour(ids))
        )

    def _neighbour(self, ids: list[int]) -> list[int]:
        """The row to select once ``ids`` leave the view: the next one below, else above."""
        gone = set(ids)
        rows = [r for r in (self.model.row_of(i) for i in ids) if r is not None]
        if not rows:
            return []
        model_ids = self.model.ids
        for r in range(max(rows) + 1, len(model_ids)):
            if model_ids[r] not in gone:
                return [model_ids[r]]
        for r in range(min(rows) - 1, -1, -1):
            if model_ids[r] not in gone:
                return [model_ids[r]]
        return []

    def ask_empty_trash(self) -> None:
        from bibliofile.services import trash

        n = self.library.count(TRASH)
        if not n:
            return
        files = trash.stored_files_in_trash(self.library, locations(self.library, self.settings))
        if messages.ask(self, "Empty Trash", trash.empty_question(n, files), yes="Empty Trash"):
            self.empty_trash()

    def empty_trash(self) -> None:
        """Delete the trash's references, then (once that is committed) their stored files."""
        from bibliofile.services import trash

        where = locations(self.library, self.settings)

        def done(emptied: trash.Emptied) -> None:
            # Purged references cannot come back, so older undo steps would act on nothing.
            self.undo_stack.clear()
            self.show_status(trash.emptied_message(emptied, trash.finish_emptying(emptied)), 10000)

        self.run_write(lambda u: trash.empty_trash_with_files(u, where), done)

    def ask_new_reference(self) -> None:
        labels = [t.label for t in ITEM_TYPES]
        label, ok = QInputDialog.getItem(self, "New Reference", "Type of reference:", labels, 0, False)
        if ok:
            self.new_reference(ITEM_TYPES[labels.index(label)].csl)

    def new_reference(self, csl_type: str) -> None:
        """Add an empty reference of this type (to the current collection too) and select it."""
        from bibliofile.services import references

        if self.model.scope.trash or self.model.query:
            # The new, empty reference would be hidden: show the library without a search.
            self.search_field.set_text_silently("")
            self.sidebar.set_scope(LIBRARY, notify=False)
            self.model.configure(query="", scope=LIBRARY)
        cid = self.model.scope.collection_id
        made: list[int] = []  # the new reference's id, once written
        first = [True]

        def make(u: UnitOfWork) -> Change:
            change = references.new_reference(u, csl_type, cid)
            made[:] = change.ids
            return change

        def select_it() -> None:  # after the first write and every redo (the same reference)
            if made:
                self._pending_selection = (list(made), made[0])
            if first:
                first.clear()
                self._edit_after_select = True  # as in Zotero: type the title next

        self.undo_stack.push(change_command(self, "New Reference", make, after_redo=select_it))
