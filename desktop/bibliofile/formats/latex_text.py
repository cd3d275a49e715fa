"""LaTeX in BibTeX values to Unicode and back.

Reading must be fast on 100k-entry files and linear on hostile ones (a 20 MB field of macros),
so most values (plain text) return unchanged after a few ``in`` checks, values without commands
take a few ``str.replace`` passes, and the rest go through one left-to-right scan in which no
character is looked at more than a bounded number of times: no regex that can backtrack over
the input, no rescans, no string concatenation in loops. A command we do not know never takes
its neighbours with it: its argument is kept (``\\foo{Word}`` reads "Word"), a command without
one reads as its name (``\\MF`` in a file that defines it reads "MF"), and the caller can ask
which commands were unknown (:func:`unknown_latex_macros`) to tell the user.
Writing produces UTF-8 BibTeX, so only what BibTeX itself needs is escaped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bibliofile.model.problems import Problem

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
    # math accents, read as the same combining marks
    "grave": "\u0300",
    "acute": "\u0301",
    "hat": "\u0302",
    "tilde": "\u0303",
    "bar": "\u0304",
    "breve": "\u0306",
    "dot": "\u0307",
    "ddot": "\u0308",
    "check": "\u030c",
    "vec": "\u20d7",
}
# Accent commands spelled with letters: "\c c", "\v{s}", "\hat{x}".
_WORD_ACCENTS = frozenset(k for k in _ACCENT_MARKS if k.isalpha())
# What an accent command on nothing (``\~{}``) prints.
_BARE_ACCENTS: dict[str, str] = {"~": "~", "^": "^", "`": "`", "'": "´", '"': "¨", "=": "¯"}
_BARE_MARKS = {_ACCENT_MARKS[a]: text for a, text in _BARE_ACCENTS.items()}

# Commands that print text and take no argument. TeX's logos are here by name because a file
# that uses them defines them in its @preamble, which we do not run.
_SYMBOLS: dict[str, str] = {
    "aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ss": "ß", "SS": "SS", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ", "ij": "ĳ", "IJ": "Ĳ",
    "textbackslash": "\\", "backslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
    "textbraceleft": "{", "textbraceright": "}", "textdollar": "$", "textpercent": "%",
    "textampersand": "&", "textexclamdown": "¡", "textquestiondown": "¿",
    "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§", "P": "¶", "copyright": "©",
    "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡",
    "textdagger": "†", "textdaggerdbl": "‡", "textsection": "§", "textparagraph": "¶",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "guillemotleft": "«",
    "guillemotright": "»", "guilsinglleft": "‹", "guilsinglright": "›", "quotedblbase": "„",
    "quotesinglbase": "‚", "textdegree": "°", "textperiodcentered": "·", "textbullet": "•",
    "textquotesingle": "'", "textquotedbl": '"', "textasteriskcentered": "∗",
    "quad": " ", "qquad": "  ", "enspace": "\u2002", "thinspace": "\u2009",
    "enskip": "\u2002", "space": " ", "nobreakspace": "\u00a0", "slash": "/", "textslash": "/",
    "hyphen": "-", "dash": "—", "Dash": "—", "textminus": "−",
    "par": " ", "newline": " ", "linebreak": " ", "break": " ", "newblock": " ",
    # logos
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2ε", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
    "biblatex": "biblatex", "SliTeX": "SliTeX", "AmS": "AMS", "AMS": "AMS", "AmSTeX": "AMS-TeX",
    "AMSTeX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "AMSLaTeX": "AMS-LaTeX", "LAMSTeX": "LAMS-TeX",
    "MF": "METAFONT", "METAFONT": "METAFONT", "Metafont": "METAFONT", "MP": "METAPOST",
    "METAPOST": "METAPOST", "MetaPost": "MetaPost", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX",
    "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "eTeX": "ε-TeX", "pdfTeX": "pdfTeX",
    "pdfLaTeX": "pdfLaTeX", "ConTeXt": "ConTeXt", "CONTEXT": "ConTeXt", "PiCTeX": "PiCTeX",
    "PiC": "PiC", "PCTeX": "PCTeX", "TeXXeT": "TeX--XeT", "XeT": "XeT", "ExTeX": "ExTeX",
    "NTS": "NTS", "Omega": "Ω", "OMEGA": "Omega", "Aleph": "Aleph", "LyX": "LyX",
    "TUB": "TUGboat", "TUG": "TUG", "TUGboat": "TUGboat", "CTAN": "CTAN", "PS": "PostScript",
    "POSTSCRIPT": "PostScript", "PDF": "PDF", "WEB": "WEB", "CWEB": "CWEB", "MFbook": "The METAFONTbook",
    "TeXbook": "The TeXbook", "JTeX": "JTeX", "pTeX": "pTeX", "upTeX": "upTeX", "Xy": "Xy",
    "XyM": "XY-pic", "BibTeXing": "BibTeXing", "TeXtures": "Textures", "R": "R",
    # math
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "deg": "deg", "lim": "lim", "sup": "sup", "inf": "inf",
    "det": "det", "dim": "dim", "gcd": "gcd", "ker": "ker", "arg": "arg", "Pr": "Pr",
    "relax": "", "noopsort": "",
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
        "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varsigma": "ς", "varrho": "ϱ",
        "varpi": "ϖ", "ell": "ℓ", "hbar": "ħ", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ", "wp": "℘",
        "infty": "∞", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
        "Leftarrow": "⇐", "Leftrightarrow": "⇔", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
        "leftrightarrow": "↔", "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤",
        "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼",
        "simeq": "≃", "cong": "≅", "propto": "∝", "ll": "≪", "gg": "≫", "div": "÷",
        "equiv": "≡", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆",
        "supset": "⊃", "supseteq": "⊇", "cup": "∪", "setminus": "∖", "wedge": "∧", "vee": "∨",
        "neg": "¬", "lnot": "¬", "land": "∧", "lor": "∨", "oplus": "⊕", "otimes": "⊗",
        "cap": "∩", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮", "partial": "∂", "nabla": "∇",
        "forall": "∀", "exists": "∃", "emptyset": "∅", "varnothing": "∅", "circ": "∘", "star": "⋆",
        "ast": "∗", "bullet": "∙", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "prime": "′",
        "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
        "mid": "|", "vert": "|", "Vert": "‖", "parallel": "∥", "perp": "⊥", "angle": "∠",
        "textpm": "±", "texttimes": "×", "textdiv": "÷", "textmu": "µ", "textcent": "¢",
        "textyen": "¥", "textonehalf": "½", "textonequarter": "¼", "textthreequarters": "¾",
        "textordfeminine": "ª", "textordmasculine": "º", "textsuperscripttwo": "²",
        "lbrace": "{", "rbrace": "}", "{": "{", "}": "}", "colon": ":", "surd": "√",
    }
)
_MATH_WORDS = frozenset(
    {"log", "ln", "exp", "sin", "cos", "tan", "max", "min", "deg", "lim", "sup", "inf", "det", "dim", "gcd", "ker", "arg", "Pr"}
)
# Commands that only change how their argument (or the rest of the group) looks: the text stays.
_FORMATTING = frozenset(
    ["textit", "emph", "textbf", "textsc", "texttt", "textrm", "textsf", "textup", "textsl", "textnormal", "textmd", "mbox", "makebox", "fbox", "text", "underline", "uppercase", "lowercase", "MakeUppercase", "MakeLowercase", "MakeTextUppercase", "MakeTextLowercase", "hbox", "em", "it", "bf", "sc", "rm", "sl", "tt", "sf", "normalfont", "small", "large", "Large", "LARGE", "huge", "Huge", "normalsize", "footnotesize", "scriptsize", "tiny", "textsuperscript", "textsubscript", "ensuremath", "mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "mathnormal", "boldsymbol", "bm", "operatorname", "overline", "widehat", "widetilde", "protect", "bfseries", "itshape", "scshape", "upshape", "slshape", "mdseries", "rmfamily", "sffamily", "ttfamily", "mkbibemph", "mkbibitalic", "mkbibbold", "bibstring", "acro", "textsmaller", "textlarger", "smaller", "larger", "nocase", "NoCaseChange", "ifmmode", "fi", "footnote", "thanks", "ref", "emphasis", "bold", "code", "pkg", "file", "samp", "strong", "textgreek", "textcyrillic", "foreignquote", "hyphenquote", "textenglish", "textfrench", "textgerman", "textspanish", "textitalian", "textlatin", "textrussian", "textgreek", "emshape", "textmathrm", "displaystyle", "textstyle", "scriptstyle", "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "limits", "nolimits", "leavevmode", "noindent", "unskip", "ignorespaces", "null", "nobreak", "allowbreak", "hfill", "hfil", "vfill", "smallskip", "medskip", "bigskip", "sloppy", "fussy", "bgroup", "egroup", "strut", "mathstrut", "xspace", "boldmath", "unboldmath", "frenchspacing", "nonfrenchspacing", "centering", "raggedright", "raggedleft", "nocorr", "noexpand", "cal", "frak", "Bbb", "bold", "hskip", "vskip"]
)
# Commands whose arguments are read by a small spec: k keeps an argument, d drops one, D drops
# an argument only when a brace group follows, o drops an optional [..], v keeps a brace group
# verbatim, V keeps a \verb|..|-style delimited one, * eats a star, S prints two arguments swapped;
# other characters are printed.
_ARGUMENTS: dict[str, str] = {
    "noopsort": "d", "hspace": "*d", "vspace": "*d", "label": "d", "selectlanguage": "od",
    "foreignlanguage": "odk", "hyphenation": "d", "index": "d", "nocite": "d",
    "cite": "*oo[k]", "citep": "*oo[k]", "citet": "*oo[k]", "parencite": "*oo[k]",
    "textcite": "*oo[k]", "autocite": "*oo[k]",
    "href": "dk", "url": "v", "nolinkurl": "v", "path": "V", "verb": "*V", "texttt": "k",
    "frac": "k/k", "dfrac": "k/k", "tfrac": "k/k", "sqrt": "o√k", "binom": "(k k)",
    "eqn": "kD", "deqn": "kD", "sQuote": "‘k’", "dQuote": "“k”", "mkbibquote": "“k”",
    "enquote": "*“k”", "textquote": "o“k”", "cs": "\\k", "texorpdfstring": "kd",
    "rule": "odd", "raisebox": "dook", "kern": "", "color": "d", "textcolor": "dk",
    "colorbox": "dk", "iffalse": "", "phantom": "d", "hphantom": "d", "vphantom": "d",
    "discretionary": "ddk", "mathchoice": "kddd", "ding": "d", "switchargs": "S",
}
# Command words read without looking further: text (or nothing, for formatting) and the tail
# TeX swallows. The hot path of decoding: one dict lookup per command.
_SIMPLE: dict[str, str] = {
    **{name: "" for name in _FORMATTING},
    **{name: text for name, text in _SYMBOLS.items() if name not in _MATH_WORDS},
}
for _name in (*_ARGUMENTS, *_WORD_ACCENTS, *_MATH_WORDS):
    _SIMPLE.pop(_name, None)
_ESCAPES = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", "\n": " ",
    "\t": " ", "\r": " ", ",": "\u2009", ";": " ", ":": " ", ">": " ", "<": "", "!": "", "/": "",
    "@": "", "-": "", "(": "", ")": "", "[": "", "]": "", "\\": " ", "|": "‖",
}

_TOKEN_RE = re.compile(
    # a command word with what TeX swallows after it (spaces, and an empty group written to
    # end it), a command symbol, or a backslash at the very end of the value
    r"\\(?:([A-Za-z]+)(\s*+(?:\{\})?)|.|\Z)"
    r"|---?|``|''"  # TeX's dash and quote ligatures
    r"|[^\\{}$~`'\-]+"  # a run of plain text
    r"|.",  # a brace, $, ~, or a lone ` ' -
    re.DOTALL,
)
_LETTER = r"\\[ij](?![A-Za-z])|[A-Za-z]"
# An accent's argument: one letter, braced or not. Bounded: \s* stops at the first non-space.
# Possessive \s*+, and no two runs of spaces that could split one run between them: an accent
# before a megabyte of spaces must cost one look at them, not a square.
_ACCENT_ARG_RE = re.compile(rf"\s*+(?:\{{\s*+(?:({_LETTER})\s*+)?\}}|({_LETTER}))")
_WORD_ACCENT_ARG_RE = re.compile(rf"\s*+\{{\s*+(?:({_LETTER})\s*+)?\}}|\s++([A-Za-z])")
_SPACES_RE = re.compile(r"\s*+")
_BRACE_RE = re.compile(r"\\.|[{}]", re.DOTALL)
# How far an optional [..] or a \verb|..| argument may reach: they are short, and a bound keeps
# a value made of ten thousand unclosed "\verb|" linear.
_SHORT_ARGUMENT = 256
_SHOWN = 120  # characters of a title quoted in a problem
_MAX_SWITCH_DEPTH = 2


@lru_cache(maxsize=4096)
def _accented(mark: str, letter: str) -> str:
    if letter == "\\i":
        letter = "ı" if mark == "\u20d7" else "i"
    elif letter == "\\j":
        letter = "j"
    return unicodedata.normalize("NFC", letter + mark)


@lru_cache(maxsize=1)
def _library_symbols() -> dict[str, str]:
    """pylatexenc's table of argument-less text symbols (Cyrillic, more math), for names ours lacks.

    Only its table is used, as a dict lookup, never its parser (a hundred times slower, and it
    drops what it does not know).
    """
    try:
        from pylatexenc import latexwalker
        from pylatexenc.latex2text import get_default_latex_context_db
    except ImportError:  # pragma: no cover - pylatexenc is a dependency
        return {}
    db = get_default_latex_context_db()
    walker_db = latexwalker.get_default_latex_context_db()
    out: dict[str, str] = {}
    for category in db.category_list:
        for name, spec in db.d[category]["macros"].items():
            repl = spec.simplify_repl
            if not (name.isalpha() and isinstance(repl, str)) or "%" in repl or name == "today":
                continue
            walker_spec = walker_db.get_macro_spec(name)
            if walker_spec is not None and str(getattr(walker_spec.args_parser, "argspec", None) or ""):
                continue
            out[name] = repl
    return out


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
    if "\\" in s:
        # Most values hold only accents, symbols and commands that need no argument read: one
        # regex pass decodes those at C speed; anything else (a command whose arguments must be
        # read, an accent without its letter) goes to the scanner, from the original text.
        if not s.isascii() and _PLACEHOLDER_RE.search(s) is not None:  # isascii: O(1), no stand-in
            return _Decoder(s).run()
        fast = _FAST_RE.sub(_fast_command, s)
        if "\\" in fast:
            return _Decoder(s).run()
        fast = _ligatures_and_braces(fast)
        if _PLACEHOLDER_RE.search(fast) is None:
            return fast
        for placeholder, char in _UNPROTECT_PAIRS:  # str.translate is slower on short values
            if placeholder in fast:
                fast = fast.replace(placeholder, char)
        return fast
    return _ligatures_and_braces(s)


def _ligatures_and_braces(s: str) -> str:
    """What is left once commands are decoded: TeX's ligatures, ties, math shifts and braces."""
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
    return s


