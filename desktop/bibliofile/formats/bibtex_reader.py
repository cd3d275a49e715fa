"""Reading BibTeX/BibLaTeX text into References, keeping every byte of the file.

bibtexparser 2 splits the text into blocks (without middlewares, which would cost far more
than the parse); this module turns entries into References with decoded Unicode fields, and
keeps everything else (``@string``, ``@preamble``, comments, blocks that failed to parse) as
PassthroughBlocks, each with the exact text before it, so the file can be written back byte
for byte. Problems are collected with their line, never raised (docs/architecture.md).
"""

from __future__ import annotations

import gc
import itertools
import logging
import marshal
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from bibtexparser import model as bp
from bibtexparser.entrypoint import parse_string

from bibliofile.formats.bibtex_fast import Block, ScannedEntry, split_blocks
from bibliofile.formats.bibtex_names import parse_names
from bibliofile.formats.latex_text import latex_to_unicode, title_macro_problems
from bibliofile.formats.text_encoding import NOT_BIBTEX, decode_bytes, decode_bytes_reporting
from bibliofile.model.blocks import BlockKind, PassthroughBlock
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import MONTHS, PartialDate
from bibliofile.model.fields import EXTRA_BIBTEX_NAMES, FIELDS, LIST_SEPARATOR
from bibliofile.model.item_types import from_bibtex_type
from bibliofile.model.problems import Problem, UnreadableFileError
from bibliofile.model.reference import Reference, SourceRecord

__all__ = [
    "ConvertedBatch",
    "ReadResult",
    "decode_bytes",
    "decode_bytes_reporting",
    "decode_fields",
    "define_macro",
    "entry_raw_fields",
    "evaluate_value",
    "iter_bibtex_batches",
    "looks_like_bibtex",
    "read_bibtex",
    "read_bibtex_file",
    "start_worker_pool",
]

Item = Reference | PassthroughBlock
T = TypeVar("T")

# bibtexparser logs each block it cannot parse as a WARNING; with no handler configured Python
# prints it to stderr, beside (and before) our own problem for the same block, which names the
# file and says what was kept. Ours is the one the user should read.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
# BibTeX's predefined month macros; a file's own @string may redefine them.
DEFAULT_MACROS: dict[str, str] = dict(zip(MONTHS, _MONTH_NAMES, strict=True))

ROLE_FIELDS: dict[str, CreatorRole] = {
    "author": CreatorRole.AUTHOR,
    "editor": CreatorRole.EDITOR,
    "translator": CreatorRole.TRANSLATOR,
    "bookauthor": CreatorRole.BOOK_AUTHOR,
    "serieseditor": CreatorRole.SERIES_EDITOR,
    "director": CreatorRole.DIRECTOR,
    "interviewer": CreatorRole.INTERVIEWER,
    "recipient": CreatorRole.RECIPIENT,
    "inventor": CreatorRole.INVENTOR,
    "contributor": CreatorRole.CONTRIBUTOR,
    "reviewedauthor": CreatorRole.REVIEWED_AUTHOR,
    "composer": CreatorRole.COMPOSER,
    "illustrator": CreatorRole.ILLUSTRATOR,
}


def _name_map() -> dict[str, str]:
    names: dict[str, str] = {}
    for f in FIELDS:
        for n in (f.bibtex, f.biblatex):
            if n and n not in names:
                names[n] = f.key
    for key, n in EXTRA_BIBTEX_NAMES.items():
        names.setdefault(n, key)
    names.update(
        {
            "journal": "container_title",
            "journaltitle": "container_title",
            "booktitle": "container_title",
            "address": "publisher_place",
            "location": "publisher_place",
            "school": "publisher",
            "institution": "publisher",
            "issue": "issue",
            "number": "number",  # issue for articles, see decode_fields
            "type": "genre",
            "annotation": "annote",
            "archiveprefix": "eprint_type",
            "eprinttype": "eprint_type",
            "language": "language",
            "langid": "language",
        }
    )
    for n in ("year", "month", "date"):
        names.pop(n, None)
    return names


FIELD_NAMES: dict[str, str] = _name_map()
# Values that are identifiers, not text: no LaTeX decoding beyond BibTeX's escapes.
VERBATIM_KEYS = frozenset({"url", "doi", "eprint"})
ARTICLE_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper", "review"})
THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
_GENRE_WORDS = {"phdthesis": "PhD thesis", "mathesis": "Master's thesis", "mastersthesis": "Master's thesis"}


@dataclass
class ReadResult:
    """What a file (or one batch of it) gave: items in file order and the problems found."""

    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    entries_in_file: int = 0


# --- values ----------------------------------------------------------------------------------

_MACRO_RE = re.compile(r"[^\s#,{}\"=()]+")

# A hostile file can make @string values grow without bound: 24 macros that each join the one
# before with itself ("a1 = a0 # a0") ask for 2^24 copies from 629 bytes. No real value is
# anywhere near this many times the size of its file, so a macro longer than that is refused,
# and the characters all fields take from macros are capped the same way (MACRO_GROWTH times the
# text read, plus MACRO_FLOOR for tiny files).
MACRO_GROWTH = 8
MACRO_FLOOR = 1 << 16
_FLAT_MACRO = 256  # macro values up to this long are kept as plain strings


class MacroText:
    """An @string value longer than a few hundred characters, kept as its parts (text and other
    macros' values) and expanded only where a field uses it.

    Why: 100k macros that each add to the one before ("m2 = m1 # x") would otherwise be 100k
    growing copies (5e9 characters, minutes); as parts they cost one small object each, and a
    doubling chain costs nothing until a field asks for it, which the budget then refuses.
    Every part is non-empty and a MacroText has at least two, so expanding one visits fewer
    than twice as many parts as it has characters. The text of a macro a field used is kept
    (``text``; every field's macro text is counted against the read's budget, so these stay
    within it), and the next expansion that reaches it copies it instead of walking it again.
    """

    __slots__ = ("length", "parts", "text")

    def __init__(self, parts: tuple[str | MacroText, ...], length: int) -> None:
        self.parts = parts
        self.length = length
        self.text: str | None = None

    def __repr__(self) -> str:
        return f"MacroText(length={self.length}, parts={len(self.parts)})"

    def __str__(self) -> str:
        return macro_text(self)


MacroValue = str | MacroText
Macros = Mapping[str, MacroValue]


def macro_length(value: MacroValue) -> int:
    return value.length if isinstance(value, MacroText) else len(value)


def _expand_into(value: MacroValue, out: list[str]) -> None:
    """Append the text of a macro value (without recursion: chains can be 100k deep)."""
    if isinstance(value, str):
        out.append(value)
        return
    stack: list[MacroValue] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif v.text is not None:
            out.append(v.text)
        else:
            stack.extend(reversed(v.parts))


def macro_text(value: MacroValue) -> str:
    """The text of a macro value; a MacroText keeps it for the next use."""
    if isinstance(value, str):
        return value
    if value.text is None:
        out: list[str] = []
        _expand_into(value, out)
        value.text = "".join(out)
    return value.text


