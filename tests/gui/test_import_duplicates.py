"""File > Import skips exact duplicates and says so, with "Import Anyway" as one undo step; the
summary keeps "could not be read" apart from "read with remarks"; the paste preview names a
likely duplicate's reference by author, year and title, in grammatical English (issue 17)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from bibliofile.gui.import_dialog import ImportPreviewDialog, ImportSummaryDialog
from bibliofile.model.problems import Problem
from bibliofile.services.importing import ImportReport

from .conftest import make_ref

BIB = """@article{knox2008,
  author = {Knox, Colin},
  title = {Kazakhstan: Modernizing government in the context of political inertia},
  journal = {International Review of Administrative Sciences},
  year = {2008},
}

@book{ostrom1990,
  author = {Ostrom, Elinor},
  title = {Governing the Commons},
  year = {1990},
}

@article{broken,
  author = {Nobody,
  title = {Unclosed

@article{macro, author = {Lignos, C.}, title = {Uses a macro}, journal = nosuchmacro, year = 2020}
"""


def import_via_menu(window, path: Path, monkeypatch) -> ImportSummaryDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(path)], ""))
    window.ask_import()
    dlg = window.summary_dialog
    assert isinstance(dlg, ImportSummaryDialog)
    return dlg


def test_importing_a_file_twice_skips_says_so_and_imports_anyway_as_one_undo_step(
    window, lib, tmp_path, monkeypatch, shots
) -> None:
    bib = tmp_path / "reading.bib"
    bib.write_text(BIB, encoding="utf-8")
    import_via_menu(window, bib, monkeypatch).accept()
    assert lib.count() == 3
    steps = window.undo_stack.count()

    dlg = import_via_menu(window, bib, monkeypatch)
    assert lib.count() == 3, "the second import stored nothing that was already there"
    assert dlg.headline.text() == "Imported 0 references from reading.bib."
    label = dlg.section_labels["skipped"].text()
    assert label == "3 references were already in the library and were skipped:"
    skipped = dlg.views["skipped"].toPlainText()
    assert skipped.startswith(f"{bib}:\n  line 1: “Kazakhstan: Modernizing government")
    assert "(Knox, 2008; same type, fields and authors)" in skipped
    assert dlg.section_labels["not_read"].text() == "1 entry could not be read:"
    assert "line 14: could not read entry 'broken'" in dlg.views["not_read"].toPlainText()
    assert dlg.section_labels["remarks"].text() == "1 entry was read with a remark:"
    assert "line 18: entry 'macro'" in dlg.views["remarks"].toPlainText()
    assert "could not read" not in dlg.views["remarks"].toPlainText()
    assert "skipped" in window.statusBar().currentMessage()
    dlg.show()
    dlg.grab().save(str(shots / "import_summary_duplicates.png"))

    assert dlg.import_anyway_button.isVisible() and dlg.import_anyway_button.text() == "Import Anyway"
    assert not dlg.import_anyway_button.autoDefault(), "Return closes the summary, it does not store duplicates"
    dlg.import_anyway_button.click()
    assert "Edit › Undo takes them out again" in window.statusBar().currentMessage()
    assert lib.count() == 6
    assert not dlg.import_anyway_button.isEnabled()
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.undoText() == "Import 3 duplicate references"
    assert len(window.table.selected_ids()) == 3
    dlg.grab().save(str(shots / "import_summary_imported_anyway.png"))
    window.undo_stack.undo()
    assert lib.count() == 3
    window.undo_stack.redo()
    assert lib.count() == 6


def test_one_skipped_reference_is_said_in_the_singular(window, lib, tmp_path, monkeypatch) -> None:
    first = tmp_path / "one.bib"
    first.write_text(BIB.split("\n\n")[1] + "\n", encoding="utf-8")
    import_via_menu(window, first, monkeypatch).accept()
    dlg = import_via_menu(window, first, monkeypatch)
    assert dlg.section_labels["skipped"].text() == "1 reference was already in the library and was skipped:"
    assert "not_read" not in dlg.views and "remarks" not in dlg.views
    dlg.import_anyway_button.click()
    assert dlg.section_labels["skipped"].text().startswith(
        "1 reference was already in the library and was imported anyway"
    )


def test_a_clean_import_has_no_import_anyway_button(window, tmp_path, monkeypatch) -> None:
    bib = tmp_path / "clean.bib"
    bib.write_text(BIB.split("\n\n")[0] + "\n", encoding="utf-8")
    dlg = import_via_menu(window, bib, monkeypatch)
    dlg.show()
    assert dlg.views == {} and not dlg.import_anyway_button.isVisible()
    assert dlg.headline.text() == "Imported 1 reference from clean.bib."


def test_summary_counts_entries_not_problems(qtbot) -> None:
    report = ImportReport(imported=5)
    report.formats["/d/a.bib"] = "bibtex"
    report.problems = [
        Problem("/d/a.bib", 4, "field 'x' is given again"),
        Problem("/d/a.bib", 4, "uses the undefined @string 'y'"),
        Problem("/d/a.bib", 9, "uses the undefined @string 'z'"),
        Problem("/d/a.bib", 12, "could not read entry 'b'", True),
        Problem("/d/a.bib", 30, "could not read entry 'c'", True),
    ]
    dlg = ImportSummaryDialog(report)
    qtbot.addWidget(dlg)
    assert dlg.section_labels["not_read"].text() == "2 entries could not be read:"
    assert dlg.section_labels["remarks"].text() == "2 entries were read with remarks:"


def test_paste_preview_names_the_likely_duplicate_and_is_grammatical(window, lib, qtbot, shots) -> None:
    lib.add_references([make_ref("Kazakhstan: modernizing   government!", year=2008, family="Knox")])
    window.reload()
    window.paste_importer.import_text(
        "TY  - JOUR\nAU  - Knox, Colin\nTI  - Kazakhstan: Modernizing government\nPY  - 2008\nER  - \n\n"
        "TY  - JOUR\nAU  - Lignos, C.\nTI  - Something new\nPY  - 2021\nER  - \n\n"
        "XX  - a stray line\n",
        "clipboard",
    )
    dlg = window.paste_importer.preview_dialog
    assert isinstance(dlg, ImportPreviewDialog)
    assert dlg.headline.text().endswith("1 reference looks like one already in the library.")
    flag = dlg.table.item(0, 6).text()
    assert flag.startswith("Likely duplicate (same title and year) of Knox")
    assert ", 2008, “Kazakhstan: modernizing government!”" in flag
    assert "#" not in flag
    assert dlg.problems_view is not None
    assert dlg.problems_view.toPlainText().startswith("1 entry could not be read:\n  clipboard:")
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(shots / "import_preview_duplicates.png"))
    dlg.reject()


def test_preview_headline_in_the_plural(qtbot) -> None:
    from bibliofile.gui.import_dialog import likely_duplicates_text

    assert likely_duplicates_text(1) == "1 reference looks like one already in the library."
    assert likely_duplicates_text(2) == "2 references look like ones already in the library."
