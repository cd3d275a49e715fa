"""Add by identifier, complete from the web, and the offline queue (issue 18): the use cases the
window's "Add by identifier" / "Find Metadata Online" and the CLI's ``add`` / ``lookup`` share.

Each use case comes in three steps so the window can keep the network off its GUI thread and
the write on its writer thread, and the CLI can run them in a row:

1. read (``read_identifiers``, ``references_to_complete``): what to look up, and what the
   library already holds (an identifier already there is a duplicate: not fetched again);
2. fetch (``fetch_identifiers``, ``fetch_completions``): network only, no library access, safe
   on a worker thread, bounded concurrency, cancellable through ``client.cancelled.set()``;
3. write (``add_operation``, ``complete_operation``): a ``services.changes`` Operation, one
   transaction and one undo step. It reads the references again inside its unit of work and
   fills only fields that are *still* empty, so an edit made while the lookup ran is kept.

``add_identifiers``, ``complete_references`` and ``retry_pending`` do all three (CLI, tests).

Offline first: an identifier whose lookup failed for a passing reason (no network, timeout,
rate limit, server error) becomes a placeholder ("To look up: DOI …", keyword ``to look up``)
with a row in the lookup queue saying why and when to try again (back-off: 1 min, 5 min,
25 min, 2 h, 10 h, then daily). ``retry_pending`` works the queue; placeholders a paste made
(``formats.detect``) are taken into it too. A lookup that fails leaves its placeholder as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from bibliofile.formats.detect import PLACEHOLDER_KEYWORD
from bibliofile.model.identifiers import (
    Identifier,
    Unrecognised,
    hyphenated_isbn,
    isbn13,
    parse_identifier,
    recognise,
)
from bibliofile.model.reference import Reference
from bibliofile.online.http import HttpClient, NetworkSettings
from bibliofile.services import citation_keys, trash
from bibliofile.services.changes import Change, Operation, plural, unchanged
from bibliofile.services.editing import copy_reference
from bibliofile.services.lookup_match import (
    CREATORS,
    Candidate,
    MergePlan,
    apply_creators,
    apply_plan,
    is_placeholder,
    judge_candidates,
    merge_plan,
)
from bibliofile.services.lookup_placeholders import (
    PLACEHOLDER_TITLE,
    identifier_of,
    placeholder_rows,
)
from bibliofile.services.lookup_sources import LookupFailed, fetch_identifier, search_crossref
from bibliofile.storage import lookup_queue
from bibliofile.storage.library import Library, UnitOfWork
from bibliofile.storage.lookup_queue import PendingLookup

__all__ = [
    "AddReport",
    "CompleteReport",
    "Completion",
    "Fetched",
    "IdentifierRequest",
    "Outcome",
    "Progress",
    "add_identifiers",
    "add_operation",
    "complete_operation",
    "complete_references",
    "fetch_completions",
    "fetch_identifiers",
    "identifier_of",
    "make_client",
    "pending_lookups",
    "read_identifiers",
    "references_to_complete",
    "retry_pending",
]

Progress = Callable[[int, int], None]
Status = Literal["added", "duplicate", "queued", "failed", "invalid", "completed", "unchanged", "unsure"]
# Seconds before the n-th retry of a queued lookup (then daily).
BACKOFF = (60, 300, 1500, 7200, 36000, 86400)


def make_client(
    settings: NetworkSettings | None = None, *, cache: bool = True, offline: bool | None = None, contact: str | None = None
) -> HttpClient:
    """The HTTP client with the user's settings (environment: endpoints, contact, offline) and
    the day-long response cache in the user cache directory. ``offline`` True is the "no
    network" preference (nothing is sent; lookups are queued); ``contact`` the e-mail address
    the User-Agent carries (the preference; ``BIBLIOFILE_CONTACT`` otherwise)."""
    from dataclasses import replace

    s = settings or NetworkSettings.from_env()
    if cache and s.cache_dir is None:
        s = replace(s, cache_dir=cache_dir())
    if offline is not None:
        s = replace(s, enabled=not offline)
    if contact is not None:
        s = replace(s, contact=contact.strip())
    return HttpClient(s)


# ---- outcomes ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one identifier or reference, for a status line, a dialog or ``--json``.
    ``status``: added, duplicate (already in the library: ``reference_ids`` are the existing
    ones), queued (a placeholder waits in the queue: ``message`` says why), failed (unknown
    identifier; nothing added), invalid (not an identifier), completed (fields filled),
    unchanged (found, nothing to fill), unsure (only less confident candidates)."""

    text: str
    label: str
    status: Status
    message: str = ""
    reference_ids: tuple[int, ...] = ()
    filled: tuple[str, ...] = ()
    differs: tuple[tuple[str, str, str], ...] = ()  # (field, ours, theirs)
    candidates: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input": self.text, "identifier": self.label, "status": self.status,
                               "message": self.message, "ids": list(self.reference_ids)}
        if self.filled or self.status == "completed":
            out["filled"] = list(self.filled)
        if self.differs:
            out["differs"] = [{"field": f, "ours": o, "theirs": t} for f, o, t in self.differs]
        if self.candidates:
            out["candidates"] = list(self.candidates)
        return out