@dataclass
class ExpansionBudget:
    """How many more characters fields may take from @string macros in this read; macro uses
    that would go past it are refused (``refused``: (field, macro) pairs, for the problems).
    A large file is read in pieces on worker processes, each with its own budget for its own
    size, so a hostile file can be refused at slightly different uses there than in one read."""

    remaining: int
    refused: list[tuple[str, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def note(self, field_name: str) -> None:
        """Record the macros refused while evaluating ``field_name``."""
        self.refused.extend((field_name, m) for m in self.pending)
        self.pending.clear()


def expansion_limit(size: int) -> int:
    """The most characters of macro text allowed for a text of ``size`` characters."""
    return MACRO_GROWTH * size + MACRO_FLOOR


def _value_parts(
    raw: str, macros: Macros, undefined: list[str] | None, budget: ExpansionBudget | None
) -> list[MacroValue]:
    """The parts of a raw value: delimited text and the values of the macros it names."""
    out: list[MacroValue] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c.isspace() or c == "#":
            i += 1
        elif c == "{":
            depth = 0
            j = i
            while j < n:
                cj = raw[j]
                if cj == "{":
                    depth += 1
                elif cj == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(raw[i + 1 : j])
            i = j + 1
        elif c == '"':
            depth = 0
            j = i + 1
            while j < n:
                cj = raw[j]
                if cj == "{":
                    depth += 1
                elif cj == "}":
                    depth -= 1
                elif cj == '"' and depth == 0:
                    break
                j += 1
            out.append(raw[i + 1 : j])
            i = j + 1
        else:
            m = _MACRO_RE.match(raw, i)
            if m is None:
                out.append(c)
                i += 1
                continue
            word = m.group(0)
            i = m.end()
            if word.isdigit():
                out.append(word)
                continue
            value = macros.get(word.lower())
            if value is None:
                if undefined is not None:
                    undefined.append(word)
                out.append(word)
            elif budget is not None and macro_length(value) > budget.remaining:
                budget.pending.append(word)
                out.append(word)
            else:
                if budget is not None:
                    budget.remaining -= macro_length(value)
                out.append(value)
    return out


def evaluate_value(
    raw: str, macros: Macros, undefined: list[str] | None = None, budget: ExpansionBudget | None = None
) -> str:
    """A raw field value (``{..}``, ``".."``, ``2008``, ``jn # " x"``) to its LaTeX content.

    Parts joined by ``#`` are concatenated and macros replaced; an undefined macro stays as
    its name and is added to ``undefined``. With a ``budget``, a macro whose text would take
    it below zero also stays as its name (and is noted in ``budget.pending``).
    """
    if raw:
        c0 = raw[0]
        if c0 == "{" and raw[-1] == "}" and "#" not in raw:
            return raw[1:-1]
        if c0 == '"' and raw[-1] == '"' and "#" not in raw:
            return raw[1:-1]
        if raw.isdigit():
            return raw
    parts = _value_parts(raw, macros, undefined, budget)
    return "".join([p if isinstance(p, str) else macro_text(p) for p in parts])


def define_macro(raw: str, macros: Macros, undefined: list[str] | None = None) -> MacroValue:
    """The value an ``@string`` definition gives its macro, without copying the macros it uses
    when the result is long (see MacroText). The caller refuses a value whose
    ``macro_length`` is past ``expansion_limit`` of its file."""
    parts = _value_parts(raw, macros, undefined, None)
    merged: list[MacroValue] = []
    length = 0
    for part in parts:
        size = macro_length(part)
        if not size:
            continue
        length += size
        last = merged[-1] if merged else None
        if isinstance(part, str) and isinstance(last, str) and size + len(last) <= _FLAT_MACRO:
            merged[-1] = last + part
        else:
            merged.append(part)
    if length <= _FLAT_MACRO:
        out: list[str] = []
        for part in merged:
            _expand_into(part, out)
        return "".join(out)
    if len(merged) == 1:
        return merged[0]
    return MacroText(tuple(merged), length)


_PARAGRAPH_RE = re.compile(r"[ \t]*\n[ \t]*(?:\n[ \t]*)+")
_LINE_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")


def _join_lines(content: str) -> str:
    """BibTeX reads a line break as a space and a blank line as a paragraph break."""
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = _PARAGRAPH_RE.split(content)
    return "\n\n".join(_LINE_BREAK_RE.sub(" ", p) for p in paragraphs)


def _clean(content: str) -> str:
    """Decoded, whitespace-normalised text."""
    if "\n" in content or "\r" in content:
        content = _join_lines(content)
    return latex_to_unicode(content).strip()


# Year and month values repeat across a file ("1988", "December"): their cleaned text and the
# date made of them are cached (~5 us of an entry's ~120 us in an import's parse workers).
_clean_year_month = lru_cache(maxsize=1024)(_clean)


@lru_cache(maxsize=4096)
def _year_month_date(year: str, month: str) -> tuple[PartialDate, str]:
    """``PartialDate.from_year_month`` (a frozen value) and its ``iso()`` text."""
    ym = PartialDate.from_year_month(year, month)
    return ym, ym.iso()


def _verbatim(content: str) -> str:
    if "\\" in content:
        content = content.replace("\\_", "_").replace("\\%", "%").replace("\\&", "&").replace("\\#", "#")
        content = content.replace("\\~{}", "~").replace("\\textasciitilde{}", "~")
    if "{" in content:
        content = content.replace("{", "").replace("}", "")
    return "".join(content.split()) if " " in content or "\n" in content else content


def _without_line_breaks(creator: Creator) -> Creator:
    """A name with the line breaks and runs of spaces a ``\\\\`` left taken out."""
    def tidy(part: str) -> str:
        return " ".join(part.split())

    return replace(
        creator,
        family=tidy(creator.family),
        given=tidy(creator.given),
        particle=tidy(creator.particle),
        suffix=tidy(creator.suffix),
        literal=tidy(creator.literal),
    )


_KEYWORD_SEPARATOR_RE = re.compile(r"[,;]")


def _keywords(text: str) -> str:
    if "," not in text and ";" not in text:
        return text
    return LIST_SEPARATOR.join([k for k in [p.strip() for p in _KEYWORD_SEPARATOR_RE.split(text)] if k])


def decode_fields(
    entry_type: str,
    raw_fields: list[tuple[str, str]],
    macros: Macros,
    on_undefined: list[tuple[str, str]] | None = None,
    origins: dict[str, list[int]] | None = None,
    duplicates: list[int] | None = None,
    budget: ExpansionBudget | None = None,
) -> tuple[str, dict[str, str], list[Creator], dict[str, str]]:
    """(item type, fields, creators, extra) of an entry's raw fields.

    The writer calls this too, to tell which fields are unchanged since import (and so are
    written with their raw text). ``origins`` maps each field key ("creators:<role>" for
    names) to the indexes of the raw fields it came from. A field name given twice (in any
    case) is read from its first occurrence, as BibTeX does; the indexes of the later ones are
    added to ``duplicates`` (they stay in the entry's kept text).
    """
    item_type = from_bibtex_type(entry_type)
    is_article = item_type in ARTICLE_TYPES
    fields: dict[str, str] = {}
    creators: list[Creator] = []
    extra: dict[str, str] = {}
    year = month = ""
    year_i = month_i = -1
    undefined: list[str] = []
    seen: set[str] = set()
    for index, (name, raw) in enumerate(raw_fields):
        lname = name.lower()
        if lname in seen:
            if duplicates is not None:
                duplicates.append(index)
            continue
        seen.add(lname)
        key = FIELD_NAMES.get(lname)
        if key is None:
            role = ROLE_FIELDS.get(lname)
            if role is not None:
                content = evaluate_value(raw, macros, undefined, budget)
                names = parse_names(content, role)
                if "\\\\" in content:  # "LAM, \\Chun Kit\\": a TeX line break is no part of a name
                    names = [_without_line_breaks(c) for c in names]
                creators.extend(names)
                if origins is not None:
                    origins.setdefault(f"creators:{role.value}", []).append(index)
            elif lname == "year" and year_i < 0:
                year, year_i = raw, index
            elif lname == "month" and month_i < 0:
                month, month_i = raw, index
            elif lname == "date" and "date" not in fields:
                fields["date"] = PartialDate.parse(_clean(evaluate_value(raw, macros, undefined, budget))).iso()
                if origins is not None:
                    origins["date"] = [index]
            else:
                extra[lname] = raw
            if undefined:
                if on_undefined is not None:
                    on_undefined.extend((name, u) for u in undefined)
                undefined.clear()
            if budget is not None and budget.pending:
                budget.note(name)
            continue
        if key == "number" and is_article:
            key = "issue"
        if key in fields:
            extra[lname] = raw
            continue
        # Inlined fast paths: this loop runs for every field of every entry.
        if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:
            content = raw[1:-1]
        elif raw.isdigit():
            content = raw
        else:
            content = evaluate_value(raw, macros, undefined, budget)
            if undefined:
                if on_undefined is not None:
                    on_undefined.extend((name, u) for u in undefined)
                undefined.clear()
            if budget is not None and budget.pending:
                budget.note(name)
        if key in VERBATIM_KEYS:
            value = _verbatim(content)
        else:
            if "\n" in content or "\r" in content:
                content = _join_lines(content)
            if (
                "\\" in content
                or "{" in content
                or "~" in content
                or "--" in content
                or "$" in content
                or "``" in content
                or "''" in content
                or "}" in content
            ):
                content = latex_to_unicode(content)
            value = content.strip()
            if key == "keywords":
                value = _keywords(value)
            elif key == "genre" and item_type == "thesis":
                value = _GENRE_WORDS.get(value.lower(), value)
        fields[key] = value
        if origins is not None:
            origins[key] = [index]
    if year_i >= 0 or month_i >= 0:
        y = _clean_year_month(evaluate_value(year, macros, undefined, budget)) if year_i >= 0 else ""
        if budget is not None and budget.pending:
            budget.note(raw_fields[year_i][0])
        mo = _clean_year_month(evaluate_value(month, macros, undefined, budget)) if month_i >= 0 else ""
        if budget is not None and budget.pending:
            budget.note(raw_fields[month_i][0])
        if undefined and on_undefined is not None:
            on_undefined.extend(("year" if u in year else "month", u) for u in undefined)
        ym, ym_iso = _year_month_date(y, mo)
        month_lost = bool(mo) and (ym.month is None or ym.literal != "")
        if "date" not in fields and y:
            fields["date"] = ym_iso
            if origins is not None:
                origins["date"] = [i for i in (year_i, month_i) if i >= 0]
            if month_lost:
                extra[raw_fields[month_i][0].lower()] = month
        elif "date" in fields:
            d = PartialDate.parse(fields["date"])
            consistent = (not y or ym.year == d.year) and (not mo or ym.month == d.month)
            if not consistent:
                if year_i >= 0:
                    extra[raw_fields[year_i][0].lower()] = year
                if month_i >= 0:
                    extra[raw_fields[month_i][0].lower()] = month
        elif month_i >= 0:
            extra[raw_fields[month_i][0].lower()] = month
    if item_type == "thesis" and "genre" not in fields:
        default = THESIS_GENRES.get(entry_type.lower())
        if default:
            fields["genre"] = default
    return item_type, fields, creators, extra


# --- blocks ------------------------------------------------------------------------------------

_KEY_RE = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s}]*)")
_TYPE_RE = re.compile(r"@\s*([^\s{(]+)")
_NON_ENTRY = frozenset({"string", "preamble", "comment"})


