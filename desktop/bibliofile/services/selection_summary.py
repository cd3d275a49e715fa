"""What several selected references share, for the detail pane: computed off the GUI thread.

Selecting the 100 references an add by identifier made stalled the window ~200 ms while the
pane loaded them whole and compared them on the GUI thread (issue 18, Speed). A summary is
plain data, so a worker computes it (``summarize``: the fields in one query per chunk of ids,
see storage/selection_rows.py) and the pane applies it in one go. ``summary_of`` gives the same
summary for references already loaded whole (one reference, or several being edited).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bibliofile.model.creators import Creator
from bibliofile.model.fields import FieldDef
from bibliofile.model.reading import ReadingState
from bibliofile.model.reference import Reference
from bibliofile.services import editing, reading, tags
from bibliofile.storage.library import Library
from bibliofile.storage.selection_rows import SelectionReadCancelled, display_rows

__all__ = ["SelectionReadCancelled", "SelectionSummary", "summarize", "summary_of"]


@dataclass(frozen=True)
class SelectionSummary:
    """The selected references as the pane shows them: ``ids`` found, in selection order;
    ``common`` each field's shared value or None where they differ ("(various)"), as
    ``editing.common_fields``; ``creators`` the shared list or None; ``visible`` the rows to
    show (``editing.visible_fields``); ``others`` the unknown fields; ``tags`` and ``reading``
    per id."""

    ids: tuple[int, ...]
    common: dict[str, str | None]
    creators: list[Creator] | None
    item_types: tuple[str, ...]
    visible: list[FieldDef]
    others: list[str]
    tags: dict[int, list[str]] = field(default_factory=dict)
    reading: dict[int, ReadingState] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.ids)

    def reading_states(self) -> list[ReadingState]:
        """The reading state of each reference, in selection order (unset where unknown)."""
        return [self.reading.get(i, ReadingState()) for i in self.ids]


def _summary(
    refs: Sequence[Reference], tag_names: dict[int, list[str]], states: dict[int, ReadingState]
) -> SelectionSummary:
    return SelectionSummary(
        ids=tuple(r.id for r in refs if r.id is not None),
        common=editing.common_fields(refs),
        creators=editing.common_creators(refs),
        item_types=tuple(sorted({r.item_type for r in refs})),
        visible=editing.visible_fields(refs),
        others=editing.other_field_keys(refs),
        tags=tag_names,
        reading=states,
    )


def summary_of(library: Library, refs: Sequence[Reference]) -> SelectionSummary:
    """The summary of references already loaded whole (their tags and reading state read)."""
    ids = [r.id for r in refs if r.id is not None]
    return _summary(refs, tags.tags_of(library, ids), reading.states(library, ids))


def summarize(
    library: Library, ids: Sequence[int], cancelled: Callable[[], bool] = lambda: False
) -> SelectionSummary:
    """The summary of ``ids`` read from the library: for a worker thread. Raises
    ``SelectionReadCancelled`` once ``cancelled()`` is true (the selection moved on)."""
    rows = display_rows(library, ids, cancelled)
    found = [r.id for r in rows.references if r.id is not None]
    if cancelled():
        raise SelectionReadCancelled
    return _summary(rows.references, tags.tags_of(library, found), rows.reading)
