"""Picked citations as text for an editor: Better BibTeX's "cite as you write" (CAYW) formats.

Editor plugins for pandoc, LaTeX, VS Code, Vim, Emacs and Obsidian call Better BibTeX's URL
``/better-bibtex/cayw?format=...`` and paste whatever comes back, so the text must be what
Better BibTeX answers, byte for byte where we can. The rules below follow Better BibTeX's
formatter (retorquere/zotero-better-bibtex, ``content/cayw/formatter.ts``) and its documentation
(``site/content/citing/cayw.md``); where we differ it is said at the function.

Pure functions of the picked cites: the GUI's picker makes the cites, the endpoint's thread
calls ``format_cites`` (the two ``formatted-*`` formats reach the citation engine, which runs
on its own thread; everything else is string work).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bibliofile.citation.csl_json import CslItem

# Better BibTeX's short forms of CSL locator labels (formatter.ts, ``shortLabel``); CSL 1.0.2
# spells "sub verbo" with a hyphen, so both spellings are here.
SHORT_LABELS: dict[str, str] = {
    "article": "art.",
    "chapter": "ch.",
    "subchapter": "subch.",
    "column": "col.",
    "figure": "fig.",
    "line": "l.",
    "note": "n.",
    "issue": "no.",
    "opus": "op.",
    "page": "p.",
    "paragraph": "para.",
    "subparagraph": "subpara.",
    "part": "pt.",
    "rule": "r.",
    "section": "sec.",
    "subsection": "subsec.",
    "Section": "Sec.",
    "sub verbo": "sv.",
    "sub-verbo": "sv.",
    "schedule": "sch.",
    "title": "tit.",
    "verse": "vrs.",
    "volume": "vol.",
}

# The CSL locator terms a picker offers, in the order a writer needs them (CSL 1.0.2 spec,
# "Locators"); the first is the default.
LOCATOR_LABELS: tuple[str, ...] = (
    "page", "chapter", "section", "paragraph", "figure", "table", "line", "note", "volume",
    "part", "book", "column", "verse", "issue", "folio", "opus", "act", "scene", "appendix",
    "equation", "rule", "sub-verbo", "supplement", "timestamp", "title-locator", "version",
    "canon", "elocation", "article-locator",
)

Options = Mapping[str, str]


class CaywFormatError(ValueError):
    """A format Bibliofile does not answer (the message lists the ones it does)."""


@dataclass(frozen=True, slots=True)
class PickedCite:
    """One reference of a picked citation, with what the writer added around it.

    ``citation_key`` is the key the reference is exported under (the same rule as the .bib
    writer: its cleaned key, else ``ref-<id>``), so a pandoc or LaTeX document citing it finds
    it in an auto-exported .bib. ``item`` is its CSL-JSON (crossref parents resolved; its
    ``id`` is the citation key), what a document needs to render the cite without the library.
    """

    id: int
    citation_key: str
    item: CslItem = field(default_factory=dict)
    locator: str = ""
    label: str = "page"
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False

    def as_json(self) -> dict[str, Any]:
        """Better BibTeX's ``json`` answer for one cite (its names: ``citationKey``,
        ``suppressAuthor``; ``item`` is CSL-JSON here, Zotero's own item JSON there)."""
        return {
            "id": self.id,
            "citationKey": self.citation_key,
            "locator": self.locator,
            "label": self.label if self.locator else "",
            "prefix": self.prefix,
            "suffix": self.suffix,
            "suppressAuthor": self.suppress_author,
            "itemType": str(self.item.get("type", "")),
            "title": str(self.item.get("title", "")),
            "item": dict(self.item),
        }

    def as_csl_cite(self) -> dict[str, Any]:
        """A CSL cite-item (``citationItems`` entry), its item embedded as ``itemData``, the
        shape a word processor's citation carries."""
        out: dict[str, Any] = {"id": self.citation_key}
        if self.locator:
            out["locator"] = self.locator
            out["label"] = self.label or "page"
        if self.prefix:
            out["prefix"] = self.prefix
        if self.suffix:
            out["suffix"] = self.suffix
        if self.suppress_author:
            out["suppress-author"] = True
        out["itemData"] = dict(self.item)
        return out

    def short_text(self) -> str:
        """What a chip in the picker shows: "Knox 2008, p. 12"."""
        text = author_year(self.item) or self.citation_key
        if self.locator:
            text += f", {short_label(self.label)} {self.locator}".replace("  ", " ")
        return text


