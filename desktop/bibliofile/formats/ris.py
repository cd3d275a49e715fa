"""RIS: read what EndNote, Web of Science, Scopus, Zotero and research portals write; write RIS.

Read with our own line reader rather than ``rispy.loads``: rispy needs exactly ``XX  - `` (two
spaces), but research portals write ``TY - GEN`` with one, and it keeps no line numbers, which
every problem must carry (docs/adr/0005-format-readers.md). Accepted variants: zero to three
spaces before the dash, blank lines between tags, values continued on untagged lines, AB and N2
both holding the abstract, a record cut off without ``ER``. Tags we have no field for are kept in
``Reference.extra`` as ``ris:<TAG>`` and written back, so nothing a file carried is dropped.

RIS types map as Zotero's RIS translator maps them, with the few differences our richer type list
allows; the table and its reasons are in docs/ris-types.md.

How values with line breaks are written (the writer must never let a value forge a record; issue
14): see ``encode_value``. What RIS cannot hold is reported by ``export_ris`` (``RisLoss``), and
tests/unit/formats/test_ris_fidelity.py lists it: subtitles (joined to the title), the number of
pages except on books, theses and manuscripts, status, the research-portal fields, BibTeX-only
fields kept in ``extra``, creator roles without a RIS tag, the types interview, manual and review,
the "and others" marker, institutional names containing a comma, NUL characters, and line breaks
other than LF (written as LF).

Export -> import -> export gives the same file (issue 14; tests/unit/formats/
test_ris_roundtrip_corpus.py, and the corpus fuzzer tests/unit/test_fuzz_import.py). So what RIS
reads back differently is written the way it will be read, and still reported: a DOI without its
resolver prefix; a report's, patent's, standard's or law's issue as M1 (its number); a name RIS
reads otherwise in the form it is read in (BibTeX's "Sherry, John F., Jr." has the given name
"Jr.": RIS takes "Jr." for a suffix); an ISSN field that is not an ISSN as the ISBN it reads
back as, or, beside an ISBN, as the first kept SN; a kept value's CR as LF. The reader keeps
keywords as written, repeats included; keeps what it sets aside in ``extra`` in the record's
order; takes a second IS of a numbered type as the issue; and weighs later PY/Y1 values against
the date PY and DA give together (one that adds nothing is dropped, one that adds precision
refines the date, others are kept). The export's order is the library's file order
(services/exporting.py), so a re-import lists the references in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.plain_names import format_plain_name, split_particle
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate, month_number
from bibliofile.model.fields import LIST_SEPARATOR
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = [
    "ANNOTATION_LABEL",
    "RisExport",
    "RisLoss",
    "encode_value",
    "export_ris",
    "looks_like_ris",
    "loss_note",
    "read_ris",
    "record_to_reference",
    "ris_date",
    "ris_name",
    "write_ris",
]

TAG_RE = re.compile(r"([A-Z][A-Z0-9]) {0,3}-(?: (.*))?$")

# RIS type -> our type. Zotero's RIS translator (RIS.js importTypeMap + exportTypeMap) is the
# reference; where we differ, docs/ris-types.md says why.
TYPE_FROM_RIS: dict[str, str] = {
    "JOUR": "article-journal", "EJOUR": "article-journal", "ABST": "article-journal",
    "INPR": "article-journal", "JFULL": "periodical", "MGZN": "article-magazine",
    "NEWS": "article-newspaper", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "SER": "book", "CTLG": "book", "CLSWK": "book", "CHAP": "chapter", "ECHAP": "chapter",
    "CPAPER": "paper-conference", "CONF": "paper-conference", "THES": "thesis",
    "RPRT": "report", "GOVDOC": "report", "ELEC": "webpage", "WEB": "webpage",
    "ICOMM": "personal_communication", "PCOMM": "personal_communication",
    "BLOG": "post-weblog", "DATA": "dataset", "DBASE": "dataset", "AGGR": "dataset",
    "COMP": "software", "MANSCPT": "manuscript", "UNPB": "manuscript", "PAMP": "manuscript",
    "UNBILL": "manuscript", "UNPD": "manuscript", "PAT": "patent",
    "STAT": "legislation", "BILL": "legislation", "HEAR": "hearing", "LEGAL": "legal_case",
    "CASE": "legal_case", "MPCT": "motion_picture", "VIDEO": "motion_picture",
    "ADVS": "motion_picture", "MULTI": "motion_picture",
    "ART": "graphic", "CHART": "graphic", "FIGURE": "graphic", "MAP": "map",
    "MUSIC": "song", "SOUND": "song",
    "SLIDE": "speech", "STAND": "standard", "ENCYC": "entry-encyclopedia",
    "DICT": "entry-dictionary", "GEN": "document", "ANCIENT": "document", "EQUA": "document",
    "GRNT": "document",
}
TYPE_TO_RIS: dict[str, str] = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS",
    "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "thesis": "THES",
    "report": "RPRT", "webpage": "ELEC", "post-weblog": "BLOG", "dataset": "DATA",
    "software": "COMP", "manuscript": "MANSCPT", "patent": "PAT", "legislation": "STAT",
    "legal_case": "CASE", "motion_picture": "MPCT", "speech": "SLIDE", "periodical": "JFULL",
    "standard": "STAND", "entry-encyclopedia": "ENCYC", "entry-dictionary": "DICT",
    "graphic": "ART", "map": "MAP", "song": "SOUND", "personal_communication": "PCOMM",
    "hearing": "HEAR", "review": "JOUR", "manual": "BOOK", "interview": "GEN", "document": "GEN",
}
ARTICLES = frozenset({"article-journal", "article-magazine", "article-newspaper", "review"})
# Types whose IS is read as their number (a report's or patent's number, not a journal issue).
NUMBERED_TYPES = frozenset({"report", "patent", "standard", "legislation"})
# Types whose SP holds the number of pages (the RIS spec for BOOK and THES; Zotero's numPages).
NUMBER_OF_PAGES_TYPES = frozenset({"book", "thesis", "manuscript"})
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
LATER_OUT: tuple[tuple[str, str], ...] = (
    ("article_number", "C7"), ("publisher", "PB"), ("publisher_place", "CY"),
    ("edition", "ET"), ("genre", "M3"), ("language", "LA"), ("isbn", "SN"),
    ("issn", "SN"), ("doi", "DO"), ("url", "UR"),
)
# Fields the writer carries; every other field of a reference is reported as lost.
WRITTEN_FIELDS = frozenset(
    {"title", "subtitle", "short_title", "container_title", "event_title", "date", "accessed",
     "pages", "number_of_pages", "keywords", "abstract", "note", "annote"}
    | {k for k, _ in SIMPLE_OUT} | {k for k, _ in LATER_OUT}
)
MULTILINE = frozenset({"AB", "N2", "N1"})
# Kept tags the reader puts into a field when the reference leaves that field empty, and those
# it may take whatever the reference holds (creators, keywords, notes, dates, SN, ID): a record
# with such a kept tag is written as it reads back (``format_ris_checked``); records without
# one, nearly all, are not read again (a kept JO beside a journal stays kept).
FILLS_FIELD: dict[str, str] = {
    **SIMPLE_TAGS, "TI": "title", "T1": "title", "T2": "container_title", "JO": "container_title",
    "JF": "container_title", "JA": "container_title", "J2": "container_title", "BT": "container_title",
    "AB": "abstract", "N2": "abstract", "UR": "url", "Y2": "accessed", "SP": "pages", "EP": "pages",
}
MAY_FILL = frozenset({"KW", "N1", "ID", "SN", "PY", "Y1", "DA", "SP", "EP", *ROLE_FROM_TAG})
# BibTeX's annote (an annotation for annotated bibliographies) goes out as its own N1 note with
# this label, the way Zotero labels values it has no field for; our reader takes it back.
ANNOTATION_LABEL = "Annotation: "
# Our writer's continuation lines start with a tab: other readers (Zotero, rispy, EndNote) trim
# it and take the line as a continuation; ours takes the rest of the line verbatim.
CONTINUATION = "\t"
_ISSN = re.compile(r"^\s*\d{4}-?\d{3}[\dXx]\s*$")
_RIS_DATE = re.compile(r"^\s*(\d{4})(?:/(\d{1,2})?(?:/(\d{1,2})?(?:/.*)?)?)?\s*$")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI_ONLY = re.compile(r"^\s*(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)?10\.\d{4,}/\S+\s*$", re.I)
_YEAR_WORD = re.compile(r"^\s*(\d{4})[/ ]+([A-Za-z]{3,9})\.?/*\s*$")
_CONFERENCE = re.compile(r"conference|proceeding|symposium|workshop", re.I)
_DASHES = re.compile(r"\s*(?:--?|–|—)\s*")
# Characters some reader takes for a line break (Python's str.splitlines, JavaScript, Zotero).
_BREAKS = re.compile("\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# Runs of whitespace in a title (a wrapped line, U+2028 from Atypon sites), except no-break spaces.
_BREAKING_SPACE = re.compile(r"[^\S\xa0\u2007\u202f]+")


def _respace(title: str) -> str:
    """A title as one line with single spaces; no-break spaces are the author's and stay."""
    return _BREAKING_SPACE.sub(" ", title).strip()


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


