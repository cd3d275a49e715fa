"""Placeholders and the lookup queue without the lookup services (issue 22): what the window
asks at start-up ("does anything wait for a lookup?") and what a paste does with the
placeholders it makes ("To look up: DOI …"), in a module light enough to import at start.

``services.lookup`` pulls in the HTTP client, the merge (rapidfuzz) and the sources, ~0.3 s of
CPU; the window imports it only when ``waiting`` says there is work. Placeholders are queued
where they are made (``queue_placeholders``, called by the paste import), so the start-up
check is two index probes, not a scan of every title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bibliofile.model.reference import Reference
from bibliofile.storage import lookup_queue
from bibliofile.storage.batches import now
from bibliofile.storage.library import Library, UnitOfWork
from bibliofile.storage.lookup_queue import PendingLookup

if TYPE_CHECKING:
    from bibliofile.model.identifiers import Identifier

__all__ = ["PLACEHOLDER_TITLE", "identifier_of", "queue_placeholders", "waiting"]

# A placeholder's title starts so (services.lookup_match.PLACEHOLDER_TITLE, which needs rapidfuzz).
PLACEHOLDER_TITLE = "To look up:"


def waiting(library: Library) -> int:
    """Rows in the lookup queue plus placeholders not queued yet (made by an older version, or
    imported from a file): both found through an index, a few milliseconds at 100k."""
    return lookup_queue.queue_size(library) + len(lookup_queue.unqueued_placeholder_ids(library, PLACEHOLDER_TITLE))


def identifier_of(ref: Reference) -> Identifier | None:
    """The identifier a reference is best looked up by: DOI, arXiv id, PMID, PMCID, ISBN."""
    # Here, not at the top: the window imports this module at launch for ``waiting``, and
    # identifiers brings isbnlib (~15 ms of CPU after the first paint, issue 22).
    from bibliofile.model.identifiers import Identifier, parse_identifier

    f = ref.fields
    tries: list[str] = []
    if f.get("doi"):
        tries.append(f["doi"])
    if f.get("eprint") and f.get("eprint_type", "arxiv").lower() in ("arxiv", ""):
        tries.append("arXiv:" + f["eprint"])
    if f.get("pmid"):
        tries.append("PMID " + f["pmid"])
    if f.get("pmcid"):
        tries.append(f["pmcid"])
    if f.get("isbn"):  # "0-321-35668-3 (paperback); 978-…": the first, without its qualifier
        first_isbn = re.sub(r"\([^)]*\)", " ", f["isbn"]).split(",")[0].split(";")[0].strip()
        tries.append("ISBN " + first_isbn)
    for t in tries:
        got = parse_identifier(t)
        if isinstance(got, Identifier):
            return got
    return None


def placeholder_rows(refs: Sequence[Reference], reason: str, when: datetime) -> list[PendingLookup]:
    """Queue rows (due at ``when``) for those of ``refs`` (stored: with ids) that are
    placeholders with an identifier to look up."""
    from bibliofile.services.lookup_match import is_placeholder  # rapidfuzz: not at start-up

    rows: list[PendingLookup] = []
    for ref in refs:
        if ref.id is None or not ref.title.startswith(PLACEHOLDER_TITLE) or not is_placeholder(ref):
            continue
        ident = identifier_of(ref)
        if ident is not None:
            rows.append(PendingLookup(ref.id, ident.key, "add", reason, 0, when, when))
    return rows


def queue_placeholders(uow: UnitOfWork, refs: Sequence[Reference], when: datetime | None = None) -> int:
    """Queue the placeholders among references just stored (a pasted DOI list), in the same
    unit of work: they are looked up when the queue is next worked, and the window's start-up
    never has to look for them. Returns how many were queued."""
    stamp = when or now()
    rows = placeholder_rows(refs, "", stamp)
    lookup_queue.add_pending(uow, rows)
    return len(rows)
