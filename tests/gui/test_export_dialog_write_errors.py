"""The export dialog says why a file could not be written, naming the path, as the CLI does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.citation_samples import ARTICLE, BOOK, copies
from tests.citeproc_skip import needs_citeproc

pytestmark = needs_citeproc


@pytest.fixture
def dialog(window, lib, open_export):
    with lib.write() as u:
        ids = u.add_items(copies(ARTICLE, BOOK))
    window.reload()
    window.table.select_ids(ids, ids[0])
    dlg = open_export(window)
    yield dlg
    dlg.close()


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_a_path_that_cannot_be_written_is_named_in_the_status(dialog, tmp_path: Path, where: str) -> None:
    dialog.set_output("bibtex")
    path = tmp_path / "no-such-folder" / "refs.bib" if where == "missing" else tmp_path
    dialog.save_to(path)
    text = dialog.status.text()
    assert str(path) in text
    assert ("does not exist" if where == "missing" else "it is a folder") in text
    assert "could not format" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
