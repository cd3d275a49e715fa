"""Which format a text is in, judged from its content, and one entry point to read any of them.

The extension is not trusted: ``.txt`` is used for RIS, MEDLINE, portal pages and BibTeX alike,
and the clipboard has no extension at all. Tests run from the most specific signature to the
least: JSON, XML, a first line ``PMID-`` (MEDLINE) or ``TY  -`` (RIS), a BibTeX file that starts
with ``@``/``%``, a research-portal page (whose "Cite this" block holds BibTeX and RIS, so it is
tested before them), RIS or BibTeX anywhere, then bare DOIs or ISBNs.

DOIs and ISBNs become placeholder references: the identifier, a title saying what to look up, and
the keyword ``to look up`` (``PLACEHOLDER_KEYWORD``). ``services.lookup`` takes them into its
lookup queue and fills them from the web (issue 18); the title prefix "To look up:" and the note
"Placeholder made from …" are how it knows them, so keep those words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bibliofile.formats.bibtex_reader import ReadResult, looks_like_bibtex, read_bibtex
from bibliofile.formats.csl_json import looks_like_csl_json, read_csl_json
from bibliofile.formats.endnote_xml import looks_like_endnote_xml, read_endnote_xml
from bibliofile.formats.medline import looks_like_medline, read_medline
from bibliofile.formats.portal import looks_like_portal, read_portal
from bibliofile.formats.ris import TAG_RE, looks_like_ris, read_ris
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = [
    "FORMAT_LABELS",
    "PLACEHOLDER_KEYWORD",
    "detect_format",
    "find_dois",
    "find_isbns",
    "read_text",
]

PLACEHOLDER_KEYWORD = "to look up"
FORMAT_LABELS: dict[str, str] = {
    "bibtex": "BibTeX/BibLaTeX",
    "ris": "RIS",
    "csl-json": "CSL-JSON",
    "endnote": "EndNote XML",
    "medline": "MEDLINE/PubMed",
    "portal": "research-portal page",
    "doi": "DOI list",
    "isbn": "ISBN list",
}
# CLI spellings -> our names.
ALIASES: dict[str, str] = {"endnote-xml": "endnote", "csljson": "csl-json", "json": "csl-json", "nbib": "medline", "pubmed": "medline"}

_DOI_TOKEN = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+?)[.,;]?$", re.I)
_ISBN_TOKEN = re.compile(r"^(?:ISBN(?:-1[03])?:?\s*)?([\d][\d -]{8,16}[\dXx])$", re.I)


def _first_line(text: str) -> str:
    """The first of the first 200 lines that is not blank, right-stripped ("" if none).

    Line by line, not ``split("\n", 200)``: that copied the rest of the text as its last piece
    (a 100k-entry .bib: 177 MB and 0.1 s, the import's peak memory, issue 22)."""
    text = text.lstrip("\ufeff")
    start = 0
    for _ in range(200):
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip():
            return line.rstrip()
        if end < 0:
            break
        start = end + 1
    return ""


def find_dois(text: str) -> list[str]:
    """DOIs when the text is nothing but DOIs (any separators, doi.org links, "doi:" prefixes)."""
    tokens = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    out: list[str] = []
    for t in tokens:
        m = _DOI_TOKEN.match(t)
        if m is None:
            return []
        out.append(m.group(1))
    return list(dict.fromkeys(out))


def _isbn_ok(digits: str) -> bool:
    if len(digits) == 10:
        total = sum((10 - i) * (10 if c in "Xx" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0 and "X" not in digits[:9].upper()
    if len(digits) == 13 and digits.isdigit():
        return sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


def find_isbns(text: str) -> list[str]:
    """ISBN-10/13s (checksums valid) when the text is nothing but ISBNs, one per line."""
    out: list[str] = []
    for line in (ln.strip() for ln in text.strip().splitlines()):
        if not line:
            continue
        m = _ISBN_TOKEN.match(line)
        if m is None:
            return []
        digits = re.sub(r"[ -]", "", m.group(1))
        if not _isbn_ok(digits):
            return []
        out.append(digits.upper())
    return list(dict.fromkeys(out))


def detect_format(text: str) -> str | None:
    """Our format name for the text, or None when it is none of them."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        return None
    if body[0] in "[{" and looks_like_csl_json(body):
        return "csl-json"
    if body[0] == "<" and looks_like_endnote_xml(body):
        return "endnote"
    first = _first_line(body)
    if first.startswith("PMID-") or re.match(r"PMID\s*-", first):
        return "medline"
    m = TAG_RE.match(first)
    if m is not None and m.group(1) == "TY":
        return "ris"
    if looks_like_medline(body):
        return "medline"
    if body[0] in "@%" and looks_like_bibtex(body):
        return "bibtex"
    if looks_like_portal(body):
        return "portal"
    if looks_like_ris(body):
        return "ris"
    if looks_like_bibtex(body) or _only_comment_lines(body):
        return "bibtex"
    if find_dois(body):
        return "doi"
    if find_isbns(body):
        return "isbn"
    return None


def _placeholders(kind: str, values: list[str], file: str) -> ReadResult:
    result = ReadResult()
    for n, value in enumerate(values, 1):
        if kind == "doi":
            fields = {"doi": value, "title": f"To look up: DOI {value}"}
            item_type = "article-journal"
        else:
            fields = {"isbn": value, "title": f"To look up: ISBN {value}"}
            item_type = "book"
        fields["keywords"] = PLACEHOLDER_KEYWORD
        fields["note"] = f"Placeholder made from a pasted {kind.upper()}; the details are still to be looked up."
        ref = Reference(item_type=item_type, fields=fields)
        ref.source = SourceRecord(format=kind, text=value, file=file, line=n)
        result.items.append(ref)
    result.entries_in_file = len(values)
    return result


def read_text(text: str, file: str = "<text>", fmt: str = "auto", today: str = "") -> tuple[str, ReadResult]:
    """(format used, what was read). ``fmt`` "auto" detects; an unknown text gives a problem."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt == "auto":
        found = detect_format(text)
        if found is None:
            result = ReadResult()
            result.problems.append(Problem(file, 1, unrecognised(text), True))
            return "", result
        fmt = found
    readers: dict[str, Callable[[str, str], ReadResult]] = {
        "bibtex": read_bibtex,
        "ris": read_ris,
        "csl-json": read_csl_json,
        "endnote": read_endnote_xml,
        "medline": read_medline,
    }
    if fmt == "portal":
        return fmt, read_portal(text, file, today=today)
    if fmt == "doi":
        return fmt, _placeholders("doi", find_dois(text), file)
    if fmt == "isbn":
        return fmt, _placeholders("isbn", find_isbns(text), file)
    reader = readers.get(fmt)
    if reader is None:
        raise ValueError(f"unknown format {fmt!r}")
    return fmt, reader(text, file)


# "%A Knox, Colin", "%0 Book": a tag of EndNote's tagged (Refer) format, not a comment.
_REFER_TAG_RE = re.compile(r"^%[^\s%](?:[ \t]|$)", re.MULTILINE)


def _only_comment_lines(body: str) -> bool:
    """A .bib of ``%`` comment lines alone (JabRef writes an empty library as its ``% Encoding:``
    line): BibTeX, so its lines are kept and written back (issue 15), not refused as unknown.
    EndNote's tagged format (``%A``, ``%T`` lines) is not: we do not read it."""
    lines = body.splitlines()
    if not all(not line.strip() or line.lstrip().startswith("%") for line in lines):
        return False
    return _REFER_TAG_RE.search(body) is None


NOT_RECOGNISED = (
    "not a format Bibliofile reads (BibTeX, RIS, CSL-JSON, EndNote XML, MEDLINE, a research-portal "
    "page, DOIs or ISBNs); nothing was imported from it"
)
NO_REFERENCES = "holds no references (it is empty); nothing was imported from it"


def unrecognised(text: str) -> str:
    """Why ``detect_format`` found nothing: an empty file is not a file of an unknown format,
    and saying so would mislead (a file of comment lines alone is read as BibTeX)."""
    if not text.lstrip("\ufeff").strip():
        return NO_REFERENCES
    return NOT_RECOGNISED
