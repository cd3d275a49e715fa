"""A reference from what a PDF says about itself (issue 19): pure, over values already read.

Where each field comes from, best first, as Zotero's and JabRef's PDF importers rank them:

1. the XMP packet (dc:title, dc:creator, prism:doi or a DOI/arXiv ``dc:identifier``,
   prism:publicationName, volume, pages, publication date): written by the publisher or LaTeX
   (hyperxmp), the most deliberate metadata a file has;
2. the Info dictionary (Title, Author, a ``doi`` key), unless it is what a tool left there
   ("Microsoft Word - draft.docx", "untitled", a file name);
3. the text of the first pages: a DOI (page 1 first) or an arXiv stamp ("arXiv:2101.00001v2"),
   and the title as the largest type on page 1's upper half.

With an identifier the online lookup completes the rest (services/pdf_import.py). Nothing
here raises on what a file holds: a malformed XMP packet is a ``Problem`` and the next source
is used; every value says where it came from (``PdfMetadata.sources``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring as safe_fromstring  # type: ignore[import-untyped]

from bibliofile.formats.bibtex_names import split_name_parts
from bibliofile.formats.plain_names import parse_plain_name
from bibliofile.model.creators import Creator
from bibliofile.model.identifiers import Identifier, parse_identifier
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference

__all__ = ["PdfMetadata", "find_arxiv", "find_doi", "read_pdf_metadata", "title_by_size"]

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "prism2": "http://prismstandard.org/namespaces/basic/2.0/",
    "prism3": "http://prismstandard.org/namespaces/basic/3.0/",
    "prism1": "http://prismstandard.org/namespaces/basic/1.2/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
}
XMP, INFO, TEXT = "XMP metadata", "document info", "page text"

# Titles a tool writes into Info/XMP when the author wrote none.
_JUNK_TITLE = re.compile(
    r"^(?:untitled\b.*|microsoft (?:word|powerpoint) - .*|title|no title|slide \d+|document\d*|"
    r"paper|manuscript|.*\.(?:pdf|docx?|tex|dvi|ps|rtf|odt|indd|qxd)|[\w-]*\d{4,}[\w-]*|\W*)$",
    re.I,
)
_JUNK_AUTHOR = re.compile(r"^(?:author|user|admin(?:istrator)?|owner|unknown|\W*|[a-z]+\d*)$", re.I)
# A DOI as printed: "doi:10.1000/x", "https://doi.org/10.1000/x", "DOI 10.1000/x".
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}/[^\s\"{}]+")  # < > stay: old Wiley SICI DOIs hold them
_ARXIV_IN_TEXT = re.compile(
    r"\barXiv\s*:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", re.I
)
_ARXIV_STAMP = re.compile(r"^\s*arXiv\s*:", re.I)
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
TEXT_PAGES_FOR_IDS = 2  # DOIs and arXiv stamps are looked for on this many first pages


@dataclass(frozen=True, slots=True)
class PdfMetadata:
    """``reference``: what the file gives (no id; item type "article-journal" with a DOI or an
    arXiv id, else "document"); ``identifier``: the DOI, else the arXiv id, to look up online;
    ``sources``: field -> where it came from (XMP metadata, document info, page text);
    ``problems``: what could not be read (a malformed XMP packet), each with what was used."""

    reference: Reference
    identifier: Identifier | None = None
    sources: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def title_guessed(self) -> bool:
        """The title was read off page 1's type sizes (a guess worth checking)."""
        return self.sources.get("title") == TEXT


# ---- identifiers in text --------------------------------------------------------------------

def find_doi(text: str) -> Identifier | None:
    """The first DOI in a text (trailing punctuation of the sentence is not part of it)."""
    for m in _DOI_IN_TEXT.finditer(text):
        raw = m.group().rstrip(".,;:'’”]")
        if raw.endswith(")") and raw.count("(") < raw.count(")"):
            raw = raw[:-1]
        got = parse_identifier(raw)
        if isinstance(got, Identifier) and got.kind == "doi":
            return got
    return None


def find_arxiv(text: str) -> Identifier | None:
    """The first arXiv identifier written as ``arXiv:…`` (the stamp arXiv prints on page 1)."""
    for m in _ARXIV_IN_TEXT.finditer(text):
        got = parse_identifier("arXiv:" + m.group(1))
        if isinstance(got, Identifier) and got.kind == "arxiv":
            return got
    return None


# ---- the title by type size -----------------------------------------------------------------

