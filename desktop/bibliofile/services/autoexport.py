"""Auto-export (issue 20): .bib and CSL-JSON files kept up to date with the library, for LaTeX
and pandoc, as Better BibTeX's "keep updated" exports are for Zotero.

A rewrite is incremental: each entry's written text is kept (``EntryCache``: in memory in the
window, in the library's ``autoexport_entries`` table between command-line runs) with the
reference's modification stamp, and only entries whose stamp changed are formatted again; the
BibTeX writer itself assembles the file, so it always equals a fresh export of the same
selection (``services.exporting.export_to_file``), byte for byte. Unchanged entries are handed to
the writer as stand-ins that it writes verbatim, which is how it writes untouched imported
entries anyway. Better BibTeX users report full rewrites of 13k entries as the pain; here a
one-reference edit in a 20k-entry export reads ids and stamps and formats one entry.

The file is replaced atomically (``write_atomically``: symlinks followed, mode kept). If someone
else changed it since our last write, their version is kept beside it as ``FILE.bak-<date>``
before ours replaces it, and the outcome says so. A failure (folder gone, disk full, permission)
is a message naming the file; the auto-export stays configured and the next change retries it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from bibliofile.formats.bibtex_values import clean_key
from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.formats.csl_json import reference_to_item
from bibliofile.model.blocks import PassthroughBlock
from bibliofile.model.reference import Reference
from bibliofile.services.exporting import (
    Dialect,
    ExportError,
    encoded,
    file_encoding,
    write_bytes_atomically,
)
from bibliofile.services.inheritance import parent_keys
from bibliofile.storage import autoexports as store
from bibliofile.storage.autoexports import AutoExportRow, CachedEntry, OutlineRow, Stamp, stamp_time
from bibliofile.storage.errors import LibraryError
from bibliofile.storage.library import Library, Scope, UnitOfWork

Format = Literal["bibtex", "biblatex", "csl-json"]
FORMATS: tuple[Format, ...] = ("bibtex", "biblatex", "csl-json")

__all__ = [
    "FORMATS",
    "AutoExport",
    "AutoExportError",
    "EntryCache",
    "Outcome",
    "add",
    "autoexports",
    "fresh_text",
    "refresh",
    "refresh_all",
    "remove",
]


class AutoExportError(LibraryError):
    """An auto-export could not be set up or removed as asked; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class AutoExport:
    """A configured auto-export, for lists and the CLI's ``--json``."""

    id: int
    path: str
    format: str
    what: str  # "library", "collection", "query"
    collection: str  # the collection's name (also after it was deleted)
    collection_exists: bool
    query: str
    written_at: str  # ISO time of the last write, "" if never
    last_error: str

    @property
    def description(self) -> str:
        if self.what == "collection":
            gone = "" if self.collection_exists else " (deleted)"
            return f"collection “{self.collection}”{gone}"
        if self.what == "query":
            return f"search “{self.query}”"
        return "whole library"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.path, "format": self.format, "what": self.what,
            "collection": self.collection if self.what == "collection" else None,
            "query": self.query if self.what == "query" else None,
            "written_at": self.written_at or None, "last_error": self.last_error or None,
        }


def _public(row: AutoExportRow) -> AutoExport:
    return AutoExport(
        row.id, row.path, row.format, row.scope, row.collection_name, row.collection_id is not None,
        row.query, _local(row.written_at), row.last_error,
    )


