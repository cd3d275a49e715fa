"""File > Export / Create Bibliography: a formatted bibliography or citations in any CSL style, or
BibTeX, BibLaTeX, RIS, CSL-JSON, of the selection, the current collection or the library.

It is the window's one export path (``CitationController.open_export_dialog``): given a
``source`` (the library and the ids of each scope), a style picker searchable over every style,
the language, the output, a live preview, Copy and Save.

The preview renders on the window's ``TaskRunner`` (building a style's engine costs up to a
second; formatting 100 references a few hundred ms), never on the GUI thread; a newer request
makes an older result stale, so the preview always shows the latest choice. It shows the HTML as
a word processor will (italics, small caps, hanging indent, line spacing) and at most
``PREVIEW_LIMIT`` references; Copy and Save format everything. A style that fails (a broken .csl
file) shows its message in the preview, never an exception.

Files are written atomically (``services.exporting.write_atomically``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QByteArray, QMimeData, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.import_dialog import plural

log = logging.getLogger(__name__)

What = Literal["selection", "view", "library"]
PREVIEW_LIMIT = 100
PREVIEW_DELAY_MS = 120


@dataclass(frozen=True, slots=True)
class ExportChoice:
    what: What
    dialect: Literal["bibtex", "biblatex"]


@dataclass
class ExportSource:
    """What the full dialog exports from: the library, the ids of each scope, a runner."""

    library: Any  # storage.library.Library
    runner: Any  # gui.task_runner.TaskRunner
    ids_for: Callable[[What], list[int] | None]  # None: the whole library
    settings: QSettings | None = None


class ExportDialog(QDialog):
    """Ask what to export and how from ``source``; preview, copy and save it here.

    Signals:
        previewReady(): the preview shows the current choice (or its error).
        exported(str): a file was saved (its path).
    """

    previewReady = Signal()
    exported = Signal(str)

    def __init__(
        self,
        selected: int,
        view_label: str,
        view_count: int,
        library_count: int,
        parent: QWidget | None,
        source: ExportSource,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.setWindowTitle("Export / Create Bibliography")
        self.setObjectName("exportDialog")
        self._generation = 0
        self._busy = 0
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.radios: dict[What, QRadioButton] = {}
        options: Sequence[tuple[What, str, int]] = (
            ("selection", f"Selected references ({selected})", selected),
            ("view", f"{view_label} ({view_count})", view_count),
            ("library", f"Whole library ({library_count}, keeps the files' layout and @string blocks)", library_count),
        )
        scope_box = QVBoxLayout()
        scope_box.setSpacing(2)
        for what, text, n in options:
            rb = QRadioButton(text, self)  # radio button text is never rich text
            rb.setEnabled(n > 0 or what == "library")
            self.group.addButton(rb)
            self.radios[what] = rb
            scope_box.addWidget(rb)
        (self.radios["selection"] if selected else self.radios["library"]).setChecked(True)
        self._build_full(layout, scope_box)

    # ---- the full dialog ------------------------------------------------------------------
    def _build_full(self, layout: QVBoxLayout, scope_box: QVBoxLayout) -> None:
        from bibliofile.citation.locales import available_locales, language_name
        from bibliofile.gui.style_picker import StylePicker
        from bibliofile.services.citation_export import PORTAL_FORMATS, all_options

        self.options = {o.key: o for o in all_options()}
        portal = QHBoxLayout()
        portal_label = QLabel("Cite this:", self)
        portal_label.setTextFormat(Qt.TextFormat.PlainText)
        portal.addWidget(portal_label)
        self.portal_buttons: dict[str, QPushButton] = {}
        for pf in PORTAL_FORMATS:
            btn = QPushButton(pf.label, self)
            btn.setAutoDefault(False)
            btn.setEnabled(pf.output in self.options)
            if not btn.isEnabled():
                btn.setToolTip(f"{pf.label} export is not installed")
            btn.clicked.connect(lambda _c=False, pf=pf: self.apply_portal_format(pf.label))
            self.portal_buttons[pf.label] = btn
            portal.addWidget(btn)
        portal.addStretch(1)
        layout.addLayout(portal)

        body = QHBoxLayout()
        left = QVBoxLayout()
        style_label = QLabel("Citation style", self)
        style_label.setTextFormat(Qt.TextFormat.PlainText)
        left.addWidget(style_label)
        self.picker = StylePicker(parent=self)
        self.picker.setMinimumWidth(400)
        left.addWidget(self.picker, 1)
        self.add_style_button = QPushButton("Add Style File…", self)
        self.add_style_button.setAutoDefault(False)
        self.add_style_button.clicked.connect(self.ask_add_style)
        left.addWidget(self.add_style_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addLayout(left, 2)

        right = QVBoxLayout()
        form = QFormLayout()
        form.addRow("References:", scope_box)
        self.output = QComboBox(self)
        self.output.setObjectName("exportOutput")
        self.output.addItem("Bibliography", "bibliography")
        self.output.addItem("Citations (in-text)", "citations")
        for key, opt in self.options.items():
            if not opt.formatted:
                self.output.addItem(opt.label, key)
        self.text_format = QComboBox(self)
        self.text_format.setObjectName("exportFormat")
        for fmt, label in (("html", "HTML"), ("rtf", "RTF"), ("text", "Plain text")):
            self.text_format.addItem(label, fmt)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output, 1)
        out_row.addWidget(self.text_format, 1)
        form.addRow("Output:", out_row)
        self.language = QComboBox(self)
        self.language.setObjectName("exportLanguage")
        self.language.addItem("The style's own language", "")
        for tag in available_locales():
            self.language.addItem(language_name(tag), tag)
        form.addRow("Language:", self.language)
        right.addLayout(form)
        self.preview = QTextBrowser(self)
        self.preview.setObjectName("exportPreview")
        self.preview.setOpenLinks(False)
        self.preview.setMinimumSize(460, 300)
        right.addWidget(self.preview, 1)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        right.addWidget(self.status)
        body.addLayout(right, 3)
        layout.addLayout(body, 1)

        buttons = QDialogButtonBox(self)
        self.copy_button = buttons.addButton("&Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton("&Save…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self.ask_save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._restore()
        self.picker.styleChanged.connect(self._changed)
        self.output.currentIndexChanged.connect(self._changed)
        self.text_format.currentIndexChanged.connect(self._changed)
        self.language.currentIndexChanged.connect(self._changed)
        self.group.buttonToggled.connect(self._scope_toggled)
        self._update_enabled()
        self.resize(1120, 660)
        self.refresh_preview()

    def _restore(self) -> None:
        s = self.source.settings
        style = str(s.value("export/style", "apa")) if s is not None else "apa"
        self.picker.set_style(style)
        if s is not None:
            for combo, key in ((self.output, "export/output"), (self.text_format, "export/format"), (self.language, "export/language")):
                i = combo.findData(str(s.value(key, combo.currentData())))
                if i >= 0:
                    combo.setCurrentIndex(i)

    def _remember(self) -> None:
        s = self.source.settings
        if s is None:
            return
        s.setValue("export/style", self.picker.style_id())
        s.setValue("export/output", self.output.currentData())
        s.setValue("export/format", self.text_format.currentData())
        s.setValue("export/language", self.language.currentData())

    # ---- choices ---------------------------------------------------------------------------
    def what(self) -> What:
        return next(w for w, rb in self.radios.items() if rb.isChecked())

    def choice(self) -> ExportChoice:
        key = self.output.currentData()
        return ExportChoice(self.what(), key if key in ("bibtex", "biblatex") else "bibtex")

    def option_key(self) -> str:
        key = str(self.output.currentData())
        return f"{key}:{self.text_format.currentData()}" if key in ("bibliography", "citations") else key

    def language_tag(self) -> str | None:
        return str(self.language.currentData()) or None

    def set_output(self, key: str) -> None:
        """Choose an output by option key ("bibliography:html", "ris", ...)."""
        head, _, fmt = key.partition(":")
        i = self.output.findData(head)
        if i >= 0:
            self.output.setCurrentIndex(i)
        if fmt:
            self.text_format.setCurrentIndex(self.text_format.findData(fmt))

    def apply_portal_format(self, label: str) -> None:
        """One of the portal's "Cite this" formats: its style and output in one click."""
        from bibliofile.services.citation_export import PORTAL_FORMATS

        pf = next(p for p in PORTAL_FORMATS if p.label == label)
        if pf.style:
            self.picker.set_style(pf.style)
        self.set_output(pf.output)

    def _scope_toggled(self, _button: Any, checked: bool) -> None:
        if checked:
            self._changed()

    def _changed(self, *_args: Any) -> None:
        self._update_enabled()
        self._remember()
        self._generation += 1  # results of older requests are stale from now on
        self._timer.start()

    def _update_enabled(self) -> None:
        formatted = self.output.currentData() in ("bibliography", "citations")
        self.text_format.setEnabled(formatted)
        self.language.setEnabled(formatted)
        self.picker.setEnabled(formatted)

    def ask_add_style(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Add Citation Style", str(Path.home()), "CSL styles (*.csl)")
        if path:
            self.add_style(path)

    def add_style(self, path: str | Path) -> bool:
        """Copy a .csl file into the user's styles and choose it; a bad file says why."""
        from bibliofile.citation.styles import InvalidStyle, StyleNotFound

        try:
            info = self.picker.styles.add_user_style(path)
        except (InvalidStyle, StyleNotFound, OSError, UnicodeDecodeError) as exc:
            self.status.setText(f"{Path(path).name}: not added. {exc}")
            return False
        self.picker.reload()
        self.picker.set_style(info.id)
        self.status.setText(f"Added the style “{info.title}” from {Path(path).name}.")
        return True

    # ---- rendering --------------------------------------------------------------------------
    def _request(self) -> tuple[list[int] | None, str, str, str | None]:
        return self.source.ids_for(self.what()), self.option_key(), self.picker.style_id(), self.language_tag()

    def refresh_preview(self) -> None:
        """Render the preview of the current choice in the background."""
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        ids, key, style, locale = self._request()
        library = self.source.library
        self.status.setText("Formatting…")
        self.status.setToolTip("")
        self._busy += 1

        def work(_ctx: Any) -> tuple[str, str, int, int]:
            return _preview(library, ids, key, style, locale)

        def done(result: tuple[str, str, int, int]) -> None:
            self._busy -= 1
            if generation != self._generation:
                return
            kind, text, shown, total = result
            fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
            self.preview.setFont(fixed if kind == "data" else self.font())
            if kind == "html":
                self.preview.setHtml(text)
            else:
                self.preview.setPlainText(text)
            more = f" (preview of the first {shown:,} of {total:,})" if shown < total else ""
            self.status.setText(f"{plural(total, 'reference')}{more}.")
            self.previewReady.emit()

        def failed(exc: BaseException) -> None:
            self._busy -= 1
            if generation != self._generation:
                return
            self.preview.setPlainText(_failure_text(exc, style))
            self.status.setText("This choice cannot be formatted; see the preview.")
            self.previewReady.emit()

        self.source.runner.read(work, done, failed)

    @property
    def busy(self) -> bool:
        return self._busy > 0 or self._timer.isActive()

    def copy(self) -> None:
        """Format everything chosen and put it on the clipboard (rich text with a text fallback)."""
        ids, key, style, locale = self._request()
        library = self.source.library
        self.status.setText("Copying…")

        def work(_ctx: Any) -> dict[str, bytes]:
            return _clipboard(library, ids, key, style, locale)

        def done(data: dict[str, bytes]) -> None:
            mime = QMimeData()
            for mime_type, payload in data.items():
                mime.setData(mime_type, QByteArray(payload))
            QGuiApplication.clipboard().setMimeData(mime)
            self.status.setText("Copied to the clipboard.")

        self.source.runner.read(work, done, self._failed)

    def ask_save(self) -> None:
        from bibliofile.services.citation_export import all_options

        key = self.option_key()
        opt = next(o for o in all_options() if o.key == key)
        s = self.source.settings
        start = Path(str(s.value("paths/export", str(Path.home())))) if s is not None else Path.home()
        name = "references" if not opt.formatted else opt.mode
        path, _f = QFileDialog.getSaveFileName(
            self, "Save", str(start / f"{name}.{opt.suffix}"), f"{opt.file_filter};;All files (*)"
        )
        if path:
            if s is not None:
                s.setValue("paths/export", str(Path(path).parent))
            self.save_to(path)

    def save_to(self, path: str | Path) -> None:
        """Format everything chosen and write it to ``path`` atomically (in the background)."""
        ids, key, style, locale = self._request()
        library = self.source.library
        self.status.setText(f"Saving {Path(path).name}…")
        self.status.setToolTip("")

        def work(_ctx: Any) -> tuple[int, list[str]]:
            from bibliofile.services.exporting import export_to_file, write_atomically

            if key in ("bibtex", "biblatex", "ris"):
                # As `export -o` writes: a whole library read from one .bib goes back in that
                # file's encoding (and BOM); the notes include what the encoding could not hold.
                notes = export_to_file(library, path, dialect=key, ids=ids)  # type: ignore[arg-type]
                return (len(ids) if ids is not None else library.count()), notes
            notes = []
            text, n = _full_text(library, ids, key, style, locale, notes)
            write_atomically(path, text)
            return n, notes

        def done(result: tuple[int, list[str]]) -> None:
            n, notes = result
            self.status.setText(f"Saved {n} reference{'' if n == 1 else 's'} to {path}.{_notes_text(notes)}")
            self.status.setToolTip("\n".join(notes))
            self.exported.emit(str(path))

        self.source.runner.read(work, done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        from bibliofile.services.exporting import ExportError

        if isinstance(exc, ExportError):  # the file could not be written: say where and why
            self.status.setText(str(exc))
            return
        self.status.setText(_failure_text(exc, self.picker.style_id()))


# ---- work done on the runner's threads --------------------------------------------------------
def _failure_text(exc: BaseException, style: str) -> str:
    from bibliofile.citation.engine import CitationError, EngineUnavailable
    from bibliofile.citation.locales import LocaleDataMissing
    from bibliofile.citation.styles import InvalidStyle, StyleNotFound
    from bibliofile.services.citing import CitingError

    known = (CitationError, EngineUnavailable, LocaleDataMissing, InvalidStyle, StyleNotFound, CitingError, OSError, ValueError)
    if not isinstance(exc, known):
        log.error("export dialog: formatting failed", exc_info=exc)
    return f"The style “{style}” could not format these references: {exc}"


def _ids(library: Any, ids: list[int] | None) -> list[int]:
    return list(ids) if ids is not None else list(library.search(""))


def _preview(library: Any, ids: list[int] | None, key: str, style: str, locale: str | None) -> tuple[str, str, int, int]:
    """("html"|"text"|"data", content, shown, total) for the first PREVIEW_LIMIT references."""
    from bibliofile.services.citation_export import Mode, data_text_of, render
    from bibliofile.services.inheritance import references_by_ids

    all_ids = _ids(library, ids)
    shown = all_ids[:PREVIEW_LIMIT]
    refs = references_by_ids(library, shown)
    if not refs:
        return "text", "Nothing to export: no references in this choice.", 0, 0
    head, _, fmt = key.partition(":")
    if not fmt:
        return "data", data_text_of(refs, key), len(shown), len(all_ids)
    mode: Mode = "citations" if head == "citations" else "bibliography"
    if fmt == "text":
        return "text", render(refs, style, locale, "text", mode), len(shown), len(all_ids)
    # HTML and RTF both preview as the formatted document a word processor shows.
    return "html", render(refs, style, locale, "html", mode), len(shown), len(all_ids)


NOTES_SHOWN = 5  # notes in the status line after a save; all of them are in its tooltip


def _notes_text(notes: list[str]) -> str:
    """What the export could not write as the library holds it (RIS losses, BibTeX notes), as the
    CLI prints them on stderr: a count and the first few, so the status stays readable."""
    if not notes:
        return ""
    more = f"\n… and {len(notes) - NOTES_SHOWN} more (hover for all)" if len(notes) > NOTES_SHOWN else ""
    head = f"\n{plural(len(notes), 'note')} on what the file could not carry as the library holds it:\n"
    return head + "\n".join(notes[:NOTES_SHOWN]) + more


def _full_text(
    library: Any, ids: list[int] | None, key: str, style: str, locale: str | None, notes: list[str] | None = None
) -> tuple[str, int]:
    from bibliofile.services.citation_export import Mode, data_text, render
    from bibliofile.services.citing import CitingError
    from bibliofile.services.inheritance import references_by_ids

    head, _, fmt = key.partition(":")
    if not fmt:
        n = len(ids) if ids is not None else library.count()
        return data_text(library, ids, key, notes), n
    refs = references_by_ids(library, _ids(library, ids))
    if not refs:
        raise CitingError("No references to export.")
    mode: Mode = "citations" if head == "citations" else "bibliography"
    return render(refs, style, locale, fmt, mode), len(refs)  # type: ignore[arg-type]


def _clipboard(library: Any, ids: list[int] | None, key: str, style: str, locale: str | None) -> dict[str, bytes]:
    """MIME type -> bytes: rich formats with the plain text beside them."""
    from bibliofile.services.citation_export import Mode, render
    from bibliofile.services.citation_payload import (
        MIME_BIBTEX,
        MIME_CSL_JSON,
        MIME_HTML,
        MIME_RTF,
        MIME_RTF_ALT,
        MIME_TEXT,
    )
    from bibliofile.services.citing import CitingError
    from bibliofile.services.inheritance import references_by_ids

    head, _, fmt = key.partition(":")
    if not fmt:
        text, _n = _full_text(library, ids, key, style, locale)
        out = {MIME_TEXT: text.encode("utf-8")}
        extra = {"bibtex": MIME_BIBTEX, "biblatex": MIME_BIBTEX, "csl-json": MIME_CSL_JSON, "ris": "application/x-research-info-systems"}
        out[extra[key]] = text.encode("utf-8")
        return out
    refs = references_by_ids(library, _ids(library, ids))
    if not refs:
        raise CitingError("No references to copy.")
    mode: Mode = "citations" if head == "citations" else "bibliography"
    out = {MIME_TEXT: render(refs, style, locale, "text", mode).encode("utf-8")}
    if fmt in ("html", "rtf"):
        out[MIME_HTML] = render(refs, style, locale, "html", mode).encode("utf-8")
        rtf = render(refs, style, locale, "rtf", mode).encode("utf-8")
        out[MIME_RTF] = rtf
        out[MIME_RTF_ALT] = rtf
    return out
