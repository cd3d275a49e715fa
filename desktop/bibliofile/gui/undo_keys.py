"""Ctrl+Z and Ctrl+Shift+Z (Ctrl+Y) answer the library's undo wherever the focus is in the window.

Why this exists: a focused QLineEdit or QTextEdit accepts the ShortcutOverride of the undo keys
whether or not it has anything to undo, so the window's Edit > Undo shortcut never fired while
the focus was in a detail-pane field. Worse, the field's own history still held the typing that
had just been stored as a library step: Ctrl+Z took the typed text out of the field and left the
library as it was (issue 17).

The rule: a text field whose own history still has a step in the asked direction takes the key
(typing is undone inside the field first); once it has none, the key goes to the library's
undo stack. Whoever stores a field's typing as a library step calls ``forget_typing`` so the
field does not undo it a second time.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TextField = QLineEdit | QTextEdit | QPlainTextEdit


def text_field(widget: QObject | None) -> TextField | None:
    """The editable text field a focused widget types into (an editable combo's line edit)."""
    if isinstance(widget, QComboBox):
        widget = widget.lineEdit() if widget.isEditable() else None
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit) and not widget.isReadOnly():
        return widget
    return None


def has_own_step(field: TextField, redo: bool) -> bool:
    """Whether the field's own typing history can go a step back (or forward)."""
    if isinstance(field, QLineEdit):
        return field.isRedoAvailable() if redo else field.isUndoAvailable()
    doc = field.document()
    return doc.isRedoAvailable() if redo else doc.isUndoAvailable()


def forget_typing(field: TextField) -> None:
    """Drop a field's undo history, keeping its text, cursor and selection: its typing is now a
    library step, and Ctrl+Z must undo that step, not take the text out of the field."""
    if isinstance(field, QLineEdit):
        if not (field.isUndoAvailable() or field.isRedoAvailable()):
            return
        pos, start, length = field.cursorPosition(), field.selectionStart(), field.selectionLength()
        modified = field.isModified()
        blocked = field.blockSignals(True)  # the same text: nothing for listeners to hear
        field.setText(field.text())  # QLineEdit's only way to clear its history
        field.blockSignals(blocked)
        field.setModified(modified)
        if start >= 0 and length:
            field.setSelection(start, length)
            if pos == start:  # a selection made leftwards keeps its cursor on the left
                field.setSelection(start + length, -length)
        else:
            field.setCursorPosition(pos)
    else:
        field.document().clearUndoRedoStacks()


def undo_stack_action(stack: QUndoStack, redo: bool, parent: QObject) -> QAction:
    """Edit > Undo (Redo) over ``stack``, as QUndoStack.createUndoAction makes it ("&Undo Edit
    title", off when there is nothing to undo) but made in Python: the real app's wrappers of
    the actions Qt had made went stale while the actions lived on (issue 17)."""
    label = "&Redo" if redo else "&Undo"
    act = QAction(label, parent)

    def show_text(text: str) -> None:
        act.setText(f"{label} {text}" if text else label)

    (stack.redoTextChanged if redo else stack.undoTextChanged).connect(show_text)
    (stack.canRedoChanged if redo else stack.canUndoChanged).connect(act.setEnabled)
    act.triggered.connect(stack.redo if redo else stack.undo)
    show_text(stack.redoText() if redo else stack.undoText())
    act.setEnabled(stack.canRedo() if redo else stack.canUndo())
    return act


def redo_keys(platform: list[QKeySequence] | None = None) -> list[QKeySequence]:
    """Ctrl+Shift+Z, Ctrl+Y and the platform's own Redo keys, each once.

    Once each because Qt treats a key an action lists twice as ambiguous and does nothing: under
    X11 the platform's first Redo key is Ctrl+Shift+Z itself, so listing it beside our
    Ctrl+Shift+Z had made Ctrl+Shift+Z dead in the real app (issue 17)."""
    if platform is None:
        platform = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    wanted = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"), *platform]
    seen: set[str] = set()
    out: list[QKeySequence] = []
    for key in wanted:
        name = key.toString(QKeySequence.SequenceFormat.PortableText)
        if name and name not in seen:
            seen.add(name)
            out.append(key)
    return out


class LibraryUndoKeys(QObject):
    """Routes the undo and redo keys in ``window`` to ``undo``/``redo`` (the actions over the
    library's undo stack) unless the focused text field can still undo (redo) typing itself.

    It watches only the text fields that get the focus inside the window (an event filter on
    each, installed as the focus arrives), not every event of the application.
    """

    def __init__(self, window: QWidget, undo: QAction, redo: QAction) -> None:
        super().__init__(window)
        self._window = window
        # The keys, not the actions: the filter runs on every key typed into a field, and in
        # the real app the actions' Python wrappers were found invalidated while the actions
        # lived on in C++ (the Edit menu still showed them), so every keystroke in a text field
        # opened the crash dialog. Copies of the key lists cannot go stale that way; an action
        # whose shortcuts change tells us through its C++ ``changed`` signal.
        self._undo_keys = list(undo.shortcuts())
        self._redo_keys = list(redo.shortcuts())
        undo.changed.connect(lambda a=undo: self._keys_changed(a, redo=False))
        redo.changed.connect(lambda a=redo: self._keys_changed(a, redo=True))
        self._watched: set[int] = set()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        now = QApplication.focusWidget()
        if now is not None:
            self._focus_changed(None, now)

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is None or text_field(now) is None or not self._window.isAncestorOf(now):
            return
        key = id(now)
        if key not in self._watched:
            self._watched.add(key)
            now.installEventFilter(self)
            now.destroyed.connect(lambda _o=None, k=key: self._watched.discard(k))

    def direction(self, event: QKeyEvent) -> bool | None:
        """False for an undo key, True for a redo key, None for any other key."""
        pressed = QKeySequence(event.keyCombination())
        if any(pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch for s in self._undo_keys):
            return False
        if any(pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch for s in self._redo_keys):
            return True
        return None

    def _keys_changed(self, action: QAction, redo: bool) -> None:
        if not shiboken6.isValid(action):
            return  # the wrapper went stale: the keys copied last stand
        keys = list(action.shortcuts())
        if redo:
            self._redo_keys = keys
        else:
            self._undo_keys = keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        redo = self.direction(event)
        field = text_field(watched)
        if redo is None or field is None or has_own_step(field, redo):
            return False  # not ours, or the field's own typing comes first
        # The field has nothing left in that direction: it must not take the key, so Qt goes on
        # to the window's shortcut. Its history in the other direction is stale now too.
        forget_typing(field)
        event.ignore()
        return True
