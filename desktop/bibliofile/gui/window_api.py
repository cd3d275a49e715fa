"""What the feature controllers (citations, curation, paste import, badges) may use of the main
window: the declared Protocol ``WindowApi``, and ``WindowMixin``, the typed base of the modules
the window itself is split into.

Why a Protocol: the features are typed against these few parts (the selection and the current
scope through ``table``/``model``, status messages, menus and a way to add actions, the write
path) instead of the MainWindow class, so they cannot reach its insides or set attributes on it,
and main_window.py imports them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction, QUndoStack
    from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QWidget

    from bibliofile.gui.detail_pane import DetailPane
    from bibliofile.gui.import_dialog import ImportController
    from bibliofile.gui.library_table import LibraryTableModel, LibraryTableView
    from bibliofile.gui.search_field import SearchField
    from bibliofile.gui.sidebar import Sidebar
    from bibliofile.gui.task_runner import TaskRunner
    from bibliofile.storage.library import Library, UnitOfWork

# Features add entries to the table's context menu: each hook is called with (menu, ids).
TableMenuHook = Callable[["QMenu", list[int]], None]


class Writer(Protocol):
    """What a ``WriteCommand`` needs of the window: one unit of work on the writer thread,
    ``on_done`` with its result, then the table searched again (selecting ``select``)."""

    def run_write(
        self,
        fn: Callable[[UnitOfWork], Any],
        on_done: Callable[[Any], None] | None = None,
        select: Sequence[int] | None = None,
    ) -> None: ...


class WindowApi(Writer, Protocol):
    """The main window as its features see it."""

    library: Library
    runner: TaskRunner
    settings: QSettings
    undo_stack: QUndoStack
    table: LibraryTableView  # the selection: table.selected_ids(), selectionIdsChanged
    model: LibraryTableModel  # the current scope and search: model.scope, model.query, model.ids
    sidebar: Sidebar
    search_field: SearchField
    count_label: QLabel
    importer: ImportController
    detail: DetailPane
    menu_file: QMenu
    file_quit_separator: QAction  # File's entries added later go before it (and Quit)
    menu_edit: QMenu
    menu_view: QMenu
    menu_tools: QMenu
    menu_help: QMenu
    act_new: QAction
    table_menu_hooks: list[TableMenuHook]

    def as_parent(self) -> QWidget:
        """The window, as the parent of a feature's dialogs."""
        ...

    def add_window_action(self, action: QAction) -> None:
        """An action whose shortcut works anywhere in the window."""
        ...

    def show_status(self, text: str, ms: int = 0) -> None: ...

    def view_label(self) -> str:
        """The table's current scope in words ("Collection “Thesis”", "My Library")."""
        ...

    def reload(self, select: Sequence[int] | None = None) -> None: ...

    def show_in_library(self, ids: list[int]) -> None: ...

    def set_query(self, text: str) -> None: ...

    def import_files(self, paths: Sequence[str | Path]) -> None: ...

    def show_error(self, exc: BaseException) -> None: ...


if TYPE_CHECKING:

    class WindowMixin(QMainWindow, WindowApi):
        """For the type checker: the window's parts (reference_actions.py, ...) see the whole
        window. At run time a plain object, so the mixins add only their own methods."""

        _pending_selection: tuple[list[int], int | None] | None
        _edit_after_select: bool
        summary_dialog: Any

        def _update_actions(self) -> None: ...

else:
    WindowMixin = object
