"""Citations in the window: the export dialog, quick copy, and dragging references into documents.

``CitationController(window)`` (made by the main window, given as a ``WindowApi``) adds:

* What File > Export / Create Bibliography… (Ctrl+Shift+E, Ctrl+E) opens: the export dialog
  with every style, a live preview, Copy and Save (gui/export_dialog.py).
* Edit > Copy Bibliography (Ctrl+Shift+C) and Copy Citation (Ctrl+Shift+A) in the quick-copy
  style chosen in Edit > Preferences…; Ctrl+C in the table copies the bibliography too.
* Drags out of the table carry the formatted bibliography (HTML, text, RTF) with BibTeX and
  CSL-JSON beside the ids the sidebar reads; with Shift held as the drag starts, the in-text
  citation instead.

Why the pre-rendering: Qt asks for a drag's data synchronously, as the drag starts. Formatting
50 references takes citeproc-js ~0.6 s for the three formats (and ~1 s more to build a style's
engine the first time), far beyond the 100 ms a drag may take. So when the selection changes,
both payloads (bibliography and citation) are rendered on the window's read pool and cached by
content and style (``services.citation_payload.PayloadCache``); the drag only looks them up.
A drag that beats the pre-render (or a selection larger than ``PREFETCH_LIMIT``) renders on the
spot: slower, never wrong. With a synchronous task runner (tests) nothing is pre-rendered,
because pre-rendering on the GUI thread would be the very stall it exists to avoid.

Why the first pre-render runs with the collector paused (issue 18, Speed): it is the citation
engine's start-up, on a worker but holding the GIL in long stretches the GUI thread must wait
out. Its imports and the style catalogue (10,000 styles) make a few hundred thousand objects that
live as long as the window, and they tripped a full collection of everything made since launch
(50-90 ms on this VM) 1-2 s after the references added by identifier were selected. As at launch
(``bibliofile.startup``), what the start-up built is frozen afterwards and never scanned again.
The payload services are also imported on that worker, not by the GUI thread when it first asks.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from bibliofile.gui.preferences_dialog import PreferencesDialog
    from bibliofile.gui.window_api import WindowApi
    from bibliofile.services.citation_payload import Payload, PayloadCache

log = logging.getLogger(__name__)

PREFETCH_LIMIT = 200
# A drag of more references than this carries ids and keys only: formatting thousands on the
# spot would freeze the window (File > Export formats any number in the background).
DRAG_FORMAT_LIMIT = 1000
PREFETCH_DELAY_MS = 200


class CitationController(QObject):
    """Quick copy, drag payloads and the export dialog for one main window."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self._cache: PayloadCache | None = None
        self._cache_lock = threading.Lock()  # made by whichever thread asks first
        self._engine_started = False  # the first pre-render starts the citation engine
        self.last_drag_seconds = 0.0
        self.prefetched = 0  # payloads rendered ahead of need (for tests and the bench)
        # What was last pre-rendered (ids, style, locale): a search that brings the same
        # selection back (each keystroke does) asks for nothing new until a write.
        self._prefetched_for: tuple[tuple[int, ...], str, str | None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREFETCH_DELAY_MS)
        self._timer.timeout.connect(self.prefetch)
        self._build_actions()
        window.model.mime_extender = self.extend_mime
        window.model.rowsStale.connect(self._forget_prefetched)
        window.table.selectionIdsChanged.connect(self._selection_changed)

    # ---- actions ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self.window
        self.act_copy_bibliography = QAction("Copy &Bibliography", self)
        self.act_copy_bibliography.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.act_copy_bibliography.setStatusTip("Copy the selected references in the quick-copy style")
        self.act_copy_bibliography.triggered.connect(lambda _c=False: self.copy(citation=False))
        self.act_copy_citation = QAction("Copy &Citation", self)
        self.act_copy_citation.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.act_copy_citation.setStatusTip("Copy an in-text citation of the selected references")
        self.act_copy_citation.triggered.connect(lambda _c=False: self.copy(citation=True))
        # Ctrl+C in the table copies the bibliography (in the search field it still copies text).
        # The item view handles Copy itself (the current cell's text) before any shortcut, so
        # the key is taken from it with an event filter.
        w.table.installEventFilter(self)
        self.act_preferences = QAction("&Preferences…", self)
        self.act_preferences.setShortcut(QKeySequence(QKeySequence.StandardKey.Preferences))
        self.act_preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.act_preferences.triggered.connect(lambda _c=False: self.open_preferences())
        for a in (self.act_copy_bibliography, self.act_copy_citation, self.act_preferences):
            w.add_window_action(a)
        m = w.menu_edit
        m.addSeparator()
        m.addActions([self.act_copy_bibliography, self.act_copy_citation])
        w.table_menu_hooks.append(self._table_menu)
        m.addSeparator()
        m.addAction(self.act_preferences)
        self._update_enabled([])

    def _table_menu(self, menu: QMenu, ids: list[int]) -> None:
        """The rows' context menu: copy them as a bibliography or a citation, where a
        right-click on a selection looks first (as in Zotero)."""
        if ids:
            menu.addSeparator()
            menu.addActions([self.act_copy_bibliography, self.act_copy_citation])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.window.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            self.copy(citation=False)
            return True
        return super().eventFilter(watched, event)

    def _selection_changed(self, ids: list[int]) -> None:
        self._update_enabled(ids)
        self._timer.start()

    def _forget_prefetched(self) -> None:
        self._prefetched_for = None  # the library may have changed: render again when asked

    def _update_enabled(self, ids: list[int]) -> None:
        has = bool(ids)
        self.act_copy_bibliography.setEnabled(has)
        self.act_copy_citation.setEnabled(has)

    # ---- quick copy style ----------------------------------------------------------------------
    # The dialogs' modules are imported when first needed, not with the window (~13 ms of its
    # start before the first paint).
    def style(self) -> str:
        from bibliofile.gui.preferences_dialog import quick_copy_style

        return quick_copy_style(self.window.settings)

    def locale(self) -> str | None:
        from bibliofile.gui.preferences_dialog import quick_copy_locale

        return quick_copy_locale(self.window.settings)

    def open_preferences(self) -> PreferencesDialog:
        from bibliofile.gui.preferences_dialog import PreferencesDialog

        dlg = PreferencesDialog(self.window.settings, self.window.as_parent())
        dlg.accepted.connect(self._timer.start)  # pre-render in the new style
        dlg.open()
        return dlg

    # ---- payloads ----------------------------------------------------------------------------
    @property
    def cache(self) -> PayloadCache:
        """Made on first use: the citation services import bibtexparser and the engine module
        (~100 ms), which the window's start should not wait for."""
        with self._cache_lock:
            if self._cache is None:
                from bibliofile.services.citation_payload import PayloadCache

                self._cache = PayloadCache()
            return self._cache

    def payload(self, ids: list[int], citation: bool, build: bool = True) -> Payload | None:
        """The selection formatted in the quick-copy style: from the cache, else rendered now."""
        library, style, locale = self.window.library, self.style(), self.locale()
        found = self.cache.get(library, ids, style, locale, citation)
        if found is None and build:
            found = self.cache.build(library, ids, style, locale, citation)
        return found

    def prefetch(self) -> None:
        """Render the selection's payloads in the background, so a drag finds them ready."""
        if self.window.runner.synchronous:
            return
        ids = self.window.table.selected_ids()
        if not ids or len(ids) > PREFETCH_LIMIT:
            return
        wanted = (tuple(ids), self.style(), self.locale())
        if wanted == self._prefetched_for:
            return
        self._prefetched_for = wanted
        library, style, locale = self.window.library, self.style(), self.locale()
        starting = not self._engine_started
        self._engine_started = True

        def work(_ctx: Any) -> int:
            with collector_paused_then_frozen() if starting else nullcontext():
                cache = self.cache  # imported here, on the worker, the first time
                cache.build(library, ids, style, locale, False)
                cache.build(library, ids, style, locale, True)
            return 2

        def done(n: int) -> None:
            self.prefetched += n

        def failed(exc: BaseException) -> None:
            self._prefetched_for = None  # the next selection change tries again
            log.info("pre-rendering citations failed: %s", exc)  # the drag will say why

        # On the background lane, never the readers: the first render starts the citation
        # engine (~1 s), and two of them held both reader threads while the table's search
        # after an edit waited behind them.
        self.window.runner.ahead(work, done, failed)

    def extend_mime(self, ids: list[int], mime: QMimeData) -> None:
        """Add the formatted payload to a drag of rows (Shift held: in-text citations)."""
        if not ids:
            return
        if len(ids) > DRAG_FORMAT_LIMIT:
            self.window.show_status(
                f"{len(ids)} references are too many to format in a drag; "
                "use File > Export / Create Bibliography.", 8000
            )
            return
        citation = bool(QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        t0 = time.perf_counter()
        try:
            payload = self.payload(ids, citation)
        except Exception as exc:  # a drag must never crash: the ids still go to collections
            self.window.show_status(f"Could not format the references: {exc}", 8000)
            log.warning("drag payload failed", exc_info=exc)
            return
        finally:
            self.last_drag_seconds = time.perf_counter() - t0
        if payload is not None:
            set_payload(mime, payload)

    def copy(self, citation: bool) -> None:
        """Copy the selection (bibliography or citation) in the quick-copy style."""
        ids = self.window.table.selected_ids()
        bar = self.window
        if not ids:
            bar.show_status("Select the references to copy first.", 4000)
            return
        what = "citation" if citation else "bibliography"
        ready = self.payload(ids, citation, build=False)
        if ready is not None:
            self._copied(ready, what, len(ids))
            return
        library, style, locale, cache = self.window.library, self.style(), self.locale(), self.cache
        bar.show_status(f"Formatting the {what}…")
        self.window.runner.read(
            lambda _ctx: cache.build(library, ids, style, locale, citation),
            lambda p: self._copied(p, what, len(ids)),
            lambda exc: bar.show_status(f"Could not format the references: {exc}", 8000),
        )

    def _copied(self, payload: Payload, what: str, n: int) -> None:
        from bibliofile.gui.import_dialog import plural

        mime = QMimeData()
        set_payload(mime, payload)
        QGuiApplication.clipboard().setMimeData(mime)
        self.window.show_status(f"Copied the {what} of {plural(n, 'reference')} ({self.style()}).", 6000)

    # ---- the export dialog ---------------------------------------------------------------------
    def open_export_dialog(self) -> Any:
        from bibliofile.gui.export_dialog import ExportDialog, ExportSource

        w = self.window
        model, table = w.model, w.table

        def ids_for(what: str) -> list[int] | None:
            if what == "selection":
                return list(table.selected_ids())
            if what == "view":
                return list(model.ids)
            return None

        source = ExportSource(w.library, w.runner, ids_for, w.settings)
        dlg = ExportDialog(
            len(table.selected_ids()), w.view_label(), model.rowCount(), w.library.count(), w.as_parent(), source
        )
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.exported.connect(lambda path: w.show_status(f"Saved {path}", 8000))
        self.export_dialog = dlg
        dlg.open()
        return dlg


@contextmanager
def collector_paused_then_frozen() -> Iterator[None]:
    """Run a subsystem's start-up without the cyclic collector, then freeze what it built.

    What it builds (modules, the style catalogue, the engine) lives as long as the process, so
    a full collection during it only walks the whole heap for nothing, holding the GIL; frozen,
    it is never walked again. Left as it is when something else paused the collector."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def set_payload(mime: QMimeData, payload: Payload) -> None:
    for mime_type, data in payload.mime_types().items():
        mime.setData(mime_type, QByteArray(data))
