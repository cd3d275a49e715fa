"""MEDLINE / PubMed ``.nbib`` (PubMed's "Send to > Citation manager"): read.

Tags are up to four letters padded to four, then ``- ``; values continue on lines indented by
six spaces; records are separated by blank lines and begin with ``PMID-``. Full author names
(FAU, "Knox, Colin J") are preferred to the short ones (AU, "Knox CJ"); pages are written
abbreviated ("477-96") and expanded here ("477–496").
"""

from __future__ import annotations

import re

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.plain_names import parse_plain_name
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate, month_number
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["expand_pages", "looks_like_medline", "read_medline"]

TAG_RE = re.compile(r"([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_ID_KIND = re.compile(r"^(.*?)\s*\[(\w+)\]\s*$")
_PAGES = re.compile(r"^(\D*)(\d+)\s*-\s*(\D*)(\d+)$")
_ISSN_ANY = re.compile(r"(\d{4}-\d{3}[\dXx])")
_TYPES = (
    ("journal article", "article-journal"), ("review", "article-journal"),
    ("book", "book"), ("congress", "paper-conference"), ("dataset", "dataset"),
    ("preprint", "article-journal"), ("newspaper", "article-newspaper"),
)
SIMPLE: dict[str, str] = {
    "TI": "title", "AB": "abstract", "VI": "volume", "IP": "issue", "JT": "container_title",
    "PB": "publisher", "PL": "publisher_place", "PMC": "pmcid", "BTI": "container_title",
    "CTI": "collection_title", "EN": "edition", "ISBN": "isbn", "LA": "language",
    "PMID": "pmid",
}
_LANGS = {"eng": "English", "fre": "French", "ger": "German", "spa": "Spanish", "ita": "Italian",
          "rus": "Russian", "jpn": "Japanese", "chi": "Chinese", "por": "Portuguese", "dut": "Dutch"}


_MEDLINE_TAGS = re.compile(r"^(?:PMID|OWN|STAT|FAU|DP|PT|JT|TA|LID|AID|PST|SO)\s*- ", re.M)


def looks_like_medline(text: str) -> bool:
    """MEDLINE tags (PMID, OWN, FAU, DP, ...) and no RIS ``TY`` line: ERIC exports have no PMID."""
    head = text[:20000]
    if re.search(r"^TY\s{1,3}- ", head, re.M):
        return False
    return len(_MEDLINE_TAGS.findall(head)) >= 2 and re.search(r"^(?:TI|FAU|AU)\s*- ", head, re.M) is not None


def expand_pages(pages: str) -> str:
    """"477-96" -> "477–496"; "e123" and full ranges stay."""
    m = _PAGES.match(pages.strip())
    if not m:
        return pages.strip()
    p1, a, p2, b = m.groups()
    if len(b) < len(a) and not p2:
        b = a[: len(a) - len(b)] + b
    return f"{p1}{a}–{p2 or p1}{b}" if p2 or p1 else f"{a}–{b}"


def read_medline(text: str, file: str = "<text>") -> ReadResult:
    result = ReadResult()
    lines = text.split("\n")
    tags: list[list[str]] = []
    start = -1
    for index, raw in enumerate([*lines, ""]):
        line = raw.rstrip().lstrip("\ufeff") if index == 0 else raw.rstrip()
        if not line.strip():
            if tags:
                _finish(tags, lines, start, index - 1, file, result)
                tags = []
            continue
        if raw.startswith("      ") and tags:
            tags[-1][1] += " " + line.strip()
            continue
        m = TAG_RE.match(line)
        if m is None:
            result.problems.append(Problem(file, index + 1, "not a MEDLINE tag line; ignored", True))
            continue
        if not tags:
            start = index
        tags.append([m.group(1), m.group(2).strip()])
    result.entries_in_file = len(result.items)
    return result


def _finish(tags: list[list[str]], lines: list[str], start: int, end: int, file: str, result: ReadResult) -> None:
    ref = Reference(item_type="article-journal")
    f = ref.fields
    fau: list[Creator] = []
    au: list[Creator] = []
    fed: list[Creator] = []
    keywords: list[str] = []
    types: list[str] = []
    for tag, value in tags:
        if not value:
            continue
        key = SIMPLE.get(tag)
        if key is not None:
            if key == "language":
                value = _LANGS.get(value.lower(), value)
            if key not in f:
                f[key] = value
            continue
        if tag == "FAU":
            c = parse_plain_name(value)
            if c is not None:
                fau.append(c)
        elif tag == "AU":
            au.append(_short_name(value))
        elif tag == "CN":
            fau.append(Creator.institution(value))
            au.append(Creator.institution(value))
        elif tag in ("FED", "ED"):
            c = parse_plain_name(value, CreatorRole.EDITOR) if tag == "FED" else _short_name(value, CreatorRole.EDITOR)
            if c is not None and (tag == "FED" or not fed):
                fed.append(c)
        elif tag == "DP":
            f.setdefault("date", _date(value))
        elif tag == "PG":
            f.setdefault("pages", expand_pages(value))
        elif tag in ("AID", "LID"):
            m = _ID_KIND.match(value)
            if m and m.group(2) == "doi":
                f.setdefault("doi", m.group(1))
            elif m and m.group(2) == "pii" and tag == "LID":
                # An electronic locator ("e1042", "1042"): the article number of online journals.
                f.setdefault("article_number", m.group(1))
        elif tag in ("IS", "ISSN"):  # "1476-5616 (Linking)"; ERIC: "EISSN-2375-5636"
            m = _ISSN_ANY.search(value)
            if m:
                f.setdefault("issn", m.group(1))
        elif tag in ("OT", "MH"):
            keywords.append(value.lstrip("*"))
        elif tag == "PT":
            types.append(value.lower())
        elif tag == "TA":
            ref.extra.setdefault("medline:TA", value)
    ref.creators = (fau or au) + fed
    if keywords:
        f["keywords"] = LIST_SEPARATOR.join(dict.fromkeys(keywords))
    for word, t in _TYPES:
        if any(word in p for p in types):
            ref.item_type = t
            break
    if ref.item_type == "book" and "container_title" in f and "title" in f:
        ref.item_type = "chapter"
    if "container_title" not in f and "medline:TA" in ref.extra:
        f["container_title"] = ref.extra.pop("medline:TA")
    ref.source = SourceRecord(
        format="medline", text="\n".join(lines[start : end + 1]), entry_type=types[0] if types else "",
        file=file, line=start + 1,
    )
    if "title" not in f:
        result.problems.append(Problem(file, start + 1, "record has no TI (title) line"))
    result.items.append(ref)


def _short_name(value: str, role: CreatorRole = CreatorRole.AUTHOR) -> Creator:
    """"Knox CJ" -> family Knox, given "C. J."."""
    if "," in value:  # ERIC writes AU the FAU way: "van Groen, Maaike M."
        return parse_plain_name(value, role) or Creator.institution(value, role)
    parts = value.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isupper() and len(parts[1]) <= 4:
        return Creator(role=role, family=parts[0], given=" ".join(f"{ch}." for ch in parts[1]))
    return Creator.institution(value, role)


def _date(value: str) -> str:
    """"2008 Mar 14", "2008 Mar-Apr", "2008 Spring", "2008" -> our date."""
    words = value.split()
    if words and not re.fullmatch(r"\d{4}", words[0]):
        year_at = next((i for i, w in enumerate(words) if re.fullmatch(r"\d{4}", w)), None)
        if year_at is None:
            return PartialDate.parse(value).iso()
        words = words[year_at:]  # ERIC: "Article 10 2019"
    if not words:
        return ""
    year = int(words[0])
    month = month_number(words[1].split("-")[0]) if len(words) > 1 else None
    day = int(words[2]) if len(words) > 2 and words[2].isdigit() and month else None
    return PartialDate(year, month, day if day and 1 <= day <= 31 else None).iso()
