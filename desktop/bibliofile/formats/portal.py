"""Research-portal pages (Elsevier Pure and look-alikes) as a person copies them: one reference.

Two shapes arrive: the plain text a browser gives for select-all + copy, where a label and its
value run together ("Original languageEnglish", "Contribution to journalArticlepeer-review",
bullets as "•"), and Markdown captures of the same page (headings, ``| label | value |`` tables,
``- `` bullets, ``[text](url)`` links). Both are first flattened to lines of plain text with the
Markdown syntax taken off; then the page is read section by section:

* title (first line or ``#`` heading), authors (the lines before "Research output", when the page
  shows them), research-output type and peer review, citation count and its source;
* the abstract (the prose before the metadata table), the metadata table (language, pages,
  number of pages, article number, journal, volume, issue, publication status and its date,
  externally published, DOIs, publisher, ISBN/ISSN), keywords and subject areas (ASJC);
* the "Publication series" and "Conference" tables of conference papers, the bibliographical note;
* the "Cite this" block: its BibTeX and RIS fill what the page text lacks (authors, keywords,
  pages) and are cross-checked against it; a disagreement is reported and the page text wins,
  except where Pure is known to shorten (RIS ``T1`` stops at the first colon).

Then what several places say is settled (issue 15): a DOI is kept only when it is one
(``10.NNNN/…``; text a plain copy runs into it, "…3707286Licence:", is taken off) and a valid
Cite-this DOI beats one that is not; the abstract loses the capture's placeholders ("[TABLE]");
the series table's volume is the series' number (``csl:collection-number``, only when a number),
not the book's volume; the URL is the portal page itself, and Scopus/Web of Science links stay
beside it (``portal:links``); the Cite-this notes add what the page's note lacks (a funding
note); the date is the page's own, made exact by a Cite-this or library-link date that agrees.

The page is one reference; what it lacks (the seed page shows no authors, volume or DOI) is
reported as a problem and left for the integrity checks, never invented; only a page with no
author list takes its first author from the library link's OpenURL, and says so.

Hostile pages (issue 14): every pattern here is linear in the text it reads, and the lines are
kept compactly, so a 5 MB page reads in seconds (bench/bench_hostile_portal.py).
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from bibliofile.formats.bibtex_reader import ReadResult, gc_paused, read_bibtex
from bibliofile.formats.plain_names import split_particle
from bibliofile.formats.ris import read_ris
from bibliofile.model.creators import Creator
from bibliofile.model.dates import PartialDate, month_number
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["OUTPUT_CATEGORIES", "looks_like_portal", "read_portal"]

OUTPUT_CATEGORIES = (
    "Chapter in Book/Report/Conference proceeding",
    "Contribution to specialist publication",
    "Contribution to conference",
    "Contribution to journal",
    "Contribution to book/anthology",
    "Other contribution",
    "Non-textual form",
    "Working paper",
    "Book/Report",
    "Book/Film/Article review",
    "Thesis",
    "Patent",
    "Dataset",
    "Software",
)
# research-output subtype (lower case) -> our item type; the category decides when absent.
SUBTYPES: dict[str, str] = {
    "article": "article-journal", "review article": "article-journal",
    "conference article": "paper-conference", "letter": "article-journal",
    "editorial": "article-journal", "comment/debate": "article-journal",
    "short survey": "article-journal", "special issue": "periodical",
    "book review": "review", "conference contribution": "paper-conference",
    "chapter": "chapter", "entry for encyclopedia/dictionary": "entry-encyclopedia",
    "foreword/postscript": "chapter", "book": "book", "anthology": "book",
    "report": "report", "commissioned report": "report", "paper": "paper-conference",
    "poster": "speech", "abstract": "paper-conference", "doctoral thesis": "thesis",
    "master's thesis": "thesis", "working paper": "report", "discussion paper": "report",
}
CATEGORY_TYPES: dict[str, str] = {
    "contribution to journal": "article-journal", "contribution to conference": "paper-conference",
    "chapter in book/report/conference proceeding": "chapter", "book/report": "book",
    "thesis": "thesis", "working paper": "report", "patent": "patent", "dataset": "dataset",
    "software": "software", "contribution to specialist publication": "article-magazine",
}
# Metadata table labels, longest first so "Pages (from-to)" wins over "Pages".
LABELS: tuple[str, ...] = tuple(
    sorted(
        (
            "Original language", "Pages (from-to)", "Number of pages", "Article number",
            "Journal", "Volume", "Issue number", "Publication status", "State",
            "Externally published", "DOIs", "Publisher", "Place of Publication", "ISBN (Print)",
            "ISBN (Electronic)", "ISSN", "Edition", "Conference", "Country/Territory", "City",
            "Period", "Name", "Acronym", "Host publication title", "Title of host publication",
            "Early online date", "Accepted/In press date", "Qualification",
            "Awarding Institution", "Supervisors/Advisors", "Award date", "Place of publication",
            "Editors", "Series", "Number", "Pages", "Publication date", "Event", "Abbreviated title",
        ),
        key=len,
        reverse=True,
    )
)
# The labels by first letter: a page of 100k lines tries a handful of them per line, not all.
_LABELS_BY_FIRST: dict[str, tuple[str, ...]] = {
    c: tuple(x for x in LABELS if x[0] == c) for c in {x[0] for x in LABELS}
}
SIMPLE_LABELS: dict[str, str] = {
    "original language": "language", "number of pages": "number_of_pages",
    "article number": "article_number", "journal": "container_title", "volume": "volume",
    "issue number": "issue", "publisher": "publisher", "place of publication": "publisher_place",
    "isbn (print)": "isbn", "issn": "issn", "edition": "edition",
    "host publication title": "container_title", "title of host publication": "container_title",
    "awarding institution": "publisher", "qualification": "genre", "number": "number",
}
SECTION_WORDS = (
    "abstract", "keywords", "subject areas", "asjc", "publication series", "conference",
    "bibliographical note", "access to document", "other files and links", "fingerprint",
    "cite this", "research output", "overview", "links", "projects", "activities", "prizes",
    "press/media", "dive into the research", "related", "publications",
)
ORG_WORDS = re.compile(
    r"\b(?:Department|School|Faculty|University|Institute|Centre|Center|College|Laboratory|"
    r"Division|Unit|Graduate|Programme|Program)\b"
)
# Every pattern below is linear in the length of the text it reads (issue 14: a page full of "[",
# "<!--", "<sup>" or " *a" took minutes): a repeated part never crosses the character that could
# start the next attempt ("[^\[\]]" inside a link text, "[^*]" inside emphasis), there is no lazy
# group followed by optional whitespace, and comments, headings and status values are read with
# str.find/str.strip instead of patterns.
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\(((?:[^()]|\([^()]*\))*)\)")
_TAGS = re.compile(r" ?<(su[bp])>[^<]*</\1>|<[^<>]+>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_EMPH = re.compile(r"\*\*([^*]+?)\*\*|__([^_]+?)__|(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])")
_CITED = re.compile(r"^(\d[\d,. ]*?)\s*(?:Link opens in a new tab\s*)?Citations?\s*(?:\(([^)]+)\))?\s*$", re.I)
_CITED_MAX = 120  # a citation-count line is short; longer lines are not tried
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>\]]+")
_VALID_DOI = re.compile(r"10\.\d{4,9}/\S*[^\s.,;:)\]]")
# Text a plain-text copy runs into a DOI: "10.1145/3669940.3707286Licence:" (the next item on the
# page, "Licence: CC BY"), a capitalised word glued after the DOI's last digit or letter.
_GLUED_LABEL = re.compile(r"(?<=[0-9a-z)])[A-Z][a-z]{2,}(?:'s)?:?$")
_SPACES = re.compile(r"\s{2,}|[^\S ]")  # only what is not already one plain space
_BULLET_CHARS = frozenset("•·▪◦‣-*+")
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣\-*+])\s+(.*)$")
_STATUS_DASH = re.compile(r"\s[-–—](?=\s|$)")
# A page's placeholder for what the capture could not render: "[TABLE]", "[IMAGE]", "[FIGURE 2]".
_PLACEHOLDER = re.compile(r"\[(?:TABLE|IMAGE|FIGURE|EQUATION|MATH|FORMULA|CHART|GRAPHIC|MEDIA|VIDEO)(?: \d+)?\]")
# Links that count citations or index the work elsewhere: never the reference's own URL.
_INDEX_HOSTS = ("scopus.com", "webofscience.com", "webofknowledge.com", "isiknowledge.com", "clarivate.com")
# The path of a portal's own page for one research output: /en/publications/<slug>/ (Pure), also
# under /portal/ and as <slug>.html in older Pure sites.
_PORTAL_PAGE = re.compile(r"^(?:/[\w-]+)*/publications/[^/?#]+/?$")


def looks_like_portal(text: str) -> bool:
    """A Pure page: "Research output:" or its metadata labels together with "Cite this"."""
    head = text[:200000]
    if "Research output:" in head:
        return True
    hits = sum(1 for w in ("Original language", "Publication status", "Pages (from-to)", "Cite this", "Externally published") if w in head)
    return hits >= 2


@dataclass(slots=True)
class _Line:
    text: str
    number: int
    bullet: bool = False
    heading: bool = False
    link_only: bool = False
    row: tuple[str, str] | None = None
    urls: tuple[str, ...] = ()


_BULLET_BIT, _HEADING_BIT, _LINK_ONLY_BIT = 1, 2, 4


class _Page:
    """The page's lines, stored compactly: a text, a number and a byte of flags per line (rows
    and links apart, by index), so a hostile page of millions of short lines costs tens of bytes
    a line, not an object each; ``page[i]`` makes the line's ``_Line`` when it is looked at."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.numbers = array("l")
        self.flags = bytearray()
        self.rows: dict[int, tuple[str, str]] = {}
        self.line_urls: dict[int, tuple[str, ...]] = {}
        self.urls: list[str] = []
        self._same: dict[str, str] = {}

    def add(self, text: str, number: int, bits: int = 0, row: tuple[str, str] | None = None, urls: tuple[str, ...] = ()) -> None:
        i = len(self.texts)
        if len(text) <= 16 and (text in self._same or len(self._same) < 4096):
            text = self._same.setdefault(text, text)  # one object for a short text said again and again
        self.texts.append(text)
        self.numbers.append(number)
        self.flags.append(bits)
        if row is not None:
            self.rows[i] = row
        if urls:
            self.line_urls[i] = urls

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> _Line:
        bits = self.flags[i]
        return _Line(
            self.texts[i], self.numbers[i], bool(bits & _BULLET_BIT), bool(bits & _HEADING_BIT),
            bool(bits & _LINK_ONLY_BIT), self.rows.get(i), self.line_urls.get(i, ()),
        )


