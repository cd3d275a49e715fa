"""Citation marks as Bibliofile writes them in an .odt (docs/document-marks.md), without UNO.

A citation is a reference mark named ``BIBLIOFILE_CITATION {json}``, the bibliography a
section named ``BIBLIOFILE_BIBL {json}``; Zotero's ``ZOTERO_ITEM CSL_CITATION {json} RND…``
and ``ZOTERO_BIBL {json} CSL_BIBLIOGRAPHY RND…`` are read too. This is the same format as
``bibliofile.formats.odt_marks`` (the headless ``bibliofile document refresh``), written again
here because LibreOffice's Python has none of Bibliofile's packages; the test suite holds the
two to the same answers.
"""

from __future__ import annotations

import json
import re
import secrets
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional, Tuple

OURS_CITATION = "BIBLIOFILE_CITATION "
OURS_BIBLIOGRAPHY = "BIBLIOFILE_BIBL "
ZOTERO_CITATION = "ZOTERO_ITEM CSL_CITATION "
ZOTERO_BIBLIOGRAPHY = "ZOTERO_BIBL "
ZOTERO_BIBL_TAIL = " CSL_BIBLIOGRAPHY"
_RND = re.compile(r" RND[0-9A-Za-z]+$")
MARK_VERSION = 1
PLACEHOLDER = "{Citation}"
DEFAULT_STYLE = "apa"

# One formatted run: its text and the formats on it ("italic", "bold", "sup", "sub",
# "small-caps", "underline", "roman", "normal-weight").
Run = Tuple[str, Tuple[str, ...]]


class MarkName(object):
    """What a mark's name says: vendor ("bibliofile"/"zotero"), kind ("citation"/
    "bibliography"), its JSON (None when unreadable, ``error`` says why) and Zotero's tail."""

    __slots__ = ("vendor", "kind", "data", "error", "suffix")

    def __init__(self, vendor: str, kind: str, data: Optional[Dict[str, Any]], error: str = "", suffix: str = "") -> None:
        self.vendor = vendor
        self.kind = kind
        self.data = data
        self.error = error
        self.suffix = suffix


def parse_name(name: str) -> Optional[MarkName]:
    """The mark a name describes, or None for a writer's own cross-reference."""
    if name.startswith(OURS_CITATION):
        return _with_json("bibliofile", "citation", name[len(OURS_CITATION):], "")
    if name.startswith(OURS_BIBLIOGRAPHY):
        return _with_json("bibliofile", "bibliography", name[len(OURS_BIBLIOGRAPHY):], "")
    if name.startswith(ZOTERO_CITATION) or name.startswith(ZOTERO_BIBLIOGRAPHY):
        m = _RND.search(name)
        suffix = m.group(0) if m else ""
        body = name[: len(name) - len(suffix)]
        if body.startswith(ZOTERO_CITATION):
            return _with_json("zotero", "citation", body[len(ZOTERO_CITATION):], suffix)
        body = body[len(ZOTERO_BIBLIOGRAPHY):]
        if body.endswith(ZOTERO_BIBL_TAIL):
            body = body[: -len(ZOTERO_BIBL_TAIL)]
        return _with_json("zotero", "bibliography", body, suffix)
    return None


def _with_json(vendor: str, kind: str, text: str, suffix: str) -> MarkName:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return MarkName(vendor, kind, None, "its data is not valid JSON (%s)" % exc, suffix)
    except RecursionError:
        return MarkName(vendor, kind, None, "its data is nested too deeply to read", suffix)
    if not isinstance(data, dict):
        return MarkName(vendor, kind, None, "its data is not a JSON object", suffix)
    return MarkName(vendor, kind, data, "", suffix)


