"""The window's actions, menus, toolbar and the table's context menu.

A part of MainWindow (a mixin), split out so the window module stays a frame. Features add their
own entries to these menus (``WindowApi.menu_*``) and to the context menu (``table_menu_hooks``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QSizePolicy, QStyle, QToolBar, QVBoxLayout, QWidget

from bibliofile.gui.undo_keys import LibraryUndoKeys, redo_keys, undo_stack_action
from bibliofile.gui.window_api import WindowMixin

if TYPE_CHECKING:
    from bibliofile.gui.citation_actions import CitationController


class WindowMenus(WindowMixin):
    """Builds the window's actions and menus; keeps the actions enabled as the selection allows."""

    if TYPE_CHECKING:
        citations: CitationController

        def ask_import(self) -> None: ...
        def ask_new_reference(self) -> None: ...
        def trash_selected(self) -> None: ...
        def restore_selected(self) -> None: ...
        def ask_empty_trash(self) -> None: ...
        def focus_search(self) -> None: ...
        def _ask_new_collection(self, parent_id: int | None) -> None: ...
        def remove_selected_from_collection(self) -> None: ...
        def add_to_collection(self, cid: int, ids: list[int]) -> None: ...
        def show_about(self) -> None: ...
        def check_library_file(self) -> None: ...

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None, icon: Any = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                act.setShortcuts(shortcut)
            else:
                act.setShortcut(shortcut)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        self.act_import = self._action("&Import…", self.ask_import, QKeySequence("Ctrl+I"), SP.SP_DialogOpenButton, "Import references from BibTeX, RIS, CSL-JSON, EndNote XML, MEDLINE or research-portal files")
        self.act_import.setIconText("Import")
        # The one export path: the export dialog of gui/citation_actions.py (styles, preview, save).
        self.act_export = self._action(
            "&Export / Create Bibliography…", lambda: self.citations.open_export_dialog(),
            [QKeySequence("Ctrl+Shift+E"), QKeySequence("Ctrl+E")], SP.SP_DialogSaveButton,
            "A bibliography or citations in any style, or BibTeX, RIS, CSL-JSON",
        )
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        # Made in Python, not by QUndoStack.createUndoAction: see _menu.
        self.act_undo = undo_stack_action(self.undo_stack, redo=False, parent=self)
        self.act_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.act_redo = undo_stack_action(self.undo_stack, redo=True, parent=self)
        self.act_redo.setShortcuts(redo_keys())  # each key once: a key listed twice is dead in Qt
        self.act_new = self._action("&New Reference…", self.ask_new_reference, QKeySequence.StandardKey.New, SP.SP_FileIcon, "Add an empty reference")
        self.act_new.setIconText("New")
        self.act_trash = self._action("Move to &Trash", self.trash_selected, QKeySequence.StandardKey.Delete, SP.SP_TrashIcon, "Move the selected references to the trash")
        self.act_trash.setIconText("Trash")
        # Delete only means "trash" while the table has focus; in the search field it edits text.
        self.act_trash.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.addAction(self.act_trash)
        self.act_restore = self._action("&Restore", self.restore_selected, QKeySequence("Ctrl+Shift+R"), SP.SP_DialogResetButton, "Put the selected references back into the library")
        self.act_empty_trash = self._action("&Empty Trash…", self.ask_empty_trash, None, None, "Delete everything in the trash for good")
        self.act_find = self._action("&Find", self.focus_search, QKeySequence.StandardKey.Find)
        self.act_new_collection = self._action("New &Collection…", lambda: self._ask_new_collection(None))
        self.act_remove_from_collection = self._action("Remove from Collection", self.remove_selected_from_collection)
        self.act_about = self._action("&About Bibliofile", self.show_about)
        self.act_user_guide = self._action("&User Guide", self.show_user_guide, QKeySequence.StandardKey.HelpContents, None, "How to import, search, cite, curate and recover (opens offline)")
        self.act_shortcuts = self._action("&Keyboard Shortcuts", self.show_keyboard_shortcuts, None, None, "Every shortcut of the window's menus")
        self.act_check_file = self._action("&Verify Library File…", self.check_library_file, None, None, "Check the library file for damage; recover it from a backup")
        # The built-in PDF reader (issue 19); gui/pdf_reader.py is imported on first use.
        self.act_open_pdf = self._action("Open &PDF", self.open_selected_pdf, QKeySequence("Ctrl+Shift+O"), None, "Read the selected reference's first PDF in Bibliofile's reader")
        self.act_show_sidebar = QAction("Show &Sidebar", self, checkable=True, checked=True)
        self.act_show_sidebar.toggled.connect(self.sidebar.setVisible)
        self.act_show_detail = QAction("Show &Details", self, checkable=True, checked=True)
        self.act_show_detail.toggled.connect(self.detail.setVisible)
        for act, name in ((self.act_undo, "Undo"), (self.act_redo, "Redo")):
            act.setProperty("shortcutName", name)  # Help > Keyboard Shortcuts: not "Undo Edit title"
            self.addAction(act)
        # Ctrl+Z in a text field goes to the library once the field has no typing of its own to undo.
        self.undo_keys = LibraryUndoKeys(self, self.act_undo, self.act_redo)

    def _menu(self, title: str, into: QMenu | QMenuBar) -> QMenu:
        """A menu made in Python and added to ``into``. Menus that Qt makes (QMenuBar.addMenu
        with a title) had their Python wrappers go stale in the real app while they lived on;
        those made in Python keep theirs (see MainWindow.__init__)."""
        menu = QMenu(title, self)
        into.addMenu(menu)
        return menu

    def _separator(self, menu: QMenu) -> QAction:
        """A separator kept by the window (features insert before it), made in Python too."""
        sep = QAction(self)
        sep.setSeparator(True)
        menu.addAction(sep)
        return sep

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = self.menu_file = self._menu("&File", mb)
        m.addActions([self.act_import, self.act_export])
        from bibliofile.gui.autoexport_watch import AutoExportWatch

        # File > Keep a .bib Updated…, and the rewrite after each change (issue 20).
        self.autoexport_watch = AutoExportWatch(self)
        m.addSeparator()
        self.file_quit_separator = self._separator(m)
        m.addAction(self.act_quit)
        m = self.menu_edit = self._menu("&Edit", mb)
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_new, self.act_trash, self.act_restore, self.act_empty_trash])
        m.addSeparator()
        m.addActions([self.act_new_collection, self.act_remove_from_collection])
        m.addSeparator()
        m.addAction(self.act_find)
        m = self.menu_view = self._menu("&View", mb)
        self.columns_menu = self._menu("&Columns", m)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        m.addActions([self.act_show_sidebar, self.act_show_detail])
        self.menu_references = self._menu("&References", mb)  # features add theirs (online_actions)
        self.menu_references.addAction(self.act_open_pdf)
        self.menu_references.addSeparator()
        self.menu_tools = self._menu("&Tools", mb)
        self.menu_tools.addAction(self.act_check_file)
        self.menu_tools.addSeparator()
        m = self.menu_help = self._menu("&Help", mb)
        m.addActions([self.act_user_guide, self.act_shortcuts])
        m.addSeparator()
        m.addAction(self.act_about)

    def open_selected_pdf(self) -> None:
        from bibliofile.gui.pdf_reader import open_first_pdf

        open_first_pdf(self)

    # ---- Help (gui/help_dialog.py, imported on first use: the window starts without it) -------
    def show_user_guide(self) -> None:
        from bibliofile.gui.help_dialog import user_guide_dialog

        dlg = user_guide_dialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()

    def keyboard_shortcuts_dialog(self) -> Any:
        """The list of the window's shortcuts, read from its actions when it is opened."""
        from bibliofile.gui.curation_actions import TRIAGE_HELP
        from bibliofile.gui.help_dialog import shortcuts_dialog

        places = {id(self.table): "In the reference table", id(self.sidebar.tree): "In the sidebar"}
        triage = f"<h3>Triage keys (Help &gt; Triage Keys)</h3>{TRIAGE_HELP}"
        return shortcuts_dialog(self, places, triage)

    def show_keyboard_shortcuts(self) -> None:
        dlg = self.keyboard_shortcuts_dialog()
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        for act in self.table.columns_menu(self.columns_menu).actions():
            self.columns_menu.addAction(act)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main toolbar", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_import, self.act_new, self.act_trash])
        spacer = QWidget(tb)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        box = QWidget(tb)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 4, 0)
        self.search_field.setMinimumWidth(380)
        lay.addWidget(self.search_field)
        tb.addWidget(box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb

    def _table_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction(self.act_new)
        if self.model.scope.trash:
            menu.addAction(self.act_restore)
            menu.addAction(self.act_empty_trash)
        else:
            menu.addAction(self.act_trash)
        cols = self.library.collections()
        if cols and self.table.selectionModel().hasSelection():
            sub = menu.addMenu("Add to Collection")
            for cid, _parent, name in cols:
                act = sub.addAction(name)
                act.triggered.connect(lambda _c=False, cid=cid: self.add_to_collection(cid, self.table.selected_ids()))
        if self.model.scope.collection_id is not None:
            menu.addAction(self.act_remove_from_collection)
        for hook in self.table_menu_hooks:
            hook(menu, self.table.selected_ids())
        menu.addSeparator()
        menu.addAction(self.act_export)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _update_actions(self) -> None:
        has_sel = bool(self.table.selectionModel().hasSelection())
        in_trash = self.model.scope.trash
        self.act_trash.setEnabled(has_sel and not in_trash)
        self.act_restore.setEnabled(has_sel and in_trash)
        self.act_empty_trash.setEnabled(in_trash and self.model.rowCount() > 0)
        self.act_remove_from_collection.setEnabled(has_sel and self.model.scope.collection_id is not None)
        self.act_open_pdf.setEnabled(has_sel)