# ---- names ----------------------------------------------------------------------------------

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"})
# Words that make a comma-less name an institution (lower case; compared without punctuation).
_INSTITUTION_TEXT = """
    university universität universitat université universite universidad università universita
    universiteit universitet uniwersytet univ institute institut instituto istituto institution
    group consortium organization organisation organizacion organização association society
    société societe sociedad gesellschaft committee council foundation fondation fundación
    stiftung agency department dept ministry ministerio ministère office centre center centro
    zentrum laboratory laboratories lab labs collaboration collaborative team project network
    commission board bureau corporation corp company co inc ltd llc gmbh plc federation union
    authority service services government library museum school college hospital clinic academy
    akademie académie academia trust fund alliance initiative programme program panel party
    publishing publishers research statistics parliament congress senate assembly
    police unit division registry observatory studies sciences science technology technologies
    health national international european world royal federal republic kingdom nations
    administration directorate secretariat partnership forum conference symposium workshop
    working taskforce task force consortia industries systems solutions verlag
"""
_INSTITUTION_WORDS = frozenset(_INSTITUTION_TEXT.split())
_FUNCTION_WORDS = frozenset({"of", "for", "and", "the", "on", "at", "in", "&", "für", "und", "et"})


def _looks_institutional(words: list[str]) -> bool:
    """Institution cues in a comma-less name: a cue word, a function word, digits or symbols, an
    all-caps acronym (but "Xuran CAI", a family name in capitals, is a person, and so is a name
    written all in capitals, "JOHN SMITH", unless a word has no vowel, "NASA JPL")."""
    text = " ".join(words)
    if len(words) > 6 or any(ch.isdigit() for ch in text) or any(ch in text for ch in "&()/@:;!?\"[]{}"):
        return True
    for w in words:
        bare = w.strip(".,'’-").lower()
        if bare in _INSTITUTION_WORDS or w.lower() in _FUNCTION_WORDS:
            return True
    caps = [w for w in words if len(w) >= 2 and w.isalpha() and w.isupper()]
    if any(len(w) >= 3 and not set(w) & set("AEIOUY") for w in caps):
        return True  # "JPL", "NHS", "CNRS": no name is all consonants
    if caps and len(caps) < len(words):
        family_in_capitals = (
            len(words) <= 3 and len(caps) == 1 and caps[0] in (words[0], words[-1])
            and all(w[:1].isupper() for w in words)
        )
        return not family_in_capitals
    return False