def _without_comments(text: str) -> str:
    """HTML comments taken out, their line breaks kept so line numbers stay right; an unclosed
    ``<!--`` is kept as text. One pass with str.find: a regex rescanned the rest of the page
    from every "<!--" that had no end."""
    if "<!--" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        end = text.find("-->", start + 4) if start >= 0 else -1
        if end < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        out.append("\n" * text.count("\n", start, end))
        pos = end + 3


def _heading_text(line: str) -> str | None:
    """The text of a Markdown heading ("## Abstract ##" -> "Abstract"); None for other lines."""
    s = line.lstrip()
    if not s.startswith("#"):
        return None
    return s.lstrip("#").strip().rstrip("#").strip()


def _flatten(text: str) -> _Page:
    """Lines of plain text with Markdown taken off, remembering bullets, headings and rows.

    A run of blank lines is kept as one blank line: only "a blank came before" matters below,
    and a page of nothing but line breaks must not cost an object per line."""
    page = _Page()
    text = _without_comments(text.replace("\r\n", "\n").replace("\r", "\n"))
    blank = False
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        if "\u00a0" in line:
            line = line.replace("\u00a0", " ").rstrip()
        if not line or line.isspace():
            if not blank:
                page.add("", n)
            blank = True
            continue
        blank = False
        heading = _heading_text(line) if "#" in line else None
        is_heading = heading is not None
        if heading is not None:
            line = heading
        bullet = _BULLET.match(line) if line.lstrip()[:1] in _BULLET_CHARS else None
        if bullet and not line.lstrip().startswith("---"):
            line = bullet.group(1)
        links: tuple[str, ...] = ()
        link_only = False
        if "[" in line:
            stripped = _MD_LINK.sub("", line).strip(" -|")
            links = tuple(m.group(2).strip() for m in _MD_LINK.finditer(line))
            link_only = bool(links) and not stripped
            page.urls.extend(links)
            line = _MD_LINK.sub(lambda m: m.group(1), line)
        if "<" in line:
            line = _TAGS.sub("", line)
        if "\\" in line:
            line = _ESCAPE.sub(r"\1", line)
        if "*" in line or "__" in line:
            line = _EMPH.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", line)
        if "&" in line:
            line = html.unescape(line)
        row = None
        if line.lstrip().startswith("|"):
            cells = [_one_spaced(c) for c in line.strip().strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the |---|---| rule
            if len(cells) >= 2:
                row = (cells[0], " | ".join(c for c in cells[1:]).strip())
            line = " ".join(c for c in cells if c)
        bits = (_BULLET_BIT if bullet is not None else 0) | (_HEADING_BIT if is_heading else 0) | (_LINK_ONLY_BIT if link_only else 0)
        page.add(_one_spaced(line), n, bits, row, links)
    return page


def _one_spaced(text: str) -> str:
    """Runs of white space as one space, ends trimmed; a long line without a list of its words."""
    if len(text) < 4096:
        return " ".join(text.split())
    return _SPACES.sub(" ", text).strip()


def _label_value(line: _Line) -> tuple[str, str] | None:
    if line.row is not None:
        label, value = line.row
        return (label, value) if label else None
    t = line.text
    if len(t) > 300 or line.bullet or line.heading:
        return None
    for label in _LABELS_BY_FIRST.get(t[:1], ()):
        if t.startswith(label):
            rest = t[len(label):]
            if not rest or rest[0] in ":\t |" or rest[0].isupper() or rest[0].isdigit() or label.endswith(")") or rest[0] in "([":
                value = rest.strip(" :\t|")
                if label in ("Journal", "Volume", "Name", "Number", "Series", "Pages", "Event", "City", "Period", "State", "Conference") and not value:
                    return None
                return label, value
    return None


_SECTION_NAMES = frozenset({
    "abstract", "keywords", "fingerprint", "bibliographical note", "publication series",
    "conference", "access to document", "other files and links",
})


def _section_of(text: str, heading: bool) -> str | None:
    if not text or len(text) > 80:
        return None
    t = text.lower()
    if heading:
        return t
    if t.startswith("cite this"):
        return "cite this"
    if t in _SECTION_NAMES or "subject areas" in t or t.startswith("fingerprint"):
        return t
    return None


def _person(name: str) -> Creator | None:
    n = " ".join(name.replace("*", "").split()).strip(" ,;")
    if not n or ORG_WORDS.search(n):
        return None
    if "," in n:
        family, _, given = n.partition(",")
        particle, fam = split_particle(family.strip())
        return Creator(family=fam, given=given.strip(), particle=particle)
    words = n.split(" ")
    if len(words) == 1:
        return Creator(family=words[0])
    i = len(words) - 1
    while i > 1 and words[i - 1][:1].islower():
        i -= 1
    return Creator(given=" ".join(words[:i]), particle=" ".join(words[i:-1]), family=words[-1]) if i < len(words) - 1 else Creator(given=" ".join(words[:-1]), family=words[-1])


def _output_type(text: str) -> tuple[str, str, bool]:
    """("Contribution to journal › Article", item type, peer-reviewed) from the line's text."""
    t = text.split(":", 1)[1].strip() if ":" in text else text.strip()
    parts = [p.strip() for p in re.split(r"\s*[›>»]\s*", t) if p.strip()]
    if len(parts) == 1:  # plain-text copy: "Contribution to journalArticlepeer-review"
        rest = parts[0]
        parts = []
        for cat in OUTPUT_CATEGORIES:
            if rest.startswith(cat):
                parts.append(cat)
                rest = rest[len(cat):]
                break
        peer = rest.endswith("peer-review")
        if peer:
            rest = rest[: -len("peer-review")]
        if rest.strip():
            parts.append(rest.strip())
        if peer:
            parts.append("peer-review")
    peer = bool(parts) and parts[-1].lower() == "peer-review"
    if peer:
        parts = parts[:-1]
    kind = ""
    if len(parts) > 1:
        kind = SUBTYPES.get(parts[-1].lower(), "")
    if not kind and parts:
        kind = CATEGORY_TYPES.get(parts[0].lower(), "")
    return " › ".join(parts), kind, peer


def _status(value: str) -> tuple[str, str]:
    """("Published", "2008-03-14") from "Published - 14 Mar 2008"; the dash is the one with
    spaces around it, so "E-pub ahead of print - 2025" keeps its own hyphen."""
    v = value.strip()
    m = _STATUS_DASH.search(v)
    if m is None:
        if v[-1:] in ("-", "–", "—") and len(v) > 1:
            return v[:-1].strip(), ""
        return v, ""
    status, when = v[: m.start()].strip(), v[m.end() :].strip()
    return status, _page_date(when) if when else ""


def _page_date(text: str) -> str:
    """"2008", "Mar 2008", "14 Mar 2008", "2008-03-14" -> our date text."""
    t = text.strip().rstrip(".")
    d = PartialDate.parse(t)
    if not d.literal:
        return d.iso()
    words = t.replace(",", " ").split()
    year = next((int(w) for w in words if re.fullmatch(r"\d{4}", w)), None)
    if year is None:
        return t
    month = next((month_number(w) for w in words if not w.isdigit() and month_number(w)), None)
    day = next((int(w) for w in words if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), None)
    return PartialDate(year, month, day if month else None).iso()


def _dash_pages(value: str) -> str:
    return re.sub(r"\s*(?:--?|–|—)\s*", "–", value.strip())


def read_portal(text: str, file: str = "<text>", today: str = "") -> ReadResult:
    """The page as one Reference; ``today`` (ISO date), when given, dates the citation count.

    The cycle collector is paused while a page is read: a hostile page of a million short lines
    makes as many line objects, which it would otherwise rescan again and again (40 % of the time)."""
    with gc_paused():
        return _read_portal(text, file, today)


def _read_portal(text: str, file: str, today: str) -> ReadResult:
    result = ReadResult()
    page = _flatten(text.lstrip("\ufeff"))
    lines = page
    ref = Reference(item_type="document")
    f = ref.fields
    problems = result.problems

    def note(line: int, message: str) -> None:
        problems.append(Problem(file, line, message))

    # Where the "Cite this" block begins: nothing after it is page metadata.
    texts, flags = page.texts, page.flags
    sections = {
        i: sec for i in range(len(lines))
        if 0 < len(texts[i]) <= 80 and (sec := _section_of(texts[i], bool(flags[i] & _HEADING_BIT))) is not None
    }
    cite_at = next((i for i, sec in sections.items() if sec == "cite this"), len(lines))
    ro_at = next((i for i in range(cite_at) if page.texts[i].startswith("Research output:")), -1)

    # Title: the first heading, else the first line of text before "Research output".
    title_at = -1
    for i in range(ro_at if ro_at >= 0 else cite_at):
        ln = lines[i]
        usable = ln.text and not ln.link_only and _label_value(ln) is None
        if usable and (ln.heading or title_at < 0):
            title_at = i
            if ln.heading:
                break
    if title_at >= 0:
        f["title"] = lines[title_at].text
    # Authors: the lines between the title and "Research output" (organisations left out).
    if title_at >= 0 and ro_at > title_at:
        chunk = " ".join(
            page.texts[i] for i in range(title_at + 1, ro_at) if page.texts[i] and not page.flags[i] & (_BULLET_BIT | _LINK_ONLY_BIT)
        )
        names = [p for p in re.split(r"\s*(?:,|;|\band\b|&)\s*", chunk) if p.strip()]
        for name in names:
            c = _person(name)
            if c is not None:
                ref.creators.append(c)
    if ro_at >= 0:
        output, kind, peer = _output_type(lines[ro_at].text)
        if output:
            f["research_output_type"] = output
        if peer:
            f["peer_reviewed"] = "Yes"
        if kind:
            ref.item_type = kind

    section = ""
    abstract: list[str] = []
    bullets: dict[str, list[list[str]]] = {}
    table_seen = False
    last_blank = True
    dois: list[str] = []
    bib_note: list[str] = []
    links: list[str] = []
    for i in range(cite_at):
        if i in (title_at, ro_at):
            continue
        sec = sections.get(i)
        if sec is not None:
            section = sec
            last_blank = True
            continue
        t = texts[i]
        if not t or (t[0] == "[" and _PLACEHOLDER.fullmatch(t)):
            last_blank = True  # "[TABLE]": where the capture left out a table, not text
            continue
        if len(t) <= 60 and not flags[i] and not section and i not in page.rows and t[0] not in _LABELS_BY_FIRST and not t[0].isdigit():
            # A short line of plain text outside any section that no branch below takes (no
            # label, count, bullet, abstract or note): most lines of a hostile page of lines.
            last_blank = False
            continue
        ln = lines[i]
        m = _CITED.match(ln.text) if ln.text[0].isdigit() and len(ln.text) <= _CITED_MAX else None
        if m and "citation_count" not in f:
            f["citation_count"] = re.sub(r"[^\d]", "", m.group(1))
            if m.group(2):
                f["citation_count_source"] = m.group(2).strip()
            if today:
                f["citation_count_date"] = today
            continue
        if section == "other files and links":
            links.extend(u for u in ln.urls if u.startswith(("http://", "https://")))
            continue
        if section.startswith("fingerprint") or section == "overview":
            continue
        if section == "access to document":
            dois.extend(_DOI.findall(ln.text))
            links.extend(u for u in ln.urls if u.startswith(("http://", "https://")) and "doi.org/" not in u)
            continue
        if section == "bibliographical note":
            bib_note.append(ln.text)
            continue
        lv = _label_value(ln)
        if lv is not None and not ln.bullet:
            table_seen = True
            _table_field(ref, lv[0], lv[1], section, ln.number, note, dois)
            last_blank = False
            continue
        if ln.bullet:
            if ln.link_only or (i < ro_at):
                continue
            group = "subject areas" if ("subject" in section or "asjc" in section) else (
                "keywords" if section == "keywords" else "after-table" if table_seen else "before"
            )
            groups = bullets.setdefault(group, [])
            if last_blank or not groups:
                groups.append([])
            groups[-1].append(ln.text)
            last_blank = False
            continue
        if i > ro_at >= 0 or (ro_at < 0 and i > title_at):
            if _PLACEHOLDER.search(ln.text):
                ln.text = " ".join(_PLACEHOLDER.sub(" ", ln.text).split())
            if not table_seen and not ln.link_only and len(ln.text) > 60 and section in ("", "abstract"):
                abstract.append(ln.text)
            elif ln.text.startswith("Dive into the research topics of"):
                pass
            elif not ln.link_only and not table_seen and section == "abstract":
                abstract.append(ln.text)
        last_blank = False
    if abstract:
        f["abstract"] = "\n\n".join(abstract)
    keywords = [w for g in bullets.get("keywords", []) for w in g]
    subjects = [w for g in bullets.get("subject areas", []) for w in g]
    after = bullets.get("after-table", [])
    if not keywords and after:
        keywords = after[0]
        after = after[1:]
    if not subjects and after:
        subjects = after[0]
    if keywords:
        f["keywords"] = LIST_SEPARATOR.join(dict.fromkeys(keywords))
    if subjects:
        f["subject_areas"] = LIST_SEPARATOR.join(dict.fromkeys(subjects))
    _page_dois(ref, dois, [d for u in page.urls if "doi.org" in u for d in _DOI.findall(u)], note)
    openurl_date = _openurl(ref, page.urls, note)
    cite = _cite_this(ref, text, file, note)
    _settle_date(ref, cite.dates + ([("library link", openurl_date)] if openurl_date else []), note)
    _settle_note(ref, " ".join(bib_note), cite.notes)
    _settle_url(ref, _portal_page_url(page.urls), links + cite.urls)
    if not any(c.role.value == "author" for c in ref.creators):
        _openurl_authors(ref, page.urls, note)
    if not f.get("title"):
        note(1, "the page shows no title; the reference was imported without one")
    missing = [w for w, have in (
        ("authors", any(c.role.value == "author" for c in ref.creators)),
        ("volume", bool(f.get("volume")) or ref.item_type != "article-journal"),
        ("DOI", bool(f.get("doi"))),
    ) if not have]
    if missing and missing != ["DOI"]:
        what = ", ".join(missing[:-1]) + " or " + missing[-1] if len(missing) > 1 else missing[0]
        note(1, f"the page shows no {what}; imported without them (Tools › Check Library lists those a citation needs)")
    if ref.item_type == "document" and f.get("container_title"):
        ref.item_type = "article-journal"
    ref.source = SourceRecord(format="portal", text=text, entry_type=f.get("research_output_type", ""), file=file, line=1)
    result.items.append(ref)
    result.entries_in_file = 1
    return result


def _table_field(
    ref: Reference, label: str, value: str, section: str, line: int, note: Callable[[int, str], None], dois: list[str]
) -> None:
    f = ref.fields
    low = label.lower()
    value = value.strip()
    if not value:
        return
    if "publication series" in section:
        if low == "name":
            f.setdefault("collection_title", value)
        elif low == "volume":
            # The series' number for this book ("ASPLOS; Vol. 1"), not the book's own volume; a
            # value that is no number ("Part of 213862") is kept for display only.
            ref.extra.setdefault("portal:series-volume", value)
            if value.isdigit():
                ref.extra.setdefault("csl:collection-number", value)
        else:
            ref.extra.setdefault(f"portal:series-{low}", value)
        return
    if section == "conference" or low in ("conference", "event"):
        if low in ("conference", "event", "name"):
            f.setdefault("event_title", value)
        elif low in ("country/territory", "city"):
            ref.extra[f"portal:{'country' if low.startswith('country') else 'city'}"] = value
            city = ref.extra.get("portal:city", "")
            country = ref.extra.get("portal:country", "")
            f["event_place"] = ", ".join(p for p in (city, country) if p)
        elif low == "period":
            ref.extra["portal:conference-period"] = value
        else:
            ref.extra[f"portal:conference-{low}"] = value
        return
    if low in ("pages (from-to)", "pages"):
        f.setdefault("pages", _dash_pages(value))
    elif low in ("publication status", "state"):
        status, when = _status(value)
        if status:
            f["status"] = status
        if when:
            f["status_date"] = when
    elif low == "externally published":
        f["externally_published"] = value
    elif low == "dois":
        dois.extend(_DOI.findall(value) or [value])  # checked in _page_dois
    elif low == "isbn (electronic)":
        if "isbn" in f:
            ref.extra["portal:isbn-electronic"] = value
        else:
            f["isbn"] = value
    elif low in ("publication date", "award date"):
        f.setdefault("date", _page_date(value))
    elif low in SIMPLE_LABELS:
        f.setdefault(SIMPLE_LABELS[low], value)
    else:
        ref.extra[f"portal:{low}"] = value


def _clean_doi(candidate: str, from_text: bool = True) -> str:
    """The DOI in a candidate, or "" when it is none: trailing punctuation and, for text read off
    the page, a label run into it ("10.1145/3669940.3707286Licence:") taken off."""
    d = candidate.strip()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d, flags=re.I)
    for _ in range(3):
        before = d
        d = d.rstrip(".,;:")
        if d.endswith(")") and d.count("(") < d.count(")"):
            d = d[:-1]
        if from_text:
            d = _GLUED_LABEL.sub("", d)
        if d == before:
            break
    return d if _VALID_DOI.fullmatch(d) else ""


