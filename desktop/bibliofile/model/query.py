"""The search-field query language, parsed to plain terms the storage layer turns into SQL.

Syntax (documented in the README): bare words match anywhere as prefixes; ``field:value`` for
author, title, year, type, tag, key, journal, doi, keyword; status, priority, rating (the
reading state); ``year:2000..2010`` ranges; ``"quoted phrase"``; ``-term`` or ``NOT term``
excludes; ``a OR b`` (or ``a | b``) either; parentheses group, also after a field prefix
(``title:(graph OR network)`` is ``title:graph OR title:network``). Words side by side must all
match (an implicit AND; ``AND`` may be written). Precedence as in SQL and FTS5: NOT binds
tightest, then AND, then OR, so ``machine learning OR deep learning`` is either phrase's words.
The operators are read only in capitals: ``or`` is a word (with a hint, since it is rarely meant).

Parsing never raises on user text: what cannot be read (an unclosed parenthesis or quote, an OR
with nothing on one side, an unknown field) comes back as a hint the search field shows, and the
search runs with what could be read.

The parsed query is a conjunction (``Query.terms``); an OR is one ``Term`` whose ``any_of`` holds
its alternatives, each a conjunction of Terms (which may be OR groups again). Negation sits on
a Term (a leaf, or a whole group). A group that a full-text index can answer alone (text terms
only, each alternative with something positive to match: FTS5's NOT is binary) keeps ``field``
None, so storage sends it to the index like any word; any other group is ``field == GROUP``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

FIELD_ALIASES: dict[str, str] = {
    "author": "author",
    "authors": "author",
    "creator": "author",
    "editor": "author",
    "title": "title",
    "year": "year",
    "date": "year",
    "type": "type",
    "tag": "tag",
    "keyword": "keywords",
    "keywords": "keywords",
    "key": "key",
    "citekey": "key",
    "journal": "container",
    "container": "container",
    "book": "container",
    "doi": "doi",
    "abstract": "abstract",
    "note": "notes",
    "notes": "notes",
    "status": "status",
    "priority": "priority",
    "rating": "rating",
    "read": "read",
    # The text of attached files (issue 19): its own index, answered in SQL like a field.
    "fulltext": "fulltext",
}

FULLTEXT = "fulltext"

# Fields the full-text index holds (a Term with field None searches all of them).
TEXT_FIELDS = frozenset({"author", "title", "container", "abstract", "keywords", "notes"})

# The ``field`` of an OR group that mixes full-text and other terms (answered in SQL).
GROUP = "any"

# Deeper parentheses are read as if absent: no user text can exhaust the parser's stack.
MAX_DEPTH = 20
# Terms after these are left out (with a hint): SQLite refuses an expression over 1000 deep or a
# UNION of over 500 SELECTs, which a pasted paragraph of "-word"s or ORs would otherwise build.
MAX_TERMS = 64


@dataclass(frozen=True, slots=True)
class Term:
    """One condition: ``field`` is None for anywhere; ``phrase`` means match the words in order.

    ``any_of`` non-empty makes this an OR group: it matches when every Term of one of the
    alternatives does (``negated``: when none of them matches)."""

    text: str
    field: str | None = None
    negated: bool = False
    phrase: bool = False
    year_from: int | None = None
    year_to: int | None = None
    any_of: tuple[tuple[Term, ...], ...] = ()


@dataclass(slots=True)
class Query:
    """What to match: every Term of ``terms`` (each may be an OR group, see ``Term.any_of``)."""

    terms: list[Term] = field(default_factory=list)
    hint: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms


def is_text_term(term: Term) -> bool:
    """True when the full-text index alone answers the term (a word, or a group of words)."""
    return term.field is None or term.field in TEXT_FIELDS


def parse_query(text: str) -> Query:
    """Parse what the user typed; unknown ``field:`` prefixes search the text as written."""
    parser = _Parser(_lex(text.strip()))
    conj = parser.parse()
    q = Query(list(conj))
    if q.terms and all(t.negated for t in q.terms) and not parser.hints:
        parser.hint("Only exclusions: showing everything without them.")
    q.hint = " ".join(parser.hints)
    return q


# ---- lexing ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Tok:
    """``kind``: "(" ")" OR AND NOT, "atom" (a word or quoted phrase, maybe ``-`` and
    ``field:``), "open" (``-(``, ``field:(``, ``-field:(``), or "hint" (a lexing problem)."""

    kind: str
    value: str = ""
    negated: bool = False
    fname: str | None = None
    quoted: bool = False


_FIELD_RE = re.compile(r"([A-Za-z]+):")
_OPERATORS = {"OR": "OR", "AND": "AND", "NOT": "NOT", "|": "OR", "||": "OR", "&&": "AND"}
_WORD_RE = re.compile(r"[^\s()|]*")
_SPACE_RE = re.compile(r"\s+")


def _lex(text: str) -> list[_Tok]:
    """Tokens of the query, in one pass (linear in the text, whatever it holds)."""
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i = _SPACE_RE.match(text, i).end()  # type: ignore[union-attr]  # matches here
            continue
        if c in "()":
            out.append(_Tok(c))
            i += 1
            continue
        if c == "|":
            j = i + 1 + (text.startswith("|", i + 1))
            out.append(_Tok("OR"))
            i = j
            continue
        negated = c == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        fname: str | None = None
        m = _FIELD_RE.match(text, i)
        if m:
            fname, i = m.group(1), m.end()
        if i < n and text[i] == "(" and (negated or fname):
            out.append(_Tok("open", negated=negated, fname=fname))
            i += 1
            continue
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                out.append(_Tok("hint", "Unclosed quote: searching up to the end of the text."))
                end = n
            out.append(_Tok("atom", text[i + 1 : end], negated, fname, quoted=True))
            i = end + 1
            continue
        m = _WORD_RE.match(text, i)
        assert m is not None  # the pattern matches the empty string
        word, i = m.group(), m.end()
        if not negated and fname is None and word in _OPERATORS:
            out.append(_Tok(_OPERATORS[word]))
        elif word or fname or negated:
            out.append(_Tok("atom", word, negated, fname))
    return out


# ---- parsing ---------------------------------------------------------------------------------

Conj = tuple[Term, ...]


class _Parser:
    """Recursive descent over the tokens: or_expr := and_expr (OR and_expr)*; and_expr :=
    unary+; unary := NOT unary | "(" or_expr ")" | atom. Every method returns a conjunction
    (empty when nothing readable was there) and records hints instead of raising."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.hints: list[str] = []
        self.toks: list[_Tok] = []
        depth = 0
        for t in toks:
            if t.kind == "hint":
                self.hint(t.value)
                continue
            if t.kind in ("(", "open"):
                depth += 1
            elif t.kind == ")":
                if not depth:  # dropped before parsing: "a) OR b" reads as "a OR b"
                    self.hint('Unmatched ")": ignored.')
                    continue
                depth -= 1
            self.toks.append(t)
        self.i = 0
        self.depth = 0
        self.skipped_opens = 0
        self.terms = 0

    def hint(self, text: str) -> None:
        if text not in self.hints:
            self.hints.append(text)

    def peek(self) -> str:
        return self.toks[self.i].kind if self.i < len(self.toks) else ""

    def parse(self) -> Conj:
        out: list[Term] = []
        while self.i < len(self.toks):
            out.extend(self.or_expr(None))
            if self.peek() == ")":
                self.i += 1
                if self.skipped_opens:
                    self.skipped_opens -= 1
                else:
                    self.hint('Unmatched ")": ignored.')
        return tuple(out)

    def or_expr(self, fctx: str | None) -> Conj:
        alts: list[Conj] = []
        pending_or = False
        while self.peek() not in ("", ")"):
            if self.peek() == "OR":
                if pending_or or not alts:
                    self.hint("OR needs a term on each side: one OR was ignored.")
                self.i += 1
                pending_or = True
                continue
            conj = self.and_expr(fctx)
            if conj:
                alts.append(conj)
            pending_or = False
        if pending_or and alts:
            self.hint("OR needs a term on each side: one OR was ignored.")
        if len(alts) <= 1:
            return alts[0] if alts else ()
        return (_any_of(alts),)

    def and_expr(self, fctx: str | None) -> Conj:
        out: list[Term] = []
        while self.peek() not in ("", ")", "OR"):
            if self.peek() == "AND":
                self.i += 1
                continue
            out.extend(self.unary(fctx))
        return tuple(out)

    def unary(self, fctx: str | None) -> Conj:
        tok = self.toks[self.i]
        self.i += 1
        if tok.kind == "NOT":
            flips = 1
            while self.peek() == "NOT":  # read in a loop: "NOT NOT ..." must not recurse
                self.i += 1
                flips += 1
            if self.peek() in ("", ")", "OR", "AND"):
                self.hint("NOT needs a term after it: ignored.")
                return ()
            conj = self.unary(fctx)
            return _negate(conj) if flips % 2 else conj
        if tok.kind == "(":
            return self.group(fctx)
        if tok.kind == "open":
            inner = fctx
            if tok.fname is not None:
                inner = FIELD_ALIASES.get(tok.fname.lower())
                if inner is None:
                    self.hint(f'Unknown field "{tok.fname}:"; searching the words in its parentheses anywhere.')
                    inner = fctx
            conj = self.group(inner)
            return _negate(conj) if tok.negated else conj
        return self.atom(tok, fctx)

    def group(self, fctx: str | None) -> Conj:
        """After "(": its contents up to the matching ")" (or the end, with a hint)."""
        if self.depth >= MAX_DEPTH:
            self.hint(f"Parentheses nested deeper than {MAX_DEPTH} levels: the inner ones were ignored.")
            self.skipped_opens += 1
            return ()
        self.depth += 1
        try:
            conj = self.or_expr(fctx)
            while self.peek() == ")" and self.skipped_opens:
                # the ")" of a "(" ignored for depth closes nothing here: read on after it
                self.skipped_opens -= 1
                self.i += 1
                conj = (*conj, *self.or_expr(fctx))
        finally:
            self.depth -= 1
        if self.peek() == ")":
            self.i += 1
        else:
            self.hint('Unclosed "(": read as closed at the end.')
        if not conj:
            self.hint("Empty parentheses: ignored.")
        return conj

    def atom(self, tok: _Tok, fctx: str | None) -> Conj:
        if self.terms >= MAX_TERMS:
            self.hint(f"Only the first {MAX_TERMS} terms were searched.")
            return ()
        value, fkey = tok.value, fctx
        if tok.fname is not None:
            known = FIELD_ALIASES.get(tok.fname.lower())
            if known is None:
                self.hint(f'Unknown field "{tok.fname}:"; searching for "{tok.fname}:{value}" as text.')
                value = f"{tok.fname} {value}"
            else:
                fkey = known
        if not value.strip() and not tok.quoted:
            if tok.fname:
                self.hint(f'"{tok.fname}:" needs a value, e.g. {tok.fname}:knox.')
            return ()
        if fkey == "year":
            term = _year_term(value, tok.negated)
            if term is None:
                self.hint(f'"year:{value}" is not a year or a range like year:2000..2010.')
                return ()
            self.terms += 1
            return (term,)
        if fkey in ("rating", "priority") and not _small_number_or_range(value):
            name = tok.fname or fkey
            self.hint(f'"{name}:{value}" is not a {fkey} like {fkey}:4 or a range like {fkey}:3..5; nothing matches it.')
        if (fkey is None or fkey in TEXT_FIELDS) and not words(value):
            return ()  # "-", "!!", '""': nothing the index could match, so no condition
        if fkey is None and not tok.quoted and not tok.negated and value == "or":
            self.hint('Searching for the word "or"; to find either word write OR (in capitals).')
        self.terms += 1
        return (Term(value, fkey, tok.negated, tok.quoted),)


def _negate(conj: Conj) -> Conj:
    """NOT of a conjunction: a single Term flips; several become one negated group."""
    if not conj:
        return ()
    if len(conj) == 1:
        return (replace(conj[0], negated=not conj[0].negated),)
    return (_any_of([conj], negated=True),)


def _any_of(alts: list[Conj], negated: bool = False) -> Term:
    """One group Term for alternatives; ``a OR (b OR c)`` is kept flat."""
    flat: list[Conj] = []
    for alt in alts:
        if len(alt) == 1 and alt[0].any_of and not alt[0].negated:
            flat.extend(alt[0].any_of)
        else:
            flat.append(alt)
    text_only = all(
        all(is_text_term(t) for t in alt) and any(not t.negated for t in alt) for alt in flat
    )
    term = Term("", None if text_only else GROUP, negated, any_of=tuple(flat))
    return replace(term, text=_group_text(term))


def _group_text(term: Term) -> str:
    return "(" + " OR ".join(" ".join(render(t) for t in alt) for alt in term.any_of) + ")"


def render(term: Term) -> str:
    """A Term written back in the query syntax (the text of a group; hints and debugging)."""
    sign = "-" if term.negated else ""
    if term.any_of:
        return sign + term.text
    prefix = f"{term.field}:" if term.field else ""
    body = f'"{term.text}"' if term.phrase else term.text
    return f"{sign}{prefix}{body}"


def including_fulltext(query: Query) -> Query:
    """The query with each plain word or phrase also matching the text of attached files (the
    window's "Search inside files"): ``w`` becomes ``(w OR fulltext:w)``, inside groups too.
    Field terms (``title:w``, ``year:``...) stay as they are."""

    def widen(term: Term) -> Term:
        if term.any_of:
            if term.field is not None and term.field != GROUP:
                return term
            alts = tuple(tuple(widen(t) for t in alt) for alt in term.any_of)
            changed = alts != term.any_of
            out = replace(term, any_of=alts, field=GROUP if changed else term.field)
            return replace(out, text=_group_text(out)) if changed else out
        if term.field is not None:
            return term
        plain = replace(term, negated=False)
        inside = replace(plain, field=FULLTEXT)
        group = Term("", GROUP, term.negated, any_of=((plain,), (inside,)))
        return replace(group, text=_group_text(group))

    return Query([widen(t) for t in query.terms], query.hint)


def _year_term(value: str, negated: bool) -> Term | None:
    m = re.fullmatch(r"(\d{1,4})?\s*(?:\.\.|-|–)\s*(\d{1,4})?", value)
    if m and (m.group(1) or m.group(2)):
        lo = int(m.group(1)) if m.group(1) else None
        hi = int(m.group(2)) if m.group(2) else None
        return Term(value, "year", negated, False, lo, hi)
    if re.fullmatch(r"\d{1,4}", value):
        return Term(value, "year", negated, False, int(value), int(value))
    return None


def _small_number_or_range(value: str) -> bool:
    """``4``, ``3..5``, ``..2``: what a rating or priority can be (a few digits each side)."""
    return re.fullmatch(r"\s*\d{1,3}\s*|\s*\d{0,3}\s*\.\.\s*\d{0,3}\s*", value) is not None


def words(text: str) -> list[str]:
    """Split text into search words the way the FTS tokenizer does (letters and digits)."""
    return re.findall(r"\w+", text)