_INITIALS = re.compile(r"(?:[A-Z]\.(?:-?[A-Z]\.)*|[A-Z]{1,2})$")


def _person_from_words(words: list[str], role: CreatorRole) -> Creator:
    """BibTeX's First von Last for a comma-less name: the last word is the family name, a run of
    lower-case words before it is the particle, the words before that are the given names. Web of
    Science and MEDLINE put initials last ("Fanning E.", "Smith JA"): then they are the given names.
    """
    suffix = ""
    if len(words) >= 3 and words[-1].lower() in _SUFFIXES:
        suffix = words[-1]
        words = words[:-1]
    tail = len(words)
    while tail > 1 and _INITIALS.match(words[tail - 1]):
        tail -= 1
    if tail < len(words) and not _INITIALS.match(words[0]):
        particle, family = split_particle(" ".join(words[:tail]))
        return Creator(role=role, family=family, given=" ".join(words[tail:]), particle=particle, suffix=suffix)
    family = words[-1]
    first_lower = next((i for i, w in enumerate(words[:-1]) if w[:1].islower()), None)
    if first_lower is None:
        return Creator(role=role, family=family, given=" ".join(words[:-1]), suffix=suffix)
    return Creator(
        role=role,
        family=family,
        given=" ".join(words[:first_lower]),
        particle=" ".join(words[first_lower:-1]),
        suffix=suffix,
    )


def ris_name(text: str, role: CreatorRole = CreatorRole.AUTHOR) -> tuple[Creator | None, bool]:
    """One RIS name and whether it was a comma-less name read as a person (the caller says so).

    "Family, Given" and "Family, Given, Suffix" as before. Without a comma JabRef and Zotero's users
    expect a person, given names first ("Catarina Barata"), unless the name looks like an
    institution (``_looks_institutional``); one word stays whole. EndNote writes corporate
    authors with a trailing comma ("World Health Organization,"): several words, a trailing comma
    and nothing after it is an institution too, unless it is a particle and one family name
    ("van der Berg,"); "Plato," is a person. So a person with no given name and a family name of
    several words ("Abu Bakr,") cannot be told from an institution: the writer reports it.
    Only ASCII whitespace separates words, so non-breaking spaces stay inside a name.
    """
    t = (text if text.isprintable() and "  " not in text else _ASCII_SPACE.sub(" ", text)).strip(" ")
    if not t:
        return None, False
    if "," not in t:
        words = t.split(" ")
        if len(words) < 2 or _looks_institutional(words):
            return Creator.institution(t, role), False
        return _person_from_words(words, role), True
    family_part, _, rest = t.partition(",")
    family_part = family_part.strip(" ")
    given, suffix = rest.strip(" "), ""
    if not given:
        words = family_part.split(" ")
        particles = 0
        while particles < len(words) and words[particles][:1].islower():
            particles += 1
        if len(words) >= 2 and len(words) - particles != 1:  # not "van der Berg,"
            return Creator.institution(family_part, role), False
    if "," in given:
        a, _, b = given.partition(",")
        a, b = a.strip(" "), b.strip(" ")
        # "Family, Jr, Given" (BibTeX order) or "Family, Given, Jr" (RIS order)
        if a.lower() in _SUFFIXES and b.lower() not in _SUFFIXES:
            given, suffix = b, a
        else:
            given, suffix = a, b
    particle, family = split_particle(family_part)
    return Creator(role=role, family=family, given=given, particle=particle, suffix=suffix), False


def format_ris_name(c: Creator) -> str:
    """A creator as RIS writes it: "Family, Given"; an institution that would read back as a
    person gets EndNote's trailing comma ("Catarina Barata Lab" needs none, it has a cue word)."""
    if not c.literal:
        return format_plain_name(c)
    if "," not in c.literal and ris_name(c.literal, c.role)[0] != Creator.institution(c.literal, c.role):
        return f"{c.literal},"
    return c.literal


# ---- reading --------------------------------------------------------------------------------


class _Record:
    __slots__ = ("first", "last", "line", "tags", "type")

    def __init__(self, type_: str, line: int, index: int) -> None:
        self.type = type_
        self.line = line
        self.first = index
        self.last = index
        # [tag, value, parts]: a continued value is built from parts, joined once at the end of
        # the record, so reading stays linear in the value's size (it was quadratic).
        self.tags: list[list[Any]] = []