def make_name(info: MarkName, data: Dict[str, Any]) -> str:
    """The name for a mark of this vendor and kind holding ``data`` (Zotero's tail kept)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if info.vendor == "bibliofile":
        return (OURS_CITATION if info.kind == "citation" else OURS_BIBLIOGRAPHY) + body
    if info.kind == "citation":
        return ZOTERO_CITATION + body + info.suffix
    return ZOTERO_BIBLIOGRAPHY + body + ZOTERO_BIBL_TAIL + info.suffix


def new_citation(cites: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Our citation data for picked cite-items (each with ``id`` and ``itemData``)."""
    return {
        "version": MARK_VERSION,
        "citationID": secrets.token_hex(6),
        "citationItems": [dict(c) for c in cites],
        "properties": {"plainCitation": PLACEHOLDER, "noteIndex": 0},
    }


def bibliography_settings(style: str, locale: Optional[str]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"version": MARK_VERSION, "style": style}
    if locale:
        out["locale"] = locale
    return out


def settings_of(info: MarkName) -> Tuple[Optional[str], Optional[str]]:
    """(style, locale) a bibliography mark holds: ours directly, Zotero's under "bibliofile"."""
    data = info.data or {}
    ours = data if info.vendor == "bibliofile" else data.get("bibliofile")
    if isinstance(ours, dict) and isinstance(ours.get("style"), str) and ours["style"]:
        locale = ours.get("locale")
        return ours["style"], locale if isinstance(locale, str) and locale else None
    return None, None


def zotero_preferences(xml: str) -> Tuple[Optional[str], Optional[str]]:
    """(style, locale) from Zotero's document preferences (the XML it splits over the document
    properties ZOTERO_PREF_1, _2, …), its style URL given as the short id; (None, None) when
    unreadable, as the headless refresh does."""
    from xml.etree import ElementTree

    try:
        style = ElementTree.fromstring(xml).find("style")
    except (ElementTree.ParseError, ValueError):
        return None, None
    if style is None:
        return None, None
    sid = re.sub(r"^https?://www\.zotero\.org/styles/", "", style.get("id") or "") or None
    return sid, style.get("locale") or None


def with_settings(info: MarkName, style: str, locale: Optional[str]) -> Dict[str, Any]:
    """The bibliography's data with the document's style and language set."""
    data = dict(info.data or {})
    settings = bibliography_settings(style, locale)
    if info.vendor == "bibliofile":
        data.pop("locale", None)
        data.update(settings)
    else:
        data["bibliofile"] = settings  # Zotero reads only its own keys there
    return data


def note_numbers(notes: List[int]) -> List[int]:
    """noteIndex for each citation from the footnote it stands in (0: the body), numbered among
    the citations' own notes, as the headless refresh does for an in-text style."""
    out: List[int] = []
    counter = 0
    last = 0
    for note in notes:
        if note:
            if note != last:
                counter += 1
                last = note
            out.append(counter)
        else:
            out.append(0)
    return out


def render_request(citations: List[Dict[str, Any]], notes: List[int], style: str, locale: Optional[str]) -> Dict[str, Any]:
    """What both renderers are asked: CSL citation objects in document order (ids made unique
    for pasted copies), the style and the language."""
    seen: Dict[str, int] = {}
    out = []
    for n, (data, note) in enumerate(zip(citations, note_numbers(notes)), 1):
        cid = str(data.get("citationID") or "mark-%d" % n)
        if cid in seen:
            seen[cid] += 1
            cid = "%s-%d" % (cid, seen[cid])
        else:
            seen[cid] = 1
        items = [dict(c) for c in data.get("citationItems") or [] if isinstance(c, dict)]
        out.append({"citationID": cid, "citationItems": items, "properties": {"noteIndex": note}})
    request: Dict[str, Any] = {"citations": out, "style": style}
    if locale:
        request["locale"] = locale
    return request


