"""Importing files into a library: read, report problems with file and line, store in one transaction.

Parsing runs in worker processes while this thread stores the batches already parsed (see
``formats.bibtex_reader.iter_bibtex_batches``), so a large import costs about what parsing alone
costs. All files of one import are one unit of work: a failure, a cancel, or a killed process
leaves the library exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bibliofile.formats.bibtex_reader import decode_bytes, iter_bibtex_batches, looks_like_bibtex
from bibliofile.model.problems import Problem, UnreadableFileError
from bibliofile.model.reference import Reference
from bibliofile.services import citation_keys
from bibliofile.storage.errors import Cancelled
from bibliofile.storage.library import Library
from bibliofile.storage.rows import imported_rows

FORMATS = ("auto", "bibtex")


@dataclass
class ImportReport:
    imported: int = 0
    ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    entries_in_files: int = 0

    @property
    def nothing_read(self) -> bool:
        """True when no file could be read at all (the CLI exits 1)."""
        return bool(self.unreadable) and not self.formats

    def as_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "formats": self.formats,
            "problems": [{"file": p.file, "line": p.line, "message": p.message} for p in self.problems],
        }


def detect_format(text: str, file: str, requested: str = "auto") -> str:
    """The format to read a text as; says plainly which formats exist when none fits."""
    if requested not in FORMATS:
        raise UnreadableFileError(file, f"unknown format {requested!r} (known: {', '.join(FORMATS)})")
    if requested != "auto":
        return requested
    if looks_like_bibtex(text):
        return "bibtex"
    raise UnreadableFileError(
        file, "is not a BibTeX/BibLaTeX file (no @entry found); nothing was imported from it"
    )


def import_files(
    library: Library,
    paths: Sequence[str | Path],
    format: str = "auto",
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 2,
) -> ImportReport:
    """Import every file in one transaction; unreadable files are reported, not fatal."""
    report = ImportReport()
    with library.write() as uow, uow.bulk_load():
        for p in paths:
            name = str(p)
            try:
                data = Path(p).read_bytes()
            except OSError as exc:
                report.unreadable.append(name)
                report.problems.append(Problem(name, 0, f"cannot read the file: {exc.strerror or exc}"))
                continue
            try:
                text, encoding = decode_bytes(data, name)
                fmt = detect_format(text, name, format)
            except UnreadableFileError as exc:
                report.unreadable.append(name)
                report.problems.append(Problem(name, 0, exc.message))
                continue
            report.formats[name] = fmt
            import_id = uow.add_import(str(Path(p).resolve()), fmt, encoding)
            position = 0
            # Workers turn their parsed batches into row tuples (rows.imported_rows), so this process
            # only inserts them.
            for batch in iter_bibtex_batches(text, name, workers=workers, convert=imported_rows):
                if cancelled is not None and cancelled():
                    raise Cancelled()
                rows = batch.payload
                if batch.lead:
                    rows.prepend(batch.lead)
                ids = uow.add_rows(rows, import_id, position)
                position += rows.item_count
                report.ids.extend(ids)
                report.imported += len(ids)
                report.problems.extend(batch.problems)
                report.entries_in_files += batch.entries_in_file
                if progress is not None:
                    progress(report.imported)
        citation_keys.fill_missing(uow, report.ids)  # entries without a key get one (issue 6)
    return report


def import_references(library: Library, refs: Sequence[Reference]) -> list[int]:
    """Add references made elsewhere (sample library, tests, paste) as one action."""
    return library.add_references(refs)
