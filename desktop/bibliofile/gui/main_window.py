"""The main window: sidebar | table | detail, the search field, and the undo stack.

The window owns the writes: every user action is one ``Library.write()`` run on the task
runner's single writer thread (``run_write``), and afterwards the table re-runs its search and
keeps the selection by id. Every undoable write is a ``gui.undo.WriteCommand`` on the shared
``QUndoStack``, the same stack the detail pane pushes its edits to.
"""

from __future__ import annotations

import itertools
import linecache
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow, QMenuBar, QStatusBar, QWidget

from bibliofile.gui import appearance, messages
from bibliofile.gui.citation_actions import CitationController
from bibliofile.gui.citation_picker_actions import PickerActions
from bibliofile.gui.collection_actions import CollectionActions
from bibliofile.gui.detail_pane import DetailPane
from bibliofile.gui.import_dialog import ImportController, ImportSummaryDialog, plural
from bibliofile.gui.library_table import LibraryTableModel, LibraryTableView
from bibliofile.gui.main_splitter import MainSplitter
from bibliofile.gui.online_actions import OnlineActions
from bibliofile.gui.paste_import import PasteImporter
from bibliofile.gui.reference_actions import ReferenceActions
from bibliofile.gui.search_field import SearchField
from bibliofile.gui.sidebar import Sidebar
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.gui.window_api import TableMenuHook
from bibliofile.gui.window_import import WindowImport
from bibliofile.gui.window_layout_settings import WindowLayoutSettings
from bibliofile.gui.window_menus import WindowMenus
from bibliofile.startup import resume_collector
from bibliofile.storage.scope import LIBRARY, Scope

if TYPE_CHECKING:
    from bibliofile.gui.curation_actions import Curation
    from bibliofile.gui.integrity_badges import BadgeDelegate, IntegrityBadges
    from bibliofile.gui.sync_action import SyncAction
    from bibliofile.storage.library import Library, UnitOfWork

log = logging.getLogger(__name__)


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


