"""Which part of the library a search covers, in a module that imports no SQL toolkit.

Kept apart from ``storage.library`` so the window's modules can name the library's scopes
(``LIBRARY``, ``TRASH``) without importing SQLAlchemy before the first screen is painted
(issue 22: SQLAlchemy's import was ~125 ms of the CPU before the first rows).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """Which part of the library a search covers: the library, trash, unfiled, or a collection."""

    trash: bool = False
    collection_id: int | None = None
    unfiled: bool = False


LIBRARY = Scope()
TRASH = Scope(trash=True)
