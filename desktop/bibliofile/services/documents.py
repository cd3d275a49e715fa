"""Live citations in OpenDocument text files, without LibreOffice: refresh, cite, import.

The document carries everything needed to render it again: each citation mark embeds its
items' CSL-JSON, and the bibliography section holds the document's style and language (the
format is docs/document-marks.md). A refresh reads every citation in document order, takes
each item from the library when the library has it (so a corrected title reaches the
document) and from the embedded data otherwise, renders all clusters at once with
citeproc-js (ibid., disambiguation, numbering) and writes the new texts and data back.

The .odt is a zip: only content.xml is rewritten (by byte ranges, ``formats.odt_marks``);
every other member is written back with the same bytes, name, order and compression, and
the file is replaced atomically, so a crash leaves the old document. Zotero's marks are read
and refreshed in place, keeping their names' shape, so Zotero can carry on with the file.

What does not depend on the format is here and used by ``services.docx_documents`` too:
reading and writing the zip, which citations can be rendered and from what data
(``render_sites``), the items a document embeds, the settings its bibliography keeps.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bibliofile.citation.csl_json import CslItem, to_csl_json
from bibliofile.citation.engine import Cluster, ClusterCite
from bibliofile.citation.styles import catalogue
from bibliofile.formats.csl_json import item_to_reference
from bibliofile.formats.odt_marks import (
    Mark,
    MarkName,
    NotContentXml,
    Scan,
    html_to_odf,
    insertion_point,
    mark_name,
    reference_mark_xml,
    renamed_tag,
    scan_content,
    style_edits,
    zotero_preferences,
)
from bibliofile.formats.xml_splice import escape_attr, splice
from bibliofile.model.reference import Reference
from bibliofile.services import citation_keys
from bibliofile.services.changes import Change, perform, plural
from bibliofile.services.citation_clusters import ClusterInput, cite_from_json, render
from bibliofile.services.citing import select_references
from bibliofile.services.importing import find_duplicates, normalised_doi
from bibliofile.storage.library import Library, UnitOfWork

DEFAULT_STYLE = "apa"
MARK_VERSION = 1
CONTENT = "content.xml"
META = "meta.xml"
PLACEHOLDER = "{Citation}"


def is_docx(path: str | Path) -> bool:
    """Whether ``path`` names a Word document (``formats.docx_fields``, ``services.docx_documents``)."""
    return Path(path).suffix.lower() == ".docx"


class CitationSite(Protocol):
    """What a refresh needs of a citation wherever it is kept: an .odt mark or a .docx field."""

    @property
    def info(self) -> MarkName: ...
    @property
    def line(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def note(self) -> int: ...


Site = TypeVar("Site", bound=CitationSite)


class DocumentError(Exception):
    """A document that cannot be worked on as asked; ``str()`` names the file and says what
    was kept (always: the file as it was)."""


@dataclass(slots=True)
class DocumentReport:
    """What a refresh (or a cite, which ends with one) did to a document."""

    path: str
    style: str
    locale: str | None
    citations: int = 0
    refreshed: int = 0
    from_library: int = 0
    from_document: int = 0
    bibliography_entries: int = 0
    moved_to_notes: int = 0
    moved_to_text: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        items = self.from_library + self.from_document
        parts = [
            f"{self.path}: {plural(self.refreshed, 'citation')} refreshed in {self.style}"
            + (f" ({self.locale})" if self.locale else ""),
            f"{plural(items, 'reference')} ({self.from_library} from the library, "
            f"{self.from_document} from the document's own data)",
            f"bibliography of {plural(self.bibliography_entries, 'entry').replace('entrys', 'entries')}",
        ]
        if self.moved_to_notes:
            parts.append(f"{plural(self.moved_to_notes, 'citation')} moved into footnotes (a note style)")
        if self.moved_to_text:
            parts.append(f"{plural(self.moved_to_text, 'citation')} moved from footnotes into the text")
        return "; ".join(parts)


# ---- the zip ---------------------------------------------------------------------------------
@dataclass(slots=True)
class OdtFile:
    """The members of an .odt in their order, as read (bytes and zip metadata)."""

    path: Path
    members: list[tuple[zipfile.ZipInfo, bytes]]
    stamp: tuple[int, int, int]  # (inode, mtime_ns, size) when read: a change means someone else wrote

    def member(self, name: str) -> bytes | None:
        for info, data in self.members:
            if info.filename == name:
                return data
        return None


def read_odt(path: str | Path) -> OdtFile:
    odt = read_zip(path, "an OpenDocument")
    if odt.member(CONTENT) is None:
        raise DocumentError(f"{odt.path}: not an OpenDocument text file (no content.xml); nothing was changed")
    return odt


def read_zip(path: str | Path, what: str) -> OdtFile:
    """The members of a zipped document (.odt, .docx) as read, with the stamp a write checks."""
    p = Path(path)
    try:
        st = os.stat(p)
        with zipfile.ZipFile(p) as z:
            members = [(info, z.read(info)) for info in z.infolist()]
    except FileNotFoundError as exc:
        raise DocumentError(f"{p}: no such file") from exc
    except IsADirectoryError as exc:
        raise DocumentError(f"{p}: is a folder, not a document") from exc
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"{p}: not {what} file (not a zip: {exc}); nothing was changed") from exc
    except (OSError, zipfile.LargeZipFile, RuntimeError, NotImplementedError) as exc:
        raise DocumentError(f"{p}: cannot read the document ({exc}); nothing was changed") from exc
    return OdtFile(p, members, (st.st_ino, st.st_mtime_ns, st.st_size))


def write_odt(odt: OdtFile, replaced: dict[str, bytes]) -> None:
    """Write the document back with some members replaced, atomically, following symlinks and
    keeping the file's mode; refuses when the file changed since it was read."""
    target = Path(os.path.realpath(odt.path))
    try:
        st = os.stat(target)
    except OSError as exc:
        raise DocumentError(f"{odt.path}: cannot write the document ({exc.strerror or exc}); nothing was changed") from exc
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(f"{odt.path}: not a regular file; nothing was changed")
    if (st.st_ino, st.st_mtime_ns, st.st_size) != odt.stamp:
        raise DocumentError(
            f"{odt.path}: the document changed while it was being refreshed (saved by another "
            "program?); nothing was written. Run the command again."
        )
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with zipfile.ZipFile(tmp, "x") as z:
            for info, data in odt.members:
                z.writestr(info, replaced.get(info.filename, data))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise DocumentError(f"{odt.path}: cannot write the document ({exc.strerror or exc}); it was left as it was") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _scan(odt: OdtFile) -> tuple[bytes, Scan]:
    content = odt.member(CONTENT) or b""
    try:
        return content, scan_content(content)
    except NotContentXml as exc:
        raise DocumentError(f"{odt.path}: content.xml {exc}; nothing was changed") from exc


