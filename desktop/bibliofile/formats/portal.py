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

The page is one reference; what it lacks (the seed page shows no authors) is reported as a
problem and left for the integrity checks, never invented.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bibliofile.formats.bibtex_reader import ReadResult, read_bibtex
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
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_TAGS = re.compile(r"<(?:sup|sub)>.*?</(?:sup|sub)>|<[^>]+>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_EMPH = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CITED = re.compile(r"^(\d[\d,. ]*?)\s*(?:Link opens in a new tab\s*)?Citations?\s*(?:\(([^)]+)\))?\s*$", re.I)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>\]]+")
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣\-*+])\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s*(.*?)\s*#*\s*$")
_STATUS = re.compile(r"^\s*([^-–]+?)\s*(?:[-–]\s*(.*))?$")


def looks_like_portal(text: str) -> bool:
    """A Pure page: "Research output:" or its metadata labels together with "Cite this"."""
    head = text[:200000]
    if "Research output:" in head:
        return True
    hits = sum(1 for w in ("Original language", "Publication status", "Pages (from-to)", "Cite this", "Externally published") if w in head)
    return hits >= 2


@dataclass
class _Line:
    text: str
    number: int
    bullet: bool = False
    heading: bool = False
    link_only: bool = False
    row: tuple[str, str] | None = None


@dataclass
class _Page:
    lines: list[_Line] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def _flatten(text: str) -> _Page:
    """Lines of plain text with Markdown taken off, remembering bullets, headings and rows."""
    page = _Page()
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text.replace("\r\n", "\n").replace("\r", "\n"))
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.replace("\u00a0", " ").rstrip()
        if not line.strip():
            page.lines.append(_Line("", n))
            continue
        heading = _HEADING.match(line)
        is_heading = heading is not None and line.lstrip().startswith("#")
        if is_heading and heading is not None:
            line = heading.group(1)
        bullet = _BULLET.match(line)
        if bullet and not line.lstrip().startswith("---"):
            line = bullet.group(1)
        stripped = _MD_LINK.sub("", line).strip(" -|")
        link_only = bool(_MD_LINK.search(line)) and not stripped
        for m in _MD_LINK.finditer(line):
            page.urls.append(m.group(2))
        line = _MD_LINK.sub(lambda m: m.group(1), line)
        line = _TAGS.sub("", line)
        line = _ESCAPE.sub(r"\1", line)
        line = _EMPH.sub(lambda m: m.group(2) or m.group(3) or "", line)
        line = html.unescape(line)
        row = None
        if line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the |---|---| rule
            if len(cells) >= 2:
                row = (cells[0], " | ".join(c for c in cells[1:]).strip())
            line = " ".join(c for c in cells if c)
        page.lines.append(
            _Line(" ".join(line.split()), n, bullet=bullet is not None, heading=is_heading, link_only=link_only, row=row)
        )
    return page


def _label_value(line: _Line) -> tuple[str, str] | None:
    if line.row is not None:
        label, value = line.row
        return (label, value) if label else None
    t = line.text
    if len(t) > 300 or line.bullet or line.heading:
        return None
    for label in LABELS:
        if t.startswith(label):
            rest = t[len(label):]
            if not rest or rest[0] in ":\t |" or rest[0].isupper() or rest[0].isdigit() or label.endswith(")") or rest[0] in "([":
                value = rest.strip(" :\t|")
                if label in ("Journal", "Volume", "Name", "Number", "Series", "Pages", "Event", "City", "Period", "State", "Conference") and not value:
                    return None
                return label, value
    return None


