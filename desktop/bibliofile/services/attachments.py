"""Attachments as operations (issue 19): attach a file to a reference (linked where it is, or
stored as a copy in the library's own folder), remove it, rename stored files by a pattern,
find files that went missing and link them again.

Each is a function of a ``UnitOfWork`` returning a ``Change`` whose undo puts everything back,
files included, so the window's undo and the CLI share them (services/changes.py). Files on
disk are never deleted here: a removed stored file moves to the folder's ``Trash`` (its undo
moves it back). Within an operation the rows are written first and the files moved last; a
file move that fails puts back the moves already made and raises, so the transaction rolls
back with the files where they were.

Where files are: ``FileLocations``. A stored file lives in ``<library>.files/`` beside the
.sqlite (``Library.files`` for ``Library.sqlite``), its path relative to that folder; a linked
file's path is relative to the base folder (the setting ``attachments/base_folder``, or
``$BIBLIOFILE_BASE_FOLDER``, else the home folder) when inside it, so a library copied to
another machine with the same papers under its base folder finds them; elsewhere absolute.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mimetypes
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from bibliofile.model.reference import Reference
from bibliofile.services import trash
from bibliofile.services.attachment_names import DEFAULT_NAME_PATTERN, file_name, unique_name
from bibliofile.services.changes import Change, combined, plural, unchanged
from bibliofile.services.citation_keys import KeySource
from bibliofile.storage import attachments as rows
from bibliofile.storage import curation
from bibliofile.storage.attachments import LINKED, STORED, Attachment
from bibliofile.storage.errors import LibraryError
from bibliofile.storage.library import Library, Source, UnitOfWork

Mode = Literal["link", "store"]
BASE_FOLDER_ENV = "BIBLIOFILE_BASE_FOLDER"
TRASH_FOLDER = "Trash"
_CHUNK = 1 << 20


class AttachmentError(LibraryError):
    """A file could not be attached, moved or found as asked; nothing was changed and ``str()``
    says which file and why, for the user (a LibraryError: shown as a plain message)."""


# ---- where files are ---------------------------------------------------------------------------
def base_folder(setting: str | Path | None = None) -> Path:
    """The folder linked paths are relative to: the setting when given, else
    ``$BIBLIOFILE_BASE_FOLDER``, else the home folder."""
    chosen = str(setting or "") or os.environ.get(BASE_FOLDER_ENV, "")
    return Path(os.path.abspath(os.path.expanduser(chosen))) if chosen else Path.home()


def files_folder(library: Library) -> Path | None:
    """``<library>.files`` beside the library file; None for a library on a server (no file)."""
    path = library.path
    return None if path is None else path.with_name(f"{path.stem}.files")


@dataclass(frozen=True, slots=True)
class FileLocations:
    """Where a library's attachments are on this machine. ``files_dir`` None: the library has
    no file of its own (a server URL), so files can be linked but not stored."""

    files_dir: Path | None
    base: Path

    @classmethod
    def of(cls, library: Library, base: str | Path | None = None) -> FileLocations:
        return cls(files_folder(library), base_folder(base))

    @property
    def trash_dir(self) -> Path | None:
        return None if self.files_dir is None else self.files_dir / TRASH_FOLDER

    def resolve(self, a: Attachment) -> Path:
        """The file an attachment names on this machine (it may not exist)."""
        path = Path(*PurePosixPath(a.path).parts) if "/" in a.path else Path(a.path)
        if path.is_absolute():
            return path
        if a.kind == STORED:
            if self.files_dir is None:
                return path
            return self.files_dir / path
        return self.base / path

    def linked_path(self, file: Path) -> str:
        """How a linked file's path is stored: relative to the base folder (with ``/``) when
        inside it, else absolute."""
        absolute = Path(os.path.abspath(file))
        try:
            return absolute.relative_to(self.base).as_posix()
        except ValueError:
            return str(absolute)

    def stored_path(self, file: Path) -> str | None:
        """``file``'s path inside the files folder (with ``/``), or None when it is not there."""
        if self.files_dir is None:
            return None
        try:
            rel = Path(os.path.abspath(file)).relative_to(self.files_dir)
        except ValueError:
            return None
        return None if not rel.parts or rel.parts[0] == TRASH_FOLDER else rel.as_posix()


