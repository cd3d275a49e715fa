"""The quick citation picker: a small bar to type into, as Zotero's "quick format" citation bar.

Typing searches the library (the search field's language: ``author:knox year:2008`` works here
too) and lists "Author Year — Title"; Up/Down move the highlight, Enter adds the highlighted
reference as a chip, and typing goes on for the next one. A query that ends with a page
(``knox p. 12``, ``knox, pp. 12-14``) adds the cite with that page. A chip opens
its details on a click (or Enter when it has the focus; Left from the start of the query goes
to the last chip): locator and its label (page, chapter, section…), prefix, suffix, and
"Omit author". Enter on an empty query or Ctrl+Enter inserts the citation; Escape cancels
(first closing the details if they are open).

Used by Edit > Insert Citation… and by the cite-as-you-write endpoint (gui/cayw_server.py); the
result is a list of ``services.cayw_formats.PickedCite`` (id, citation key, CSL-JSON item,
locator, label, prefix, suffix, suppress author); ``cites_json()`` gives them as dicts.

Searches run on the task runner's readers (only the newest result is shown), so typing in a
large library never waits on SQL.

Signals:
    picked(list): accepted, with the PickedCites (empty list never: Enter with nothing picked
        cancels).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.flow_layout import FlowLayout
from bibliofile.gui.task_runner import TaskRunner
from bibliofile.services.cayw_formats import LOCATOR_LABELS, PickedCite, short_label
from bibliofile.services.citation_picking import (
    Candidate,
    CiteChoice,
    Found,
    find_candidates,
    picked_cites,
)
from bibliofile.storage.library import Library

log = logging.getLogger(__name__)

# "knox p. 12", "knox, pp. 12-14": the query, then a page for the cite it adds. (Not Zotero's
# "knox:12": a colon after a word is the search language's field, as in year:2008.)
_PAGE_AT_END = re.compile(r"\s*,?\s*pp?\.\s*(\d[\d\-–,]*)\s*$")

PLACEHOLDER = "Type to find a reference (author, year, title words; author:knox year:2008)"
KEYS_HINT = "Enter: add · Enter on an empty line or Ctrl+Enter: insert · click a chip for page, prefix… · Esc: cancel"

STYLE = """
#citationPicker { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
#citeChip { border: 1px solid #7a9cc6; border-radius: 9px; background: #e3ecf8; color: #1d3557;
            padding: 1px 8px; }