def _section_of(line: _Line) -> str | None:
    t = line.text.strip().lower()
    if not t or len(t) > 80:
        return None
    if line.heading:
        return t
    if t.startswith("cite this"):
        return "cite this"
    if t in ("abstract", "keywords", "fingerprint", "bibliographical note", "publication series",
             "conference", "access to document", "other files and links") or "subject areas" in t or t.startswith("fingerprint"):
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
    m = _STATUS.match(value)
    if not m:
        return value.strip(), ""
    status = m.group(1).strip()
    when = (m.group(2) or "").strip()
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
    """The page as one Reference; ``today`` (ISO date), when given, dates the citation count."""
    result = ReadResult()
    page = _flatten(text.lstrip("\ufeff"))
    lines = page.lines
    ref = Reference(item_type="document")
    f = ref.fields
    extra = ref.extra
    problems = result.problems
    kept: list[str] = []

    def note(line: int, message: str) -> None:
        problems.append(Problem(file, line, message))

    # Where the "Cite this" block begins: nothing after it is page metadata.
    cite_at = next((i for i, ln in enumerate(lines) if _section_of(ln) == "cite this"), len(lines))
    ro_at = next((i for i, ln in enumerate(lines[:cite_at]) if ln.text.startswith("Research output:")), -1)

    # Title: the first heading, else the first line of text before "Research output".
    title_at = -1
    for i, ln in enumerate(lines[: ro_at if ro_at >= 0 else cite_at]):
        usable = ln.text and not ln.link_only and _label_value(ln) is None
        if usable and (ln.heading or title_at < 0):
            title_at = i
            if ln.heading:
                break
    if title_at >= 0:
        f["title"] = lines[title_at].text
    # Authors: the lines between the title and "Research output" (organisations left out).
    if title_at >= 0 and ro_at > title_at:
        chunk = " ".join(ln.text for ln in lines[title_at + 1 : ro_at] if ln.text and not ln.bullet and not ln.link_only)
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
    for i, ln in enumerate(lines[:cite_at]):
        if i in (title_at, ro_at):
            continue
        sec = _section_of(ln)
        if sec is not None:
            section = sec
            last_blank = True
            continue
        if not ln.text:
            last_blank = True
            continue
        m = _CITED.match(ln.text)
        if m and "citation_count" not in f:
            f["citation_count"] = re.sub(r"[^\d]", "", m.group(1))
            if m.group(2):
                f["citation_count_source"] = m.group(2).strip()
            if today:
                f["citation_count_date"] = today
            continue
        if section.startswith("fingerprint") or section in ("other files and links", "overview"):
            continue
        if section == "access to document":
            dois.extend(_DOI.findall(ln.text))
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
            if not table_seen and not ln.link_only and len(ln.text) > 60 and section in ("", "abstract"):
                abstract.append(ln.text)
            elif ln.text.startswith("Dive into the research topics of"):
                pass
            elif not ln.link_only and not table_seen and section == "abstract":
                abstract.append(ln.text)
        last_blank = False
    if abstract:
        f["abstract"] = "\n\n".join(abstract)
    if bib_note:
        f["note"] = " ".join(bib_note)
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
    dois += [d for u in page.urls for d in _DOI.findall(u) if "doi.org" in u]
    dois = [d.rstrip(".,;)") for d in dict.fromkeys(dois)]
    if dois and "doi" not in f:
        f["doi"] = dois[0]
    if len(dois) > 1:
        extra["portal:dois"] = LIST_SEPARATOR.join(dois)
    _openurl(ref, page.urls, note)
    _cite_this(ref, text, lines[cite_at].number if cite_at < len(lines) else 0, file, note, kept)
    if "date" not in f and f.get("status_date"):
        f["date"] = f["status_date"]
    if not f.get("title"):
        note(1, "the page shows no title; the reference was imported without one")
    if not any(c.role.value == "author" for c in ref.creators):
        note(1, "the page shows no authors; imported without them (the integrity checks list it)")
    if ref.item_type == "document" and f.get("container_title"):
        ref.item_type = "article-journal"
    ref.source = SourceRecord(format="portal", text=text, entry_type=f.get("research_output_type", ""), file=file, line=1)
    result.items.append(ref)
    result.entries_in_file = 1
    return result


def _table_field(ref: Reference, label: str, value: str, section: str, line: int, note: object, dois: list[str]) -> None:
    f = ref.fields
    low = label.lower()
    value = value.strip()
    if not value:
        return
    if "publication series" in section:
        if low == "name":
            f.setdefault("collection_title", value)
        elif low == "volume":
            ref.extra.setdefault("portal:series-volume", value)
            f.setdefault("volume", value)
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
        dois.extend(_DOI.findall(value) or [value])
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


def _openurl(ref: Reference, urls: list[str], note: object) -> None:
    """A library link's OpenURL (rft.atitle, rft.date, ...) fills gaps: a title-less page."""
    from urllib.parse import parse_qs, urlsplit

    for u in urls:
        if "rft." not in u:
            continue
        q = {k: v[0] for k, v in parse_qs(urlsplit(u).query).items()}
        f = ref.fields
        if not f.get("title") and q.get("rft.atitle"):
            f["title"] = q["rft.atitle"]
            ref.extra["portal:title-from"] = "library link (may be shortened)"
            assert callable(note)
            note(1, f"the page shows no title; took {f['title']!r} from its library link (check it: such links shorten titles)")
        if not f.get("container_title") and q.get("rft.jtitle"):
            f["container_title"] = q["rft.jtitle"]
        if not f.get("issn") and q.get("rft.issn"):
            f["issn"] = q["rft.issn"]
        if not f.get("date") and not f.get("status_date") and q.get("rft.date"):
            d = PartialDate.parse(q["rft.date"])
            if not d.literal:
                f["date"] = d.iso()
        return


def _cite_this(ref: Reference, text: str, line: int, file: str, note: object, kept: list[str]) -> None:
    """Fill from and cross-check against the "Cite this" BibTeX and RIS blocks."""
    assert callable(note)
    at = text.find("Cite this")
    if at < 0:
        return
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
    if not sources:
        return
    f = ref.fields
    for name, other in sorted(sources, key=lambda s: s[0] != "RIS"):
        no_authors = not any(c.role.value == "author" for c in ref.creators)
        fuller = bool(other.creators) and (not ref.creators or len(other.creators) >= len(ref.creators))
        if (no_authors or name == "RIS") and fuller:
            ref.creators = list(other.creators)
        if ref.item_type == "document" and other.item_type != "document":
            ref.item_type = other.item_type
        for key, value in other.fields.items():
            if key in ("note", "genre"):
                continue
            mine = f.get(key)
            if not mine:
                if key == "title" and name == "RIS":
                    continue  # Pure's RIS title stops at the first colon
                f[key] = value
            elif key in ("title", "pages", "doi", "volume", "issue") and _norm(mine) != _norm(value):
                if key == "title" and name == "RIS" and _norm(mine).startswith(_norm(value)):
                    continue
                note(base_line, f"the page's {key} {mine!r} differs from the Cite this {name} ({value!r}); kept the page's")
        if name == "BibTeX" and other.citation_key:
            ref.extra.setdefault("portal:bibtex-key", other.citation_key)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold().replace("–", "-"))
