"""Tools > Check Library lists attachments whose file is missing (issue 19), with the reference
and where the file should be, and no fix to apply (Locate… in the pane finds them)."""

from __future__ import annotations

from pathlib import Path

from bibliofile.gui.pane_attachments import BASE_FOLDER_KEY
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage.library import Library

from .conftest import make_ref


def test_check_library_lists_a_missing_file(window, lib: Library, settings, tmp_path: Path, shots: Path) -> None:
    from bibliofile.gui.integrity_dialog import IntegrityDialog

    base = tmp_path / "papers"
    base.mkdir()
    settings.setValue(BASE_FOLDER_KEY, str(base))
    [rid] = lib.add_references([make_ref("Governing the Commons", 1990, family="Ostrom", given="Elinor")])
    pdf = base / "ostrom.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    perform(lib, lambda u: att.attach(u, att.FileLocations.of(lib, base), rid, pdf, "link"))
    pdf.unlink()
    window.reload()
    dlg = IntegrityDialog(window)
    dlg.show()
    dlg.start()
    missing = [f for f in dlg.findings if f.kind == "missing-file"]
    assert [(f.reference_id, f.fixable) for f in missing] == [(rid, False)]
    assert any(f"The linked file “ostrom.pdf” is missing: it is not at {pdf}." in s for s in dlg.findings_shown())
    dlg.grab().save(str(shots / "check-library-missing-file.png"))