def _page_dois(ref: Reference, from_text: list[str], from_links: list[str], note: Callable[[int, str], None]) -> None:
    """The page's DOIs, checked: the first valid one is the reference's DOI, all are kept."""
    found: dict[str, str] = {}
    for d in from_text:
        clean = _clean_doi(d)
        if clean:
            found.setdefault(clean.casefold(), clean)
        elif d.strip():
            ref.extra.setdefault("portal:doi-text", d.strip())
            note(1, f"the page's DOI {d.strip()!r} is not a DOI (10.prefix/suffix); kept as text, not as the DOI")
    for d in from_links:
        clean = _clean_doi(d, from_text=False)
        if clean:
            found.setdefault(clean.casefold(), clean)
    dois = list(found.values())
    if dois and "doi" not in ref.fields:
        ref.fields["doi"] = dois[0]
    if len(dois) > 1:
        ref.extra["portal:dois"] = LIST_SEPARATOR.join(dois)


def _openurl_query(urls: list[str]) -> dict[str, list[str]]:
    """The OpenURL of the page's library link ("Find full text"), or {} when it has none."""
    from urllib.parse import parse_qs, urlsplit

    for u in urls:
        if "rft." in u:
            return parse_qs(urlsplit(u).query)
    return {}


def _openurl(ref: Reference, urls: list[str], note: Callable[[int, str], None]) -> str:
    """A library link's OpenURL (rft.atitle, rft.date, ...) fills gaps: a title-less page.
    Returns its date (ISO) for ``_settle_date``, "" when it has none."""
    q = {k: v[0] for k, v in _openurl_query(urls).items()}
    if not q:
        return ""
    f = ref.fields
    if not f.get("title") and q.get("rft.atitle"):
        f["title"] = q["rft.atitle"]
        ref.extra["portal:title-from"] = "library link (may be shortened)"
        note(1, f"the page shows no title; took {f['title']!r} from its library link (check it: such links shorten titles)")
    if not f.get("container_title") and q.get("rft.jtitle"):
        f["container_title"] = q["rft.jtitle"]
    if not f.get("issn") and q.get("rft.issn"):
        f["issn"] = q["rft.issn"]
    d = PartialDate.parse(q.get("rft.date", ""))
    return d.iso() if not d.literal and d.year is not None else ""


