"""Files the desktop asks us to open: a double-clicked .bib or .ris is imported into the library.

On Linux and Windows the file manager starts ``bibliofile FILE...`` (the .desktop entry's
``Exec=bibliofile %F``; the CLI passes the files to run_gui). macOS instead sends the running app a
QFileOpenEvent per file, also at launch; those are gathered for a moment and imported together,
because a second import started while the first runs would be refused.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFileOpenEvent


class FileOpenHandler(QObject):
    """Application event filter turning QFileOpenEvents into one window.import_files call."""

    def __init__(self, window: QObject) -> None:
        super().__init__(window)
        self.window = window
        self.pending: list[Path] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.flush)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                self.pending.append(Path(path))
                self.timer.start()
                return True
        return False

    def flush(self) -> None:
        paths, self.pending = self.pending, []
        if paths:
            self.window.import_files(paths)  # type: ignore[attr-defined]
