"""Plain text to BibTeX values, keys and field names that read back as exactly that text.

A library holds decoded text; a file we write must mean the same thing to real ``bibtex`` and
to our reader, whatever the text holds (a newline followed by ``@misc{``, a lone ``}``, ``\\}``).
So every character BibTeX or LaTeX treats specially is written as a command our reader decodes
back to it, braces stay balanced as BibTeX counts them (it ignores backslashes), and no line of
a value starts with ``@``. What BibTeX cannot carry at all (a single line break, which it reads
as a space; control characters; a carriage return; spaces at the ends) is changed as BibTeX
would read it and named, so the export can say what was not kept verbatim.
"""

from __future__ import annotations

import re
import unicodedata

# What each special character is written as; the reader's LaTeX decoder turns these back.
_SPECIAL: dict[str, str] = {
    "\\": "\\textbackslash{}",
    "%": "\\%",
    "&": "\\&",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "~": "\\~{}",
}
_LBRACE_CMD = "\\textbraceleft{}"
_RBRACE_CMD = "\\textbraceright{}"
# Pairs the decoder would turn into dashes or curly quotes: "--" -> "-{}-" keeps them apart.
_LIGATURE_FIRST = frozenset("-`'")
_NEEDS_WORK_RE = re.compile(r"[\\%&$#_~{}\"]|--|``|''|\n@")
# White space with line breaks in it: BibTeX (and our reader) read a blank line as a paragraph
# break and a single line break as a space.
_PARAGRAPH_RE = re.compile(r"[ \t]*\n[ \t]*(?:\n[ \t]*)+")
_LINE_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")
# Unicode's control characters (category Cc) but tab and line feed.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

LOST_CONTROL = "control characters (such as NUL) were left out: BibTeX reads them as spaces"
LOST_CR = "carriage returns were written as line breaks"
LOST_LINE_BREAK = "single line breaks were written as spaces: BibTeX reads them so (blank lines are kept)"
LOST_ENDS = "spaces at the start or end were left out: BibTeX drops them"

# Characters a citation key or field name cannot hold in BibTeX (or in LaTeX's \cite): the
# list JabRef's key generator refuses, plus white space and control characters.
KEY_FORBIDDEN = frozenset("{}(),=\\\"#%~'")


def bibtex_text_form(value: str) -> tuple[str, list[str]]:
    """The text BibTeX can carry for ``value``, and what had to change (empty when nothing).

    A blank line is kept as one paragraph break, a single line break becomes a space, a CR or
    CRLF a line break, other control characters go, and the ends are trimmed as BibTeX does.
    """
    lost: list[str] = []
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        lost.append(LOST_CR)
    if _CONTROL_RE.search(value):
        value = _CONTROL_RE.sub("", value)
        lost.append(LOST_CONTROL)
    if "\n" in value:
        paragraphs = _PARAGRAPH_RE.split(value)
        joined = "\n\n".join(_LINE_BREAK_RE.sub(" ", p) for p in paragraphs)
        if joined != value:
            lost.append(LOST_LINE_BREAK)
        value = joined
    stripped = value.strip()
    if stripped != value:
        lost.append(LOST_ENDS)
    return stripped, lost


def _is_control(c: str) -> bool:
    return c not in "\t\n" and unicodedata.category(c) == "Cc"


def encode_text(value: str, quoted: bool = False) -> tuple[str, list[str]]:
    """``value`` as the content of a braced (or, with ``quoted``, a quoted) BibTeX value.

    Returns the content without its delimiters, and what could not be kept verbatim.
    """
    text, lost = bibtex_text_form(value)
    if not _NEEDS_WORK_RE.search(text):
        return text, lost
    matched = _matched_braces(text)
    out: list[str] = []
    n = len(text)
    for i, c in enumerate(text):
        special = _SPECIAL.get(c)
        if special is not None:
            out.append(special)
        elif c == "{":
            out.append("\\{" if i in matched else _LBRACE_CMD)
        elif c == "}":
            out.append("\\}" if i in matched else _RBRACE_CMD)
        elif c == '"' and quoted:
            out.append('{"}')
        elif c == "@" and i > 0 and text[i - 1] == "\n":
            out.append("{@}")  # else the reader would take it for the start of an entry
        elif c in _LIGATURE_FIRST and i + 1 < n and text[i + 1] == c:
            out.append(c + "{}")
        else:
            out.append(c)
    return "".join(out), lost


def _matched_braces(text: str) -> set[int]:
    """Positions of the braces that pair up; the rest are written as commands, so the value's
    braces always balance the way BibTeX counts them."""
    opens: list[int] = []
    matched: set[int] = set()
    for i, c in enumerate(text):
        if c == "{":
            opens.append(i)
        elif c == "}" and opens:
            matched.add(opens.pop())
            matched.add(i)
    return matched


def braced(value: str) -> tuple[str, list[str]]:
    """``{...}``: the usual way to write a value."""
    content, lost = encode_text(value)
    return "{" + content + "}", lost


def clean_key(key: str) -> str:
    """A citation key with the characters BibTeX cannot carry left out ("" stays "")."""
    return "".join(c for c in key if c not in KEY_FORBIDDEN and not c.isspace() and not _is_control(c))


def key_problem(key: str) -> str | None:
    """Why BibTeX cannot carry ``key`` as it is, or None when it can."""
    bad = sorted({c for c in key if c in KEY_FORBIDDEN})
    if any(c.isspace() or _is_control(c) for c in key):
        return "a citation key cannot contain spaces, line breaks or control characters"
    if bad:
        return "a citation key cannot contain " + " ".join(bad)
    return None


def clean_field_name(name: str) -> str:
    """A field name BibTeX reads as one name (it must not start with a digit either)."""
    out = clean_key(name)
    if out[:1].isdigit():
        out = "x-" + out
    return out or "x-field"


def is_bibtex_raw_value(raw: str) -> bool:
    """True when ``raw`` is one BibTeX value as a file has it (``{..}``, ``".."``, a number, a
    macro name, or parts joined by ``#``) whose braces balance and that no line starts with ``@``
    inside: then it can be written again as it is."""
    if not raw or re.search(r"\n[ \t]*@", raw):
        return False
    i, n = 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return False
        c = raw[i]
        if c == "{":
            end = group_end(raw, i)
            i = end + 1 if end < n else -1
        elif c == '"':
            i = _close_quote(raw, i)
        else:
            m = re.compile(r"[^\s\"#%'(),={}]+").match(raw, i)
            if m is None or (m.group(0)[0].isdigit() and not m.group(0).isdigit()):
                return False
            i = m.end()
        if i < 0:
            return False
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return True
        if raw[i] != "#":
            return False
        i += 1


def group_end(s: str, start: int) -> int:
    """The index of the ``}`` that closes the brace group opening at ``start``, nested braces
    counted as BibTeX counts them (no escapes); ``len(s)`` when the group never closes. One
    scan for the name splitter, this module and the entry patcher."""
    depth = 0
    for i in range(start, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(s)


def _close_quote(raw: str, start: int) -> int:
    depth = 0
    for j in range(start + 1, len(raw)):
        c = raw[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return -1
        elif c == '"' and depth == 0:
            return j + 1
    return -1