def _openurl_authors(ref: Reference, urls: list[str], note: Callable[[int, str], None]) -> None:
    """A page with no author list: the library link's OpenURL names the first author
    (rft.aulast/rft.aufirst, or rft.au); taken, and said to be possibly incomplete."""
    q = _openurl_query(urls)
    last = (q.get("rft.aulast") or [""])[0].strip()
    first = ((q.get("rft.aufirst") or q.get("rft.auinit") or [""])[0]).strip()
    people: list[Creator] = []
    if last:
        people.append(Creator(family=last, given=first))
    for full in q.get("rft.au", []):
        c = _person(full)
        known = {(p.family, p.given) for p in people}
        if c is not None and (c.family, c.given) not in known and not (last and c.family == last):
            people.append(c)
    if not people:
        return
    ref.creators.extend(people)
    ref.extra["portal:authors-from"] = "library link (may list only the first author)"
    names = "; ".join(f"{c.family}, {c.given}".rstrip(", ") for c in people)
    note(1, f"the page shows no author list; took {names} from its library link (check it: such links name only the first author)")


@dataclass
class _CiteThis:
    """What the "Cite this" block says that is settled with the page after all is read."""

    dates: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def _cite_this(ref: Reference, text: str, file: str, note: Callable[[int, str], None]) -> _CiteThis:
    """Fill from and cross-check against the "Cite this" BibTeX and RIS blocks."""
    out = _CiteThis()
    at = text.find("Cite this")
    if at < 0:
        return out
    block = text[at:]
    base_line = text.count("\n", 0, at) + 1
    sources: list[tuple[str, Reference]] = []
    b = re.search(r"@\w+\s*\{", block)
    if b:
        depth = 0
        end = -1
        for j in range(b.end() - 1, len(block)):
            ch = block[j]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    end = j + 1
                    break
        if end > 0:
            bib = read_bibtex(_ESCAPE.sub(r"\1", block[b.start() : end]) if "\\[" in block else block[b.start() : end], file)
            got = [r for r in bib.items if isinstance(r, Reference)]
            if got:
                sources.append(("BibTeX", got[0]))
    r = re.search(r"^TY\s+-", block, re.M)
    if r:
        e = re.search(r"^ER\s+-.*$", block[r.start() :], re.M)
        chunk = block[r.start() : r.start() + e.end()] if e else block[r.start() :]
        chunk = _MD_LINK.sub(lambda m: m.group(1), chunk)
        ris = read_ris(chunk, file)
        got = [x for x in ris.items if isinstance(x, Reference)]
        if got:
            sources.append(("RIS", got[0]))
    f = ref.fields
    for name, other in sorted(sources, key=lambda s: s[0] != "RIS"):
        no_authors = not any(c.role.value == "author" for c in ref.creators)
        fuller = bool(other.creators) and (not ref.creators or len(other.creators) >= len(ref.creators))
        if (no_authors or name == "RIS") and fuller:
            ref.creators = list(other.creators)
        if ref.item_type == "document" and other.item_type != "document":
            ref.item_type = other.item_type
        for key, value in other.fields.items():
            if key == "genre":
                continue
            if key == "note":
                out.notes.append(value)
                continue
            if key == "date":
                out.dates.append((name, _with_bibtex_day(value, other) if name == "BibTeX" else value))
                continue
            if key == "url":
                out.urls.append(value)
                continue
            if key == "doi":
                clean = _clean_doi(value, from_text=False)
                if not clean:
                    ref.extra.setdefault(f"portal:{name.lower()}-doi", value)
                    note(base_line, f"the Cite this {name} DOI {value!r} is not a DOI (10.prefix/suffix); kept as text")
                    continue
                value = clean
            if key == "volume" and not f.get("volume") and value == ref.extra.get("portal:series-volume"):
                continue  # the series' volume, read from the page's series table
            mine = f.get(key)
            if not mine:
                if key == "title" and name == "RIS":
                    continue  # Pure's RIS title stops at the first colon
                f[key] = value
            elif key in ("title", "pages", "doi", "volume", "issue") and _norm(mine) != _norm(value):
                if key == "title" and name == "RIS" and _norm(mine).startswith(_norm(value)):
                    continue
                note(base_line, f"the page's {key} {mine!r} differs from the Cite this {name} ({value!r}); kept the page's")
        out.urls.extend(u for u in other.extra.get("ris:UR", "").split("\n") if u.strip())
        if name == "BibTeX" and other.citation_key:
            ref.extra.setdefault("portal:bibtex-key", other.citation_key)
    return out


