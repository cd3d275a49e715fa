"""Crossref's and the DOI agencies' JSON answers as References: DOI content negotiation
(``Accept: application/vnd.citationstyles.csl+json``, answered by Crossref, DataCite and mEDRA)
and Crossref's works API (``/works?query...``, a "work-list"; ``/works/DOI``, a "work").

Both are CSL-JSON in all but details, so each item is cleaned into a plain CSL item and read by
``csl_json.item_to_reference`` (one field mapping for every format): Crossref's own type names
("journal-article") become CSL's ("article-journal"), one-element title lists become strings,
and what is bookkeeping rather than bibliography (the cited references, deposit dates, licence
and funder lists, relevance scores) is dropped instead of being kept as unknown fields.
Readers are pure and never raise: malformed JSON is a problem with its line.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.csl_json import item_to_reference
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["crossref_item_to_csl", "read_crossref_works", "read_doi_csl"]

# Crossref type -> CSL type (Crossref's REST API documentation, /types).
_TYPES: dict[str, str] = {
    "journal-article": "article-journal", "proceedings-article": "paper-conference",
    "book-chapter": "chapter", "book-section": "chapter", "book-part": "chapter",
    "monograph": "book", "edited-book": "book", "reference-book": "book", "book": "book",
    "book-series": "book", "book-set": "book", "dissertation": "thesis", "report": "report",
    "report-series": "report", "posted-content": "article", "dataset": "dataset",
    "reference-entry": "entry-encyclopedia", "standard": "standard", "journal-issue": "periodical",
    "journal": "periodical", "proceedings": "book", "peer-review": "review", "component": "document",
    "other": "document",
}
# CSL variables worth keeping from an answer; everything else is the agency's bookkeeping.
_KEEP = frozenset({
    "type", "title", "subtitle", "container-title", "collection-title", "volume", "issue", "page",
    "number", "article-number", "edition", "publisher", "publisher-place", "DOI", "ISBN", "ISSN",
    "URL", "language", "abstract", "issued", "author", "editor", "translator", "container-author",
    "genre", "event", "event-title", "event-place",
})
_DATE_ORDER = ("issued", "published-print", "published-online", "published", "created")
_TAG = re.compile(r"<[^>]{0,200}>")


def _first_text(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _plain(text: str) -> str:
    """JATS/HTML markup in titles and abstracts ("<jats:p>", "<i>") as plain text."""
    return html.unescape(" ".join(_TAG.sub(" ", text).split()))


def crossref_item_to_csl(obj: dict[str, Any]) -> dict[str, Any]:
    """A plain CSL item from one Crossref/DataCite work object."""
    item: dict[str, Any] = {}
    for key, value in obj.items():
        if key in _KEEP:
            item[key] = value
    ctype = str(obj.get("type") or "")
    item["type"] = _TYPES.get(ctype, ctype or "document")
    for key in ("title", "container-title", "collection-title", "subtitle", "publisher", "ISBN", "ISSN"):
        if key in item and isinstance(item[key], list):
            if key in ("ISBN", "ISSN"):
                joined = ", ".join(str(v).rsplit("/", 1)[-1] for v in item[key] if v)
                item[key] = joined
            else:
                item[key] = _first_text(item[key])
            if not item[key]:
                del item[key]
    if isinstance(item.get("title"), str):
        item["title"] = _plain(item["title"])
    if isinstance(item.get("subtitle"), str):
        item["subtitle"] = _plain(item["subtitle"])
    if isinstance(item.get("abstract"), str):
        item["abstract"] = _plain(item["abstract"])
    if "issued" not in item or not _has_year(item.get("issued")):
        for key in _DATE_ORDER:
            if _has_year(obj.get(key)):
                item["issued"] = obj[key]
                break
    for role in ("author", "editor", "translator"):
        names = item.get(role)
        if isinstance(names, list):
            item[role] = [
                {k: v for k, v in n.items() if k in ("family", "given", "literal", "suffix", "non-dropping-particle", "dropping-particle")}
                if isinstance(n, dict) and ("family" in n or "literal" in n) else
                ({"literal": n["name"]} if isinstance(n, dict) and isinstance(n.get("name"), str) else n)
                for n in names
            ]
    url = item.get("URL")
    if isinstance(url, str) and re.match(r"^https?://(dx\.)?doi\.org/", url, re.I):
        del item["URL"]  # Crossref's URL is the DOI's resolver link: the DOI says it already
    if "subtitle" in item:
        title = item.get("title", "")
        item["title"] = f"{title}: {item.pop('subtitle')}" if title else item.pop("subtitle")
    return item


def _has_year(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    parts = value.get("date-parts")
    return isinstance(parts, list) and bool(parts) and isinstance(parts[0], list) and bool(parts[0]) and parts[0][0] is not None


def _reference(obj: dict[str, Any], file: str, raw: str) -> tuple[Reference, list[str]]:
    ref, notes = item_to_reference(crossref_item_to_csl(obj))
    ref.source = SourceRecord(format="crossref", text=raw, entry_type=str(obj.get("type", "")), file=file, line=1)
    return ref, notes


def _load(text: str, file: str, result: ReadResult) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(Problem(file, exc.lineno, f"the answer is not valid JSON ({exc.msg}); nothing was read", True))
    except RecursionError:
        result.problems.append(Problem(file, 1, "the answer is nested too deeply to read; nothing was read", True))
    return None


def read_doi_csl(text: str, file: str = "<doi>") -> ReadResult:
    """One work from DOI content negotiation (a CSL-JSON object), or the works API's
    ``{"message-type": "work", "message": {...}}``."""
    result = ReadResult()
    data = _load(text, file, result)
    if data is None:
        return result
    if isinstance(data, dict) and isinstance(data.get("message"), dict):
        data = data["message"]
    if not isinstance(data, dict) or not (data.get("title") or data.get("DOI")):
        result.problems.append(Problem(file, 1, "the answer holds no bibliographic record; nothing was read", True))
        return result
    ref, notes = _reference(data, file, text)
    result.items.append(ref)
    result.problems.extend(Problem(file, 1, n) for n in notes)
    result.entries_in_file = 1
    return result


def read_crossref_works(text: str, file: str = "<crossref>") -> ReadResult:
    """The items of a Crossref works search (``message.items``), best match first."""
    result = ReadResult()
    data = _load(text, file, result)
    if data is None:
        return result
    message = data.get("message") if isinstance(data, dict) else None
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list):
        result.problems.append(Problem(file, 1, "the answer is not a Crossref list of works; nothing was read", True))
        return result
    for n, obj in enumerate(items, 1):
        if not isinstance(obj, dict):
            result.problems.append(Problem(file, 1, f"item {n} is not an object; skipped", True))
            continue
        ref, notes = _reference(obj, file, json.dumps(obj, ensure_ascii=False))
        result.items.append(ref)
        result.problems.extend(Problem(file, 1, f"item {n}: {m}") for m in notes)
    result.entries_in_file = len(items)
    return result
