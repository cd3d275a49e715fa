"""A linear scanner for well-formed BibTeX entries that gives exactly bibtexparser's blocks.

Why: bibtexparser's splitter walks every delimiter, comma and newline of the file through a
Python generator; it was two thirds of the time of an import. Most entries are plain
``name = {value}`` / ``"value"`` / ``2008`` / ``macro`` fields, which a handful of C-level regex
matches per entry read in a fraction of that time.

The scanner does not implement BibTeX; it reproduces what bibtexparser 2's ``Splitter`` does
for the entries it accepts: the same type (lower-cased), key, fields in order (names and raw
values, stripped as the splitter strips them, with the same start lines) and raw text. It
accepts an entry only when it is sure; anything else (``@string``, ``@preamble``, ``@comment``,
``(``-delimited blocks, duplicate field names, braces nested deeper than ``MAX_DEPTH``, a ``@``
at the start of a line inside an entry, backslashes before ``{``/``}`` outside values, a quote
right after ``{``, unbalanced delimiters, ...) is handed to bibtexparser (``fallback``) from
that block up to the next point where bibtexparser is sure to start a new block (a block start
at the start of a line, which its splitter treats as one in every state). That hand-over is
exact: bibtexparser reads the piece with the next block start appended, so a block it has to
abort there ends, and says why, as it would in the whole text.

The rules of the splitter this follows (bibtexparser/splitter.py): marks are ``{ } " , = \\n``
not preceded by a backslash, and block starts ``@\\w*[ \\t]*`` before ``{`` or ``(``; within a
value, braces nest and hide quotes and commas, a quote at depth 0 hides braces and commas
until the next quote; a value ends at a ``,`` or ``}`` at depth 0 outside quotes; a line-start
block start inside a block aborts it. tests/unit/formats/test_bibtex_fast*.py compare both on
every entry of the shared corpus and on generated well-formed and near-miss entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bibtexparser import model as bp

__all__ = ["MAX_DEPTH", "Block", "FastSplit", "ScannedEntry", "split_blocks"]

MAX_DEPTH = 8  # deepest brace nesting in a value read here; deeper values go to bibtexparser

# bibtexparser's block start (splitter._BLOCK_START); a match is a block start at top level.
_BLOCK_START = re.compile(r"@\w*[ \t]*(?=[{(])")
# ... that is the first thing on its line (after whitespace): one in every parser state.
_LINE_START = re.compile(r"\n[^\S\n]*(@\w*[ \t]*)(?=[{(])")
_NOT_ENTRIES = ("@comment", "@preamble", "@string")


def _brace_group(depth: int) -> str:
    """A ``{...}`` group nesting at most ``depth`` deep. Inside, a backslash takes the brace
    after it (the splitter's look-behind: ``\\{`` is no mark); quotes and commas are text."""
    inner = r"[^{}\\]++|\\[{}]?"
    group = r"\{(?:" + inner + r")*+\}"
    for _ in range(depth - 1):
        group = r"\{(?:" + inner + "|" + group + r")*+\}"
    return group


# A quoted part: braces, commas and "\"" are text until the next quote; a closing quote right
# after "{" could be the splitter's {"} exception, so such values go to bibtexparser.
_QUOTED = r'"(?:[^"\\]++|\\["{}]?)*+(?<!\{)"'
# A value at depth 0: text, brace groups and quoted parts, up to a "," or "}".
_VALUE = r'(?:[^{}",\\]++|\\[{}",]?|' + _brace_group(MAX_DEPTH) + "|" + _QUOTED + r")*+"
# What the splitter takes as a field name: text without marks (and, to be sure, without
# backslashes or "@") up to "=".
_NAME = r'[^{}",=@\\]*+'
_FIELDS = _NAME + "=" + _VALUE
# A whole entry: head, key, then "name = value," units and either a last unit or whitespace
# before the closing brace; one match checks it all in C.
_ENTRY = re.compile(
    r"@(\w*)[ \t]*\{(" + _NAME + "),(?:" + _FIELDS + ",)*+(?:" + _FIELDS + r"|\s*+)\}"
)
_FIELD = re.compile("(" + _NAME + ")=(" + _VALUE + ")[,}]")


class ScannedEntry:
    """An entry read by this scanner: what bibtexparser's Entry would hold, as plain data.

    ``raw_fields`` are (name, raw value) pairs in file order; ``start_line`` is the splitter's
    line (0 = the text's first). The fields' own lines are only needed for the rare repeated
    field name, which this scanner leaves to bibtexparser, so they are computed on demand.
    ``start`` is where ``raw`` begins in the text read (so a reader need not search for it).
    """

    __slots__ = ("entry_type", "key", "raw", "raw_fields", "start", "start_line")

    def __init__(
        self, start_line: int, entry_type: str, key: str, raw: str, raw_fields: list[tuple[str, str]], start: int = -1
    ):
        self.start_line = start_line
        self.entry_type = entry_type
        self.key = key
        self.raw = raw
        self.raw_fields = raw_fields
        self.start = start

    def field_lines(self) -> list[int]:
        """The splitter's start line of each field (the line of its ``=``)."""
        raw = self.raw
        count = _lines if "\\\n" in raw else _plain_lines
        head = _ENTRY.match(raw)
        assert head is not None
        pos = head.end(2) + 1
        line = self.start_line
        counted = 0
        out: list[int] = []
        for m in _FIELD.finditer(raw, pos):
            eq = m.start(2) - 1
            line += count(raw, counted, eq)
            counted = eq
            out.append(line)
        return out


Block = bp.Block | ScannedEntry


@dataclass
class FastSplit:
    """The blocks of a text and how they were read: ``fast`` entries by this scanner, and
    ``fallback_pieces`` pieces of text handed to bibtexparser."""

    blocks: list[Block] = field(default_factory=list)
    fast: int = 0
    fallback_pieces: int = 0


def _lines(text: str, a: int, b: int) -> int:
    """Newlines the splitter counts in text[a:b]: a newline after a backslash is no mark."""
    return text.count("\n", a, b) - text.count("\\\n", max(a - 1, 0), b)


def _plain_lines(text: str, a: int, b: int) -> int:
    """``_lines`` for a text without a backslash before a newline."""
    return text.count("\n", a, b)


def _at_line_start(text: str, start: int, at: int) -> bool:
    """True when only whitespace is between the newline before ``at`` and ``at``."""
    nl = text.rfind("\n", start, at)
    return nl >= 0 and (nl + 1 == at or text[nl + 1 : at].isspace())


def _entry(text: str, at: int, line: int, bound: int) -> ScannedEntry | None:
    """The entry whose block start is at ``at`` (on ``line``), when it is one this scanner is
    sure of; else None. ``bound``: the next block start that begins a line, where the entry
    must have ended (the splitter would abort it there); the match looks no further, so a
    hostile text cannot make every block start scan to the end of the file."""
    m = _ENTRY.match(text, at, bound)
    if m is None:
        return None
    end = m.end()
    key_end = m.end(2)
    m_val = text[at : m.start(2) - 1].lower()
    if m_val.startswith(_NOT_ENTRIES):
        return None
    i = text.find("@", at + 1, end)
    while i >= 0:  # a block start first on its line would have aborted the entry there
        if _at_line_start(text, at, i):
            return None
        i = text.find("@", i + 1, end)
    found = _FIELD.findall(text, key_end + 1, end)
    raw_fields = [(n.strip(), v.strip()) for n, v in found]
    if len({n.lower() for n, _ in raw_fields}) != len(raw_fields):
        return None  # a repeated name: bibtexparser's DuplicateFieldKeyBlock, with its lines
    return ScannedEntry(line, m_val[1:].strip(), m.group(2).strip(), text[at:end], raw_fields, at)


def _implicit_comment(text: str, line: int) -> bp.ImplicitComment | None:
    """The splitter's implicit comment for the text between two blocks, starting on ``line``."""
    leading = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            leading += 1
        elif not char.isspace():
            break
        i += 1
    comment = text[i:].rstrip()
    if not comment:
        return None
    return bp.ImplicitComment(start_line=line + leading, raw=comment, comment=comment)


def _shift(block: bp.Block, lines: int) -> None:
    """Move a block read from a piece (and its fields) to its line in the whole text; a
    wrapper (a repeated key) and the block it wraps are moved alike."""
    inner = block.ignore_error_block if isinstance(block, bp.ParsingFailedBlock) else None
    for b in (block, inner):
        if b is None:
            continue
        if b.start_line is not None:
            b._start_line_in_file = b.start_line + lines
        if isinstance(b, bp.Entry):
            for f in b.fields:
                if f.start_line is not None:
                    f._start_line = f.start_line + lines


def split_blocks(text: str, fallback: Callable[[str], list[bp.Block]]) -> FastSplit:
    """The blocks bibtexparser's splitter gives for ``text`` (without its Library's wrapping
    of repeated entry keys, which readers unwrap), well-formed entries read here and the rest
    by ``fallback`` (text -> bibtexparser's blocks)."""
    out = FastSplit()
    blocks = out.blocks
    n = len(text)
    pos = 0
    line = 0  # the splitter's line at pos
    comment_text = "\n"  # the splitter starts its first implicit comment at a newline it adds
    comment_line = -1
    search = _BLOCK_START.search
    line_start = _LINE_START.search
    count = _lines if "\\\n" in text else _plain_lines
    nxt = line_start(text)
    while True:
        m = search(text, pos)
        at = m.start() if m is not None else n
        gap = text[pos:at]
        if gap and not gap.isspace():
            comment = _implicit_comment(comment_text + gap, comment_line)
            if comment is not None:
                blocks.append(comment)
        if m is None:
            return out
        line += count(text, pos, at)
        if nxt is not None and nxt.start(1) <= at:
            nxt = line_start(text, at + 1)
        entry = _entry(text, at, line, nxt.start(1) if nxt is not None else n)
        if entry is not None:
            blocks.append(entry)
            out.fast += 1
            end = at + len(entry.raw)
            line += count(text, at, end)
            pos = end
            comment_text, comment_line = "", line
            continue
        # bibtexparser reads from here to the next block start that begins a line.
        stop = nxt.start(1) if nxt is not None else n
        piece = text[at:stop]
        out.fallback_pieces += 1
        if nxt is not None:
            # Its own block start after the piece, so a block aborted there ends as in the
            # whole text; the block read from it (a well-formed empty one) is dropped.
            mark = nxt.group(1)
            read = fallback(piece + mark + ("{x=}" if mark.lower().startswith("@string") else "{}"))
            read = read[:-1]
        else:
            read = fallback(piece)
        for block in read:
            _shift(block, line)
            blocks.append(block)
        line += count(text, at, stop)
        pos = stop
        if nxt is None:
            return out
        comment_text, comment_line = "", line  # the piece took its own trailing comments