def _with_bibtex_day(date: str, other: Reference) -> str:
    """BibTeX's ``day`` field (Pure writes year, month and day) added to its year-month date."""
    day = other.extra.get("day", "").strip().strip('"{}').strip()
    d = PartialDate.parse(date)
    if day.isdigit() and not d.literal and d.year is not None and d.month is not None and d.day is None:
        return PartialDate(d.year, d.month, int(day)).iso()
    return date


def _settle_date(ref: Reference, candidates: list[tuple[str, str]], note: Callable[[int, str], None]) -> None:
    """One date for the reference, the page's own: its publication date (or its status date),
    made as exact as the Cite this block or library link allow when they agree with it ("2025"
    on the page and "PY - 2025/10/17" give 2025-10-17). A source that disagrees is reported."""
    f = ref.fields
    base = f.get("date") or f.get("status_date") or ""
    for source, value in candidates:
        if not value:
            continue
        if not base:
            base = value
            continue
        mine, other = PartialDate.parse(base), PartialDate.parse(value)
        if mine.literal or other.literal or mine.is_range or other.is_range:
            continue
        parts_mine = [x for x in (mine.year, mine.month, mine.day) if x is not None]
        parts_other = [x for x in (other.year, other.month, other.day) if x is not None]
        if parts_other[: len(parts_mine)] == parts_mine:
            if len(parts_other) > len(parts_mine):
                base = value
        elif parts_mine[: len(parts_other)] != parts_other and source != "library link":
            note(1, f"the page's date {base!r} differs from the Cite this {source} ({value!r}); kept the page's")
    if base:
        f["date"] = base