def _failed_message(raw: str, error: Exception) -> tuple[str, bool]:
    m = _KEY_RE.match(raw)
    kind = m.group(1).lower() if m else ""
    what = f"@{m.group(1)} block" if m else "block"
    if m and m.group(2) and kind not in _NON_ENTRY:
        what = f"entry '{m.group(2)}' (@{m.group(1)})"
    reason = getattr(error, "abort_reason", "") or str(error) or type(error).__name__
    reason = " ".join(reason.split()).rstrip(".")  # bibtexparser's reasons end with a period
    msg = f"could not read {what}: {reason}. It was kept as text and will be written back unchanged."
    return msg, bool(m) and kind not in _NON_ENTRY


# A backslash right before the quote that ends a value: bibtexparser reads `\"` as an escaped
# quote anywhere, real BibTeX has no escapes and ends the value there.
_BACKSLASH_QUOTE_RE = re.compile(r'\\(?="\s*[,})#])')
_CLOSE_QUOTE_PLACEHOLDERS = "\ue000\ue001\ue002\ufdd0\ufdd1"


def _closes_quoted_value(text: str, quote: int) -> bool:
    """True when BibTeX reads the ``"`` at ``quote`` (after a backslash) as the end of a quoted
    value: the entry is scanned from its ``@`` as BibTeX does (braces counted inside quotes, a
    quote inside braces is a letter). False whenever the scan meets anything unexpected."""
    start = text.rfind("\n@", 0, quote) + 1
    m = _ENTRY_HEAD_RE.match(text, start)
    if m is None:
        return False
    i = m.end()
    if m.group(1).lower() != "string":  # an entry: the fields follow its key and comma
        i = text.find(",", i, quote) + 1
        if i <= 0:
            return False
    n = len(text)
    while i < quote:
        # one field: name = part (# part)*
        eq = text.find("=", i, quote)
        if eq < 0:
            return False
        i = eq + 1
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                return False
            c = text[i]
            if c == "{" or c == '"':
                depth = 0
                j = i + 1 if c == '"' else i
                while j < n:
                    cj = text[j]
                    if cj == "{":
                        depth += 1
                    elif cj == "}":
                        depth -= 1
                        if depth == 0 and c == "{":
                            break
                        if depth < 0:
                            return False
                    elif cj == '"' and c == '"' and depth == 0:
                        if j == quote:
                            return True
                        if text[j - 1] != "\\" or _BACKSLASH_QUOTE_RE.match(text, j - 1):
                            break
                    j += 1
                if j > quote:
                    return False
                i = j + 1
            else:
                while i < n and text[i] not in ",}#)" and not text[i].isspace():
                    i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] == "#":
                i += 1
                continue
            if i < n and text[i] == ",":
                i += 1
                break
            return False
    return False


