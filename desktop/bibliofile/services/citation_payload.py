"""What a copy or a drag of references carries, built once per selection and style, and kept.

Qt starts a drag synchronously inside the mouse-move handler: whatever the drag carries must
exist before the cursor moves on. Formatting 50 references in APA takes citeproc-js ~0.2 s per
output format (0.6 s for HTML + RTF + text), and building the APA engine the first time ~1 s, so
the GUI renders the selection in the background as soon as it changes (``PayloadCache.build`` on
a worker) and the drag only looks the result up (``PayloadCache.get``: load the rows, hash, look
up; a few ms for 50 references).

The cache key is a digest of the references' content (crossref parents resolved), not their ids:
an edit to a title changes the key, so a drag never carries a stale citation, and the same
selection in another scope reuses its payload.

Every payload carries, at once: ``text/html`` (a real HTML page: italics, small caps, hanging
indent), ``text/plain`` (the same as text), ``text/rtf`` and ``application/rtf`` (LibreOffice
reads the former, other programs the latter), ``application/x-bibtex`` and
``application/vnd.citationstyles.csl+json`` (for another reference manager or an editor).
DOIs and URLs are links in the HTML and the RTF (a HYPERLINK field; citation/engine.py makes
both) and plain in the text, as a word processor expects.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bibliofile.citation.engine import make_bibliography
from bibliofile.model.reference import Reference
from bibliofile.services.citation_export import (
    bibliography_html,
    citation_html,
    csl_json_text,
    data_text_of,
    rtf_document,
)
from bibliofile.services.inheritance import references_by_ids, resolve_parents
from bibliofile.storage.library import Library

MIME_HTML = "text/html"
MIME_TEXT = "text/plain"
MIME_RTF = "text/rtf"
MIME_RTF_ALT = "application/rtf"
MIME_BIBTEX = "application/x-bibtex"
MIME_CSL_JSON = "application/vnd.citationstyles.csl+json"


@dataclass(frozen=True, slots=True)
class Payload:
    """One selection, formatted one way, in every format a drop target may ask for."""

    text: str
    html: str
    rtf: str
    bibtex: str
    csl_json: str

    def mime_types(self) -> dict[str, bytes]:
        """MIME type -> bytes, UTF-8 everywhere (the RTF itself is 7-bit: \\uN escapes)."""
        return {
            MIME_HTML: self.html.encode("utf-8"),
            MIME_TEXT: self.text.encode("utf-8"),
            MIME_RTF: self.rtf.encode("utf-8"),
            MIME_RTF_ALT: self.rtf.encode("utf-8"),
            MIME_BIBTEX: self.bibtex.encode("utf-8"),
            MIME_CSL_JSON: self.csl_json.encode("utf-8"),
        }


def payload_key(refs: Sequence[Reference], style: str, locale: str | None, citation: bool) -> str:
    """A digest of what the payload depends on: the references' content and the formatting."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{style}\x00{locale or ''}\x00{int(citation)}\x00".encode())
    for r in refs:
        h.update(repr(r).encode("utf-8", "surrogatepass"))
        h.update(b"\x01")
    return h.hexdigest()


def build_payload(
    refs: Sequence[Reference],
    style: str,
    locale: str | None,
    citation: bool,
    stored: Sequence[Reference] | None = None,
) -> Payload:
    """Format the references in all formats (one engine, three output formats).

    ``refs`` are resolved (crossref parents filled in) for the citation and the CSL-JSON;
    the BibTeX is written from ``stored``, the entries as the library keeps them, so a child
    keeps its ``crossref`` instead of gaining its parent's fields.
    """
    from bibliofile.citation.engine import format_citation

    if citation:
        cites = {fmt: format_citation(list(refs), style, locale, fmt) for fmt in ("text", "html", "rtf")}
        text, html, rtf = cites["text"], citation_html(cites["html"]), rtf_document(cites["rtf"])
    else:
        text = make_bibliography(refs, style, locale, "text").document()
        html = bibliography_html(make_bibliography(refs, style, locale, "html"))
        rtf = make_bibliography(refs, style, locale, "rtf").document()
    bibtex = data_text_of(stored if stored is not None else refs, "bibtex")
    return Payload(text, html, rtf, bibtex, csl_json_text(refs))


class PayloadCache:
    """Payloads by content key, most recent kept (thread-safe: built on workers, read on the GUI)."""

    def __init__(self, max_entries: int = 24) -> None:
        self._max = max(1, max_entries)
        self._items: OrderedDict[str, Payload] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def lookup(self, key: str) -> Payload | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def store(self, key: str, payload: Payload) -> None:
        with self._lock:
            self._items[key] = payload
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def get(
        self, library: Library, ids: Sequence[int], style: str, locale: str | None, citation: bool
    ) -> Payload | None:
        """The payload if it was rendered already (a few ms: rows, hash, lookup), else None."""
        refs = references_by_ids(library, ids)
        return self.lookup(payload_key(refs, style, locale, citation))

    def build(
        self, library: Library, ids: Sequence[int], style: str, locale: str | None, citation: bool
    ) -> Payload:
        """The payload, rendered now unless it is cached (call from a worker thread)."""
        stored = library.get_many(ids)
        refs = resolve_parents(library, stored)
        key = payload_key(refs, style, locale, citation)
        with self._lock:
            found = self._items.get(key)
        if found is not None:
            return found
        payload = build_payload(refs, style, locale, citation, stored)
        self.store(key, payload)
        return payload