# ---- style and language of a document -------------------------------------------------------
def _document_settings(odt: OdtFile, scan: Scan) -> tuple[str | None, str | None]:
    """(style, locale) the document was last refreshed with: our bibliography's data, else
    what we stored in Zotero's, else Zotero's document preferences (meta.xml)."""
    return settings_in(scan.bibliographies) or zotero_preferences(odt.member(META))


def settings_in(bibliographies: Sequence[CitationSite]) -> tuple[str, str | None] | None:
    """(style, locale) a refresh kept in a bibliography's data: the whole data of ours, the
    "bibliofile" key of Zotero's (an .odt section or a .docx field alike), or None."""
    for bibliography in bibliographies:
        data = bibliography.info.data or {}
        ours = data if bibliography.info.vendor == "bibliofile" else data.get("bibliofile")
        if isinstance(ours, dict) and isinstance(ours.get("style"), str) and ours["style"]:
            locale = ours.get("locale")
            return ours["style"], locale if isinstance(locale, str) and locale else None
    return None


def is_note_style(style: str) -> bool:
    """Whether the style puts citations in footnotes (Chicago notes, OSCOLA)."""
    resolved = catalogue().resolve(style)
    fmt = resolved.independent.citation_format or resolved.info.citation_format
    if fmt:
        return fmt == "note"
    return bool(re.search(r"<style\b[^>]*\bclass=[\"']note[\"']", resolved.xml[:4000]))


# ---- refresh --------------------------------------------------------------------------------
@dataclass(slots=True)
class _Cite:
    mark: int
    position: int
    raw: dict[str, Any]
    cite: ClusterCite