# ---- facts about a file -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FileFacts:
    size: int
    mtime: float
    sha256: str
    content_type: str


def content_type(name: str) -> str:
    guessed, _enc = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def file_facts(path: Path) -> FileFacts:
    """Size, mtime and SHA-256 of a regular file (read in chunks: a 500 MB scan stays small)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        while block := fh.read(_CHUNK):
            digest.update(block)
    return FileFacts(st.st_size, st.st_mtime, digest.hexdigest(), content_type(path.name))


def _readable_file(file: Path, what: str) -> os.stat_result:
    """The file's stat when it is a regular file we may read; AttachmentError otherwise."""
    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise AttachmentError(f"{file}: no such file; {what}") from None
    except OSError as exc:
        raise AttachmentError(f"{file}: {exc.strerror or exc}; {what}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise AttachmentError(f"{file}: a folder, not a file; {what}")
    if not stat.S_ISREG(st.st_mode):
        raise AttachmentError(f"{file}: not a regular file (a device or a pipe); {what}")
    if not os.access(file, os.R_OK):
        raise AttachmentError(f"{file}: you may not read it; {what}")
    return st


# ---- moving files without losing one ----------------------------------------------------------
def _move_no_clobber(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``, never replacing a file there (a hard link refuses an existing
    name; where links are not supported, a check just before the rename)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EACCES):
            raise
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(dst)) from exc
        os.rename(src, dst)
        return
    os.unlink(src)