# ---- add by identifier -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IdentifierRequest:
    """Pasted text read: ``identifiers`` to fetch (new to the library), ``existing`` the ones the
    library holds already (identifier -> the ids holding it), ``invalid`` what is no identifier."""

    identifiers: tuple[Identifier, ...]
    existing: tuple[tuple[Identifier, tuple[int, ...]], ...]
    invalid: tuple[Unrecognised, ...]


def _spellings(ident: Identifier) -> list[str]:
    if ident.kind == "isbn":
        thirteen = isbn13(ident.value)
        return list(dict.fromkeys([ident.value, thirteen, hyphenated_isbn(ident.value), hyphenated_isbn(thirteen)]))
    return [ident.value]


def existing_ids(src: Library | UnitOfWork, identifiers: Sequence[Identifier]) -> dict[str, tuple[int, ...]]:
    """Identifier.key -> references (not in the trash) that already carry it."""
    out: dict[str, tuple[int, ...]] = {}
    by_field: dict[str, list[Identifier]] = {}
    for ident in identifiers:
        by_field.setdefault(ident.field, []).append(ident)
    for fld, idents in by_field.items():
        found = lookup_queue.ids_with_field(src, fld, [s for i in idents for s in _spellings(i)])
        for ident in idents:
            ids = [rid for s in _spellings(ident) for rid in found.get(s.lower(), [])]
            if ids:
                out[ident.key] = tuple(dict.fromkeys(ids))
    return out


def read_identifiers(src: Library | UnitOfWork, text: str | Sequence[str]) -> IdentifierRequest:
    """Identifiers in pasted text (or a list of arguments), split into new, already held and
    not identifiers at all."""
    joined = text if isinstance(text, str) else "\n".join(text)
    found, bad = recognise(joined)
    held = existing_ids(src, found)
    new = tuple(i for i in found if i.key not in held)
    existing = tuple((i, held[i.key]) for i in found if i.key in held)
    return IdentifierRequest(new, existing, tuple(bad))


@dataclass(frozen=True, slots=True)
class Fetched:
    """One identifier's lookup: the record, or why there is none (``transient``: worth trying
    again later, so it is queued as a placeholder)."""

    identifier: Identifier
    reference: Reference | None
    message: str = ""
    transient: bool = False
    retry_after: float | None = None


def fetch_identifiers(client: HttpClient, identifiers: Sequence[Identifier], progress: Progress | None = None) -> list[Fetched]:
    """Look every identifier up (network only; no library access). Results in the order given."""

    def one(ident: Identifier) -> Fetched:
        try:
            return Fetched(ident, fetch_identifier(client, ident))
        except LookupFailed as exc:
            return Fetched(ident, None, str(exc), exc.transient, exc.retry_after)

    return client.map(one, list(identifiers), progress)


def _next_try(attempts: int, when: datetime, retry_after: float | None = None) -> datetime:
    wait = float(BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1])
    if retry_after is not None:
        wait = max(wait, retry_after)
    return when + timedelta(seconds=wait)


