"""Reading BibTeX/BibLaTeX text into References, keeping every byte of the file.

bibtexparser 2 splits the text into blocks (without middlewares, which would cost far more
than the parse); this module turns entries into References with decoded Unicode fields, and
keeps everything else (``@string``, ``@preamble``, comments, blocks that failed to parse) as
PassthroughBlocks, each with the exact text before it, so the file can be written back byte
for byte. Problems are collected with their line, never raised (DESIGN.md, Errors).
"""

from __future__ import annotations

import gc
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from bibtexparser import model as bp
from bibtexparser.entrypoint import parse_string

from bibliofile.formats.bibtex_names import parse_names
from bibliofile.formats.latex_text import latex_to_unicode, title_macro_problems
from bibliofile.formats.text_encoding import NOT_BIBTEX, decode_bytes
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
    "decode_fields",
    "entry_raw_fields",
    "evaluate_value",
    "iter_bibtex_batches",
    "looks_like_bibtex",
    "read_bibtex",
    "read_bibtex_file",
]

Item = Reference | PassthroughBlock
T = TypeVar("T")

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


def evaluate_value(raw: str, macros: dict[str, str], undefined: list[str] | None = None) -> str:
    """A raw field value (``{..}``, ``".."``, ``2008``, ``jn # " x"``) to its LaTeX content.

    Parts joined by ``#`` are concatenated and macros replaced; an undefined macro stays as
    its name and is added to ``undefined``.
    """
    if raw:
        c0 = raw[0]
        if c0 == "{" and raw[-1] == "}" and "#" not in raw:
            return raw[1:-1]
        if c0 == '"' and raw[-1] == '"' and "#" not in raw:
            return raw[1:-1]
        if raw.isdigit():
            return raw
    out: list[str] = []
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
            else:
                out.append(value)
    return "".join(out)


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


def _verbatim(content: str) -> str:
    if "\\" in content:
        content = content.replace("\\_", "_").replace("\\%", "%").replace("\\&", "&").replace("\\#", "#")
        content = content.replace("\\~{}", "~").replace("\\textasciitilde{}", "~")
    if "{" in content:
        content = content.replace("{", "").replace("}", "")
    return "".join(content.split()) if " " in content or "\n" in content else content


def _keywords(text: str) -> str:
    if "," not in text and ";" not in text:
        return text
    return LIST_SEPARATOR.join(k for k in (p.strip() for p in re.split(r"[,;]", text)) if k)


def decode_fields(
    entry_type: str,
    raw_fields: list[tuple[str, str]],
    macros: dict[str, str],
    on_undefined: list[tuple[str, str]] | None = None,
    origins: dict[str, list[int]] | None = None,
) -> tuple[str, dict[str, str], list[Creator], dict[str, str]]:
    """(item type, fields, creators, extra) of an entry's raw fields.

    The writer calls this too, to tell which fields are unchanged since import (and so are
    written with their raw text). ``origins`` maps each field key ("creators:<role>" for
    names) to the indexes of the raw fields it came from.
    """
    item_type = from_bibtex_type(entry_type)
    is_article = item_type in ARTICLE_TYPES
    fields: dict[str, str] = {}
    creators: list[Creator] = []
    extra: dict[str, str] = {}
    year = month = ""
    year_i = month_i = -1
    undefined: list[str] = []
    for index, (name, raw) in enumerate(raw_fields):
        lname = name.lower()
        key = FIELD_NAMES.get(lname)
        if key is None:
            role = ROLE_FIELDS.get(lname)
            if role is not None:
                content = evaluate_value(raw, macros, undefined)
                creators.extend(parse_names(content, role))
                if origins is not None:
                    origins.setdefault(f"creators:{role.value}", []).append(index)
            elif lname == "year" and year_i < 0:
                year, year_i = raw, index
            elif lname == "month" and month_i < 0:
                month, month_i = raw, index
            elif lname == "date" and "date" not in fields:
                fields["date"] = PartialDate.parse(_clean(evaluate_value(raw, macros, undefined))).iso()
                if origins is not None:
                    origins["date"] = [index]
            else:
                extra[lname] = raw
            if undefined:
                if on_undefined is not None:
                    on_undefined.extend((name, u) for u in undefined)
                undefined.clear()
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
            content = evaluate_value(raw, macros, undefined)
            if undefined:
                if on_undefined is not None:
                    on_undefined.extend((name, u) for u in undefined)
                undefined.clear()
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
        y = _clean(evaluate_value(year, macros, undefined)) if year_i >= 0 else ""
        mo = _clean(evaluate_value(month, macros, undefined)) if month_i >= 0 else ""
        if undefined and on_undefined is not None:
            on_undefined.extend(("year" if u in year else "month", u) for u in undefined)
        ym = PartialDate.from_year_month(y, mo)
        month_lost = bool(mo) and (ym.month is None or ym.literal != "")
        if "date" not in fields and y:
            fields["date"] = ym.iso()
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