def short_label(label: str, options: Options | None = None) -> str:
    """Better BibTeX's ``shortLabel``: an option named for the label wins (``page=`` in the
    URL drops "p."), then the short form, then the label itself."""
    if options is not None and label in options:
        return options[label]
    return SHORT_LABELS.get(label, label)


def author_year(item: Mapping[str, Any]) -> str:
    """"Knox 2008" from a CSL item: the first author's (else editor's) family name and the year."""
    return " ".join(p for p in (first_names(item), _year(item.get("issued"))) if p)


def first_names(item: Mapping[str, Any]) -> str:
    """"Knox", "Knox & Ostrom" or "Knox et al.": the author (else editor) names a chip shows."""
    name = ""
    for role in ("author", "editor"):
        people = item.get(role)
        if isinstance(people, list) and people and isinstance(people[0], dict):
            first = people[0]
            name = str(first.get("family") or first.get("literal") or first.get("given") or "")
            if len(people) > 2:
                name += " et al."
            elif len(people) == 2 and isinstance(people[1], dict):
                name += " & " + str(people[1].get("family") or people[1].get("literal") or "")
            break
    return name


def _year(issued: Any) -> str:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        raw = issued.get("raw") or issued.get("literal")
        m = re.search(r"\d{4}", str(raw or ""))
        return m.group(0) if m else ""
    return ""


def truthy(value: str | None) -> bool:
    """Better BibTeX tests options the JavaScript way: any non-empty value is on
    (``brackets=1`` and ``brackets=yes`` alike; so is ``brackets=false``, as there)."""
    return bool(value)


# ---- the formats --------------------------------------------------------------------------
def pandoc(cites: Sequence[PickedCite], options: Options) -> str:
    """``[see @knox2008, p. 12; -@ostrom1990]`` (brackets only with ``brackets=``, as Better
    BibTeX does: editors that insert inside brackets of their own ask without)."""
    out = []
    for c in cites:
        cite = f"{c.prefix} " if c.prefix else ""
        cite += "-" if c.suppress_author else ""
        cite += f"@{c.citation_key}"
        if c.locator:
            # formatter.ts collapses the first run of spaces (an empty label leaves two)
            cite += re.sub(r"\s+", " ", f", {short_label(c.label, options)} {c.locator}", count=1)
        if c.suffix:
            cite += f" {c.suffix}"
        out.append(cite)
    body = "; ".join(out)
    return f"[{body}]" if truthy(options.get("brackets")) else body


def pandoc_citation(cites: Sequence[PickedCite]) -> str:
    """The bracketed pandoc citation the window copies: ``[@knox2008, p. 12]``."""
    return pandoc(cites, {"brackets": "1"})


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "]": "{]}",
}