def placeholder_for(ident: Identifier, reason: str) -> Reference:
    """The reference an identifier becomes until its details arrive."""
    fields = {ident.field: hyphenated_isbn(ident.value) if ident.kind == "isbn" else ident.value}
    if ident.kind == "arxiv":
        fields["eprint_type"] = "arxiv"
    fields["title"] = f"To look up: {ident.label}"
    fields["keywords"] = PLACEHOLDER_KEYWORD
    fields["note"] = f"Placeholder made from {ident.label}; the details are still to be looked up ({reason})."
    return Reference(item_type="book" if ident.kind == "isbn" else "article-journal", fields=fields)


def _now() -> datetime:
    from bibliofile.storage.batches import now

    return now()


def add_operation(
    fetched: Sequence[Fetched],
    *,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
    when: datetime | None = None,
) -> Operation:
    """The write of an add: found records become references, passing failures placeholders in
    the queue, unknown identifiers nothing. The Change's ``ids`` are the new references in the
    order of ``fetched`` (skipping unknown ones); its undo moves them to the trash, the redo
    brings them back (queue rows stay with their reference)."""

    def operation(uow: UnitOfWork) -> Change:
        stamp = when or _now()
        refs: list[Reference] = []
        queued: list[tuple[int, Fetched]] = []
        for f in fetched:
            if f.reference is not None:
                refs.append(copy_reference(f.reference))
            elif f.transient:
                queued.append((len(refs), f))
                refs.append(placeholder_for(f.identifier, f.message))
        text = f"Add {plural(len(refs), 'reference')} by identifier"
        if not refs:
            return unchanged(text)
        ids = uow.add_items(refs)
        lookup_queue.add_pending(uow, [
            PendingLookup(ids[i], f.identifier.key, "add", f.message, 1, _next_try(1, stamp, f.retry_after), stamp)
            for i, f in queued
        ])
        citation_keys.fill_missing(uow, [rid for n, rid in enumerate(ids) if n not in {i for i, _ in queued}], key_pattern)
        return _trashable(text, tuple(ids))

    return operation


def _trashable(text: str, ids: tuple[int, ...]) -> Change:
    def undo(u: UnitOfWork) -> Change:
        trash.move_to_trash(u, list(ids))
        return Change(text, redo, ids)

    def redo(u: UnitOfWork) -> Change:
        trash.restore(u, list(ids))
        return Change(text, undo, ids)

    return Change(text, undo, ids)


@dataclass(frozen=True, slots=True)
class AddReport:
    outcomes: list[Outcome]
    change: Change | None

    @property
    def all_done(self) -> bool:
        return all(o.status in ("added", "duplicate") for o in self.outcomes) and bool(self.outcomes)

    def as_json(self) -> dict[str, Any]:
        return {"done": self.change.description if self.change else "", "results": [o.as_json() for o in self.outcomes]}


def add_identifiers(
    library: Library,
    text: str | Sequence[str],
    client: HttpClient,
    *,
    progress: Progress | None = None,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
) -> AddReport:
    """Read, fetch and add in one go (the CLI's ``add``)."""
    from bibliofile.services.changes import perform

    request = read_identifiers(library, text)
    fetched = fetch_identifiers(client, request.identifiers, progress)
    change = perform(library, add_operation(fetched, key_pattern=key_pattern)) if fetched else None
    new_ids = list(change.ids) if change is not None and change.changed else []
    outcomes: list[Outcome] = []
    for f in fetched:
        ident = f.identifier
        if f.reference is not None or f.transient:
            rid = (new_ids.pop(0),) if new_ids else ()
            if f.reference is not None:
                outcomes.append(Outcome(ident.text, ident.label, "added", f"added “{f.reference.title}”", rid))
            else:
                outcomes.append(Outcome(ident.text, ident.label, "queued", f"{f.message}; kept as a placeholder to look up later", rid))
        else:
            outcomes.append(Outcome(ident.text, ident.label, "failed", f"{f.message}; nothing was added"))
    for ident, ids in request.existing:
        outcomes.append(Outcome(ident.text, ident.label, "duplicate", "already in the library", ids))
    for bad in request.invalid:
        outcomes.append(Outcome(bad.text, bad.text, "invalid", f"{bad.reason}; nothing was added"))
    return AddReport(outcomes, change)


