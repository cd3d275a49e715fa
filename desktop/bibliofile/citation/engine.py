"""CSL formatting with citeproc-js (the processor Zotero and Mendeley use) running in-process in V8.

citeproc-js is the reference CSL implementation; no Python processor formats the ~10,000 CSL
styles as faithfully. It runs through mini-racer (V8 embedded in this process), so formatting
needs no Node.js at run time and no subprocess per call. The JavaScript comes from
``node_modules/citeproc`` (installed by ``make setup`` with ``npm ci`` from the pinned
package-lock.json); it is found by walking up from this package, or ``BIBLIOFILE_NODE_MODULES``.

Cost model, measured (see the report in tests/unit/citation/test_engine.py::test_timings):
loading citeproc.js into a fresh V8 context is ~0.1 s; building a ``CSL.Engine`` for a big style
(APA 7) is ~0.8 s of citeproc-js's own work (the same under Node). Formatting with an engine that
exists is milliseconds per item. So one ``CiteprocEngine`` (one V8 context) is kept per process,
and inside it one ``CSL.Engine`` per (style, locale) in a small LRU cache, while it is used:
after ``RELEASE_AFTER_S`` without a call the context is closed and ~100 MB given back, and the
next call pays the start again (~1 s for APA; off the GUI thread in the window). The output format is
not part of the key, unlike "one engine per (style, locale, format)": ``setOutputFormat`` is a
cheap switch in citeproc-js, and copying to the clipboard wants HTML and text of the same
citation at once, which would otherwise build the same 0.8 s engine twice.

Item ids given to citeproc-js are digests of the CSL-JSON item, so an engine's registry (which
caches sort keys and disambiguation by id) never confuses two different references that came in
under the same position or citation key across calls.

V8 is not fork-safe: do not fork a process (multiprocessing's "fork" start method) after an engine
has been made in it. Engines are closed at interpreter exit, because a mini-racer context left to
the garbage collector at shutdown can hang the exit.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import json
import os
import queue
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from bibliofile.citation.csl_json import CslItem, to_csl_json
from bibliofile.citation.locales import DEFAULT_LOCALE, locale_xml, primary_dialect, resolve_locale
from bibliofile.citation.styles import ResolvedStyle, StyleCatalogue, catalogue
from bibliofile.model.reference import Reference

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

T = TypeVar("T")
OutputFormat = Literal["text", "html", "rtf"]
# What can be cited: one of our References, or a CSL-JSON item read from a .json file as it is.
Citable = Reference | CslItem
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "html", "rtf")
CITEPROC_FILE = Path("node_modules") / "citeproc" / "citeproc_commonjs.js"
NODE_MODULES_ENV = "BIBLIOFILE_NODE_MODULES"

# Our bridge between Python and citeproc-js. Every function returns something JSON can carry,
# because mini-racer's call() hands results back as JSON.
_BRIDGE_JS = r"""
var BF = (function () {
  var items = {};
  var locales = {};
  var engines = {};
  function findLocale(lang) {
    var k = String(lang).replace(/_/g, "-");
    if (locales[k]) { return locales[k]; }
    var lower = k.toLowerCase();
    var language = lower.split("-")[0];
    var key;
    for (key in locales) { if (key.toLowerCase() === lower) { return locales[key]; } }
    for (key in locales) { if (key.toLowerCase().split("-")[0] === language) { return locales[key]; } }
    return locales["en-US"];
  }
  var sys = {
    retrieveItem: function (id) { return items[id]; },
    retrieveLocale: findLocale
  };
  // DOIs and URLs as links in HTML and RTF (text stays as it was). citeproc-js wraps them when
  // wrap_url_and_doi is on (also dropping a "https://doi.org/" the value repeats after the
  // style's own prefix), but its RTF format leaves the link out; both formats' handlers are
  // ours, so a URL is built once, from the shown text, and never doubled.
  function linkTarget(shown) {
    var s = shown.replace(/^\s+|\s+$/g, "");
    if (/^https?:\/\//i.test(s)) { return s; }
    if (/^doi:\s*/i.test(s)) { return "https://doi.org/" + s.replace(/^doi:\s*/i, ""); }
    if (/^10\.\d/.test(s)) { return "https://doi.org/" + s; }
    if (/^www\./i.test(s)) { return "https://" + s; }
    return null;
  }
  function uriSafe(raw) {
    try {
      return raw.replace(/[^\x21-\x7e]|["{}\\<>^`|]/gu, function (c) { return encodeURIComponent(c); });
    } catch (e) { return null; }
  }
  function htmlLink(state, str) {
    var raw = str.replace(/&#38;/g, "&").replace(/&#60;/g, "<").replace(/&#62;/g, ">").replace(/\u00A0/g, " ");
    var target = linkTarget(raw);
    var href = target && uriSafe(target);
    return href ? "<a href=\"" + href.replace(/&/g, "&#38;") + "\">" + str + "</a>" : str;
  }
  function rtfLink(state, str) {
    var raw = str.replace(/\\uc0\\u(-?\d+)\{\}|\\u(-?\d+)\{\}|\\([\\{}])/g, function (m, a, b, c) {
      if (c) { return c; }
      var n = parseInt(a || b, 10);
      return String.fromCharCode(n < 0 ? n + 65536 : n);
    });
    var target = linkTarget(raw);
    var url = target && uriSafe(target);
    if (!url) { return str; }
    return "{\\field{\\*\\fldinst{HYPERLINK \"" + url + "\"}}{\\fldrslt{" + str + "}}}";
  }
  CSL.Output.Formats.html["@DOI/true"] = htmlLink;
  CSL.Output.Formats.html["@URL/true"] = htmlLink;
  CSL.Output.Formats.rtf["@DOI/true"] = rtfLink;
  CSL.Output.Formats.rtf["@URL/true"] = rtfLink;
  function engine(key, fmt, ids) {
    var e = engines[key];
    e.setOutputFormat(fmt);
    e.updateItems(ids);
    return e;
  }
  return {
    addLocale: function (tag, xml) { locales[tag] = xml; return true; },
    hasLocale: function (tag) { return Object.prototype.hasOwnProperty.call(locales, tag); },
    newEngine: function (key, style, lang, force) {
      engines[key] = new CSL.Engine(sys, style, lang, force);
      engines[key].opt.development_extensions.wrap_url_and_doi = true;
      return {hasBibliography: !!engines[key].bibliography.tokens.length,
              styleClass: engines[key].opt["class"] || ""};
    },
    dropEngine: function (key) { delete engines[key]; return true; },
    setItems: function (list) {
      items = {};
      for (var i = 0; i < list.length; i++) { items[list[i].id] = list[i]; }
      return list.length;
    },
    bibliography: function (key, fmt, ids) {
      var out = engine(key, fmt, ids).makeBibliography();
      return out ? out : null;
    },
    citation: function (key, fmt, ids, cites) {
      return engine(key, fmt, ids).makeCitationCluster(cites);
    },
    // A whole document's citations in document order, as a word-processor refresh needs them:
    // positions (ibid., subsequent), disambiguation and numbers come out as they would after
    // inserting the clusters one by one. The engine is emptied before and after, so one
    // document's state never leaks into the next call on this cached engine.
    // restoreProcessorState registers every citation and renders them in one pass (1.3-3x
    // quicker on 300 citations than rebuildProcessorState, which inserts them one at a time and
    // re-checks all earlier ones each time); if it leaves any citation out, the slow path runs.
    clusters: function (key, fmt, citations) {
      var e = engines[key];
      e.restoreProcessorState([]);
      try {
        e.setOutputFormat(fmt);
        var copy = JSON.parse(JSON.stringify(citations));
        var res = e.restoreProcessorState(copy);
        var out = [];
        var complete = !!res && res.length === 2;
        if (complete) {
          for (var i = 0; i < res[1].length; i++) { out[res[1][i][0]] = [copy[res[1][i][0]].citationID, 0, res[1][i][1]]; }
          for (var j = 0; j < citations.length; j++) { if (!out[j]) { complete = false; } }
        }
        if (!complete) {
          e.restoreProcessorState([]);
          out = e.rebuildProcessorState(citations, fmt, []);
        }
        var bib = null;
        if (e.bibliography.tokens.length) {
          e.setOutputFormat(fmt);
          bib = e.makeBibliography() || null;
        }
        return {citations: out, bibliography: bib};
      } finally {
        e.restoreProcessorState([]);
      }
    }
  };
})();
true
"""


class EngineUnavailable(RuntimeError):
    """citeproc-js or mini-racer is not installed; the message tells the user how to fix it."""


class CitationError(RuntimeError):
    """citeproc-js failed on a style or an item (a bug in a style, or in our CSL-JSON)."""


@dataclass(frozen=True, slots=True)
class CitationItem:
    """One reference in a citation, with what the writer adds around it.

    ``label`` names the locator's unit with a CSL locator term ("page", "chapter", "section").
    ``suppress_author`` gives "(2008)" for "Knox (2008) argues"; ``author_only`` gives "Knox".
    """

    ref: Citable
    locator: str = ""
    label: str = "page"
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False
    author_only: bool = False


@dataclass(frozen=True, slots=True)
class ClusterCite:
    """One cite of a cluster, naming its item by the id it has in the items given with it.

    The fields are CSL's cite-item fields (``label`` is a CSL locator term), as a word
    processor's embedded citation or the CSL test suite's CITATION-ITEMS carry them.
    """

    id: str
    locator: str = ""
    label: str = ""
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False
    author_only: bool = False


@dataclass(frozen=True, slots=True)
class Cluster:
    """One citation in a document: its cites, and the footnote it sits in (0: in the text).

    ``note_index`` is what note styles need for "ibid." and "supra" (citeproc-js compares the
    note numbers of neighbouring citations); author-date and numeric styles ignore it.
    """

    cites: tuple[ClusterCite, ...]
    citation_id: str = ""
    note_index: int = 0


@dataclass(slots=True)
class ClusterResult:
    """Each cluster's text, in the order given, and the bibliography of everything cited."""

    citations: list[str]
    bibliography: Bibliography


@dataclass(frozen=True, slots=True)
class BibliographyParams:
    """Layout the style asks of the whole list (citeproc-js's bibliography parameters)."""

    hanging_indent: bool = False
    entry_spacing: int = 0
    line_spacing: int = 1
    max_offset: int = 0
    second_field_align: str = ""
    bibstart: str = ""
    bibend: str = ""


@dataclass(slots=True)
class Bibliography:
    """Formatted entries in the style's order; ``order`` maps each entry to its input position."""

    entries: list[str]
    fmt: OutputFormat
    params: BibliographyParams = field(default_factory=BibliographyParams)
    order: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def document(self) -> str:
        """The entries as one pasteable document: plain lines, an HTML div, or an RTF file."""
        if self.fmt == "html":
            start = self.params.bibstart or '<div class="csl-bib-body">\n'
            end = self.params.bibend or "</div>"
            return start + "".join(f"  {e}\n" for e in self.entries) + end
        if self.fmt == "rtf":
            indent = r"\fi-720\li720 " if self.params.hanging_indent else ""
            spacing = r"\sl480\slmult1 " if self.params.line_spacing >= 2 else ""
            body = "".join(f"{{\\pard {indent}{spacing}{e}\\par}}\n" for e in self.entries)
            return "{\\rtf1\\ansi\\deff0\\uc1\n" + body + "}"
        return "\n".join(self.entries)


@dataclass(slots=True)
class _CachedEngine:
    key: str
    has_bibliography: bool
    style_class: str
    built_in: float


def find_citeproc_js(start: Path | None = None) -> Path:
    """citeproc_commonjs.js in the nearest node_modules above this package (or the env override)."""
    override = os.environ.get(NODE_MODULES_ENV)
    if override:
        cand = Path(override) / "citeproc" / "citeproc_commonjs.js"
        if cand.is_file():
            return cand
    here = (start or Path(__file__)).resolve()
    # A PyInstaller bundle carries its copy at <bundle>/node_modules (packaging/bibliofile.spec).
    bundle = getattr(sys, "_MEIPASS", None)
    for parent in [*([Path(bundle)] if bundle else []), here, *here.parents]:
        cand = parent / CITEPROC_FILE
        if cand.is_file():
            return cand
    raise EngineUnavailable(
        "Citation formatting needs citeproc-js, which is not installed (no node_modules/citeproc "
        "above the Bibliofile package). Run `make setup` in the Bibliofile folder; it needs npm "
        f"(Node.js). To use a copy elsewhere, set {NODE_MODULES_ENV} to its node_modules folder."
    )


# V8's flags, set once per process before its first context. "--single-threaded" is
# mini-racer's default. V8 keeps a process-wide pool of heap pages and, by default, hands a
# closed isolate's pages to that pool, still resident, for the next isolate: closing a context
# gave back 4 MB of ~55. Without the sharing a closed context's pages go back to the OS (issue 22).
V8_FLAGS = ("--single-threaded", "--no-memory-pool-share-memory-on-teardown")


def _new_context() -> MiniRacer:
    from bibliofile.citation.v8_library import preload

    preload()  # its 74 MB library loaded with the GIL released, not by ctypes.CDLL (issue 18)
    try:
        from py_mini_racer import MiniRacer, init_mini_racer
    except ImportError as exc:  # pragma: no cover - the lock file installs it
        raise EngineUnavailable(
            "Citation formatting needs the Python package mini-racer; run `make setup`."
        ) from exc
    init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)  # a no-op once V8 is started
    return MiniRacer()


MADV_PAGEOUT = 21  # Linux 5.4+: reclaim these pages now (clean file pages are simply dropped)


def give_back_memory() -> None:
    """Return what a closed V8 context leaves behind to the OS (Linux; elsewhere a no-op).

    glibc keeps freed blocks in its arenas (V8's zones and mini-racer's buffers are malloc'd):
    ``malloc_trim(0)`` returns the free pages of every arena. The V8 library is a mapped file of
    which a context touches ~40 MB; those pages stay resident, counted in the window's memory,
    until the kernel is short of memory. ``MADV_PAGEOUT`` on its read-only mappings hands them
    back now (the kernel leaves pages another process maps too); the next context faults in
    what it needs again, from the page cache when it is still there. Writable mappings are left
    alone. What stays is V8's start-up, ~16 MB (its ICU data, read into memory, is 11 MB).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # pragma: no cover - Linux always has a C library
        return
    trim = getattr(libc, "malloc_trim", None)  # glibc only (not musl)
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim(0)
    from bibliofile.citation.v8_library import library_path

    lib = library_path()
    madvise = getattr(libc, "madvise", None)
    if lib is None or madvise is None:
        return
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    name = str(lib)
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            regions = [line.split(maxsplit=5) for line in fh]
    except OSError:
        return
    for fields in regions:
        if len(fields) == 6 and fields[5].strip() == name and "w" not in fields[1]:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            madvise(start, end - start, MADV_PAGEOUT)  # EINVAL on kernels before 5.4: ignored


class _OwnerThread:
    """One daemon thread that makes and frees V8 contexts, so both happen on the same thread.

    Calls into the context run on whichever thread asks (serialised by the engine's lock);
    only its creation and its freeing are bound to a thread. A daemon thread, because
    ``atexit`` (where the process-wide engine is closed) runs after non-daemon threads and
    concurrent.futures executors have been shut down.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], list[Any], threading.Event]] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="bibliofile-v8-owner", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            fn, out, done = self._jobs.get()
            try:
                out.append((True, fn()))
            except BaseException as exc:
                out.append((False, exc))
            finally:
                done.set()

    def run(self, fn: Callable[[], T]) -> T:
        if threading.current_thread() is self._thread:
            return fn()
        out: list[Any] = []
        done = threading.Event()
        self._jobs.put((fn, out, done))
        done.wait()
        ok, value = out[0]
        if not ok:
            raise value
        return cast(T, value)



_owner_thread: _OwnerThread | None = None
_owner_lock = threading.Lock()


def _owner() -> _OwnerThread:
    """The thread every V8 context of this process is made and freed on (started on first use)."""
    global _owner_thread
    with _owner_lock:
        if _owner_thread is None:
            _owner_thread = _OwnerThread()
        return _owner_thread


def _item_ids(items: list[dict[str, Any]]) -> list[str]:
    """Content digests as ids; a repeated identical reference gets "#2", "#3" so it stays."""
    seen: Counter[str] = Counter()
    ids: list[str] = []
    for item in items:
        body = {k: v for k, v in item.items() if k != "id"}
        digest = hashlib.blake2b(
            json.dumps(body, sort_keys=True, ensure_ascii=False).encode(), digest_size=10
        ).hexdigest()
        seen[digest] += 1
        ids.append(digest if seen[digest] == 1 else f"{digest}#{seen[digest]}")
    return ids


COMPACT_AFTER_S = 3.0  # quiet seconds after a style's engine is built before V8 collects
# Quiet seconds after which the whole V8 context is closed and its memory given back (issue 22):
# ~80 MB the window would otherwise hold while one reads or curates. Starting again costs ~0.1 s
# (citeproc.js) plus the style's build (APA ~0.7 s) on the next render, which the window does on
# a background lane when the selection changes, so it is paid only after a minute or so of quiet.
RELEASE_AFTER_S = 45.0


class CiteprocEngine:
    """One V8 context with citeproc-js loaded, formatting in any style, locale and format.

    Thread-safe: calls are serialised by a lock, so the GUI's worker and the CLI may share it.
    Keeps up to ``max_engines`` ``CSL.Engine`` objects (one per style and locale) alive while
    it is used; after ``release_after`` quiet seconds the V8 context is closed and the next call
    starts it again (``None``: kept until ``close``).
    """

    def __init__(
        self,
        citeproc_js: Path | None = None,
        styles: StyleCatalogue | None = None,
        max_engines: int = 6,
        compact_after: float | None = COMPACT_AFTER_S,
        release_after: float | None = RELEASE_AFTER_S,
    ) -> None:
        self._js_path = citeproc_js or find_citeproc_js()
        self._compact_after = compact_after
        self._release_after = release_after
        self._quiet_timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()  # guards _quiet_timer and _pending
        self._pending = 0  # calls running or waiting for the lock
        self._built_since_compaction = False
        self._last_call = 0.0
        self.compactions = 0
        self.releases = 0  # contexts closed for being quiet (for tests and the bench)
        self._styles = styles
        self._max = max(1, max_engines)
        self._lock = threading.RLock()
        self._engines: OrderedDict[str, _CachedEngine] = OrderedDict()
        self._ctx: MiniRacer | None = None
        self.load_seconds = 0.0

    # ---- life cycle ------------------------------------------------------------------------
    def _context(self) -> MiniRacer:
        if self._ctx is None:
            t0 = time.perf_counter()
            self._ctx = _owner().run(self._load)
            self.load_seconds = time.perf_counter() - t0
            self._watch_quiet()
        return self._ctx

    def _load(self) -> MiniRacer:
        ctx = _new_context()
        source = self._js_path.read_text(encoding="utf-8")
        try:
            ctx.eval("var module = {exports: {}}; var exports = module.exports; true")
            ctx.eval(source)
            ctx.eval("var CSL = module.exports; true")
            ctx.eval(_BRIDGE_JS)
        except Exception as exc:
            ctx.close()
            raise EngineUnavailable(f"{self._js_path} could not be loaded: {exc}") from exc
        return ctx

    def close(self) -> None:
        """Free the V8 context (also done at exit; closing twice is harmless).

        Contexts are made and freed on one thread for the whole process (``_owner``):
        mini-racer crashes the process (SIGSEGV) when a context made on one thread is freed on
        another, which is what the GUI would do (made on a worker of the read pool, freed at
        exit on the main thread), and also when contexts are made on several short-lived threads.
        """
        with self._lock:
            with self._timer_lock:
                if self._quiet_timer is not None:
                    self._quiet_timer.cancel()
                    self._quiet_timer = None
            self._close_context()

    def _close_context(self) -> None:
        """Drop the style engines and free the context on its owner thread (lock held)."""
        self._engines.clear()
        self._built_since_compaction = False
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            _owner().run(ctx.close)

    def __enter__(self) -> CiteprocEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def styles(self) -> StyleCatalogue:
        """The catalogue styles are looked up in (the process-wide one unless given)."""
        if self._styles is None:
            self._styles = catalogue()
        return self._styles

    @property
    def cached_engines(self) -> int:
        return len(self._engines)

    # ---- engines ---------------------------------------------------------------------------
    def _call(self, fn: str, *args: Any) -> Any:
        self._last_call = time.monotonic()
        try:
            return self._context().call(f"BF.{fn}", *args)
        except EngineUnavailable:
            raise
        except Exception as exc:
            raise CitationError(f"citeproc-js failed in {fn}: {exc}") from exc

    def _load_locale(self, tag: str) -> None:
        if not self._call("hasLocale", tag):
            self._call("addLocale", tag, locale_xml(tag))

    def _engine(self, style: str, locale: str | None) -> _CachedEngine:
        resolved: ResolvedStyle = self.styles.resolve(style)
        force = locale is not None
        lang = resolve_locale(locale if force else resolved.default_locale or DEFAULT_LOCALE)
        digest = hashlib.blake2b(resolved.xml.encode(), digest_size=8).hexdigest()
        key = f"{resolved.independent.id}|{digest}|{lang}|{int(force)}"
        cached = self._engines.get(key)
        if cached is not None:
            self._engines.move_to_end(key)
            return cached
        needed = {DEFAULT_LOCALE, lang}
        primary = primary_dialect(lang.split("-", 1)[0])
        if primary:
            needed.add(resolve_locale(primary))
        if resolved.default_locale:
            needed.add(resolve_locale(resolved.default_locale))
        for tag in sorted(needed):
            self._load_locale(tag)
        t0 = time.perf_counter()
        meta = self._call("newEngine", key, resolved.xml, lang, force)
        built = _CachedEngine(
            key, bool(meta["hasBibliography"]), str(meta["styleClass"]), time.perf_counter() - t0
        )
        self._engines[key] = built
        while len(self._engines) > self._max:
            old, _ = self._engines.popitem(last=False)
            self._call("dropEngine", old)
        self._built_since_compaction = True
        self._watch_quiet()
        return built

    # ---- memory ----------------------------------------------------------------------------
    @contextmanager
    def _using(self) -> Iterator[None]:
        """Hold the engine for one call; a call waiting for the lock already counts as use,
        so the quiet timer never closes the context under a render that is about to run."""
        with self._timer_lock:
            self._pending += 1
        self._last_call = time.monotonic()
        try:
            with self._lock:
                yield
        finally:
            self._last_call = time.monotonic()
            with self._timer_lock:
                self._pending -= 1

    def _quiet_due(self) -> float | None:
        """Seconds of quiet before the next step: V8's collection after a build, then release."""
        if self._built_since_compaction and self._compact_after is not None:
            return self._compact_after
        return self._release_after

    def _watch_quiet(self, delay: float | None = None) -> None:
        """(Re)arm the one timer that gives memory back once the engine has been quiet.

        After a style's engine is built, ``compact_after`` quiet seconds bring a full V8
        collection: building leaves tens of MB of garbage in V8's heap (APA: the heap peaks at
        ~94 MB and holds ~52 MB once collected), which V8 would keep until it next grows the
        heap; 0.2-0.3 s of work. After ``release_after`` quiet seconds the whole context is
        closed (``_release``). Both run on the timer's thread, only while no call runs or waits.
        """
        due = self._quiet_due()
        if due is None:
            return
        with self._timer_lock:
            if self._quiet_timer is not None:
                self._quiet_timer.cancel()
            timer = threading.Timer(due if delay is None else max(0.0, delay), self._on_quiet)
            timer.name = "bibliofile-v8-quiet"
            timer.daemon = True
            self._quiet_timer = timer
            timer.start()

    def _on_quiet(self) -> None:
        with self._timer_lock:
            if self._quiet_timer is not threading.current_thread():
                return  # re-armed or cancelled since this one started
            self._quiet_timer = None
        if not self._lock.acquire(blocking=False):
            self._watch_quiet()  # a call is running: look again after another quiet spell
            return
        try:
            due = self._quiet_due()
            if self._ctx is None or due is None:
                return
            quiet = time.monotonic() - self._last_call
            with self._timer_lock:
                busy = self._pending > 0
            if busy or quiet < due:  # used since: wait until it has been quiet that long
                self._watch_quiet(due - quiet if not busy else None)
                return
            if self._built_since_compaction and self._compact_after is not None:
                self._ctx.low_memory_notification()
                self._built_since_compaction = False
                self.compactions += 1
                if self._release_after is not None:
                    self._watch_quiet(self._release_after - quiet)
            else:
                self._release()
        finally:
            self._lock.release()

    def _release(self) -> None:
        """Close the quiet context and give its memory back; the next call starts another.

        With ``V8_FLAGS`` V8 returns a closed isolate's heap pages (APA: ~55 MB); the rest is
        glibc's free arena pages and the V8 library's mapped pages (``give_back_memory``).
        """
        self._close_context()
        self.releases += 1
        give_back_memory()

    def prepare(self, style: str = "apa", locale: str | None = None) -> float:
        """Build (or find) the engine for a style ahead of need; returns seconds spent building."""
        with self._using():
            before = len(self._engines)
            engine = self._engine(style, locale)
            return engine.built_in if len(self._engines) != before else 0.0

    # ---- formatting ------------------------------------------------------------------------
    def bibliography(
        self,
        refs: Sequence[Citable],
        style: str = "apa",
        locale: str | None = None,
        fmt: OutputFormat = "text",
    ) -> Bibliography:
        """The formatted reference list, sorted and disambiguated (2008a/2008b) by the style.

        A style with no bibliography (some note styles) gets one full citation per reference,
        as Zotero does, so "copy bibliography" never comes back empty.
        """
        _check_format(fmt)
        if not refs:
            return Bibliography([], fmt)
        items = [_as_csl(r) for r in refs]
        ids = _item_ids(items)
        for item, iid in zip(items, ids, strict=True):
            item["id"] = iid
        position = {iid: i for i, iid in enumerate(ids)}
        with self._using():
            engine = self._engine(style, locale)
            self._call("setItems", items)
            if not engine.has_bibliography:
                entries = [
                    _clean(self._call("citation", engine.key, fmt, ids, [{"id": iid}]), fmt)
                    for iid in ids
                ]
                return Bibliography(entries, fmt, order=list(range(len(ids))))
            result = self._call("bibliography", engine.key, fmt, ids)
        if result is None:
            return Bibliography([], fmt)
        meta, raw_entries = cast(tuple[dict[str, Any], list[str]], result)
        order = [position[str(group[0])] for group in meta.get("entry_ids", []) if group]
        return Bibliography(
            [_clean(e, fmt) for e in raw_entries],
            fmt,
            _params(meta),
            order,
            [str(e) for e in meta.get("bibliography_errors", [])],
        )

    def citation(
        self,
        items: Sequence[CitationItem | Citable],
        style: str = "apa",
        locale: str | None = None,
        fmt: OutputFormat = "text",
        all_refs: Sequence[Citable] = (),
    ) -> str:
        """One in-text citation (or note) for the items: "(Knox, 2008, p. 5; Smith, 2010)".

        ``all_refs`` are the other references of the same document: numeric styles number and
        author-date styles disambiguate against the whole list, not just this citation.
        """
        _check_format(fmt)
        cites = [i if isinstance(i, CitationItem) else CitationItem(i) for i in items]
        if not cites:
            return ""
        # The document's references in their order, then cited ones it lacks: citeproc-js
        # numbers (IEEE, Vancouver) and disambiguates in the order items are registered.
        everything: list[Citable] = list(all_refs)
        for c in cites:
            if all(c.ref is not r for r in everything):
                everything.append(c.ref)
        csl_items = [_as_csl(r) for r in everything]
        ids = _item_ids(csl_items)
        for item, iid in zip(csl_items, ids, strict=True):
            item["id"] = iid
        by_ref = {id(r): iid for r, iid in zip(everything, ids, strict=True)}
        payload = [_cite_json(c, by_ref[id(c.ref)]) for c in cites]
        with self._using():
            engine = self._engine(style, locale)
            self._call("setItems", csl_items)
            out = self._call("citation", engine.key, fmt, ids, payload)
        return _clean(str(out), fmt)


    def clusters(
        self,
        items: Sequence[CslItem],
        clusters: Sequence[Cluster],
        style: str = "apa",
        locale: str | None = None,
        fmt: OutputFormat = "text",
    ) -> ClusterResult:
        """Every citation of a document, in document order, and its bibliography.

        Unlike ``citation`` (one cluster on its own), each cluster is rendered knowing the ones
        before and after it: "ibid." and subsequent short forms, 2008a/2008b and added names or
        initials, citation numbers in order of first citation. ``items`` are CSL-JSON with ids;
        every cite must name one of them (``ValueError`` otherwise: the caller checks first).
        """
        _check_format(fmt)
        by_id: dict[str, CslItem] = {}
        for item in items:
            copy = dict(item)
            copy["id"] = str(item.get("id", ""))
            by_id.setdefault(copy["id"], copy)
        missing = sorted({c.id for cl in clusters for c in cl.cites} - by_id.keys())
        if missing:
            raise ValueError(f"cites name items that were not given: {', '.join(missing)}")
        payload, places = _clusters_json(clusters)
        texts = [""] * len(clusters)  # an empty cluster stays empty
        if not payload:
            return ClusterResult(texts, Bibliography([], fmt))
        with self._using():
            engine = self._engine(style, locale)
            self._call("setItems", list(by_id.values()))
            out = self._call("clusters", engine.key, fmt, payload)
        for position, triple in enumerate(out["citations"] or []):
            if triple:
                texts[places[position]] = _clean(str(triple[2]), fmt)
        cited = [by_id[i] for i in dict.fromkeys(c.id for cl in clusters for c in cl.cites)]
        if not engine.has_bibliography:
            return ClusterResult(texts, self.bibliography(cited, style, locale, fmt))
        if out["bibliography"] is None:
            return ClusterResult(texts, Bibliography([], fmt))
        meta, raw_entries = cast(tuple[dict[str, Any], list[str]], out["bibliography"])
        index = {str(item["id"]): n for n, item in enumerate(cited)}
        order = [index[str(group[0])] for group in meta.get("entry_ids", []) if group and str(group[0]) in index]
        bib = Bibliography(
            [_clean(e, fmt) for e in raw_entries],
            fmt,
            _params(meta),
            order,
            [str(e) for e in meta.get("bibliography_errors", [])],
        )
        return ClusterResult(texts, bib)


def _clusters_json(clusters: Sequence[Cluster]) -> tuple[list[dict[str, Any]], list[int]]:
    """citeproc-js citation objects, and the position of each among the clusters given.

    Citation ids are made unique, as a pasted copy of a citation in a document repeats one.
    """
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    places: list[int] = []
    for n, cl in enumerate(clusters):
        if not cl.cites:
            continue
        cid = cl.citation_id or f"CITATION-{n + 1}"
        while cid in seen:
            cid = f"{cid}-{n + 1}"
        seen.add(cid)
        cites = []
        for c in cl.cites:
            cite: dict[str, Any] = {"id": c.id}
            if c.locator:
                cite["locator"] = c.locator
                cite["label"] = c.label or "page"
            if c.prefix:
                cite["prefix"] = c.prefix
            if c.suffix:
                cite["suffix"] = c.suffix
            if c.suppress_author:
                cite["suppress-author"] = True
            if c.author_only:
                cite["author-only"] = True
            cites.append(cite)
        out.append({"citationID": cid, "citationItems": cites, "properties": {"noteIndex": max(0, cl.note_index)}})
        places.append(n)
    return out, places


def _as_csl(ref: Citable) -> CslItem:
    """A copy, because the engine rewrites ids and must not touch the caller's dicts."""
    return to_csl_json(ref, citation=True) if isinstance(ref, Reference) else dict(ref)


def _cite_json(c: CitationItem, iid: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": iid}
    if c.locator:
        out["locator"] = c.locator
        out["label"] = c.label or "page"
    if c.prefix:
        out["prefix"] = c.prefix
    if c.suffix:
        out["suffix"] = c.suffix
    if c.suppress_author:
        out["suppress-author"] = True
    if c.author_only:
        out["author-only"] = True
    return out


def _check_format(fmt: str) -> None:
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (use one of: {', '.join(OUTPUT_FORMATS)})")


def _clean(entry: str, fmt: OutputFormat) -> str:
    """citeproc-js pads HTML entries and ends text ones with a newline; a list wants neither."""
    return entry.strip()


def _params(meta: dict[str, Any]) -> BibliographyParams:
    align = meta.get("second-field-align") or ""
    return BibliographyParams(
        hanging_indent=bool(meta.get("hangingindent")),
        entry_spacing=int(meta.get("entryspacing") or 0),
        line_spacing=int(meta.get("linespacing") or 1),
        max_offset=int(meta.get("maxoffset") or 0),
        second_field_align=str(align) if align else "",
        bibstart=str(meta.get("bibstart") or ""),
        bibend=str(meta.get("bibend") or ""),
    )


# ---- the process-wide engine ---------------------------------------------------------------
_default: CiteprocEngine | None = None
_default_lock = threading.Lock()


def get_engine() -> CiteprocEngine:
    """The engine this process shares (made on first use, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = CiteprocEngine()
            atexit.register(_default.close)
        return _default


def format_bibliography(
    refs: Sequence[Citable],
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
) -> list[str]:
    """The reference list as one string per entry, in the style's order."""
    return get_engine().bibliography(refs, style, locale, fmt).entries


def make_bibliography(
    refs: Sequence[Citable],
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
) -> Bibliography:
    """The reference list with the style's layout parameters (hanging indent, spacing)."""
    return get_engine().bibliography(refs, style, locale, fmt)


def render_clusters(
    items: Sequence[CslItem],
    clusters: Sequence[Cluster],
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
) -> ClusterResult:
    """A document's citation clusters in document order, and its bibliography (see ``clusters``)."""
    return get_engine().clusters(items, clusters, style, locale, fmt)


def format_citation(
    items: Sequence[CitationItem | Citable],
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
    all_refs: Sequence[Citable] = (),
) -> str:
    """One citation cluster for the items (locator, prefix, suffix, suppress-author per item)."""
    return get_engine().citation(items, style, locale, fmt, all_refs)