def refresh_document(
    path: str | Path,
    library: Library | None = None,
    style: str | None = None,
    locale: str | None = None,
) -> DocumentReport:
    """Re-render every citation and the bibliography of ``path`` (see the module doc)."""
    if is_docx(path):
        from bibliofile.services.docx_documents import refresh_docx

        return refresh_docx(path, library, style, locale)
    odt = read_odt(path)
    content, scan = _scan(odt)
    new_content, report = _refreshed(odt, content, scan, library, style, locale)
    if new_content != content:
        write_odt(odt, {CONTENT: new_content})
    return report


def _refreshed(
    odt: OdtFile, content: bytes, scan: Scan, library: Library | None, style: str | None, locale: str | None
) -> tuple[bytes, DocumentReport]:
    doc_style, doc_locale = _document_settings(odt, scan)
    style = style or doc_style or DEFAULT_STYLE
    locale = locale or doc_locale
    report = DocumentReport(str(odt.path), style, locale)
    report.problems.extend(f"content.xml line {line}: {msg}" for line, msg in scan.problems)
    marks = scan.citations
    note_style = is_note_style(style)
    # HTML, so italic titles, small capitals and superscript numbers reach the document as
    # ODF spans; the plain text (properties.plainCitation) is the same rendering's text.
    done = render_sites(marks, library, style, locale, report, lambda usable: _note_numbers(usable, note_style), "mark")
    styles: set[str] = set()
    edits: list[tuple[int, int, bytes]] = []
    moved = 0
    for cluster, index, html in zip(done.clusters, done.indexes, done.citations, strict=True):
        mark = marks[index]
        rich = html_to_odf(html)
        styles |= rich.styles
        text = rich.text
        data, props = done.data(index)
        props["plainCitation"] = text
        if mark.info.vendor == "zotero":
            props["formattedCitation"] = text
        props["noteIndex"] = cluster.note_index
        if mark.info.vendor == "bibliofile":
            data["version"] = MARK_VERSION
        name = mark_name(mark.info, data)
        if note_style and not mark.note:  # a note style puts the citation in a footnote there
            start, end = _mark_span(mark)
            if content[start - 1 : start] == b" ":
                start -= 1  # the space before an in-text citation goes with it
            moved += 1
            footnote = _footnote_xml(reference_mark_xml(name, rich.xml), mark.notes_before + moved)
            edits.append((start, end, footnote.encode("utf-8")))
            report.moved_to_notes += 1
        elif not note_style and mark.note and _only_citation_in_note(scan, mark):
            note_range = scan.note_ranges[mark.note]  # and an in-text style takes it back out
            whole = " " + reference_mark_xml(name, rich.xml)
            edits.append((note_range.start, note_range.end, whole.encode("utf-8")))
            report.moved_to_text += 1
        else:
            edits.extend(_mark_edits(content, mark, name, rich.xml))
        report.refreshed += 1
    entries = [html_to_odf(e) for e in done.bibliography]
    report.bibliography_entries = len(entries)
    styles |= {n for e in entries for n in e.styles}
    edits.extend(_bibliography_edits(content, scan, style, locale, [e.xml for e in entries], bool(marks)))
    edits.extend(style_edits(content, scan, styles))
    return splice(content, edits), report


