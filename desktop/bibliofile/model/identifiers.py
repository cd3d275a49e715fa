"""Identifiers a researcher pastes or types: DOI, ISBN, arXiv, PMID, PMCID, each recognised in
the spellings people copy (links, prefixes, hyphens, versions) and normalised to one form.

One form per identifier is what makes "is this already in my library?" a string comparison and
what the lookup services send to the web. Recognition is pure and never raises: text that is no
identifier comes back as an ``Unrecognised`` with a sentence saying why (a bad ISBN checksum is
worth telling apart from random text). ISBN checksums and hyphenation are isbnlib's, a small,
well-kept library whose only job this is (ADR draft in issue 18's report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import isbnlib

__all__ = [
    "Identifier",
    "IdentifierKind",
    "Unrecognised",
    "field_for",
    "hyphenated_isbn",
    "parse_identifier",
    "recognise",
    "split_identifiers",
]

IdentifierKind = Literal["doi", "isbn", "arxiv", "pmid", "pmcid"]

# Kind -> the reference field that holds it (arXiv: ``eprint`` with ``eprint_type`` "arxiv").
_FIELDS: dict[str, str] = {"doi": "doi", "isbn": "isbn", "arxiv": "eprint", "pmid": "pmid", "pmcid": "pmcid"}
LABELS: dict[str, str] = {"doi": "DOI", "isbn": "ISBN", "arxiv": "arXiv", "pmid": "PMID", "pmcid": "PMCID"}


@dataclass(frozen=True, slots=True)
class Identifier:
    """One recognised identifier. ``value`` is normalised: a bare DOI (case kept, compared
    case-insensitively), an ISBN's digits (ISBN-10 keeps its form; ``isbn13`` converts), an arXiv
    id without version (``version`` apart, "" when none), a PMID's digits, ``PMC`` + digits."""

    kind: IdentifierKind
    value: str
    version: str = ""
    text: str = ""  # as the user gave it

    @property
    def label(self) -> str:
        return f"{LABELS[self.kind]} {self.value}{self.version}"

    @property
    def key(self) -> str:
        """What two spellings of the same identifier share: for duplicates and the queue."""
        if self.kind == "isbn":
            return f"isbn:{isbn13(self.value)}"
        return f"{self.kind}:{self.value.lower()}"

    @property
    def field(self) -> str:
        return _FIELDS[self.kind]


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """A piece of text that is no identifier, and why, in words for the user."""

    text: str
    reason: str


def field_for(kind: str) -> str:
    return _FIELDS[kind]