def tex(text: str) -> str:
    """A prefix, suffix or locator safe inside ``\\cite[...]``: LaTeX's special characters
    escaped, and ``]`` braced so it cannot close the optional argument. Better BibTeX also
    turns other Unicode into LaTeX commands; LaTeX reads UTF-8 by default since 2018, so
    other characters are left as typed."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def _latex_args(c: PickedCite, options: Options) -> str:
    """``[prefix][label locator, suffix]{key}`` as formatter.ts's ``citation2latex``: a page
    needs no label (natbib and biblatex print "p." themselves), an empty postnote is kept
    when there is a prenote (``\\cite[see][]{key}``)."""
    label = (short_label(c.label, {"page": "", **options}) + " ").lstrip()
    out = f"[{tex(c.prefix)}]" if c.prefix else ""
    if c.locator and c.suffix:
        out += f"[{tex(label)}{tex(c.locator)}, {tex(c.suffix)}]"
    elif c.locator:
        out += f"[{tex(label)}{tex(c.locator)}]"
    elif c.suffix:
        out += f"[{tex(c.suffix)}]"
    elif c.prefix:
        out += "[]"
    return out + f"{{{c.citation_key}}}"


def natbib(cites: Sequence[PickedCite], options: Options) -> str:
    """``\\cite{a,b}`` when nothing but keys was picked (``\\citeyear{a,b}`` when every cite
    suppresses its author), else one command per cite: ``\\cite[p. 1]{a}\\citeyear{b}``.
    ``command=`` names the command (``cite`` by default; ``citep``/``citet`` formats set it)."""
    if not cites:
        return ""
    command = options.get("command") or "cite"
    if len(cites) > 1:
        plain = not any(c.prefix or c.suffix or c.locator for c in cites)
        suppressed = sum(1 for c in cites if c.suppress_author)
        if plain and suppressed in (0, len(cites)):
            cmd = "citeyear" if cites[0].suppress_author else command
            return f"\\{cmd}{{{','.join(c.citation_key for c in cites)}}}"
    return "".join(f"\\{'citeyear' if c.suppress_author else command}{_latex_args(c, options)}" for c in cites)


def biblatex(cites: Sequence[PickedCite], options: Options) -> str:
    """``\\autocite[12]{a}``; ``\\autocite*`` for one cite without its author (only
    ``\\cite``, ``\\autocite`` and ``\\parencite`` have a starred form); several cites with
    notes become ``\\autocites[12]{a}{b}``, without notes ``\\autocite{a,b}``. (Better
    BibTeX's own several-cites branch drops its options and so writes "p." before page
    numbers; here a page is a bare number in both cases, as biblatex wants it.)"""
    if not cites:
        return ""
    command = options.get("command") or "autocite"
    if len(cites) == 1:
        c = cites[0]
        star = "*" if c.suppress_author and re.fullmatch(r"(auto|paren|)cite", command) else ""
        return f"\\{command}{star}{_latex_args(c, options)}"
    args = "".join(_latex_args(c, options) for c in cites)
    if "[" in args:
        command = command if command.endswith("s") else f"{command}s"
    else:
        args = args.replace("}{", ",")
    return f"\\{command}{args}"


def mmd(cites: Sequence[PickedCite], options: Options) -> str:
    """MultiMarkdown: ``[#knox2008][]``, a prefix as ``[see][#knox2008]``; nothing else fits."""
    return "".join(f"[{c.prefix}][#{c.citation_key}]" if c.prefix else f"[#{c.citation_key}][]" for c in cites)


def jekyll(cites: Sequence[PickedCite], options: Options) -> str:
    """jekyll-scholar: ``{% cite knox2008 %}`` per cite."""
    return "".join(f"{{% cite {c.citation_key} %}}" for c in cites)


def asciidoctor_bibtex(cites: Sequence[PickedCite], options: Options) -> str:
    """asciidoctor-bibtex: ``cite:[knox2008(12), ostrom1990]`` (``cite=`` names the macro)."""
    out = []
    for c in cites:
        cite = c.citation_key
        if c.locator:
            label = short_label(c.label, {"page": "", **options})
            cite += f"({label} {c.locator})".replace("( ", "(")
        out.append(cite)
    macro = options.get("cite") or "cite"
    return f"{macro}:[{', '.join(out)}]"


def scannable_cite(cites: Sequence[PickedCite], options: Options) -> str:
    """RTF/ODF-Scan markers: ``{ see | Knox, 2008 | p. 12 | and elsewhere | bibliofile:knox2008 }``.
    The last part names the cite by its citation key: ODF Scan itself resolves only Zotero's
    item URIs, so these markers are for a reader of ours (or a person), not for that plugin."""
    out = ""
    for c in cites:
        label = ", ".join(p for p in (first_names(c.item), _year(c.item.get("issued"))) if p)
        parts = [
            c.prefix,
            f"{'-' if c.suppress_author else ''}{label or c.citation_key}",
            f"{short_label(c.label, options)} {c.locator}".strip() if c.locator else "",
            c.suffix,
            f"bibliofile:{c.citation_key}",
        ]
        out += "{ " + re.sub(r" +", " ", " | ".join(parts)).strip() + " }"
    return out


def as_json(cites: Sequence[PickedCite], options: Options) -> str:
    """The picked cites as JSON, with Better BibTeX's field names (see ``PickedCite.as_json``)."""
    return json.dumps([c.as_json() for c in cites], ensure_ascii=False)


def formatted_citation(cites: Sequence[PickedCite], options: Options) -> str:
    """The in-text citation in a citation style: ``style=`` (else the quick-copy style the
    caller puts in the options), ``locale=``, ``contentType=html`` for HTML (else text)."""
    from bibliofile.citation.engine import CitationItem, format_citation

    items = [
        CitationItem(c.item, c.locator, c.label or "page", c.prefix, c.suffix, c.suppress_author)
        for c in cites
    ]
    return format_citation(items, _style(options), _locale(options), _content_type(options))


def formatted_bibliography(cites: Sequence[PickedCite], options: Options) -> str:
    """The bibliography of the picked references (locators and affixes do not apply)."""
    from bibliofile.citation.engine import make_bibliography

    unique = list({c.citation_key: c.item for c in cites}.values())
    return make_bibliography(unique, _style(options), _locale(options), _content_type(options)).document()


def _style(options: Options) -> str:
    style = options.get("style") or "apa"
    # Better BibTeX accepts a style's URL as well as its id.
    return style.rstrip("/").rsplit("/", 1)[-1]


def _locale(options: Options) -> str | None:
    return options.get("locale") or None


def _content_type(options: Options) -> Any:
    """``contentType=html`` (Better BibTeX's two: html, text), or rtf for our clipboard."""
    asked = options.get("contentType", "").lower()
    return asked if asked in ("html", "rtf") else "text"


Formatter = Callable[[Sequence[PickedCite], Options], str]

FORMATS: dict[str, Formatter] = {
    "pandoc": pandoc,
    "latex": natbib,
    "cite": natbib,
    "natbib": natbib,
    "citep": lambda cites, o: natbib(cites, {"command": "citep", **o}),
    "citet": lambda cites, o: natbib(cites, {"command": "citet", **o}),
    "biblatex": biblatex,
    "mmd": mmd,
    "jekyll": jekyll,
    "asciidoctor-bibtex": asciidoctor_bibtex,
    "scannable-cite": scannable_cite,
    "formatted-citation": formatted_citation,
    "formatted-bibliography": formatted_bibliography,
    "json": as_json,
}
DEFAULT_FORMAT = "latex"  # Better BibTeX's default when no format is given


def check_format(fmt: str | None) -> str:
    """The format to answer in (``latex`` when none is asked); ``CaywFormatError`` naming the
    formats there are for one we do not have, before any picker opens."""
    name = fmt or DEFAULT_FORMAT
    if name not in FORMATS:
        raise CaywFormatError(
            f"Bibliofile has no CAYW format {name!r}; it answers: {', '.join(sorted(FORMATS))} (and probe)"
        )
    return name


def format_cites(cites: Sequence[PickedCite], fmt: str | None, options: Options | None = None) -> str:
    """The cites in one of ``FORMATS``; nothing picked is the empty text in every format."""
    name = check_format(fmt)
    if not cites:
        return ""
    return FORMATS[name](cites, options or {})
