"""Add by identifier: the toolbar field (Ctrl+Shift+N) that takes DOIs, ISBNs, arXiv IDs, PMIDs
and PMCIDs, one or many (spaces, new lines: a pasted list works), and adds complete references.

Enter reads the identifiers (what the library already holds is a duplicate and is selected, not
fetched), looks the new ones up in the background (``lookup_progress``: progress and Cancel in
the status bar), then adds what was found as one undo step and selects it. An identifier that
could not be looked up for a passing reason (no network, a service down or rate-limited) becomes
a "To look up" placeholder waiting in the queue, with the reason; one that does not exist adds
nothing and stays in the field with the reason, as does text that is no identifier, so a typo
can be fixed where it was typed. Cancelling adds nothing.

The services do the work (``services.lookup``: read, fetch, write); this module only asks, waits
and tells, so the window never waits on the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget

from bibliofile.gui.undo import change_command

if TYPE_CHECKING:
    from bibliofile.gui.lookup_progress import Job, NetworkJobs
    from bibliofile.gui.window_api import WindowApi

PLACEHOLDER = "DOI, ISBN, arXiv or PubMed ID…"
SHORTCUT = "Ctrl+Shift+N"
_BREAKS = re.compile(r"[ \t]*[\r\n\t]+[ \t]*")  # a line break (with the spaces around it) is one space


class IdentifierField(QLineEdit):
    """A one-line field that takes a pasted list: line breaks become spaces as they arrive, so
    the list stays readable and every identifier in it is kept.

    Signals:
        submitted(str): Enter with text in the field.
    """

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addIdentifierField")
        self.setPlaceholderText(PLACEHOLDER)
        self.setClearButtonEnabled(True)
        self.setToolTip(
            "Add by identifier (Ctrl+Shift+N): type or paste DOIs, ISBNs, arXiv IDs, PMIDs or "
            "PMCIDs, separated by spaces or one per line, and press Enter"
        )
        self.setMinimumWidth(240)
        # Reached by Ctrl+Shift+N or a click, not by Tab: the window's Tab order (search field,
        # sidebar, table, detail pane) is the reading order of the library, kept as it was.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMaxLength(200_000)  # a pasted list of a few thousand identifiers
        self.textChanged.connect(self._flatten)
        self.returnPressed.connect(self._submit)

    def _flatten(self, text: str) -> None:
        if "\n" in text or "\r" in text or "\t" in text:
            pos = self.cursorPosition()
            flat = _BREAKS.sub(" ", text)
            self.setText(flat)
            self.setCursorPosition(min(pos, len(flat)))

    def _submit(self) -> None:
        text = self.text().strip()
        if text:
            self.submitted.emit(text)


@dataclass
class AddSummary:
    """What one Enter did, in words: ``added`` ids (found, then placeholders), ``duplicates``
    (label, ids already there), ``queued`` and ``failed`` (label, reason), ``invalid`` (text,
    reason). ``message`` is the status-bar line."""

    added: list[int] = field(default_factory=list)
    found: int = 0
    duplicates: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    queued: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False

    @property
    def message(self) -> str:
        if self.cancelled:
            return "Lookup cancelled: nothing was added."
        parts: list[str] = []
        if self.found:
            parts.append(f"Added {_plural(self.found, 'reference')}")
        for label, _ids in self.duplicates[:3]:
            parts.append(f"{label} is already in the library (selected)")
        if len(self.duplicates) > 3:
            parts.append(f"{len(self.duplicates) - 3} more already in the library")
        if self.queued:
            label, why = self.queued[0]
            who = label if len(self.queued) == 1 else f"{len(self.queued):,} identifiers"
            parts.append(f"{who} kept as “to look up”: {without_label(why, label)}; retried when the network is back")
        for label, why in self.failed[:2]:
            parts.append(f"not added: {why}" if label in why else f"{label} not added: {why}")
        for text, why in self.invalid[:2]:
            parts.append(f"“{_short(text)}” is {why}" if why.startswith("not ") else f"“{_short(text)}”: {why}")
        rest = len(self.failed[2:]) + len(self.invalid[2:])
        if rest:
            parts.append(f"{rest} more not added (left in the field)")
        return ("; ".join(parts) or "Nothing to add.") + ("." if parts else "")

    @property
    def left_over(self) -> list[str]:
        """What stays in the field: identifiers not found and text that is none."""
        return [t for t, _ in self.failed] + [t for t, _ in self.invalid]


def without_label(reason: str, label: str) -> str:
    """A service's reason without the identifier it starts with ("DOI 10.1/x: cannot reach
    doi.org" -> "cannot reach doi.org") where the identifier is already named beside it."""
    head = f"{label}: "
    return reason[len(head):] if reason.startswith(head) else reason


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class AddByIdentifier(QObject):
    """The toolbar field's controller: read, look up in the background, add as one undo step.

    ``field`` is the toolbar's ``IdentifierField``; ``action`` (Ctrl+Shift+N) focuses it.

    Signals:
        finished(object): an ``AddSummary`` once an Enter's work is done (added or not).
    """

    finished = Signal(object)

    def __init__(self, window: WindowApi, jobs: NetworkJobs, field_parent: QWidget | None = None) -> None:
        super().__init__(window.as_parent())
        self.window = window
        self.jobs = jobs
        self.field = IdentifierField(field_parent or window.as_parent())
        self.field.submitted.connect(self.add)
        act = self.action = QAction("Add by &Identifier…", self)
        act.setShortcut(QKeySequence(SHORTCUT))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setStatusTip("Add references by DOI, ISBN, arXiv ID, PMID or PMCID, looked up online")
        act.triggered.connect(lambda _checked=False: self.focus())
        window.add_window_action(act)
        self.last: AddSummary | None = None

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    # ---- Enter ------------------------------------------------------------------------------
    def add(self, text: str) -> None:
        """Read the identifiers (a small read of the library), then look the new ones up."""
        library = self.window.library

        def read(_ctx: Any) -> Any:
            # Imported here, on the worker: the lookup services bring the HTTP client and the
            # readers (~0.4 s the first time), which the GUI thread must not wait for.
            from bibliofile.services.lookup import read_identifiers

            return read_identifiers(library, text)

        self.window.runner.read(read, self._read_done, self.window.show_error)

    def _read_done(self, request: Any) -> None:
        summary = AddSummary()
        summary.duplicates = [(i.label, tuple(ids)) for i, ids in request.existing]
        summary.invalid = [(u.text, u.reason) for u in request.invalid]
        idents = list(request.identifiers)
        if not idents:
            self._finish(summary)
            return
        from bibliofile.services.lookup import fetch_identifiers

        self.field.setText(" ".join(summary.left_over))  # the rest is on its way
        n = len(idents)
        label = f"Looking up {_plural(n, 'identifier')}" if n > 1 else f"Looking up {idents[0].label}"
        self.jobs.start(
            label, n,
            lambda client, progress: fetch_identifiers(client, idents, progress),
            lambda job, fetched: self._fetched(job, fetched, summary),
            self._fetch_failed,
        )

    def _fetch_failed(self, exc: BaseException) -> None:
        self.window.show_error(exc)

    def _fetched(self, job: Job, fetched: Sequence[Any], summary: AddSummary) -> None:
        if job.cancelled:
            summary.cancelled = True
            summary.invalid.extend((f.identifier.text, "not looked up (cancelled)") for f in fetched)
            self._finish(summary)
            return
        from bibliofile.gui.preferences_dialog import citation_key_pattern
        from bibliofile.services.lookup import add_operation

        for f in fetched:
            if f.reference is not None:
                summary.found += 1
            elif f.transient:
                summary.queued.append((f.identifier.label, f.message))
            else:
                summary.failed.append((f.identifier.text, f.message))
        storable = [f for f in fetched if f.reference is not None or f.transient]
        if not storable:
            self._finish(summary)
            return
        operation = add_operation(fetched, key_pattern=citation_key_pattern(self.window.settings))
        made: list[Any] = []

        def run(uow: Any) -> Any:
            change = operation(uow)
            made[:] = [change]
            return change

        def after_redo() -> None:
            if not made:
                return
            summary.added = list(made[0].ids)
            self._finish(summary)

        n = len(storable)
        cmd = change_command(self.window, f"Add {_plural(n, 'Reference')} by Identifier", run, after_redo=after_redo)
        self.window.undo_stack.push(cmd)

    def _finish(self, summary: AddSummary) -> None:
        self.last = summary
        keep = summary.left_over
        if keep:
            self.field.setText(" ".join(keep))
        elif not self.jobs.busy:
            self.field.clear()
        select = list(summary.added) + [i for _l, ids in summary.duplicates for i in ids]
        if select:
            self.window.show_in_library(list(dict.fromkeys(select)))
        self.window.show_status(summary.message, 15000)
        self.finished.emit(summary)