def title_by_size(lines: Sequence[tuple[float, float, str]], page_height: float = 842.0) -> str:
    """The largest text in the upper 60 % of page 1, joined over consecutive lines of that
    size (a title set on two lines); "" when nothing stands out from the body text (all one
    size) or the largest text is a stamp, a number or a single letter."""
    usable = [(s, top, t) for s, top, t in lines if s > 0 and t.strip()]
    if not usable:
        return ""
    # Body size: the size holding the most characters.
    weight: dict[float, int] = {}
    for s, _top, t in usable:
        weight[s] = weight.get(s, 0) + len(t)
    body = max(weight, key=lambda s: weight[s])

    def candidate(s: float, top: float, t: str) -> bool:
        letters = sum(ch.isalpha() for ch in t)
        return top <= page_height * 0.6 and letters >= 4 and not _ARXIV_STAMP.match(t) and not find_doi(t)

    sizes = sorted({s for s, top, t in usable if candidate(s, top, t)}, reverse=True)
    if not sizes or sizes[0] < body * 1.15:
        return ""
    big = sizes[0]
    parts: list[str] = []
    last_top: float | None = None
    for s, top, t in usable:
        if abs(s - big) <= 0.6 and candidate(s, top, t):
            if parts and last_top is not None and top - last_top > big * 2.5:
                break  # the same size further down: a section heading, not the title
            parts.append(t.strip())
            last_top = top
        elif parts:
            break
    title = " ".join(" ".join(parts).split())
    return title[:300]


# ---- XMP ------------------------------------------------------------------------------------

