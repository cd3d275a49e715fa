"""Find Metadata Online's answer, field by field: what each selected reference holds now beside
what was found, to tick what should change.

Empty fields the record fills come ticked; fields that hold something else come unticked (the
user's value wins unless they choose otherwise). Records a title search found but could not
match with confidence are listed apart, with the reasons they fell short, and give nothing until
the user picks one with "Use This Record" (its fields then appear above, to tick as any other).
Apply writes every ticked field of every reference as one undo step (``chosen`` gives the
service what to write).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

CREATORS = "creators"  # services.lookup_match.CREATORS: the author list as one field
ITEM_TYPE = "item_type"
KEY_ROLE = Qt.ItemDataRole.UserRole
REF_ROLE = Qt.ItemDataRole.UserRole + 1
CELL_CHARS = 90


def reference_name(ref: Any, found: Any = None) -> str:
    """"Knox 2008": first author's family name and year, else the start of the title. A
    reference without authors is named by the record ``found`` for it (what it is about to
    become), so "Completed 3 fields of Knox 2008" names the seed record as it will be cited."""
    def first(r: Any) -> str:
        return next((c.family or c.literal for c in r.creators if (c.family or c.literal) and not c.others), "")

    family = first(ref) or (first(found) if found is not None else "")
    year = ref.year if ref.year is not None or found is None else found.year
    if family:
        return f"{family} {year}" if year is not None else family
    title = ref.title or f"#{ref.id}"
    return title if len(title) <= 40 else title[:39] + "…"


def _names(creators: Sequence[Any]) -> str:
    return "; ".join(
        c.literal or ", ".join(p for p in (f"{c.particle} {c.family}".strip(), c.given) if p) for c in creators if not c.others
    )


def _cell(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CELL_CHARS else flat[: CELL_CHARS - 1] + "…"


def _label(key: str) -> str:
    from bibliofile.model.fields import FIELD_BY_KEY

    return FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key.replace("_", " ").capitalize()


class MetadataMergeDialog(QDialog):
    """Current against found, one ticked row per field that would change; less sure records apart.

    ``completions`` are ``services.lookup.Completion``s: with a ``plan`` (a record was found),
    or with ``candidates`` only (nothing confident), or with a ``message`` (nothing found).
    ``chosen()`` returns the completions to write (plans cut down to the ticked fills) and the
    differing fields accepted per reference id.
    """

    COLUMNS = ("Field", "Current", "Found")

    def __init__(self, completions: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metadataMergeDialog")
        self.setWindowTitle("Find Metadata Online")
        self.completions = list(completions)
        self.resize(900, 560)
        lay = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.intro)

        self.fields = QTreeWidget(self)
        self.fields.setObjectName("mergeFields")
        self.fields.setHeaderLabels(list(self.COLUMNS))
        self.fields.setAlternatingRowColors(True)
        self.fields.setWordWrap(False)
        header = self.fields.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.fields.itemChanged.connect(lambda _i, _c: self._update_apply())
        lay.addWidget(self.fields, 3)

        self.unsure_box = QGroupBox("Less sure matches — nothing is taken from these unless you choose one", self)
        box_lay = QVBoxLayout(self.unsure_box)
        self.unsure = QTreeWidget(self.unsure_box)
        self.unsure.setObjectName("mergeCandidates")
        self.unsure.setHeaderLabels(["Record found", "Year", "Journal or book", "DOI", "Why it is not a sure match"])
        self.unsure.setAlternatingRowColors(True)
        head = self.unsure.header()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        head.setStretchLastSection(False)
        self.unsure.itemSelectionChanged.connect(self._candidate_selected)
        self.unsure.itemDoubleClicked.connect(lambda _i, _c: self.use_selected_candidate())
        box_lay.addWidget(self.unsure)
        self.use_button = QPushButton("Use This Record", self.unsure_box)
        self.use_button.setToolTip("Show what this record would fill and change, to tick above")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_selected_candidate)
        box_lay.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignRight)
        lay.addWidget(self.unsure_box, 2)

        self.buttons = QDialogButtonBox(self)
        self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._fill()

    # ---- building --------------------------------------------------------------------------
    def _fill(self) -> None:
        self.fields.blockSignals(True)
        self.fields.clear()
        notes: list[str] = []
        for n, c in enumerate(self.completions):
            name = reference_name(c.reference)
            if c.plan is None:
                if not c.candidates:
                    notes.append(f"{html.escape(name)}: {html.escape(c.message or 'nothing found')}")
                continue
            # One heading per reference (its name, title, how the record was found), its
            # fields below: with several references selected, each keeps its own rows.
            head = QTreeWidgetItem(self.fields, [name, _cell(c.reference.title), f"found by {c.how}" if c.how else "found"])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self._field_rows(head, n, c)
            head.setExpanded(True)
            if head.childCount() == 0:
                QTreeWidgetItem(head, ["", "Nothing to fill: the record found agrees with this reference."])
        self.fields.blockSignals(False)
        # Without a sure match there is nothing to tick yet: the less sure records get the room.
        self.fields.setVisible(self.fields.topLevelItemCount() > 0)
        self._fill_candidates()
        filled = sum(1 for c in self.completions if c.plan is not None)
        text = (
            "Ticked fields are written when you press Apply (one step: Edit &gt; Undo takes it back). "
            "Empty fields come ticked; fields that hold something else are offered unticked."
            if filled else "No sure match was found. A less sure record below can be chosen."
        )
        if notes:
            text += "<br>" + "<br>".join(notes)
        self.intro.setText(text)
        self._update_apply()

    def _field_rows(self, parent: QTreeWidgetItem, n: int, c: Any) -> None:
        plan = c.plan
        fields = c.reference.fields

        def row(key: str, label: str, ours: str, theirs: str, ticked: bool) -> None:
            item = QTreeWidgetItem(parent, [label, _cell(ours) if ours else "(empty)", _cell(theirs)])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            item.setData(0, KEY_ROLE, key)
            item.setData(0, REF_ROLE, n)
            item.setToolTip(1, ours)
            item.setToolTip(2, theirs)
            if not ticked:
                item.setToolTip(0, "Holds another value: tick to replace it with the one found")

        if plan.item_type:
            row(ITEM_TYPE, "Type", c.reference.item_type, plan.item_type, True)
        if plan.creators:
            row(CREATORS, "Authors", "", _names(plan.creators), True)
        for key, value in plan.fills.items():
            row(key, _label(key), fields.get(key, ""), value, True)
        for d in plan.differs:
            row(d.field, d.label, d.ours, d.theirs, False)

    def _fill_candidates(self) -> None:
        self.unsure.clear()
        any_ = False
        for n, c in enumerate(self.completions):
            if not c.candidates:
                continue
            any_ = True
            year = f" ({c.reference.year})" if c.reference.year is not None else ""
            head = QTreeWidgetItem(self.unsure, [f"For “{_cell(c.reference.title)}”{year}"])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            head.setFirstColumnSpanned(True)
            for k, cand in enumerate(c.candidates):
                r = cand.reference
                item = QTreeWidgetItem(head, [
                    _cell(r.title), str(r.year or ""), _cell(r.fields.get("container_title", "")),
                    r.fields.get("doi", ""), "; ".join(cand.reasons) or f"{cand.score:.0f}% alike",
                ])
                item.setData(0, REF_ROLE, n)
                item.setData(0, KEY_ROLE, k)
                item.setToolTip(0, r.title)
                item.setToolTip(4, "; ".join(cand.reasons))
            head.setExpanded(True)
        self.unsure_box.setVisible(any_)

    # ---- choosing ----------------------------------------------------------------------------
    def _candidate_selected(self) -> None:
        items = self.unsure.selectedItems()
        self.use_button.setEnabled(bool(items) and items[0].data(0, REF_ROLE) is not None)

    def use_selected_candidate(self) -> None:
        """Take the selected less sure record as this reference's match (a click, never by itself)."""
        items = self.unsure.selectedItems()
        if not items or items[0].data(0, REF_ROLE) is None:
            return
        n, k = int(items[0].data(0, REF_ROLE)), int(items[0].data(0, KEY_ROLE))
        self.use_candidate(n, k)

    def use_candidate(self, n: int, k: int) -> None:
        from bibliofile.services.lookup_match import merge_plan

        c = self.completions[n]
        chosen = c.candidates[k]
        rest = tuple(x for i, x in enumerate(c.candidates) if i != k)
        self.completions[n] = dataclasses.replace(
            c, found=chosen.reference, plan=merge_plan(c.reference, chosen.reference),
            candidates=rest, how="a record you chose", message="",
        )
        self._fill()

    def _ticked(self) -> list[QTreeWidgetItem]:
        return [i for i in self.row_items() if i.checkState(0) == Qt.CheckState.Checked]

    def _update_apply(self) -> None:
        self.apply_button.setEnabled(bool(self._ticked()))

    def row_items(self) -> list[QTreeWidgetItem]:
        """Every field row (checkable), top to bottom: for tests and keyboard users alike."""
        out: list[QTreeWidgetItem] = []
        for i in range(self.fields.topLevelItemCount()):
            top = self.fields.topLevelItem(i)
            kids = [top.child(j) for j in range(top.childCount())] if top is not None else []
            out.extend(k for k in kids if k is not None and k.data(0, KEY_ROLE) is not None)
        return out

    # ---- the answer --------------------------------------------------------------------------
    def chosen(self) -> tuple[list[Any], dict[int, set[str]], int]:
        """(completions to write, accepted differing fields per reference id, fields ticked).

        A plan keeps only its ticked fills (an unticked empty field stays empty); the service
        writes fills and the accepted differing fields in one transaction."""
        ticked: dict[int, set[str]] = {}
        for item in self._ticked():
            ticked.setdefault(int(item.data(0, REF_ROLE)), set()).add(str(item.data(0, KEY_ROLE)))
        out: list[Any] = []
        accept: dict[int, set[str]] = {}
        count = 0
        for n, c in enumerate(self.completions):
            keys = ticked.get(n, set())
            if c.plan is None or not keys or c.reference.id is None:
                continue
            plan = c.plan
            fills = {k: v for k, v in plan.fills.items() if k in keys}
            differing = {d.field for d in plan.differs if d.field in keys}
            cut = dataclasses.replace(
                plan, fills=fills, creators=plan.creators if CREATORS in keys else (),
                item_type=plan.item_type if ITEM_TYPE in keys else "",
            )
            out.append(dataclasses.replace(c, plan=cut))
            accept[c.reference.id] = differing
            count += len(keys)
        return out, accept, count