# ---- complete existing references -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Completion:
    """One reference looked up. ``found`` is the record to merge (by identifier, or the one
    confident title-search match) with its ``plan``; ``candidates`` the less confident ones
    (shown, never applied); ``message`` why there is nothing, ``transient`` if worth retrying."""

    reference: Reference
    found: Reference | None = None
    plan: MergePlan | None = None
    candidates: tuple[Candidate, ...] = ()
    how: str = ""
    message: str = ""
    transient: bool = False
    retry_after: float | None = None
    identifier: Identifier | None = None


def references_to_complete(library: Library, ids: Sequence[int]) -> list[Reference]:
    return library.get_many(list(ids))


def _lookup_one(client: HttpClient, ref: Reference, ident: Identifier | None) -> Completion:
    ident = ident or identifier_of(ref)
    try:
        if ident is not None:
            found = fetch_identifier(client, ident)
            return Completion(ref, found, merge_plan(ref, found), how=ident.label, identifier=ident)
        candidates = search_crossref(client, ref)
        match, judged = judge_candidates(ref, candidates)
        if match is None:
            msg = "no confident match in Crossref" + (f" ({len(judged)} less confident candidates)" if judged else "")
            return Completion(ref, None, None, tuple(judged), "title search", msg)
        return Completion(ref, match.reference, merge_plan(ref, match.reference), tuple(c for c in judged if c is not match), "title search")
    except LookupFailed as exc:
        return Completion(ref, None, None, how=ident.label if ident else "title search", message=str(exc),
                          transient=exc.transient, retry_after=exc.retry_after, identifier=ident)


def fetch_completions(
    client: HttpClient,
    refs: Sequence[Reference],
    progress: Progress | None = None,
    identifiers: Mapping[int, Identifier] | None = None,
) -> list[Completion]:
    """Look each reference up (network only): by its identifier, else by a Crossref title
    search. ``identifiers`` overrides the identifier per reference id (the queue's)."""
    given = identifiers or {}
    return client.map(lambda r: _lookup_one(client, r, given.get(r.id or -1)), list(refs), progress)


def complete_operation(
    completions: Sequence[Completion],
    accept: Mapping[int, Collection[str]] | None = None,
    *,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
    queue_transient: bool = True,
    when: datetime | None = None,
) -> Operation:
    """The write of a completion: each plan's fills (only where the field is still empty) and
    the differing fields the user accepted (``accept[reference id]``: field keys, ``creators``
    for the author list), one Change; queue rows of the references resolved are removed
    (and put back by the undo). References that could not be looked up for a passing reason
    are queued (``queue_transient``) outside the undo: the queue is bookkeeping, not data."""
    accepted = accept or {}

    def operation(uow: UnitOfWork) -> Change:
        stamp = when or _now()
        wanted = [c for c in completions if c.plan is not None and c.reference.id is not None]
        current = {r.id: r for r in lookup_queue.load_references(uow, [c.reference.id for c in wanted if c.reference.id is not None])}
        befores: list[Reference] = []
        afters: list[Reference] = []
        for c in wanted:
            now_ref = current.get(c.reference.id)
            if now_ref is None or c.plan is None or c.found is None:
                continue
            chosen = list(accepted.get(now_ref.id or -1, ()))
            after = apply_plan(now_ref, c.plan, chosen)
            if CREATORS in chosen:
                after = apply_creators(after, c.found)
            if after.fields != now_ref.fields or after.creators != now_ref.creators or after.item_type != now_ref.item_type:
                befores.append(now_ref)
                afters.append(after)
        placeholders = [r.id for r in befores if r.id is not None and is_placeholder(r)]
        removed = lookup_queue.remove_pending(uow, [c.reference.id for c in wanted if c.reference.id is not None])
        if queue_transient:
            _queue_failures(uow, [c for c in completions if c.plan is None and c.transient and c.reference.id is not None], stamp)
            _note_permanent(uow, [c for c in completions if c.plan is None and not c.transient and c.reference.id is not None])
        text = f"Complete {plural(len(afters), 'reference')} from the web"
        if not afters:
            return unchanged(text) if not removed else _queue_only(text, removed)
        uow.update_many([(a, True) for a in afters])
        keyed = citation_keys.fill_missing(uow, placeholders, key_pattern)
        return _replaced(text, befores, afters, removed, keyed)

    return operation


