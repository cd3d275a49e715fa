"""About, crash, import summary and export dialogs: plain text, the facts a user needs."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from bibliofile import __version__
from bibliofile.gui import crash_dialog
from bibliofile.gui.about_dialog import AboutDialog
from bibliofile.gui.crash_dialog import CrashDialog, install_excepthook
from bibliofile.gui.import_dialog import ImportSummaryDialog
from bibliofile.model.problems import Problem
from bibliofile.services.importing import ImportReport
from bibliofile.services.locations import log_path


def label_texts(widget) -> str:
    return "\n".join(lbl.text() for lbl in widget.findChildren(QLabel))


def test_about_names_version_library_and_licences(qtbot, shots) -> None:
    dlg = AboutDialog("/home/me/<b>library</b>.sqlite")
    qtbot.addWidget(dlg)
    text = label_texts(dlg)
    assert f"Bibliofile {__version__}" in text
    assert "/home/me/<b>library</b>.sqlite" in text
    for name, lic in [("PySide6", "LGPLv3"), ("SQLAlchemy", "MIT"), ("Alembic", "MIT"),
                      ("bibtexparser", "MIT"), ("pylatexenc", "MIT"), ("platformdirs", "MIT")]:
        assert name in text and lic in text
    assert all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in dlg.findChildren(QLabel))
    dlg.show()
    dlg.grab().save(str(shots / "about.png"))


def test_import_summary_lists_problems_as_plain_text(qtbot, shots) -> None:
    report = ImportReport(imported=41, ids=list(range(1, 42)))
    report.formats["/data/thesis.bib"] = "bibtex"
    report.problems = [
        Problem("/data/thesis.bib", 17, "missing closing brace; the entry was kept as text"),
        Problem("/data/thesis.bib", 230, "unknown entry type @<b>odd</b>; read as a document"),
    ]
    dlg = ImportSummaryDialog(report)
    qtbot.addWidget(dlg)
    assert dlg.headline.text() == "Imported 41 references from thesis.bib."
    body = dlg.views["remarks"].toPlainText()  # remarks have their own box (issue 17)
    assert body.startswith("/data/thesis.bib:\n  line 17: missing closing brace")
    assert "\n  line 230: unknown entry type" in body
    assert "@<b>odd</b>" in body
    dlg.show()
    dlg.grab().save(str(shots / "import_summary.png"))


def test_crash_dialog_names_the_log(qtbot, shots) -> None:
    dlg = CrashDialog("Traceback...\nRuntimeError: boom", log_path())
    qtbot.addWidget(dlg)
    assert str(log_path()) in dlg.message.text()
    assert "Nothing was lost" in dlg.message.text()
    assert dlg.message.textFormat() == Qt.TextFormat.PlainText
    dlg.show()
    dlg.grab().save(str(shots / "crash.png"))


def test_excepthook_logs_and_reports(monkeypatch, crashes) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook()
    try:
        raise ValueError("a bug")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert len(crashes) == 1 and "ValueError: a bug" in crashes[0]
    assert "ValueError: a bug" in log_path().read_text(encoding="utf-8")
    crashes.clear()
    assert crash_dialog.collected is crashes


