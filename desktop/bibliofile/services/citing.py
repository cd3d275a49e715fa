"""Citing references: pick them (library search, citation keys, or a .bib/.json file), format them.

The GUI (copy / drag a citation) and the CLI (``bibliofile cite``) both come here, so they choose
references and resolve BibTeX ``crossref`` parents the same way. Formatting itself is
``citation.engine``; this module only decides what to format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bibliofile.citation.csl_json import CslItem
from bibliofile.citation.engine import (
    OUTPUT_FORMATS,
    Citable,
    CitationItem,
    OutputFormat,
    format_citation,
    make_bibliography,
)
from bibliofile.formats.bibtex_reader import read_bibtex_file
from bibliofile.formats.crossref import resolve_crossref
from bibliofile.formats.csl_json import json_items
from bibliofile.formats.zotero_item_json import is_zotero_item, zotero_to_csl
from bibliofile.model.problems import UnreadableFileError
from bibliofile.model.reference import Reference
from bibliofile.services.inheritance import library_parents, parent_keys
from bibliofile.storage.library import Library


class CitingError(Exception):
    """A request that cannot be cited as asked (no references, unknown keys, unreadable file)."""


def cite(
    library: Library | None,
    input_file: str | Path | None = None,
    style: str = "apa",
    locale: str | None = "en-US",
    fmt: OutputFormat = "text",
    citation: bool = False,
    query: str | None = None,
    keys: Sequence[str] = (),
) -> str:
    """A formatted bibliography (or, with ``citation``, one in-text citation) as one string.

    References come from ``input_file`` when given (BibTeX/BibLaTeX, or CSL-JSON ``.json``),
    else from ``library``. ``keys`` picks references by citation key, in that order; ``query``
    filters (the search-field language for a library, all words anywhere for a file); neither
    means everything. ``locale=None`` uses the style's own default language. The text is a
    whole pasteable document: lines of text, an HTML fragment, or a complete RTF file.
    """
    refs = select_references(library, input_file, query, keys)
    return cite_references(refs, style, locale, fmt, citation)


def cite_references(
    refs: Sequence[Citable],
    style: str = "apa",
    locale: str | None = "en-US",
    fmt: OutputFormat = "text",
    citation: bool = False,
) -> str:
    """Format references already chosen (the GUI's selection)."""
    if not refs:
        raise CitingError("No references to cite.")
    if citation:
        out = format_citation(list(refs), style, locale, fmt)
        # A citation in RTF is a fragment; pasted or saved it must be a whole RTF document.
        return "{\\rtf1\\ansi\\deff0\\uc1\n" + out + "\n}" if fmt == "rtf" else out
    return make_bibliography(refs, style, locale, fmt).document()


def clipboard_formats(
    refs: Sequence[Citable], style: str = "apa", locale: str | None = "en-US", citation: bool = False
) -> dict[OutputFormat, str]:
    """HTML, RTF and plain text of the same citation, for one clipboard or drag payload.

    Word processors take the richest format they understand; all three come from one engine.
    """
    return {fmt: cite_references(refs, style, locale, fmt, citation) for fmt in OUTPUT_FORMATS}


def cite_items(
    items: Sequence[CitationItem], style: str = "apa", locale: str | None = "en-US", fmt: OutputFormat = "text"
) -> str:
    """One citation with per-item locator, prefix, suffix or suppressed author."""
    if not items:
        raise CitingError("No references to cite.")
    return format_citation(items, style, locale, fmt)


# ---- choosing references -------------------------------------------------------------------
def select_references(
    library: Library | None,
    input_file: str | Path | None = None,
    query: str | None = None,
    keys: Sequence[str] = (),
) -> list[Citable]:
    """The references a cite request means, crossref parents resolved, in the order asked."""
    if input_file is not None:
        return _from_file(Path(input_file), query, keys)
    if library is None:
        raise CitingError("Nothing to cite from: give a library or an input file.")
    return _from_library(library, query, keys)


def _from_library(library: Library, query: str | None, keys: Sequence[str]) -> list[Citable]:
    if keys:
        ids = library.by_citation_key(keys)
        refs = library.get_many(ids)
        by_key: dict[str, Reference] = {}
        for r in refs:
            by_key.setdefault(r.citation_key, r)
        _check_keys(keys, by_key)
        chosen = [by_key[k] for k in dict.fromkeys(keys)]
        if query:
            allowed = set(library.search(query))
            chosen = [r for r in chosen if r.id in allowed]
    else:
        chosen = library.get_many(library.search(query or ""))
    if not chosen:
        raise CitingError(f"No references match {query!r}." if query else "The library is empty.")
    parents = library_parents(library, chosen)
    return [resolve_crossref(r, parents) if parent_keys(r) else r for r in chosen]


def _from_file(path: Path, query: str | None, keys: Sequence[str]) -> list[Citable]:
    if path.suffix.lower() == ".json":
        items: list[Citable] = list(_read_csl_json(path))
    else:
        try:
            result = read_bibtex_file(path)
        except UnreadableFileError as exc:
            raise CitingError(str(exc)) from exc
        refs = [r for r in result.items if isinstance(r, Reference)]
        by_key = {r.citation_key: r for r in refs if r.citation_key}
        items = [resolve_crossref(r, by_key) if parent_keys(r) else r for r in refs]
    if keys:
        by_key_any = {_key_of(i): i for i in items}
        _check_keys(keys, by_key_any)
        items = [by_key_any[k] for k in dict.fromkeys(keys)]
    if query:
        words = query.casefold().split()
        items = [i for i in items if all(w in _haystack(i) for w in words)]
    if not items:
        raise CitingError(f"No references in {path} match {query!r}." if query else f"No references in {path}.")
    return items


def _read_csl_json(path: Path) -> list[CslItem]:
    """A CSL-JSON file, each item passed to citeproc as is: a list of items, one item, an object
    keyed by item type, or Zotero's item JSON (converted, else it cites as "(N.d.)")."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CitingError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CitingError(f"{path}: not a CSL-JSON file (not UTF-8 text: {exc.reason})") from exc
    found, problems = json_items(text, str(path))
    items: list[CslItem] = []
    for n, (_, obj, _) in enumerate(found, 1):
        if is_zotero_item(obj):
            obj, _, _ = zotero_to_csl(obj)
        if not isinstance(obj, dict):
            continue
        item = dict(obj)
        item.setdefault("id", f"item-{n}")
        item.setdefault("type", "document")
        items.append(item)
    if not items:
        why = f"line {problems[0].line}: {problems[0].message}" if problems else "expected a list of items"
        raise CitingError(f"{path}: not a CSL-JSON file ({why})")
    return items


def _key_of(item: Citable) -> str:
    if isinstance(item, Reference):
        return item.citation_key
    return str(item.get("citation-key") or item.get("id") or "")


def _haystack(item: Citable) -> str:
    if isinstance(item, Reference):
        parts = [item.citation_key, *item.fields.values(), *(c.full_name for c in item.creators)]
    else:
        parts = [json.dumps(item, ensure_ascii=False)]
    return " ".join(parts).casefold()


def _check_keys(keys: Sequence[str], found: dict[str, Any]) -> None:
    missing = [k for k in dict.fromkeys(keys) if k not in found]
    if missing:
        raise CitingError(f"No reference with citation key: {', '.join(missing)}")