def _settle_note(ref: Reference, page_note: str, cite_notes: list[str]) -> None:
    """The page's bibliographical note, and what the Cite this notes add to it (a funding note
    the page does not show). Pure's BibTeX note repeats the RIS note and the conference; those
    parts, and any part already in the note, are not repeated."""
    f = ref.fields
    parts = [page_note] if page_note else []
    known = _norm(" ".join([page_note, f.get("event_title", "")]))
    for text in cite_notes:
        if not text.strip() or _norm(text) in known:
            continue
        # Pieces: the note's lines (RIS N1 lines), each cut at "; " before a new sentence.
        lines = [[x.strip() for x in re.split(r"\s*;\s+(?=[A-Z0-9])", line) if _norm(x)] for line in text.split("\n")]
        if f.get("event_title"):
            lines = [[x for x in line if not x.startswith("Conference date:")] for line in lines]
        pieces = [x for line in lines for x in line]
        # A piece of a dozen letters or more that the note already holds is a repeat; shorter
        # ones ("2)" of "grants 1; 2)") go with the rest, kept only when something is new.
        long = [_norm(x) for x in pieces if len(_norm(x)) >= 12]
        if long and all(n in known for n in long):
            continue
        kept = ["; ".join(x for x in line if len(_norm(x)) < 12 or _norm(x) not in known) for line in lines]
        parts.append("\n".join(k for k in kept if k))
        known += _norm(parts[-1])
    if parts:
        f["note"] = "\n".join(parts)