_ENTRY_HEAD_RE = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t]*[{(]")


def _mark_closing_quotes(text: str) -> tuple[str, str]:
    """The text with the backslash before each quote that BibTeX reads as closing a value (a
    value ending in a backslash, as in ``"LAM, \\\\Chun Kit\\\\"``) replaced by a placeholder
    character of the same length, so bibtexparser ends the value there too; and the placeholder
    ("" when nothing was replaced). Offsets are unchanged."""
    if '\\"' not in text:
        return text, ""
    spots = [m.start() for m in _BACKSLASH_QUOTE_RE.finditer(text) if _closes_quoted_value(text, m.end())]
    if not spots:
        return text, ""
    placeholder = next((c for c in _CLOSE_QUOTE_PLACEHOLDERS if c not in text), "")
    if not placeholder:
        return text, ""
    chars = list(text)
    for at in spots:
        chars[at] = placeholder
    return "".join(chars), placeholder


def _unmark(blocks: list[Block], placeholder: str) -> None:
    """Put the backslashes ``_mark_closing_quotes`` took out back into the blocks' texts."""
    for block in blocks:
        raw = block.raw
        if not raw or placeholder not in raw:
            continue
        if isinstance(block, ScannedEntry):
            block.raw = raw.replace(placeholder, "\\")
            block.raw_fields = [(k, v.replace(placeholder, "\\")) for k, v in block.raw_fields]
            continue
        block._raw = raw.replace(placeholder, "\\")
        inner = block.ignore_error_block if isinstance(block, bp.ParsingFailedBlock) else None
        for b in (block, inner):
            if isinstance(b, bp.Entry):
                if b is inner and b.raw:
                    b._raw = b.raw.replace(placeholder, "\\")
                for f in b.fields:
                    if isinstance(f.value, str) and placeholder in f.value:
                        f.value = f.value.replace(placeholder, "\\")
            elif isinstance(b, bp.String) and placeholder in b.value:
                b.value = b.value.replace(placeholder, "\\")


def _parse_blocks(text: str, fast: bool = True) -> list[Block]:
    """bibtexparser's blocks, well-formed entries read by ``bibtex_fast`` (which gives the same
    result, see there) unless ``fast`` is False; if bibtexparser ever crashes, parse piece by
    piece so one bad spot costs one block."""
    marked, placeholder = _mark_closing_quotes(text)
    if placeholder:
        blocks = _parse_unmarked(marked, fast)
        _unmark(blocks, placeholder)
        return blocks
    return _parse_unmarked(text, fast)


def _parse_unmarked(text: str, fast: bool = True) -> list[Block]:
    if fast:
        return split_blocks(text, _parse_by_bibtexparser).blocks
    return list(_parse_by_bibtexparser(text))


def _parse_by_bibtexparser(text: str) -> list[bp.Block]:
    try:
        return list(parse_string(text, parse_stack=[]).blocks)
    except Exception:  # a parser bug must not lose a whole file
        pass
    blocks: list[bp.Block] = []
    starts = [0, *(m.start() + 1 for m in re.finditer(r"\n@", text))]
    for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[a:b]
        try:
            blocks.extend(parse_string(chunk, parse_stack=[]).blocks)
        except Exception as exc:
            body = chunk.strip()
            if body:
                blocks.append(bp.ParsingFailedBlock(error=exc, raw=body))
    return blocks


def entry_raw_fields(text: str) -> list[tuple[str, str]]:
    """The raw fields of one entry's kept text, as ``SourceRecord.raw_fields`` has them.

    Imports do not store raw fields (they are in the kept text); the writer re-reads them here
    for the few edited entries that need them.
    """
    for block in _parse_blocks(text):
        if isinstance(block, ScannedEntry):
            return list(block.raw_fields)
        entry = (
            block.ignore_error_block
            if isinstance(block, bp.DuplicateBlockKeyBlock | bp.DuplicateFieldKeyBlock)
            else block
        )
        if isinstance(entry, bp.Entry):
            return [(f.key, f.value) for f in entry.fields]
    return []


def _define(
    key: str, raw: str, macros: dict[str, MacroValue], refused: set[str], limit: int, undefined: list[str]
) -> str:
    """Define macro ``key`` from an @string's raw value, or refuse it (a value longer than
    ``limit``, or one made from a refused macro: refusing only the first of a doubling chain
    would let the next ones double its name instead). "" or why it was refused."""
    name = key.lower()
    value = define_macro(raw, macros, undefined)
    size = macro_length(value)
    uses_refused = next((u for u in undefined if u.lower() in refused), None)
    if uses_refused is None and size <= limit:
        macros[name] = value
        refused.discard(name)
        return ""
    macros.pop(name, None)
    refused.add(name)
    if uses_refused is not None:
        return f"uses the @string '{uses_refused}', which was refused"
    return f"would expand to {size:,} characters, more than {limit:,} ({MACRO_GROWTH} times the file's size)"


def _read_segment(
    text: str,
    file: str,
    first_line: int,
    macros: dict[str, MacroValue],
    limit: int = 0,
    refused: set[str] | None = None,
    fast: bool = True,
) -> ReadResult:
    """Read one piece of a file whose first line is ``first_line``; ``macros`` is updated.

    ``limit``: the longest macro value allowed (``expansion_limit`` of the whole file; of this
    text when 0); fields of this piece may take as many characters from macros in all.
    ``refused``: macros refused before this piece (updated).
    """
    limit = limit or expansion_limit(len(text))
    budget = ExpansionBudget(expansion_limit(len(text)))
    refused_here: set[str] = refused if refused is not None else set()
    duplicates: list[int] = []
    result = ReadResult()
    items = result.items
    problems = result.problems
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    cursor = 0
    line = first_line
    entries = 0
    on_undefined: list[tuple[str, str]] = []
    for block in _parse_blocks(text, fast):
        raw = block.raw
        if not raw:
            continue
        pos = _block_position(text, block, raw, cursor)
        if pos < 0:
            problems.append(Problem(file, line, "a block could not be located in the text; it was kept as text", True))
            continue
        prefix = text[cursor:pos]
        line += prefix.count(newline)
        if isinstance(block, bp.DuplicateBlockKeyBlock | bp.DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, bp.Entry | bp.String
        ):
            block = block.ignore_error_block
        if isinstance(block, ScannedEntry | bp.Entry):
            entries += 1
            if isinstance(block, ScannedEntry):
                raw_fields = block.raw_fields
            else:
                raw_fields = [(f.key, f.value) for f in block.fields]
            m = _TYPE_RE.match(raw)  # bibtexparser lower-cases the type; keep it as written
            entry_type = m.group(1) if m else block.entry_type
            item_type, fields, creators, extra = decode_fields(
                entry_type, raw_fields, macros, on_undefined, None, duplicates, budget
            )
            if on_undefined:
                for fname, macro in on_undefined:
                    why = (
                        "the @string "
                        f"'{macro}', which was refused as too large (see its line)"
                        if macro.lower() in refused_here
                        else f"the undefined @string '{macro}'"
                    )
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"entry '{block.key}': field '{fname}' uses {why}; its name was kept as the value",
                        )
                    )
                on_undefined.clear()
            if budget.refused:
                for fname, macro in budget.refused:
                    problems.append(Problem(file, line, _budget_message(block.key, fname, macro)))
                budget.refused.clear()
            if duplicates:
                problems.extend(_duplicate_field_problems(block, raw_fields, duplicates, file, line))
                duplicates.clear()
            problems.extend(title_macro_problems(block.key, raw_fields, file, line))
            items.append(
                Reference(
                    item_type=item_type,
                    fields=fields,
                    creators=creators,
                    citation_key=block.key,
                    extra=extra,
                    source=SourceRecord(
                        format="bibtex",
                        text=raw,
                        entry_type=entry_type,
                        raw_fields=raw_fields,
                        file=file,
                        line=line,
                        prefix=prefix,
                    ),
                )
            )
        elif isinstance(block, bp.String):
            undefined: list[str] = []
            why = _define(block.key, str(block.value), macros, refused_here, limit, undefined)
            if why:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"@string '{block.key}' {why}; it was not defined, so fields that use it "
                        "keep its name (the block is kept as written)",
                    )
                )
            for macro in dict.fromkeys(u for u in undefined if u.lower() not in refused_here):
                problems.append(
                    Problem(
                        file,
                        line,
                        f"@string '{block.key}' uses the undefined @string '{macro}'; its name was kept",
                    )
                )
            items.append(PassthroughBlock(BlockKind.STRING, raw, prefix, line, file))
        elif isinstance(block, bp.Preamble):
            items.append(PassthroughBlock(BlockKind.PREAMBLE, raw, prefix, line, file))
        elif isinstance(block, bp.ExplicitComment | bp.ImplicitComment):
            items.append(PassthroughBlock(BlockKind.COMMENT, raw, prefix, line, file))
        else:
            error = block.error if isinstance(block, bp.ParsingFailedBlock) else Exception("unknown block")
            message, is_entry = _failed_message(raw, error)
            entries += is_entry
            problems.append(Problem(file, line, message, True))  # not read: kept as text
            items.append(PassthroughBlock(BlockKind.FAILED, raw, prefix, line, file))
        line += raw.count(newline)
        cursor = pos + len(raw)
    if cursor < len(text):
        items.append(PassthroughBlock(BlockKind.TRAILER, text[cursor:], "", line, file))
    result.entries_in_file = entries
    return result