#citeChip:focus, #citeChip:checked { background: #bcd2ef; border-color: #2f5d9b; }
#pickerQuery { border: none; background: transparent; min-width: 160px; font-size: 12pt; }
#pickerResults { border: none; border-top: 1px solid palette(midlight); }
#pickerHint { color: palette(dark); }
"""


def split_page(text: str) -> tuple[str, str]:
    """(the query, a page typed after it) — ``("knox", "12")`` for "knox p. 12"."""
    m = _PAGE_AT_END.search(text)
    if m is None or not text[: m.start()].strip():
        return text, ""
    return text[: m.start()], m.group(1)


def _no_mnemonic(text: str) -> str:
    """A button shows "&" as a shortcut underline; "Knox & Smith" must show its "&"."""
    return text.replace("&", "&&")


@dataclass(slots=True)
class _Cite:
    """A picked reference and what the user set for it; ``name`` is what its chip shows."""

    choice: CiteChoice
    name: str

    def chip_text(self) -> str:
        c = self.choice
        text = f"{c.prefix} " if c.prefix else ""
        text += f"({self.name})" if c.suppress_author else self.name
        if c.locator:
            text += f", {short_label(c.label)} {c.locator}"
        if c.suffix:
            text += f" {c.suffix}"
        return text


class CiteChip(QToolButton):
    """One picked reference in the bar. Click / Enter / Space: details; Backspace / Delete:
    remove; Left / Right: the chip beside it (Right past the last: back to the query)."""

    def __init__(self, picker: CitationPicker, parent: QWidget) -> None:
        super().__init__(parent)
        self.picker = picker
        self.setObjectName("citeChip")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoRaise(False)
        self.clicked.connect(lambda _c=False: picker.edit_cite(picker.chip_index(self)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        n = self.picker.chip_index(self)
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.picker.remove_cite(n)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.picker.edit_cite(n)
        elif key == Qt.Key.Key_Left and n > 0:
            self.picker.chips[n - 1].setFocus()
        elif key == Qt.Key.Key_Right:
            if n + 1 < len(self.picker.chips):
                self.picker.chips[n + 1].setFocus()
            else:
                self.picker.query.setFocus()
        else:
            super().keyPressEvent(event)


class CiteDetails(QFrame):
    """The details of one cite: locator and label, prefix, suffix, omit author."""

    changed = Signal()
    removeRequested = Signal()
    closeRequested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("citeDetails")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        form = QFormLayout(self)
        form.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        form.addRow(self.title)
        row = QHBoxLayout()
        self.label = QComboBox(self)
        self.label.setObjectName("citeLabel")
        for term in LOCATOR_LABELS:
            self.label.addItem(term.replace("-locator", "").replace("-", " ").capitalize(), term)
        self.locator = QLineEdit(self)
        self.locator.setObjectName("citeLocator")
        self.locator.setPlaceholderText("e.g. 12 or 12–14")
        row.addWidget(self.label)
        row.addWidget(self.locator, 1)
        locator_label = QLabel("&Locator:", self)
        locator_label.setBuddy(self.locator)
        form.addRow(locator_label, row)
        self.prefix = QLineEdit(self)
        self.prefix.setObjectName("citePrefix")
        self.prefix.setPlaceholderText("e.g. see")
        form.addRow("&Prefix:", self.prefix)
        self.suffix = QLineEdit(self)
        self.suffix.setObjectName("citeSuffix")
        self.suffix.setPlaceholderText("e.g. and elsewhere")
        form.addRow("&Suffix:", self.suffix)
        buttons = QHBoxLayout()
        self.suppress = QCheckBox("&Omit author (Knox (2008) argues…)", self)
        self.suppress.setObjectName("citeSuppressAuthor")
        self.remove = QPushButton("&Remove", self)
        self.done = QPushButton("&Done", self)
        buttons.addWidget(self.suppress, 1)
        buttons.addWidget(self.remove)
        buttons.addWidget(self.done)
        form.addRow(buttons)
        for edit in (self.locator, self.prefix, self.suffix):
            edit.textEdited.connect(lambda _t: self.changed.emit())
            edit.returnPressed.connect(self.closeRequested.emit)
        self.label.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.suppress.toggled.connect(lambda _c: self.changed.emit())
        self.remove.clicked.connect(lambda _c=False: self.removeRequested.emit())
        self.done.clicked.connect(lambda _c=False: self.closeRequested.emit())

    def show_choice(self, title: str, choice: CiteChoice) -> None:
        self.blockSignals(True)
        for w in (self.label, self.locator, self.prefix, self.suffix, self.suppress):
            w.blockSignals(True)
        try:
            self.title.setText(title)
            i = self.label.findData(choice.label or "page")
            self.label.setCurrentIndex(max(0, i))
            self.locator.setText(choice.locator)
            self.prefix.setText(choice.prefix)
            self.suffix.setText(choice.suffix)
            self.suppress.setChecked(choice.suppress_author)
        finally:
            for w in (self.label, self.locator, self.prefix, self.suffix, self.suppress):
                w.blockSignals(False)
            self.blockSignals(False)

    def apply_to(self, choice: CiteChoice) -> CiteChoice:
        return replace(
            choice,
            locator=self.locator.text().strip(),
            label=str(self.label.currentData() or "page"),
            prefix=self.prefix.text().strip(),
            suffix=self.suffix.text().strip(),
            suppress_author=self.suppress.isChecked(),
        )


class CitationPicker(QDialog):
    """Find references, pick several with page, prefix, suffix and omit-author, and accept."""

    picked = Signal(list)

    def __init__(self, library: Library, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.setObjectName("citationPickerDialog")
        self.setWindowTitle("Insert Citation")
        # A bar, not a dialog with a title: it floats over the editor or the window (Zotero's
        # quick format), stays on top when the endpoint raises it over another program.
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, False)
        self.setStyleSheet(STYLE)
        self.cites: list[_Cite] = []
        self.chips: list[CiteChip] = []
        self.result_cites: list[PickedCite] = []
        self._editing: int | None = None
        self._serial = 0
        self._shown_query: str | None = None
        self.found: Found | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.frame = QFrame(self)
        self.frame.setObjectName("citationPicker")
        outer.addWidget(self.frame)
        self.frame_layout = lay = QVBoxLayout(self.frame)
        lay.setContentsMargins(10, 8, 10, 6)
        lay.setSpacing(6)

        bar = QHBoxLayout()
        mark = QLabel("❝", self.frame)
        mark.setStyleSheet("font-size: 14pt; color: #2f5d9b;")
        bar.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        self.chip_area = QWidget(self.frame)
        self.flow = FlowLayout(self.chip_area, spacing=4, stretch_last=True, hint_width=560)
        self.query = QLineEdit(self.chip_area)
        self.query.setObjectName("pickerQuery")
        self.query.setPlaceholderText(PLACEHOLDER)
        self.query.setMinimumWidth(160)
        self.flow.addWidget(self.query)
        bar.addWidget(self.chip_area, 1)
        lay.addLayout(bar)

        self.details = CiteDetails(self.frame)
        self.details.hide()
        lay.addWidget(self.details)

        self.results = QListWidget(self.frame)
        self.results.setObjectName("pickerResults")
        self.results.setUniformItemSizes(True)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the query keeps the keys
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.hide()
        lay.addWidget(self.results)

        foot = QHBoxLayout()
        self.hint = QLabel(KEYS_HINT, self.frame)
        self.hint.setObjectName("pickerHint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.insert_button = QPushButton("&Insert", self.frame)
        self.cancel_button = QPushButton("Cancel", self.frame)
        for b in (self.insert_button, self.cancel_button):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        foot.addWidget(self.hint, 1)
        foot.addWidget(self.insert_button)
        foot.addWidget(self.cancel_button)
        lay.addLayout(foot)

        self.query.textChanged.connect(self._query_changed)
        self.query.installEventFilter(self)
        self.results.itemClicked.connect(lambda _i: self.add_highlighted())
        self.details.changed.connect(self._details_changed)
        self.details.removeRequested.connect(lambda: self.remove_cite(self._editing))
        self.details.closeRequested.connect(self.close_details)
        self.insert_button.clicked.connect(lambda _c=False: self.accept_cites())
        self.cancel_button.clicked.connect(lambda _c=False: self.reject())
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(seq), self)
            shortcut.activated.connect(self.accept_cites)
        self.setMinimumWidth(640)
        self._update_state()

    # ---- searching -----------------------------------------------------------------------------
    def _query_changed(self, text: str) -> None:
        query, _page = split_page(text)
        query = query.strip()
        if query == self._shown_query:
            return
        self._serial += 1
        serial = self._serial
        library = self.library

        def done(found: Found) -> None:
            if serial == self._serial:
                self._show(found)

        def failed(exc: BaseException) -> None:
            if serial == self._serial:
                self.hint.setText(f"Could not search the library: {exc}")

        self.runner.read(lambda _ctx: find_candidates(library, query), done, failed)

    def _show(self, found: Found) -> None:
        self.found = found
        self._shown_query = found.query
        self.results.clear()
        for cand in found.candidates:
            item = QListWidgetItem(cand.label(), self.results)
            item.setData(Qt.ItemDataRole.UserRole, cand)
            item.setToolTip(f"{cand.label()}\nKey: {cand.citation_key or '(none yet)'}")
        if found.candidates:
            self.results.setCurrentRow(0)
        if not found.query:
            self.hint.setText(KEYS_HINT)
        elif not found.total:
            self.hint.setText(f"Nothing found for “{found.query}”.")
        elif found.total > len(found.candidates):
            self.hint.setText(f"The first {len(found.candidates)} of {found.total:,} found: type more to narrow.")
        else:
            self.hint.setText(f"{found.total} found · " + KEYS_HINT)
        self._update_state()

    def _update_state(self) -> None:
        has_results = self.results.count() > 0
        self.results.setVisible(has_results)
        if has_results:
            rows = min(self.results.count(), 8)
            row_height = max(self.results.sizeHintForRow(0), self.results.fontMetrics().height() + 2)
            self.results.setFixedHeight(rows * row_height + 2 * self.results.frameWidth() + 4)
        self.insert_button.setEnabled(bool(self.cites) or has_results)
        self.frame_layout.activate()
        self.adjustSize()

    # ---- keys ---------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._query_key(event)
        return super().eventFilter(watched, event)

    def _query_key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if ctrl or not self.query.text().strip():
                self.accept_cites()
            else:
                self.add_highlighted()
            return True
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return True
        if key == Qt.Key.Key_Backspace and not self.query.text() and self.cites:
            self.remove_cite(len(self.cites) - 1)
            return True
        if key == Qt.Key.Key_Left and self.query.cursorPosition() == 0 and self.chips and not self.query.hasSelectedText():
            self.chips[-1].setFocus()
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._editing is not None:
            self.close_details()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # no default button: Enter means what the focused part says
        super().keyPressEvent(event)

    # ---- cites ---------------------------------------------------------------------------------
    def highlighted(self) -> Candidate | None:
        item = self.results.currentItem()
        cand = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return cand if isinstance(cand, Candidate) else None

    def add_highlighted(self) -> bool:
        """Add the highlighted reference as a cite (with the page typed after the query)."""
        cand = self.highlighted()
        if cand is None:
            return False
        _query, page = split_page(self.query.text())
        name = " ".join(p for p in (cand.authors or cand.title[:30] or cand.citation_key, str(cand.year or "")) if p)
        self.add_cite(CiteChoice(cand.id, locator=page), name)
        self.query.clear()
        return True

    def add_cite(self, choice: CiteChoice, name: str) -> None:
        cite = _Cite(choice, name)
        self.cites.append(cite)
        chip = CiteChip(self, self.chip_area)
        chip.setText(_no_mnemonic(cite.chip_text()))
        chip.setToolTip("Click (or Enter) for page, prefix, suffix, omit author; Backspace removes it")
        self.chips.append(chip)
        self.flow.insert_widget(len(self.chips) - 1, chip)
        chip.show()
        self._update_state()

    def chip_index(self, chip: CiteChip) -> int:
        return self.chips.index(chip)

    def remove_cite(self, n: int | None) -> None:
        if n is None or not 0 <= n < len(self.cites):
            return
        if self._editing is not None:
            self.close_details(focus=False)
        del self.cites[n]
        chip = self.chips.pop(n)
        self.flow.removeWidget(chip)
        chip.deleteLater()
        self.query.setFocus()
        self._update_state()

    def edit_cite(self, n: int) -> None:
        """Open the details of cite ``n`` (its locator field gets the focus)."""
        if not 0 <= n < len(self.cites):
            return
        self._editing = n
        for i, chip in enumerate(self.chips):
            chip.setChecked(i == n)
        cand_title = self.cites[n].name
        self.details.show_choice(f"Cite {n + 1}: {cand_title}", self.cites[n].choice)
        self.details.show()
        self.details.locator.setFocus()
        self.details.locator.selectAll()
        self._update_state()

    def close_details(self, focus: bool = True) -> None:
        if self._editing is not None and self._editing < len(self.chips):
            self.chips[self._editing].setChecked(False)
        self._editing = None
        self.details.hide()
        if focus:
            self.query.setFocus()
        self._update_state()

    def _details_changed(self) -> None:
        n = self._editing
        if n is None or n >= len(self.cites):
            return
        cite = self.cites[n]
        cite.choice = self.details.apply_to(cite.choice)
        self.chips[n].setText(_no_mnemonic(cite.chip_text()))
        self.flow.invalidate()

    def choices(self) -> list[CiteChoice]:
        return [c.choice for c in self.cites]

    # ---- ending --------------------------------------------------------------------------------
    def accept_cites(self) -> None:
        """Insert: the highlighted reference joins the cites if a query is typed, then the
        cites are read (keys, CSL-JSON) and ``picked`` is sent. Nothing picked cancels."""
        if self._editing is not None:
            self._details_changed()
        if self.query.text().strip():
            self.add_highlighted()
        if not self.cites:
            self.reject()
            return
        try:
            self.result_cites = picked_cites(self.library, self.choices())
        except Exception as exc:  # a library that cannot be read: say so, keep the picks
            log.warning("reading the picked references failed", exc_info=exc)
            self.hint.setText(f"Could not read the picked references: {exc}")
            return
        if not self.result_cites:
            self.hint.setText("The picked references are no longer in the library.")
            return
        self.picked.emit(list(self.result_cites))
        self.accept()

    def cites_json(self) -> list[dict[str, Any]]:
        """The accepted cites as dicts (Better BibTeX's names, see PickedCite.as_json)."""
        return [c.as_json() for c in self.result_cites]

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._place()
        self.activateWindow()
        self.query.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _place(self) -> None:
        """Where Zotero's bar appears: centred, a little below the top of the window it
        belongs to (or of the screen, when that window is hidden or minimised)."""
        parent = self.parentWidget()
        if parent is not None and parent.isVisible() and not parent.isMinimized():
            area = parent.frameGeometry()
        else:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is None:
                return
            area = screen.availableGeometry()
        x = area.x() + max(0, (area.width() - self.width()) // 2)
        self.move(x, area.y() + max(40, area.height() // 6))