def _copy_in(file: Path, target: Path) -> str:
    """Copy ``file`` to the new name ``target`` through a temporary file beside it, synced and
    then linked into place, so a crash leaves no half-written file under the real name. Keeps
    the file's modification time. Returns the copy's SHA-256."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    digest = hashlib.sha256()
    try:
        with open(file, "rb") as src, open(tmp, "xb") as out:
            while block := src.read(_CHUNK):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        st = os.stat(file)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        _move_no_clobber(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


class _Moves:
    """File moves of one operation, undone in reverse if a later one fails."""

    def __init__(self) -> None:
        self.done: list[tuple[Path, Path]] = []

    def move(self, src: Path, dst: Path) -> None:
        _move_no_clobber(src, dst)
        self.done.append((src, dst))

    def put_back(self) -> None:
        for src, dst in reversed(self.done):
            with contextlib.suppress(OSError):
                _move_no_clobber(dst, src)
        self.done = []


def _taken_names(src: Source, folder: Path) -> set[str]:
    """Names a new file in ``folder`` must not take: what is there, and what stored rows name
    (a missing stored file keeps its name, so it can come back)."""
    names = {p.rsplit("/", 1)[-1] for p in rows.stored_paths(src)}
    with contextlib.suppress(OSError):
        names.update(os.listdir(folder))
    return names


def _key_source(src: Source, rid: int) -> KeySource:
    title, year, authors = curation.key_inputs(src, [rid]).get(rid, ("", None, []))
    return KeySource(title, year, tuple(authors))


# ---- operations -------------------------------------------------------------------------------
def attach(
    uow: UnitOfWork,
    where: FileLocations,
    reference_id: int,
    file: str | Path,
    mode: Mode = "store",
    pattern: str = DEFAULT_NAME_PATTERN,
) -> Change:
    """Attach ``file`` to a reference: ``store`` copies it into the library's folder under a
    name from ``pattern`` (plus the file's own extension); ``link`` records where it is.
    AttachmentError (nothing changed) for a missing or unreadable file, a reference that is not
    there, or a library that cannot store files."""
    file = Path(os.path.abspath(os.path.expanduser(str(file))))
    refuse = "nothing was attached"
    _readable_file(file, refuse)
    if reference_id not in rows.reference_ids(uow, [reference_id]):
        raise AttachmentError(f"reference #{reference_id} is not in the library; {refuse}")
    if mode == "link":
        facts = file_facts(file)
        row = Attachment(reference_id, LINKED, where.linked_path(file), file.name, facts.size, facts.mtime,
                         facts.sha256, facts.content_type)
        [added] = rows.add(uow, [row])
        return _attached(where, added)
    if where.files_dir is None:
        raise AttachmentError(f"{file.name}: this library has no folder of its own to store files in; link the file instead ({refuse})")
    folder = where.files_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AttachmentError(f"cannot make the library's file folder {folder} ({exc.strerror or exc}); {refuse}") from exc
    name = file_name(_key_source(uow, reference_id), file.suffix, _taken_names(uow, folder), pattern)
    target = folder / name
    try:
        sha = _copy_in(file, target)
    except FileExistsError:
        raise AttachmentError(f"{target} appeared while {file.name} was being copied; {refuse}") from None
    except OSError as exc:
        why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or str(exc)
        raise AttachmentError(f"{file}: could not be copied into {folder} ({why}); {refuse}") from exc
    try:
        st = os.stat(target)
        row = Attachment(reference_id, STORED, name, file.name, st.st_size, st.st_mtime, sha, content_type(file.name))
        [added] = rows.add(uow, [row])
    except BaseException:
        target.unlink(missing_ok=True)  # our own fresh copy: nothing of the user's is lost
        raise
    return _attached(where, added)


def title_from_file_name(file: Path) -> str:
    """A title for a reference made from a file alone: its name without extension, with
    underscores as spaces ("Smith_2020_Deep.pdf" -> "Smith 2020 Deep")."""
    return " ".join(file.stem.replace("_", " ").split()) or file.name


def new_reference_for_file(
    uow: UnitOfWork,
    where: FileLocations,
    file: str | Path,
    mode: Mode = "store",
    pattern: str = DEFAULT_NAME_PATTERN,
) -> Change:
    """A new reference (a Document) titled by the file's name, with the file attached: what a
    PDF dropped on the table makes until metadata is read from PDFs (issue 19, next part). Undo
    takes the file off (a stored copy to the Trash) and the reference to the trash."""
    file = Path(os.path.abspath(os.path.expanduser(str(file))))
    _readable_file(file, "no reference was added")
    [rid] = uow.add_items([Reference(item_type="document", fields={"title": title_from_file_name(file)})])
    text = f"New Reference from “{file.name}”"
    made = Change(text, lambda u: trash.move_to_trash(u, [rid]), (rid,))
    return combined(text, [made, attach(uow, where, rid, file, mode, pattern)])


def _attached(where: FileLocations, added: Attachment) -> Change:
    text = f"Attach “{added.original_name or added.path}”"

    def undo(u: UnitOfWork) -> Change:
        return _removed(remove(u, where, [added.id]), text)

    return Change(text, undo, (added.reference_id,))


def _removed(change: Change, text: str) -> Change:
    """``change`` (a removal) under the name of the attach it undoes, so undo and redo keep it."""

    def undo(u: UnitOfWork) -> Change:
        back = change.undo(u)
        return Change(text, lambda u2: _removed(back.undo(u2), text), back.ids, back.changed)

    return Change(text, undo, change.ids, change.changed)


def remove(uow: UnitOfWork, where: FileLocations, attachment_ids: Sequence[int]) -> Change:
    """Take attachments off their references. A linked file stays where it is; a stored file
    moves to the files folder's Trash (never deleted); undo puts rows and files back."""
    removed = rows.remove(uow, attachment_ids)
    text = f"Remove {plural(len(removed), 'attachment')}" if len(removed) != 1 else (
        f"Remove “{removed[0].original_name or removed[0].path}”"
    )
    if not removed:
        return unchanged(text)
    moves = _Moves()
    trashed: dict[int, str] = {}
    try:
        trash = where.trash_dir
        for a in removed:
            if a.kind != STORED or trash is None:
                continue
            current = where.resolve(a)
            if not current.is_file():
                continue  # already missing: nothing to keep
            name = _unique_in(trash, current.name)
            moves.move(current, trash / name)
            trashed[a.id] = name
    except OSError as exc:
        moves.put_back()
        raise AttachmentError(f"could not move a stored file to {where.trash_dir} ({exc.strerror or exc}); nothing was removed") from exc
    ids = tuple(dict.fromkeys(a.reference_id for a in removed))

    def undo(u: UnitOfWork) -> Change:
        return _put_back(u, where, removed, trashed, text)

    return Change(text, undo, ids)


def _unique_in(folder: Path, name: str) -> str:
    stem, suffix = os.path.splitext(name)
    taken: set[str] = set()
    with contextlib.suppress(OSError):
        taken = set(os.listdir(folder))
    return unique_name(stem, suffix, taken)


def _put_back(uow: UnitOfWork, where: FileLocations, removed: list[Attachment], trashed: Mapping[int, str], text: str) -> Change:
    """Undo of ``remove``: the rows with their ids, stored files back from the Trash (under a
    new unique name if their old one was taken meanwhile)."""
    moves = _Moves()
    back: list[Attachment] = []
    try:
        for a in removed:
            name = trashed.get(a.id)
            if name is None or where.files_dir is None or where.trash_dir is None:
                back.append(a)
                continue
            target = where.resolve(a)
            if target.exists():
                target = target.with_name(_unique_in(target.parent, target.name))
            moves.move(where.trash_dir / name, target)
            back.append(replace(a, path=target.relative_to(where.files_dir).as_posix()))
        rows.restore(uow, back)
    except OSError as exc:
        moves.put_back()
        raise AttachmentError(f"could not move a file back from {where.trash_dir} ({exc.strerror or exc}); nothing was changed") from exc
    except BaseException:
        moves.put_back()
        raise
    ids = tuple(dict.fromkeys(a.reference_id for a in back))
    return Change(text, lambda u: remove(u, where, [a.id for a in back]), ids)


def rename_stored(
    uow: UnitOfWork,
    where: FileLocations,
    reference_ids: Sequence[int] | None = None,
    pattern: str = DEFAULT_NAME_PATTERN,
) -> Change:
    """Rename stored files by ``pattern`` from their references' authors, year and title (those
    of ``reference_ids``, or all). A file already named so, or missing, is left alone. Undo
    renames them back."""
    text = "Rename Stored Files"
    if where.files_dir is None:
        return unchanged(text)
    stored = [a for a in rows.all_attachments(uow, kind=STORED, include_trash=True)
              if reference_ids is None or a.reference_id in set(reference_ids)]
    taken = _taken_names(uow, where.files_dir)
    plan: dict[int, tuple[str, str]] = {}
    moves: list[tuple[Attachment, Path, Path]] = []
    sources = {rid: KeySource(t, y, tuple(au)) for rid, (t, y, au) in
               curation.key_inputs(uow, list({a.reference_id for a in stored})).items()}
    for a in stored:
        current = where.resolve(a)
        if not current.is_file() or "/" in a.path:
            continue
        own = current.name
        others = {n for n in taken if n.casefold() != own.casefold()}
        name = file_name(sources.get(a.reference_id, KeySource()), current.suffix, others, pattern)
        if name == own:
            continue
        taken.discard(own)
        taken.add(name)
        plan[a.id] = (STORED, name)
        moves.append((a, current, where.files_dir / name))
    if not plan:
        return unchanged(text)
    rows.set_locations(uow, plan)
    done = _Moves()
    try:
        for _a, src, dst in moves:
            done.move(src, dst)
    except OSError as exc:
        done.put_back()
        raise AttachmentError(f"could not rename {src.name} to {dst.name} ({exc.strerror or exc}); no file was renamed") from exc
    before = {a.id: (a.kind, a.path) for a, _s, _d in moves}
    ids = tuple(dict.fromkeys(a.reference_id for a, _s, _d in moves))
    text = f"Rename {plural(len(moves), 'stored file')}"
    return Change(text, lambda u: _relocate(u, where, before, text, move_files=True), ids)


def _relocate(
    uow: UnitOfWork, where: FileLocations, to: Mapping[int, tuple[str, str]], text: str, *, move_files: bool
) -> Change:
    """Set attachments' (kind, path) to ``to``; with ``move_files`` the files move with them
    (a rename's undo). Returns the Change back."""
    current = {a.id: a for a in rows.get(uow, list(to))}
    before = {aid: (a.kind, a.path) for aid, a in current.items()}
    rows.set_locations(uow, {aid: to[aid] for aid in current})
    if move_files:
        done = _Moves()
        try:
            for aid, a in current.items():
                kind, path = to[aid]
                src = where.resolve(a)
                dst = where.resolve(replace(a, kind=kind, path=path))
                if src != dst and src.is_file():
                    done.move(src, dst)
        except OSError as exc:
            done.put_back()
            raise AttachmentError(f"could not move {src.name} back ({exc.strerror or exc}); nothing was changed") from exc
    ids = tuple(dict.fromkeys(a.reference_id for a in current.values()))
    return Change(text, lambda u: _relocate(u, where, before, text, move_files=move_files), ids)


def relink(uow: UnitOfWork, where: FileLocations, found: Mapping[int, Path]) -> Change:
    """Point attachments at files found again (by ``find_again`` or chosen by the user): a
    file inside the library's folder is stored there, any other linked. Size, mtime and hash
    are read again (the file may have changed). Undo points them back."""
    text = "Locate File" if len(found) == 1 else f"Locate {plural(len(found), 'file')}"
    if not found:
        return unchanged(text)
    to: dict[int, tuple[str, str]] = {}
    for aid, file in found.items():
        _readable_file(file, "nothing was changed")
        stored = where.stored_path(file)
        to[aid] = (STORED, stored) if stored is not None else (LINKED, where.linked_path(file))
    before_facts = {a.id: a for a in rows.get(uow, list(to))}
    change = _relocate(uow, where, to, text, move_files=False)
    for aid, file in found.items():
        facts = file_facts(file)
        rows.set_file_facts(uow, aid, size=facts.size, mtime=facts.mtime, sha256=facts.sha256)

    def undo(u: UnitOfWork) -> Change:
        back = change.undo(u)
        for aid, a in before_facts.items():
            rows.set_file_facts(u, aid, size=a.size, mtime=a.mtime, sha256=a.sha256)
        return Change(text, lambda u2: relink(u2, where, found), back.ids)

    return Change(text, undo, change.ids)


# ---- reading: the files and which are missing --------------------------------------------------
@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment with where its file is on this machine and whether it is there."""

    attachment: Attachment
    file: Path
    present: bool

    @property
    def name(self) -> str:
        return self.file.name or self.attachment.original_name

    @property
    def stored(self) -> bool:
        """A copy in the library's own folder (else a linked file, wherever the user keeps it)."""
        return self.attachment.kind == STORED


def _viewed(where: FileLocations, found: Iterable[Attachment]) -> list[AttachmentView]:
    out = []
    for a in found:
        file = where.resolve(a)
        out.append(AttachmentView(a, file, file.is_file()))
    return out


def attachments_of(library: Source, where: FileLocations, reference_id: int) -> list[AttachmentView]:
    """A reference's files, in order, each said present or missing."""
    return _viewed(where, rows.for_references(library, [reference_id]).get(reference_id, []))


def all_files(library: Source, where: FileLocations, *, missing_only: bool = False) -> list[AttachmentView]:
    """Every attachment of the references in the library (not the trash), present or not."""
    found = _viewed(where, rows.all_attachments(library))
    return [v for v in found if not v.present] if missing_only else found


def missing_files(library: Source, where: FileLocations) -> list[AttachmentView]:
    return all_files(library, where, missing_only=True)


# Folders a search for missing files never enters: caches, version control, system trees.
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".hg", ".svn", ".cache", ".venv", "venv", "proc", "sys"})
SEARCH_LIMIT = 500_000  # directory entries looked at, at most, in one search