def _block_position(text: str, block: Block, raw: str, cursor: int) -> int:
    """``text.find(raw, cursor)`` (``raw``: the block's text), without the search for an entry the scanner read: it
    says where it starts, and the answer is the same when the raw text is there and no "@" (the
    first character of ``raw``) comes before it from ``cursor`` (2.5 us of an entry's ~100)."""
    if isinstance(block, ScannedEntry):
        start = block.start
        if start >= cursor and text.startswith(raw, start) and raw[:1] == "@" and text.find("@", cursor, start) < 0:
            return start
    return text.find(raw, cursor)


def _budget_message(key: str, field_name: str, macro: str) -> str:
    return (
        f"entry '{key}': field '{field_name}' would take @string '{macro}' past the limit on "
        f"text taken from @string macros ({MACRO_GROWTH} times the size of the text read); the "
        "macro's name was kept as the value"
    )


def _duplicate_field_problems(
    block: ScannedEntry | bp.Entry, raw_fields: list[tuple[str, str]], duplicates: list[int], file: str, line: int
) -> list[Problem]:
    """One problem per field given again in an entry, at the line of the repeat."""
    out: list[Problem] = []
    lines = block.field_lines() if isinstance(block, ScannedEntry) else [f.start_line for f in block.fields]
    first_index: dict[str, int] = {}
    for i, (name, _) in enumerate(raw_fields):
        first_index.setdefault(name.lower(), i)
    for i in duplicates:
        name = raw_fields[i][0]
        first = lines[first_index[name.lower()]]
        head = block.start_line or 0
        at = line + (lines[i] or head) - head
        first_at = line + (first or head) - head
        out.append(
            Problem(
                file,
                at,
                f"entry '{block.key}': field '{name}' is given again (first at line {first_at}); "
                "BibTeX uses the first, and so does the library; the entry is kept as written",
            )
        )
    return out


def _flag_duplicates(result: ReadResult, seen: dict[str, int]) -> None:
    """Report citation keys used twice (both entries are kept), then order problems by line."""
    for item in result.items:
        if isinstance(item, Reference) and item.citation_key and item.source is not None:
            key = item.citation_key
            first = seen.get(key)
            if first is None:
                seen[key] = item.source.line
            else:
                result.problems.append(Problem(item.source.file, item.source.line, _duplicate_message(key, first)))
    result.problems.sort(key=lambda p: p.line)


def _duplicate_message(key: str, first: int) -> str:
    return (
        f"citation key '{key}' is used again (first at line {first}); both entries "
        "were imported, rename one so citations find the right one"
    )


def read_bibtex(text: str, file: str = "<text>", *, fast: bool = True) -> ReadResult:
    """Read BibTeX/BibLaTeX text: references and passthrough blocks in order, plus problems.

    ``fast=False`` reads every block with bibtexparser alone (the tests compare both)."""
    macros: dict[str, MacroValue] = dict(DEFAULT_MACROS)
    with gc_paused():
        result = _read_segment(text, file, 1, macros, fast=fast)
    _flag_duplicates(result, {})
    return result


def collector_off_in_worker() -> None:
    """In a parse worker process, switch the cycle collector off for good.

    Turned back on after a job, its first allocation made the collector scan every object of
    the job's result (a tenth of a worker's time); a worker's jobs make no cycles worth
    collecting, and it exits with its pool. In the importing process itself (no parent
    process started it), nothing changes.
    """
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        gc.disable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a file is read (or its rows are stored).

    Reading allocates hundreds of thousands of objects that live on, so the collector would
    rescan them again and again (a third of the reading time); nothing read forms cycles. The
    import's storing side (unpickled row tuples) paid ~0.6-1 s per 100k entries for the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_ENTRY_START_RE = re.compile(r"@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")


def looks_like_bibtex(text: str) -> bool:
    """True when the text has at least one ``@type{`` block (JabRef even writes them mid-line)."""
    return _ENTRY_START_RE.search(text) is not None


