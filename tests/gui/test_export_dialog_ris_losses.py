"""The export dialog says what RIS could not carry (issue 14), as the CLI's ``note:`` lines do."""

from __future__ import annotations

from pathlib import Path

from tests.citeproc_skip import needs_citeproc

from bibliofile.model import Reference

pytestmark = needs_citeproc

LOSSY = Reference(
    item_type="article-journal",
    citation_key="sub2020",
    fields={"title": "Main", "subtitle": "Sub", "date": "2020"},
)
WHOLE = Reference(item_type="article-journal", citation_key="whole2021", fields={"title": "Whole", "date": "2021"})  # no loss


def _dialog(make_window, lib, open_export, select: slice):
    with lib.write() as u:
        ids = u.add_items([LOSSY, WHOLE])
    window = make_window()
    window.reload()
    chosen = ids[select]
    window.table.select_ids(chosen, chosen[0])
    return open_export(window, output="ris")


def test_saving_ris_shows_what_it_could_not_carry(make_window, lib, open_export, tmp_path: Path) -> None:
    dialog = _dialog(make_window, lib, open_export, slice(None))
    path = tmp_path / "refs.ris"
    dialog.save_to(path)
    assert "TI  - Main: Sub" in path.read_text(encoding="utf-8")
    lines = dialog.status.text().splitlines()
    assert lines[0] == f"Saved 2 references to {path}."
    assert lines[1] == "1 note on what the file could not carry as the library holds it:"
    assert lines[2:] == ["RIS entry 'sub2020': field 'subtitle': RIS has no subtitle tag; joined to the title"]
    assert dialog.status.toolTip() == lines[2]
    dialog.close()