# The fast pass writes decoded text with the characters the ligature and brace passes act on
# replaced by private-use stand-ins (and a command that prints nothing as a stand-in too, so
# "-\\relax-" does not become a dash), and turns them back at the end.
_SPECIAL_OUT = "{}~$\\-`'"
_PROTECT = str.maketrans({c: chr(0xE000 + i) for i, c in enumerate(_SPECIAL_OUT)})
_NOTHING = chr(0xE000 + len(_SPECIAL_OUT))
_UNPROTECT_PAIRS = (*((chr(0xE000 + i), c) for i, c in enumerate(_SPECIAL_OUT)), (_NOTHING, ""))
_PLACEHOLDER_RE = re.compile(f"[{chr(0xE000)}-{_NOTHING}]")
_FAST_SIMPLE = {name: text.translate(_PROTECT) or _NOTHING for name, text in _SIMPLE.items()}
_FAST_ESCAPES = {c: text.translate(_PROTECT) or _NOTHING for c, text in _ESCAPES.items()}
# Groups: 1 accent sign, 2/3 its letter (braced or not); 4 one-letter accent word (\\c, \\v ...),
# 5/6 its letter; 7 another command symbol; 8 a command word, 9 what TeX swallows after it.
# _fast_command dispatches on the last group matched. (\\hat and the other math accents, rare in
# titles, are left to the scanner to keep this pattern cheap at every backslash.)
_FAST_RE = re.compile(
    r"\\(?:"
    rf"([`'^\"~=.])\s*+(?:\{{\s*+(?:({_LETTER})\s*+)?\}}|({_LETTER}))"
    rf"|([cvuHkrdbt])(?![A-Za-z])(?:\s*+\{{\s*+(?:({_LETTER})\s*+)?\}}|\s++([A-Za-z]))"
    r"|([^A-Za-z`'^\"~=.])"
    r"|([A-Za-z]+)(\s*+(?:\{\})?)"
    r")"
)
_BARE_FAST = {a: text.translate(_PROTECT) or _NOTHING for a, text in _BARE_ACCENTS.items()}


