"""The sidebar: My Library, Unfiled, Trash, and the collections tree.

Choosing an entry sets the table's scope. References dragged from the table (as ids, see
``library_table.IDS_MIME``) and dropped on a collection are added to it. The sidebar only asks:
creating, renaming and deleting are done by the main window, which owns the writes.

Signals:
    scopeChanged(object): a ``Scope`` was chosen.
    referencesDropped(int, list): ids dropped on the collection with that id.
    newCollectionRequested(object): parent collection id, or None for a top-level one.
    renameCollectionRequested(int), deleteCollectionRequested(int)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMenu,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.library_table import IDS_MIME, ids_from_mime
from bibliofile.storage.scope import LIBRARY, TRASH, Scope

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class _Tree(QTreeWidget):
    """A tree that accepts reference ids dropped on collections; F2 renames the current
    collection and Delete deletes it (after asking), as the context menu does."""

    dropped = Signal(int, list)
    tagDropped = Signal(int, list)  # ids dropped on a tag (items of kind "tag", curation_actions)
    renameKey = Signal(int)
    deleteKey = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self.setUniformRowHeights(True)
        self.setRootIsDecorated(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if item is not None and item.data(0, KIND_ROLE) == "collection" and mods == Qt.KeyboardModifier.NoModifier:
            cid = int(item.data(0, ID_ROLE))
            if event.key() == Qt.Key.Key_F2:
                self.renameKey.emit(cid)
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.deleteKey.emit(cid)
                return
        super().keyPressEvent(event)

    def _target(self, event: Any) -> QTreeWidgetItem | None:
        if not event.mimeData().hasFormat(IDS_MIME):
            return None
        item = self.itemAt(event.position().toPoint())
        if item is None or item.data(0, KIND_ROLE) not in ("collection", "tag"):
            return None
        return item

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(IDS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._target(event) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        item = self._target(event)
        if item is None:
            event.ignore()
            return
        ids = ids_from_mime(event.mimeData())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if ids and item.data(0, KIND_ROLE) == "tag":
            self.tagDropped.emit(int(item.data(0, ID_ROLE)), ids)
        elif ids:
            self.dropped.emit(int(item.data(0, ID_ROLE)), ids)


class Sidebar(QWidget):
    scopeChanged = Signal(object)
    referencesDropped = Signal(int, list)
    newCollectionRequested = Signal(object)
    renameCollectionRequested = Signal(int)
    deleteCollectionRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.tree = _Tree(self)
        self.tree.dropped.connect(self.referencesDropped)
        self.tree.renameKey.connect(self.renameCollectionRequested)
        self.tree.deleteKey.connect(self.deleteCollectionRequested)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.add_button = QToolButton(self)
        self.add_button.setText("+")
        self.add_button.setToolTip("New collection")
        self.add_button.setAutoRaise(True)
        self.add_button.clicked.connect(lambda: self.newCollectionRequested.emit(self.current_collection_id()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 2)
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)

        style = self.style()
        self.library_item = self._fixed("My Library", "library", style.standardIcon(QStyle.StandardPixmap.SP_DirHomeIcon))
        self.unfiled_item = self._fixed("Unfiled", "unfiled", style.standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        self.trash_item = self._fixed("Trash", "trash", style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
        self.collections_root = self._fixed("Collections", "collections", style.standardIcon(QStyle.StandardPixmap.SP_DirIcon))
        self.collections_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self._folder_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._by_id: dict[int, QTreeWidgetItem] = {}
        self._emitted: Scope | None = None
        # Fills the context menu for entries a feature added (returns True when it did).
        self.extra_menu: Any = None
        self.tree.setCurrentItem(self.library_item)

    def sizeHint(self) -> QSize:
        return QSize(200, 400)

    def _fixed(self, text: str, kind: str, icon: Any) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [text])
        item.setData(0, KIND_ROLE, kind)
        item.setIcon(0, icon)
        return item

    # ---- collections --------------------------------------------------------------------
    def set_collections(self, rows: list[tuple[int, int | None, str]]) -> None:
        """Rebuild the collections tree from (id, parent_id, name), keeping the current entry."""
        current = self.current_scope()
        expanded = {cid for cid, item in self._by_id.items() if item.isExpanded()}
        blocker = self.tree.blockSignals(True)
        try:
            self.collections_root.takeChildren()
            self._by_id = {}
            pending = list(rows)
            while pending:
                rest: list[tuple[int, int | None, str]] = []
                for cid, parent_id, name in pending:
                    parent = self.collections_root if parent_id is None else self._by_id.get(parent_id)
                    if parent is None:
                        if parent_id in {r[0] for r in pending}:
                            rest.append((cid, parent_id, name))
                            continue
                        parent = self.collections_root  # orphan: show at the top level
                    item = QTreeWidgetItem(parent, [name])  # item text is always plain
                    item.setData(0, KIND_ROLE, "collection")
                    item.setData(0, ID_ROLE, cid)
                    item.setIcon(0, self._folder_icon)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled)
                    self._by_id[cid] = item
                if len(rest) == len(pending):
                    break
                pending = rest
            self.collections_root.setExpanded(True)
            for cid in expanded:
                if cid in self._by_id:
                    self._by_id[cid].setExpanded(True)
            if current.collection_id is not None and current.collection_id not in self._by_id:
                current = LIBRARY
            self._select_scope(current)
        finally:
            self.tree.blockSignals(blocker)
        self.collections_root.setHidden(not self._by_id)
        self._current_changed()

    def collection_item(self, cid: int) -> QTreeWidgetItem | None:
        return self._by_id.get(cid)

    def collection_name(self, cid: int) -> str:
        item = self._by_id.get(cid)
        return item.text(0) if item else ""

    # ---- scope --------------------------------------------------------------------------
    def current_scope(self) -> Scope:
        item = self.tree.currentItem()
        kind = item.data(0, KIND_ROLE) if item else "library"
        if kind == "trash":
            return TRASH
        if kind == "unfiled":
            return Scope(unfiled=True)
        if kind == "collection" and item is not None:
            return Scope(collection_id=int(item.data(0, ID_ROLE)))
        return LIBRARY

    def current_collection_id(self) -> int | None:
        return self.current_scope().collection_id

    def set_scope(self, scope: Scope, notify: bool = True) -> None:
        """Select the entry for ``scope``; with ``notify=False`` the caller updates the table."""
        if notify:
            self._select_scope(scope)
            return
        blocked = self.tree.blockSignals(True)
        self._select_scope(scope)
        self.tree.blockSignals(blocked)
        self._emitted = self.current_scope()

    def _select_scope(self, scope: Scope) -> None:
        if scope.trash:
            item = self.trash_item
        elif scope.unfiled:
            item = self.unfiled_item
        elif scope.collection_id is not None and scope.collection_id in self._by_id:
            item = self._by_id[scope.collection_id]
        else:
            item = self.library_item
        self.tree.setCurrentItem(item)

    def _current_changed(self, *_args: Any) -> None:
        item = self.tree.currentItem()
        if item is self.collections_root:
            return
        scope = self.current_scope()
        if scope != self._emitted:
            self._emitted = scope
            self.scopeChanged.emit(scope)

    def _context_menu(self, pos: Any) -> None:
        item = self.tree.itemAt(pos)
        menu = QMenu(self)
        if self.extra_menu is not None and self.extra_menu(menu, item):  # tags, saved searches
            menu.exec(self.tree.viewport().mapToGlobal(pos))
            return
        kind = item.data(0, KIND_ROLE) if item else None
        if kind == "collection" and item is not None:
            cid = int(item.data(0, ID_ROLE))
            menu.addAction("New Sub-collection…", lambda: self.newCollectionRequested.emit(cid))
            menu.addAction("Rename…", lambda: self.renameCollectionRequested.emit(cid))
            menu.addSeparator()
            menu.addAction("Delete Collection…", lambda: self.deleteCollectionRequested.emit(cid))
        else:
            menu.addAction("New Collection…", lambda: self.newCollectionRequested.emit(None))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
