"""The main window: sidebar | table | detail, the search field, menus, and the undo stack.

The window owns the writes: every user action is one ``Library.write()`` run on the task
runner's single writer thread, and afterwards the table re-runs its search and keeps the
selection by id. Moving to the trash and restoring are commands on the shared ``QUndoStack``,
the same stack the detail pane pushes its edits to.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui import messages
from bibliofile.gui.import_dialog import (
    BIB_FILTER,
    IMPORT_SUFFIXES,
    ImportController,
    ImportSummaryDialog,
    plural,
)
from bibliofile.gui.library_table import TITLE_COLUMN, LibraryTableModel, LibraryTableView
from bibliofile.gui.search_field import SearchField
from bibliofile.gui.sidebar import Sidebar
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.model.item_types import ITEM_TYPES
from bibliofile.model.reference import Reference
from bibliofile.startup import resume_collector
from bibliofile.storage.library import LIBRARY, TRASH, Library, Scope, UnitOfWork

log = logging.getLogger(__name__)

BIB_SUFFIXES = IMPORT_SUFFIXES  # every format the importer reads (issue 5)

# Installers called at the end of MainWindow.__init__, each ``install(window) -> None`` from its
# own module (gui/<area>_actions.py). Order matters only for the order of menu entries.
FEATURES: list[Callable[[MainWindow], None]] = []


def _appearance(w: MainWindow) -> None:
    from bibliofile.gui.appearance import install

    install(w)


FEATURES.append(_appearance)


def _citations(w: MainWindow) -> None:
    from bibliofile.gui.citation_actions import install

    install(w)


FEATURES.append(_citations)


def _curation(w: MainWindow) -> None:
    from bibliofile.gui.curation_actions import install

    install(w)


FEATURES.append(_curation)


def _paste_import(w: MainWindow) -> None:
    from bibliofile.gui.paste_import import install

    install(w)


FEATURES.append(_paste_import)

# Installed just after the window has painted its first rows (MainWindow._install_deferred), with
# tests' synchronous runner at once: the curation area costs ~45-60 ms at launch (its sidebar
# lists, and Qt's enum types for its widgets) that the first paint of the table need not wait for.
DEFERRED_FEATURES: list[Callable[[MainWindow], None]] = [_curation]


class _FirstRowsPainted(QObject):
    """Calls ``then`` (on the next turn of the event loop) once the table has painted rows."""

    def __init__(self, table: LibraryTableView, then: Callable[[], None]) -> None:
        super().__init__(table)
        self._table = table
        self._then = then
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._table.model().rowCount() > 0:
            self._table.viewport().removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def default_settings() -> QSettings:
    return QSettings("Bibliofile", "Bibliofile")


class _PlaceholderPane(QScrollArea):
    """Stands in for the detail pane when gui/detail_pane.py is not there: lists the titles."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # titles are data, never markup
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setMargin(8)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.show_references([])

    def show_references(self, ids: list[int]) -> None:
        if not ids:
            self.label.setText("No reference selected.")
            return
        rows = self.library.rows(ids[:20], ["title", "authors", "year"])
        lines = []
        for rid in ids[:20]:
            title, authors, year = rows.get(rid, ("", "", None))
            lines.append(f"{title or '(untitled)'}\n{authors or ''}{' (' + str(year) + ')' if year else ''}")
        if len(ids) > 20:
            lines.append(f"…and {len(ids) - 20} more")
        head = "" if len(ids) == 1 else f"{len(ids)} references selected\n\n"
        self.label.setText(head + "\n\n".join(lines))