def read_ris(text: str, file: str = "<text>") -> ReadResult:
    """Read RIS text: References in file order and problems with their line numbers.

    A line starting with a tab continues the value before it verbatim, after a line break (our
    writer's form, ``encode_value``); other untagged lines are continuations as other programs
    write them: trimmed, joined with a space, or with a line break in abstracts and notes.
    """
    result = ReadResult()
    lines = text.split("\n")
    problems = result.problems
    current: _Record | None = None
    blank_run = 0
    in_stray = False  # one problem per run of stray lines, not one per line
    lost_after_ty = False
    match = TAG_RE.match
    for index, raw in enumerate(lines):
        if raw[:1] == CONTINUATION and current is not None and current.tags:
            entry = current.tags[-1]
            parts = entry[2]
            if parts is None:
                parts = entry[2] = [entry[1]] if entry[1] else []
                entry.append(True)  # written by us: verbatim, never re-spaced
            if parts:
                parts.append("\n")
            parts.append(raw[1:-1] if raw[-1:] == "\r" else raw[1:])
            current.last = index
            blank_run = 0
            continue
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
                lost_after_ty = False
            elif current is None:
                if tag != "ER" and not in_stray:
                    problems.append(Problem(file, index + 1, f"{tag} line outside a record (no TY before it); ignored", True))
                in_stray = tag != "ER"
            elif tag == "ER":
                current.last = index
                _finish(current, lines, file, result)
                current = None
            else:
                current.tags.append([tag, value, None])
                current.last = index
        elif current is not None and current.tags:
            entry = current.tags[-1]
            if entry[0] == "KW" and len(entry) < 4:  # EndNote: one keyword a line after one KW (as Zotero)
                current.tags.append(["KW", line.strip(), None])
                current.last = index
                blank_run = 0
                continue
            parts = entry[2]
            if parts is None:
                parts = entry[2] = [entry[1]] if entry[1] else []
            if parts:
                parts.append(("\n" * (1 + min(blank_run, 1))) if entry[0] in MULTILINE else " ")
            parts.append(line.strip())
            current.last = index
        elif current is None:
            if not in_stray:
                problems.append(Problem(file, index + 1, "text outside a RIS record; ignored", True))
            in_stray = True
        elif not lost_after_ty:
            problems.append(Problem(file, index + 1, "text between TY and the first tag; ignored", True))
            lost_after_ty = True
        blank_run = 0
    if current is not None:
        problems.append(Problem(file, current.line, "the last record has no ER line; it was read up to the end of the text"))
        _finish(current, lines, file, result)
    result.entries_in_file = sum(1 for _ in result.items)
    return result


def _finish(rec: _Record, lines: list[str], file: str, result: ReadResult) -> None:
    for entry in rec.tags:
        if entry[2] is not None:
            entry[1] = "".join(entry[2])
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


Kept = dict[str, list[tuple[int, str]]]