def _queue_only(text: str, removed: list[PendingLookup]) -> Change:
    """Queue rows taken off (their references were already complete): undone by putting the
    rows back, so an undo leaves the queue as it was."""

    def undo(u: UnitOfWork) -> Change:
        lookup_queue.restore_pending(u, removed)
        return Change(text, redo, ())

    def redo(u: UnitOfWork) -> Change:
        lookup_queue.remove_pending(u, [r.reference_id for r in removed])
        return Change(text, undo, ())

    return Change(text, undo, (), changed=True)


def _replaced(text: str, befores: list[Reference], afters: list[Reference], removed: list[PendingLookup], keyed: Mapping[int, str]) -> Change:
    ids = tuple(r.id for r in afters if r.id is not None)
    after_keys = {r.id: keyed.get(r.id or -1, r.citation_key) for r in afters}

    def undo(u: UnitOfWork) -> Change:
        u.update_many([(b, b.edited) for b in befores])
        lookup_queue.restore_pending(u, removed)
        return Change(text, redo, ids)

    def redo(u: UnitOfWork) -> Change:
        again = []
        for a in afters:
            r = copy_reference(a)
            r.citation_key = after_keys.get(a.id, a.citation_key)
            again.append((r, True))
        u.update_many(again)
        lookup_queue.remove_pending(u, [r.reference_id for r in removed])
        return Change(text, undo, ids)

    return Change(text, undo, ids)


def _queue_failures(uow: UnitOfWork, failed: Sequence[Completion], stamp: datetime) -> None:
    rows = {p.reference_id: p for p in lookup_queue.pending(uow, ids=[c.reference.id for c in failed if c.reference.id is not None])}
    fresh: list[PendingLookup] = []
    for c in failed:
        rid = c.reference.id
        assert rid is not None
        old = rows.get(rid)
        if old is not None:
            attempts = old.attempts + 1
            lookup_queue.update_pending(uow, rid, reason=c.message, attempts=attempts, next_try=_next_try(attempts, stamp, c.retry_after))
        else:
            key = c.identifier.key if c.identifier is not None else ""
            fresh.append(PendingLookup(rid, key, "complete", c.message, 1, _next_try(1, stamp, c.retry_after), stamp))
    lookup_queue.add_pending(uow, fresh)


def _note_permanent(uow: UnitOfWork, failed: Sequence[Completion]) -> None:
    """A queued identifier the service does not know: kept with the reason, not retried by
    itself (``lookup --pending`` still tries)."""
    rows = {p.reference_id: p for p in lookup_queue.pending(uow, ids=[c.reference.id for c in failed if c.reference.id is not None])}
    for c in failed:
        old = rows.get(c.reference.id or -1)
        if old is not None:
            lookup_queue.update_pending(uow, old.reference_id, reason=c.message, attempts=old.attempts + 1, next_try=None)


