"""Starting the window: the QApplication, the library, the crash hook, the first-run offer.

``run_gui`` is what the CLI calls when no sub-command is given. A library that cannot be opened
(too new, locked, corrupt) gets a plain message and exit code 1, and is left untouched.
"""

from __future__ import annotations

import linecache
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QLoggingCategory, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from bibliofile import __version__
from bibliofile.gui import messages
from bibliofile.gui.app_icon import APP_ID, DISPLAY_NAME, app_icon
from bibliofile.gui.crash_dialog import install_excepthook
from bibliofile.services.locations import log_path, sample_library_file
from bibliofile.startup import resume_collector
from bibliofile.storage.errors import LibraryError

if TYPE_CHECKING:
    from bibliofile.storage.library import Library

log = logging.getLogger("bibliofile")

SAMPLE_QUESTION = "Your library is empty. Open the sample reading list?"


def _setup_logging() -> None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("bibliofile")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


# Qt logs 'OpenType support missing for "<font>", script N' once per installed font that
# cannot shape a script (Type 1/CFF and bitmap fonts, e.g. fonts-urw-base35, which Ghostscript
# and LibreOffice bring) whenever text in a script no installed font covers is laid out, such
# as a Devanagari title: dozens of lines about the machine's fonts, nothing we could fix. Only
# that category is turned off; Qt lets the user's QT_LOGGING_RULES override these rules.
QUIET_LOGGING_RULES = "qt.text.font.db=false"


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QLoggingCategory.setFilterRules(QUIET_LOGGING_RULES)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Bibliofile")
    app.setOrganizationName("Bibliofile")
    app.setApplicationVersion(__version__)
    # The name and icon on every window, the about box and the task bar; the desktop file name
    # lets the shell match windows to packaging/linux/<APP_ID>.desktop.
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def offer_sample(window: object, library: Library, settings: QSettings) -> bool:
    """On a first run with an empty library, offer to import the sample reading list."""
    if os.environ.get("BIBLIOFILE_NO_SAMPLE_PROMPT") == "1":
        return False
    if settings.value("firstrun/sample_offered", False, bool) or library.count() > 0:
        return False
    sample = sample_library_file()
    if not sample.is_file():
        return False
    settings.setValue("firstrun/sample_offered", True)
    if not messages.ask(window, "Welcome to Bibliofile", SAMPLE_QUESTION, yes="Open Sample", default_yes=True):  # type: ignore[arg-type]
        return False
    window.import_files([sample])  # type: ignore[attr-defined]
    return True


EXIT_AFTER_START = "BIBLIOFILE_EXIT_AFTER_START"


def _exit_after_start(app: QApplication, window: object, importing: bool) -> None:
    """Packagers' smoke test (packaging/README.md): the window is built and painted once, and any
    files given are imported, then the app exits: 0, or 1 if the import failed."""
    if not importing:
        QTimer.singleShot(0, lambda: (window.repaint(), app.quit()))  # type: ignore[attr-defined]
        return
    importer = window.importer  # type: ignore[attr-defined]
    importer.imported.connect(lambda _r: QTimer.singleShot(0, app.quit))
    importer.cancelled.connect(lambda: QTimer.singleShot(0, lambda: app.exit(1)))
    importer.failed.connect(lambda _e: QTimer.singleShot(0, lambda: app.exit(1)))


def open_library(path: Path) -> Library:
    """The library the window opens on.

    A library that needs no upgrade and can be written is first read with sqlite3 alone
    (``storage.first_screen``): the window paints its first rows from it, and the real Library,
    with SQLAlchemy (~125 ms to import) and every check of ``Library.open``, opens when anything
    beyond the first screen is asked of it, which the window's first search does on a worker
    right after those rows are painted (issue 22: the first rows within 0.5 s). Anything else
    takes ``Library.open`` at once, with its upgrade, backup and plain messages."""
    from bibliofile.storage.first_screen import DeferredLibrary, FirstScreen

    first = FirstScreen.open(path)
    if first is not None:
        checked = first.checked

        def open_real() -> Library:
            from bibliofile.storage.library import Library

            return Library.open(path, checked=checked)

        return cast("Library", DeferredLibrary(first, open_real))
    from bibliofile.storage.library import Library

    return Library.open(path)


def run_gui(library_path: Path, explicit: bool = False, open_files: Sequence[Path] = ()) -> int:
    """Open the main window on ``library_path`` (importing ``open_files``, what a double-click on
    a .bib or .ris hands us); returns the process exit code."""
    _setup_logging()
    app = make_application()
    install_excepthook()
    if explicit and (not library_path.exists() or library_path.stat().st_size == 0):
        # --library naming a missing or empty file: a typo should not become a library (issue 14)
        what = "is empty" if library_path.exists() else "does not exist"
        if not messages.ask(None, "Bibliofile", f"{library_path} {what}. Start a new library there?", yes="Start New Library"):
            resume_collector()
            return 1
    try:
        library = open_library(library_path)
    except LibraryError as exc:
        resume_collector()
        log.warning("cannot open %s: %s", library_path, exc)
        messages.warn(None, "Bibliofile", str(exc))
        return 1
    from bibliofile.gui.main_window import MainWindow

    # The window's modules are imported: drop the source lines PySide6's import hook read into
    # linecache (~20 MB), so building the window reuses that memory (see MainWindow's
    # _install_deferred, which drops what later imports read).
    linecache.clearcache()

    settings = QSettings("Bibliofile", "Bibliofile")
    window = MainWindow(library, settings=settings)
    window.show()
    # Editors' CAYW requests: the app's, never a test window's; once the first rows are painted.
    window.picker_actions.start_endpoint_after_first_paint()
    if sys.platform == "darwin":
        # macOS sends double-clicked files as events. A filter on the application sees every
        # event of every widget, so it is installed only where such events come (issue 22).
        from bibliofile.gui.file_open import FileOpenHandler

        app.installEventFilter(FileOpenHandler(window))
    if open_files:
        QTimer.singleShot(0, lambda: window.import_files(list(open_files)))
    else:
        QTimer.singleShot(0, lambda: offer_sample(window, library, settings))
    if os.environ.get(EXIT_AFTER_START) == "1":
        _exit_after_start(app, window, importing=bool(open_files))
    try:
        return int(app.exec())
    finally:
        window.runner.wait()
        library.close()
