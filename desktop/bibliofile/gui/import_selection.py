"""After an import the new references are selected, to show them; the next search lets go.

Why: the window brings a selection back by id after every search (so a search does not lose
the reference being read). After importing a 233-entry file, that kept all the new references
selected through later searches, and the detail pane then read "48 references selected" to a
user who had chosen none of them (issue 17). A selection the user did not make is let go at
the first search typed; one the user made afterwards (a click on a row) is theirs and kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

if TYPE_CHECKING:
    from bibliofile.gui.window_api import WindowApi


def release_on_next_search(window: WindowApi, imported: Sequence[int]) -> None:
    """At the next search typed, clear the selection if it is still several imported references."""
    mine = frozenset(imported)
    if len(mine) < 2:
        return  # one reference selected is what a click gives too: nothing to undo

    def searched(_text: str) -> None:
        left = window.table.selected_ids()
        if len(left) > 1 and mine.issuperset(left):
            window.table.clearSelection()

    window.search_field.searchRequested.connect(searched, Qt.ConnectionType.SingleShotConnection)
