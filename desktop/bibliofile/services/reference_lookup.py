"""References named the way a user names them outside the window: by citation key, or as
``#ID`` for one without a key (what ``bibliofile search`` prints for it). The curation
commands take these names; one that names nothing is reported, never guessed at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bibliofile.storage import curation_queries
from bibliofile.storage.library import Library, UnitOfWork


@dataclass(frozen=True, slots=True)
class Found:
    """``ids`` in the order named (every reference sharing a key); ``missing`` the names that
    match no reference outside the trash, as given."""

    ids: list[int]
    missing: list[str]


def find_references(src: Library | UnitOfWork, names: Sequence[str]) -> Found:
    """The references (not in the trash) these keys or ``#ID``s name."""
    by_id = {n: int(n[1:]) for n in names if n.startswith("#") and n[1:].isdigit()}
    by_key = curation_queries.ids_by_citation_key(src, [n for n in names if n not in by_id])
    live = set(curation_queries.live_ids(src, list(by_id.values())))
    ids: list[int] = []
    missing: list[str] = []
    for n in names:
        got = by_key.get(n) or ([by_id[n]] if n in by_id and by_id[n] in live else [])
        if got:
            ids.extend(got)
        else:
            missing.append(n)
    return Found(list(dict.fromkeys(ids)), missing)