@dataclass(slots=True)
class Rendering:
    """Every usable citation of a document rendered in one pass, in document order: what both
    an .odt and a .docx refresh write back, each in its own markup."""

    sites: Sequence[CitationSite]
    cites: list[_Cite]
    items: dict[str, CslItem]
    ids: dict[tuple[int, int], str]  # engine id of each cite, by (site, position)
    clusters: list[Cluster] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)  # the site each cluster is of
    citations: list[str] = field(default_factory=list)  # HTML, one per cluster
    bibliography: list[str] = field(default_factory=list)  # HTML, one per entry

    def data(self, index: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """The site's data with each cite carrying the item data it was rendered from (the
        library's, when it had the reference), and its ``properties`` (a copy, in the data)
        for the caller to fill with the new text."""
        data = dict(self.sites[index].info.data or {})
        new_items = []
        for c in (c for c in self.cites if c.mark == index):
            raw = dict(c.raw)
            item = dict(self.items[self.ids[(c.mark, c.position)]])
            item["id"] = raw.get("id")
            raw["itemData"] = item
            new_items.append(raw)
        data["citationItems"] = new_items
        props = dict(data.get("properties") or {}) if isinstance(data.get("properties"), dict) else {}
        data["properties"] = props
        return data, props


def render_sites(
    sites: Sequence[Site],
    library: Library | None,
    style: str,
    locale: str | None,
    report: DocumentReport,
    note_numbers: Callable[[list[Site]], list[int]],
    id_prefix: str,
) -> Rendering:
    """Render the citations ``sites`` (in document order) and the bibliography, naming in
    ``report`` each citation that cannot be (damaged data, a reference found nowhere), which
    is then left as it was. ``note_numbers`` gives the noteIndex of the usable sites; a
    citation without a citationID is called ``{id_prefix}-{n}``. One pass through
    citeproc-js, so "ibid.", disambiguation and numbering are the engine's."""
    report.citations = len(sites)
    usable: list[int] = []
    cites: list[_Cite] = []
    for n, site in enumerate(sites, 1):
        shown = _shown(n, site)
        if site.info.data is None:
            report.problems.append(f"{shown}: {site.info.error}; that citation was left as it was")
            continue
        raw_items = site.info.data.get("citationItems")
        if not isinstance(raw_items, list) or not raw_items:
            report.problems.append(f"{shown}: its data has no citationItems; that citation was left as it was")
            continue
        found = [(i, raw, cite_from_json(raw)) for i, raw in enumerate(raw_items)]
        ok = [_Cite(n - 1, i, raw, c) for i, raw, c in found if c is not None and isinstance(raw, dict)]
        if len(ok) != len(raw_items):
            report.problems.append(f"{shown}: a cite in its data has no id; that citation was left as it was")
            continue
        usable.append(n - 1)
        cites.extend(ok)
    items, ids = _items_for(cites, sites, library, report)
    done = Rendering(sites, cites, items, ids)
    notes = note_numbers([sites[i] for i in usable])
    for index, note in zip(usable, notes, strict=True):
        mine = [c for c in cites if c.mark == index]
        if any(ids.get((c.mark, c.position)) is None for c in mine):
            continue  # named in problems by _items_for
        cluster_cites = tuple(_with_id(c.cite, ids[(c.mark, c.position)]) for c in mine)
        data = sites[index].info.data or {}
        done.clusters.append(Cluster(cluster_cites, str(data.get("citationID") or f"{id_prefix}-{index + 1}"), note))
        done.indexes.append(index)
    rendered = render(list(items.values()), ClusterInput(done.clusters), style, locale, "html")
    report.problems.extend(rendered.problems)
    done.citations = list(rendered.result.citations)
    done.bibliography = list(rendered.result.bibliography.entries)
    return done


def _shown(n: int, mark: CitationSite) -> str:
    who = "Zotero citation" if mark.info.vendor == "zotero" else "citation"
    text = mark.text.strip()
    showing = f" showing “{text[:40]}{'…' if len(text) > 40 else ''}”" if text else ""
    part = getattr(mark, "part", CONTENT)  # a .docx field names its part (word/document.xml)
    return f"{who} {n} ({part} line {mark.line}{showing})"


def _note_numbers(marks: Sequence[CitationSite], note_style: bool) -> list[int]:
    """noteIndex for each citation: its footnote's number among the citations' notes; with a
    note style, a citation in the body text counts as a note of its own (it stands where a
    footnote would), so "ibid." follows the same order a reader sees."""
    out: list[int] = []
    counter = 0
    last = 0
    for m in marks:
        if m.note:
            if m.note != last:
                counter += 1
                last = m.note
            out.append(counter)
        elif note_style:
            counter += 1
            last = 0
            out.append(counter)
        else:
            out.append(0)
    return out


def _with_id(c: ClusterCite, iid: str) -> ClusterCite:
    return ClusterCite(iid, c.locator, c.label, c.prefix, c.suffix, c.suppress_author, c.author_only)


def _items_for(
    cites: Sequence[_Cite], marks: Sequence[CitationSite], library: Library | None, report: DocumentReport
) -> tuple[dict[str, CslItem], dict[tuple[int, int], str]]:
    """The CSL item of every cite, from the library when it holds the reference (by citation
    key, then DOI), else from the data embedded in the mark; engine ids by (mark, position)."""
    found = _library_references(cites, marks, library)
    items: dict[str, CslItem] = {}
    ids: dict[tuple[int, int], str] = {}
    from_library: set[str] = set()
    from_document: set[str] = set()
    for c in cites:
        ref = found.get((c.mark, c.position))
        if ref is not None and ref.id is not None:
            iid = f"library:{ref.id}"
            if iid not in items:
                items[iid] = to_csl_json(ref, iid, citation=True)
            from_library.add(iid)
            ids[(c.mark, c.position)] = iid
            continue
        data = c.raw.get("itemData")
        vendor = marks[c.mark].info.vendor
        if not isinstance(data, dict):
            report.problems.append(
                f"{_shown(c.mark + 1, marks[c.mark])}: the reference “{c.cite.id}” has no data in the document "
                "and is not in the library; that citation was left as it was"
            )
            continue
        iid = f"{vendor}:{c.cite.id}"
        if iid not in items:
            item = dict(data)
            item["id"] = iid
            item.setdefault("type", "document")
            items[iid] = item
        from_document.add(iid)
        ids[(c.mark, c.position)] = iid
    report.from_library = len(from_library)
    report.from_document = len(from_document - from_library)
    return items, ids


def _library_references(
    cites: Sequence[_Cite], marks: Sequence[CitationSite], library: Library | None
) -> dict[tuple[int, int], Reference]:
    if library is None or not cites:
        return {}
    keys: dict[tuple[int, int], str] = {}
    dois: dict[tuple[int, int], str] = {}
    for c in cites:
        data = c.raw.get("itemData") if isinstance(c.raw.get("itemData"), dict) else {}
        key = data.get("citation-key") if isinstance(data, dict) else None
        if not key and marks[c.mark].info.vendor == "bibliofile":
            key = c.cite.id  # our cites are named by citation key
        if isinstance(key, str) and key:
            keys[(c.mark, c.position)] = key
        doi = data.get("DOI") if isinstance(data, dict) else None
        if isinstance(doi, str) and doi.strip():
            dois[(c.mark, c.position)] = normalised_doi(doi)
    out: dict[tuple[int, int], Reference] = {}
    if keys:
        by_key: dict[str, Reference] = {}
        for ref in library.get_many(library.by_citation_key(set(keys.values()))):
            by_key.setdefault(ref.citation_key, ref)
        for where, key in keys.items():
            if key in by_key:
                out[where] = by_key[key]
    wanted = {where: doi for where, doi in dois.items() if where not in out}
    if wanted:
        ids = library.search("")
        by_doi: dict[str, int] = {}
        for rid, (doi,) in library.rows(ids, ["doi"]).items():
            if doi:
                by_doi.setdefault(normalised_doi(doi), rid)
        hits = {where: by_doi[doi] for where, doi in wanted.items() if doi in by_doi}
        refs = {r.id: r for r in library.get_many(list(dict.fromkeys(hits.values())))}
        for where, rid in hits.items():
            if rid in refs:
                out[where] = refs[rid]
    return out


def _mark_edits(content: bytes, mark: Mark, new_name: str, new_xml: str) -> list[tuple[int, int, bytes]]:
    if mark.point is not None:  # an empty point mark becomes a mark around the text
        return [(mark.point[0], mark.point[1], reference_mark_xml(new_name, new_xml).encode("utf-8"))]
    edits = [(a, b, renamed_tag(content, (a, b), new_name)) for a, b in mark.name_tags]
    edits.append((mark.content[0], mark.content[1], new_xml.encode("utf-8")))
    return edits


def _mark_span(mark: Mark) -> tuple[int, int]:
    """The bytes of the whole mark: start tag, text and end tag (or the one point tag)."""
    if mark.point is not None:
        return mark.point
    return mark.name_tags[0][0], mark.name_tags[-1][1]


def _only_citation_in_note(scan: Scan, mark: Mark) -> bool:
    """Whether the mark's footnote holds nothing but this citation (a note Zotero or we made
    for it), so that it can become an in-text citation without losing the writer's words."""
    note_range = scan.note_ranges.get(mark.note)
    if note_range is None or not note_range.end:
        return False
    if sum(1 for m in scan.citations if m.note == mark.note) != 1:
        return False
    return note_range.text.strip() == mark.text.strip()


def _footnote_xml(inner: str, number: int) -> str:
    nid = f"ftn_bibliofile_{secrets.token_hex(4)}"
    return (
        f'<text:note text:id="{nid}" text:note-class="footnote"><text:note-citation>{number}'
        f'</text:note-citation><text:note-body><text:p text:style-name="Footnote">{inner}</text:p>'
        "</text:note-body></text:note>"
    )


def _bibliography_edits(
    content: bytes, scan: Scan, style: str, locale: str | None, entries: Sequence[str], cited: bool
) -> list[tuple[int, int, bytes]]:
    settings = bibliography_settings(style, locale)
    edits: list[tuple[int, int, bytes]] = []
    bibliographies = [b for b in scan.bibliographies if b.info.data is not None]
    for mark in bibliographies:
        data = dict(mark.info.data or {})
        if mark.info.vendor == "bibliofile":
            data.update(settings)
        else:
            data["bibliofile"] = settings  # Zotero reads only its own keys (uncited, omitted, custom)
        name = mark_name(mark.info, data)
        if mark.element == "section":
            body = _paragraphs(entries, mark.paragraph_style)
            edits.append((mark.name_tags[0][0], mark.name_tags[0][1], renamed_tag(content, mark.name_tags[0], name)))
            edits.append((mark.content[0], mark.content[1], body.encode("utf-8")))
        else:  # a bibliography in a reference mark lives inside one paragraph: lines in it
            edits.extend(_mark_edits(content, mark, name, "<text:line-break/>".join(entries)))
    if not bibliographies and cited and scan.office_text_end is not None:
        name = mark_name(MarkName("bibliofile", "bibliography", settings), settings)
        section = f'<text:section text:name="{escape_attr(name)}">{_paragraphs(entries, "")}</text:section>'
        edits.append((scan.office_text_end, scan.office_text_end, section.encode("utf-8")))
    return edits


def bibliography_settings(style: str, locale: str | None) -> dict[str, Any]:
    """What a refresh keeps in the bibliography's data (``settings_in`` reads it back), so
    that the next refresh without --style uses the same style and language."""
    settings: dict[str, Any] = {"version": MARK_VERSION, "style": style}
    if locale:
        settings["locale"] = locale
    return settings


def _paragraphs(entries: Sequence[str], style: str) -> str:
    """One paragraph per entry (entries are ODF inline XML already)."""
    attr = f' text:style-name="{escape_attr(style)}"' if style else ""
    if not entries:
        return f"<text:p{attr}/>"
    return "".join(f"<text:p{attr}>{e}</text:p>" for e in entries)


# ---- cite -----------------------------------------------------------------------------------
def cite_in_document(
    path: str | Path,
    after: str,
    keys: Sequence[str],
    library: Library | None = None,
    input_file: str | Path | None = None,
    style: str | None = None,
    locale: str | None = None,
) -> DocumentReport:
    """Insert one citation of ``keys`` just after the first ``after`` in the text (outside
    other citations), then refresh the document so every citation and the bibliography agree.
    With a note style the citation goes in a new footnote there."""
    if not keys:
        raise DocumentError("give the citation keys to cite")
    if is_docx(path):
        from bibliofile.services.docx_documents import cite_in_docx

        return cite_in_docx(path, after, keys, library, input_file, style, locale)
    refs = select_references(library, input_file, None, keys)
    odt = read_odt(path)
    content, scan = _scan(odt)
    doc_style, _ = _document_settings(odt, scan)
    at = insertion_point(scan, content, after)
    if at is None:
        raise DocumentError(f"{odt.path}: the text “{after}” is not in the document's paragraphs; nothing was changed")
    data = {
        "version": MARK_VERSION,
        "citationID": secrets.token_hex(6),
        "citationItems": [{"id": _cite_id(r, n), "itemData": _embedded(r, n)} for n, r in enumerate(refs, 1)],
        "properties": {"plainCitation": PLACEHOLDER, "noteIndex": 0},
    }
    name = mark_name(MarkName("bibliofile", "citation", data), data)
    mark = reference_mark_xml(name, PLACEHOLDER)
    if is_note_style(style or doc_style or DEFAULT_STYLE):
        new = _footnote_xml(mark, sum(1 for r in scan.note_ranges.values() if r.start < at) + 1)
    else:
        new = " " + mark
    content = splice(content, [(at, at, new.encode("utf-8"))])
    scan = _scan_bytes(odt, content)
    new_content, report = _refreshed(odt, content, scan, library, style, locale)
    write_odt(odt, {CONTENT: new_content})
    return report


def _scan_bytes(odt: OdtFile, content: bytes) -> Scan:
    try:
        return scan_content(content)
    except NotContentXml as exc:  # our own insert broke it: a bug, never written
        raise RuntimeError(f"{odt.path}: inserting the citation made content.xml unreadable: {exc}") from exc


def _cite_id(ref: Reference | CslItem, n: int) -> str:
    if isinstance(ref, Reference):
        return ref.citation_key or (f"library-{ref.id}" if ref.id is not None else f"item-{n}")
    return str(ref.get("citation-key") or ref.get("id") or f"item-{n}")


def _embedded(ref: Reference | CslItem, n: int) -> CslItem:
    iid = _cite_id(ref, n)
    item = to_csl_json(ref, iid, citation=True) if isinstance(ref, Reference) else dict(ref)
    item["id"] = iid
    if isinstance(ref, Reference) and ref.citation_key:
        item["citation-key"] = ref.citation_key
    return item


# ---- import ---------------------------------------------------------------------------------
@dataclass(slots=True)
class DocumentImport:
    """What ``document import`` did: references added, ones the library had, what was odd."""

    path: str
    imported: list[int] = field(default_factory=list)
    already: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.path}: {plural(len(self.imported), 'reference')} imported"
            + (f", {self.already} already in the library" if self.already else "")
        )