@dataclass(frozen=True, slots=True)
class Search:
    """What ``find_again`` found: attachment id -> file; ``looked_at`` entries; ``stopped``
    True when it stopped at SEARCH_LIMIT before seeing the whole folder."""

    found: dict[int, Path]
    looked_at: int
    stopped: bool


def find_again(
    where: FileLocations,
    missing: Sequence[AttachmentView],
    limit: int = SEARCH_LIMIT,
    cancelled: Callable[[], bool] = lambda: False,
) -> Search:
    """Look for missing files by name and size: in the base folder (hidden folders and caches
    skipped), and for stored files also in the library's folder and its Trash. A name matches
    the file's last name or its original name, without case, and the size must be the same
    (the first such file wins)."""
    wanted: dict[str, list[AttachmentView]] = {}
    for v in missing:
        for n in {v.file.name.casefold(), v.attachment.original_name.casefold()} - {""}:
            wanted.setdefault(n, []).append(v)
    candidates: dict[int, list[Path]] = {}
    looked = 0
    stopped = False
    roots = [where.base]
    if where.files_dir is not None and any(v.attachment.kind == STORED for v in missing):
        roots.insert(0, where.files_dir)
    seen_roots: set[Path] = set()
    for root in roots:
        if root in seen_roots or not root.is_dir():
            continue
        seen_roots.add(root)
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            if cancelled():
                return Search({}, looked, True)
            dirnames[:] = [d for d in dirnames if d == TRASH_FOLDER or not (d.startswith(".") or d in _SKIP_DIRS)]
            looked += len(filenames) + len(dirnames)
            for f in filenames:
                for v in wanted.get(f.casefold(), ()):
                    candidates.setdefault(v.attachment.id, []).append(Path(dirpath) / f)
            if looked >= limit:
                stopped = True
                break
        if stopped:
            break
    found: dict[int, Path] = {}
    for v in missing:
        paths = list(dict.fromkeys(candidates.get(v.attachment.id, [])))
        same_size = [p for p in paths if _size(p) == v.attachment.size]
        if same_size:
            found[v.attachment.id] = same_size[0]
    return Search(found, looked, stopped)


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return -1