# DOI: "10." + registrant + "/" + suffix (any printable characters). Links to a resolver (doi.org,
# dx.doi.org, www.doi.org, ACM's old doi.acm.org, as found in real .bib files) and "doi:"
# prefixes are taken off; trailing sentence punctuation is not part of a pasted DOI.
_DOI = re.compile(r"^(?:(?:https?://)?(?:[\w-]+\.)*doi(?:\.acm)?\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.I)
# arXiv: new style YYMM.NNNN(N) since 2007; old style archive(.SUBJ)/YYMMNNN before.
_ARXIV_NEW = r"(\d{4}\.\d{4,5})"
_ARXIV_OLD = r"([a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})"
_ARXIV = re.compile(
    r"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)?"
    rf"(?:{_ARXIV_NEW}|{_ARXIV_OLD})(v\d+)?(?:\.pdf)?$",
    re.I,
)
_PMID = re.compile(r"^(?:pmid:?\s*|(?:https?://)?pubmed\.ncbi\.nlm\.nih\.gov/)?(\d{1,9})/?$", re.I)
_PMCID = re.compile(
    r"^(?:pmcid:?\s*|(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/)?(PMC\d{1,9})/?$", re.I
)
_ISBN = re.compile(r"^(?:isbn(?:-1[03])?:?\s*)?([\d][\d -]{8,16}[\dXx])$", re.I)
_PREFIXED = re.compile(r"^(doi|isbn(?:-1[03])?|arxiv|pmid|pmcid)\s*:\s*$", re.I)


def split_identifiers(text: str) -> list[str]:
    """The pieces of pasted text that may each be one identifier: one per line or separated by
    spaces, commas or semicolons. A prefix followed by a space ("doi: 10.1/x", "ISBN 978 0 ...")
    stays with what follows, and a line that is an ISBN written with spaces stays whole."""
    out: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip().strip(",;")
        if not line:
            continue
        if _ISBN.match(line) and _isbn_digits(line) is not None:
            out.append(line)
            continue
        tokens = [t for t in re.split(r"[\s,;]+", line) if t]
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if (_PREFIXED.match(t) or t.lower() in ("isbn", "pmid", "pmcid")) and i + 1 < len(tokens):
                out.append(f"{t} {tokens[i + 1]}")
                i += 2
                continue
            out.append(t)
            i += 1
    return out


def _isbn_digits(text: str) -> str | None:
    m = _ISBN.match(text.strip())
    if m is None:
        return None
    digits = re.sub(r"[ -]", "", m.group(1)).upper()
    return digits if len(digits) in (10, 13) else None


def isbn13(digits: str) -> str:
    """ISBN-13 form of a valid ISBN (ISBN-10s get the 978 prefix and a new check digit)."""
    if len(digits) == 10:
        converted = isbnlib.to_isbn13(digits)
        return str(converted) if converted else digits
    return digits


def hyphenated_isbn(digits: str) -> str:
    """The ISBN with its group/publisher hyphens (isbnlib's range table), or as given."""
    try:
        masked = isbnlib.mask(digits)
    except Exception:  # isbnlib raises its own errors for ranges it does not know
        return digits
    return str(masked) if masked else digits


def parse_identifier(text: str) -> Identifier | Unrecognised:
    """One piece of text as an identifier, or why it is not one."""
    raw = text.strip()
    t = raw.rstrip(".,;")
    if not t:
        return Unrecognised(raw, "empty")
    m = _DOI.match(t)
    if m is not None:
        doi = m.group(1)
        if doi.endswith(")") and doi.count("(") < doi.count(")"):
            doi = doi[:-1]  # "(see doi:10.1/x)": the bracket closes the sentence, not the DOI
        return Identifier("doi", doi, text=raw)
    if t.lower().startswith(("doi:", "https://doi.org/", "http://doi.org/", "doi.org/")):
        return Unrecognised(raw, "not a DOI: a DOI starts with 10. and a registrant number, then a slash")
    m = _PMCID.match(t)
    if m is not None:
        return Identifier("pmcid", "PMC" + m.group(1)[3:], text=raw)
    m = _ARXIV.match(t)
    if m is not None and (m.group(1) or m.group(2)):
        value = m.group(1) or m.group(2)
        if m.group(1) is not None:
            month = int(value[2:4])
            if not 1 <= month <= 12:
                return Unrecognised(raw, f"not an arXiv identifier: {value[2:4]} is not a month")
        else:
            archive, _, number = value.partition("/")
            # "math.GT/0309136": the subject class is no part of the id (arXiv: math/0309136).
            value = f"{re.sub(r'[.][a-z]{2}$', '', archive.lower())}/{number}"
        return Identifier("arxiv", value, (m.group(3) or "").lower(), text=raw)
    digits = _isbn_digits(t)
    if digits is not None and (len(digits) != 10 or not t.isdigit() or isbnlib.is_isbn10(digits)):
        if isbnlib.is_isbn10(digits) or isbnlib.is_isbn13(digits):
            return Identifier("isbn", digits, text=raw)
        if not t.isdigit() or len(digits) == 13 or t.lower().startswith("isbn"):
            return Unrecognised(raw, f"not a valid ISBN: the check digit of {digits} is wrong (a typo?)")
    m = _PMID.match(t)
    if m is not None and (len(m.group(1)) <= 8 or not t.isdigit()):
        return Identifier("pmid", str(int(m.group(1))), text=raw)
    if t.isdigit() and len(t) in (10, 13):
        return Unrecognised(raw, f"not a valid ISBN: the check digit of {t} is wrong (a typo?)")
    return Unrecognised(raw, "not a DOI, ISBN, arXiv ID, PMID or PMCID")


def recognise(text: str) -> tuple[list[Identifier], list[Unrecognised]]:
    """Every identifier in pasted text (duplicates once, in order), and the pieces that are none."""
    found: dict[str, Identifier] = {}
    bad: list[Unrecognised] = []
    for piece in split_identifiers(text):
        got = parse_identifier(piece)
        if isinstance(got, Identifier):
            found.setdefault(got.key, got)
        else:
            bad.append(got)
    return list(found.values()), bad
