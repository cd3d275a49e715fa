"""Exporting references as BibTeX/BibLaTeX (or RIS, CSL-JSON), and writing files carefully.

A file we write replaces its target only when complete (a crash never half-writes it), and it
lands where the user meant: through a symlink onto the real file, keeping that file's mode (and
owner where allowed) and its hard links; a FIFO or a device is written straight through. What
goes wrong (a missing folder, a folder as the target, a full disk) is an ``ExportError`` whose
message names the path, and no temporary file is left behind.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from bibliofile.formats.bibtex_writer import write_bibtex
from bibliofile.model.reference import Reference
from bibliofile.storage.errors import LibraryError
from bibliofile.storage.library import Library

Dialect = Literal["bibtex", "biblatex", "ris", "csl-json"]


class ExportError(LibraryError):
    """The export could not be written; ``str()`` says where and why, for the user.

    (A ``LibraryError``: a known problem the user can act on, shown as a plain message.)
    """


def export_text(
    library: Library,
    dialect: Dialect = "bibtex",
    query: str | None = None,
    ids: Sequence[int] | None = None,
    notes: list[str] | None = None,
) -> str:
    """The exported text. The whole library keeps file order and @string/@preamble/@comment
    blocks (so an untouched import comes back byte for byte); a query or a selection exports
    just those references. ``notes`` gets what could not be written as the library holds it."""
    if query:
        ids = library.search(query)
    if dialect in ("ris", "csl-json"):
        return _data_text(library, dialect, ids, notes)
    whole = ids is None
    # Light items: an untouched BibTeX entry needs only its kept text (write_bibtex's contract).
    items = library.bibtex_export_items(ids)
    bib: Literal["bibtex", "biblatex"] = "biblatex" if dialect == "biblatex" else "bibtex"
    return write_bibtex(items, dialect=bib, preserve_layout=whole, notes=notes)


def _data_text(library: Library, fmt: str, ids: Sequence[int] | None, notes: list[str] | None = None) -> str:
    """RIS or CSL-JSON of the given references, with what they inherit through crossref/xdata
    (these formats have no crossref of their own); ``notes`` gets what RIS could not carry.

    The whole library goes in file order (then references made in the app), as BibTeX does: an
    import of the export keeps that order, so export -> import -> export gives the same file. The
    title order did not: it sorts on the stored rows, which lack what a reference inherits, so a
    crossref child moved once its inherited year and editors were written into it (issue 14)."""
    from bibliofile.formats.csl_json import write_csl_json
    from bibliofile.formats.ris import export_ris, loss_note
    from bibliofile.services.inheritance import resolve_parents

    if ids is None:
        stored = [r for r in library.export_items() if isinstance(r, Reference)]
    else:
        stored = library.get_many(list(ids))
    refs = resolve_parents(library, stored)
    if fmt != "ris":
        return write_csl_json(refs)
    result = export_ris(refs)
    if notes is not None:
        notes.extend(loss_note(loss, refs[loss.index]) for loss in result.losses)
    return result.text


def export_to_file(
    library: Library,
    path: str | Path,
    dialect: Dialect = "bibtex",
    query: str | None = None,
    ids: Sequence[int] | None = None,
) -> list[str]:
    """Export to ``path``; returns notes on what could not be kept verbatim. ExportError when
    the file cannot be written.

    A whole library read from one .bib is written back in that file's encoding (with its BOM);
    otherwise, or when the text no longer fits that encoding, in UTF-8, and a ``% Encoding:``
    line that said something else is updated to say so.
    """
    notes: list[str] = []
    text = export_text(library, dialect, query, ids, notes)
    text, encoding = file_encoding(library, dialect, text, ids is None and not query, notes)
    write_atomically(path, text, encoding)
    return notes


def file_encoding(
    library: Library, dialect: Dialect, text: str, whole: bool, notes: list[str]
) -> tuple[str, str]:
    """(text, encoding) as ``export_to_file`` writes a file (shared with auto-exports, whose
    file must equal a fresh export's): see there."""
    encoding = "utf-8"
    if dialect in ("bibtex", "biblatex") and whole:
        imports = library.imports()
        if len(imports) == 1 and imports[0][1] == "bibtex":
            encoding = _codec_name(imports[0][2])
            try:
                if encoding != "utf-8":  # (UTF-8 holds any text; 18 MB take 25 ms to encode)
                    text.encode(encoding)
            except UnicodeEncodeError:
                notes.append(
                    f"the library was read from a {imports[0][2]} file, but it now holds characters "
                    "that encoding cannot hold; it was written as UTF-8"
                )
                encoding = "utf-8"
        text = declare_encoding(text, encoding, notes)
    return text, encoding


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


_DECLARED_RE = re.compile(r"^(%[ \t]*Encoding[ \t]*:[ \t]*)([^\s]+)", re.MULTILINE | re.IGNORECASE)


def declare_encoding(text: str, encoding: str, notes: list[str] | None = None) -> str:
    """The text with a JabRef-style ``% Encoding:`` line near its top naming ``encoding``, if
    it had one naming another (a UTF-8 file that says windows-1252 is misread by JabRef)."""
    m = _DECLARED_RE.search(text, 0, 4096)
    if m is None:
        return text
    declared = _codec_name(m.group(2))
    written = _codec_name(encoding)
    plain = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}
    if plain.get(declared, declared) == plain.get(written, written) or _same_bytes(text, declared, written):
        return text  # (an ASCII file that says US-ASCII is still right when written as UTF-8)
    label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(written, written)
    if notes is not None:
        notes.append(f"the file's '% Encoding: {m.group(2)}' line now says {label}, as the file is written")
    return text[: m.start(2)] + label + text[m.end(2) :]


