"""Curating in the window: triage keys, reading state, tags, notes, reading lists, saved
searches, and the Check Library / Find Duplicates / Overview tools.

Installed by the main window (``install``); everything here talks to the window through its
declared interface (``gui.window_api.WindowApi``), so the window stays a frame.
Every change is one unit of work and one undo step, however many references it touches.

Triage keys, with the table focused: 1, 2, 3 set the priority (0 clears it), R moves the
reading status on (to read -> reading -> read -> skimmed -> none). Help > Triage Keys lists them.
``install`` also points
every citation-key generation at the pattern chosen in Edit > Preferences.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QColor, QDropEvent, QIcon, QKeyEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QTreeWidgetItem,
)

from bibliofile.gui.library_table import COLUMN_KEYS, IDS_MIME, ids_from_mime
from bibliofile.gui.preferences_dialog import citation_key_pattern
from bibliofile.gui.undo import change_command
from bibliofile.model.reading import STATUS_LABELS, STATUSES, next_status
from bibliofile.services import citation_keys, collections, reading, saved_searches, tags
from bibliofile.storage.library import LIBRARY

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
QUERY_ROLE = Qt.ItemDataRole.UserRole + 2

TRIAGE_HELP = (
    "<p>With the reference table focused, on the selected references:</p>"
    "<table cellpadding='3'>"
    "<tr><td><b>1</b>, <b>2</b>, <b>3</b></td><td>priority high, medium, low</td></tr>"
    "<tr><td><b>0</b></td><td>no priority</td></tr>"
    "<tr><td><b>R</b></td><td>next reading status: to read, reading, read, skimmed, none</td></tr>"
    "</table><p>In a reading list (a collection), drag rows to reorder them, or right-click "
    "and choose <b>Move to Top</b>. Every change is one step of <b>Edit &gt; Undo</b>.</p>"
)


_PRESS, _RELEASE = QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease
_FILTERED = frozenset((QEvent.Type.KeyPress, QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop, _PRESS, _RELEASE))


def _swatch(colour: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(colour) if colour else QColor(0, 0, 0, 0))
    return QIcon(pix)


class Curation(QObject):
    """The window's curation actions (one per window, as ``window.curation``)."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.library = window.library
        self.tags_root: QTreeWidgetItem | None = None
        self.searches_root: QTreeWidgetItem | None = None
        self._dialogs: list[Any] = []
        self.act_save_search = QAction("Save Search…", self)
        self._table = window.table
        self._viewport = window.table.viewport()
        self._pressed_id: int | None = None  # the row a drag in the table was started from

    # ---- reading state -----------------------------------------------------------------------
    def set_reading(self, ids: Sequence[int], text: str, **changes: Any) -> None:
        if not ids:
            return
        ids = list(ids)
        self.window.undo_stack.push(
            change_command(
                self.window,
                text,
                lambda u: reading.set_reading(u, ids, **changes),
                self.refresh_progress,
            )
        )

    def triage(self, key: int) -> bool:
        """Handle a triage key on the selection; True when it was one."""
        ids = self.window.table.selected_ids()
        if not ids:
            return False
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_3:
            p = key - Qt.Key.Key_0
            self._show_column("priority")
            self.set_reading(ids, f"Priority {p}" if p else "Clear Priority", priority=p)
            return True
        if key == Qt.Key.Key_R:
            current = reading.states(self.library, ids[:1]).get(ids[0])
            status = next_status(current.status if current else "")
            self._show_column("read_status")
            self.set_reading(ids, f"Mark {STATUS_LABELS[status] or 'No Status'}", status=status)
            return True
        return False

    def _show_column(self, key: str) -> None:
        hh = self.window.table.horizontalHeader()
        section = COLUMN_KEYS.index(key)
        if hh.isSectionHidden(section):
            self.window.table.set_column_visible(section, True)

    # ---- tags --------------------------------------------------------------------------------
    def tag_ids(self, tag_id: int, ids: Sequence[int], name: str = "") -> None:
        ids = list(ids)
        self.window.undo_stack.push(
            change_command(
                self.window,
                f"Tag {name}".strip(),
                lambda u: tags.give_tag(u, tag_id, ids, name),
                self.refresh_sidebar,
            )
        )

    def untag_ids(self, tag_id: int, ids: Sequence[int]) -> None:
        ids = list(ids)
        self.window.undo_stack.push(
            change_command(
                self.window,
                "Remove Tag",
                lambda u: tags.take_tag(u, tag_id, ids),
                self.refresh_sidebar,
            )
        )

    def new_tag(self, ids: Sequence[int]) -> None:
        name, ok = QInputDialog.getText(self.window.as_parent(), "New Tag", "Name of the tag:")
        if not ok or not name.strip():
            return
        ids = list(ids)
        self.window.undo_stack.push(
            change_command(self.window, f"Tag {name.strip()}", lambda u: tags.add_tag(u, ids, name), self.refresh_sidebar)
        )

    def choose_tag_colour(self, tag_id: int, old: str) -> None:
        colour = QColorDialog.getColor(QColor(old or "#3070d0"), self.window.as_parent(), "Tag Colour")
        if colour.isValid():
            self.window.run_write(lambda u: tags.set_tag_colour(u, tag_id, colour.name()),
                                  lambda _r: self.refresh_sidebar())

    def rename_tag(self, tag_id: int, old: str) -> None:
        name, ok = QInputDialog.getText(self.window.as_parent(), "Rename Tag", "New name:", text=old)
        if ok and name.strip() and name.strip() != old:
            self.window.run_write(lambda u: tags.rename_tag(u, tag_id, name), lambda _r: self.refresh_sidebar())

    def delete_tag(self, tag_id: int, name: str) -> None:
        self.window.undo_stack.push(
            change_command(self.window, f"Delete Tag {name}", lambda u: tags.delete_tag(u, tag_id), self.refresh_sidebar)
        )

    # ---- sidebar: tags and saved searches -------------------------------------------------------
    def refresh_sidebar(self) -> None:
        tree = self.window.sidebar.tree
        if self.tags_root is None:
            self.tags_root = QTreeWidgetItem(tree, ["Tags"])
            self.tags_root.setData(0, KIND_ROLE, "tags")
            self.tags_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.searches_root = QTreeWidgetItem(tree, ["Saved Searches"])
            self.searches_root.setData(0, KIND_ROLE, "searches")
            self.searches_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
        assert self.searches_root is not None
        current = tree.currentItem()
        was = (current.data(0, KIND_ROLE), current.data(0, ID_ROLE)) if current is not None else None
        blocked = tree.blockSignals(True)
        try:
            self.tags_root.takeChildren()
            for t in tags.all_tags(self.library):
                item = QTreeWidgetItem(self.tags_root, [f"{t.name} ({t.count})"])
                item.setData(0, KIND_ROLE, "tag")
                item.setData(0, ID_ROLE, t.id)
                item.setData(0, QUERY_ROLE, t.name)
                item.setData(0, Qt.ItemDataRole.UserRole + 3, t.colour)
                item.setIcon(0, _swatch(t.colour))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled)
            self.searches_root.takeChildren()
            for sid, name, query in saved_searches.saved_searches(self.library):
                item = QTreeWidgetItem(self.searches_root, [name])
                item.setData(0, KIND_ROLE, "search")
                item.setData(0, ID_ROLE, sid)
                item.setData(0, QUERY_ROLE, query)
                item.setToolTip(0, f"<p>{html.escape(query)}</p>")
            for root in (self.tags_root, self.searches_root):
                root.setHidden(root.childCount() == 0)
                root.setExpanded(True)
                for i in range(root.childCount()):
                    child = root.child(i)
                    if child is not None and was == (child.data(0, KIND_ROLE), child.data(0, ID_ROLE)):
                        tree.setCurrentItem(child)
        finally:
            tree.blockSignals(blocked)

    def _sidebar_item_chosen(self, item: QTreeWidgetItem | None, *_args: Any) -> None:
        if item is None:
            return
        kind = item.data(0, KIND_ROLE)
        if kind == "tag":
            name = str(item.data(0, QUERY_ROLE))
            self.run_query(f'tag:"{name}"')
        elif kind == "search":
            self.run_query(str(item.data(0, QUERY_ROLE)))

    def run_query(self, query: str) -> None:
        """Show the library filtered by ``query`` (as if typed in the search field)."""
        w = self.window
        w.search_field.set_text_silently(query)
        w.model.configure(query=query, scope=LIBRARY)

    def save_search(self) -> None:
        query = self.window.model.query.strip()
        if not query:
            QMessageBox.information(self.window.as_parent(), "Save Search", "Type a search first; it is saved as it is.")
            return
        name, ok = QInputDialog.getText(self.window.as_parent(), "Save Search", "Name of the saved search:", text=query)
        if ok and name.strip():
            self.window.undo_stack.push(
                change_command(self.window, "Save Search", lambda u: saved_searches.save(u, name, query),
                               self.refresh_sidebar)
            )

    def _sidebar_menu(self, menu: QMenu, item: QTreeWidgetItem | None) -> bool:
        kind = item.data(0, KIND_ROLE) if item is not None else None
        if item is None or kind not in ("tag", "search", "tags", "searches"):
            return False
        iid = item.data(0, ID_ROLE)
        if kind == "tag":
            name = str(item.data(0, QUERY_ROLE))
            colour = str(item.data(0, Qt.ItemDataRole.UserRole + 3) or "")
            menu.addAction("Rename Tag…", lambda: self.rename_tag(int(iid), name))
            menu.addAction("Tag Colour…", lambda: self.choose_tag_colour(int(iid), colour))
            menu.addAction("Delete Tag", lambda: self.delete_tag(int(iid), name))
        elif kind == "search":
            menu.addAction("Rename…", lambda: self._rename_search(int(iid), item.text(0)))
            menu.addAction("Delete Saved Search", lambda: self._delete_search(int(iid), item.text(0)))
        else:
            menu.addAction(self.act_save_search)
        return True

    def _rename_search(self, sid: int, old: str) -> None:
        name, ok = QInputDialog.getText(self.window.as_parent(), "Rename Saved Search", "New name:", text=old)
        if ok and name.strip():
            self.window.undo_stack.push(
                change_command(self.window, "Rename Saved Search", lambda u: saved_searches.rename(u, sid, name),
                               self.refresh_sidebar)
            )

    def _delete_search(self, sid: int, name: str) -> None:
        self.window.undo_stack.push(
            change_command(self.window, f"Delete Saved Search {name}", lambda u: saved_searches.delete(u, sid),
                           self.refresh_sidebar)
        )

    # ---- reading lists ----------------------------------------------------------------------------
    def _scope_changed(self, scope: Any) -> None:
        m = self.window.model
        hh = self.window.table.horizontalHeader()
        # A reading list shows in its own order; elsewhere the header's sort comes back. The
        # window already searched the new scope: reload() searches again keeping the selection.
        if scope.collection_id is not None:
            self._show_list_order()
        elif m.sort_key == "position":
            hh.setSortIndicatorShown(True)
            section = hh.sortIndicatorSection()
            key = COLUMN_KEYS[section] if 0 <= section < len(COLUMN_KEYS) else "title"
            m.set_sort(key, hh.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder, refresh=False)
            self.window.reload()
        self.refresh_progress()

    def _show_list_order(self, select: list[int] | None = None) -> None:
        """The reading list shown in its own order (``select``: the selection to have then;
        None keeps it)."""
        self.window.table.horizontalHeader().setSortIndicatorShown(False)
        self.window.model.set_sort("position", False, refresh=False)
        self.window.reload(select=select)

    def _sidebar_item_clicked(self, item: QTreeWidgetItem | None, *_args: Any) -> None:
        """A click on the reading list already shown, after sorting it by a column, shows it in
        its own order again (a click on a current entry changes no scope, so nothing did)."""
        m = self.window.model
        cid = m.scope.collection_id
        if (
            item is not None and cid is not None and m.sort_key != "position"
            and item.data(0, KIND_ROLE) == "collection" and item.data(0, ID_ROLE) == cid
        ):
            self._show_list_order()

    def _header_sorted(self, *_args: Any) -> None:
        self.window.table.horizontalHeader().setSortIndicatorShown(True)

    def in_list_order(self) -> bool:
        m = self.window.model
        return m.scope.collection_id is not None and m.sort_key == "position" and not m.query.strip()

    def _not_in_list_order(self) -> str:
        """Why a drag in a reading list cannot reorder it now: said when the drag comes in, as
        the refusal alone (a no-entry cursor) looked as if dragging were broken."""
        if self.window.model.query.strip():
            return "To reorder the reading list by dragging, clear the search first."
        return ("The reading list is sorted by a column: choose the list in the sidebar again "
                "to see its own order and reorder it by dragging.")

    def progress_text(self) -> str:
        cid = self.window.model.scope.collection_id
        return reading.list_progress(self.library, cid).text() if cid is not None else ""

    def refresh_progress(self, *_args: Any) -> None:
        w = self.window
        text = w.count_label.text().split(" · ")[0]
        progress = self.progress_text()
        w.count_label.setText(f"{text} · {progress}" if progress and text else text)

    def move_to_top(self, ids: Sequence[int]) -> None:
        cid = self.window.model.scope.collection_id
        if cid is None or not ids:
            return
        ids = list(ids)
        self.window.undo_stack.push(
            change_command(self.window, "Move to Top", lambda u: collections.move_to_top(u, cid, ids))
        )

    def move_before(self, ids: Sequence[int], before: int | None, select: Sequence[int] = ()) -> None:
        """Move ``ids`` before ``before`` (None: to the end) as one undo step, then select
        ``select`` (by default the selection stays). A move that leaves the order as it is
        writes nothing and says why, rather than adding an empty undo step."""
        cid = self.window.model.scope.collection_id
        if cid is None or not ids:
            return
        ids = list(ids)
        unchanged = self._unchanged_reason(ids, before)
        if unchanged:
            self.window.show_status(unchanged, 8000)
            return
        self.window.undo_stack.push(
            change_command(self.window, "Reorder Reading List", lambda u: collections.move_before(u, cid, ids, before),
                           select_after_redo=list(select))
        )

    def _unchanged_reason(self, ids: list[int], before: int | None) -> str:
        """Why moving ``ids`` before ``before`` would leave the list's order as shown ("" when it
        changes it, or when the order is not all read yet and the library decides)."""
        order = self.window.model.ids
        if 0 in order or not self.in_list_order():
            return ""
        wanted = set(ids)
        rest = [i for i in order if i not in wanted]
        at = rest.index(before) if before is not None and before in rest else len(rest)
        if [*rest[:at], *(i for i in order if i in wanted), *rest[at:]] != order:
            return ""
        if not rest:
            return (f"Nothing to reorder: the drag held all {len(order)} references of the list. "
                    "Click one reference, then drag it.")
        return "The order is unchanged: the references were dropped where they already were."

    def _holds_whole_list(self, ids: Sequence[int]) -> bool:
        """``ids`` are every row of the list shown (of two rows or more)."""
        shown = self.window.model.ids
        return len(shown) > 1 and 0 not in shown and set(shown) <= set(ids)

    def drop_row_target(self, y: int) -> int | None:
        """The id a drop at viewport height ``y`` goes before (None: the end)."""
        table = self.window.table
        row = table.rowAt(y)
        model = self.window.model
        if row < 0:
            return None
        rect = table.visualRect(model.index(row, 0))
        if y > rect.center().y():
            row += 1
        return model.id_at(row) if row < model.rowCount() else None

    # ---- event filter: triage keys, drops for reordering -------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Only the event type and Python identities are looked at first: filters also see the
        # events of a table being destroyed, whose C++ side is gone.
        et = event.type()
        if et not in _FILTERED:
            return False
        if obj is self._table and et == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            return bool(mods == Qt.KeyboardModifier.NoModifier and self.triage(event.key()))
        if obj is self._viewport and et in (_PRESS, _RELEASE):
            # The row a drag starts from: pressed, and not released (a drag's release goes to
            # Qt's drag loop), so a drop from anywhere else finds none.
            pos = event.position() if et == _PRESS and isinstance(event, QMouseEvent) else None
            at = self._table.rowAt(int(pos.y())) if pos is not None else -1
            self._pressed_id = (self.window.model.id_at(at) or None) if at >= 0 else None
            return False
        if obj is self._viewport and et != QEvent.Type.KeyPress:
            drag: Any = event
            if not drag.mimeData().hasFormat(IDS_MIME):
                return False  # files, for the window's import
            if not self.in_list_order():
                # Rows outside a reading list, or a list not in its own order: refused here, as
                # the view itself would accept them (its model takes the type) and drop nothing.
                if et == QEvent.Type.DragEnter and self.window.model.scope.collection_id is not None:
                    self.window.show_status(self._not_in_list_order(), 8000)
                drag.ignore()
                return True
            drag.setDropAction(Qt.DropAction.MoveAction)
            drag.accept()
            if et == QEvent.Type.Drop:
                assert isinstance(event, QDropEvent)
                ids = ids_from_mime(event.mimeData())
                select: list[int] = []
                pressed, self._pressed_id = self._pressed_id, None
                if pressed is not None and pressed in ids and self._holds_whole_list(ids):
                    # Every row was selected (kept by id from My Library after an import or a
                    # Select All) and a press on a selected row drags the selection: moved as
                    # one, the list stayed as it was, every time, until a restart cleared the
                    # selection (issue 17). Within the list that can only mean the row grabbed.
                    ids = select = [pressed]
                before = self.drop_row_target(int(event.position().y()))
                while before is not None and before in ids:  # dropped onto itself: after the run
                    row = self.window.model.row_of(before)
                    nxt = (row or 0) + 1
                    before = self.window.model.id_at(nxt) if nxt < self.window.model.rowCount() else None
                self.move_before(ids, before, select)
            return True
        return False

    # ---- context menu ----------------------------------------------------------------------------
    def table_menu(self, menu: QMenu, ids: list[int]) -> None:
        if not ids or self.window.model.scope.trash:
            return
        menu.addSeparator()
        status = menu.addMenu("Reading Status")
        def reading(text: str, **change: Any) -> Callable[[], None]:
            return lambda: self.set_reading(ids, text, **change)

        for s in ("", *STATUSES):
            status.addAction(STATUS_LABELS[s] or "None", reading(f"Mark {STATUS_LABELS[s] or 'No Status'}", status=s))
        prio = menu.addMenu("Priority")
        for p, label in ((1, "1 (high)"), (2, "2"), (3, "3 (low)"), (0, "None")):
            prio.addAction(label, reading(f"Priority {p}", priority=p))
        rating = menu.addMenu("Rating")
        for r in (5, 4, 3, 2, 1, 0):
            rating.addAction("★" * r or "None", reading(f"Rate {r}", rating=r))
        tag_menu = menu.addMenu("Tags")
        have = tags.tags_of(self.library, ids)
        for t in tags.all_tags(self.library):
            act = tag_menu.addAction(_swatch(t.colour), t.name)
            act.setCheckable(True)
            on = all(t.name in have.get(i, []) for i in ids)
            act.setChecked(on)
            act.triggered.connect(
                lambda _c=False, t=t, on=on: self.untag_ids(t.id, ids) if on else self.tag_ids(t.id, ids, t.name)
            )
        tag_menu.addSeparator()
        tag_menu.addAction("New Tag…", lambda: self.new_tag(ids))
        if len(ids) == 1:
            menu.addAction("Note…", lambda: self.edit_note(ids[0]))
        if self.window.model.scope.collection_id is not None:
            menu.addAction("Move to Top", lambda: self.move_to_top(ids))
        menu.addAction("Regenerate Citation Keys", lambda: self.regenerate_keys(ids))

    # ---- notes, keys ----------------------------------------------------------------------------
    def edit_note(self, rid: int) -> None:
        from bibliofile.gui.notes_editor import NotesDialog

        dlg = NotesDialog(self.window, rid)
        self._dialogs.append(dlg)
        dlg.finished.connect(lambda _r: self._dialogs.remove(dlg) if dlg in self._dialogs else None)
        dlg.show()

    def key_pattern(self) -> str:
        """The citation key pattern chosen in Edit > Preferences (read at each use)."""
        return citation_key_pattern(self.window.settings)

    def regenerate_keys(self, ids: Sequence[int]) -> None:
        ids = list(ids)
        pattern = self.key_pattern()
        self.window.undo_stack.push(
            change_command(self.window, "Regenerate Citation Keys",
                           lambda u: citation_keys.regenerate_keys(u, ids, pattern))
        )

    def fill_missing_keys(self) -> None:
        pattern = self.key_pattern()
        self.window.undo_stack.push(
            change_command(self.window, "Generate Missing Citation Keys",
                           lambda u: citation_keys.fill_missing_keys(u, pattern))
        )

    # ---- tools ------------------------------------------------------------------------------------
    def check_library(self) -> None:
        from bibliofile.gui.integrity_dialog import IntegrityDialog

        self._open(IntegrityDialog(self.window))

    def find_duplicates(self) -> None:
        from bibliofile.gui.duplicates_dialog import DuplicatesDialog

        self._open(DuplicatesDialog(self.window))

    def overview(self) -> None:
        from bibliofile.gui.overview_dialog import OverviewDialog

        self._open(OverviewDialog(self.window))

    def _open(self, dlg: Any) -> None:
        self._dialogs.append(dlg)
        dlg.finished.connect(lambda _r: self._dialogs.remove(dlg) if dlg in self._dialogs else None)
        dlg.show()
        dlg.start()

    def show_triage_help(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Triage Keys", TRIAGE_HELP, parent=self.window.as_parent())
        box.setTextFormat(Qt.TextFormat.RichText)
        box.exec()


def install(window: WindowApi) -> Curation:
    """The curation actions on ``window``: returned for the window to keep."""
    c = Curation(window)
    table = window.table
    table.installEventFilter(c)
    table.viewport().installEventFilter(c)
    table.viewport().setAcceptDrops(True)
    window.table_menu_hooks.append(c.table_menu)
    window.sidebar.extra_menu = c._sidebar_menu
    window.sidebar.tree.tagDropped.connect(lambda tid, ids: c.tag_ids(tid, ids))
    window.sidebar.tree.currentItemChanged.connect(c._sidebar_item_chosen)
    window.sidebar.tree.itemClicked.connect(c._sidebar_item_clicked)
    window.sidebar.scopeChanged.connect(c._scope_changed)
    window.model.countsChanged.connect(c.refresh_progress)
    table.horizontalHeader().sectionClicked.connect(c._header_sorted)

    c.act_save_search.setShortcut("Ctrl+Shift+S")
    c.act_save_search.triggered.connect(c.save_search)
    window.menu_edit.addSeparator()
    window.menu_edit.addAction(c.act_save_search)
    window.menu_edit.addAction("Generate Missing Citation Keys", c.fill_missing_keys)

    window.menu_tools.menuAction().setVisible(True)
    tools = window.menu_tools
    tools.addAction("Check Library…", c.check_library)
    tools.addAction("Find Duplicates…", c.find_duplicates)
    window.menu_view.addSeparator()
    window.menu_view.addAction("Overview…", c.overview)
    window.menu_help.addAction("Triage Keys", c.show_triage_help)
    c.refresh_sidebar()

    # New citation keys follow Edit > Preferences: on import, for a new reference's first edit
    # in the detail pane, and in the actions above.
    window.importer.key_pattern = c.key_pattern
    window.detail.key_pattern = c.key_pattern
    window.detail.tagsChanged.connect(c.refresh_sidebar)  # tags given in the detail pane
    return c