def describe(v: AttachmentView) -> str:
    """One line for a list of files: kind, name, and where it should be when missing."""
    kind = "stored" if v.stored else "linked"
    return f"{kind}\t{v.file}" + ("" if v.present else "\tMISSING")


# ---- the reader's place in a file (issue 19: the built-in reader) ------------------------------
def attachment_view(library: Source, where: FileLocations, attachment_id: int) -> AttachmentView | None:
    """One attachment by id with where its file is (a full-text hit names the attachment); None
    when there is no such attachment."""
    return next(iter(_viewed(where, rows.get(library, [attachment_id]))), None)


def reading_place(library: Source, attachment_id: int) -> int | None:
    """The page (1-based) the reader was last on in this attachment, or None (never opened, or
    the attachment is gone)."""
    found = rows.get(library, [attachment_id])
    return found[0].last_page_read if found else None


def remember_reading_place(library: Library, attachment_id: int, page: int | None) -> None:
    """Keep the page (1-based) the reader is on, as its own small transaction and not an undo
    step: where the user stopped reading is not an edit of the library to take back."""
    with library.write() as uow:
        rows.set_last_page_read(uow, attachment_id, page if page is None else max(1, int(page)))


# ---- stored files of references deleted for good (issue 19: the Trash) ----------------------
def stored_files_of(src: Source, where: FileLocations, reference_ids: Sequence[int]) -> list[Path]:
    """The stored files (present, inside the library's files folder) of these references that
    no other reference's attachment names: what deleting the references for good deletes. A
    linked file is the user's own and never among them."""
    if where.files_dir is None or not reference_ids:
        return []
    wanted = set(reference_ids)
    folder = Path(os.path.abspath(where.files_dir))
    mine: dict[Path, None] = {}
    kept: set[Path] = set()
    for a in rows.all_attachments(src, kind=STORED, include_trash=True):
        file = Path(os.path.abspath(where.resolve(a)))
        if a.reference_id not in wanted:
            kept.add(file)
        elif file.parent == folder or folder in file.parents:
            mine[file] = None
    return [f for f in mine if f not in kept and f.is_file() and not f.is_symlink()]


@dataclass(frozen=True, slots=True)
class FilesDeleted:
    """What ``delete_files`` did: how many went, and a line per file that could not go."""

    deleted: int
    problems: tuple[str, ...] = ()


def delete_files(files: Iterable[Path]) -> FilesDeleted:
    """Delete stored files whose references were deleted for good (after that commit, so a
    failed write never costs a file). One that cannot go is named, the others still go."""
    deleted = 0
    problems: list[str] = []
    for file in files:
        try:
            file.unlink()
            deleted += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(f"{file}: {exc.strerror or exc}; it was kept")
    return FilesDeleted(deleted, tuple(problems))