def _keep(kept: Kept, tag: str, value: str, pos: int) -> None:
    """Keep a value we have no field for under ``ris:<TAG>``, with its place in the record, so the
    kept values are written back in the order the record had them, whatever order they were set
    aside in (a second JF kept at once, the first one only once the T2 won: issue 14)."""
    kept.setdefault(f"ris:{tag}", []).append((pos, value))


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
    kept: Kept = {}
    creators = ref.creators
    containers: dict[str, tuple[int, str]] = {}
    py = py_tag = da = ""
    py_pos = da_pos = 0
    other_dates: list[tuple[int, str, str]] = []  # PY/Y1 after the first: (place, tag, value)
    sp = ep = ""
    keywords: list[str] = []
    notes_text: list[str] = []
    annotations: list[str] = []
    guessed: list[str] = []
    for pos, entry in enumerate(tags):
        tag, value = entry[0], entry[1]
        if not value:
            continue
        if tag == "TI" or tag == "T1":
            if len(entry) < 4:  # not our verbatim form: one line, single spaces (as JabRef, Zotero)
                value = _respace(value)
            if "title" not in fields:
                fields["title"] = value
            elif fields["title"] != value:
                _keep(kept, tag, value, pos)
        elif tag in ROLE_FROM_TAG:
            c, was_guessed = ris_name(value, ROLE_FROM_TAG[tag])
            if c is not None:
                creators.append(c)
                if was_guessed:
                    guessed.append(f"{value.strip()!r} -> {c.inverted_name!r}")
        elif tag in ("T2", "JO", "JF", "JA", "J2", "BT"):
            if tag in containers:
                _keep(kept, tag, value, pos)
            else:
                containers[tag] = (pos, value)
        elif tag == "PY" or tag == "Y1":
            if not py or (ris_date(py).year or 0) < 1000 <= (ris_date(value).year or 0):
                if py:
                    other_dates.append((py_pos, py_tag, py))
                py, py_tag, py_pos = value, tag, pos
            else:
                other_dates.append((pos, tag, value))
        elif tag == "DA":
            if not da:
                da, da_pos = value, pos
            else:
                _keep(kept, tag, value, pos)
        elif tag == "Y2":
            d = ris_date(value)
            if "accessed" not in fields and not d.literal and d.year is not None:
                fields["accessed"] = d.iso()
            else:
                _keep(kept, tag, value, pos)
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
                _keep(kept, tag, value, pos)
        elif tag == "N1":
            if value.startswith(ANNOTATION_LABEL):
                if len(value) > len(ANNOTATION_LABEL):  # the label alone: an empty annotation
                    annotations.append(value[len(ANNOTATION_LABEL):])
            else:
                notes_text.append(value)
        elif tag == "UR":
            if "url" not in fields:
                fields["url"] = value
            else:
                _keep(kept, tag, value, pos)
        elif tag == "SN":
            key = "issn" if _ISSN.match(value) else "isbn"
            if key not in fields:
                fields[key] = value
            else:
                _keep(kept, tag, value, pos)
        elif tag == "ID":
            if not ref.citation_key:
                ref.citation_key = value
        else:
            simple = SIMPLE_TAGS.get(tag)
            if simple is None or simple in fields or (tag == "M3" and _DOI_ONLY.match(value)):
                _keep(kept, tag, value, pos)  # M3 "doi: 10...." (ScienceDirect) is no genre
            else:
                fields[simple] = _DOI_PREFIX.sub("", value) if simple == "doi" else value
    if item_type == "document" and "BT" in containers:
        # Pure (research portals) writes contributions to books and proceedings as GEN + BT.
        hint = f"{fields.get('genre', '')} {containers['BT'][1]}"
        item_type = ref.item_type = "paper-conference" if _CONFERENCE.search(hint) else "chapter"
    if containers:
        if "BT" in containers and "T2" in containers and item_type == "paper-conference":
            fields["container_title"] = containers.pop("BT")[1]
            fields["event_title"] = containers.pop("T2")[1]
        else:
            for tag in ("BT", "T2", "JF", "JO", "JA", "J2"):
                if tag in containers:
                    fields["container_title"] = containers.pop(tag)[1]
                    break
        for tag, (at, value) in containers.items():
            _keep(kept, tag, value, at)
    date = _other_dates(_date(py, py_tag, da, kept, py_pos, da_pos), py, other_dates, kept)
    if date:
        fields["date"] = date
    if sp and not ep and item_type in NUMBER_OF_PAGES_TYPES and not _DASHES.search(sp):
        fields["number_of_pages"] = sp  # a book's SP is its number of pages (RIS spec, Zotero)
    elif sp or ep:
        if sp and ep and sp != ep:
            fields["pages"] = f"{sp}–{ep}"
        else:
            fields["pages"] = sp or ep
    if keywords:  # as written, repeats included (a repeat was the file's, or the library's)
        fields["keywords"] = LIST_SEPARATOR.join(keywords)
    if notes_text:
        fields["note"] = "\n".join(notes_text)
    if annotations:
        fields["annote"] = "\n".join(annotations)
    if "issue" in fields and "number" not in fields and item_type in NUMBERED_TYPES:
        fields["number"] = fields.pop("issue")
        if kept.get("ris:IS"):  # a second IS is the issue: as our M1 + IS reads back
            fields["issue"] = min(kept["ris:IS"])[1]
            kept["ris:IS"].remove(min(kept["ris:IS"]))
            if not kept["ris:IS"]:
                del kept["ris:IS"]
    for key in sorted(kept, key=lambda k: min(kept[k])):  # tags in the record's order
        ref.extra[key] = "\n".join(value for _, value in sorted(kept[key]))
    if guessed:
        notes.append("names without a comma read as persons, given names first: " + ", ".join(guessed))
    return ref, notes


def _refines(fine: PartialDate, coarse: PartialDate) -> bool:
    """``fine`` is the date ``coarse`` is, as precisely or more: then ``coarse`` adds nothing.

    Why the reader drops such a PY or Y1 rather than keep it in ``extra``: written back beside the
    date, it said nothing the date did not, and the next reading dropped it, so the second export
    lost a line (Zotero and JabRef files give "Y1 2014/06/01" and "PY 2014"; issue 14)."""
    if fine.literal or coarse.literal or fine.is_range or coarse.is_range or fine.year is None:
        return False
    return (
        fine.year == coarse.year
        and coarse.month in (None, fine.month)
        and coarse.day in (None, fine.day)
    )


def _other_dates(date: str, py: str, others: list[tuple[int, str, str]], kept: Kept) -> str:
    """The date made more precise by later PY/Y1 values that agree with it ("PY 2014" then
    "Y1 2014/06/01"); those it already says ("PY 2016" beside "Y1 2016/10/19") are dropped, the
    others kept. Decided against the date of PY and DA together, never PY alone, so a record we
    wrote (PY year, DA full date, kept PYs after) reads back as the same date and the same kept
    values: a kept "PY 2013/02/15/received" once refined our "PY 2013" over "DA 2013/04/18"."""
    d = PartialDate.parse(date) if date else PartialDate()
    for pos, tag, value in others:
        v = ris_date(value)
        if value == py or _refines(d, v):
            continue
        if _refines(v, d) and not d.is_empty:
            d = v
            date = v.iso()
            continue
        _keep(kept, tag, value, pos)
    return date