def document_items(path: str | Path) -> tuple[list[CslItem], list[str]]:
    """The distinct items embedded in a document's citations (ours and Zotero's), and problems."""
    if is_docx(path):
        from bibliofile.services.docx_documents import docx_items

        return docx_items(path)
    odt = read_odt(path)
    _, scan = _scan(odt)
    problems = [f"content.xml line {line}: {msg}" for line, msg in scan.problems]
    return embedded_items(scan.citations, problems), problems


def embedded_items(sites: Sequence[CitationSite], problems: list[str]) -> list[CslItem]:
    """The distinct items embedded in ``sites`` (the same item cited twice is one: by its
    Zotero URI, else its id, per vendor); a citation whose data cannot be read goes in
    ``problems``."""
    seen: dict[str, CslItem] = {}
    for n, site in enumerate(sites, 1):
        if site.info.data is None:
            problems.append(f"{_shown(n, site)}: {site.info.error}; its references were not read")
            continue
        raw_items = site.info.data.get("citationItems")
        for raw in raw_items if isinstance(raw_items, list) else []:
            if not isinstance(raw, dict) or not isinstance(raw.get("itemData"), dict):
                continue
            uris = raw.get("uris") if isinstance(raw.get("uris"), list) else []
            ident = f"{site.info.vendor}:{uris[0] if uris else raw.get('id')}"
            seen.setdefault(ident, dict(raw["itemData"]))
    return list(seen.values())