class _WriteCommand(QUndoCommand):
    """An undoable write: ``do`` and ``undo`` each run as one unit of work on the writer.

    ``then`` runs after either (collections: read the sidebar again), ``then_redo`` after ``do``
    only (a status message)."""

    def __init__(
        self,
        window: MainWindow,
        text: str,
        do: Callable[[UnitOfWork], Any],
        undo: Callable[[UnitOfWork], Any],
        select_after_undo: Sequence[int] = (),
        select_after_redo: Sequence[int] = (),
        then: Callable[[], None] | None = None,
        then_redo: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(text)
        self.window = window
        self._do = do
        self._undo = undo
        self._sel_undo = list(select_after_undo)
        self._sel_redo = list(select_after_redo)
        self._then = then
        self._then_redo = then_redo

    def redo(self) -> None:
        self.window.run_write(self._do, self._after(self._then, self._then_redo), select=self._sel_redo or None)

    def undo(self) -> None:
        self.window.run_write(self._undo, self._after(self._then), select=self._sel_undo or None)

    @staticmethod
    def _after(*steps: Callable[[], None] | None) -> Callable[[Any], None] | None:
        todo = [s for s in steps if s is not None]
        if not todo:
            return None

        def run(_result: Any) -> None:
            for step in todo:
                step()

        return run


class MainWindow(QMainWindow):
    """Bibliofile's main window over one open library."""

    def __init__(
        self,
        library: Library,
        runner: TaskRunner | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner or TaskRunner(self)
        self.settings = settings or default_settings()
        self.undo_stack = QUndoStack(self)
        # The selection a search brings back by id when it is applied: one asked for (after an
        # import, a new reference), else the one kept when the rows were reset (_before_reset).
        self._pending_selection: tuple[list[int], int | None] | None = None
        self._kept_selection: tuple[list[int], int | None] | None = None
        self._in_reset = False
        self._restoring = False
        self._edit_after_select = False  # a new reference: its title is typed at once
        # Features add entries to the table's context menu: each is called with (menu, ids).
        self.table_menu_hooks: list[Callable[[QMenu, list[int]], None]] = []
        self._last_hint = ""
        self.setObjectName("mainWindow")
        name = library.path.name if library.path is not None else library.display_name
        # A library that takes no writes says so where the user looks first (issue 14).
        name += " (read-only)" if library.read_only else " (damaged)" if library.damage else ""
        self.setWindowTitle(name)  # Qt adds " — Bibliofile", the application display name
        self.setAcceptDrops(True)

        # ---- panes ---------------------------------------------------------------------------
        self.sidebar = Sidebar(self)
        self.model = LibraryTableModel(library, self.runner, self)
        self.table = LibraryTableView(self)
        self.table.setModel(self.model)
        self.detail = self._make_detail_pane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.table)
        # ---- detail pane slot: gui/detail_pane.py's DetailPane goes here (see _make_detail_pane).
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setChildrenCollapsible(True)
        self.splitter.setSizes([200, 760, 340])
        self.setCentralWidget(self.splitter)

        self.search_field = SearchField(self)
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.count_label)

        self.importer = ImportController(library, self.runner, self)
        self.importer.imported.connect(self._import_finished)
        self.importer.cancelled.connect(self._import_cancelled)
        self.importer.failed.connect(self.show_error)
        self.summary_dialog: ImportSummaryDialog | None = None

        self._build_actions()
        self._build_menus()
        self._build_toolbar()

        # ---- wiring ---------------------------------------------------------------------------
        self.search_field.searchRequested.connect(self.set_query)
        self.search_field.resultsWanted.connect(self._go_to_results)
        self.model.queryHintChanged.connect(self._show_hint)
        self.model.countsChanged.connect(self._show_counts)
        self.model.searchFinished.connect(self._search_applied)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionIdsChanged.connect(self._selection_moved)
        self.table.selectionIdsChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.doubleClicked.connect(lambda _i: self._edit_current())
        self.table.editRequested.connect(self._edit_current)
        self.sidebar.scopeChanged.connect(self._scope_chosen)
        self.sidebar.referencesDropped.connect(self.add_to_collection)
        self.sidebar.newCollectionRequested.connect(self._ask_new_collection)
        self.sidebar.renameCollectionRequested.connect(self._ask_rename_collection)
        self.sidebar.deleteCollectionRequested.connect(self._ask_delete_collection)
        self.undo_stack.cleanChanged.connect(lambda _c: None)

        if hasattr(self.detail, "formBuilt"):
            self.detail.formBuilt.connect(self._link_tab_order)
        self._link_tab_order()
        self._install_features()
        self.reload_collections()
        self.restore_settings()
        # Enabling sorting asks the model to sort by the header's indicator: the first search.
        self.table.setSortingEnabled(True)
        self._update_actions()
        self.table.setFocus()
        if library.damage:
            self.statusBar().showMessage(
                f"This library is damaged ({library.damage}); changes are refused. "
                "Tools > Verify Library File can recover it from a backup."
            )

    # ---- construction -------------------------------------------------------------------------
    def _install_features(self) -> None:
        """Each feature area (citations, curation, other formats) adds its actions, menus and
        wiring from its own module, so the window stays a frame and the areas stay apart.
        Menus to add to: menu_file, menu_edit, menu_view, menu_tools (make it visible), menu_help."""
        self._deferred_installed = False
        for install in FEATURES:
            if install not in DEFERRED_FEATURES:
                install(self)
        if self.runner.synchronous:
            self._install_deferred()
        else:
            self._first_paint_watch = _FirstRowsPainted(self.table, self._install_deferred)
            QTimer.singleShot(2000, self._install_deferred)  # whatever happens to the first search

    def _install_deferred(self) -> None:
        if self._deferred_installed:
            return
        self._deferred_installed = True
        resume_collector()  # start-up is over: freeze what it built, collect again (startup.py)
        for install in FEATURES:
            if install in DEFERRED_FEATURES:
                install(self)

    def _edit_current(self) -> None:
        focus_title = getattr(self.detail, "focus_title", None)
        if callable(focus_title):
            focus_title()
        else:
            self.detail.setFocus()

    def _link_tab_order(self) -> None:
        """Tab goes from the search field to the sidebar, the table, then the detail pane's
        fields top to bottom. Qt orders Tab by creation, and the pane makes its fields anew for
        each selection, so they would come last, after the search field."""
        chain: list[QWidget] = [self.search_field, self.sidebar.tree, self.sidebar.add_button, self.table]
        tab_chain = getattr(self.detail, "tab_chain", None)
        if callable(tab_chain):
            chain.extend(tab_chain())
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _make_detail_pane(self) -> QWidget:
        try:
            from bibliofile.gui.detail_pane import DetailPane  # written separately; optional here
        except ModuleNotFoundError as exc:
            if exc.name != "bibliofile.gui.detail_pane":
                raise
            pane: QWidget = _PlaceholderPane(self.library, self)
        else:
            pane = DetailPane(self.library, self.undo_stack, self)
            pane.referencesChanged.connect(self._references_changed)
        pane.setObjectName("detailPane")
        return pane

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
        self.act_export = self._action("&Export…", self.ask_export, QKeySequence("Ctrl+E"), SP.SP_DialogSaveButton, "Export references as BibTeX or BibLaTeX")
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)])
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
        self.act_check_file = self._action("&Verify Library File…", self.check_library_file, None, None, "Check the library file for damage; recover it from a backup")
        self.act_show_sidebar = QAction("Show &Sidebar", self, checkable=True, checked=True)
        self.act_show_sidebar.toggled.connect(self.sidebar.setVisible)
        self.act_show_detail = QAction("Show &Details", self, checkable=True, checked=True)
        self.act_show_detail.toggled.connect(self.detail.setVisible)
        for act in (self.act_undo, self.act_redo):
            self.addAction(act)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = self.menu_file = mb.addMenu("&File")
        m.addActions([self.act_import, self.act_export])
        m.addSeparator()
        self.file_quit_separator = m.addSeparator()
        m.addAction(self.act_quit)
        m = self.menu_edit = mb.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_new, self.act_trash, self.act_restore, self.act_empty_trash])
        m.addSeparator()
        m.addActions([self.act_new_collection, self.act_remove_from_collection])
        m.addSeparator()
        m.addAction(self.act_find)
        m = self.menu_view = mb.addMenu("&View")
        self.columns_menu = m.addMenu("&Columns")
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        m.addActions([self.act_show_sidebar, self.act_show_detail])
        self.menu_tools = mb.addMenu("&Tools")
        self.menu_tools.addAction(self.act_check_file)
        self.menu_tools.addSeparator()
        m = self.menu_help = mb.addMenu("&Help")
        m.addAction(self.act_about)

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

    # ---- settings ------------------------------------------------------------------------------
    def restore_settings(self) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1300, 800)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray) and not split.isEmpty():
            self.splitter.restoreState(split)
        header = s.value("table/header")
        hh = self.table.horizontalHeader()
        self._fit_columns_when_shown = True
        if isinstance(header, QByteArray) and not header.isEmpty() and hh.restoreState(header):
            hh.setSectionHidden(TITLE_COLUMN, False)
            self._fit_columns_when_shown = False
        self.act_show_sidebar.setChecked(not self.sidebar.isHidden() and bool(s.value("window/sidebar", True, bool)))
        self.act_show_detail.setChecked(bool(s.value("window/detail", True, bool)))

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        s.setValue("window/sidebar", self.act_show_sidebar.isChecked())
        s.setValue("window/detail", self.act_show_detail.isChecked())
        s.sync()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_columns_when_shown:
            self._fit_columns_when_shown = False
            QTimer.singleShot(0, self.table.fit_columns)  # once the splitter has laid out

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.importer.running:
            self.importer.cancel()
        self.runner.wait()
        self._keep_recent_backup()
        super().closeEvent(event)

    def _keep_recent_backup(self) -> None:
        """A copy of a sound, writable library at most once a day, so Tools > Verify Library File
        has a recent backup to recover from (the upgrade backups alone are often none)."""
        from bibliofile.storage.health import rolling_backup

        path = self.library.path
        if path is not None and self.library.refuse_writes_why() is None:
            rolling_backup(path)

    # ---- searching and scope ------------------------------------------------------------------
    def set_query(self, text: str) -> None:
        self.model.set_query(text)

    def _go_to_results(self) -> None:
        """Down or Enter in the search field: the focus goes to the table, on the first
        reference found unless one is already selected."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.selectionModel().hasSelection() and self.model.rowCount() > 0:
            first = self.model.id_at(0)
            if first:
                self.table.select_ids([first], first)

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def _scope_chosen(self, scope: Scope) -> None:
        self.model.set_scope(scope)
        self._update_actions()

    def set_scope(self, scope: Scope) -> None:
        """Choose a sidebar entry (and so the table's scope)."""
        self.sidebar.set_scope(scope)

    def show_in_library(self, ids: list[int]) -> None:
        """Clear the search, go to My Library and select these ids (after an import)."""
        self.search_field.set_text_silently("")
        self.sidebar.set_scope(LIBRARY, notify=False)
        self._pending_selection = (ids, ids[0] if ids else None)
        self.model.configure(query="", scope=LIBRARY)
        self._update_actions()

    def _show_hint(self, hint: str) -> None:
        self._last_hint = hint
        if hint:
            self.statusBar().showMessage(hint)
        else:
            self.statusBar().clearMessage()

    def _show_counts(self, shown: int, total: int) -> None:
        where = " in the trash" if self.model.scope.trash else ""
        self.count_label.setText(f"{shown:,} of {plural(total, 'reference')}{where}")

    def reload(self, select: Sequence[int] | None = None) -> None:
        """After a write: re-run the search and keep the selection by id (or select ``select``)."""
        if select is not None:
            self._pending_selection = (list(select), select[0] if select else None)
        self.model.refresh()

    def _before_reset(self) -> None:
        """The rows are about to change: keep the selection, to bring it back by id.

        Kept now, not when the search was asked for: a search can wait behind other work
        while the user moves on, and bringing back the older selection made the next key
        (a triage key, Delete) act on a reference the user had already left."""
        self._in_reset = True
        if self._kept_selection is None:
            self._kept_selection = self._selection_now()

    def _after_reset(self) -> None:
        self._in_reset = False

    def _selection_moved(self, _ids: list[int]) -> None:
        # The user chose rows while a search was being applied (a broad search shows its first
        # rows before the rest): their choice is the one to keep.
        if self._kept_selection is not None and not self._in_reset and not self._restoring:
            self._kept_selection = self._selection_now()

    def _selection_now(self) -> tuple[list[int], int | None]:
        return self.table.selected_ids(), self.table.current_id()

    def _search_applied(self) -> None:
        wanted = self._pending_selection or self._kept_selection
        self._pending_selection = self._kept_selection = None
        if wanted is not None:  # no reset (rows swapped in place): the selection is still there
            self._restoring = True
            try:
                self.table.select_ids(*wanted)
            finally:
                self._restoring = False
        if self._edit_after_select:
            self._edit_after_select = False
            # Back from the type dialog: without this the window can be left inactive (seen
            # under X without a window manager), and Tab then does not leave the title.
            self.activateWindow()
            self._edit_current()
        self._update_actions()

    def _references_changed(self, ids: list[int]) -> None:
        self.reload()

    def _selection_changed(self, ids: list[int]) -> None:
        show = getattr(self.detail, "show_references", None)
        if show is not None:
            show(ids)
        self._update_actions()

    def _update_actions(self) -> None:
        has_sel = bool(self.table.selectionModel().hasSelection())
        in_trash = self.model.scope.trash
        self.act_trash.setEnabled(has_sel and not in_trash)
        self.act_restore.setEnabled(has_sel and in_trash)
        self.act_empty_trash.setEnabled(in_trash and self.model.rowCount() > 0)
        self.act_remove_from_collection.setEnabled(has_sel and self.model.scope.collection_id is not None)

    # ---- writes --------------------------------------------------------------------------------
    def run_write(
        self,
        fn: Callable[[UnitOfWork], Any],
        on_done: Callable[[Any], None] | None = None,
        select: Sequence[int] | None = None,
    ) -> None:
        """One user action as one unit of work on the writer thread, then refresh the table."""
        library = self.library

        def work(_ctx: Any) -> Any:
            with library.write() as uow:
                return fn(uow)

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            self.reload(select)

        self.runner.write(work, done, self.show_error)

    def show_error(self, exc: BaseException) -> None:
        messages.show_error(self, exc)

    def check_library_file(self) -> None:
        """Tools > Verify Library File: SQLite's integrity check in the background, then recovery."""
        from bibliofile.gui.check_library_dialog import CheckLibraryFileDialog

        self.check_file_dialog = CheckLibraryFileDialog(self)
        self.check_file_dialog.open()

    def trash_selected(self) -> None:
        ids = self.table.selected_ids()
        if not ids or self.model.scope.trash:
            return
        text = f"Move {plural(len(ids), 'reference')} to Trash"
        self.undo_stack.push(
            _WriteCommand(self, text, lambda u: u.trash(ids), lambda u: u.restore(ids),
                          select_after_undo=ids, select_after_redo=self._neighbour(ids))
        )

    def restore_selected(self) -> None:
        ids = self.table.selected_ids()
        if not ids or not self.model.scope.trash:
            return
        text = f"Restore {plural(len(ids), 'reference')}"
        self.undo_stack.push(
            _WriteCommand(self, text, lambda u: u.restore(ids), lambda u: u.trash(ids),
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
        n = self.library.count(TRASH)
        if not n:
            return
        if messages.ask(
            self,
            "Empty Trash",
            f"Delete {plural(n, 'reference')} in the trash for good? This cannot be undone.",
            yes="Empty Trash",
        ):
            self.empty_trash()

    def empty_trash(self) -> None:
        library = self.library

        def purge(uow: UnitOfWork) -> None:
            uow.purge(library.search("", scope=TRASH))

        # Purged references cannot come back, so older undo steps would act on nothing.
        self.run_write(purge, lambda _r: self.undo_stack.clear())

    def ask_new_reference(self) -> None:
        labels = [t.label for t in ITEM_TYPES]
        label, ok = QInputDialog.getItem(self, "New Reference", "Type of reference:", labels, 0, False)
        if ok:
            self.new_reference(ITEM_TYPES[labels.index(label)].csl)

    def new_reference(self, csl_type: str) -> None:
        """Add an empty reference of this type (to the current collection too) and select it."""
        if self.model.scope.trash or self.model.query:
            # The new, empty reference would be hidden: show the library without a search.
            self.search_field.set_text_silently("")
            self.sidebar.set_scope(LIBRARY, notify=False)
            self.model.configure(query="", scope=LIBRARY)
        cid = self.model.scope.collection_id
        window = self

        class _New(QUndoCommand):
            rid: int | None = None

            def redo(self) -> None:
                if self.rid is None:
                    def add(u: UnitOfWork) -> int:
                        [rid] = u.add_items([Reference(item_type=csl_type)])
                        if cid is not None:
                            u.add_to_collection(cid, [rid])
                        return rid

                    def added(rid: int) -> None:
                        self.rid = rid
                        window._pending_selection = ([rid], rid)
                        window._edit_after_select = True  # as in Zotero: type the title next

                    window.run_write(add, added)
                else:
                    rid = self.rid
                    window.run_write(lambda u: u.restore([rid]), select=[rid])

            def undo(self) -> None:
                if self.rid is not None:
                    rid = self.rid
                    window.run_write(lambda u: u.trash([rid]))

        self.undo_stack.push(_New("New Reference"))

    # ---- collections ------------------------------------------------------------------------
    def reload_collections(self) -> None:
        self.sidebar.set_collections(self.library.collections())

    def create_collection(self, name: str, parent_id: int | None = None) -> None:
        state: dict[str, Any] = {"id": None, "snapshot": None}

        def do(u: UnitOfWork) -> None:
            if state["snapshot"] is None:
                state["id"] = u.add_collection(name, parent_id)
            else:  # redo after an undo: the same collection, with what it held by then
                u.restore_collections(state["snapshot"])

        def undo(u: UnitOfWork) -> None:
            state["snapshot"] = u.delete_collection(state["id"])

        self.undo_stack.push(_WriteCommand(self, f"New Collection “{name}”", do, undo, then=self.reload_collections))

    def rename_collection(self, cid: int, name: str) -> None:
        old = self.sidebar.collection_name(cid)
        self.undo_stack.push(
            _WriteCommand(
                self, f"Rename Collection “{old}”",
                lambda u: u.rename_collection(cid, name), lambda u: u.rename_collection(cid, old),
                then=self.reload_collections,
            )
        )

    def delete_collection(self, cid: int) -> None:
        """Delete a collection and its sub-collections; undo puts them back, items included."""
        name = self.sidebar.collection_name(cid)
        state: dict[str, Any] = {}

        def do(u: UnitOfWork) -> None:
            state["snapshot"] = u.delete_collection(cid)

        self.undo_stack.push(
            _WriteCommand(
                self, f"Delete Collection “{name}”", do, lambda u: u.restore_collections(state["snapshot"]),
                then=self.reload_collections,
            )
        )

    def add_to_collection(self, cid: int, ids: list[int]) -> None:
        name = self.sidebar.collection_name(cid)
        state: dict[str, list[int]] = {"added": []}

        def do(u: UnitOfWork) -> None:
            state["added"] = u.add_to_collection(cid, ids)

        def done() -> None:
            self.statusBar().showMessage(f"Added {plural(len(ids), 'reference')} to {name}", 4000)

        self.undo_stack.push(
            _WriteCommand(
                self, f"Add {plural(len(ids), 'reference')} to “{name}”",
                do, lambda u: u.remove_from_collection(cid, state["added"]),
                then=self.reload_collections, then_redo=done,
            )
        )

    def remove_selected_from_collection(self) -> None:
        cid = self.model.scope.collection_id
        ids = self.table.selected_ids()
        if cid is None or not ids:
            return
        name = self.sidebar.collection_name(cid)
        state: dict[str, list[tuple[int, int]]] = {"removed": []}

        def do(u: UnitOfWork) -> None:
            state["removed"] = u.remove_from_collection(cid, ids)

        self.undo_stack.push(
            _WriteCommand(
                self, f"Remove {plural(len(ids), 'reference')} from “{name}”",
                do, lambda u: u.put_back_in_collection(cid, state["removed"]),
                then=self.reload_collections,
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

    # ---- context menu ---------------------------------------------------------------------------
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

    # ---- import ---------------------------------------------------------------------------------
    def ask_import(self) -> None:
        start = str(self.settings.value("paths/import", str(Path.home())))
        files, _f = QFileDialog.getOpenFileNames(self, "Import", start, BIB_FILTER)
        if files:
            self.settings.setValue("paths/import", str(Path(files[0]).parent))
            self.import_files(files)

    def import_files(self, paths: Sequence[str | Path]) -> None:
        if self.importer.running:
            self.statusBar().showMessage("An import is already running.", 4000)
            return
        self.statusBar().showMessage(f"Importing {', '.join(Path(p).name for p in paths)}…")
        self.importer.start(paths)

    def _import_finished(self, report: Any) -> None:
        self.statusBar().showMessage(f"Imported {plural(report.imported, 'reference')}.", 6000)
        if report.ids:
            self.show_in_library(list(report.ids))
        self.summary_dialog = ImportSummaryDialog(report, self)
        self.summary_dialog.open()

    def _import_cancelled(self) -> None:
        self.statusBar().showMessage("Import cancelled; the library was left as it was.", 8000)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_files(event) or self._dropped_text(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if self._dropped_files(event) or self._dropped_text(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event)
        text = "" if files else self._dropped_text(event)
        if files or text:
            event.acceptProposedAction()
            # gui/paste_import.py sets on_drop (preview first); without it files import directly.
            on_drop = getattr(self, "on_drop", None)
            if on_drop is not None:
                on_drop(files, text)
            elif files:
                self.import_files(files)

    @staticmethod
    def _dropped_text(event: Any) -> str:
        """Text dragged in from another application (our own drags carry citations, not input)."""
        mime = event.mimeData()
        if event.source() is not None or mime.hasUrls() or not mime.hasText():
            return ""
        return str(mime.text()) if mime.text().strip() else ""

    @staticmethod
    def _dropped_files(event: Any) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [
            u.toLocalFile() for u in mime.urls()
            if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in BIB_SUFFIXES
        ]

    # ---- export ---------------------------------------------------------------------------------
    def _view_label(self) -> str:
        scope = self.model.scope
        if scope.collection_id is not None:
            return f"Collection “{self.sidebar.collection_name(scope.collection_id)}”"
        if scope.unfiled:
            return "Unfiled references"
        if scope.trash:
            return "References in the trash"
        return "Shown in the table" if self.model.query else "My Library"

    def ask_export(self) -> None:
        from bibliofile.gui.export_dialog import EXPORT_FILTER, ExportDialog

        selected = len(self.table.selected_ids())
        dlg = ExportDialog(selected, self._view_label(), self.model.rowCount(), self.library.count(), self)
        if dlg.exec() != ExportDialog.DialogCode.Accepted:
            return
        choice = dlg.choice()
        start = str(self.settings.value("paths/export", str(Path.home())))
        path, _f = QFileDialog.getSaveFileName(self, "Export", str(Path(start) / "references.bib"), EXPORT_FILTER)
        if path:
            self.settings.setValue("paths/export", str(Path(path).parent))
            self.export_to(path, choice.what, choice.dialect)

    def export_to(self, path: str | Path, what: str = "library", dialect: str = "bibtex") -> None:
        """Export the selection, the current view, or the whole library to ``path``."""
        ids: list[int] | None
        if what == "selection":
            ids = self.table.selected_ids()
        elif what == "view":
            ids = list(self.model.ids)
        else:
            ids = None
        library = self.library

        def work(_ctx: Any) -> int:
            from bibliofile.services.exporting import export_to_file

            # (the file's own encoding for a whole .bib; ExportError is a plain message)
            export_to_file(library, path, dialect=dialect, ids=ids)  # type: ignore[arg-type]
            return len(ids) if ids is not None else library.count()

        def done(n: int) -> None:
            self.statusBar().showMessage(f"Exported {plural(n, 'reference')} to {path}", 8000)

        self.runner.read(work, done, self.show_error)

    # ---- about ----------------------------------------------------------------------------------
    def show_about(self) -> None:
        from bibliofile.gui.about_dialog import AboutDialog

        AboutDialog(self.library.display_name, self).exec()