def _date(py: str, py_tag: str, da: str, kept: Kept, py_pos: int = 0, da_pos: int = 0) -> str:
    """The more precise of PY/Y1 and DA (they disagree only in precision, or one is kept in extra).

    When the years disagree PY wins, but Y1 (the old spec's date tag, which DA replaced) loses to
    DA, as in Zotero: exports write placeholders such as ``Y1 - 1900/01/01`` beside the real DA.
    """
    a = ris_date(py) if py else PartialDate()
    b = ris_date(da) if da else PartialDate()
    if b.is_empty:
        return a.iso()
    if a.is_empty:
        return b.iso()
    if a.literal or b.literal or a.year != b.year:
        if py_tag == "Y1" and not b.literal:
            _keep(kept, "Y1", py, py_pos)
            return b.iso()
        _keep(kept, "DA", da, da_pos)
        return a.iso()
    precision = (b.month is not None) + (b.day is not None) - (a.month is not None) - (a.day is not None)
    return b.iso() if precision > 0 else a.iso()


# ---- writing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RisLoss:
    """Something a reference holds that its RIS record does not give back verbatim.

    ``index`` is the reference's position in the export, ``field`` a field key, ``creators``,
    ``item_type`` or ``extra:<key>``.
    """

    index: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"reference {self.index + 1}, {self.field}: {self.message}"


def loss_note(loss: RisLoss, ref: Reference) -> str:
    """A loss as one plain sentence for the export summary, naming the reference as the BibTeX
    writer's notes do (by citation key, else by its position and title)."""
    if ref.citation_key:
        who = f"entry '{ref.citation_key}'"
    else:
        title = ref.fields.get("title", "")
        short = title if len(title) <= 40 else title[:39] + "…"
        who = f"reference {loss.index + 1}" + (f" ({short!r})" if short else "")
    what = loss.field if loss.field in ("creators", "item_type") or loss.field.startswith("extra:") else f"field '{loss.field}'"
    return f"RIS {who}: {what}: {loss.message}"


@dataclass(slots=True)
class RisExport:
    """RIS text and what it could not carry (for the export summary)."""

    text: str
    losses: list[RisLoss] = field(default_factory=list)


def encode_value(value: str, verbatim: bool = False) -> tuple[list[str], list[str]]:
    """A value as RIS lines: (lines, notes). ``lines[0]`` goes on the tag line ("" for none), each
    further line is written after a tab; ``notes`` say what could not be carried.

    Why this form: RIS has no escape, and a raw line break lets a value forge records
    (``...\\nER  - \\nTY  - JOUR``). Every reader we know (Zotero's RIS.js, rispy, EndNote, ours)
    takes an untagged line as a continuation of the value before it, and no reader takes a line
    that starts with a tab for a tag, so the value's own lines follow the tag line, each after a
    tab. Other readers trim the tab and join the lines (Zotero keeps the line breaks of notes and
    abstracts); our reader keeps each line verbatim, so the value comes back exactly: blank lines,
    indentation, trailing spaces, ``ER  -`` or ``TY  - JOUR`` at the start of a line. The first
    line goes on the tag line only when trimming cannot change it, and not at all when ``verbatim``
    (a title our reader would otherwise re-space, ``_respace``). Cannot be carried, reported:
    NUL (dropped: it makes the file binary to other tools) and line breaks other than LF (CR, CRLF,
    VT, FF, U+001C-U+001E, NEL, U+2028, U+2029: readers split lines at them; written as LF).
    """
    notes: list[str] = []
    if "\0" in value:
        value = value.replace("\0", "")
        notes.append("NUL characters dropped")
    broken = _BREAKS.sub("\n", value)
    if broken != value:
        notes.append("line breaks other than LF (CR, CRLF, U+2028, ...) written as LF")
    lines = broken.split("\n")
    first = lines[0]
    if first and first == first.strip() and not verbatim:
        return lines, notes
    return ["", *lines], notes


Losses = list[tuple[str, str]]


def _tag(
    out: list[str], tag: str, value: str, losses: Losses | None = None, key: str = "", verbatim: bool = False
) -> None:
    """One tag with its value encoded (``encode_value``); what was bent goes to ``losses``."""
    if not value:
        return
    lines, notes = encode_value(value, verbatim)
    if losses is not None:
        losses.extend((key or tag, n) for n in notes)
    if lines == ["", ""]:
        return  # nothing but NULs: an empty tag would read back as no value at all
    out.append(f"{tag}  - {lines[0]}" if lines[0] else f"{tag}  - ")
    out.extend(CONTINUATION + line for line in lines[1:])


def _keywords_as_read(value: str) -> str:
    words = (k.strip() for k in value.split(";"))
    return LIST_SEPARATOR.join(w for w in words if w)


def _name_as_read(written: str, tag: str) -> Creator | None:
    return ris_name(_BREAKS.sub("\n", written.replace("\0", "")), ROLE_FROM_TAG[tag])[0]


