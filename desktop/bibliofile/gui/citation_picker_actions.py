"""Edit > Insert Citation… and the cite-as-you-write endpoint: the window's side of the picker.

``PickerActions(window)`` (made by the main window, given as a ``WindowApi``) adds:

* Edit > Insert Citation… (Ctrl+Alt+C): the quick citation picker (gui/citation_picker.py);
  the citation picked is copied in the quick-copy style as HTML, RTF and text, with its pandoc
  form (``[@knox2008, p. 12]``) as ``text/markdown`` — or as the plain text itself when
  "Copy plain text as pandoc" is ticked in the picker (setting ``cite/picker_plain_text``).
* The CAYW endpoint (gui/cayw_server.py) on 127.0.0.1, port ``cayw/port`` (23119 unless set;
  the next free one up to +10 when taken, said in the status bar), started by the app once
  the window has painted its first rows (``start_endpoint_after_first_paint``), stopped when
  it closes; ``cayw/enabled`` false turns
  it off.
  Help > Cite-as-You-Write Endpoint says where it listens.
* The Writer extension's routes on that server (``/bibliofile/render``, ``/bibliofile/pick``):
  its pick opens the same picker as an editor's; its render runs on the task runner's readers
  (services/office_render.py). Port and token go to ``office-endpoint.json`` in the user's
  state folder when the app starts the endpoint, not when a test does.

Formatting the citation for the clipboard runs on the task runner's readers: the first use of
a style starts the citation engine (~1 s), which the window must not wait for.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QMimeData, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QCheckBox, QMessageBox

from bibliofile.gui.cayw_server import (
    DEFAULT_PORT,
    PATH,
    PORT_TRIES,
    CaywEndpoint,
    PickRequest,
    RenderRequest,
)
from bibliofile.gui.preferences_dialog import quick_copy_locale, quick_copy_style
from bibliofile.services.cayw_formats import PickedCite, formatted_citation, pandoc_citation

if TYPE_CHECKING:
    from bibliofile.gui.citation_picker import CitationPicker
    from bibliofile.gui.first_paint import AfterFirstRows
    from bibliofile.gui.window_api import WindowApi

log = logging.getLogger(__name__)

PORT_KEY = "cayw/port"
ENABLED_KEY = "cayw/enabled"
PLAIN_TEXT_KEY = "cite/picker_plain_text"  # "formatted" (default) or "pandoc"
MIME_MARKDOWN = "text/markdown"
ENDPOINT_DELAY_MS = 50  # after the first rows are painted: behind the window's own deferred set-up


class PickerActions(QObject):
    """Insert Citation and the CAYW endpoint for one main window."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.picker: CitationPicker | None = None
        self._menu_pick = False  # the open picker came from the menu (it holds the gate)
        self.endpoint = CaywEndpoint(self)
        self._first_paint: AfterFirstRows | None = None  # the endpoint's start, waiting
        self.endpoint.pickRequested.connect(self.pick_for_editor)
        self.endpoint.copyRequested.connect(self._copy_text)
        self.endpoint.renderRequested.connect(self.render_for_office)
        self.last_copied: QMimeData | None = None
        self.act_insert = QAction("Insert &Citation…", self)
        self.act_insert.setShortcut(QKeySequence("Ctrl+Alt+C"))
        self.act_insert.setStatusTip("Find references as you type and copy a citation with pages, prefix, suffix")
        self.act_insert.triggered.connect(lambda _c=False: self.open_picker())
        window.add_window_action(self.act_insert)
        _insert_before_preferences(window, self.act_insert)
        self.act_endpoint = QAction("Cite-as-You-&Write Endpoint", self)
        self.act_endpoint.setStatusTip("Where editors (pandoc, LaTeX, VS Code, Vim, Emacs, Obsidian) ask for citations")
        self.act_endpoint.triggered.connect(lambda _c=False: self.show_endpoint())
        window.menu_help.insertAction(window.menu_help.actions()[-1], self.act_endpoint)

    # ---- the picker ----------------------------------------------------------------------------
    def _new_picker(self) -> CitationPicker:
        # Imported on first use: it and its search were ~20 ms of CPU before the first rows (issue 22).
        from bibliofile.gui.citation_picker import CitationPicker

        w = self.window
        picker = CitationPicker(w.library, w.runner, w.as_parent())
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.picker = picker
        picker.destroyed.connect(lambda _o=None: setattr(self, "picker", None) if self.picker is picker else None)
        return picker

    def open_picker(self) -> CitationPicker | None:
        """Edit > Insert Citation…: a picker whose result goes to the clipboard (if an editor's
        pick is open, that picker comes forward instead)."""
        if not self.endpoint.gate.try_enter():
            if self.picker is not None:
                self.picker.activateWindow()
            return self.picker
        picker = self._new_picker()
        self._menu_pick = True
        pandoc_text = QCheckBox("Copy plain text as pandoc [@key]", picker.frame)
        pandoc_text.setObjectName("pandocPlainText")
        pandoc_text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        pandoc_text.setChecked(self.window.settings.value(PLAIN_TEXT_KEY, "formatted") == "pandoc")
        pandoc_text.toggled.connect(
            lambda on: self.window.settings.setValue(PLAIN_TEXT_KEY, "pandoc" if on else "formatted")
        )
        picker.frame_layout.addWidget(pandoc_text)
        picker.picked.connect(self.copy_citation)
        picker.finished.connect(lambda _r: self._menu_pick_done())
        picker.show()
        return picker

    def _menu_pick_done(self) -> None:
        if self._menu_pick:
            self._menu_pick = False
            self.endpoint.gate.leave()

    def copy_citation(self, cites: list[PickedCite]) -> None:
        """The picked citation to the clipboard, formatted in the quick-copy style (see the
        module doc for the MIME types)."""
        style, locale = quick_copy_style(self.window.settings), quick_copy_locale(self.window.settings)
        pandoc = pandoc_citation(cites)
        plain_pandoc = self.window.settings.value(PLAIN_TEXT_KEY, "formatted") == "pandoc"
        options = {"style": style, **({"locale": locale} if locale else {})}

        def work(_ctx: Any) -> tuple[str, str, str]:
            from bibliofile.services.citation_export import citation_html, rtf_document

            text = formatted_citation(cites, options)
            html = citation_html(formatted_citation(cites, {**options, "contentType": "html"}))
            rtf = rtf_document(formatted_citation(cites, {**options, "contentType": "rtf"}))
            return text, html, rtf

        def done(result: tuple[str, str, str]) -> None:
            text, html, rtf = result
            mime = QMimeData()
            mime.setData("text/html", QByteArray(html.encode("utf-8")))
            mime.setData("text/rtf", QByteArray(rtf.encode("utf-8")))
            mime.setData("application/rtf", QByteArray(rtf.encode("utf-8")))
            mime.setData(MIME_MARKDOWN, QByteArray(pandoc.encode("utf-8")))
            mime.setText(pandoc if plain_pandoc else text)
            QGuiApplication.clipboard().setMimeData(mime)
            self.last_copied = mime
            self.window.show_status(f"Copied {text} ({style}); pandoc: {pandoc}", 8000)

        def failed(exc: BaseException) -> None:
            # The keys are still worth having: the pandoc form needs no engine.
            QGuiApplication.clipboard().setText(pandoc)
            self.window.show_status(f"Could not format the citation in {style} ({exc}); copied {pandoc} instead.", 10000)

        self.window.show_status("Formatting the citation…")
        self.window.runner.read(work, done, failed)

    # ---- the endpoint --------------------------------------------------------------------------
    def pick_for_editor(self, request: PickRequest) -> None:
        """An editor asks (on the GUI thread, the gate already held by its request): bring the
        window forward, open a picker, answer with its cites or nothing."""
        # Activating asks the window manager to bring a window forward (X11's
        # _NET_ACTIVE_WINDOW raises it too); the picker also stays on top of the editor.
        w = self.window.as_parent()
        if w.isMinimized():
            w.showNormal()
        w.activateWindow()
        picker = self._new_picker()
        writer = request.fmt == "office"  # the Writer extension's Add Citation
        picker.setWindowTitle("Insert Citation (for LibreOffice Writer)" if writer else "Insert Citation (for your editor)")
        defaults = {"style": quick_copy_style(self.window.settings)}
        locale = quick_copy_locale(self.window.settings)
        if locale:
            defaults["locale"] = locale
        picker.picked.connect(lambda cites: request.finish(cites, defaults))
        picker.finished.connect(lambda _r: request.finish(None))  # after picked: ignored
        picker.show()
        picker.activateWindow()
        who = "LibreOffice Writer asks" if writer else "An editor asks"
        self.window.show_status(f"{who} for a citation: pick it, then Enter (Escape cancels).", 8000)

    def render_for_office(self, request: RenderRequest) -> None:
        """The Writer extension's citations, rendered on a reader with the library's data."""
        from bibliofile.services.office_render import OfficeRequestError, render_for_office

        library = self.window.library
        self.window.runner.read(
            lambda _ctx: render_for_office(request.payload, library),
            request.finish,
            lambda exc: request.finish(None, str(exc) if isinstance(exc, OfficeRequestError | ValueError) else f"{type(exc).__name__}: {exc}"),
        )

    def _copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    def start_endpoint(self, port: int | None = None) -> int | None:
        """Start listening on ``port``, else the setting's (off with ``cayw/enabled`` false).
        The app calls this as it shows the window (gui/app.py), not the window itself, so the
        windows tests make never take a real port; tests pass ``port=0``."""
        settings = self.window.settings
        endpoint_file = None
        if port is None:
            if not _truthy(settings.value(ENABLED_KEY, True)):
                return None
            port = _int(settings.value(PORT_KEY, DEFAULT_PORT), DEFAULT_PORT)
            # office_endpoint, not office_render: the citation engine's modules wait (issue 22)
            from bibliofile.services import office_endpoint

            endpoint_file = office_endpoint.endpoint_path()
            office_endpoint.write_command_file(office_endpoint.state_dir() / office_endpoint.COMMAND_FILE)
        got = self.endpoint.start(port, endpoint_file=endpoint_file)
        if got is None:
            self.window.show_status(
                f"Cite as you write is off: {self.endpoint.error}. Set another port as cayw/port.", 15000
            )
        elif port and got != port:
            self.window.show_status(
                f"Cite as you write listens on port {got} ({port} is taken, by Zotero perhaps): "
                f"point your editor at {self.endpoint.url}", 15000,
            )
        self.act_endpoint.setText(f"Cite-as-You-&Write Endpoint ({got or 'off'})")
        return got

    def start_endpoint_after_first_paint(self) -> None:
        """Start the endpoint once the table has painted its first rows and the event loop
        turned (the app calls this as it shows the window): binding the port and starting the
        server's thread are nothing the first screen needs (issue 22)."""
        from bibliofile.gui.first_paint import AfterFirstRows

        def start() -> None:
            self.start_endpoint()

        self._first_paint = AfterFirstRows(self.window.table, start, delay_ms=ENDPOINT_DELAY_MS)

    def stop_endpoint(self) -> None:
        if self._first_paint is not None:
            self._first_paint.cancel()
        self.endpoint.stop()
        if self.picker is not None:
            self.picker.close()

    def endpoint_text(self) -> str:
        if self.endpoint.port:
            return (
                f"Editors can ask Bibliofile for citations at\n{self.endpoint.url}?format=pandoc\n\n"
                "It answers Better BibTeX's cite-as-you-write requests (formats pandoc, latex, "
                "biblatex, natbib, mmd, jekyll, asciidoctor-bibtex, scannable-cite, formatted-"
                "citation, formatted-bibliography, json; probe=1 answers ready), from this "
                "computer only."
            )
        why = self.endpoint.error or "it starts once the window is ready"
        return f"The cite-as-you-write endpoint is not listening ({why}).\nIts port is the setting {PORT_KEY} (default {DEFAULT_PORT}, then up to {DEFAULT_PORT + PORT_TRIES - 1})."

    def show_endpoint(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, "Cite as You Write", self.endpoint_text(), parent=self.window.as_parent())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box


def _insert_before_preferences(window: WindowApi, action: QAction) -> None:
    """Put Insert Citation with the other citation entries, above Preferences (last, by
    convention) when the Edit menu has it, else at the end."""
    menu = window.menu_edit
    actions = menu.actions()
    for n, a in enumerate(actions):
        if a.menuRole() == QAction.MenuRole.PreferencesRole:
            before = actions[n - 1] if n > 0 and actions[n - 1].isSeparator() else a
            menu.insertAction(before, action)
            return
    menu.addAction(action)


def _truthy(value: object) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def _int(value: object, default: int) -> int:
    try:
        n = int(str(value))
    except ValueError:
        return default
    return n if 0 < n < 65536 else default


__all__ = ["PATH", "PickerActions"]