def import_document(path: str | Path, library: Library, key_pattern: str = citation_keys.DEFAULT_PATTERN) -> DocumentImport:
    """Add the references embedded in a document to the library, as one undoable action;
    the ones the library already has (same DOI, or same title and year) are skipped."""
    items, problems = document_items(path)
    report = DocumentImport(str(path), problems=problems)
    refs: list[Reference] = []
    for item in items:
        ref, notes = item_to_reference(item)
        refs.append(ref)
        report.problems.extend(f"“{ref.title or item.get('id')}”: {n}" for n in notes)
    dupes = find_duplicates(library, refs) if refs else []
    new = [r for r, (rid, _) in zip(refs, dupes, strict=True) if rid is None]
    report.already = len(refs) - len(new)
    if not new:
        return report
    text = f"Import {plural(len(new), 'reference')} from {Path(path).name}"

    def add(uow: UnitOfWork) -> Change:
        import_id = uow.add_import(str(path), "docx-citations" if is_docx(path) else "odt-citations", "utf-8")
        ids = uow.add_items(new, import_id)
        citation_keys.fill_missing(uow, ids, key_pattern)
        return Change(text, lambda u: _remove(u, ids), tuple(ids))

    def _remove(uow: UnitOfWork, ids: list[int]) -> Change:
        uow.purge(ids)
        return Change(text, add, tuple(ids))

    change = perform(library, add)
    report.imported = list(change.ids)
    return report