def _sn_as_read(f: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """ISBN and ISSN by the field the reader gives each SN (an ISSN's shape, NNNN-NNNX, or
    else the ISBN), and the ones it would set aside in ``extra`` because that field is taken
    (an ISSN field holding "ª‚87654321" beside an ISBN). Written in that form, the second
    export writes the same SN lines in the same places."""
    sn: dict[str, str] = {}
    kept: list[str] = []
    for key in ("isbn", "issn"):
        value = f.get(key, "")
        if not value:
            continue
        as_read = "issn" if _ISSN.match(value) else "isbn"
        if as_read in sn:
            kept.append(value)
        else:
            sn[as_read] = value
    return sn, kept


def format_ris_checked(ref: Reference, settle: bool = True) -> tuple[str, Losses]:
    """One reference as a RIS record ending with ``ER  - ``, and (field, message) for each thing
    the record does not carry verbatim.

    A kept tag the reader has a field for (``extra["ris:JF"]`` once the journal was cleared, an
    ``ris:KW`` from a .bib) is read back into that field, not kept: such a record is written as it
    reads back (``settle``), so the next export writes the same lines."""
    text, losses = _format_ris(ref)
    if settle and any(_may_fill(k[4:], v, ref) for k, v in ref.extra.items() if k[:4] == "ris:"):
        back = next((r for r in read_ris(text).items if isinstance(r, Reference)), None)
        if back is not None:
            again = _format_ris(back)[0]
            if again != text:
                losses.append(("extra", "kept RIS tags fill fields the reference leaves empty; written as they read back"))
                return again, losses
    return text, losses


def _may_fill(tag: str, value: str, ref: Reference) -> bool:
    """Whether a kept ``tag`` may be read back into the reference (or dropped as the value it
    already holds) rather than kept again."""
    if tag in MAY_FILL or (tag == "BT" and TYPE_TO_RIS.get(ref.item_type, "GEN") == "GEN"):  # GEN + BT: a chapter
        return True
    if tag == "IS" and ref.item_type in NUMBERED_TYPES:  # its issue may go out as M1
        return True
    if tag == "T2" and ref.item_type == "paper-conference":  # the event, or the proceedings
        return not (ref.fields.get("container_title") and ref.fields.get("event_title"))
    key = FILLS_FIELD.get(tag)
    if key is None:
        return False
    have = ref.fields.get(key, "").replace("\0", "")  # (NULs are not written)
    return not have or have in value.split("\n")


def _format_ris(ref: Reference) -> tuple[str, Losses]:
    f = ref.fields
    losses: Losses = []
    ris_type = TYPE_TO_RIS.get(ref.item_type, "GEN")
    out: list[str] = [f"TY  - {ris_type}"]
    if TYPE_FROM_RIS.get(ris_type) != ref.item_type:
        losses.append(("item_type", f"RIS has no type for {ref.item_type!r}; written as {ris_type}"))

    def put(tag: str, key: str, value: str | None = None) -> None:
        _tag(out, tag, f.get(key, "") if value is None else value, losses, key)

    put("ID", "citation_key", ref.citation_key)
    title = f.get("title", "")
    if f.get("subtitle"):
        title = f"{title}: {f['subtitle']}" if title else f["subtitle"]
        losses.append(("subtitle", "RIS has no subtitle tag; joined to the title"))
    bare = title.replace("\0", "")  # decided on the title as written, without its NULs
    _tag(out, "TI", title, losses, "title", verbatim=_respace(bare) != bare)
    put("ST", "short_title")
    for c in ref.creators:
        if c.others:
            losses.append(("creators", "RIS has no form for \"and others\""))
            continue
        tag = ROLE_TO_TAG.get(c.role)
        if tag is None:  # RIS has no tag for the other roles
            losses.append(("creators", f"RIS has no tag for the role {c.role.value}: {c.full_name!r} not written"))
            continue
        written = format_ris_name(c)
        back = _name_as_read(written, tag)
        if back != c:
            got = back.full_name if back is not None else "nothing"
            losses.append(("creators", f"{c.full_name!r} reads back as {got!r}"))
            # Written as it will be read, so the next export writes the same line (a BibTeX
            # "Sherry, John F., Jr." has the given name "Jr.": RIS reads it as a suffix; a name
            # with a U+001E in it is read as words). A few steps reach the form that reads back
            # as itself, if there is one.
            for _ in range(3):
                if back is None:
                    break
                candidate = format_ris_name(back)
                again = _name_as_read(candidate, tag)
                if again == back:
                    written = candidate
                    break
                back = again
        _tag(out, tag, written, losses, "creators")
    event = f.get("event_title", "")
    if ref.item_type == "paper-conference" and event and f.get("container_title"):
        put("BT", "container_title")
        put("T2", "event_title")
    else:
        # Under BT when a BT is kept: the reader takes a BT before a T2 for the container.
        put("BT" if ref.extra.get("ris:BT") else "T2", "container_title")
        if event:
            losses.append(("event_title", "RIS carries the event only with the proceedings title of a conference paper"))
    numbered = bool(f.get("issue")) and not f.get("number") and ref.item_type in NUMBERED_TYPES
    for key, tag in SIMPLE_OUT:  # (a numbered type's issue goes as the M1 it is read back as)
        put("M1" if numbered and key == "issue" else tag, key)
    if numbered:
        losses.append(("issue", "a report's, patent's, standard's or law's issue is written as its number (M1)"))
    _write_dates(out, f, losses)
    _write_pages(out, ref, losses)
    sn, sn_kept = _sn_as_read(f)
    for key, tag in LATER_OUT:  # a DOI as it will be read: without a resolver prefix
        if key in ("isbn", "issn"):
            _tag(out, "SN", sn.get(key, ""), losses, key)
        else:
            put(tag, key, _DOI_PREFIX.sub("", f.get(key, "")) if key == "doi" else None)
    if f.get("isbn") and _ISSN.match(f["isbn"]):
        losses.append(("isbn", "looks like an ISSN; reads back as the ISSN"))
    if f.get("issn") and not _ISSN.match(f["issn"]):
        losses.append(("issn", "not an ISSN (NNNN-NNNX); reads back as the ISBN"))
    if f.get("doi") and _DOI_PREFIX.match(f["doi"]):
        losses.append(("doi", "written without its resolver prefix, as RIS readers read a DOI"))
    keywords = f.get("keywords", "")
    for word in (w.strip() for w in keywords.split(";")):
        _tag(out, "KW", word, losses, "keywords")
    if keywords and _keywords_as_read(keywords) != keywords:
        losses.append(("keywords", f"written as a list; reads back as {_keywords_as_read(keywords)!r}"))
    put("AB", "abstract")
    note = f.get("note", "")
    put("N1", "note")
    if note.startswith(ANNOTATION_LABEL):
        losses.append(("note", f"starts with {ANNOTATION_LABEL.strip()!r}; reads back as the annotation"))
    if f.get("annote"):
        put("N1", "annote", ANNOTATION_LABEL + f["annote"])
    for key in sorted(set(f) - WRITTEN_FIELDS):
        if f[key]:
            losses.append((key, "RIS has no tag for this field"))
    extra = dict(ref.extra)
    if sn_kept:  # an SN the reader sets aside goes where it will be kept: first of the kept SNs
        extra["ris:SN"] = "\n".join([*sn_kept, *([extra["ris:SN"]] if extra.get("ris:SN") else [])])
    for key, value in extra.items():
        tag = key[4:]
        if not (key.startswith("ris:") and len(key) == 6 and TAG_RE.match(f"{tag}  - ") and tag not in ("TY", "ER")):
            losses.append((f"extra:{key}", "RIS has no tag for this field"))
            continue
        # Decided on the value as it will be read (LF for other breaks, no NUL): kept values are
        # joined with LF, so "25\r4" read back as "25\n4" and was then written as two tags.
        lines, notes = encode_value(value)
        pieces = lines[1:] if lines[0] == "" else lines
        is_title = tag in ("TI", "T1")  # re-spaced on reading unless written verbatim
        if all(p and p == p.strip() and not (is_title and _respace(p) != p) for p in pieces):
            for p in pieces:  # repeated tags, as they were read
                out.append(f"{tag}  - {p}")
            losses.extend((f"extra:{key}", n) for n in notes)
        else:
            _tag(out, tag, value, losses, f"extra:{key}", verbatim=is_title)
    out.append("ER  - ")
    return "\n".join(out), losses


def _write_dates(out: list[str], f: dict[str, str], losses: Losses) -> None:
    date = PartialDate.parse(f.get("date", "")) if f.get("date") else PartialDate()
    if date.literal or date.is_range:
        back = ris_date(date.iso().replace("\0", ""))  # a literal "2014/06/01" is a RIS date: write it as one
        if back.iso() != date.iso() and not back.is_empty:
            losses.append(("date", f"{date.iso()!r} reads back as the date {back.iso()!r}"))
            date = back
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
    elif f.get("accessed"):
        losses.append(("accessed", "not a date RIS can hold"))


def _write_pages(out: list[str], ref: Reference, losses: Losses) -> None:
    """Pages as SP/EP only when the reader joins them back to the same text (it joins with an en
    dash, the library's range form); "5-9" with a hyphen goes whole into SP and stays "5-9". A
    book's, thesis's or manuscript's SP is its number of pages; its single page goes as SP = EP."""
    f = ref.fields
    pages, count = f.get("pages", ""), f.get("number_of_pages", "")
    if pages:  # decide on the text as it will be read
        lines, notes = encode_value(pages)
        pages = "\n".join(lines[1:] if lines[0] == "" else lines)
        losses.extend(("pages", n) for n in notes)
    counted = ref.item_type in NUMBER_OF_PAGES_TYPES
    if counted and count:
        _tag(out, "SP", count, losses, "number_of_pages")
        if _DASHES.search(count):
            losses.append(("number_of_pages", "contains a dash; reads back as pages"))
        if pages:
            losses.append(("pages", "a book's SP holds its number of pages; the pages are not written"))
        return
    if count:
        losses.append(("number_of_pages", "RIS holds the number of pages only for books, theses and manuscripts"))
    if not pages:
        return
    a, dash, b = pages.partition("–")
    if dash and a and b and a != b and a == a.strip() and b == b.strip():
        _tag(out, "SP", a)
        _tag(out, "EP", b)
    elif counted and not _DASHES.search(pages):
        _tag(out, "SP", pages)
        _tag(out, "EP", pages)
    else:
        _tag(out, "SP", pages)


def format_ris(ref: Reference) -> str:
    """One reference as a RIS record, ending with ``ER  - ``."""
    return format_ris_checked(ref)[0]


def export_ris(refs: Iterable[Reference]) -> RisExport:
    """RIS text for references, records separated by a blank line (what EndNote writes), and what
    each record could not carry."""
    parts: list[str] = []
    losses: list[RisLoss] = []
    for i, ref in enumerate(refs):
        text, lost = format_ris_checked(ref)
        parts.append(text + "\n\n")
        losses.extend(RisLoss(i, key, message) for key, message in lost)
    return RisExport("".join(parts), losses)


def write_ris(refs: Iterable[Reference]) -> str:
    """RIS text for references (``export_ris`` also says what RIS could not carry)."""
    return export_ris(refs).text
