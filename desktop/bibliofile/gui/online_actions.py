"""The window's online part (issue 18): Add by Identifier in the toolbar, References > Find
Metadata Online, and the "to look up" queue in the status bar.

A part of MainWindow (a mixin) that assembles the pieces, each in a module of its own:
``add_identifier`` (the toolbar field), ``metadata_merge_dialog`` (field-by-field merge),
``lookup_queue`` (the queue, its view and retries) and ``lookup_progress`` (lookups off the GUI
thread, with progress and Cancel in the status bar). Building the window adds only widgets;
nothing here imports the HTTP client or the lookup services until a lookup is asked for, and the
queue is first read once the window is idle (``_start_online``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolBar

from bibliofile.gui.add_identifier import AddByIdentifier, without_label
from bibliofile.gui.lookup_progress import LookupProgress, NetworkJobs
from bibliofile.gui.lookup_queue import LookupQueue
from bibliofile.gui.undo import change_command
from bibliofile.gui.window_api import WindowMixin

if TYPE_CHECKING:
    from bibliofile.gui.lookup_progress import Job
    from bibliofile.gui.metadata_merge_dialog import MetadataMergeDialog


class OnlineActions(WindowMixin):
    """Installs the online features and runs Find Metadata Online."""

    if TYPE_CHECKING:
        toolbar: QToolBar
        act_trash: QAction
        menu_references: QMenu
        network_jobs: NetworkJobs
        lookup_progress: LookupProgress
        add_by_identifier: AddByIdentifier
        lookup_queue: LookupQueue
        act_find_metadata: QAction
        merge_dialog: MetadataMergeDialog | None

    def _install_online(self) -> None:
        """Widgets and actions only (start-up stays light): the toolbar field after New and
        Trash, progress and the queue's button in the status bar, a References menu."""
        self.merge_dialog = None
        jobs = self.network_jobs = NetworkJobs(self.runner.synchronous, self)
        self.lookup_progress = LookupProgress(jobs, self)
        self.statusBar().insertPermanentWidget(0, self.lookup_progress)
        self.add_by_identifier = AddByIdentifier(self, jobs, self.toolbar)
        actions = self.toolbar.actions()
        after_trash = actions.index(self.act_trash) + 1 if self.act_trash in actions else len(actions)
        before = actions[after_trash] if after_trash < len(actions) else None
        if before is None:
            self.toolbar.addWidget(self.add_by_identifier.field)
        else:
            self.toolbar.insertWidget(before, self.add_by_identifier.field)
        self.lookup_queue = LookupQueue(self, jobs)
        self.statusBar().insertPermanentWidget(1, self.lookup_queue.button)

        self.act_find_metadata = QAction("Find &Metadata Online", self)
        self.act_find_metadata.setStatusTip(
            "Look the selected references up online (by DOI, arXiv ID, PMID, ISBN, or their title) and fill what they lack"
        )
        self.act_find_metadata.triggered.connect(lambda _c=False: self.find_metadata_online())
        self.menu_references = self._references_menu()
        self.menu_references.addActions([self.add_by_identifier.action, self.act_find_metadata])
        self.menu_references.addSeparator()
        self.menu_references.addActions([self.lookup_queue.act_show, self.lookup_queue.act_retry])
        self.table_menu_hooks.append(self._online_table_menu)
        self.table.selectionIdsChanged.connect(lambda ids: self.act_find_metadata.setEnabled(bool(ids) and not self.model.scope.trash))
        self.act_find_metadata.setEnabled(False)

    def _references_menu(self) -> QMenu:
        """The References menu (before Tools), made here unless the window already has one."""
        bar = self.menuBar()
        for act in bar.actions():
            menu = act.menu()
            if isinstance(menu, QMenu) and act.text().replace("&", "") == "References":
                return menu
        made = QMenu("&References", self)
        bar.insertMenu(self.menu_tools.menuAction(), made)
        return made

    def _online_table_menu(self, menu: QMenu, ids: list[int]) -> None:
        if ids and not self.model.scope.trash:
            menu.addAction(self.act_find_metadata)

    def _start_online(self) -> None:
        """Once the window is idle after start: read the queue and retry what is due."""
        self.lookup_queue.start_when_idle()

    def _stop_online(self) -> None:
        """The window closes: cancel running lookups and wait (at most a request's timeout)."""
        self.network_jobs.wait()

    # ---- Find Metadata Online -----------------------------------------------------------------
    def find_metadata_online(self, ids: Sequence[int] | None = None) -> None:
        """Look the selected references up in the background, then show the merge dialog."""
        wanted = list(ids) if ids is not None else self.table.selected_ids()
        if not wanted:
            self.show_status("Select the references to look up first.", 6000)
            return
        library = self.library

        def read(_ctx: Any) -> list[Any]:
            from bibliofile.services.lookup import references_to_complete

            return references_to_complete(library, wanted)

        self.runner.read(read, self._fetch_completions, self.show_error)

    def _fetch_completions(self, refs: list[Any]) -> None:
        if not refs:
            return
        from bibliofile.gui.metadata_merge_dialog import reference_name
        from bibliofile.services.lookup import fetch_completions

        n = len(refs)
        label = f"Finding metadata for {reference_name(refs[0])}" if n == 1 else f"Finding metadata for {n:,} references"
        self.network_jobs.start(
            label, n, lambda client, progress: fetch_completions(client, refs, progress),
            self._completions_found, self.show_error,
        )

    def _completions_found(self, job: Job, completions: list[Any]) -> None:
        from bibliofile.gui.metadata_merge_dialog import MetadataMergeDialog, reference_name
        from bibliofile.services.lookup import complete_operation

        if job.cancelled:
            self.show_status("Lookup cancelled: nothing was changed.", 8000)
            return
        transient = [c for c in completions if c.plan is None and c.transient]
        if transient:
            # Queued to try again later: bookkeeping, not an edit, so no undo step.
            self.run_write(complete_operation(transient))
        useful = [c for c in completions if (c.plan is not None and not c.plan.empty) or c.candidates]
        if not useful:
            self.show_status(_nothing_message(completions, reference_name), 15000)
            return
        dlg = MetadataMergeDialog(useful, self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.accepted.connect(lambda: self._apply_merge(dlg))
        dlg.finished.connect(lambda _r: setattr(self, "merge_dialog", None))
        self.merge_dialog = dlg
        dlg.open()

    def _apply_merge(self, dlg: MetadataMergeDialog) -> None:
        from bibliofile.gui.metadata_merge_dialog import reference_name
        from bibliofile.gui.preferences_dialog import citation_key_pattern
        from bibliofile.services.lookup import complete_operation

        completions, accept, count = dlg.chosen()
        if not completions:
            return
        whom = reference_name(completions[0].reference, completions[0].found) if len(completions) == 1 else f"{len(completions):,} references"
        fields = f"{count:,} field{'s' if count != 1 else ''}"
        message = f"Completed {fields} of {whom}."
        operation = complete_operation(completions, accept, key_pattern=citation_key_pattern(self.settings))
        cmd = change_command(
            self, f"Complete {fields} of {whom}", operation,
            after_redo=lambda: self.show_status(message, 10000),
        )
        self.undo_stack.push(cmd)


def _nothing_message(completions: Sequence[Any], name: Any) -> str:
    """Why Find Metadata Online has nothing to show, for the status bar."""
    parts: list[str] = []
    for c in completions[:3]:
        who = name(c.reference)
        label = c.identifier.label if c.identifier is not None else ""
        why = without_label(c.message, label) if label else c.message
        who_by = f"{who} ({label})" if label and why != c.message else who
        if c.plan is not None:
            parts.append(f"{who} already holds what the record found by {c.how} has")
        elif c.transient:
            parts.append(f"{who_by}: {why}; queued to try again when the network is back")
        else:
            parts.append(f"{who_by}: {why}; nothing was changed")
    if len(completions) > 3:
        parts.append(f"{len(completions) - 3:,} more alike")
    return "; ".join(parts) + "."
