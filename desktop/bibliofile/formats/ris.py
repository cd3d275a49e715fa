"""RIS: read what EndNote, Web of Science, Scopus, Zotero and research portals write; write RIS.

Read with our own line reader rather than ``rispy.loads``: rispy needs exactly ``XX  - `` (two
spaces), but research portals write ``TY - GEN`` with one, and it keeps no line numbers, which
every problem must carry (docs/adr/0005-format-readers.md). Accepted variants: zero to three
spaces before the dash, blank lines between tags, values continued on untagged lines, AB and N2
both holding the abstract, a record cut off without ``ER``. Tags we have no field for are kept in
``Reference.extra`` as ``ris:<TAG>`` and written back, so nothing a file carried is dropped.

What RIS cannot hold (so a BibTeX -> RIS -> BibTeX trip loses it, tests/unit/formats/
test_cross_format.py): subtitles (joined to the title), number of pages, status, the research-
portal fields, BibTeX-only fields kept in ``extra``, the types interview, manual and review, the
"and others" marker, and institutional names containing a comma.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.plain_names import format_plain_name, parse_plain_name
from bibliofile.model.creators import CreatorRole
from bibliofile.model.dates import PartialDate, month_number
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["looks_like_ris", "read_ris", "record_to_reference", "ris_date", "write_ris"]

TAG_RE = re.compile(r"([A-Z][A-Z0-9]) {0,3}-(?: (.*))?$")

TYPE_FROM_RIS: dict[str, str] = {
    "JOUR": "article-journal", "EJOUR": "article-journal", "ABST": "article-journal",
    "INPR": "article-journal", "JFULL": "periodical", "MGZN": "article-magazine",
    "NEWS": "article-newspaper", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "SER": "book", "CTLG": "book", "CLSWK": "book", "CHAP": "chapter", "ECHAP": "chapter",
    "CPAPER": "paper-conference", "CONF": "paper-conference", "THES": "thesis",
    "RPRT": "report", "GOVDOC": "report", "ELEC": "webpage", "ICOMM": "webpage",
    "BLOG": "post-weblog", "DATA": "dataset", "DBASE": "dataset", "AGGR": "dataset",
    "COMP": "software", "MANSCPT": "manuscript", "UNPB": "manuscript", "PAT": "patent",
    "STAT": "legislation", "BILL": "legislation", "LEGAL": "legislation", "HEAR": "legislation",
    "CASE": "legal_case", "MPCT": "motion_picture", "VIDEO": "motion_picture",
    "SLIDE": "speech", "STAND": "standard", "ENCYC": "entry-encyclopedia",
    "DICT": "entry-dictionary", "GEN": "document", "PCOMM": "document",
}
TYPE_TO_RIS: dict[str, str] = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS",
    "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "thesis": "THES",
    "report": "RPRT", "webpage": "ELEC", "post-weblog": "BLOG", "dataset": "DATA",
    "software": "COMP", "manuscript": "UNPB", "patent": "PAT", "legislation": "STAT",
    "legal_case": "CASE", "motion_picture": "MPCT", "speech": "SLIDE", "periodical": "JFULL",
    "standard": "STAND", "entry-encyclopedia": "ENCYC", "entry-dictionary": "DICT",
    "review": "JOUR", "manual": "BOOK", "interview": "GEN", "document": "GEN",
}
ARTICLES = frozenset({"article-journal", "article-magazine", "article-newspaper", "review"})
ROLE_FROM_TAG: dict[str, CreatorRole] = {
    "AU": CreatorRole.AUTHOR, "A1": CreatorRole.AUTHOR, "A2": CreatorRole.EDITOR,
    "ED": CreatorRole.EDITOR, "A3": CreatorRole.SERIES_EDITOR, "A4": CreatorRole.TRANSLATOR,
}
ROLE_TO_TAG: dict[CreatorRole, str] = {
    CreatorRole.AUTHOR: "AU", CreatorRole.EDITOR: "A2", CreatorRole.SERIES_EDITOR: "A3",
    CreatorRole.TRANSLATOR: "A4", CreatorRole.INVENTOR: "AU",
}
# One tag, one field, first occurrence wins (later different values go to extra).
SIMPLE_TAGS: dict[str, str] = {
    "ST": "short_title", "T3": "collection_title", "VL": "volume", "C7": "article_number",
    "PB": "publisher", "CY": "publisher_place", "PP": "publisher_place", "ET": "edition",
    "LA": "language", "M3": "genre", "M1": "number", "IS": "issue", "DO": "doi",
}
SIMPLE_OUT: tuple[tuple[str, str], ...] = (
    ("collection_title", "T3"), ("volume", "VL"), ("issue", "IS"), ("number", "M1"),
)
MULTILINE = frozenset({"AB", "N2", "N1"})
_ISSN = re.compile(r"^\s*\d{4}-?\d{3}[\dXx]\s*$")
_RIS_DATE = re.compile(r"^\s*(\d{4})(?:/(\d{1,2})?(?:/(\d{1,2})?(?:/.*)?)?)?\s*$")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_YEAR_WORD = re.compile(r"^\s*(\d{4})[/ ]+([A-Za-z]{3,9})\.?/*\s*$")
_CONFERENCE = re.compile(r"conference|proceeding|symposium|workshop", re.I)
_DASHES = re.compile(r"\s*(?:--?|–|—)\s*")


def looks_like_ris(text: str) -> bool:
    """A ``TY`` tag line near the start of a line, within the first lines of text."""
    for line in text[:20000].splitlines()[:200]:
        if line.lstrip("\ufeff").startswith("TY") and TAG_RE.match(line.lstrip("\ufeff").rstrip()):
            return True
    return False


def ris_date(text: str) -> PartialDate:
    """"2008", "2008/03/14/", "2008///Spring", "2008/03", "2015/october" -> a partial date;
    "00" for an unknown month or day counts as absent; anything else goes to our own parse."""
    m = _RIS_DATE.match(text)
    if m:
        y, mo, d = (int(g) if g else None for g in m.groups())
        mo = mo or None
        d = d or None
        if mo is not None and not 1 <= mo <= 12:
            return PartialDate(literal=text.strip())
        if d is not None and (mo is None or not 1 <= d <= 31):
            d = None
        return PartialDate(y, mo, d)
    w = _YEAR_WORD.match(text)
    if w and month_number(w.group(2)):
        return PartialDate(int(w.group(1)), month_number(w.group(2)))
    return PartialDate.parse(text)


class _Record:
    __slots__ = ("first", "last", "line", "tags", "type")

    def __init__(self, type_: str, line: int, index: int) -> None:
        self.type = type_
        self.line = line
        self.first = index
        self.last = index
        self.tags: list[list[str]] = []


def read_ris(text: str, file: str = "<text>") -> ReadResult:
    """Read RIS text: References in file order and problems with their line numbers."""
    result = ReadResult()
    lines = text.split("\n")
    problems = result.problems
    current: _Record | None = None
    blank_run = 0
    in_stray = False  # one problem per run of stray lines, not one per line
    match = TAG_RE.match
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        if index == 0:
            line = line.lstrip("\ufeff")
        if not line:
            blank_run += 1
            continue
        m = match(line)
        if m is not None:
            tag = m.group(1)
            value = (m.group(2) or "").strip()
            if tag == "TY":
                if current is not None and not current.tags:
                    # TY lines in a row (a broken export): one record, the last type wins.
                    problems.append(Problem(file, index + 1, f"another TY line before any tag; the record's type is now {value!r}"))
                    current.type = value
                    current.last = index
                    continue
                if current is not None:
                    problems.append(
                        Problem(file, current.line, "record has no ER line; it ends where the next TY begins")
                    )
                    _finish(current, lines, file, result)
                current = _Record(value, index + 1, index)
                in_stray = False
            elif current is None:
                if tag != "ER" and not in_stray:
                    problems.append(Problem(file, index + 1, f"{tag} line outside a record (no TY before it); ignored"))
                in_stray = tag != "ER"
            elif tag == "ER":
                current.last = index
                _finish(current, lines, file, result)
                current = None
            else:
                current.tags.append([tag, value])
                current.last = index
        elif current is not None and current.tags:
            entry = current.tags[-1]
            cont = line.strip()
            if entry[0] in MULTILINE:
                entry[1] = entry[1] + ("\n" * (1 + min(blank_run, 1))) + cont if entry[1] else cont
            else:
                entry[1] = f"{entry[1]} {cont}" if entry[1] else cont
            current.last = index
        elif current is None:
            if not in_stray:
                problems.append(Problem(file, index + 1, "text outside a RIS record; ignored"))
            in_stray = True
        blank_run = 0
    if current is not None:
        problems.append(Problem(file, current.line, "the last record has no ER line; it was read up to the end of the text"))
        _finish(current, lines, file, result)
    result.entries_in_file = sum(1 for _ in result.items)
    return result


def _finish(rec: _Record, lines: list[str], file: str, result: ReadResult) -> None:
    ref, notes = record_to_reference(rec.type, rec.tags)
    ref.source = SourceRecord(
        format="ris",
        text="\n".join(lines[rec.first : rec.last + 1]),
        entry_type=rec.type,
        file=file,
        line=rec.line,
    )
    result.items.append(ref)
    for note in notes:
        result.problems.append(Problem(file, rec.line, note))


def _keep(extra: dict[str, str], tag: str, value: str) -> None:
    key = f"ris:{tag}"
    extra[key] = f"{extra[key]}\n{value}" if key in extra else value


def record_to_reference(ris_type: str, tags: Iterable[Sequence[str]]) -> tuple[Reference, list[str]]:
    """One record's (tag, value) pairs as a Reference; notes say what was bent on the way."""
    notes: list[str] = []
    t = ris_type.strip().upper()
    item_type = TYPE_FROM_RIS.get(t)
    if item_type is None:
        item_type = "document"
        notes.append(f"unknown RIS type {ris_type!r}; read as a generic document")
    ref = Reference(item_type=item_type)
    fields = ref.fields
    extra = ref.extra
    creators = ref.creators
    containers: dict[str, str] = {}
    py = da = ""
    sp = ep = ""
    keywords: list[str] = []
    notes_text: list[str] = []
    for tag, value in tags:
        if not value:
            continue
        if tag == "TI" or tag == "T1":
            if "title" not in fields:
                fields["title"] = " ".join(value.split())
            elif fields["title"] != value:
                _keep(extra, tag, value)
        elif tag in ROLE_FROM_TAG:
            c = parse_plain_name(value, ROLE_FROM_TAG[tag])
            if c is not None:
                creators.append(c)
        elif tag in ("T2", "JO", "JF", "JA", "J2", "BT"):
            if tag in containers:
                _keep(extra, tag, value)
            else:
                containers[tag] = value
        elif tag == "PY" or tag == "Y1":
            if not py or (ris_date(py).year or 0) < 1000 <= (ris_date(value).year or 0):
                if py:
                    _keep(extra, tag, py)
                py = value
            elif value != py:
                _keep(extra, tag, value)
        elif tag == "DA":
            if not da:
                da = value
            else:
                _keep(extra, tag, value)
        elif tag == "Y2":
            d = ris_date(value)
            if "accessed" not in fields and not d.literal and d.year is not None:
                fields["accessed"] = d.iso()
            else:
                _keep(extra, tag, value)
        elif tag == "SP":
            sp = sp or value
        elif tag == "EP":
            ep = ep or value
        elif tag == "KW":
            keywords.extend(k.strip() for k in value.split(";") if k.strip())
        elif tag == "AB" or tag == "N2":
            if "abstract" not in fields:
                fields["abstract"] = value
            elif fields["abstract"] != value:
                _keep(extra, tag, value)
        elif tag == "N1":
            notes_text.append(value)
        elif tag == "UR":
            if "url" not in fields:
                fields["url"] = value
            else:
                _keep(extra, tag, value)
        elif tag == "SN":
            key = "issn" if _ISSN.match(value) else "isbn"
            if key not in fields:
                fields[key] = value
            else:
                _keep(extra, tag, value)
        elif tag == "ID":
            if not ref.citation_key:
                ref.citation_key = value
        else:
            simple = SIMPLE_TAGS.get(tag)
            if simple is None or simple in fields:
                _keep(extra, tag, value)
            else:
                fields[simple] = _DOI_PREFIX.sub("", value) if simple == "doi" else value
    if item_type == "document" and "BT" in containers:
        # Pure (research portals) writes contributions to books and proceedings as GEN + BT.
        hint = f"{fields.get('genre', '')} {containers['BT']}"
        item_type = ref.item_type = "paper-conference" if _CONFERENCE.search(hint) else "chapter"
    if containers:
        if "BT" in containers and "T2" in containers and item_type == "paper-conference":
            fields["container_title"] = containers.pop("BT")
            fields["event_title"] = containers.pop("T2")
        else:
            for tag in ("BT", "T2", "JF", "JO", "JA", "J2"):
                if tag in containers:
                    fields["container_title"] = containers.pop(tag)
                    break
        for tag, value in containers.items():
            _keep(extra, tag, value)
    date = _date(py, da, extra)
    if date:
        fields["date"] = date
    if sp or ep:
        if sp and ep and sp != ep:
            fields["pages"] = f"{sp}–{ep}"
        else:
            fields["pages"] = sp or ep
    if keywords:
        fields["keywords"] = LIST_SEPARATOR.join(dict.fromkeys(keywords))
    if notes_text:
        fields["note"] = "\n".join(notes_text)
    if item_type not in ARTICLES and "issue" in fields and "number" not in fields and item_type in (
        "report", "patent", "standard", "legislation"
    ):
        fields["number"] = fields.pop("issue")
    return ref, notes


