"""What the export dialog can produce: formatted bibliographies and citations, and data files.

Formatted output (a bibliography or in-text citations, as text, HTML or RTF) comes from the CSL
engine; data output (BibTeX, BibLaTeX, RIS, CSL-JSON) comes from the format writers. This module
is the one list of those outputs, so the dialog, the clipboard and the drag all offer the same
things and name them the same way.

HTML is produced as a whole document a word processor can paste or open: each entry is one
paragraph carrying the style's layout (hanging indent, line spacing, space between entries) as
inline CSS, because a pasted fragment loses any stylesheet. citeproc-js's second-field-align
blocks ("[1]" beside the entry) become inline spans: word processors do not float divs.

RIS and CSL-JSON files come from the writers in ``formats/`` (``_data_writer``); the drag's
CSL-JSON flavour uses the engine's own mapping (``citation.csl_json``, ``csl_json_text``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bibliofile.citation.csl_json import to_csl_json
from bibliofile.citation.engine import (
    Bibliography,
    BibliographyParams,
    Citable,
    OutputFormat,
    format_citation,
    make_bibliography,
)
from bibliofile.model.reference import Reference
from bibliofile.services.citing import cite_references
from bibliofile.services.exporting import export_text
from bibliofile.services.inheritance import resolve_parents
from bibliofile.storage.library import Library

Mode = Literal["bibliography", "citations"]
DataFormat = Literal["bibtex", "biblatex", "ris", "csl-json"]


@dataclass(frozen=True, slots=True)
class OutputOption:
    """One entry of the dialog's output list: a formatted mode+format, or a data format."""

    key: str  # "bibliography:html", "citations:text", "bibtex", "ris", ...
    label: str
    suffix: str
    file_filter: str

    @property
    def formatted(self) -> bool:
        return ":" in self.key

    @property
    def mode(self) -> Mode:
        return "citations" if self.key.startswith("citations:") else "bibliography"

    @property
    def fmt(self) -> OutputFormat:
        part = self.key.split(":", 1)[-1]
        return part if part in ("text", "html", "rtf") else "text"  # type: ignore[return-value]


_FILTERS = {
    "text": ("txt", "Text files (*.txt)"),
    "html": ("html", "HTML files (*.html *.htm)"),
    "rtf": ("rtf", "Rich Text Format (*.rtf)"),
}


def formatted_options() -> list[OutputOption]:
    out: list[OutputOption] = []
    for mode, mode_label in (("bibliography", "Bibliography"), ("citations", "Citations")):
        for fmt, fmt_label in (("text", "text"), ("html", "HTML"), ("rtf", "RTF")):
            suffix, filt = _FILTERS[fmt]
            out.append(OutputOption(f"{mode}:{fmt}", f"{mode_label} — {fmt_label}", suffix, filt))
    return out


# ---- data writers ----------------------------------------------------------------------------
Writer = Callable[[Sequence[Reference]], str]


def _data_writer(fmt: str) -> Writer | None:
    """The formats/ writer of a data format other than BibTeX (None: not a data format).

    Imported here by name, not looked up by guessing module names, so import-linter sees the
    dependency and a renamed writer fails loudly instead of quietly dropping the format."""
    if fmt == "ris":
        from bibliofile.formats.ris import write_ris

        return write_ris
    if fmt == "csl-json":
        from bibliofile.formats.csl_json import write_csl_json

        return write_csl_json
    return None


def csl_json_text(refs: Sequence[Citable]) -> str:
    """CSL-JSON for references (our mapping; ids are citation keys, else library ids)."""
    items = [to_csl_json(r) if isinstance(r, Reference) else dict(r) for r in refs]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def data_options() -> list[OutputOption]:
    """The data formats the dialog offers: BibTeX, BibLaTeX, RIS, CSL-JSON."""
    return [
        OutputOption("bibtex", "BibTeX", "bib", "BibTeX files (*.bib)"),
        OutputOption("biblatex", "BibLaTeX", "bib", "BibLaTeX files (*.bib)"),
        OutputOption("ris", "RIS", "ris", "RIS files (*.ris)"),
        OutputOption("csl-json", "CSL-JSON", "json", "CSL-JSON files (*.json)"),
    ]


def all_options() -> list[OutputOption]:
    return [*formatted_options(), *data_options()]


def data_text(library: Library, ids: Sequence[int] | None, fmt: str, notes: list[str] | None = None) -> str:
    """A data export of ``ids`` (None: the whole library, BibTeX keeping the files' layout; RIS
    in file order, as the CLI writes it). ``notes`` gets what the format could not carry."""
    if fmt in ("bibtex", "biblatex", "ris"):
        return export_text(library, dialect=fmt, ids=ids, notes=notes)  # type: ignore[arg-type]
    refs = resolve_parents(library, library.get_many(ids if ids is not None else library.search("")))
    return data_text_of(refs, fmt)  # RIS/CSL-JSON carry what crossref children inherit


