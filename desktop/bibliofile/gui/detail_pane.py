"""The detail pane: every field of the selected reference, grouped and editable in place.

Each finished edit (Return, or leaving the field) is one ``EditReferenceCommand`` on the window's
shared undo stack, written at once. Several selected references are shown read-only, with the
values they share and "(various)" where they differ; "Edit All N…" (gui/pane_selection.py)
unlocks editing after a confirmation, and then an edit sets a field on all of them as one step. User text is only ever shown through
plain-text widgets (line edits, plain-text labels): a title holding ``<b>`` shows the tags.
Colours and fonts come from the palette, so dark mode works. The Tags row (gui/tags_editor.py)
adds and removes tags of the selection, each change one step on the same undo stack.
services.selection_summary is imported on first use: it imports SQLAlchemy, which loads after
the first screen (issue 22).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QPalette,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bibliofile.gui.creators_editor import MULTIPLE, CreatorsEditor, display_name
from bibliofile.gui.field_editors import FieldEditor, FieldLineEdit, GrowingTextEdit
from bibliofile.gui.pane_reading import ReadingRows, reading_command
from bibliofile.gui.pane_selection import (
    EDIT_ALL_LIMIT,
    SelectionBanner,
    batch_status,
    pending_note,
)
from bibliofile.gui.tags_editor import TagsEditor, all_tag_names, shown_tags, tag_command
from bibliofile.gui.undo import EditReferenceCommand, LibraryWriter
from bibliofile.gui.undo_keys import forget_typing, text_field
from bibliofile.model.creators import Creator
from bibliofile.model.fields import FIELD_BY_KEY, FieldDef, FieldGroup
from bibliofile.model.item_types import ITEM_TYPES, item_type
from bibliofile.model.reference import Reference
from bibliofile.services import editing
from bibliofile.services.citation_keys import DEFAULT_PATTERN
from bibliofile.services.inheritance import inherited_values
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:  # the library and the runner are passed in; only their types are needed here
    from bibliofile.gui.task_runner import Task, TaskContext, TaskRunner
    from bibliofile.services.selection_summary import SelectionSummary
    from bibliofile.storage.library import Library

log = logging.getLogger(__name__)

# Beyond this many selected references the pane shows the count only: Ctrl+A on a 100k library
# needs no summary of them all (a worker reads 10k in well under a second).
MULTI_EDIT_LIMIT = 20_000
# Up to this many are read at once on the GUI thread (~6 ms, no flicker while Shift+arrowing);
# more are summarised on a worker (gui/task_runner.py), the count shown at once (issue 18).
SYNC_LIMIT = 20
# Selection bursts (select_ids reports twice; Shift+arrow auto-repeat) coalesce into one read.
DEBOUNCE_MS = 30
OTHER_GROUP = "Other fields"
READING_GROUP = "Reading"
CREATORS = "creators"


def open_url(url: str) -> bool:
    """Hand a link to the desktop's browser (tests replace this)."""
    return QDesktopServices.openUrl(QUrl(url))


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt guesses rich text for tooltips)."""
    return f"<p>{html.escape(text)}</p>"


def _plain_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def _quiet(label: QLabel) -> QLabel:
    """Secondary text in the palette's placeholder colour (right in light and dark themes)."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class DetailPane(QWidget):
    """The fields of the selected references, editable in place.

    Signals:
        referencesChanged(list): ids whose data this pane just saved (the table refreshes them).
        tagsChanged(): tags were given or taken off here (the sidebar recounts them).
        statusMessage(str): what an edit of several references did ("Changed the journal of 48
            references"), for the window's status bar.
    """

    referencesChanged = Signal(list)
    tagsChanged = Signal()
    statusMessage = Signal(str)
    formBuilt = Signal()  # new editors: the window puts them in its Tab order

    def __init__(
        self,
        library: Library,
        undo_stack: QUndoStack,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.undo_stack = undo_stack
        # Without a runner (or with a synchronous one, in tests) every selection is read at once.
        self.runner = runner
        self._ids: list[int] = []
        self._refs: list[Reference] = []  # loaded whole: one, a few, or the ones being edited
        self._view: SelectionSummary | None = None  # what the form shows
        self._load: Task | None = None
        self._load_seq = 0
        self._load_keeps_layout = False
        self._load_timer = QTimer(self)
        self._load_timer.setSingleShot(True)
        self._load_timer.setInterval(DEBOUNCE_MS)
        self._load_timer.timeout.connect(self._start_load)
        self._common: dict[str, str | None] = {}
        self._structure: tuple[object, ...] | None = None
        self._visible: list[str] = []
        self._generation = 0
        # The selection the user confirmed "Edit All N…" for; any other multi-selection is read-only.
        self._unlocked: frozenset[int] = frozenset()
        self.banner: SelectionBanner | None = None
        self.editors: dict[str, FieldEditor] = {}
        self.labels: dict[str, QLabel] = {}
        self.link_buttons: dict[str, QToolButton] = {}
        self.type_combo: QComboBox | None = None
        self.key_edit: FieldLineEdit | None = None
        self.key_warning: QLabel | None = None
        self.creators_editor: CreatorsEditor | None = None
        self.creators_view: QLabel | None = None  # several references, read-only: their names
        self.reading_rows: ReadingRows | None = None
        self.tags_editor: TagsEditor | None = None
        # The pattern for a new reference's citation key (the window points it at Edit >
        # Preferences; see gui/curation_actions.py).
        self.key_pattern: Callable[[], str] = lambda: DEFAULT_PATTERN
        self.header: QLabel | None = None
        self.source_label: QLabel | None = None
        self._inherited_names: list[Creator] = []
        self.setMinimumWidth(220)

        # Typing a field stored is a library step now: Ctrl+Z must undo that, not the typing.
        undo_stack.indexChanged.connect(self._forget_stored_typing)

        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        # Empty state: a quiet hint, centred.
        self.empty_page = QWidget(self)
        self.empty_title = _quiet(_plain_label("No reference selected", self.empty_page))
        font = QFont(self.empty_title.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.empty_title.setFont(font)
        self.empty_hint = _quiet(_plain_label("", self.empty_page))
        self.empty_hint.setWordWrap(True)
        for lab in (self.empty_title, self.empty_hint):
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_layout = QVBoxLayout(self.empty_page)
        empty_layout.setContentsMargins(24, 24, 24, 24)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_title)
        empty_layout.addWidget(self.empty_hint)
        empty_layout.addStretch(2)
        self.stack.addWidget(self.empty_page)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("detailScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab stops at the fields, not here
        self.stack.addWidget(self.scroll_area)
        self._show_empty()

    # ---- public -------------------------------------------------------------------------------
    def focus_title(self) -> None:
        """A double-click or Enter on a row means "edit it": the focus goes to its title.

        (Not a focus proxy: Tab would then jump from the table straight to the title, past
        the item type and citation key above it, and past the search field.)"""
        editor = self.editors.get("title")
        if editor is not None and editor.isVisible():
            editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def tab_chain(self) -> list[QWidget]:
        """The pane's editors that Tab stops at, top to bottom (the order they were made in)."""
        content = self.scroll_area.widget()
        if self.stack.currentWidget() is not self.scroll_area or content is None:
            return []
        out: list[QWidget] = []
        w = content.nextInFocusChain()
        while w is not None and w is not content and content.isAncestorOf(w):
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(content) and w.isEnabled():
                out.append(w)
            w = w.nextInFocusChain()
        return out

    def show_references(self, ids: list[int]) -> None:
        """0 ids: the empty state; 1: the editor; more: the count and the values they share."""
        ids = list(ids)
        same = ids == self._ids and (bool(self._refs) or self._view is not None)
        if not same:
            self.commit_pending()
        if frozenset(ids) != self._unlocked:
            self._unlocked = frozenset()  # another selection: confirm again before editing it
        self._ids = ids
        self._reload(keep_layout=same)

    @property
    def references(self) -> list[Reference]:
        """The references loaded whole: one, up to ``SYNC_LIMIT``, or those being edited
        together; more, shown read-only, come from a summary and are not loaded."""
        return list(self._refs)

    @property
    def summary(self) -> SelectionSummary | None:
        """What the form shows (None while a selection is being read, or none is shown)."""
        return self._view

    @property
    def loading(self) -> bool:
        """A selection is being summarised on a worker (its count is shown meanwhile)."""
        return self._load_timer.isActive() or self._load is not None

    @property
    def editable(self) -> bool:
        """One reference is edited in place; several only after "Edit All N…" was confirmed."""
        n = self._view.count if self._view is not None else len(self._refs)
        return n <= 1 or frozenset(self._ids) == self._unlocked

    def unlock(self) -> None:
        """Make the selected references editable together (the banner's confirmed "Edit All")."""
        self._unlocked = frozenset(self._ids)
        self._reload(keep_layout=True)

    def lock(self) -> None:
        """Back to showing the selected references read-only ("Done Editing")."""
        self.commit_pending()
        self._unlocked = frozenset()
        self._reload(keep_layout=True)

    def commit_pending(self) -> None:
        """Store an edit still being typed (the selection is about to change)."""
        if not self._refs or not self.editable:
            return
        for key, editor in list(self.editors.items()):
            if editor.isModified():
                self._field_finished(key, self._generation)
        if self.key_edit is not None and self.key_edit.isModified():
            self._field_finished(editing.CITATION_KEY, self._generation)
        if self.creators_editor is not None:
            self.creators_editor.commit()
        if self.reading_rows is not None:
            self.reading_rows.finish_typing()

    # ---- loading ------------------------------------------------------------------------------
    def _reload(self, keep_layout: bool) -> None:
        from bibliofile.services import selection_summary

        self._cancel_load()
        ids = self._ids
        if not ids:
            self._refs, self._view = [], None
            self._show_empty()
            return
        if len(ids) > MULTI_EDIT_LIMIT:
            self._refs, self._view = [], None
            self._show_empty(
                f"{len(ids):,} references selected",
                f"Select at most {MULTI_EDIT_LIMIT:,} references to see what they share.",
            )
            return
        if self.runner is not None and not self.runner.synchronous and len(ids) > SYNC_LIMIT:
            self._load_later(keep_layout)
            return
        refs = self.library.get_many(ids)
        if not refs:
            self._refs, self._view = [], None
            self._show_empty()
            return
        self._apply(refs, selection_summary.summary_of(self.library, refs), keep_layout)

    # ---- loading on a worker ------------------------------------------------------------------
    def _cancel_load(self) -> None:
        self._load_timer.stop()
        self._load_seq += 1  # a result still on its way is for a selection no longer shown
        if self._load is not None:
            self._load.cancel()
            self._load = None

    def _load_later(self, keep_layout: bool) -> None:
        """Many references: the count at once, what they share when a worker has read it.
        The same references shown again (after an edit) keep their form, read-only until the
        new values come, so no edit is made against values about to be replaced."""
        self._load_keeps_layout = keep_layout and self.stack.currentWidget() is self.scroll_area
        if self._load_keeps_layout:
            self._set_read_only(True)
        else:
            self._refs, self._view = [], None
            self._show_empty(f"{len(self._ids):,} references selected", pending_note())
        self._load_timer.start()

    def _start_load(self) -> None:
        from bibliofile.services import selection_summary

        assert self.runner is not None
        library, ids, seq = self.library, list(self._ids), self._load_seq
        whole = frozenset(ids) == self._unlocked  # being edited: the edit needs them whole

        def work(ctx: TaskContext) -> tuple[list[Reference], SelectionSummary]:
            if whole:
                refs = library.get_many(ids)
                return refs, selection_summary.summary_of(library, refs)
            return [], selection_summary.summarize(library, ids, ctx.cancelled)

        def done(result: tuple[list[Reference], SelectionSummary]) -> None:
            self._loaded(seq, result)

        def failed(exc: BaseException) -> None:
            self._load_failed(seq, exc)

        self._load = self.runner.read(work, on_done=done, on_error=failed)

    def _loaded(self, seq: int, result: tuple[list[Reference], SelectionSummary]) -> None:
        if seq != self._load_seq:
            return
        self._load = None
        refs, view = result
        if not view.count:
            self._refs, self._view = [], None
            self._show_empty()
            return
        self._apply(refs, view, self._load_keeps_layout)

    def _load_failed(self, seq: int, exc: BaseException) -> None:
        from bibliofile.services import selection_summary

        if seq != self._load_seq or isinstance(exc, selection_summary.SelectionReadCancelled):
            return
        self._load = None
        if not isinstance(exc, LibraryError):
            raise exc  # a bug: the crash dialog, not a quiet pane
        self._refs, self._view = [], None
        self._show_empty(f"{len(self._ids):,} references selected", f"Could not read them: {exc}")

    def _apply(self, refs: list[Reference], view: SelectionSummary, keep_layout: bool) -> None:
        """Show ``view`` in one go: the form built (or refilled) from the summary; ``refs``
        are the references loaded whole (empty for several shown read-only)."""
        self._refs, self._view = refs, view
        self._common = view.common
        # Crossref/xdata parents (every generation) as citations and RIS/CSL-JSON see them.
        single = refs[0] if len(refs) == 1 and view.count == 1 else None
        inherited, self._inherited_names = inherited_values(self.library, single) if single else ({}, [])
        keys = [f.key for f in view.visible]
        for k in inherited:
            if k in FIELD_BY_KEY and k not in keys:
                keys.append(k)
        types = view.item_types
        if keep_layout and self._structure is not None and self._structure[1] == types:
            # Same references, same type: a field just emptied keeps its row until they change.
            keys = list(dict.fromkeys([*self._visible, *keys]))
        others = tuple(view.others)
        editable = self.editable and (view.count <= 1 or bool(refs))
        if not editable:
            # Read-only: what they share, and "(various)"; rows empty in all of them are noise.
            keys = [k for k in keys if self._common.get(k, "") != ""]
            others = tuple(k for k in others if self._common.get(k, "") != "")
        structure = (view.count > 1, editable, types, tuple(sorted(keys)), others)
        self._visible = keys
        if structure != self._structure or self.stack.currentWidget() is not self.scroll_area:
            self._build(refs, keys, list(others), keep_scroll=keep_layout)
            self._structure = structure
        elif not keep_layout:
            # Another reference with the same rows (arrowing through a list): refill only.
            self.scroll_area.verticalScrollBar().setValue(0)
        self._fill(refs, inherited, keep_focus_edits=keep_layout)
        from bibliofile.gui.pane_attachments import sync_pane

        sync_pane(self, refs if view.count == 1 else [], editable)  # the Attachments section (issue 19)
        self._set_read_only(not editable)
        self.stack.setCurrentWidget(self.scroll_area)

    def _set_read_only(self, read_only: bool) -> None:
        """Fields stay selectable and readable (not greyed); only what would write is off."""
        for editor in self.editors.values():
            editor.setReadOnly(read_only)
            if read_only:  # the window's background, not a field's: it does not invite typing
                pal = editor.palette()
                pal.setColor(QPalette.ColorRole.Base, pal.color(QPalette.ColorRole.Window))
                editor.setPalette(pal)
        for widget in (self.type_combo, self.creators_editor):
            if widget is not None:
                widget.setEnabled(not read_only)
        if self.tags_editor is not None:
            self.tags_editor.set_read_only(read_only)
        if self.reading_rows is not None:
            self.reading_rows.set_read_only(read_only)

    def _show_empty(self, title: str = "No reference selected", hint: str = "") -> None:
        self.empty_title.setText(title)
        self.empty_hint.setText(hint or "Select a reference in the list to see and edit its details.")
        self.stack.setCurrentWidget(self.empty_page)
        self._structure = None
        self.formBuilt.emit()

    # ---- building -----------------------------------------------------------------------------
    def _build(self, refs: list[Reference], keys: list[str], others: list[str], keep_scroll: bool) -> None:
        focus_key = self._focused_key()
        scroll_value = self.scroll_area.verticalScrollBar().value() if keep_scroll else 0
        self._generation += 1
        gen = self._generation
        view = self._view
        assert view is not None
        multi = view.count > 1
        self.editors, self.labels, self.link_buttons = {}, {}, {}

        content = QWidget()
        content.setObjectName("detailContent")
        outer = QVBoxLayout(content)
        outer.setContentsMargins(10, 8, 10, 10)
        outer.setSpacing(4)

        self.header = None
        self.banner = None
        if multi:
            self.banner = SelectionBanner(view.count, self.editable, content, edit_limit=EDIT_ALL_LIMIT)
            self.banner.unlocked.connect(lambda g=gen: self.unlock() if g == self._generation else None)
            self.banner.locked.connect(lambda g=gen: self.lock() if g == self._generation else None)
            self.header = self.banner.header
            outer.addWidget(self.banner)
        self.source_label = _quiet(_plain_label("", content))
        self.source_label.setObjectName("detailSource")
        self.source_label.setWordWrap(True)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.source_label)

        # One form for everything, so labels line up from the type to the last field.
        form = self._form()
        outer.addLayout(form)
        self.type_combo = QComboBox(content)
        self.type_combo.setObjectName("itemTypeCombo")
        self.type_combo.setAccessibleName("Item type")
        for t in ITEM_TYPES:
            self.type_combo.addItem(t.label, t.csl)
        self.type_combo.setPlaceholderText(MULTIPLE)
        self.type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.type_combo.setMinimumContentsLength(10)
        self.type_combo.activated.connect(lambda i, g=gen: self._type_chosen(i, g))
        self._add_row(form, "Item type", self.type_combo, content)
        self.key_edit = None
        self.key_warning = None
        if not multi:
            self.key_edit = FieldLineEdit(content)
            self.key_edit.setObjectName("citationKeyEdit")
            self.key_edit.setAccessibleName("Citation key")
            self.key_edit.editingFinished.connect(
                lambda g=gen: self._field_finished(editing.CITATION_KEY, g)
            )
            self.key_warning = _plain_label("", content)
            self.key_warning.setObjectName("citationKeyWarning")
            self.key_warning.setWordWrap(True)
            self.key_warning.setVisible(False)
            box = QWidget(content)
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(1)
            col.addWidget(self.key_edit)
            col.addWidget(self.key_warning)
            self._add_row(form, "Citation key", box, content, buddy=self.key_edit)

        defs = self._defs_for(refs, keys)
        self.creators_editor = None
        self.creators_view = None
        self.reading_rows = None
        for group in FieldGroup:
            in_group = [d for d in defs if d.group is group]
            if group is FieldGroup.MAIN:
                form.addRow(self._group_label(group.value, content))
                first, rest = in_group[:1], in_group[1:]
                for d in first:
                    self._add_field(form, d, content, gen)
                if self.editable:
                    self.creators_editor = CreatorsEditor(content)
                    self.creators_editor.setObjectName("creatorsEditor")
                    self.creators_editor.creatorsEdited.connect(lambda cs, g=gen: self._creators_edited(cs, g))
                    self._add_row(form, "Creators", self.creators_editor, content, buddy=self.creators_editor.list)
                else:  # read-only: the names, one a line, not a greyed-out editor
                    self.creators_view = _plain_label("", content)
                    self.creators_view.setObjectName("creatorsView")
                    self.creators_view.setWordWrap(True)
                    self.creators_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    self._add_row(form, "Creators", self.creators_view, content)
                for d in rest:
                    self._add_field(form, d, content, gen)
                self._add_tags_row(form, content, gen)
                self._add_reading_rows(form, content, gen)
            elif in_group:
                form.addRow(self._group_label(group.value, content))
                for d in in_group:
                    self._add_field(form, d, content, gen)
        if others:
            form.addRow(self._group_label(OTHER_GROUP, content))
            hint = _quiet(_plain_label("Fields this version does not know, kept as written.", content))
            hint.setWordWrap(True)
            form.addRow(hint)
            for k in others:
                self._add_field(form, _unknown_field(k), content, gen)
        outer.addStretch(1)

        old = self.scroll_area.takeWidget()
        self.scroll_area.setWidget(content)
        if old is not None:
            old.hide()
            old.deleteLater()  # it may be the sender of the signal that led here
        self.scroll_area.verticalScrollBar().setValue(scroll_value)
        self.formBuilt.emit()
        if focus_key is not None:
            target = self._widget_for_key(focus_key)
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _add_tags_row(self, form: QFormLayout, parent: QWidget, gen: int) -> None:
        library = self.library
        self.tags_editor = TagsEditor(lambda: all_tag_names(library), parent)
        self.tags_editor.tagAdded.connect(lambda name, g=gen: self._tag_changed(name, True, g))
        self.tags_editor.tagRemoved.connect(lambda name, g=gen: self._tag_changed(name, False, g))
        self._add_row(form, "Tags", self.tags_editor, parent, buddy=self.tags_editor.field)

    def _add_reading_rows(self, form: QFormLayout, parent: QWidget, gen: int) -> None:
        form.addRow(self._group_label(READING_GROUP, parent))
        self.reading_rows = ReadingRows(parent)
        self.reading_rows.chosen.connect(lambda text, changes, g=gen: self._reading_chosen(text, changes, g))
        for label, field, buddy in self.reading_rows.rows():
            self._add_row(form, label, field, parent, buddy=buddy)

    def _defs_for(self, refs: list[Reference], keys: list[str]) -> list[FieldDef]:
        view = self._view
        assert view is not None
        labelled = {d.key: d for d in view.visible}
        if len(view.item_types) == 1:
            labelled.update({d.key: d for d in editing.fields_for_type(view.item_types[0])})
        wanted = set(keys)
        return [labelled.get(f.key, f) for f in FIELD_BY_KEY.values() if f.key in wanted]

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(4)
        return form

    def _group_label(self, text: str, parent: QWidget) -> QLabel:
        label = _plain_label(text, parent)
        f = QFont(label.font())
        f.setBold(True)
        label.setFont(f)
        label.setContentsMargins(0, 10, 0, 2)
        label.setObjectName(f"group_{text}")
        return label

    def _add_row(self, form: QFormLayout, text: str, field: QWidget, parent: QWidget, buddy: QWidget | None = None) -> QLabel:
        label = _plain_label(text, parent)
        label.setBuddy(buddy or field)
        label.setWordWrap(False)
        form.addRow(label, field)
        return label

    def _add_field(self, form: QFormLayout, d: FieldDef, parent: QWidget, gen: int) -> None:
        editor: FieldEditor
        if d.multiline:
            editor = GrowingTextEdit(False, 3 if d.key == "abstract" else 2, 14, parent)
        elif d.key == "title":
            editor = GrowingTextEdit(True, 1, 6, parent)
        else:
            editor = FieldLineEdit(parent)
        editor.setObjectName(f"field_{d.key}")
        editor.setAccessibleName(d.label)
        editor.editingFinished.connect(lambda k=d.key, g=gen: self._field_finished(k, g))
        self.editors[d.key] = editor
        field: QWidget = editor
        if d.key in ("doi", "url"):
            field = QWidget(parent)
            row = QHBoxLayout(field)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(2)
            row.addWidget(editor, 1)
            button = QToolButton(field)
            button.setObjectName(f"open_{d.key}")
            button.setText("Open")
            button.setToolTip("Open the DOI at doi.org" if d.key == "doi" else "Open the link in the browser")
            button.setAccessibleName(button.toolTip())
            button.clicked.connect(lambda _c=False, k=d.key: self._open_link(k))
            row.addWidget(button)
            self.link_buttons[d.key] = button
        self.labels[d.key] = self._add_row(form, d.label, field, parent, buddy=editor)

    # ---- filling ------------------------------------------------------------------------------
    def _fill(self, refs: list[Reference], inherited: dict[str, str], keep_focus_edits: bool) -> None:
        common = self._common
        view = self._view
        assert view is not None
        multi = view.count > 1

        def put(editor: FieldEditor, value: str | None, placeholder: str = "") -> None:
            editor.stored = value or ""
            busy = keep_focus_edits and editor.hasFocus() and editor.isModified()
            if not busy and editor.text() != (value or ""):
                editor.setText(value or "")
                if isinstance(editor, QLineEdit):
                    editor.setCursorPosition(0)  # show the start of a long DOI or URL
            if not busy:
                editor.setModified(False)
                editor.mixed = value is None
                editor.setPlaceholderText(MULTIPLE if value is None else placeholder)

        for key, editor in self.editors.items():
            value = common.get(key, "")
            inh = inherited.get(key, "") if not value else ""
            put(editor, value, inh)
            editor.setToolTip(plain_tooltip(f"Inherited from {refs[0].fields.get('crossref', '')}") if inh else "")
        if self.key_edit is not None and not multi:
            put(self.key_edit, refs[0].citation_key, "")
            self._check_key(refs[0])
        if self.type_combo is not None:
            t = common.get(editing.ITEM_TYPE)
            self.type_combo.setCurrentIndex(self.type_combo.findData(item_type(t).csl) if t is not None else -1)
        if self.creators_editor is not None:
            self.creators_editor.set_creators(view.creators, keep_state=keep_focus_edits)
        if self.creators_view is not None:
            shared = view.creators
            names = "\n".join(display_name(c) for c in shared) if shared is not None else MULTIPLE
            self.creators_view.setText(names)
            self.creators_view.setForegroundRole(
                QPalette.ColorRole.PlaceholderText if shared is None else QPalette.ColorRole.WindowText
            )
        if self.tags_editor is not None:
            self.tags_editor.set_tags(shown_tags(view.tags, list(view.ids)))
        for key, button in self.link_buttons.items():
            button.setEnabled(bool(self._link(key)))
        if self.banner is not None:
            self.banner.set_count(view.count)
        if self.reading_rows is not None:
            self.reading_rows.show(view.reading_states(), keep_typing=keep_focus_edits)
            self.reading_rows.show_progress(self.library, view.ids)
        if self.source_label is not None:
            self.source_label.setText("\n".join(filter(None, [self._source_text(refs), self._inherited_names_text(refs)])))
            self.source_label.setVisible(bool(self.source_label.text()))

    def _inherited_names_text(self, refs: list[Reference]) -> str:
        """Names a crossref child cites with but does not store (its book's author, editors)."""
        names = self._inherited_names if len(refs) == 1 else []
        if not names:
            return ""
        listed = "; ".join(f"{c.full_name} ({c.role.label.lower()})" for c in names)
        return f"Inherited from {refs[0].fields.get('crossref', '') or 'xdata'}: {listed}"

    def _source_text(self, refs: list[Reference]) -> str:
        if len(refs) != 1:
            return ""
        src = refs[0].source
        if src is None or not src.file:
            return ""
        where = src.file.replace("\\", "/").rsplit("/", 1)[-1]
        text = f"From {where}, line {src.line}" if src.line else f"From {where}"
        return text + (" · edited since import" if refs[0].edited else "")

    def _check_key(self, ref: Reference) -> None:
        if self.key_warning is None:
            return
        key = ref.citation_key
        clash = bool(key) and any(i != ref.id for i in self.library.by_citation_key([key]))
        self.key_warning.setText("Another reference has this key." if clash else "")
        self.key_warning.setVisible(clash)

    # ---- editing ------------------------------------------------------------------------------
    def _push(self, pairs: list[tuple[Reference, Reference]], text: str, what: str) -> None:
        """One undo step for the edit; with several references, the status bar says how many
        it changed each way (``what``: "the journal")."""
        if not pairs:
            return
        said = self.statusMessage.emit if len(self._refs) > 1 else None
        cmd = EditReferenceCommand(
            self.library,
            [b for b, _ in pairs],
            [a for _, a in pairs],
            text,
            on_applied=self._applied,
            on_error=self._write_failed,
            key_pattern=self.key_pattern(),
            on_written=(lambda n, undone: said(batch_status(what, n, undone))) if said else None,
        )
        self.undo_stack.push(cmd)

    def _tag_changed(self, name: str, add: bool, gen: int) -> None:
        """Give the selection a tag, or take one off: one undo step for all of them."""
        if gen != self._generation or not self._refs or self.tags_editor is None or not self.editable:
            return
        name = name.strip()
        shown = {c.tag.name.lower(): c.tag for c in self.tags_editor.chips}
        have = shown.get(name.lower())
        if not name or (add and have is not None and not have.partial) or (not add and have is None):
            return  # nothing would change: no empty step on the undo stack
        ids = [r.id for r in self._refs if r.id is not None]
        self.undo_stack.push(
            tag_command(self.library, ids, have.name if have is not None else name, add,
                        on_applied=self._tags_applied, on_error=self._write_failed)
        )

    def _reading_chosen(self, text: str, changes: dict[str, object], gen: int) -> None:
        """Status, priority, rating or date read of the selection: one services.reading step."""
        if gen != self._generation or not self._refs or not self.editable:
            return
        ids = [r.id for r in self._refs if r.id is not None]
        writer = LibraryWriter(self.library, on_error=self._write_failed)
        self.undo_stack.push(reading_command(
            writer, ids, text, changes, after=lambda: self._applied(ids),
            on_status=self.statusMessage.emit if len(ids) > 1 else None,
        ))

    def _tags_applied(self, ids: list[int]) -> None:
        self._applied(ids)
        self.tagsChanged.emit()

    def _applied(self, ids: list[int]) -> None:
        if set(ids) & set(self._ids):
            self._reload(keep_layout=True)
        self.referencesChanged.emit(list(ids))

    def _write_failed(self, exc: LibraryError) -> None:
        from bibliofile.gui import messages

        self._reload(keep_layout=True)
        messages.show_error(self, exc)

    def _what(self, label: str) -> str:
        n = len(self._refs)
        return f"Edit {label}" if n == 1 else f"Edit {label} of {n:,} references"

    def _field_finished(self, key: str, gen: int) -> None:
        if gen != self._generation or not self._refs or not self.editable:
            return  # an editor from a layout already replaced, or several references locked
        editor = self.key_edit if key == editing.CITATION_KEY else self.editors.get(key)
        if editor is None:
            return
        common = self._common.get(key, "")
        value = editor.text()
        if common is None and not editor.isModified():
            return  # "(multiple values)" left alone
        editor.setModified(False)
        try:
            pairs = editing.edit_all(self._refs, lambda r: editing.set_field(r, key, value))
        except editing.InvalidCitationKey as exc:  # refused at entry: say why, keep the stored key
            editor.setText(common if common is not None else "")
            if self.key_warning is not None:
                self.key_warning.setText(str(exc))
                self.key_warning.setVisible(True)
            return
        if not pairs:
            stored = common if common is not None else ""
            if editor.text() != stored and common is not None:
                editor.setText(stored)  # e.g. only spaces were added
            return
        label = "citation key" if key == editing.CITATION_KEY else self._label_of(key)
        self._push(pairs, self._what(label), f"the {label}")

    def _label_of(self, key: str) -> str:
        lab = self.labels.get(key)
        text = lab.text() if lab is not None else key
        return text if text.isupper() else text.lower()

    def _type_chosen(self, index: int, gen: int) -> None:
        if gen != self._generation or not self._refs or index < 0 or self.type_combo is None or not self.editable:
            return
        csl = str(self.type_combo.itemData(index))
        pairs = editing.edit_all(self._refs, lambda r: editing.set_item_type(r, csl))
        self._push(pairs, f"Change type to {item_type(csl).label}", "the item type")

    def _creators_edited(self, creators: list[Creator], gen: int) -> None:
        if gen != self._generation or not self._refs or not self.editable:
            return
        pairs = editing.edit_all(self._refs, lambda r: editing.set_creators(r, creators))
        self._push(pairs, self._what("creators"), "the creators")

    # ---- links --------------------------------------------------------------------------------
    def _link(self, key: str) -> str:
        value = self._common.get(key) or ""
        if key == "doi":
            return editing.doi_url(value)
        return editing.web_url(value)

    def _open_link(self, key: str) -> None:
        url = self._link(key)
        if url:
            open_url(url)

    # ---- focus --------------------------------------------------------------------------------
    def _forget_stored_typing(self, _index: int = 0) -> None:
        """After any library step, the pane's text fields forget their typing history (see
        gui/undo_keys.py), except a field the user is still typing in, whose edit is not stored
        yet: there Ctrl+Z undoes the typing first, and only then the library."""
        for field in self.findChildren(QWidget):
            typed = text_field(field)
            if typed is None or (typed.hasFocus() and _typing(typed)):
                continue
            forget_typing(typed)

    def _focused_key(self) -> str | None:
        # focusWidget() is the child that last had focus, even when the focus has since moved
        # to the table: only a field that has the focus now gets it back after a rebuild (else
        # selecting a row would pull the keyboard away from the table).
        w = self.focusWidget()
        if w is None or not w.hasFocus() or not self.isAncestorOf(w):
            return None
        for key, editor in self.editors.items():
            if w is editor:
                return key
        if w is self.key_edit:
            return editing.CITATION_KEY
        if w is self.type_combo:
            return editing.ITEM_TYPE
        if self.creators_editor is not None and self.creators_editor.isAncestorOf(w):
            return CREATORS
        if self.reading_rows is not None and w in self.reading_rows.widgets():
            return f"{READING_GROUP}:{w.objectName()}"
        return None

    def _widget_for_key(self, key: str) -> QWidget | None:
        if key == editing.CITATION_KEY:
            return self.key_edit
        if key == editing.ITEM_TYPE:
            return self.type_combo
        if key == CREATORS:
            return self.creators_editor.list if self.creators_editor is not None else None
        if key.startswith(f"{READING_GROUP}:") and self.reading_rows is not None:
            return next((w for w in self.reading_rows.widgets() if key.endswith(f":{w.objectName()}")), None)
        return self.editors.get(key)


def _typing(field: QWidget) -> bool:
    """A field holding typing that is not stored yet (the pane's editors know; others do not)."""
    return bool(isinstance(field, FieldLineEdit | GrowingTextEdit) and field.isModified())


def _unknown_field(key: str) -> FieldDef:
    """A row for a field this version does not know: labelled with its name as written."""
    return FieldDef(key, key, FieldGroup.NOTES, key, key, None)

