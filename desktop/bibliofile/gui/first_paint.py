"""Work that waits for the first screen (issue 22): nothing the first screen does not need may
run before the table has painted its first rows, so features that start by themselves (the
cite-as-you-write endpoint) hang their start on this instead of on ``window.show()``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView

FALLBACK_MS = 2000  # an empty library paints no rows: start anyway, this long after the call


class AfterFirstRows(QObject):
    """Calls ``then`` once, ``delay_ms`` after the table's viewport first paints rows (or
    ``fallback_ms`` after it was made, whichever comes first): by then the event loop has
    shown the first screen, and what ``then`` costs does not delay it."""

    def __init__(
        self, table: QAbstractItemView, then: Callable[[], None], delay_ms: int = 0, fallback_ms: int = FALLBACK_MS
    ) -> None:
        super().__init__(table)
        self._table = table
        self._then: Callable[[], None] | None = then
        self._delay_ms = delay_ms
        table.viewport().installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        model = self._table.model()
        if event.type() == QEvent.Type.Paint and model is not None and model.rowCount() > 0:
            self._table.viewport().removeEventFilter(self)
            QTimer.singleShot(self._delay_ms, self, self._fire)
        return False

    def cancel(self) -> None:
        """``then`` will not be called (the window closed first)."""
        self._then = None
        self._table.viewport().removeEventFilter(self)

    def _fire(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._table.viewport().removeEventFilter(self)
            then()