class MainWindow(WindowMenus, ReferenceActions, CollectionActions, WindowImport, WindowLayoutSettings, OnlineActions, QMainWindow):
    """Bibliofile's main window over one open library (the ``WindowApi`` its features use).

    Its parts live in modules named for them: window_menus.py (actions, menus, context menu),
    reference_actions.py (new, trash, restore), collection_actions.py, window_import.py (File >
    Import, drops), window_layout_settings.py (geometry, splitter, columns). Features are
    installed in ``_install_features`` and kept as the attributes declared here.
    """

    curation: Curation | None = None  # installed once the first rows are painted
    integrity_badges: IntegrityBadges | None = None
    integrity_delegate: BadgeDelegate | None = None
    sync_action: SyncAction | None = None  # installed with the deferred features, or at File's first opening

    def __init__(
        self,
        library: Library,
        runner: TaskRunner | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The menu bar and status bar are made here, in Python, not on first use by Qt: in the
        # real app the Python wrappers of objects Qt had made (the menu bar with its menus, the
        # undo stack's actions) went stale while the objects lived on, and View > Columns raised
        # "Internal C++ object already deleted"; objects made in Python kept theirs (issue 17).
        self.setMenuBar(QMenuBar(self))
        self.setStatusBar(QStatusBar(self))
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
        self.table_menu_hooks: list[TableMenuHook] = []
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
        self.detail = DetailPane(library, self.undo_stack, self, runner=self.runner)
        self.detail.setObjectName("detailPane")
        self.detail.referencesChanged.connect(self._references_changed)
        self.detail.statusMessage.connect(lambda text: self.show_status(text, 8000))
        self.splitter = MainSplitter(self)  # the table gets the width (gui/main_splitter.py)
        self.splitter.add_panes(self.sidebar, self.table, self.detail)
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
        self.search_field.focusEntered.connect(self.model.want_orders)  # not at launch (issue 22)
        self.model.queryHintChanged.connect(self._show_hint)
        self.model.countsChanged.connect(self._show_counts)
        self.model.rowsUnreadable.connect(self.show_status)
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
            self.show_status(
                f"This library is damaged ({library.damage}); changes are refused. "
                "Tools > Verify Library File can recover it from a backup."
            )

    # ---- construction -------------------------------------------------------------------------
    def _install_features(self) -> None:
        """Each feature area adds its actions, menus and wiring from its own module, given the
        window as a ``WindowApi``; the window keeps what each returns. The curation area waits
        for the first rows painted (~45-60 ms of sidebar lists and widgets the first paint need
        not wait for); with tests' synchronous runner it comes at once."""
        appearance.install(self)
        self.citations = CitationController(self)
        self.picker_actions = PickerActions(self)  # Edit > Insert Citation…, the CAYW endpoint
        self.paste_importer = PasteImporter(self)
        self._install_online()  # gui/online_actions.py: widgets only; lookups start later
        self.act_paste_references = self.paste_importer.action
        if self.runner.synchronous:
            self._install_deferred()
        else:
            self._first_paint_watch = _FirstRowsPainted(self.table, self._install_deferred)
            QTimer.singleShot(2000, self._install_deferred)  # whatever happens to the first search

    def _install_deferred(self) -> None:
        if self.curation is not None:
            return
        resume_collector()  # start-up is over: freeze what it built, collect again (startup.py)
        # PySide6's import hook (shibokensupport.feature) reads the source of every module
        # imported after it into linecache, ~20 MB of lines at 100k (issue 22: < 150 MB); a
        # traceback reads the lines it needs again.
        linecache.clearcache()
        from bibliofile.gui import curation_actions, integrity_badges

        self.curation = curation_actions.install(self)
        self.integrity_delegate = integrity_badges.install(self)
        self.integrity_badges = self.integrity_delegate.badges
        self._start_online()  # the lookup queue, once the window is idle
        from bibliofile.gui import fulltext_indexer

        self.fulltext = fulltext_indexer.install(self)  # attached files' text, once idle (issue 19)
        self._install_sync_when_needed()  # File > Sync with Shared Library (issue 21)

    def _install_sync_when_needed(self) -> None:
        """File > Sync and the automatic sync (issue 21) now for a library that syncs; for one
        that syncs with nothing (its automatic sync would do nothing) when the File menu first
        opens: their modules (the sync services, SQLAlchemy's PostgreSQL dialect) were 60-75 ms
        of CPU after the first paint (issue 22)."""
        from bibliofile.services.idle_work import shares
        from bibliofile.storage.errors import LibraryError

        try:
            now = self.runner.synchronous or shares(self.library)
        except LibraryError:
            now = True
        if now:
            self._install_sync()
        else:
            self.menu_file.aboutToShow.connect(self._install_sync)

    def _install_sync(self) -> None:
        if self.sync_action is not None:
            return
        from bibliofile.gui import sync_action

        self.sync_action = sync_action.install(self)

    def _edit_current(self) -> None:
        self.detail.focus_title()

    def _link_tab_order(self) -> None:
        """Tab goes from the search field to the sidebar, the table, then the detail pane's
        fields top to bottom. Qt orders Tab by creation, and the pane makes its fields anew for
        each selection, so they would come last, after the search field."""
        chain: list[QWidget] = [self.search_field, self.sidebar.tree, self.sidebar.add_button, self.table]
        chain.extend(self.detail.tab_chain())
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ---- what the features use (WindowApi) -----------------------------------------------------
    def as_parent(self) -> QWidget:
        return self

    def add_window_action(self, action: QAction) -> None:
        self.addAction(action)

    def show_status(self, text: str, ms: int = 0) -> None:
        self.statusBar().showMessage(text, ms)

    def view_label(self) -> str:
        scope = self.model.scope
        if scope.collection_id is not None:
            return f"Collection “{self.sidebar.collection_name(scope.collection_id)}”"
        if scope.unfiled:
            return "Unfiled references"
        if scope.trash:
            return "References in the trash"
        return "Shown in the table" if self.model.query else "My Library"

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.importer.running:
            self.importer.cancel()
        self._stop_online()
        self.picker_actions.stop_endpoint()
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
        self.detail.show_references(ids)
        self._update_actions()

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

    # ---- about ----------------------------------------------------------------------------------
    def show_about(self) -> None:
        from bibliofile.gui.about_dialog import AboutDialog

        AboutDialog(self.library.display_name, self).exec()