def embedded_items(request: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The items the citations carry (``itemData``, its id the cite's), for the command line."""
    items: Dict[str, Dict[str, Any]] = {}
    for citation in request["citations"]:
        for cite in citation["citationItems"]:
            data = cite.get("itemData")
            cid = cite.get("id")
            if isinstance(data, dict) and cid not in (None, "") and str(cid) not in items:
                item = dict(data)
                item["id"] = str(cid)
                item.setdefault("type", "document")
                items[str(cid)] = item
    return list(items.values())


# ---- citeproc-js HTML as formatted runs --------------------------------------------------------
_TAGS = {"i": "italic", "em": "italic", "b": "bold", "strong": "bold", "sup": "sup", "sub": "sub"}
_CSS = (
    ("font-style:italic", "italic"),
    ("font-style:normal", "roman"),
    ("font-weight:bold", "bold"),
    ("font-weight:normal", "normal-weight"),
    ("font-variant:small-caps", "small-caps"),
    ("text-decoration:underline", "underline"),
    ("vertical-align:sup", "sup"),
    ("vertical-align:sub", "sub"),
)


class _Runs(HTMLParser):
    """citeproc-js HTML (a citation, or a whole bibliography) as runs; entries split at each
    ``csl-entry`` div. The left-margin label ("[1]") is joined to its entry by a space."""

    def __init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)
        self.stack: List[Tuple[str, ...]] = []
        self.entries: List[List[Run]] = []
        self.runs: List[Run] = []
        self.entry_depth = -1

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "div" and "csl-entry" in cls.split():
            self._end_entry()
            self.entry_depth = len(self.stack)
        names = [_TAGS[tag]] if tag in _TAGS else []
        css = "".join((a.get("style") or "").split()).lower()
        names.extend(f for rule, f in _CSS if rule in css)
        if tag == "div" and "csl-right-inline" in cls and _text(self.runs):
            self._add(" ")
        self.stack.append(tuple(names))

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()
        if self.entry_depth >= 0 and len(self.stack) == self.entry_depth:
            self._end_entry()

    def handle_data(self, data: str) -> None:
        self._add(data)  # white space between entries is dropped as an entry starts

    def _add(self, data: str) -> None:
        if not _text(self.runs):
            data = data.lstrip()
        if not data:
            return
        formats: List[str] = []
        for names in self.stack:
            for n in names:
                if n not in formats:
                    formats.append(n)
        self.runs.append((data, tuple(formats)))

    def _end_entry(self) -> None:
        if self.entry_depth >= 0:
            self.entries.append(_stripped(self.runs))
        self.runs = []
        self.entry_depth = -1


def _text(runs: List[Run]) -> str:
    return "".join(r[0] for r in runs)


def _stripped(runs: List[Run]) -> List[Run]:
    out = list(runs)
    while out and not out[-1][0].rstrip():
        out.pop()
    if out:
        out[-1] = (out[-1][0].rstrip(), out[-1][1])
    return [(t.replace("\n", " "), f) for t, f in out]


def html_runs(html: str) -> List[Run]:
    """One citation's (or one entry's) HTML as runs."""
    p = _Runs()
    p.feed(html)
    p.close()
    if p.entries:  # an entry as the engine gives it, in its csl-entry div
        return [r for entry in p.entries for r in entry]
    return _stripped(p.runs)


def bibliography_runs(html: str) -> List[List[Run]]:
    """A whole ``csl-bib-body`` as one list of runs per entry."""
    p = _Runs()
    p.feed(html)
    p.close()
    return p.entries


def plain(runs: List[Run]) -> str:
    return _text(runs)


def parse_cli_output(stdout: str, count: int) -> Tuple[List[str], str]:
    """``bibliofile cite --clusters --format html`` prints one citation per line, an empty
    line, then the bibliography's HTML: (citations' HTML, bibliography HTML)."""
    lines = stdout.split("\n")
    if len(lines) < count:
        raise ValueError("bibliofile printed %d lines for %d citations" % (len(lines), count))
    return lines[:count], "\n".join(lines[count + 1:])
