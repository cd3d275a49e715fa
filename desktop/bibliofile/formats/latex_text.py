"""LaTeX in BibTeX values to Unicode and back.

Reading must be fast on 100k-entry files, so most values (plain text) return unchanged after a
few ``in`` checks and the common accents and symbols are decoded by one table-driven regex pass.
pylatexenc, which is about a hundred times slower, is used only for what remains (math, unknown
macros). Writing produces UTF-8 BibTeX, so only what BibTeX itself needs is escaped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# Private-use placeholders for characters that must survive the brace and tie passes.
_LBRACE, _RBRACE, _TILDE, _PERCENT, _BACKSLASH, _DOLLAR = (
    "\ue000", "\ue001", "\ue002", "\ue003", "\ue004", "\ue005"
)
_PLACEHOLDERS = ((_LBRACE, "{"), (_RBRACE, "}"), (_TILDE, "~"), (_PERCENT, "%"), (_BACKSLASH, "\\"),
                 (_DOLLAR, "$"))

_ACCENT_MARKS: dict[str, str] = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "r": "\u030a",
    "H": "\u030b",
    "v": "\u030c",
    "d": "\u0323",
    "c": "\u0327",
    "k": "\u0328",
    "b": "\u0331",
    "t": "\u0361",
}
# What an accent command on nothing (``\~{}``) prints.
_BARE_ACCENTS: dict[str, str] = {"~": _TILDE, "^": "^", "`": "`", "'": "´", '"': "¨", "=": "¯"}

_SYMBOLS: dict[str, str] = {
    "aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ss": "ß", "SS": "SS", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textbackslash": _BACKSLASH, "textasciitilde": _TILDE, "textasciicircum": "^",
    "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
    "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§", "P": "¶", "copyright": "©",
    "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "guillemotleft": "«",
    "guillemotright": "»", "textdegree": "°", "textperiodcentered": "·", "textbullet": "•",
    "quad": " ", "qquad": "  ", "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX",
    "slash": "/", "textslash": "/", "relax": "", "noopsort": "",
}
_GREEK = dict(
    zip(
        ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"],
        "αβγδεζηθικλμνξοπρστυφχψω",
        strict=True,
    )
)
_SYMBOLS.update(_GREEK)
_SYMBOLS.update({k.capitalize(): v.upper() for k, v in _GREEK.items()})
_SYMBOLS.update(
    {
        "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varsigma": "ς", "ell": "ℓ",
        "infty": "∞", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
        "leftrightarrow": "↔", "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤",
        "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼",
        "equiv": "≡", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪",
        "cap": "∩", "sum": "∑", "prod": "∏", "int": "∫", "partial": "∂", "nabla": "∇",
        "sqrt": "√", "forall": "∀", "exists": "∃", "emptyset": "∅", "circ": "∘", "star": "⋆",
        "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "max": "max",
        "min": "min", "deg": "deg", "lim": "lim", "textquotesingle": "'", "hyphen": "-",
        "textpm": "±", "texttimes": "×", "textmu": "µ",
    }
)
_MATH_WORDS = frozenset({"log", "ln", "exp", "sin", "cos", "max", "min", "deg", "lim"})
# Commands whose argument is kept as plain text (the braces go in the brace pass).
_FORMATTING = frozenset(
    ["textit", "emph", "textbf", "textsc", "texttt", "textrm", "textsf", "textup", "textsl", "textnormal", "textmd", "mbox", "text", "underline", "uppercase", "lowercase", "MakeUppercase", "MakeLowercase", "url", "nolinkurl", "hbox", "em", "it", "bf", "sc", "rm", "sl", "tt", "sf", "normalfont", "small", "large", "Large", "footnotesize", "scriptsize", "tiny", "textsuperscript", "textsubscript", "ensuremath", "mathrm", "mathit", "mathbf", "protect"]
)

_LETTER = r"\\[ij](?![A-Za-z])|[A-Za-z]"
_COMMAND_RE = re.compile(
    r"\\(?:"
    rf"(?P<acc>[`'^\"~=.])\s*(?:\{{\s*(?P<l1>{_LETTER})?\s*\}}|(?P<l2>{_LETTER}))"
    rf"|(?P<lacc>[cvuHkrdbt])(?:\s*\{{\s*(?P<l3>{_LETTER})?\s*\}}|\s+(?P<l4>[A-Za-z]))"
    r"|(?P<esc>[&%$#_{}\ ,;:!/@()\[\]-])"
    r"|(?P<name>[A-Za-z]+)(?P<tail>\s*(?:\{\})?)"
    r")"
)
_ESCAPES = {
    "{": _LBRACE, "}": _RBRACE, "%": _PERCENT, "$": _DOLLAR, " ": " ", ",": "\u2009", ";": " ", ":": " ",
    "!": "", "/": "", "@": "", "-": "", "(": "", ")": "", "[": "", "]": "",
}


@lru_cache(maxsize=4096)
def _accented(accent: str, letter: str) -> str:
    if letter == "\\i":
        letter = "i"
    elif letter == "\\j":
        letter = "j"
    return unicodedata.normalize("NFC", letter + _ACCENT_MARKS[accent])


def _replace_command(m: re.Match[str]) -> str:
    acc = m.group("acc") or m.group("lacc")
    if acc:
        letter = m.group("l1") or m.group("l2") or m.group("l3") or m.group("l4")
        if not letter:
            return _BARE_ACCENTS.get(acc, "")
        return _accented(acc, letter)
    esc = m.group("esc")
    if esc:
        return _ESCAPES.get(esc, esc)
    name = m.group("name")
    symbol = _SYMBOLS.get(name)
    if symbol is not None:
        if name in _MATH_WORDS and m.group("tail")[:1].isspace():
            return symbol + " "  # "\\log n" reads "log n"
        return symbol
    if name in _FORMATTING:
        return ""
    return m.group(0)


def _needs_decoding(s: str) -> bool:
    return (
        "\\" in s
        or "{" in s
        or "~" in s
        or "--" in s
        or "$" in s
        or "``" in s
        or "''" in s
        or "}" in s
    )


def latex_to_unicode(s: str) -> str:
    """Decode a BibTeX value's LaTeX to plain Unicode text for display, search and CSL.

    Brace protection ({DNA}) is dropped; the raw text keeps it for writing back.
    """
    if not _needs_decoding(s):
        return s
    had_commands = "\\" in s
    if had_commands:
        s = _COMMAND_RE.sub(_replace_command, s)
        if "\\" in s:
            s = _pylatexenc(s)
    if "--" in s:
        s = s.replace("---", "—").replace("--", "–")
    if "``" in s:
        s = s.replace("``", "“")
    if "''" in s:
        s = s.replace("''", "”")
    if "~" in s:
        s = s.replace("~", "\u00a0")
    if "$" in s:
        s = s.replace("$", "")
    if "{" in s or "}" in s:
        s = s.replace("{", "").replace("}", "")
    if had_commands:
        for placeholder, char in _PLACEHOLDERS:
            if placeholder in s:
                s = s.replace(placeholder, char)
    return s


_FALLBACK_CACHE: dict[str, str] = {}


def _pylatexenc(s: str) -> str:
    """The slow, complete decoder for what the table does not know (math, unknown macros)."""
    out = _FALLBACK_CACHE.get(s)
    if out is None:
        if len(_FALLBACK_CACHE) > 5000:
            _FALLBACK_CACHE.clear()
        out = _FALLBACK_CACHE[s] = _pylatexenc_uncached(s)
    return out


def _pylatexenc_uncached(s: str) -> str:
    # A bare % would start a LaTeX comment and swallow the rest of the value.
    protected = s.replace("%", _PERCENT)
    try:
        out: str = _converter().latex_to_text(protected)
    except Exception:  # pylatexenc is lenient, but a value must never stop an import
        return s.replace("\\", "")
    return out


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


# --- writing -------------------------------------------------------------------------------

_SPECIAL_RE = re.compile(r"\\[&%$#_{}]|\\(?=[A-Za-z`'^\"~=.])|\\|[&%$#_~]|-(?=-)|`(?=`)|'(?=')")


def _escape(m: re.Match[str]) -> str:
    t = m.group(0)
    if len(t) == 2 or (t == "\\" and m.end() < len(m.string) and _starts_command(m)):
        return t  # already LaTeX: written as the user typed it
    if t == "\\":
        return "\\textbackslash{}"
    if t == "~":
        return "\\~{}"
    if t in "-`'":
        return t + "{}"  # keep "--", "``" and "''" from turning into dashes and quotes
    return "\\" + t


def _starts_command(m: re.Match[str]) -> bool:
    nxt = m.string[m.end()]
    return nxt.isascii() and (nxt.isalpha() or nxt in "`'^\"~=.")


def unicode_to_latex_safe(s: str) -> str:
    """Text to a braced BibTeX value: UTF-8 stays as it is, only BibTeX's specials are escaped.

    LaTeX the text already holds (``R\\&D``, ``\\emph{x}``) is kept; unbalanced braces are
    escaped so the entry still parses.
    """
    if any(c in s for c in "&%$#_~\\-`'{}"):
        if any(c in s for c in "&%$#_~\\") or "--" in s or "``" in s or "''" in s:
            s = _SPECIAL_RE.sub(_escape, s)
        if "{" in s or "}" in s:
            s = balance_braces(s)
    return s


def balance_braces(s: str) -> str:
    """Escape braces that have no partner, so a value cannot end its entry early."""
    depth = 0
    out: list[str] = []
    opens: list[int] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            out.append(s[i : i + 2])
            i += 2
            continue
        if c == "{":
            opens.append(len(out))
            depth += 1
            out.append(c)
        elif c == "}":
            if depth == 0:
                out.append("\\}")
            else:
                depth -= 1
                opens.pop()
                out.append(c)
        else:
            out.append(c)
        i += 1
    for pos in opens:
        out[pos] = "\\{"
    return "".join(out)