def _fast_command(m: re.Match[str]) -> str:
    """One command of the fast pass; one whose arguments must be read is left as it is."""
    last = m.lastindex
    if last == 9:
        name = m.group(8)
        text = _FAST_SIMPLE.get(name)
        if text is not None:
            return text
        return _fast_word(m, name)
    if last == 2 or last == 3:
        return _accented(_ACCENT_MARKS[m.group(1)], m.group(last))
    if last == 7:
        esc = m.group(7)
        return _FAST_ESCAPES.get(esc) or esc.translate(_PROTECT)
    if last == 5 or last == 6:
        return _accented(_ACCENT_MARKS[m.group(4)], m.group(last))
    if last == 1:
        return _BARE_FAST.get(m.group(1), _NOTHING)
    return _NOTHING  # a one-letter accent over an empty group


def _fast_word(m: re.Match[str], name: str) -> str:
    if name in _MATH_WORDS:
        end = m.end()
        if end < len(m.string) and (m.group(9) or m.string[end] == "\\"):
            return name + " "
        return name
    if name in _ARGUMENTS or name in _WORD_ACCENTS:
        return m.group()  # arguments to read: the scanner's work
    symbol = _library_symbols().get(name)
    if symbol is not None:
        return symbol.translate(_PROTECT) or _NOTHING
    # Unknown, as the scanner reads it: "\\foo{}" is its name, "\\foo {x}" leaves the
    # argument as text, "\\foo x" is its name and the spaces after it stay.
    tail = m.group(9)
    if tail.endswith("{}"):
        return name
    if m.string.startswith("{", m.end()):
        return _NOTHING
    return name + tail