@dataclass(frozen=True, slots=True)
class CompleteReport:
    completions: list[Completion]
    change: Change | None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def all_done(self) -> bool:
        return all(o.status in ("completed", "unchanged") for o in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        return {"done": self.change.description if self.change else "", "results": [o.as_json() for o in self.outcomes]}


def _outcomes(completions: Sequence[Completion], queued: Collection[int]) -> list[Outcome]:
    out: list[Outcome] = []
    for c in completions:
        ref = c.reference
        name = ref.citation_key or f"#{ref.id}"
        ids = (ref.id,) if ref.id is not None else ()
        if c.plan is not None:
            filled = tuple(c.plan.fills) + ((CREATORS,) if c.plan.creators else ()) + (("item_type",) if c.plan.item_type else ())
            differs = tuple((d.field, d.ours, d.theirs) for d in c.plan.differs)
            status: Status = "completed" if filled else "unchanged"
            msg = f"by {c.how}: " + (f"filled {', '.join(filled)}" if filled else "nothing empty to fill")
            if differs:
                msg += f"; differs (not changed): {', '.join(d[0] for d in differs)}"
            out.append(Outcome(name, c.how, status, msg, ids, filled, differs))
            continue
        cands = tuple(
            {"title": k.reference.title, "doi": k.reference.fields.get("doi", ""), "year": k.reference.year,
             "container": k.reference.fields.get("container_title", ""), "score": round(k.score, 1), "why_not": list(k.reasons)}
            for k in c.candidates
        )
        if c.candidates:
            out.append(Outcome(name, c.how, "unsure", c.message, ids, candidates=cands))
        elif c.transient and ref.id in queued:
            out.append(Outcome(name, c.how, "queued", f"{c.message}; queued to try again later", ids))
        else:
            out.append(Outcome(name, c.how, "failed", f"{c.message}; nothing was changed", ids))
    return out


def complete_references(
    library: Library,
    ids: Sequence[int],
    client: HttpClient,
    *,
    progress: Progress | None = None,
    accept: Mapping[int, Collection[str]] | None = None,
    identifiers: Mapping[int, Identifier] | None = None,
) -> CompleteReport:
    """Read, fetch and merge in one go (the CLI's ``lookup``): confident matches fill their
    empty fields now; differing fields are reported, changed only when named in ``accept``."""
    from bibliofile.services.changes import perform

    refs = references_to_complete(library, ids)
    completions = fetch_completions(client, refs, progress, identifiers)
    change = perform(library, complete_operation(completions, accept)) if completions else None
    queued = {p.reference_id for p in lookup_queue.pending(library, ids=[r.id for r in refs if r.id is not None])}
    return CompleteReport(completions, change, _outcomes(completions, queued))


# ---- the queue ---------------------------------------------------------------------------------

def pending_lookups(library: Library | UnitOfWork) -> list[PendingLookup]:
    """Everything waiting for a lookup, oldest first, with its reason (the "to look up" list)."""
    return lookup_queue.pending(library)


def adopt_placeholders(library: Library, when: datetime | None = None) -> int:
    """Queue placeholders made before there was a queue (a pasted DOI list): each becomes a
    row due now. Returns how many were taken in."""
    stamp = when or _now()
    ids = lookup_queue.unqueued_placeholder_ids(library, PLACEHOLDER_TITLE)  # an index range
    if not ids:
        return 0
    fresh = placeholder_rows(lookup_queue.load_references(library, ids), "pasted before it could be looked up", stamp)
    if fresh:
        with library.write() as uow:
            lookup_queue.add_pending(uow, fresh)
    return len(fresh)


def _identifier_from_key(key: str) -> Identifier | None:
    kind, _, value = key.partition(":")
    text = {"doi": value, "isbn": f"ISBN {value}", "arxiv": f"arXiv:{value}", "pmid": f"PMID {value}", "pmcid": value}.get(kind, "")
    got = parse_identifier(text) if text else None
    return got if isinstance(got, Identifier) else None


def retry_pending(
    library: Library,
    client: HttpClient,
    *,
    due_only: bool = False,
    progress: Progress | None = None,
    when: datetime | None = None,
) -> CompleteReport:
    """Work the queue: every pending lookup (``lookup --pending``), or only those due
    (``due_only``: at start-up and when the network returns). Placeholders are filled with the
    record found; failures stay queued with the new reason and the next time to try."""
    stamp = when or _now()
    adopt_placeholders(library, stamp)
    rows = lookup_queue.pending(library, due_by=stamp if due_only else None)
    if not rows:
        return CompleteReport([], None, [])
    idents = {r.reference_id: i for r in rows if (i := _identifier_from_key(r.identifier)) is not None}
    refs = lookup_queue.load_references(library, [r.reference_id for r in rows])
    completions = fetch_completions(client, refs, progress, idents)
    from bibliofile.services.changes import perform

    change = perform(library, complete_operation(completions, when=stamp))
    queued = {p.reference_id for p in lookup_queue.pending(library, ids=[r.reference_id for r in rows])}
    return CompleteReport(completions, change, _outcomes(completions, queued))


def offline_requested(env: Mapping[str, str] | None = None) -> bool:
    """The "no network" preference as the environment states it (``BIBLIOFILE_OFFLINE``)."""
    e = os.environ if env is None else env
    return e.get("BIBLIOFILE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("Bibliofile", appauthor=False) / "online"