def _parse_blocks(text: str) -> list[bp.Block]:
    """bibtexparser's blocks; if it ever crashes, parse piece by piece so one bad spot costs one block."""
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
        entry = block.ignore_error_block if isinstance(block, bp.DuplicateBlockKeyBlock) else block
        if isinstance(entry, bp.Entry):
            return [(f.key, f.value) for f in entry.fields]
    return []


def _read_segment(text: str, file: str, first_line: int, macros: dict[str, str]) -> ReadResult:
    """Read one piece of a file whose first line is ``first_line``; ``macros`` is updated."""
    result = ReadResult()
    items = result.items
    problems = result.problems
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    cursor = 0
    line = first_line
    entries = 0
    on_undefined: list[tuple[str, str]] = []
    for block in _parse_blocks(text):
        raw = block.raw
        if not raw:
            continue
        pos = text.find(raw, cursor)
        if pos < 0:
            problems.append(Problem(file, line, "a block could not be located in the text; it was kept as text"))
            continue
        prefix = text[cursor:pos]
        line += prefix.count(newline)
        if isinstance(block, bp.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, bp.Entry | bp.String
        ):
            block = block.ignore_error_block
        if isinstance(block, bp.Entry):
            entries += 1
            raw_fields = [(f.key, f.value) for f in block.fields]
            m = _TYPE_RE.match(raw)  # bibtexparser lower-cases the type; keep it as written
            entry_type = m.group(1) if m else block.entry_type
            item_type, fields, creators, extra = decode_fields(
                entry_type, raw_fields, macros, on_undefined
            )
            if on_undefined:
                for fname, macro in on_undefined:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"entry '{block.key}': field '{fname}' uses the undefined @string "
                            f"'{macro}'; its name was kept as the value",
                        )
                    )
                on_undefined.clear()
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
            macros[block.key.lower()] = evaluate_value(str(block.value), macros, undefined)
            for macro in undefined:
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
            problems.append(Problem(file, line, message))
            items.append(PassthroughBlock(BlockKind.FAILED, raw, prefix, line, file))
        line += raw.count(newline)
        cursor = pos + len(raw)
    if cursor < len(text):
        items.append(PassthroughBlock(BlockKind.TRAILER, text[cursor:], "", line, file))
    result.entries_in_file = entries
    return result


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


def read_bibtex(text: str, file: str = "<text>") -> ReadResult:
    """Read BibTeX/BibLaTeX text: references and passthrough blocks in order, plus problems."""
    with gc_paused():
        result = _read_segment(text, file, 1, dict(DEFAULT_MACROS))
    _flag_duplicates(result, {})
    return result


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
    text, encoding = decode_bytes(data, name)
    if not looks_like_bibtex(text):
        raise UnreadableFileError(name, NOT_BIBTEX)
    result = read_bibtex(text, name)
    result.encoding = encoding
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


def _string_definitions(text: str) -> list[tuple[int, str, str]]:
    """(position, name, raw value) of every top-level @string, found cheaply by regex."""
    out: list[tuple[int, str, str]] = []
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
            out.append((m.start(), body.group(1).lower(), body.group(2)))
        depth += text.count("{", prev, end) - text.count("}", prev, end)
        prev = end
    return out


_SAMPLE = 1 << 20  # characters read to estimate the mean block length


def _segments(text: str, batch_entries: int) -> Iterator[tuple[int, int]]:
    """Pieces of the text split at "\\n@" with brace depth 0, about ``batch_entries`` blocks
    long, found as they are asked for.

    Cut by size (the mean block length of the file's first MiB times ``batch_entries``) so that
    finding the points is a few hundred C-level find/count calls: walking every "\\n@" of a
    100k-entry file in Python took 0.8 s before the first worker could start. The first piece
    is a quarter of the others, so the storing side gets its first rows sooner.
    """
    sample = min(len(text), _SAMPLE)
    blocks = text.count("\n@", 0, sample) + 1
    step = max(1, sample * batch_entries // blocks)
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


# A job: (text, file, first line, macros, is the last job, convert or None).
_Job = tuple[str, str, int, dict[str, str], bool, "Callable[[list[Item]], Any] | None"]
# What a worker gives back: the ReadResult, or for a convert job (payload, problems, entries,
# tail text, [(citation key, line)]) of plain data, cheap to pickle.
_Done = ReadResult | tuple[Any, list[Problem], int, str, list[tuple[str, int]]]


def _parse_batch(job: _Job) -> _Done:
    text, file, first_line, macros, last, convert = job
    with gc_paused():
        result = _read_segment(text, file, first_line, macros)
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
        return convert(items), result.problems, result.entries_in_file, tail, keys


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
) -> Iterator[ConvertedBatch[T]]: ...


