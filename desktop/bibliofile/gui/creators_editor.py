"""The creators editor: an ordered list of names with a role, a person's name parts or one
institutional name, and buttons to add, remove and reorder.

It keeps a working copy of the list and reports each finished change (a name field left, a role
picked, a row moved or removed) as the whole new list, which the detail pane stores as one undo
step. A name just added stays local until it has some text, so "add" + typing is one step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.model.creators import Creator, CreatorRole

MULTIPLE = "(various)"  # the selected references differ here (issue 17's wording)


def is_blank(c: Creator) -> bool:
    return not c.others and not any((c.family, c.given, c.particle, c.suffix, c.literal))


def display_name(c: Creator) -> str:
    """A list row: "van der Berg, Jr, Hans" or the institution, then the role if not author."""
    name = c.inverted_name if not is_blank(c) else "(new name)"
    return name if c.role is CreatorRole.AUTHOR else f"{name} — {c.role.label}"


class CreatorsEditor(QWidget):
    """Edits an ordered creator list.

    Signals: creatorsEdited(list) — the new list of Creators after one finished change.
    """

    creatorsEdited = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[Creator] = []
        self._committed: list[Creator] = []
        self._form_row = -1
        self._mixed = False
        self._loading = False

        self.list = QListWidget(self)
        self.list.setObjectName("creatorsList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setMinimumWidth(80)
        self.list.setAccessibleName("Creators")
        self.list.currentRowChanged.connect(self._row_changed)

        self.add_button = self._button("+", "Add a name at the end", None, self.add_creator)
        self.remove_button = self._button("−", "Remove the selected name", None, self.remove_current)
        self.up_button = self._button("↑", "Move the selected name up", None, lambda: self.move_current(-1))
        self.down_button = self._button("↓", "Move the selected name down", None, lambda: self.move_current(1))
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.list, 1, Qt.AlignmentFlag.AlignTop)
        top.addLayout(buttons)

        self.role = QComboBox(self)
        self.role.setObjectName("creatorRole")
        self.role.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.role.setMinimumContentsLength(6)
        for r in CreatorRole:
            self.role.addItem(r.label, r.value)
        self.role.activated.connect(lambda _i: self.commit())
        self.institution = QCheckBox("Institution (one name)", self)
        self.institution.setObjectName("creatorInstitution")
        self.institution.setToolTip("A name that is never split, like “World Health Organization”")
        self.institution.clicked.connect(self._institution_clicked)
        self.literal = self._line("creatorName", "World Health Organization")
        self.family = self._line("creatorFamily", "")
        self.given = self._line("creatorGiven", "")
        self.particle = self._line("creatorParticle", "von, van der, de")
        self.suffix = self._line("creatorSuffix", "Jr, III")

        self.form_widget = QWidget(self)
        self.form = QFormLayout(self.form_widget)
        self.form.setContentsMargins(0, 4, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for text, field in (
            ("Role", self.role), ("", self.institution), ("Name", self.literal),
            ("Family", self.family), ("Given", self.given), ("Particle", self.particle),
            ("Suffix", self.suffix),
        ):
            label = QLabel(self.form_widget)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(text)
            label.setBuddy(field)
            self.form.addRow(label, field)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.form_widget)
        self._refresh_list(-1)

    def _button(
        self, text: str, tip: str, icon: QStyle.StandardPixmap | None, slot: Callable[[], None]
    ) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAccessibleName(tip)
        b.setAutoRaise(True)
        if icon is not None:
            b.setIcon(self.style().standardIcon(icon))
        b.clicked.connect(lambda _c=False: slot())
        return b

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        e = QLineEdit(self)
        e.setObjectName(name)
        e.setPlaceholderText(placeholder)
        e.setMinimumWidth(40)
        e.editingFinished.connect(self.commit)
        return e

    # ---- public -------------------------------------------------------------------------------
    def set_creators(self, creators: list[Creator] | None, keep_state: bool = False) -> None:
        """Show a stored list; None means the selected references have different creators.

        With ``keep_state`` (the same references refreshed) an unchanged list keeps the current
        row, a new name not yet typed, and the focus.
        """
        self._mixed = creators is None
        if creators is None:
            self._items, self._committed = [], []
            self._refresh_list(-1)
            return
        if keep_state and creators == self._committed and self._items:
            return
        row = self._form_row if keep_state else 0
        self._items = list(creators)
        self._committed = list(creators)
        self._refresh_list(min(row, len(self._items) - 1) if row >= 0 else (0 if self._items else -1))

    def creators(self) -> list[Creator]:
        return [c for c in self._items if not is_blank(c)]

    def add_creator(self, literal: bool = False) -> None:
        self.commit()
        if self._mixed:
            return
        role = self._items[-1].role if self._items else CreatorRole.AUTHOR
        self._items.append(Creator(role=role))
        self._refresh_list(len(self._items) - 1)
        self.institution.setChecked(literal)
        self._show_parts(literal)
        (self.literal if literal else self.family).setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_current(self) -> None:
        self.commit()
        row = self._form_row
        if not 0 <= row < len(self._items):
            return
        del self._items[row]
        self._refresh_list(min(row, len(self._items) - 1))
        self._emit_if_changed()

    def move_current(self, step: int) -> None:
        self.commit()
        row = self._form_row
        to = row + step
        if not (0 <= row < len(self._items) and 0 <= to < len(self._items)):
            return
        self._items[row], self._items[to] = self._items[to], self._items[row]
        self._refresh_list(to)
        self._emit_if_changed()

    def commit(self) -> None:
        """Take the form's values into the current row; report the list if that changed it."""
        if self._loading or self._mixed:
            return
        row = self._form_row
        if not 0 <= row < len(self._items):
            return
        old = self._items[row]
        new = self._from_form(old)
        if new != old:
            self._items[row] = new
            item = self.list.item(row)
            if item is not None:
                item.setText(display_name(new))
        self._emit_if_changed()

    # ---- internals ----------------------------------------------------------------------------
    def _from_form(self, old: Creator) -> Creator:
        data = self.role.currentData()
        role = CreatorRole(data) if isinstance(data, str) and data else old.role
        if old.others:
            return Creator(role=role, others=True)
        if self.institution.isChecked():
            return Creator(role=role, literal=self.literal.text().strip())
        return Creator(
            role=role,
            family=self.family.text().strip(),
            given=self.given.text().strip(),
            particle=self.particle.text().strip(),
            suffix=self.suffix.text().strip(),
        )

    def _emit_if_changed(self) -> None:
        now = self.creators()
        if now != self._committed:
            self._committed = list(now)
            self.creatorsEdited.emit(list(now))

    def _institution_clicked(self, checked: bool) -> None:
        """Turn a person into one institutional name and back without losing the text."""
        row = self._form_row
        if not 0 <= row < len(self._items):
            return
        old = self._items[row]
        self._loading = True
        try:
            if checked:
                parts = (self.given, self.particle, self.family)
                name = " ".join(t for t in (e.text().strip() for e in parts) if t)
                suffix = self.suffix.text().strip()
                self.literal.setText(f"{name}, {suffix}" if name and suffix else name or old.literal)
            else:
                self.family.setText(old.literal)
                for e in (self.given, self.particle, self.suffix):
                    e.setText("")
        finally:
            self._loading = False
        self._show_parts(checked)
        self.commit()
        (self.literal if checked else self.family).setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_parts(self, literal: bool) -> None:
        self.form.setRowVisible(self.literal, literal)
        for e in (self.family, self.given, self.particle, self.suffix):
            self.form.setRowVisible(e, not literal)

    def _refresh_list(self, row: int) -> None:
        self._loading = True
        try:
            self.list.clear()
            if self._mixed:
                item = QListWidgetItem(MULTIPLE)
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(item)
            for c in self._items:
                self.list.addItem(QListWidgetItem(display_name(c)))
            rows = max(2, min(8, self.list.count()))
            height = max(self.list.sizeHintForRow(0), self.fontMetrics().height() + 4)
            self.list.setFixedHeight(rows * height + 2 * self.list.frameWidth() + 2)
            self.list.setCurrentRow(row)
        finally:
            self._loading = False
        self._load_form(row)

    def _row_changed(self, row: int) -> None:
        if self._loading:
            return
        self.commit()
        self._load_form(row)

    def _load_form(self, row: int) -> None:
        self._form_row = row
        has = 0 <= row < len(self._items)
        self.form_widget.setVisible(has)
        self.add_button.setEnabled(not self._mixed)
        self.remove_button.setEnabled(has)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < len(self._items) - 1)
        if not has:
            return
        c = self._items[row]
        self._loading = True
        try:
            self.role.setCurrentIndex(max(0, self.role.findData(c.role.value)))
            self.institution.setChecked(c.is_literal)
            self._set(self.literal, c.literal)
            self._set(self.family, c.family)
            self._set(self.given, c.given)
            self._set(self.particle, c.particle)
            self._set(self.suffix, c.suffix)
            for e in (self.literal, self.family, self.given, self.particle, self.suffix):
                e.setEnabled(not c.others)
            self.institution.setEnabled(not c.others)
        finally:
            self._loading = False
        self._show_parts(c.is_literal)

    @staticmethod
    def _set(edit: QLineEdit, text: str) -> None:
        if edit.text() != text:
            edit.setText(text)