def _texts(el: Element | None) -> list[str]:
    """An XMP property's values: an rdf:Alt/Seq/Bag's items (x-default first), or its text."""
    if el is None:
        return []
    items = el.findall(".//rdf:li", NS)
    if items:
        default = [i for i in items if i.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"]
        ordered = default + [i for i in items if i not in default]
        return [" ".join("".join(i.itertext()).split()) for i in ordered if "".join(i.itertext()).strip()]
    text = " ".join("".join(el.itertext()).split())
    return [text] if text else []


def _xmp_values(xmp: str) -> tuple[dict[str, list[str]], Problem | None]:
    """property name -> values of the rdf:Description elements (as elements or attributes)."""
    try:
        root = safe_fromstring(xmp.encode("utf-8"))
    except Exception as exc:  # defusedxml's refusals and ParseError alike
        return {}, Problem("XMP", 0, f"the XMP metadata could not be read ({type(exc).__name__}); the document info and text were used")
    out: dict[str, list[str]] = {}
    names = {
        "title": [f"{{{NS['dc']}}}title"],
        "creator": [f"{{{NS['dc']}}}creator"],
        "identifier": [f"{{{NS['dc']}}}identifier"],
        "doi": [f"{{{NS[p]}}}doi" for p in ("prism2", "prism3", "prism1")] + [f"{{{NS['pdfx']}}}doi"],
        "container": [f"{{{NS[p]}}}publicationName" for p in ("prism2", "prism3", "prism1")],
        "volume": [f"{{{NS[p]}}}volume" for p in ("prism2", "prism3", "prism1")],
        "issue": [f"{{{NS[p]}}}number" for p in ("prism2", "prism3", "prism1")],
        "start": [f"{{{NS[p]}}}startingPage" for p in ("prism2", "prism3", "prism1")],
        "end": [f"{{{NS[p]}}}endingPage" for p in ("prism2", "prism3", "prism1")],
        "date": [f"{{{NS[p]}}}{n}" for p in ("prism2", "prism3", "prism1") for n in ("publicationDate", "coverDate")],
        "issn": [f"{{{NS[p]}}}issn" for p in ("prism2", "prism3", "prism1")],
    }
    for desc in root.iter(f"{{{NS['rdf']}}}Description"):
        for key, tags in names.items():
            for tag in tags:
                values = _texts(desc.find(tag))
                if tag in desc.attrib:
                    values.append(" ".join(desc.attrib[tag].split()))
                for v in values:
                    if v and v not in out.setdefault(key, []):
                        out[key].append(v)
    return out, None


# ---- names ----------------------------------------------------------------------------------

def _creator(name: str) -> Creator | None:
    name = " ".join(name.split()).strip(" ,;")
    if not name or _JUNK_AUTHOR.match(name):
        return None
    if "," in name:
        return parse_plain_name(name)
    if "{" in name or "\\" in name:
        return Creator.institution(name)
    first, von, last, jr = split_name_parts(name)
    if not last:
        return Creator.institution(name)
    return Creator(family=" ".join(last), given=" ".join(first), particle=" ".join(von), suffix=" ".join(jr))


def _split_author_field(text: str) -> list[str]:
    """An Info Author: "A. Smith; B. Jones", "A. Smith, B. Jones and C. Doe", "Smith, A. and
    Jones, B.", or one "Family, Given"."""
    t = " ".join(text.split())
    if ";" in t:
        return [p for p in t.split(";") if p.strip()]
    out: list[str] = []
    for part in re.split(r",?\s+(?:and|&)\s+", t):
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        # "A. Smith, B. Jones": full names between the commas; "Smith, A.": one inverted name.
        if len(pieces) > 2 or (len(pieces) == 2 and all(" " in p for p in pieces)):
            out.extend(pieces)
        elif part.strip():
            out.append(part.strip())
    return out


def _good_title(value: str) -> bool:
    v = value.strip()
    return bool(v) and sum(ch.isalpha() for ch in v) >= 3 and not _JUNK_TITLE.match(v)


# ---- the whole ------------------------------------------------------------------------------

def read_pdf_metadata(
    *,
    info: Mapping[str, str],
    xmp: str,
    first_pages: Sequence[str],
    title_lines: Sequence[tuple[float, float, str]] = (),
    page_height: float = 842.0,
    file_name: str = "",
) -> PdfMetadata:
    """The reference a PDF describes, each field from its best source (see the module)."""
    fields: dict[str, str] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    creators: list[Creator] = []
    x: dict[str, list[str]] = {}
    if xmp.strip():
        x, problem = _xmp_values(xmp)
        if problem is not None:
            problems.append(Problem(file_name or "PDF", 0, problem.message))

    def put(key: str, value: str, source: str) -> None:
        value = " ".join(value.split())
        if value and key not in fields:
            fields[key] = value
            sources[key] = source

    # Identifiers: XMP, then Info, then the first pages' text.
    doi: Identifier | None = None
    arxiv: Identifier | None = None
    for value in x.get("doi", []) + x.get("identifier", []):
        got = parse_identifier(value)
        if isinstance(got, Identifier) and got.kind == "doi" and doi is None:
            doi, sources["doi"] = got, XMP
        elif isinstance(got, Identifier) and got.kind == "arxiv" and arxiv is None:
            arxiv, sources["eprint"] = got, XMP
    for key in ("doi", "DOI", "Subject", "Keywords"):
        if doi is None and info.get(key):
            found = find_doi(info[key]) if key not in ("doi", "DOI") else parse_identifier(info[key])
            if isinstance(found, Identifier) and found.kind == "doi":
                doi, sources["doi"] = found, INFO
    ids_text = "\n".join(first_pages[:TEXT_PAGES_FOR_IDS])
    if doi is None:
        for page in first_pages[:TEXT_PAGES_FOR_IDS]:
            doi = find_doi(page)
            if doi is not None:
                sources["doi"] = TEXT
                break
    if arxiv is None:
        arxiv = find_arxiv(ids_text)
        if arxiv is not None:
            sources["eprint"] = TEXT
    if doi is not None:
        fields["doi"] = doi.value
    if arxiv is not None:
        fields["eprint"] = arxiv.value
        fields["eprint_type"] = "arxiv"

    # Title: XMP, Info, the largest type on page 1.
    for value in x.get("title", []):
        if _good_title(value):
            put("title", value, XMP)
            break
    if "title" not in fields and _good_title(info.get("Title", "")):
        put("title", info["Title"], INFO)
    if "title" not in fields:
        guessed = title_by_size(title_lines, page_height)
        if guessed:
            put("title", guessed, TEXT)

    # Authors: XMP dc:creator (one name per item), else Info Author.
    names = x.get("creator", [])
    source = XMP
    if not names and info.get("Author"):
        names, source = _split_author_field(info["Author"]), INFO
    for n in names:
        c = _creator(n)
        if c is not None:
            creators.append(c)
    if creators:
        sources["author"] = source

    # Where it was published (XMP only: Info has no such keys).
    for key, fkey in (("container", "container_title"), ("volume", "volume"), ("issue", "issue"), ("issn", "issn")):
        if x.get(key):
            put(fkey, x[key][0], XMP)
    if x.get("start"):
        put("pages", x["start"][0] + (f"–{x['end'][0]}" if x.get("end") else ""), XMP)
    for value in x.get("date", []):
        m = _DATE.match(value.strip())
        if m:
            put("date", "-".join(p for p in m.groups() if p), XMP)
            break

    identifier = doi or arxiv
    item_type = "article-journal" if identifier is not None or "container_title" in fields else "document"
    ref = Reference(item_type=item_type, fields=fields, creators=creators)
    return PdfMetadata(ref, identifier, sources, tuple(problems))