def read_bibtex_file(path: str | Path) -> ReadResult:
    """Decode and read a file; UnreadableFileError when it is missing or not BibTeX at all."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot read the file: {exc.strerror or exc}") from exc
    text, encoding, guessed = decode_bytes_reporting(data, name)
    if not looks_like_bibtex(text):
        raise UnreadableFileError(name, NOT_BIBTEX)
    result = read_bibtex(text, name)
    result.encoding = encoding
    if guessed:
        result.problems = sorted(guessed + result.problems, key=lambda p: p.line)
    return result


# --- large files -----------------------------------------------------------------------------

SMALL_TEXT = 1_000_000
_STRING_START_RE = re.compile(r"@[ \t]*string[ \t]*[{(]", re.IGNORECASE)
_STRING_BODY_RE = re.compile(r"\s*([^\s=#{}\"]+)\s*=\s*(.*?)\s*$", re.DOTALL)


def _block_end(text: str, start: int) -> int:
    """Index just past the brace/paren group opened at ``start``."""
    close = "}" if text[start] == "{" else ")"
    depth = 0
    for i in range(start, min(len(text), start + 100_000)):
        c = text[i]
        if c == "{" or (c == "(" and close == ")" and depth == 0):
            depth += 1
        elif c == "}" or (c == ")" and close == ")" and depth == 1):
            depth -= 1
            if depth == 0:
                return i + 1
    return start + 1


def _string_definitions(text: str) -> Iterator[tuple[int, str, str]]:
    """(position, name, raw value) of every top-level @string in file order, found cheaply by
    regex as they are asked for: the jobs need only those before them, so the first job goes
    out before the whole text is searched (~0.1 s of a 100k-entry file, with the workers idle)."""
    depth = 0
    prev = 0
    for m in _STRING_START_RE.finditer(text):
        if m.start() < prev:
            continue
        depth += text.count("{", prev, m.start()) - text.count("}", prev, m.start())
        prev = m.start()
        if depth != 0:
            continue
        open_at = m.end() - 1
        end = _block_end(text, open_at)
        body = _STRING_BODY_RE.match(text, open_at + 1, end - 1)
        if body:
            yield m.start(), body.group(1).lower(), body.group(2)
        depth += text.count("{", prev, end) - text.count("}", prev, end)
        prev = end


_SAMPLE = 1 << 20  # characters read to estimate the mean block length
_MAX_PIECE = 1 << 22
_STRING_LINE_RE = re.compile(r"\n@[ \t]*string", re.IGNORECASE)
_SEND_ALL_MACROS = 256  # up to this many macros, every job carries them all
# A bare word after "=" or "#": a macro a piece may use (a superset: also words inside values).
_REFERENCE_RE = re.compile(r"[=#][ \t\r\n]*([^\s#,{}\"=()0-9][^\s#,{}\"=()]*)")


def _segments(text: str, batch_entries: int) -> Iterator[tuple[int, int]]:
    """Pieces of the text split at "\\n@" with brace depth 0, about ``batch_entries`` blocks
    long, found as they are asked for.

    Cut by size (the mean block length of the file's first MiB times ``batch_entries``) so that
    finding the points is a few hundred C-level find/count calls: walking every "\\n@" of a
    100k-entry file in Python took 0.8 s before the first worker could start. The first piece
    is a quarter of the others, so the storing side gets its first rows sooner. @string blocks
    do not count: each job carries the macros it uses, so a file of 100k @strings cut every
    2000 blocks would send them 50 times over; pieces are at most _MAX_PIECE characters.
    """
    sample = min(len(text), _SAMPLE)
    strings = len(_STRING_LINE_RE.findall(text, 0, sample))
    blocks = text.count("\n@", 0, sample) - strings + 1
    step = min(max(1, sample * batch_entries // max(blocks, 1)), _MAX_PIECE)
    start = 0
    depth = 0
    prev = 0
    target = step // 4
    while (pos := text.find("\n@", max(target, prev))) >= 0:
        depth += text.count("{", prev, pos) - text.count("}", prev, pos)
        prev = pos
        if depth == 0:
            yield start, pos + 1
            start = pos + 1
            # Quarter-size pieces at the end too: the workers then finish together, and the
            # last piece's parse (one core busy, the other idle) is short.
            target = start + (step if len(text) - start > 3 * step else step // 4)
        else:
            target = pos + 2  # inside a value: the next "\\n@" may close it
    if start < len(text):
        yield start, len(text)


@dataclass
class ConvertedBatch(Generic[T]):
    """One batch of ``iter_bibtex_batches(..., convert=f)``: ``f(items)`` made in the worker.

    ``lead`` is text that belongs before the batch's first item (what the previous batch ended
    with); the consumer puts it there, as ``read_bibtex`` would have. ``problems`` include the
    duplicate citation keys.
    """

    payload: T
    problems: list[Problem]
    entries_in_file: int
    lead: str = ""
    read_to: float = 1.0  # share of the text read up to the end of this batch


# Macros as a job carries them: a token naming the file's read, each name's value as text or
# the index of a node (-1: refused), and the nodes (parts that are text or earlier nodes'
# indexes). Pickling MacroTexts themselves would recurse once per link of a chain (100k deep)
# and copy shared parts once per macro.
PackedMacros = tuple[str, dict[str, str | int], list[tuple[str | int, ...]]]


class MacroPacker:
    """Packs a growing macro table for the jobs of one read. Nodes get their index once and
    keep it (the list only grows), so each job costs a pass over the names, not over every
    node again; the workers build only the nodes they have not seen (``unpack_macros``)."""

    def __init__(self) -> None:
        self.token = f"{os.getpid()}-{id(self)}-{time.monotonic_ns()}"
        self.index: dict[int, int] = {}
        self.nodes: list[tuple[str | int, ...]] = []
        self.alive: list[MacroText] = []  # the indexed objects, so their ids are never reused

    def pack(self, macros: Mapping[str, MacroValue], refused: Iterable[str] = ()) -> PackedMacros:
        names: dict[str, str | int] = dict.fromkeys(refused, -1)
        for name, value in macros.items():
            names[name] = value if isinstance(value, str) else self._node(value)
        return self.token, names, self.nodes[:]

    def _node(self, value: MacroText) -> int:
        index = self.index
        found = index.get(id(value))
        if found is not None:
            return found
        stack: list[tuple[MacroText, bool]] = [(value, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in index:
                continue
            if ready:
                index[id(node)] = len(self.nodes)
                self.alive.append(node)
                self.nodes.append(tuple(p if isinstance(p, str) else index[id(p)] for p in node.parts))
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in node.parts if isinstance(p, MacroText) and id(p) not in index)
        return index[id(value)]


def pack_macros(macros: Mapping[str, MacroValue], refused: Iterable[str] = ()) -> PackedMacros:
    """``macros`` as flat, picklable data (see PackedMacros)."""
    return MacroPacker().pack(macros, refused)


_built_nodes: tuple[str, list[MacroText]] = ("", [])  # a worker's nodes of its current read


def unpack_macros(packed: PackedMacros) -> tuple[dict[str, MacroValue], set[str]]:
    """The macros and the refused macro names of ``MacroPacker.pack``."""
    global _built_nodes
    token, names, nodes = packed
    built = _built_nodes[1] if _built_nodes[0] == token else []
    for parts in nodes[len(built) :]:
        values = tuple(p if isinstance(p, str) else built[p] for p in parts)
        built.append(MacroText(values, sum(macro_length(v) for v in values)))
    _built_nodes = (token, built)
    macros: dict[str, MacroValue] = {}
    refused: set[str] = set()
    for name, v in names.items():
        if isinstance(v, str):
            macros[name] = v
        elif v < 0:
            refused.add(name)
        else:
            macros[name] = built[v]
    return macros, refused


# A job: (text, file, first line, macros, is the last job, convert or None, macro limit).
_Job = tuple[str, str, int, PackedMacros, bool, "Callable[[list[Item]], Any] | None", int]
# What a worker gives back: the ReadResult, or for a convert job (payload, problems, entries,
# tail text, [(citation key, line)]) of plain data, cheap to pickle.
_Done = ReadResult | tuple[Any, list[Problem], int, str, list[tuple[str, int]]]


def _parse_batch(job: _Job) -> _Done:
    text, file, first_line, packed, last, convert, limit = job
    collector_off_in_worker()
    with gc_paused():
        macros, refused = unpack_macros(packed)
        result = _read_segment(text, file, first_line, macros, limit, refused)
        if convert is None:
            return result
        items = result.items
        tail = ""
        if not last and items and items[-1].__class__ is PassthroughBlock:
            block = items[-1]
            assert isinstance(block, PassthroughBlock)
            if block.kind is BlockKind.TRAILER:
                tail = block.text
                items.pop()
        keys = [
            (x.citation_key, x.source.line)
            for x in items
            if isinstance(x, Reference) and x.citation_key and x.source is not None
        ]
        return _to_wire(convert(items)), result.problems, result.entries_in_file, tail, keys


@dataclass
class _Marshalled:
    """A dataclass of plain data (tuples and lists of str, int, bool, None) as marshal bytes:
    marshal writes and reads an import's rows in about half pickle's time (~1 s of CPU at
    100k entries, a third of it in the importing process, which stores while it waits)."""

    kind: type
    data: bytes


def _to_wire(payload: Any) -> Any:
    """``payload`` as it goes back from a worker: marshalled when it is a dataclass marshal
    can write, else as it is (pickled by the pool)."""
    if is_dataclass(payload) and not isinstance(payload, type):
        try:
            data = marshal.dumps(tuple(getattr(payload, f.name) for f in dataclass_fields(payload)))
        except ValueError:  # something marshal cannot write: pickle it
            return payload
        return _Marshalled(type(payload), data)
    return payload


def _from_wire(payload: Any) -> Any:
    """The payload ``_to_wire`` sent."""
    if isinstance(payload, _Marshalled):
        return payload.kind(*marshal.loads(payload.data))
    return payload


def _flag_keys(keys: list[tuple[str, int]], file: str, problems: list[Problem], seen: dict[str, int]) -> None:
    for key, line in keys:
        first = seen.get(key)
        if first is None:
            seen[key] = line
        else:
            problems.append(Problem(file, line, _duplicate_message(key, first)))
    problems.sort(key=lambda p: p.line)


@overload
def iter_bibtex_batches(
    text: str, file: str, workers: int = 2, batch_entries: int = 2000, convert: None = None
) -> Iterator[ReadResult]: ...


@overload
def iter_bibtex_batches(
    text: str,
    file: str,
    workers: int = 2,
    batch_entries: int = 2000,
    *,
    convert: Callable[[list[Item]], T],
    pool: ProcessPoolExecutor | None = None,
    all_ahead_from: float = 1.0,
) -> Iterator[ConvertedBatch[T]]: ...


def iter_bibtex_batches(
    text: str,
    file: str,
    workers: int = 2,
    batch_entries: int = 2000,
    convert: Callable[[list[Item]], Any] | None = None,
    pool: ProcessPoolExecutor | None = None,
    all_ahead_from: float = 1.0,
) -> Iterator[ReadResult] | Iterator[ConvertedBatch[Any]]:
    """The same result as read_bibtex, in file-order batches parsed on worker processes.

    The caller stores batch N while batches N+1.. are parsed. Small texts are read in one go
    without processes, which would cost more to start than they save. With ``convert`` (a
    picklable top-level function), each batch's items are turned into ``convert(items)`` in the
    worker and ConvertedBatches are yielded: the References never cross the process boundary.
    ``pool``: workers already started by ``worker_pool`` (else they are started here).
    ``all_ahead_from``: once the batches given reach this share of the text, every remaining job
    goes to the workers at once (normally they run only a few jobs ahead of the consumer): the
    consumer is about to do something long of its own (an import builds its indexes), and the
    workers then parse the rest meanwhile instead of waiting for it.
    """
    if convert is not None:
        return _converted_batches(text, file, workers, batch_entries, convert, pool, all_ahead_from)
    return _read_batches(text, file, workers, batch_entries)


def _jobs(
    text: str, file: str, batch_entries: int, convert: Callable[[list[Item]], Any] | None
) -> Iterator[_Job]:
    """The jobs in file order, made as they are asked for (the first goes out at once)."""
    segments = _segments(text, batch_entries)
    definitions = _string_definitions(text)
    definition = next(definitions, None)
    macros: dict[str, MacroValue] = dict(DEFAULT_MACROS)
    limit = expansion_limit(len(text))
    refused: set[str] = set()
    packer = MacroPacker()
    line = 1
    prev = 0
    current = next(segments, None)
    while current is not None:
        a, b = current
        following = next(segments, None)
        while definition is not None and definition[0] < a:
            _, name, raw = definition
            _define(name, raw, macros, refused, limit, [])  # the worker reading it reports a refusal
            definition = next(definitions, None)
        line += text.count("\n", prev, a)
        prev = a
        if len(macros) + len(refused) <= _SEND_ALL_MACROS:
            # A few macros cost less to send than finding the words a piece uses (1.3 s of a
            # 100k import's main process); a worker looks up only the ones its piece names.
            packed = packer.pack(macros, refused)
        else:
            # Only the macros this piece names: a job's cost stays with its own size.
            used = {w.lower() for w in _REFERENCE_RE.findall(text, a, b)}
            packed = packer.pack({k: macros[k] for k in used if k in macros}, used & refused)
        yield text[a:b], file, line, packed, following is None, convert, limit
        current = following


def _converted_batches(
    text: str,
    file: str,
    workers: int,
    batch_entries: int,
    convert: Callable[[list[Item]], T],
    pool: ProcessPoolExecutor | None,
    all_ahead_from: float = 1.0,
) -> Iterator[ConvertedBatch[T]]:
    if len(text) < SMALL_TEXT or workers < 1:
        result = read_bibtex(text, file)
        yield ConvertedBatch(convert(result.items), result.problems, result.entries_in_file)
        return
    seen: dict[str, int] = {}
    carry = ""
    read = 0
    jobs = _jobs(text, file, batch_entries, convert)
    for job, done in _run_jobs(jobs, workers, pool, int(all_ahead_from * len(text))):
        assert isinstance(done, tuple)
        payload, problems, entries, tail, keys = done
        _flag_keys(keys, file, problems, seen)
        read += len(job[0])
        yield ConvertedBatch(_from_wire(payload), problems, entries, carry, read / len(text))
        carry = tail


def _read_batches(text: str, file: str, workers: int, batch_entries: int) -> Iterator[ReadResult]:
    if len(text) < SMALL_TEXT or workers < 1:
        yield read_bibtex(text, file)
        return
    seen: dict[str, int] = {}
    carry = ""
    line = 1
    for job, result in _run_jobs(_jobs(text, file, batch_entries, None), workers):
        assert isinstance(result, ReadResult)
        if carry:
            _prepend(result, carry)
            carry = ""
        if not job[4] and result.items and result.items[-1].__class__ is PassthroughBlock:
            last = result.items[-1]
            assert isinstance(last, PassthroughBlock)
            if last.kind is BlockKind.TRAILER:
                carry = last.text
                line = last.line
                result.items.pop()
        _flag_duplicates(result, seen)
        yield result
    if carry:  # pragma: no cover - the last batch always takes the carry
        yield ReadResult(items=[PassthroughBlock(BlockKind.TRAILER, carry, "", line, file)])


def _prepend(result: ReadResult, text: str) -> None:
    if not result.items:
        result.items.append(PassthroughBlock(BlockKind.TRAILER, text, "", 0, ""))
        return
    first = result.items[0]
    if isinstance(first, Reference):
        assert first.source is not None
        first.source.prefix = text + first.source.prefix
    elif first.kind is BlockKind.TRAILER:
        first.text = text + first.text
    else:
        first.prefix = text + first.prefix


def _warm_up() -> None:
    """Nothing: submitted first so the workers start (and import this module) while the main
    process is still reading the file or cutting the text into jobs."""


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """A parse worker's initializer: end this process when the importing process ends.

    Killed with -9 mid-import, the importer cannot shut its pool down, and its workers (and,
    through their copies of its pipe, multiprocessing's resource tracker) lived on, adopted by
    init. On Linux the kernel kills the worker when its parent dies (PR_SET_PDEATHSIG); on
    every system a thread also waits on the parent's sentinel (a pipe or process handle that
    becomes ready when the parent is gone) and ends the worker then. (Linux sends the signal
    when the *thread* that started the worker ends: the pool is used and shut down by the
    thread that starts it, ``worker_pool`` and ``_run_jobs``.)
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    _exit_without_teardown()
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _exit_without_teardown() -> None:
    """A worker ends at once when its pool shuts it down, without the interpreter's teardown.

    Freeing a worker's heap object by object (name caches, the last batch) kept the importing
    process waiting in its pool's shutdown for ~1 s at the end of a 100k import (load ~3), with
    both cores nearly idle. multiprocessing has flushed stdout and stderr by the time the
    interpreter exits (``BaseProcess._bootstrap``); the handler, registered last, runs first.
    """
    import atexit

    atexit.register(os._exit, 0)


