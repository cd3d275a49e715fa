"""View > Overview: references per year, per type, and read per month, as bar charts
(gui/bar_chart.py). Clicking a bar shows those references in the table as a search the user can
read in the search field (``year:2008``, ``type:book``, ``read:2026-03``), in My Library: the
filter is visible, and clearing the field (or Escape) undoes it. Filtering the whole library
while the sidebar still highlighted a reading list said one thing and showed another.

Years and months run on a continuous axis from the first to the last (``year_axis``,
``month_axis``): a year with no references is an empty column, so 1931 does not stand next to
1948 as if they were neighbours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from bibliofile.gui.bar_chart import MONTH_STEPS, YEAR_STEPS, BarChart
from bibliofile.model.item_types import item_type
from bibliofile.storage import curation
from bibliofile.storage.library import LIBRARY

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


Bars = list[tuple[str, int, str]]


def year_axis(years: list[tuple[int | None, int]]) -> tuple[Bars, int | None]:
    """Every year from the first to the last, 0 for a year with none (undated ones are left
    out), and the first year: the bars of a continuous axis."""
    counts = {y: n for y, n in years if y is not None}
    if not counts:
        return [], None
    first, last = min(counts), max(counts)
    return [(str(y), counts.get(y, 0), f"year:{y}") for y in range(first, last + 1)], first


def month_axis(months: list[tuple[str, int]]) -> tuple[Bars, int | None]:
    """Every month ("2024-03") from the first to the last, 0 for a month with none, and the
    first as months since year 0; None (the months as they are) when one is not YYYY-MM."""
    counts: dict[int, int] = {}
    for text, n in months:
        y, _, m = text.partition("-")
        if not (len(y) == 4 and y.isdigit() and len(m) == 2 and m.isdigit() and 1 <= int(m) <= 12):
            return [(t, k, f"read:{t}") for t, k in months], None
        counts[int(y) * 12 + int(m) - 1] = counts.get(int(y) * 12 + int(m) - 1, 0) + n
    if not counts:
        return [], None
    first, last = min(counts), max(counts)
    bars = []
    for v in range(first, last + 1):
        text = f"{v // 12:04d}-{v % 12 + 1:02d}"
        bars.append((text, counts.get(v, 0), f"read:{text}"))
    return bars, first


class OverviewDialog(QDialog):
    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window_ = window
        self.setWindowTitle("Overview")
        self.body = QWidget(self)
        self.charts: dict[str, BarChart] = {}
        self.layout_ = QVBoxLayout(self.body)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        self.resize(760, 680)

    def start(self) -> None:
        lib = self.window_.library

        def work(_c: object) -> tuple[list[tuple[int | None, int]], list[tuple[str, int]], list[tuple[str, int]]]:
            return curation.per_year(lib), curation.per_type(lib), curation.read_per_month(lib)

        self.window_.runner.read(work, lambda r: self.set_data(*r), self.window_.show_error)

    def set_data(
        self, years: list[tuple[int | None, int]], types: list[tuple[str, int]], months: list[tuple[str, int]]
    ) -> None:
        dated, first_year = year_axis(years)
        self._add("year", "References per year", dated, axis_start=first_year)
        self._add("type", "References per type", [(item_type(t).label, n, f"type:{t}") for t, n in types],
                  upright_labels=True)
        by_month, first_month = month_axis(months)
        self._add("read", "Read per month", by_month, axis_start=first_month, label_steps=MONTH_STEPS)
        self.layout_.addStretch(1)

    def _add(
        self,
        key: str,
        title: str,
        bars: Bars,
        upright_labels: bool = False,
        axis_start: int | None = None,
        label_steps: tuple[int, ...] = YEAR_STEPS,
    ) -> None:
        label = QLabel(f"<b>{title}</b>" + ("" if bars else " — none yet"), self.body)
        self.layout_.addWidget(label)
        chart = BarChart(bars, self.body, upright_labels=upright_labels, axis_start=axis_start,
                         label_steps=label_steps)
        chart.setObjectName(f"chart_{key}")
        chart.barClicked.connect(self.show_query)
        self.charts[key] = chart
        self.layout_.addWidget(chart)
        chart.setVisible(bool(bars))  # no empty frame under "none yet"
        label.show()  # added after the dialog was shown: Qt would show them only on the next
        # turn of the event loop

    def show_query(self, query: str) -> None:
        """The bar's references: My Library selected in the sidebar (leaving a reading list the way
        a click there would, so its own sort order goes), then the query in the search field.

        A selection of several references made for another list is let go first: kept by id,
        it came back as "7 references selected" among the bar's 149 with one of them in sight
        and the rest scrolled away, ready for an edit of references the user could not see.
        One selected reference the bar shows stays selected and is scrolled to (the one being
        read is not lost), as a search typed in the field keeps it."""
        w = self.window_
        if len(w.table.selected_ids()) > 1:
            w.table.clearSelection()
        w.sidebar.set_scope(LIBRARY)
        curation_ = getattr(w, "curation", None)
        if curation_ is not None:
            curation_.run_query(query)  # sets the field's text and searches the library once
        else:
            w.search_field.setText(query)