def _portal_page_url(urls: list[str]) -> str:
    """The address of the page itself: a link to ``…/publications/<slug>/`` (the title in its
    own Cite this entries, the Overview tab), made absolute from a link to the same site."""
    from urllib.parse import urlsplit

    absolute: dict[str, int] = {}
    relative: list[str] = []
    hosts: list[str] = []
    for u in urls:
        if u.startswith("/"):
            if _PORTAL_PAGE.match(u.split("#")[0].split("?")[0]):
                relative.append(u.split("#")[0])
            continue
        if not u.startswith(("http://", "https://")):
            continue
        parts = urlsplit(u)
        if any(h in parts.netloc for h in _INDEX_HOSTS) or "doi.org" in parts.netloc:
            continue
        if _PORTAL_PAGE.match(parts.path):
            absolute[u.split("#")[0]] = absolute.get(u.split("#")[0], 0) + 1
            hosts.append(f"{parts.scheme}://{parts.netloc}")
        elif any(x in parts.path for x in ("/persons/", "/organisations/", "/organizations/")):
            hosts.append(f"{parts.scheme}://{parts.netloc}")
    for rel in relative:
        for u in absolute:
            if urlsplit(u).path.rstrip("/") == rel.rstrip("/"):
                return u
    if absolute:
        return max(absolute, key=lambda u: absolute[u])  # the first of the most cited
    if relative and hosts:
        return hosts[0] + relative[0]
    return ""


def _settle_url(ref: Reference, own: str, links: list[str]) -> None:
    """The reference's URL is the portal page; Scopus, Web of Science and other links (the
    RIS ``UR`` lines, "Other files and links") are kept beside it in ``portal:links``."""
    seen: dict[str, None] = {}
    for u in links:
        u = u.strip()
        if u and u != own and "doi.org/" not in u:
            seen.setdefault(u, None)
    rest = list(seen)
    url = own
    if not url:
        url = next((u for u in rest if not any(h in u for h in _INDEX_HOSTS)), "")
        rest = [u for u in rest if u != url]
    if url:
        ref.fields["url"] = url
    if rest:
        ref.extra["portal:links"] = "\n".join(rest)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold().replace("–", "-"))