def data_text_of(refs: Sequence[Reference], fmt: str) -> str:
    """A data export of references already loaded (the drag and the preview use this)."""
    if fmt in ("bibtex", "biblatex"):
        from bibliofile.formats.bibtex_writer import write_bibtex

        return write_bibtex(refs, dialect=fmt)  # type: ignore[arg-type]
    writer = _data_writer(fmt)
    if writer is not None:
        return writer(refs)
    raise ValueError(f"{fmt}: this export format is not installed")


# ---- formatted output --------------------------------------------------------------------
_INNER_DIV = re.compile(r'<div class="csl-(left-margin|right-inline|indent|block)"([^>]*)>')
_OUTER_ENTRY = re.compile(r'^\s*<div class="csl-entry"[^>]*>(.*)</div>\s*$', re.S)


def entry_inline_html(entry: str) -> str:
    """One citeproc-js HTML entry without its block wrapper, inner blocks made inline."""
    m = _OUTER_ENTRY.match(entry)
    inner = m.group(1) if m else entry
    inner = _INNER_DIV.sub(r'<span class="csl-\1"\2>', inner)
    inner = inner.replace("</div>", "</span>")
    inner = re.sub(r'(</span>)\s*(<span class="csl-right-inline")', r"\1 \2", inner)
    return inner.strip()


def paragraph_style(params: BibliographyParams) -> str:
    """The CSS a word processor reads for one entry: hanging indent, line and entry spacing.

    Lengths are in CSS pixels (1/96 in): the preview's Qt rich text reads margins and indents only
    in ``px``, and word processors convert them at 96 per inch. A hanging indent is half an inch
    (48px), as APA and Chicago ask.
    """
    css = ["margin-top: 0"]
    indent = 0
    if params.hanging_indent:
        indent = 48
    elif params.second_field_align:
        indent = max(32, 9 * (params.max_offset + 1))
    if indent:
        css += [f"margin-left: {indent}px", f"text-indent: -{indent}px"]
    gap = 8 * max(params.entry_spacing, 0) if params.line_spacing >= 2 else 8 * max(params.entry_spacing, 1)
    css.append(f"margin-bottom: {gap}px")
    if params.line_spacing >= 2:
        css.append("line-height: 200%")
    return "; ".join(css)


def html_page(body: str, title: str = "Bibliography") -> str:
    """A whole page; no whitespace around the body, which a pasted citation would keep."""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>{body}</body></html>"
    )


def bibliography_html(bib: Bibliography, page: bool = True) -> str:
    """A bibliography as paragraphs with inline layout (a full HTML page unless ``page=False``)."""
    style = paragraph_style(bib.params)
    body = "\n".join(f'<p class="csl-entry" style="{style}">{entry_inline_html(e)}</p>' for e in bib.entries)
    return html_page(body) if page else body


def citation_html(citation: str, page: bool = True) -> str:
    """An in-text citation stays inline (a span), so pasting it does not start a paragraph."""
    body = f'<span class="csl-citation">{citation}</span>'
    return html_page(body, "Citation") if page else body


def rtf_document(fragment: str) -> str:
    return "{\\rtf1\\ansi\\deff0\\uc1\n" + fragment + "\n}"


def render(
    refs: Sequence[Citable],
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
    mode: Mode = "bibliography",
) -> str:
    """The document to save, copy or paste: text lines, a full HTML page, or an RTF file."""
    if mode == "citations":
        out = format_citation(list(refs), style, locale, fmt)
        if fmt == "html":
            return citation_html(out)
        return rtf_document(out) if fmt == "rtf" else out
    if fmt == "html":
        return bibliography_html(make_bibliography(refs, style, locale, "html"))
    return cite_references(refs, style, locale, fmt)


# ---- the research portal's "Cite this" formats ----------------------------------------------
@dataclass(frozen=True, slots=True)
class PortalFormat:
    """One of the formats a research-portal page offers under "Cite this", as our output.

    ``style`` is the CSL style that plays it ("" for a data format, named by ``output``).
    "Author" and "Standard" are the portal's own house formats, not published styles; the CSL
    styles chosen to play them are the nearest ones (docs/adr/0006-citation-engine.md says why):
    "Author" lists authors with full given names, three then "et al.", before the title, as
    Chicago's bibliography does; "Standard" follows ISO 690 ("In:", "Vol.", "p."), which is the
    standard its layout comes from.
    """

    label: str
    style: str
    output: str  # an OutputOption key


PORTAL_FORMATS: tuple[PortalFormat, ...] = (
    PortalFormat("APA", "apa", "bibliography:html"),
    PortalFormat("Author", "chicago-notes-bibliography", "bibliography:html"),
    PortalFormat("BibTeX", "", "bibtex"),
    PortalFormat("Harvard", "harvard-cite-them-right", "bibliography:html"),
    PortalFormat("Standard", "iso690-author-date-en", "bibliography:html"),
    PortalFormat("RIS", "", "ris"),
    PortalFormat("Vancouver", "vancouver-nlm", "bibliography:html"),
)
