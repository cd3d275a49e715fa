"""A searchable list of every CSL style, the common ones on top.

About 10,800 styles (independent and dependent, plus the user's own) are too many to scroll, so
the list filters as you type, ranked on each style's own metadata by ``StyleCatalogue.search``
(citation/style_search.py): the exact id or alias, the featured styles, title prefixes, word
prefixes in the title, then subject fields ("psychology") and citation formats ("numeric"), then
substrings; a style that matches none is not listed. The featured styles (APA 7, Harvard,
Vancouver, Chicago, MLA, IEEE, Nature, AMA) stay on top, bold, in a fixed order, because most
people want one of them. The search keys are made once per catalogue, ~10 ms per keystroke.
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit, QListView, QVBoxLayout, QWidget

from bibliofile.citation.styles import FEATURED, StyleCatalogue, StyleInfo, catalogue


@dataclass(frozen=True, slots=True)
class _Row:
    info: StyleInfo
    featured: bool


class StyleListModel(QAbstractListModel):
    """Styles matching the filter, best first (featured first, then by title, with no filter)."""

    def __init__(self, styles: StyleCatalogue, parent: Any = None) -> None:
        super().__init__(parent)
        featured = set(FEATURED)
        self._styles = styles
        self._all = [_Row(s, s.id in featured) for s in styles.all()]
        self._by_id = {r.info.id: r for r in self._all}
        self._rows = list(self._all)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        if text.strip():
            found = (self._by_id.get(s.id) for s in self._styles.search(text))
            self._rows = [r for r in found if r is not None]
        else:
            self._rows = list(self._all)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            st = row.info.short_title
            # A short title helps when it is an abbreviation ("Acc. Chem. Res."), not a subtitle.
            short = f" ({st})" if st and len(st) <= 24 and st not in row.info.title else ""
            return f"{row.info.title}{short}"
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [row.info.id]
            if row.info.fields:
                parts.append(", ".join(row.info.fields))
            if row.info.parent:
                parts.append(f"formats like {row.info.parent}")
            return f"<p>{html.escape(' — '.join(parts))}</p>"  # a user style's text is never markup
        if role == Qt.ItemDataRole.FontRole and row.featured:
            return self._bold
        if role == Qt.ItemDataRole.UserRole:
            return row.info.id
        return None

    def row_of(self, style_id: str) -> int | None:
        for i, r in enumerate(self._rows):
            if r.info.id == style_id:
                return i
        return None

    def style_at(self, row: int) -> StyleInfo | None:
        return self._rows[row].info if 0 <= row < len(self._rows) else None

    def info(self, style_id: str) -> StyleInfo | None:
        row = self._by_id.get(style_id)
        return row.info if row is not None else None


class StylePicker(QWidget):
    """Search field over a list of styles. Signals: styleChanged(str) with the chosen style's id."""

    styleChanged = Signal(str)

    def __init__(self, styles: StyleCatalogue | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.styles = styles or catalogue()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search styles: title, short name or field (e.g. psychology)")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("styleSearch")
        self.model = StyleListModel(self.styles, self)
        self.view = QListView(self)
        self.view.setObjectName("styleList")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.view)
        self._current = ""
        self.search.textChanged.connect(self._filter)
        self.view.selectionModel().currentChanged.connect(self._current_changed)

    def reload(self) -> None:
        """List the catalogue again (after a user style was added), keeping the filter."""
        self.model = StyleListModel(self.styles, self)
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.model.set_filter(self.search.text())
        self._select_current()

    def style_id(self) -> str:
        return self._current

    def style_title(self) -> str:
        info = self.model.info(self._current)
        return info.title if info is not None else self._current

    def set_style(self, style_id: str) -> None:
        """Choose a style by id (or alias); one not in the list is kept and shown when it is."""
        with contextlib.suppress(LookupError):
            style_id = self.styles.get(style_id).id
        if style_id == self._current:
            return
        self._current = style_id
        self._select_current()
        self.styleChanged.emit(style_id)

    def _select_current(self) -> None:
        row = self.model.row_of(self._current)
        sel = self.view.selectionModel()
        sel.blockSignals(True)
        if row is None:
            sel.clearSelection()
            sel.setCurrentIndex(QModelIndex(), sel.SelectionFlag.NoUpdate)
        else:
            index = self.model.index(row, 0)
            sel.setCurrentIndex(index, sel.SelectionFlag.ClearAndSelect)
            self.view.scrollTo(index)
        sel.blockSignals(False)

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._select_current()
        if self.model.row_of(self._current) is None and self.model.rowCount() == 1:
            self.set_style(self.model.style_at(0).id)  # type: ignore[union-attr]

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        info = self.model.style_at(current.row()) if current.isValid() else None
        if info is not None and info.id != self._current:
            self._current = info.id
            self.styleChanged.emit(info.id)