def _local(when: datetime | None) -> str:
    """A stored time (UTC) as the user's clock shows it."""
    if when is None:
        return ""
    return when.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class EntryCache:
    """Each entry's written text for one auto-export (see ``CachedEntry``), and the context it
    was formatted in (format, whole library or not, the @string blocks): a new context drops it.
    ``loaded``: filled from the library (a fresh process); ``signature`` of the last outline
    written, so a rewrite after a change elsewhere (a search, a tag) writes nothing."""

    context: str = ""
    entries: dict[int, CachedEntry] = field(default_factory=dict)
    loaded: bool = False
    signature: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rewrite did. ``written``: the file was (re)written; ``message``: for the status
    bar or stderr ("" when there is nothing to say); ``error``: it failed (and stays set up);
    ``formatted``: entries formatted anew (the rest came from the cache)."""

    path: str
    written: bool = False
    message: str = ""
    error: bool = False
    formatted: int = 0
    entries: int = 0
    backup: str = ""


# ---- configuring ----------------------------------------------------------------------------


def autoexports(library: Library) -> list[AutoExport]:
    return [_public(r) for r in store.all_autoexports(library)]


def _normalised(path: str | Path) -> str:
    """The path as stored: absolute (a relative one would depend on where a command runs)."""
    return os.path.abspath(os.path.expanduser(str(path)))


def add(
    library: Library,
    path: str | Path,
    format: str = "bibtex",
    collection: str | None = None,
    query: str | None = None,
    caches: dict[int, EntryCache] | None = None,
) -> Outcome:
    """Set up an auto-export and write the file at once. AutoExportError (nothing set up) for an
    unknown format or collection, a path already kept, both a collection and a query, or a path
    that is a folder. A first write that fails leaves it set up (the outcome says why), as a
    later change retries it."""
    if format not in FORMATS:
        raise AutoExportError(f"unknown format “{format}”: use one of {', '.join(FORMATS)}")
    if collection is not None and query is not None:
        raise AutoExportError("give a collection or a search, not both")
    where = _normalised(path)
    if os.path.isdir(where):
        raise AutoExportError(f"cannot export to {where}: it is a folder; give a file name inside it")
    if not os.path.isdir(os.path.dirname(where)):
        raise AutoExportError(f"cannot export to {where}: the folder {os.path.dirname(where)} does not exist")
    cid: int | None = None
    name = ""
    if collection is not None:
        from bibliofile.services.changes import NotDone
        from bibliofile.services.collections import find

        try:
            found = find(library, collection)
        except NotDone as exc:
            raise AutoExportError(f"{exc}; nothing was set up") from exc
        if found is None:
            raise AutoExportError(f"there is no collection “{collection}”; nothing was set up")
        cid, name = found.id, found.path
    if query is not None and not query.strip():
        raise AutoExportError("the search is empty; leave out --query to keep the whole library")
    with library.write() as uow:
        if store.find(uow, where) is not None:
            raise AutoExportError(f"{where} is kept up to date already; remove it first to change it")
        scope = "collection" if cid is not None else "query" if query else "library"
        store.add(uow, where, format, scope, cid, name, query or "")
    row = store.find(library, where)
    assert row is not None
    cache = EntryCache()
    if caches is not None:
        caches[row.id] = cache
    return refresh(library, row, cache, force=True)


def remove(library: Library, path: str | Path) -> None:
    """Stop keeping ``path`` up to date (the file itself stays). AutoExportError if it was not."""
    where = _normalised(path)
    with library.write() as uow:
        if not store.remove(uow, where) and not store.remove(uow, str(path)):
            raise AutoExportError(f"{where} is not kept up to date; nothing was removed")


# ---- the text -------------------------------------------------------------------------------


def _selection(library: Library, row: AutoExportRow) -> list[int] | None:
    """The ids exported (None: the whole library, in file order with its blocks)."""
    if row.scope == "collection":
        if row.collection_id is None:
            raise ExportError(
                f"{row.path} was not written: the collection “{row.collection_name}” was deleted "
                "(the file was left as it was; remove this auto-export or undo the deletion)"
            )
        return library.search("", scope=Scope(collection_id=row.collection_id))
    if row.scope == "query":
        return library.search(row.query)
    return None


def fresh_text(library: Library, row: AutoExportRow) -> tuple[str, str]:
    """(text, encoding) of a full, non-incremental export of the same selection: what the file
    must always hold (the tests compare with it; ``export_to_file`` writes the same)."""
    from bibliofile.services.exporting import export_text

    ids = _selection(library, row)
    dialect = _dialect(row.format)
    text = export_text(library, dialect, ids=ids)
    return file_encoding(library, dialect, text, ids is None, [])


def _dialect(fmt: str) -> Dialect:
    return "biblatex" if fmt == "biblatex" else "csl-json" if fmt == "csl-json" else "bibtex"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _trusted(started: datetime, stamp: Stamp) -> bool:
    """Whether a text formatted from a read begun at ``started`` stays right while the stamp is
    ``stamp``: stamps have whole seconds, so an edit later in the same second keeps the stamp;
    only once that second is over can no edit carry it any more."""
    return started >= stamp_time(stamp) + timedelta(seconds=1)


def _context(fmt: str, whole: bool, blocks: Sequence[PassthroughBlock]) -> str:
    h = hashlib.sha256(f"{fmt}\0{whole}\0".encode())
    for b in blocks:
        h.update(f"{b.kind.value}\0{b.prefix}\0{b.text}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _signature(outline: Sequence[PassthroughBlock | OutlineRow], context: str) -> int:
    """What the last rewrite wrote from, in memory only (Python's hash of the rows: 20k
    formatted and hashed strings cost 60 ms)."""
    return hash((context, tuple(r for r in outline if isinstance(r, OutlineRow))))


@dataclass(slots=True)
class _Built:
    text: str
    new: dict[int, CachedEntry]
    formatted: int
    entries: int
    cached: bool = True  # False: written without the cache (it was emptied)


_PLAIN_KEY_RE = re.compile(r"[A-Za-z0-9_:.+/@!?*<>;|\[\]&$^`-]+")
_STRING_RE = re.compile(r"@\s*string\s*[{(]\s*([^\s=#{}\"]+)\s*=\s*(.*?)\s*[})]\s*$", re.I | re.S)


def _written_keys(rows: Sequence[OutlineRow]) -> list[str]:
    """The keys the writer starts from (``clean_key``, else ``ref-<id>``); a key of plain
    characters is its own clean key, which spares 20k calls."""
    match = _PLAIN_KEY_RE.fullmatch
    return [r.citation_key if match(r.citation_key) else clean_key(r.citation_key) or f"ref-{r.id}" for r in rows]


def _macros_depend_on_size(blocks: Sequence[PassthroughBlock]) -> bool:
    """Whether the writer's @string macros could differ with the file's size: it refuses a macro
    longer than ``expansion_limit`` of the file (at least MACRO_FLOOR). Below that floor, which
    every ordinary file is, the macros are the same whatever entries surround the ones formatted."""
    from bibliofile.formats.bibtex_reader import (
        DEFAULT_MACROS,
        MACRO_FLOOR,
        define_macro,
        macro_length,
    )
    from bibliofile.model.blocks import BlockKind

    macros: dict[str, object] = dict(DEFAULT_MACROS)
    for b in blocks:
        if b.kind is not BlockKind.STRING:
            continue
        m = _STRING_RE.match(b.text)
        if m is None:
            continue
        value = define_macro(m.group(2), macros)  # type: ignore[arg-type]
        if macro_length(value) > MACRO_FLOOR:
            return True
        macros[m.group(1).lower()] = value
    return False


def _bibtex(library: Library, fmt: str, outline: list[PassthroughBlock | OutlineRow], whole: bool,
            cache: EntryCache, started: datetime) -> _Built:
    """The file's text: cached entries as they were, the others formatted by ``write_bibtex``
    (given the file's blocks, so their @string macros), joined as ``write_bibtex`` joins a whole
    export. Where an entry's text depends on the others (two entries whose keys clash, which
    the writer renames; a macro long enough to be refused in a small file), the whole export is
    written by the writer, without the cache."""
    from bibliofile.services.exporting import export_text

    dialect: Literal["bibtex", "biblatex"] = "biblatex" if fmt == "biblatex" else "bibtex"
    rows = [r for r in outline if isinstance(r, OutlineRow)]
    written = _written_keys(rows)
    blocks = [b for b in outline if isinstance(b, PassthroughBlock)]
    if len(set(written)) != len(written) or _macros_depend_on_size(blocks):
        cache.entries.clear()
        ids = None if whole else [r.id for r in rows]
        return _Built(export_text(library, dialect, ids=ids), {}, len(rows), len(rows), cached=False)
    last = len(outline) - 1
    rows_by_id = {r.id: r for r in rows}
    misses: list[int] = []
    verbatim_miss: list[int] = []
    full_miss: list[int] = []
    for i, item in enumerate(outline):
        if isinstance(item, PassthroughBlock):
            continue
        e = cache.entries.get(item.id)
        # The last entry is always formatted: whether the file ends in a newline depends on it.
        if e is None or e.stamp != item.stamp or not e.trusted or i == last:
            misses.append(i)
            (verbatim_miss if item.verbatim else full_miss).append(item.id)
    loaded: dict[int, Reference] = {}
    new: dict[int, CachedEntry] = {}
    if verbatim_miss and whole:
        # Written as kept, after its kept lead: the writer would only copy them (no Reference).
        for rid, (text, prefix) in store.verbatim_texts(library, verbatim_miss).items():
            stamp = rows_by_id[rid].stamp
            new[rid] = CachedEntry(stamp=stamp, trusted=_trusted(started, stamp), body=text, kept=True, prefix=prefix)
    elif verbatim_miss:
        loaded.update(store.verbatim_references(library, verbatim_miss))
    if full_miss:
        loaded.update((r.id, r) for r in library.get_many(full_miss) if r.id is not None)
    # The changed entries, formatted in one call after the file's blocks (their macros).
    formatted_at: list[int] = []
    reduced: list[Reference | PassthroughBlock] = list(blocks) if whole else []
    for i in misses:
        ref = loaded.get(outline[i].id)  # type: ignore[union-attr]
        if ref is not None and ref.id not in new:  # (None: deleted since the outline was read; the next change rewrites)
            formatted_at.append(i)
            reduced.append(ref)
    parts: list[str] = []
    reduced_text = write_bibtex(reduced, dialect=dialect, preserve_layout=whole, parts=parts)
    entry_parts = parts[len(blocks):] if whole else parts
    for n, i in enumerate(formatted_at):
        row = outline[i]
        assert isinstance(row, OutlineRow)
        ref = loaded[row.id]
        kept = whole and ref.source is not None and ref.source.format == "bibtex"
        lead = "" if not whole else ref.source.prefix if kept and ref.source else "\n\n" if len(blocks) + n else ""
        new[row.id] = CachedEntry(
            stamp=row.stamp, trusted=_trusted(started, row.stamp), body=entry_parts[n][len(lead):],
            kept=kept, prefix=lead if kept else "",
        )
    missed = set(misses)
    out: list[str] = []
    for i, item in enumerate(outline):
        if isinstance(item, PassthroughBlock):
            if whole:
                out.append(item.prefix + item.text)
            continue
        got = new.get(item.id) if i in missed else cache.entries.get(item.id)
        if got is None:
            continue
        if whole:
            out.append(got.prefix if got.kept else "\n\n" if i else "")
        out.append(got.body)
    if whole:
        text = "".join(out)
        # write_bibtex ends a whole export with a newline after a freshly formatted last entry.
        if formatted_at and formatted_at[-1] == last and reduced_text == "".join(parts) + "\n":
            text += "\n"
    else:
        text = "\n\n".join(out) + "\n" if out else ""
    return _Built(text, new, len(formatted_at), len(rows))  # (verbatim copies are not "formatted")


def _csl(library: Library, outline: list[PassthroughBlock | OutlineRow], cache: EntryCache,
         started: datetime) -> _Built:
    rows = [r for r in outline if isinstance(r, OutlineRow)]
    # The ids write_csl_json gives: the key, made unique by position, else item-N.
    item_ids: list[str] = []
    used: set[str] = set()
    for n, r in enumerate(rows, 1):
        iid = r.citation_key or f"item-{n}"
        if iid in used:
            iid = f"{iid}-{n}"
        used.add(iid)
        item_ids.append(iid)
    # A reference inheriting through crossref/xdata is reused only while what it inherited from
    # is the same: each parent key still names the same one reference, unchanged.
    dep_keys = [k for e in cache.entries.values() if e.parents for k, _, _ in e.deps]
    now_by_key = store.by_keys(library, dep_keys) if dep_keys else {}

    def inherited_same(e: CachedEntry) -> bool:
        return bool(e.deps) and all(
            now_by_key.get(k, []) == ([(pid, pstamp)] if pid is not None else []) for k, pid, pstamp in e.deps
        )

    bodies: list[str | None] = []
    miss: list[int] = []
    for r, iid in zip(rows, item_ids, strict=True):
        e = cache.entries.get(r.id)
        if (e is not None and e.stamp == r.stamp and e.trusted and e.item_id == iid
                and (not e.parents or inherited_same(e))):
            bodies.append(e.body)
        else:
            bodies.append(None)
            miss.append(r.id)
    new: dict[int, CachedEntry] = {}
    if miss:
        from bibliofile.formats.crossref import resolve_crossref
        from bibliofile.services.inheritance import library_parents

        stored = library.get_many(miss)
        # As resolve_parents does, keeping the parents found to record what each inherited.
        children = {r.id: r for r in stored if parent_keys(r)}
        parents = library_parents(library, children.values()) if children else {}
        resolved = {r.id: resolve_crossref(r, parents) if r.id in children else r for r in stored}
        parent_stamps = store.stamps(library, [p.id for p in parents.values() if p.id is not None])
        for n, (r, iid) in enumerate(zip(rows, item_ids, strict=True)):
            if bodies[n] is not None:
                continue
            ref = resolved.get(r.id)
            if ref is None:
                continue
            body = "  " + json.dumps(reference_to_item(ref, iid), ensure_ascii=False, indent=2).replace("\n", "\n  ")
            bodies[n] = body
            child = children.get(r.id)
            deps = _inherited_from(child, parents, parent_stamps) if child is not None else ()
            trusted = _trusted(started, r.stamp) and all(t is None or _trusted(started, t) for _, _, t in deps)
            new[r.id] = CachedEntry(stamp=r.stamp, trusted=trusted, body=body, item_id=iid,
                                    parents=child is not None, deps=deps)
    kept = [b for b in bodies if b is not None]
    text = "[\n" + ",\n".join(kept) + "\n]\n" if kept else "[]\n"
    return _Built(text, new, len(miss), len(rows))


def _inherited_from(ref: Reference, parents: dict[str, Reference],
                    parent_stamps: dict[int, Stamp]) -> tuple[tuple[str, int | None, Stamp | None], ...]:
    """(key, id, stamp) of every ancestor ``ref`` reaches through crossref/xdata (None for a key
    no reference had): if any of these changes, what it inherits may change."""
    out: list[tuple[str, int | None, Stamp | None]] = []
    seen: set[str] = set()
    todo = parent_keys(ref)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        p = parents.get(key)
        pid = p.id if p is not None else None
        out.append((key, pid, parent_stamps.get(pid) if pid is not None else None))
        if p is not None:
            todo.extend(parent_keys(p))
    return tuple(sorted(out, key=lambda d: d[0]))


# ---- writing --------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _theirs_kept(row: AutoExportRow, data: bytes) -> str:
    """If the file holds something we did not write (another program, or a file that was there
    before the auto-export was set up), copy it to ``FILE.bak-<date>``; returns that path or ""."""
    target = os.path.realpath(row.path)
    try:
        st = os.stat(target)
    except OSError:
        return ""  # missing (or unreadable: the write will say so)
    if not stat.S_ISREG(st.st_mode):
        return ""
    if row.written_sha256 and (st.st_size, st.st_mtime_ns) == (row.written_size, row.written_mtime_ns):
        return ""
    try:
        current = Path(target).read_bytes()
    except OSError:
        return ""
    if current == data or (row.written_sha256 and _sha(current) == row.written_sha256):
        return ""
    if not current and not row.written_sha256:
        return ""  # an empty file made to be written into
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = f"{row.path}.bak-{stamp}"
    n = 2
    while os.path.exists(backup):
        backup = f"{row.path}.bak-{stamp}-{n}"
        n += 1
    try:
        shutil.copy2(target, backup)
    except OSError as exc:
        raise ExportError(
            f"{row.path} was changed by another program, and its version could not be kept aside "
            f"as {backup} ({exc.strerror or exc}), so it was left as it was"
        ) from exc
    return backup


def refresh(library: Library, row: AutoExportRow, cache: EntryCache | None = None, *,
            force: bool = False) -> Outcome:
    """Bring one auto-export's file up to date. Never raises for a file that cannot be written:
    the outcome says so (and the library records it, for the list); the next change retries."""
    if cache is None:
        cache = EntryCache()
    if not cache.loaded:
        cache.context, cache.entries = store.load_entries(library, row.id)
        cache.loaded = True
    started = _now()
    try:
        ids = _selection(library, row)
        outline = store.outline(library, ids)
        whole = ids is None
        blocks = [b for b in outline if isinstance(b, PassthroughBlock)]
        context = _context(row.format, whole, blocks)
        replace_all = context != cache.context
        if replace_all:
            cache.entries = {}
            cache.context = context
        signature = _signature(outline, context)
        if not force and signature == cache.signature and _unchanged_on_disk(row):
            return Outcome(row.path, entries=sum(isinstance(i, OutlineRow) for i in outline))
        if row.format == "csl-json":
            built = _csl(library, outline, cache, started)
        else:
            built = _bibtex(library, row.format, outline, whole, cache, started)
        text, encoding = file_encoding(library, _dialect(row.format), built.text, whole, [])
        data = encoded(text, encoding)
        sha = _sha(data)
        present = {r.id for r in outline if isinstance(r, OutlineRow)}
        gone = [rid for rid in cache.entries if rid not in present]
        for rid in gone:
            del cache.entries[rid]
        cache.entries.update(built.new)
        backup = ""
        written = False
        if force or sha != row.written_sha256 or not _unchanged_on_disk(row):
            backup = _theirs_kept(row, data)
            write_bytes_atomically(row.path, data)
            written = True
        # The next rewrite may skip the work only if every entry's text was settled this time.
        # (An entry that inherits from a parent outside the selection changes with it unseen.)
        settled = built.cached and bool(cache.entries) and all(
            e.trusted and not e.parents for e in cache.entries.values())
        cache.signature = signature if settled else 0
        replace_all = replace_all or not built.cached
    except ExportError as exc:
        said = str(exc)
        _record(library, lambda uow: store.record_error(uow, row.id, said))
        return Outcome(row.path, message=f"{said}. The auto-export stays set up and is retried after the next change.",
                       error=True)
    # What is worth keeping between runs: formatted entries (verbatim ones are the library's own).
    verbatim = {r.id for r in outline if isinstance(r, OutlineRow) and r.verbatim and row.format != "csl-json"}
    persist = {rid: e for rid, e in built.new.items() if rid not in verbatim}
    size, mtime = _stat(row.path)

    def save(uow: UnitOfWork) -> None:
        if written:
            store.record_written(uow, row.id, size, mtime, sha)
        store.save_entries(uow, row.id, context, persist, gone, replace_all)

    _record(library, save)
    message = ""
    if backup and not row.written_sha256:
        message = f"{row.path} was there already; it was kept as {backup} and the export written in its place"
    elif backup:
        message = (f"{row.path} had been changed by another program; that version was kept as "
                   f"{backup} and the file was written again")
    return Outcome(row.path, written=written, message=message, formatted=built.formatted,
                   entries=built.entries, backup=backup)


def _record(library: Library, fn: Callable[[UnitOfWork], None]) -> None:
    """Store what was written (a read-only library keeps nothing: the file is still right)."""
    if library.refuse_writes_why() is not None:
        return
    with library.write() as uow:
        fn(uow)


def _stat(path: str) -> tuple[int | None, int | None]:
    try:
        st = os.stat(os.path.realpath(path))
    except OSError:
        return None, None
    return st.st_size, st.st_mtime_ns


def _unchanged_on_disk(row: AutoExportRow) -> bool:
    return bool(row.written_sha256) and _stat(row.path) == (row.written_size, row.written_mtime_ns)


def refresh_all(library: Library, caches: dict[int, EntryCache] | None = None, *,
                force: bool = False) -> list[Outcome]:
    """Every auto-export of the library brought up to date (after a command changed it)."""
    out: list[Outcome] = []
    for row in store.all_autoexports(library):
        cache = None
        if caches is not None:
            cache = caches.setdefault(row.id, EntryCache())
        out.append(refresh(library, row, cache, force=force))
    return out