def encoded(text: str, encoding: str) -> bytes:
    """The bytes ``write_atomically`` writes for ``text`` (an auto-export hashes them)."""
    return _encode(text, encoding)


def _encode(text: str, encoding: str) -> bytes:
    """Bytes in ``encoding``; UTF-16 with a BOM is written big-endian, as Java (JabRef) writes
    it, since the byte order of the file read is not kept."""
    if _codec_name(encoding) == "utf-16":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


def _same_bytes(text: str, declared: str, written: str) -> bool:
    try:
        return text.encode(declared) == text.encode(written)
    except (UnicodeError, LookupError):
        return False


def write_atomically(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old file or the new, never half.

    A regular file is replaced by a complete temporary file beside it (after following symlinks,
    with the old file's mode and owner); a file with hard links is rewritten in place, so every
    name keeps seeing it (the old text is put back if the write fails); a FIFO or device is
    written straight through. ``ExportError`` says what went wrong, naming the path.
    """
    write_bytes_atomically(path, _encode(text, encoding))


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    """``write_atomically`` of bytes already encoded (an auto-export hashes them first)."""
    shown = str(path)
    target = Path(os.path.realpath(path))  # a symlink (or a chain) is followed to its file
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ExportError(_message(shown, exc)) from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ExportError(f"cannot export to {shown}: it is a folder; give a file name inside it")
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise ExportError(f"cannot export to {shown}: it is a socket, not a file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(target, data, shown)  # a FIFO, a terminal, /dev/null ...
        return
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"cannot export to {shown}: the folder {parent} does not exist")
    if st is not None and st.st_nlink > 1:
        _write_in_place(target, data, shown)
        return
    _replace(target, data, st, shown)


def _replace(target: Path, data: bytes, st: os.stat_result | None, shown: str) -> None:
    tmp = _temp_name(target)
    try:
        # 0o666 less the umask for a new file, as any other program would create it.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ExportError(_message(shown, exc)) from exc
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if st is not None:
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                # Only root (or the owner, for the group) may; the mode is kept anyway.
                with contextlib.suppress(OSError):
                    os.chown(tmp, st.st_uid, st.st_gid)
            os.replace(tmp, target)
        except OSError as exc:
            raise ExportError(_message(shown, exc)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _write_in_place(target: Path, data: bytes, shown: str) -> None:
    """Rewrite a hard-linked file's contents, so its other names see the export too."""
    try:
        old = target.read_bytes()
        fd = os.open(target, os.O_WRONLY)
    except OSError as exc:
        raise ExportError(_message(shown, exc)) from exc
    with os.fdopen(fd, "wb") as fh:
        try:
            fh.write(data)
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):  # put the old text back; the error says the rest
                fh.seek(0)
                fh.write(old)
                fh.truncate()
                fh.flush()
            raise ExportError(_message(shown, exc)) from exc


def _write_through(target: Path, data: bytes, shown: str) -> None:
    try:
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
    except OSError as exc:
        raise ExportError(_message(shown, exc)) from exc


def _message(shown: str, exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"could not write {shown}: the disk is full; the file was left as it was"
    if exc.errno == errno.ENOENT:
        return f"cannot export to {shown}: the folder does not exist"
    if exc.errno == errno.EISDIR:
        return f"cannot export to {shown}: it is a folder; give a file name inside it"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"could not write {shown}: permission denied"
    if exc.errno == errno.EROFS:
        return f"could not write {shown}: the disk is read-only"
    return f"could not write {shown}: {exc.strerror or exc}"