def iter_bibtex_batches(
    text: str,
    file: str,
    workers: int = 2,
    batch_entries: int = 2000,
    convert: Callable[[list[Item]], Any] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[ReadResult] | Iterator[ConvertedBatch[Any]]:
    """The same result as read_bibtex, in file-order batches parsed on worker processes.

    The caller stores batch N while batches N+1.. are parsed. Small texts are read in one go
    without processes, which would cost more to start than they save. With ``convert`` (a
    picklable top-level function), each batch's items are turned into ``convert(items)`` in the
    worker and ConvertedBatches are yielded: the References never cross the process boundary.
    ``pool``: workers already started by ``worker_pool`` (else they are started here).
    """
    if convert is not None:
        return _converted_batches(text, file, workers, batch_entries, convert, pool)
    return _read_batches(text, file, workers, batch_entries)


def _jobs(
    text: str, file: str, batch_entries: int, convert: Callable[[list[Item]], Any] | None
) -> Iterator[_Job]:
    """The jobs in file order, made as they are asked for (the first goes out at once)."""
    segments = _segments(text, batch_entries)
    definitions = _string_definitions(text)
    macros = dict(DEFAULT_MACROS)
    d = 0
    line = 1
    prev = 0
    current = next(segments, None)
    while current is not None:
        a, b = current
        following = next(segments, None)
        while d < len(definitions) and definitions[d][0] < a:
            _, name, raw = definitions[d]
            macros[name] = evaluate_value(raw, macros)
            d += 1
        line += text.count("\n", prev, a)
        prev = a
        yield text[a:b], file, line, dict(macros), following is None, convert
        current = following


def _converted_batches(
    text: str,
    file: str,
    workers: int,
    batch_entries: int,
    convert: Callable[[list[Item]], T],
    pool: ProcessPoolExecutor | None,
) -> Iterator[ConvertedBatch[T]]:
    if len(text) < SMALL_TEXT or workers < 1:
        result = read_bibtex(text, file)
        yield ConvertedBatch(convert(result.items), result.problems, result.entries_in_file)
        return
    seen: dict[str, int] = {}
    carry = ""
    read = 0
    for job, done in _run_jobs(_jobs(text, file, batch_entries, convert), workers, pool):
        assert isinstance(done, tuple)
        payload, problems, entries, tail, keys = done
        _flag_keys(keys, file, problems, seen)
        read += len(job[0])
        yield ConvertedBatch(payload, problems, entries, carry, read / len(text))
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


def _start_pool(workers: int) -> ProcessPoolExecutor | None:
    try:
        import multiprocessing

        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(workers):
            pool.submit(_warm_up)
    except (OSError, ValueError, ImportError):
        return None
    return pool


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


def _run_jobs(
    jobs: Iterator[_Job], workers: int, pool: ProcessPoolExecutor | None = None
) -> Iterator[tuple[_Job, _Done]]:
    """(job, its result) in job order, at most a few jobs ahead of the consumer.

    The pool is started before the first job is made (unless the caller started it even
    earlier), so the workers import this module while the main process cuts the text.
    """
    executor = pool if pool is not None else _start_pool(workers)
    if executor is None:
        yield from _in_process(jobs)
        return
    pending: deque[tuple[_Job, Future[_Done]]] = deque()
    try:
        while True:
            while len(pending) < workers + 1 and (new := next(jobs, None)) is not None:
                try:
                    future = executor.submit(_parse_batch, new)
                except Exception:  # the pool broke earlier (a killed worker): finish here
                    yield from _in_process(itertools.chain((j for j, _ in pending), [new], jobs))
                    pending.clear()
                    return
                pending.append((new, future))
            if not pending:
                return
            job, future = pending.popleft()
            try:
                result = future.result()
            except Exception:  # the pool broke (a killed worker): finish in this process
                yield from _in_process(itertools.chain([job], (j for j, _ in pending), jobs))
                pending.clear()
                return
            yield job, result
    finally:
        for _, future in pending:
            future.cancel()
        if pool is None:
            executor.shutdown(wait=False, cancel_futures=True)


def _in_process(jobs: Iterable[_Job]) -> Iterator[tuple[_Job, _Done]]:
    for job in jobs:
        yield job, _parse_batch(job)
