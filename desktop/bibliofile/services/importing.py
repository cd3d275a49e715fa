"""Importing files and pasted text into a library: detect the format, read, report problems with
file and line, store in one transaction.

BibTeX is parsed in worker processes while this thread stores the batches already parsed (see
``formats.bibtex_reader.iter_bibtex_batches``), so a large import costs about what parsing alone
costs. The other formats (RIS, CSL-JSON, EndNote XML, MEDLINE, research-portal pages, DOI/ISBN
lists; ``formats.detect``) are read in this process and stored in batches of the same size. All
files of one import are one unit of work: a failure, a cancel, or a killed process leaves the
library exactly as it was.

An entry the library already holds exactly (same type and normalised fields and creators, or
same DOI/ISBN and title: the rule is in ``services.exact_duplicates``) is not stored again but
listed in ``ImportReport.skipped``; ``store_skipped`` stores those after all, as one undoable
operation ("Import anyway", ``bibliofile import --allow-duplicates``).

Problems are of two kinds (``Problem.not_read``): what could not be read at all, and remarks on
entries that were read; ``ImportReport.not_read`` and ``.remarks`` keep them apart for messages.

Paste and drop go through a preview first (``preview_text``/``preview_files``): the references
found, each flagged when the library already holds one with the same DOI or the same normalised
title and year; ``import_chosen`` then stores the ones the user kept, in one transaction.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bibliofile.formats.batches import iter_format_batches
from bibliofile.formats.bibtex_reader import (
    SMALL_TEXT,
    decode_bytes,
    decode_bytes_reporting,
    gc_paused,
    iter_bibtex_batches,
    worker_pool,
)
from bibliofile.formats.detect import ALIASES, FORMAT_LABELS, read_text, unrecognised
from bibliofile.formats.detect import detect_format as detect_text_format
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.problems import Problem, UnreadableFileError
from bibliofile.model.reference import Reference
from bibliofile.services import citation_keys
from bibliofile.services.changes import Change, Operation, plural
from bibliofile.services.exact_duplicates import LibraryIndex, SkippedEntry, describe, rows_of
from bibliofile.storage.errors import Cancelled, LibraryError
from bibliofile.storage.library import Library, UnitOfWork
from bibliofile.storage.rows import REFERENCE_BODY, RowBatch, imported_rows

FORMATS = ("auto", "bibtex", "ris", "csl-json", "endnote", "medline", "portal")
BATCH = 2000
# Share of the last file stored when the bulk load's indexes are built: the build (~1.2 s of CPU
# at 100k) then runs while the workers parse the rest, instead of after them with a core idle.
# The rest of the file is sent to the workers at that point (iter_bibtex_batches' all_ahead_from):
# with only their usual few jobs ahead they had parsed them after a fraction of the build and
# waited for it (at 0.92, ~1 s of one core idle at 100k). The rows stored after the build go into
# the indexes one by one, which costs more than building them: hence not much earlier.
INDEX_WHEN_READ = 0.92


@dataclass
class ImportReport:
    imported: int = 0
    ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    entries_in_files: int = 0
    keyless: list[int] = field(default_factory=list, repr=False)  # stored without a citation key
    skipped: list[SkippedEntry] = field(default_factory=list)  # exact duplicates, not stored

    @property
    def nothing_read(self) -> bool:
        """True when no file could be read at all (the CLI exits 1)."""
        return bool(self.unreadable) and not self.formats

    @property
    def not_read(self) -> list[Problem]:
        """Entries, text or files that could not be read (kept as text, or left out)."""
        return [p for p in self.problems if p.not_read]

    @property
    def remarks(self) -> list[Problem]:
        """Remarks on entries that were read and stored."""
        return [p for p in self.problems if not p.not_read]

    def as_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "formats": self.formats,
            "problems": [
                {"file": p.file, "line": p.line, "message": p.message, "not_read": p.not_read}
                for p in self.problems
            ],
            "skipped_duplicates": [
                {"file": s.file, "line": s.line, "title": s.title, "duplicate_of": s.duplicate_of,
                 "existing": s.existing, "reason": s.reason}
                for s in self.skipped
            ],
        }


def detect_format(text: str, file: str, requested: str = "auto") -> str:
    """The format to read a text as (from its content); says plainly which exist when none fits."""
    requested = ALIASES.get(requested, requested)
    if requested not in FORMATS:
        raise UnreadableFileError(file, f"unknown format {requested!r} (known: {', '.join(FORMATS)})")
    if requested != "auto":
        return requested
    found = detect_text_format(text)
    if found is None:
        raise UnreadableFileError(file, unrecognised(text))
    return found


ESTIMATE_HEAD = 1 << 20


def estimate_entries(paths: Sequence[str | Path]) -> int | None:
    """About how many entries these BibTeX files hold, for a progress bar: each file's size over
    the mean size of an entry in its first MiB (blocks start with "@" on a new line). None when
    a file does not look like BibTeX there (a RIS or CSL-JSON file): the bar then only turns.
    Reads 1 MiB a file, a few milliseconds; a wrong guess only makes the bar less exact."""
    total = 0.0
    for p in paths:
        try:
            size = Path(p).stat().st_size
            with open(p, "rb") as fh:
                head = fh.read(ESTIMATE_HEAD)
        except OSError:
            return None
        blocks = head.count(b"\n@") + head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"@")
        if not blocks:
            return None
        skipped = sum(head.lower().count(b"\n@" + kind) for kind in (b"string", b"comment", b"preamble"))
        total += max(blocks - skipped, 1) * size / max(len(head), 1)
    return round(total) or None


def format_label(fmt: str) -> str:
    """"RIS", "research-portal page", ... for messages."""
    return FORMAT_LABELS.get(fmt, fmt)


class ReaderFailedError(UnreadableFileError, LibraryError):
    """A reader gave up on a file (nested too deeply, out of memory, undecodable text): a plain
    message naming the file, shown by the window and the CLI like any known problem. The import
    was one transaction, so nothing of it was stored."""


def shown_path(p: str | Path) -> str:
    """A file name that can be printed and stored: a name that is not valid UTF-8 (bytes kept
    by Python as surrogates) shows its odd bytes as ``\\xNN`` instead of failing to encode."""
    return os.fsencode(p).decode("utf-8", "backslashreplace")


def reader_failure(exc: BaseException) -> str:
    """Why a reader gave up, in words (for ReaderFailedError)."""
    if isinstance(exc, RecursionError):
        return "could not be read: its structure is nested too deeply. Nothing was imported."
    if isinstance(exc, MemoryError):
        return "could not be read: reading it needed more memory than there is. Nothing was imported."
    return f"could not be read: text that could not be decoded or stored ({exc}). Nothing was imported."


def import_files(
    library: Library,
    paths: Sequence[str | Path],
    format: str = "auto",
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 2,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
    allow_duplicates: bool = False,
) -> ImportReport:
    """Import every file in one transaction; unreadable files are reported, not fatal.

    Entries without a citation key get one made from ``key_pattern`` (the user's preference in
    the window; the default for the command line). Exact duplicates of references already in
    the library are skipped and listed in ``report.skipped`` unless ``allow_duplicates``. A
    reader that fails outright (RecursionError, MemoryError, UnicodeError) ends the import with
    ReaderFailedError naming the file."""
    reading: list[str] = []
    try:
        return _import_files(
            library, paths, format, progress, cancelled, workers, key_pattern, reading, allow_duplicates
        )
    except (RecursionError, MemoryError, UnicodeError) as exc:
        name = reading[-1] if reading else ", ".join(shown_path(p) for p in paths)
        raise ReaderFailedError(name, reader_failure(exc)) from exc


def _import_files(
    library: Library,
    paths: Sequence[str | Path],
    format: str,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
    workers: int,
    key_pattern: str,
    reading: list[str],
    allow_duplicates: bool = False,
) -> ImportReport:
    report = ImportReport()
    early = workers if any(_large_bibtex(p) for p in paths) else 0
    with worker_pool(early) as pool, gc_paused():
        # Read before the write begins, while early workers start: what was there before.
        known = None if allow_duplicates else LibraryIndex(library)
        _import_into(library, paths, format, progress, cancelled, workers, key_pattern, reading, report, pool, known)
    return report


def _import_into(
    library: Library,
    paths: Sequence[str | Path],
    format: str,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
    workers: int,
    key_pattern: str,
    reading: list[str],
    report: ImportReport,
    pool: ProcessPoolExecutor | None,
    known: LibraryIndex | None,
) -> None:
    with library.write() as uow, uow.bulk_load() as bulk:
        for n, p in enumerate(paths, 1):
            name = shown_path(p)
            reading.append(name)
            try:
                data = Path(p).read_bytes()
            except OSError as exc:
                report.unreadable.append(name)
                report.problems.append(Problem(name, 0, f"cannot read the file: {exc.strerror or exc}", True))
                continue
            try:
                text, encoding, guessed = decode_bytes_reporting(data, name)  # guessed: mixed-encoding lines
                fmt = detect_format(text, name, format)
            except UnreadableFileError as exc:
                report.unreadable.append(name)
                report.problems.append(Problem(name, 0, exc.message, True))
                continue
            del data  # not needed once decoded: 88 MB of a 100k-entry file, held to the end before
            report.problems.extend(guessed)
            report.formats[name] = fmt
            import_id = uow.add_import(shown_path(Path(p).resolve()), fmt, encoding)
            if fmt != "bibtex":
                _store_read(uow, text, name, fmt, import_id, report, progress, cancelled, workers, known)
                continue
            position = 0
            entries = blocks = 0
            # Workers turn their parsed batches into row tuples (rows.imported_rows), so this process
            # only inserts them.
            last = n == len(paths)
            batches = iter_bibtex_batches(
                text, name, workers=workers, convert=imported_rows, pool=pool,
                all_ahead_from=INDEX_WHEN_READ if last else 1.0,
            )
            for batch in batches:
                if cancelled is not None and cancelled():
                    raise Cancelled()
                rows = batch.payload
                if batch.lead:
                    rows.prepend(batch.lead)
                position = _store(uow, rows, import_id, position, report, progress, name, known)
                report.problems.extend(batch.problems)
                report.entries_in_files += batch.entries_in_file
                entries += len(rows.refs)  # stored or skipped as already in the library
                blocks += sum(1 for b in rows.blocks if b[1] != BlockKind.TRAILER.value)
                if last and batch.read_to >= INDEX_WHEN_READ:
                    bulk.build_indexes()  # while the workers parse the rest, all sent to them now
            if not entries and blocks:
                report.problems.append(Problem(name, 0, kept_blocks_notice(blocks)))
        citation_keys.fill_missing(uow, report.keyless, key_pattern)  # entries without a key get one


def kept_blocks_notice(blocks: int) -> str:
    """Said of a .bib with no entries (only comments, @string, @preamble): its blocks are not
    lost, an export of the library writes them back as they were (issue 15)."""
    return f"no references; its {blocks} block{'s are' if blocks != 1 else ' is'} kept and written back"


def _large_bibtex(path: str | Path) -> bool:
    """Worth starting the parse workers before the file is read (see ``worker_pool``)."""
    p = Path(path)
    try:
        return p.suffix.lower() in (".bib", ".bibtex") and p.stat().st_size >= SMALL_TEXT
    except OSError:
        return False


_KEY = 1 + REFERENCE_BODY.index("citation_key")  # in a row of RowBatch.refs, after the position


def _store(
    uow: UnitOfWork,
    rows: RowBatch,
    import_id: int | None,
    position: int,
    report: ImportReport,
    progress: Callable[[int], None] | None,
    name: str = "",
    known: LibraryIndex | None = None,
) -> int:
    """Store one batch of rows at ``position``, leaving out exact duplicates of what the library
    held (``known``); the position after it (skipped entries keep theirs, for "Import anyway")."""
    after = position + rows.item_count
    if known:
        rows, skipped = known.split(rows, name, import_id, position)
        report.skipped.extend(skipped)
    ids = uow.add_rows(rows, import_id, position)
    report.ids.extend(ids)
    report.keyless.extend(rid for rid, row in zip(ids, rows.refs, strict=True) if not row[_KEY])
    report.imported += len(ids)
    if progress is not None:
        progress(report.imported + len(report.skipped))
    return after


def _today() -> str:
    return date.today().isoformat()


def _store_read(
    uow: UnitOfWork,
    text: str,
    name: str,
    fmt: str,
    import_id: int | None,
    report: ImportReport,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
    workers: int = 2,
    known: LibraryIndex | None = None,
) -> None:
    """Read a non-BibTeX text here and store it in batches (same rows as the BibTeX workers make)."""
    if fmt in ("ris", "csl-json"):
        # Large files are read in worker processes while this thread stores (formats/batches.py).
        position = 0
        for rows, problems, records in iter_format_batches(text, name, fmt, imported_rows, workers, BATCH):
            if cancelled is not None and cancelled():
                raise Cancelled()
            position = _store(uow, rows, import_id, position, report, progress, name, known)
            report.problems.extend(problems)
            report.entries_in_files += records
        return
    _fmt, result = read_text(text, name, fmt, today=_today())
    report.problems.extend(result.problems)
    report.entries_in_files += result.entries_in_file
    items = result.items
    position = 0
    for start in range(0, len(items), BATCH):
        if cancelled is not None and cancelled():
            raise Cancelled()
        batch = imported_rows(items[start : start + BATCH])
        position = _store(uow, batch, import_id, position, report, progress, name, known)


# ---- preview (paste, drop) ----------------------------------------------------------------------


@dataclass
class Candidate:
    """One reference found, and the library reference it probably duplicates (None: new)."""

    ref: Reference
    file: str
    format: str
    duplicate_of: int | None = None
    reason: str = ""
    existing: str = ""  # the library's reference by author, year and title (exact_duplicates.describe)


@dataclass
class ImportPreview:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(1 for c in self.candidates if c.duplicate_of is not None)


def normalised_title(title: str) -> str:
    """Case, accents, punctuation and spacing taken off: "The  Café!" -> "the cafe"."""
    t = unicodedata.normalize("NFKD", title.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


def normalised_doi(doi: str) -> str:
    return re.sub(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I).casefold()


def find_duplicates(library: Library, refs: Sequence[Reference]) -> list[tuple[int | None, str]]:
    """For each reference, (id, why) of a library reference with the same DOI or the same
    normalised title and year; (None, "") when there is none. One pass over the library's
    DOI, title and year columns, so a paste into a large library stays quick."""
    by_doi: dict[str, int] = {}
    by_title: dict[tuple[str, int | None], int] = {}
    ids = library.search("")
    if ids and refs:
        for rid, (doi, title, year) in library.rows(ids, ["doi", "title", "year"]).items():
            if doi:
                by_doi.setdefault(normalised_doi(doi), rid)
            if title:
                by_title.setdefault((normalised_title(title), year), rid)
    out: list[tuple[int | None, str]] = []
    for ref in refs:
        doi = normalised_doi(ref.fields.get("doi", ""))
        if doi and doi in by_doi:
            out.append((by_doi[doi], "same DOI"))
            continue
        title = normalised_title(ref.title)
        key = (title, ref.year)
        if title and key in by_title:
            out.append((by_title[key], "same title and year"))
            continue
        out.append((None, ""))
    return out


def _add_candidates(library: Library, preview: ImportPreview, name: str, fmt: str, items: Sequence[object]) -> None:
    refs = [r for r in items if isinstance(r, Reference)]
    found = find_duplicates(library, refs)
    ids = list(dict.fromkeys(dup for dup, _ in found if dup is not None))
    rows = library.rows(ids, ["authors", "year", "title"]) if ids else {}
    for ref, (dup, why) in zip(refs, found, strict=True):
        existing = describe(*rows[dup]) if dup in rows else ""
        preview.candidates.append(Candidate(ref, name, fmt, dup, why, existing))


def preview_text(library: Library, text: str, label: str = "clipboard", fmt: str = "auto") -> ImportPreview:
    """What pasted or dropped text holds, read but not stored."""
    preview = ImportPreview()
    found, result = read_text(text, label, fmt, today=_today())
    preview.problems.extend(result.problems)
    if not found:
        preview.unreadable.append(label)
        return preview
    preview.formats[label] = found
    _add_candidates(library, preview, label, found, result.items)
    return preview


def preview_files(library: Library, paths: Sequence[str | Path], fmt: str = "auto") -> ImportPreview:
    """What dropped files hold, read but not stored; unreadable files are reported."""
    preview = ImportPreview()
    for p in paths:
        name = shown_path(p)
        try:
            text, _encoding = decode_bytes(Path(p).read_bytes(), name)
            found = detect_format(text, name, fmt)
        except OSError as exc:
            preview.unreadable.append(name)
            preview.problems.append(Problem(name, 0, f"cannot read the file: {exc.strerror or exc}", True))
            continue
        except UnreadableFileError as exc:
            preview.unreadable.append(name)
            preview.problems.append(Problem(name, 0, exc.message, True))
            continue
        found, result = read_text(text, name, found, today=_today())
        preview.formats[name] = found
        preview.problems.extend(result.problems)
        _add_candidates(library, preview, name, found, [i for i in result.items if not isinstance(i, PassthroughBlock)])
    return preview


def import_chosen(
    library: Library,
    preview: ImportPreview,
    chosen: Sequence[bool] | None = None,
    key_pattern: str = citation_keys.DEFAULT_PATTERN,
) -> ImportReport:
    """Store the previewed references that are ticked (all when ``chosen`` is None): one action."""
    keep = [c for i, c in enumerate(preview.candidates) if chosen is None or (i < len(chosen) and chosen[i])]
    report = ImportReport(problems=list(preview.problems), formats=dict(preview.formats))
    report.unreadable = list(preview.unreadable)
    report.entries_in_files = len(preview.candidates)
    if not keep:
        return report
    with library.write() as uow:
        for name in dict.fromkeys(c.file for c in keep):
            fmt = preview.formats.get(name, "")
            import_id = uow.add_import(name if name.startswith("<") or not Path(name).exists() else str(Path(name).resolve()), fmt, "utf-8")
            refs = [c.ref for c in keep if c.file == name]
            ids = uow.add_rows(imported_rows(refs), import_id, 0)
            for rid, ref in zip(ids, refs, strict=True):
                ref.id = rid
            report.ids.extend(ids)
            report.imported += len(ids)
        citation_keys.fill_missing(uow, report.ids, key_pattern)  # as a file import does
        from bibliofile.services.lookup_placeholders import queue_placeholders

        queue_placeholders(uow, [c.ref for c in keep])  # a pasted DOI list: queued where made (issue 22)
    return report


def import_references(library: Library, refs: Sequence[Reference]) -> list[int]:
    """Add references made elsewhere (sample library, tests, paste) as one action."""
    return library.add_references(refs)


# ---- exact duplicates stored after all ------------------------------------------------------------


def store_skipped(
    entries: Sequence[SkippedEntry], key_pattern: str = citation_keys.DEFAULT_PATTERN
) -> Operation:
    """The operation that stores entries an import skipped as exact duplicates ("Import anyway",
    ``--allow-duplicates`` after the fact): one transaction, back at their places in their own
    imports, keys given as the import would have. Its undo deletes them for good (they were
    never in the library before), and the redo of that stores them again."""
    entries = list(entries)
    text = f"Import {plural(len(entries), 'duplicate reference')}"

    def add(uow: UnitOfWork) -> Change:
        ids: list[int] = []
        for import_id in dict.fromkeys(e.import_id for e in entries):
            group = [e for e in entries if e.import_id == import_id]
            ids += uow.add_rows(rows_of(group), import_id, 0)
        citation_keys.fill_missing(uow, ids, key_pattern)
        return Change(text, lambda u: _remove(u, ids), tuple(ids))

    def _remove(uow: UnitOfWork, ids: list[int]) -> Change:
        uow.purge(ids)
        return Change(text, add, tuple(ids))

    return add