def unknown_latex_macros(s: str) -> list[str]:
    """The commands in ``s`` that :func:`latex_to_unicode` does not know, in order, each once.

    Their text was kept as well as it could be (argument, or name); the reader reports them so
    the user can check the title.
    """
    if "\\" not in s:
        return []
    decoder = _Decoder(s)
    decoder.run()
    return list(dict.fromkeys(decoder.unknown))


# Fields whose unknown commands are reported: what a reader sees of a reference and cites.
_TITLE_FIELDS = frozenset(
    {"title", "subtitle", "titleaddon", "shorttitle", "booktitle", "maintitle", "journal", "journaltitle", "series"}
)


def title_macro_problems(key: str, raw_fields: list[tuple[str, str]], file: str, line: int) -> list[Problem]:
    """One problem per title-like field that uses commands we do not know (none usually).

    Such a command is often defined in the file's @preamble, which we do not run, so the user is
    told what the title now reads and that the file keeps it as written.
    """
    problems: list[Problem] = []
    for name, raw in raw_fields:
        if "\\" not in raw or name.lower() not in _TITLE_FIELDS or not _may_have_unknown(raw):
            continue
        decoder = _Decoder(raw[1:-1] if raw[:1] in "{\"" else raw)
        text = " ".join(decoder.run().split())
        unknown = list(dict.fromkeys(decoder.unknown))
        if not unknown:
            continue
        commands = ", ".join("\\" + u for u in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        if len(text) > _SHOWN:
            text = text[: _SHOWN - 1] + "…"
        plural = "s" if len(unknown) > 1 else ""
        problems.append(
            Problem(
                file,
                line,
                f"entry '{key}': field '{name}' uses the LaTeX command{plural} {commands}, which "
                f"Bibliofile does not know; it reads \"{text}\" (arguments kept, a command "
                "without one shown by its name); the file keeps it as written",
            )
        )
    return problems


_WORD_RE = re.compile(r"\\(?:([A-Za-z]+)|.)", re.DOTALL)
_KNOWN_WORDS = frozenset((*_SIMPLE, *_SYMBOLS, *_ARGUMENTS, *_WORD_ACCENTS))


def _may_have_unknown(latex: str) -> bool:
    """False when every command word is known: the import then need not run the scanner on
    each accented title (a 100k-entry file has tens of thousands)."""
    library = None
    for name in _WORD_RE.findall(latex):
        if name and name not in _KNOWN_WORDS:
            library = library or _library_symbols()
            if name not in library:
                return True
    return False


class _Decoder:
    """One left-to-right pass over a value; each character is read a bounded number of times."""

    __slots__ = ("_partners", "depth", "frames", "n", "out", "pending", "s", "unknown")

    def __init__(self, s: str, depth: int = 0) -> None:
        self.depth = depth  # how many \\switchargs this value sits in (each decodes its parts apart)
        self.s = s
        self.n = len(s)
        self.out: list[str] = []
        # One entry per open brace: the rest of a command's argument spec to carry on with
        # when that brace closes ("k/k" of \frac after its first argument), else "".
        self.frames: list[str] = []
        self.pending = ""  # an accent's mark waiting for the next character (\"{oo}, \'{\ae})
        self.unknown: list[str] = []
        self._partners: dict[int, int] | None = None

    def emit(self, text: str) -> None:
        if self.pending and text:
            if text[0].isalnum():
                text = unicodedata.normalize("NFC", text[0] + self.pending + text[1:])
            else:  # an accent over a space or a sign prints as itself, as LaTeX's \~{} does
                text = _BARE_MARKS.get(self.pending, "") + text
            self.pending = ""
        self.out.append(text)

    def run(self) -> str:
        s, n = self.s, self.n
        token_match = _TOKEN_RE.match
        simple = _SIMPLE.get
        out = self.out
        pos = 0
        while pos < n:
            m = token_match(s, pos)
            assert m is not None  # the last alternative matches any character
            tok = m.group()
            pos = m.end()
            c = tok[0]
            if c == "\\":
                word = m.group(1)
                if word is None:
                    pos = self.symbol(tok[1:], pos)
                    continue
                text = simple(word)
                if text is None:
                    pos = self.word(word, m.end(1), pos)
                elif self.pending:
                    self.emit(text)
                else:
                    out.append(text)
            elif c == "{":
                self.frames.append("")
            elif c == "}":
                if self.frames:
                    rest = self.frames.pop()
                    if rest:
                        pos = self.arguments(rest, pos)
            elif c == "$":
                pass
            elif c == "~":
                self.emit("\u00a0")
            elif tok == "--":
                self.emit("–")
            elif tok == "---":
                self.emit("—")
            elif tok == "``":
                self.emit("“")
            elif tok == "''":
                self.emit("”")
            elif self.pending:
                self.emit(tok)
            else:
                out.append(tok)
        if self.pending:  # an accent at the very end, over nothing
            out.append(_BARE_MARKS.get(self.pending, ""))
        return "".join(out)

    def symbol(self, name: str, pos: int) -> int:
        """A command symbol (``\\&``, ``\\"``) ending at ``pos``; return where reading goes on."""
        if not name:  # a lone backslash at the end of the value
            self.emit("\\")
            return pos
        mark = _ACCENT_MARKS.get(name)
        if mark is None:
            self.emit(_ESCAPES.get(name, name))
            return pos
        m = _ACCENT_ARG_RE.match(self.s, pos)
        if m is None:
            self.pending = mark
            return pos
        letter = m.group(1) or m.group(2)
        self.emit(_accented(mark, letter) if letter else _BARE_ACCENTS.get(name, ""))
        return m.end()

    def word(self, name: str, pos: int, tail: int) -> int:
        """A command word ending at ``pos`` (``tail``: after what TeX swallows); where reading goes on."""
        s = self.s
        if name in _WORD_ACCENTS:
            m = _WORD_ACCENT_ARG_RE.match(s, pos)
            if m is None:
                self.pending = _ACCENT_MARKS[name]
                return _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
            letter = m.group(1) or m.group(2)
            if letter:
                self.emit(_accented(_ACCENT_MARKS[name], letter))
            return m.end()
        spec = _ARGUMENTS.get(name)
        if spec is not None:
            return self.arguments(spec, pos)
        symbol = _SYMBOLS.get(name)
        if symbol is None:
            symbol = _library_symbols().get(name)
        if symbol is not None:
            if name in _MATH_WORDS and tail < self.n and (tail > pos or s[tail] == "\\"):
                symbol += " "  # "\\log n" and "\\log\\log n" read "log n", "log log n"
            self.emit(symbol)
            return tail
        self.unknown.append(name)
        after = _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
        if after < self.n and s[after] == "{":
            if s.startswith("{}", after):
                self.emit(name)  # \\foo{} is a command without argument, ended by {}
                return after + 2
            return after  # \\foo{Word}: the argument stays as text
        self.emit(name)  # \\MF: its name is the best text we have
        return pos

    def arguments(self, spec: str, pos: int) -> int:
        """Read a command's arguments by ``spec`` (see _ARGUMENTS) from ``pos``."""
        s, n = self.s, self.n
        for i, action in enumerate(spec):
            if action == "k":
                start = _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
                if start < n and s[start] == "{" and self.partner(start) > 0:
                    self.frames.append(spec[i + 1 :])
                    return start + 1
                return pos  # a one-token argument: it is read as ordinary text
            if action in "dDv":
                start = _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
                if start < n and s[start] == "{":
                    end = self.partner(start)
                    if end > 0:
                        if action == "v":
                            self.emit(s[start + 1 : end])
                        pos = end + 1
                elif action == "d" and start < n and s[start] != "}":
                    m = _TOKEN_RE.match(s, start)
                    assert m is not None
                    pos = m.end() if m.group()[0] in "\\$~" else start + 1
            elif action == "o":
                start = _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
                if start < n and s[start] == "[":
                    end = s.find("]", start, start + _SHORT_ARGUMENT)
                    if end > 0:
                        pos = end + 1
            elif action == "V":
                if pos + 1 < n:
                    end = s.find(s[pos], pos + 1, pos + _SHORT_ARGUMENT)
                    if end > 0:
                        self.emit(s[pos + 1 : end])
                        pos = end + 1
            elif action == "S":
                pos = self.swapped(pos)
            elif action == "*":
                if s.startswith("*", pos):
                    pos += 1
            else:
                self.emit(action)
        return pos

    def swapped(self, pos: int) -> int:
        """xampl.bib's ``\\switchargs{--90}{1968}`` prints its two arguments swapped ("1968--90").

        Each part is decoded apart; nesting is cut at _MAX_SWITCH_DEPTH so a hostile value stays
        linear (deeper ones are read in order).
        """
        s = self.s
        first = _SPACES_RE.match(s, pos).end()  # type: ignore[union-attr]
        first_end = self.partner(first) if s.startswith("{", first) else -1
        if first_end < 0 or self.depth >= _MAX_SWITCH_DEPTH:
            return pos
        second = _SPACES_RE.match(s, first_end + 1).end()  # type: ignore[union-attr]
        second_end = self.partner(second) if s.startswith("{", second) else -1
        if second_end < 0:
            return pos
        for start, end in ((second, second_end), (first, first_end)):
            part = _Decoder(s[start + 1 : end], self.depth + 1)
            self.emit(part.run())
            self.unknown.extend(part.unknown)
        return second_end + 1

    def partner(self, start: int) -> int:
        """Index of the brace closing the one at ``start``, or -1; all pairs found in one pass."""
        if self._partners is None:
            partners: dict[int, int] = {}
            opens: list[int] = []
            for m in _BRACE_RE.finditer(self.s):
                t = m.group()
                if t == "{":
                    opens.append(m.start())
                elif t == "}" and opens:
                    partners[opens.pop()] = m.start()
            self._partners = partners
        return self._partners.get(start, -1)


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
