"""EndNote XML (File > Export > XML in EndNote, also Zotero and Mendeley exports): read.

Entity declarations and external entities are refused (defusedxml parses any file with a
DOCTYPE, the only place they can be declared), so a "billion laughs" file (nested entities
expanding to gigabytes) or one that pulls in local files stops at once with a plain message
instead of hanging the app or leaking a file. EndNote never writes entity declarations, so no
real export is refused.

Element text sits inside ``<style>`` runs; all runs are joined. ElementTree keeps no line
numbers, so each record's line is found by counting ``<record>`` tags in the text, in one pass
(counting from the start for each record made 20k records take 45 s).

A record nested far deeper than EndNote ever writes (a hostile or broken file) is still read and
reported by line: everything here walks the tree without recursion (ElementTree's own serialiser
recurses once per level and raised RecursionError at 1,000 levels, so ``_serialise_flat`` keeps
such a record's text instead).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.plain_names import parse_plain_name
from bibliofile.model.creators import CreatorRole
from bibliofile.model.dates import PartialDate, month_number
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["REFUSED_ENTITIES", "looks_like_endnote_xml", "read_endnote_xml"]

REFUSED_ENTITIES = (
    "declares XML entities, which EndNote never writes and which can expand to gigabytes "
    "(the 'billion laughs' attack) or read other files; nothing was imported from it"
)

TYPE_BY_NAME: dict[str, str] = {
    "journal article": "article-journal", "electronic article": "article-journal",
    "magazine article": "article-magazine", "newspaper article": "article-newspaper",
    "book": "book", "edited book": "book", "electronic book": "book", "serial": "book",
    "book section": "chapter", "electronic book section": "chapter",
    "conference paper": "paper-conference", "conference proceedings": "paper-conference",
    "thesis": "thesis", "report": "report", "government document": "report",
    "web page": "webpage", "blog": "post-weblog", "dataset": "dataset",
    "computer program": "software", "unpublished work": "manuscript", "manuscript": "manuscript",
    "patent": "patent", "statute": "legislation", "bill": "legislation", "case": "legal_case",
    "film or broadcast": "motion_picture", "audiovisual material": "motion_picture",
    "encyclopedia": "entry-encyclopedia", "dictionary": "entry-dictionary",
    "standard": "standard", "interview": "interview", "generic": "document",
}
TYPE_BY_NUMBER: dict[str, str] = {
    "17": "article-journal", "43": "article-journal", "19": "article-magazine",
    "23": "article-newspaper", "6": "book", "16": "book", "44": "book", "5": "chapter",
    "60": "chapter", "47": "paper-conference", "10": "paper-conference", "32": "thesis",
    "27": "report", "53": "report", "12": "webpage", "56": "post-weblog", "59": "dataset",
    "9": "software", "34": "manuscript", "36": "manuscript", "25": "patent", "31": "legislation",
    "4": "legislation", "7": "legal_case", "21": "motion_picture", "3": "motion_picture",
    "46": "entry-encyclopedia", "52": "entry-dictionary", "54": "standard", "13": "document",
}
ROLES: dict[str, CreatorRole] = {
    "authors": CreatorRole.AUTHOR, "secondary-authors": CreatorRole.EDITOR,
    "tertiary-authors": CreatorRole.SERIES_EDITOR, "subsidiary-authors": CreatorRole.TRANSLATOR,
    "translated-authors": CreatorRole.TRANSLATOR,
}
SIMPLE: dict[str, str] = {
    "pages": "pages", "volume": "volume", "edition": "edition", "language": "language",
    "publisher": "publisher", "pub-location": "publisher_place", "abstract": "abstract",
    "notes": "note", "research-notes": "annote", "work-type": "genre",
    "electronic-resource-num": "doi",
}
ARTICLES = frozenset({"article-journal", "article-magazine", "article-newspaper"})
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_RECORD_TAG = re.compile(r"<record[\s>]")
_ISSN = re.compile(r"^\s*\d{4}-?\d{3}[\dXx]\b")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DAY_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
# EndNote writes records about 5 levels deep (record/titles/title/style); far deeper is a
# broken or hostile file, read anyway and reported.
MAX_EXPECTED_DEPTH = 64


def looks_like_endnote_xml(text: str) -> bool:
    head = text[:4000].lstrip("\ufeff \t\r\n")
    return head.startswith("<") and "<record" in text[:20000] and (
        "<records" in text[:20000] or "<ref-type" in text[:20000]
    )


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split()) if el.tag not in ("abstract", "notes", "research-notes") else "".join(el.itertext()).strip()


def read_endnote_xml(text: str, file: str = "<text>") -> ReadResult:
    result = ReadResult()
    try:
        # The text is already decoded; a declared encoding would make the parser decode again.
        body = _DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
        root = _parse(body)
    except DefusedXmlException:
        result.problems.append(Problem(file, 1, REFUSED_ENTITIES, True))
        return result
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        result.problems.append(Problem(file, line, f"not well-formed XML ({exc}); nothing imported", True))
        return result
    lines = _record_lines(text)
    for n, rec in enumerate(root.iter("record")):
        line = lines[n] if n < len(lines) else 1
        ref, notes = _record(rec)
        # A record of few elements cannot be deep; only a large one is walked to measure it.
        depth = _depth(rec) if sum(1 for _ in rec.iter()) > MAX_EXPECTED_DEPTH else 0
        if depth > MAX_EXPECTED_DEPTH:
            notes.append(
                f"record nested {depth} levels deep (EndNote writes about 5); its text was read, "
                "but check it: this is not an EndNote export as written"
            )
            kept = _serialise_flat(rec)
        else:
            kept = ET.tostring(rec, encoding="unicode")  # recurses once per level: fine here
        ref.source = SourceRecord(
            format="endnote-xml",
            text=kept,
            entry_type=_text(rec.find("ref-type")) or "",
            file=file,
            line=line,
        )
        result.items.append(ref)
        result.problems.extend(Problem(file, line, m) for m in notes)
    result.entries_in_file = len(result.items)
    if not result.items:
        result.problems.append(Problem(file, 1, "no <record> elements; nothing imported", True))
    return result


def _parse(body: str) -> ET.Element:
    """The document's tree. Entities can only be declared in a DOCTYPE: without one, the
    standard (C) parser is as safe as defusedxml's and five times faster; with one, defusedxml
    refuses entity declarations and external references."""
    data = body.encode("utf-8")
    if "<!DOCTYPE" in body:
        root: ET.Element = fromstring(data)
        return root
    return ET.fromstring(data)


def _record_lines(text: str) -> list[int]:
    """The line of each ``<record`` tag, counting newlines only since the previous one."""
    lines: list[int] = []
    line, last = 1, 0
    for m in _RECORD_TAG.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        lines.append(line)
    return lines


def _depth(el: ET.Element) -> int:
    """How many levels deep the element's tree goes, walked without recursion."""
    deepest = 0
    stack = [(el, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def _attribute(value: str) -> str:
    return escape(value, {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})


def _serialise_flat(el: ET.Element) -> str:
    """The element as ``ET.tostring`` writes it (same escapes, ``<empty />``, the tail), but
    with a stack instead of recursion, so no depth of nesting can overflow it."""
    out: list[str] = []
    stack: list[tuple[ET.Element, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        if not closing:
            attrs = "".join(f' {k}="{_attribute(v)}"' for k, v in node.attrib.items())
            if node.text or len(node):
                out.append(f"<{node.tag}{attrs}>")
                if node.text:
                    out.append(escape(node.text))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                continue
            out.append(f"<{node.tag}{attrs} />")
        else:
            out.append(f"</{node.tag}>")
        if node.tail:
            out.append(escape(node.tail))
    return "".join(out)


def _record(rec: ET.Element) -> tuple[Reference, list[str]]:
    notes: list[str] = []
    rt = rec.find("ref-type")
    name = (rt.get("name", "") if rt is not None else "").strip().lower()
    number = _text(rt)
    item_type = TYPE_BY_NAME.get(name) or TYPE_BY_NUMBER.get(number)
    if item_type is None:
        item_type = "document"
        if name or number:
            notes.append(f"EndNote reference type {name or number!r} has no match here; read as a document")
    ref = Reference(item_type=item_type)
    f = ref.fields
    contributors = rec.find("contributors")
    if contributors is not None:
        for group in contributors:
            role = ROLES.get(group.tag)
            for person in group:
                c = parse_plain_name(_text(person), role or CreatorRole.CONTRIBUTOR)
                if c is not None:
                    ref.creators.append(c)
    titles = rec.find("titles")
    if titles is not None:
        for tag, key in (("title", "title"), ("secondary-title", "container_title"),
                         ("tertiary-title", "collection_title"), ("short-title", "short_title")):
            value = _text(titles.find(tag))
            if value:
                f[key] = value
        alt = _text(titles.find("alt-title"))
        if alt:
            ref.extra["endnote:alt-title"] = alt
    if "container_title" not in f:
        full = _text(rec.find("periodical/full-title"))
        if full:
            f["container_title"] = full
    for tag, key in SIMPLE.items():
        value = _text(rec.find(tag))
        if value:
            f[key] = value
    if "doi" in f:
        m = _DOI.search(f["doi"])
        if m:
            f["doi"] = m.group(0)
        else:
            ref.extra["endnote:electronic-resource-num"] = f.pop("doi")
    num = _text(rec.find("number"))
    if num:
        f["issue" if item_type in ARTICLES else "number"] = num
    isbn = _text(rec.find("isbn"))
    if isbn:
        f["issn" if _ISSN.match(isbn) else "isbn"] = isbn
    url = _text(rec.find("urls/related-urls/url")) or _text(rec.find("urls/web-urls/url"))
    if url:
        f["url"] = url
    words = [_text(k) for k in rec.iterfind("keywords/keyword")]
    if words:
        split = [w.strip() for k in words for w in re.split(r"[;\n]", k) if w.strip()]
        f["keywords"] = LIST_SEPARATOR.join(dict.fromkeys(split))
    date = _date(_text(rec.find("dates/year")), _text(rec.find("dates/pub-dates/date")))
    if date:
        f["date"] = date
    for tag in ("accession-num", "label", "section", "call-num", "remote-database-name",
                "remote-database-provider", "num-vols", "custom1", "custom2", "custom3",
                "custom4", "custom5", "custom6", "custom7", "orig-pub", "reprint-edition"):
        value = _text(rec.find(tag))
        if value:
            ref.extra[f"endnote:{tag}"] = value
    return ref, notes


def _date(year: str, pub_date: str) -> str:
    y = year.strip()
    if not y:
        return ""
    d = PartialDate.parse(pub_date) if pub_date else PartialDate()
    if not d.literal and d.year is not None and str(d.year) == y[:4]:
        return d.iso()
    if not re.fullmatch(r"\d{4}", y):
        return PartialDate.parse(y).iso()
    m = _DAY_DATE.search(pub_date)
    if m and m.group(3) == y:
        mo, day = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12 and 1 <= day <= 31:
            return PartialDate(int(y), mo, day).iso()
    words = pub_date.replace(",", " ").split()
    month = next((month_number(w) for w in words if month_number(w) and not w.isdigit()), None)
    day_word = next((int(w) for w in words if w.isdigit() and 1 <= int(w) <= 31), None)
    if month:
        return PartialDate(int(y), month, day_word).iso()
    return PartialDate(int(y)).iso()