def _date(py: str, da: str, extra: dict[str, str]) -> str:
    """The more precise of PY and DA (they disagree only in precision, or one is kept in extra)."""
    a = ris_date(py) if py else PartialDate()
    b = ris_date(da) if da else PartialDate()
    if b.is_empty:
        return a.iso()
    if a.is_empty:
        return b.iso()
    if a.literal or b.literal or a.year != b.year:
        _keep(extra, "DA", da)
        return a.iso()
    precision = (b.month is not None) + (b.day is not None) - (a.month is not None) - (a.day is not None)
    return b.iso() if precision > 0 else a.iso()


# ---- writing --------------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _tag(out: list[str], tag: str, value: str, multiline: bool = False) -> None:
    if not value.strip():
        return
    if multiline:
        parts = value.strip().split("\n")
        out.append(f"{tag}  - {parts[0].strip()}")
        out.extend(p.strip() for p in parts[1:] if p.strip())
    else:
        out.append(f"{tag}  - {_one_line(value)}")


def format_ris(ref: Reference) -> str:
    """One reference as a RIS record, ending with ``ER  - ``."""
    f = ref.fields
    out: list[str] = [f"TY  - {TYPE_TO_RIS.get(ref.item_type, 'GEN')}"]
    if ref.citation_key:
        _tag(out, "ID", ref.citation_key)
    title = f.get("title", "")
    if f.get("subtitle"):
        title = f"{title}: {f['subtitle']}" if title else f["subtitle"]
    _tag(out, "TI", title)
    _tag(out, "ST", f.get("short_title", ""))
    for c in ref.creators:
        if c.others:
            continue
        tag = ROLE_TO_TAG.get(c.role)
        if tag is not None:  # RIS has no tag for the other roles
            _tag(out, tag, format_plain_name(c))
    if ref.item_type == "paper-conference" and f.get("event_title"):
        _tag(out, "BT", f.get("container_title", ""))
        _tag(out, "T2", f["event_title"])
    else:
        _tag(out, "T2", f.get("container_title", ""))
    for key, tag in SIMPLE_OUT:
        _tag(out, tag, f.get(key, ""))
    date = PartialDate.parse(f.get("date", "")) if f.get("date") else PartialDate()
    if date.literal or date.is_range:
        _tag(out, "PY", date.iso())
    elif date.year is not None:
        _tag(out, "PY", f"{date.year:04d}")
        if date.month is not None:
            day = f"/{date.day:02d}" if date.day is not None else ""
            _tag(out, "DA", f"{date.year:04d}/{date.month:02d}{day}")
    accessed = PartialDate.parse(f.get("accessed", "")) if f.get("accessed") else PartialDate()
    if accessed.year is not None and not accessed.is_range:
        parts = [f"{accessed.year:04d}"]
        if accessed.month is not None:
            parts.append(f"{accessed.month:02d}")
            if accessed.day is not None:
                parts.append(f"{accessed.day:02d}")
        _tag(out, "Y2", "/".join(parts))
    pages = f.get("pages", "")
    if pages:
        bits = _DASHES.split(pages.strip(), maxsplit=1)
        if len(bits) == 2 and bits[0] and bits[1] and "," not in pages:
            _tag(out, "SP", bits[0])
            _tag(out, "EP", bits[1])
        else:
            _tag(out, "SP", pages)
    for key, tag in (
        ("article_number", "C7"), ("publisher", "PB"), ("publisher_place", "CY"),
        ("edition", "ET"), ("genre", "M3"), ("language", "LA"), ("isbn", "SN"),
        ("issn", "SN"), ("doi", "DO"), ("url", "UR"),
    ):
        _tag(out, tag, f.get(key, ""))
    for word in (w.strip() for w in f.get("keywords", "").split(";")):
        _tag(out, "KW", word)
    _tag(out, "AB", f.get("abstract", ""), multiline=True)
    _tag(out, "N1", f.get("note", ""), multiline=True)
    for key, value in ref.extra.items():
        if key.startswith("ris:") and len(key) == 6:
            for v in value.split("\n"):
                _tag(out, key[4:], v)
    out.append("ER  - ")
    return "\n".join(out)


def write_ris(refs: Iterable[Reference]) -> str:
    """RIS text for references, records separated by a blank line (what EndNote writes)."""
    return "".join(format_ris(r) + "\n\n" for r in refs)