def start_worker_pool(workers: int, warm_up: Callable[[], None]) -> ProcessPoolExecutor | None:
    """A spawn pool whose workers die with this process (``die_with_parent``), each sent
    ``warm_up`` so it starts (and imports the readers) at once; None when processes cannot be
    started here."""
    try:
        import multiprocessing

        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        for _ in range(workers):
            pool.submit(warm_up)
    except (OSError, ValueError, ImportError):
        return None
    return pool


def _start_pool(workers: int) -> ProcessPoolExecutor | None:
    return start_worker_pool(workers, _warm_up)


@contextmanager
def worker_pool(workers: int = 2) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for the ``iter_bibtex_batches(..., pool=)`` calls inside the block,
    started now: a process takes ~0.5 s to start and import the parser, which then overlaps
    reading and decoding the file. None when processes cannot be started here."""
    pool = _start_pool(workers) if workers >= 1 else None
    if pool is None:
        yield None
        return
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # cancelled or failed: do not wait for a job
        raise
    pool.shutdown(wait=True)  # idle by now: the processes exit and are reaped at once


class _ParsedHere(Future[_Done]):
    """The result of a job this process parsed itself while the workers were starting."""


def _run_jobs(
    jobs: Iterator[_Job], workers: int, pool: ProcessPoolExecutor | None = None, all_ahead_at: int | None = None
) -> Iterator[tuple[_Job, _Done]]:
    """(job, its result) in job order, at most a few jobs ahead of the consumer; all of the
    remaining jobs once the results given cover ``all_ahead_at`` characters of text.

    The pool is started before the first job is made (unless the caller started it even
    earlier), so the workers import this module while the main process cuts the text.
    """
    executor = pool if pool is not None else _start_pool(workers)
    if executor is None:
        yield from _in_process(jobs)
        return
    pending: deque[tuple[_Job, Future[_Done]]] = deque()
    given = 0  # characters of text in the results given
    answered = False  # a worker has given a result
    try:
        while True:
            while (
                len(pending) < workers + 1 or (all_ahead_at is not None and given >= all_ahead_at)
            ) and (new := next(jobs, None)) is not None:
                try:
                    future = executor.submit(_parse_batch, new)
                except Exception:  # the pool broke earlier (a killed worker): finish here
                    yield from _in_process(itertools.chain((j for j, _ in pending), [new], jobs))
                    pending.clear()
                    return
                pending.append((new, future))
            if not pending:
                return
            while (
                not answered
                and len(pending) < 2 * (workers + 1)
                and not pending[0][1].done()
                and (new := next(jobs, None)) is not None
            ):
                # No worker has answered yet (starting one, spawn and imports, takes ~0.5 s): this
                # process parses the next job itself instead of waiting, and gives its result in
                # turn (a 10k-entry import waited ~0.7 s of its ~2.5 s so).
                here = _ParsedHere()
                here.set_result(_parse_batch(new))
                pending.append((new, here))
            job, future = pending.popleft()
            try:
                result = future.result()
            except Exception:  # the pool broke (a killed worker): finish in this process
                yield from _in_process(itertools.chain([job], (j for j, _ in pending), jobs))
                pending.clear()
                return
            answered = answered or not isinstance(future, _ParsedHere)
            given += len(job[0])
            if all_ahead_at is not None and given >= all_ahead_at:
                # Before the consumer gets this result (and starts its own long work).
                while (new := next(jobs, None)) is not None:
                    try:
                        pending.append((new, executor.submit(_parse_batch, new)))
                    except Exception:  # a broken pool: the loop above finds out at the next result
                        jobs = itertools.chain([new], jobs)
                        break
            yield job, result
    finally:
        for _, future in pending:
            future.cancel()
        if pool is None:
            executor.shutdown(wait=False, cancel_futures=True)


def _in_process(jobs: Iterable[_Job]) -> Iterator[tuple[_Job, _Done]]:
    for job in jobs:
        yield job, _parse_batch(job)
