"""Citations in a Writer document through UNO: what the toolbar's commands do.

Run inside LibreOffice (the toolbar, ``bibliofile_writer.py``) or from another process over a
UNO socket (the tests): every function takes the document model. Marks are the ones
``marks.py`` describes, so ``bibliofile document refresh`` reads what these functions write and
these functions refresh what it wrote.

Document order is the order of the text: paragraphs (table cells row by row), and a footnote's
citations where the footnote is anchored. A mark's text is replaced by removing the mark,
writing the new text in its place and putting a new mark (with the new name) around it, since
a reference mark's name cannot be changed in place.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import uno
import unohelper
from com.sun.star.util import CloseVetoException, XCloseListener

from bibliofile_office import app_link, marks

_CHAR_PROPS = ("CharPosture", "CharWeight", "CharEscapement", "CharEscapementHeight", "CharCaseMap", "CharUnderline")


class Found(object):
    """A citation mark found in the document: the mark, what its name says, the ordinal of
    its footnote (0 in the body) and that footnote; its name, its text (body, footnote) and
    its place (anchor), kept so a refresh does not ask Writer again (each UNO call costs).

    The place stays right while the marks before it are rewritten, even a mark right next to
    it (Writer moves the range with the text around it; checked with two adjacent marks)."""

    def __init__(self, mark: Any, info: marks.MarkName, note: int, footnote: Any = None,
                 name: Optional[str] = None, text: Any = None, anchor: Any = None) -> None:
        self.mark = mark
        self.info = info
        self.note = note
        self.footnote = footnote
        self.name = name if name is not None else mark.getName()
        self.text = text
        self.anchor = anchor
        self._shown: Optional[str] = None

    def place(self) -> Any:
        if self.anchor is None:
            self.anchor = self.mark.getAnchor()
        return self.anchor

    def shown(self) -> str:
        """The citation's text in the document when it was first asked."""
        if self._shown is None:
            self._shown = self.place().getString()
        return self._shown


class Report(object):
    """What a refresh did, for the toolbar to say."""

    def __init__(self) -> None:
        self.refreshed = 0
        self.entries = 0
        self.style = marks.DEFAULT_STYLE
        self.locale: Optional[str] = None
        self.via = ""
        self.moved_to_notes = 0
        self.moved_to_text = 0
        self.problems: List[str] = []
        self.rewritten = 0  # marks whose text or data changed (the others were left alone)
        self.timings: Dict[str, float] = {}  # phase -> seconds, for the bench (see mark())
        self._clock = time.perf_counter()

    def mark(self, phase: str) -> None:
        """The time since the previous phase ended, kept under ``phase``."""
        now = time.perf_counter()
        self.timings[phase] = round(self.timings.get(phase, 0.0) + now - self._clock, 4)
        self._clock = now

    def message(self) -> str:
        how = "with Bibliofile" if self.via == "app" else "from the citations' own data (%s)" % app_link.NOT_RUNNING
        text = "%d citation%s and %d bibliography entr%s refreshed in %s%s, %s." % (
            self.refreshed, "" if self.refreshed == 1 else "s", self.entries, "y" if self.entries == 1 else "ies",
            self.style, " (%s)" % self.locale if self.locale else "", how)
        if self.moved_to_notes:
            text += " %d moved into footnotes (a note style)." % self.moved_to_notes
        if self.moved_to_text:
            text += " %d moved from footnotes into the text." % self.moved_to_text
        if self.problems:
            text += " " + " ".join(self.problems)
        return text


# ---- finding marks ---------------------------------------------------------------------------
def citations(doc: Any) -> List[Found]:
    """Citation marks (ours and Zotero's) in document order.

    The marks are taken by name from the document's list of reference marks and put in order
    by comparing their places (a footnote's citations at the footnote's anchor): Writer builds
    the text portions of a paragraph slowly (~10 ms each), so walking every paragraph's
    portions took seconds on a long document. A citation anywhere else (a table cell, a
    frame, an endnote) falls back to that walk.

    Each UNO call that gives an object costs ~0.2-0.5 ms in LibreOffice's Python (a wrapper
    is built for it), so a document without footnotes, endnotes, tables or frames does not ask
    each mark for its text: they are all in the body, or (a header, a shape) comparing their
    places with the body's fails and they are found the long way.
    """
    if _body_only(doc):
        try:
            return _citations(doc, True)
        except _NotInBody:
            pass
    return _citations(doc, False)


class _NotInBody(Exception):
    """A mark taken to be in the body is not (comparing its place with the body's failed)."""


def _body_only(doc: Any) -> bool:
    try:
        return not (doc.getFootnotes().getCount() or doc.getEndnotes().getCount()
                    or doc.getTextTables().getCount() or doc.getTextFrames().getCount())
    except Exception:  # a document without one of these lists: ask each mark
        return False


def _citations(doc: Any, in_body: bool) -> List[Found]:
    refs = doc.getReferenceMarks()
    body = doc.getText()
    uid = _document_key(doc)
    memo = _LAST.get(uid) if uid else None
    placed: List[Tuple[Any, Any, Any, Any, marks.MarkName, str, Any]] = []  # (body place, note, place in note, mark, info, name, text)
    for name in refs.getElementNames():
        info = marks.parse_name(name)
        if info is None or info.kind != "citation":
            continue
        mark, anchor = _mark_and_place(refs, name, memo)
        if in_body:
            placed.append((anchor, None, None, mark, info, name, body))
            continue
        text = anchor.getText()
        if text == body:
            placed.append((anchor, None, None, mark, info, name, text))
        elif text.supportsService("com.sun.star.text.Footnote") and not text.supportsService("com.sun.star.text.Endnote"):
            placed.append((text.getAnchor(), text, anchor, mark, info, name, text))
        else:
            out: List[Found] = []
            _walk(body, 0, out, [0], None)
            return out

    def order(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> int:
        c = -body.compareRegionStarts(a[0], b[0])
        if c == 0 and a[1] is not None and b[1] is not None:
            c = -a[1].compareRegionStarts(a[2], b[2])  # two citations in one footnote
        return c

    # A document just opened lists its marks in document order, or nearly; once marks were
    # rewritten the list is in no useful order, so they are put first in the order the last
    # refresh of this document found: the sort then only checks it (one comparison a mark
    # instead of n log n) and still puts right what was moved or added since
    if memo is not None:
        seen = memo.order
        placed.sort(key=lambda p: seen.get(p[5], len(seen)))
    if in_body:
        def order_in_body(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> int:
            try:
                return -body.compareRegionStarts(a[0], b[0])
            except Exception as exc:  # IllegalArgumentException: a place outside the body
                raise _NotInBody() from exc

        if len(placed) == 1:
            order_in_body(placed[0], placed[0])  # each mark is compared once at least
        placed.sort(key=functools.cmp_to_key(order_in_body))
    else:
        placed.sort(key=functools.cmp_to_key(order))
    found: List[Found] = []
    note = 0
    last: Any = None
    for where, footnote, in_note, mark, info, name, text in placed:
        if footnote is None:
            found.append(Found(mark, info, 0, None, name, text, where))
            continue
        if last is None or body.compareRegionStarts(last, where) != 0:
            note += 1  # numbered among the footnotes that hold citations: only the order counts
            last = where
        found.append(Found(mark, info, note, footnote, name, text, in_note))
    return found


class _Last(object):
    """What the last refresh of a document left: each mark's name, its place in document
    order, and the mark itself (UNO objects cost; a mark removed since is disposed: its
    anchor is None, and it is asked for by name again)."""

    def __init__(self, names: List[str], marks_by_name: Dict[str, Any]) -> None:
        self.order = {name: n for n, name in enumerate(names)}
        self.marks = marks_by_name


_LAST: Dict[str, _Last] = {}  # document (its RuntimeUID) -> what its last refresh left


def _document_key(doc: Any) -> str:
    try:
        return str(doc.RuntimeUID)
    except Exception:  # not a document model that says
        return ""


def _remember(doc: Any, names: List[str], marks_by_name: Dict[str, Any]) -> None:
    uid = _document_key(doc)
    if not uid:
        return
    _LAST.pop(uid, None)
    while len(_LAST) >= 8:  # the documents refreshed most recently
        _LAST.pop(next(iter(_LAST)))
    _LAST[uid] = _Last(names, marks_by_name)


def _mark_and_place(refs: Any, name: str, last: Optional[_Last]) -> Tuple[Any, Any]:
    """The mark named ``name`` and its anchor: the mark the last refresh wrote when it is
    still in the document, else the one Writer gives for the name."""
    mark = last.marks.get(name) if last is not None else None
    if mark is not None:
        try:
            anchor = mark.getAnchor()
        except Exception:  # disposed: removed since
            anchor = None
        if anchor is not None:
            return mark, anchor
    mark = refs.getByName(name)
    return mark, mark.getAnchor()


def _walk(text: Any, note: int, out: List[Found], notes: List[int], footnote: Any) -> None:
    paragraphs = text.createEnumeration()
    while paragraphs.hasMoreElements():
        para = paragraphs.nextElement()
        if para.supportsService("com.sun.star.text.TextTable"):
            for cell in para.getCellNames():
                _walk(para.getCellByName(cell), note, out, notes, footnote)
            continue
        if not para.supportsService("com.sun.star.text.Paragraph"):
            continue
        portions = para.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            kind = portion.TextPortionType
            if kind == "ReferenceMark" and portion.IsStart:
                mark = portion.ReferenceMark
                info = marks.parse_name(mark.getName())
                if info is not None and info.kind == "citation":
                    out.append(Found(mark, info, note, footnote))
            elif kind == "Footnote" and not note:
                notes[0] += 1
                _walk(portion.Footnote, notes[0], out, notes, portion.Footnote)


def bibliographies(doc: Any) -> List[Tuple[Any, marks.MarkName]]:
    """Bibliography sections (ours and Zotero's), in the order Writer lists them."""
    out = []
    sections = doc.getTextSections()
    for name in sections.getElementNames():
        info = marks.parse_name(name)
        if info is not None and info.kind == "bibliography" and info.data is not None:
            out.append((sections.getByName(name), info))
    return out


def document_settings(doc: Any) -> Tuple[str, Optional[str]]:
    """(style, locale): the bibliography's, else Zotero's document preferences, else APA and
    the style's own language (the headless refresh's order)."""
    for _section, info in bibliographies(doc):
        style, locale = marks.settings_of(info)
        if style:
            return style, locale
    style, locale = marks.zotero_preferences(_zotero_prefs_xml(doc))
    return style or marks.DEFAULT_STYLE, locale


def _zotero_prefs_xml(doc: Any) -> str:
    """ZOTERO_PREF_1, _2, … of the document's custom properties, joined in order."""
    try:
        props = doc.getDocumentProperties().getUserDefinedProperties()
        names = [p.Name for p in props.getPropertySetInfo().getProperties()]
    except Exception:  # a document without properties
        return ""
    parts = {}
    for name in names:
        m = re.match(r"^ZOTERO_PREF_(\d+)$", name)
        if m:
            parts[int(m.group(1))] = str(props.getPropertyValue(name))
    return "".join(parts[k] for k in sorted(parts))


# ---- writing text ------------------------------------------------------------------------------
def _insert_runs(text: Any, cursor: Any, runs: List[marks.Run]) -> int:
    """Insert runs at a collapsed cursor, each with its formats (and none of its
    neighbours'); the cursor ends after them. The number of characters inserted."""
    total = 0
    for chunk, formats in runs:
        if not chunk:
            continue
        text.insertString(cursor, chunk, False)
        cursor.goLeft(len(chunk), True)
        cursor.setPropertiesToDefault(_CHAR_PROPS)
        _format(cursor, formats)
        cursor.collapseToEnd()
        total += len(chunk)
    return total


def _format(cursor: Any, formats: Tuple[str, ...]) -> None:
    if "italic" in formats:
        cursor.CharPosture = uno.Enum("com.sun.star.awt.FontSlant", "ITALIC")
    elif "roman" in formats:
        cursor.CharPosture = uno.Enum("com.sun.star.awt.FontSlant", "NONE")
    if "bold" in formats:
        cursor.CharWeight = 150.0
    elif "normal-weight" in formats:
        cursor.CharWeight = 100.0
    if "sup" in formats or "sub" in formats:
        cursor.CharEscapement = 33 if "sup" in formats else -33
        cursor.CharEscapementHeight = 58
    if "small-caps" in formats:
        cursor.CharCaseMap = 4  # com.sun.star.style.CaseMap.SMALLCAPS
    if "underline" in formats:
        cursor.CharUnderline = 1  # com.sun.star.awt.FontUnderline.SINGLE


def _put_mark(doc: Any, text: Any, cursor: Any, name: str, runs: List[marks.Run]) -> None:
    """Write ``runs`` at the collapsed ``cursor`` and a new reference mark around them."""
    length = _insert_runs(text, cursor, runs)
    cursor.goLeft(length, True)
    mark = doc.createInstance("com.sun.star.text.ReferenceMark")
    mark.setName(name)
    text.insertTextContent(cursor, mark, True)


class _Cursors(object):
    """Two text cursors per text (one for a mark's text, one for its formatted runs), moved
    from mark to mark: a new cursor costs a UNO object, moving one does not."""

    def __init__(self) -> None:
        self._by_text: Dict[int, Tuple[Any, Any, Any]] = {}

    def at(self, text: Any, where: Any) -> Tuple[Any, Any]:
        """(a cursor spanning ``where``, a spare cursor) in ``text``."""
        held = self._by_text.get(id(text))
        if held is None:
            held = (text, text.createTextCursorByRange(where), text.createTextCursor())
            self._by_text[id(text)] = held  # the text is held too, so its id stays its own
        else:
            held[1].gotoRange(where, False)
        return held[1], held[2]


def _replace_mark(doc: Any, found: Found, name: str, runs: List[marks.Run], cursors: Optional[_Cursors] = None) -> Any:
    """The mark's text becomes ``runs`` under a new mark named ``name`` (returned): the text
    set in one call, formats put back on the runs that have any, so a plain citation costs a
    handful of UNO calls (a refresh rewrites hundreds)."""
    anchor = found.place()
    text = found.text if found.text is not None else anchor.getText()
    cursor, spare = (cursors or _Cursors()).at(text, anchor)
    text.removeTextContent(found.mark)  # the mark goes, its text stays under the cursor
    cursor.setString(marks.plain(runs))  # the cursor now spans the new text
    cursor.setPropertiesToDefault(_CHAR_PROPS)  # none of the old text's formats
    _format_runs(text, cursor, runs, spare)
    mark = doc.createInstance("com.sun.star.text.ReferenceMark")
    mark.setName(name)
    text.insertTextContent(cursor, mark, True)
    return mark


def _format_runs(text: Any, span: Any, runs: List[marks.Run], cursor: Any = None) -> None:
    """Formats on the runs that have any, within ``span`` (which holds the runs' text, one
    paragraph break counted as one character); ``span`` is left as it was. ``cursor``: a
    cursor of ``text`` to use (moved), else one is made when a run has formats."""
    started = False
    skip = 0
    for chunk, formats in runs:
        if not formats or not chunk:
            skip += len(chunk)
            continue
        if not started:
            if cursor is None:
                cursor = text.createTextCursor()
            cursor.gotoRange(span, False)
            cursor.collapseToStart()
            started = True
        else:
            cursor.collapseToEnd()
        if skip:
            cursor.goRight(skip, False)
        cursor.goRight(len(chunk), True)
        _format(cursor, formats)
        skip = 0


def _replace_section(section: Any, entries: List[List[marks.Run]]) -> None:
    """The section's paragraphs become one per entry (the first paragraph's style kept): the
    whole text set in one call (Writer starts a paragraph at each CR), then the formats."""
    anchor = section.getAnchor()
    text = anchor.getText()
    cursor = text.createTextCursorByRange(anchor)
    runs: List[marks.Run] = []
    for n, entry in enumerate(entries):
        if n:
            runs.append(("\r", ()))
        runs.extend((chunk.replace("\r", " "), formats) for chunk, formats in entry)
    cursor.setString(marks.plain(runs))
    cursor.setPropertiesToDefault(_CHAR_PROPS)
    _format_runs(text, cursor, runs)


HANGING = 1270  # 0.5 in, in 1/100 mm: the hanging indent APA and Chicago ask for


def _lay_out(section: Any, layout: Dict[str, Any]) -> None:
    """The style's layout on the bibliography's paragraphs: a hanging indent (or none), line
    spacing (2: double) and space between entries (in lines)."""
    anchor = section.getAnchor()
    cursor = anchor.getText().createTextCursorByRange(anchor)
    hanging = bool(layout.get("hanging_indent"))
    cursor.ParaLeftMargin = HANGING if hanging else 0
    cursor.ParaFirstLineIndent = -HANGING if hanging else 0
    spacing = uno.createUnoStruct("com.sun.star.style.LineSpacing")
    spacing.Mode = 0  # PROP: a percentage of single spacing
    spacing.Height = 100 * max(1, min(3, int(layout.get("line_spacing") or 1)))
    cursor.ParaLineSpacing = spacing
    cursor.ParaBottomMargin = 423 * max(0, min(3, int(layout.get("entry_spacing") or 0)))  # ~12 pt a line


# ---- the toolbar's commands --------------------------------------------------------------------
def insert_citation(doc: Any, cites: List[Dict[str, Any]], at: Any = None) -> Any:
    """Add Citation: a new citation of ``cites`` (CSL cite-items with ``itemData``) at ``at``
    (a text range; the view cursor's place by default), its text a placeholder until the
    refresh that follows. Inside an existing citation, that citation's cites are replaced
    (Edit Citation). The mark's name."""
    if at is None:
        at = doc.getCurrentController().getViewCursor()
    existing = _citation_at(doc, at)
    if existing is not None:
        data = dict(existing.info.data or {})
        data["citationItems"] = [dict(c) for c in cites]
        name = marks.make_name(existing.info, data)
        _replace_mark(doc, existing, name, [(marks.PLACEHOLDER, ())])
        return name
    text = at.getText()
    cursor = text.createTextCursorByRange(at.getEnd())
    data = marks.new_citation(cites)
    name = marks.make_name(marks.MarkName("bibliofile", "citation", data), data)
    _put_mark(doc, text, cursor, name, [(marks.PLACEHOLDER, ())])
    return name


def _citation_at(doc: Any, at: Any) -> Optional[Found]:
    """The citation mark the range stands in, if any (its text compared within one text)."""
    text = at.getText()
    for found in citations(doc):
        anchor = found.mark.getAnchor()
        if anchor.getText() != text:
            continue
        try:
            # strictly inside: a cursor just before or after a citation adds a new one
            if text.compareRegionStarts(anchor, at) > 0 and text.compareRegionEnds(at, anchor) > 0:
                return found
        except Exception:  # ranges in different texts after all
            continue
    return None


def insert_bibliography(doc: Any, at: Any = None) -> Any:
    """Add Bibliography: a bibliography section at ``at`` (the view cursor's place by default;
    the document's end when None is found there), unless the document has one. The section."""
    existing = bibliographies(doc)
    if existing:
        return existing[0][0]
    style, locale = document_settings(doc)
    return _new_bibliography(doc, style, locale, at)


def _new_bibliography(doc: Any, style: str, locale: Optional[str], at: Any = None) -> Any:
    if at is None:
        try:
            at = doc.getCurrentController().getViewCursor()
        except Exception:  # no view: at the end
            at = doc.getText().getEnd()
    text = at.getText()
    cursor = text.createTextCursorByRange(at.getEnd())
    settings = marks.bibliography_settings(style, locale)
    section = doc.createInstance("com.sun.star.text.TextSection")
    section.setName(marks.make_name(marks.MarkName("bibliofile", "bibliography", settings), settings))
    # Writer puts a new section in a paragraph of its own next to the cursor's
    text.insertTextContent(cursor, section, False)
    return section


def set_preferences(doc: Any, style: str, locale: Optional[str]) -> None:
    """Document Preferences: the style and language, kept in the bibliography's data (a
    bibliography is added at the end when there is none, as a refresh would)."""
    existing = bibliographies(doc)
    if not existing:
        _new_bibliography(doc, style, locale, doc.getText().getEnd())
        return
    for section, info in existing:
        section.setName(marks.make_name(info, marks.with_settings(info, style, locale)))


# One refresh at a time: Add Citation refreshes on its own thread, and a Refresh pressed
# meanwhile must not remove the marks that one is rewriting (UNO serialises each call, not a
# whole refresh).
_REFRESHING = threading.RLock()


class _KeepOpen(unohelper.Base, XCloseListener):  # type: ignore[misc]
    """Refuses to let the document close while a refresh edits it: closing it under a refresh
    (Add Citation refreshes on a thread of its own) crashed soffice. When the closer handed
    the document over (a window closed), it is closed once the refresh is done."""

    def __init__(self) -> None:
        self.close_after = False

    def queryClosing(self, event: Any, gets_ownership: bool) -> None:
        if gets_ownership:
            self.close_after = True
        raise CloseVetoException("Bibliofile is refreshing this document's citations", self)

    def notifyClosing(self, event: Any) -> None:
        pass

    def disposing(self, event: Any) -> None:
        pass


class _Batch(object):
    """One undo step ("Refresh Citations") with the views locked meanwhile: Writer lays out and
    repaints once at the end instead of after each of hundreds of edits. The document is not
    closed meanwhile (see _KeepOpen)."""

    def __init__(self, doc: Any, title: str) -> None:
        self.doc = doc
        self.title = title
        self.keep: Optional[_KeepOpen] = None

    def __enter__(self) -> "_Batch":
        try:
            keep = _KeepOpen()
            self.doc.addCloseListener(keep)
            self.keep = keep
        except Exception:  # a model that cannot be closed by others either
            self.keep = None
        self.doc.lockControllers()
        self.undo = None
        try:
            self.undo = self.doc.getUndoManager()
            self.undo.enterUndoContext(self.title)
        except Exception:  # a document without an undo manager: edits are undone one by one
            self.undo = None
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.undo is not None:
                self.undo.leaveUndoContext()
        finally:
            self.doc.unlockControllers()
            if self.keep is not None:
                self.doc.removeCloseListener(self.keep)
                if self.keep.close_after:  # it was handed to us while the refresh ran
                    try:
                        self.doc.close(True)
                    except Exception:  # someone else keeps it open now: theirs to close
                        pass


def refresh(doc: Any, style: Optional[str] = None, locale: Optional[str] = None) -> Report:
    """Refresh: every citation and the bibliography rendered again, in document order, by the
    running app (the library's current data) or else by the command line (the embedded data).
    ``style``/``locale`` restyle the document and are kept in its bibliography. One undo step."""
    started = time.perf_counter()
    with _REFRESHING, _Batch(doc, "Refresh Citations"):
        report = _refresh(doc, style, locale)
    report.mark("unlock")  # the undo step closed and the views unlocked: Writer lays out here
    report.timings["total"] = round(time.perf_counter() - started, 4)
    return report


def _render(found: List[Found], report: Report) -> Tuple[List[Found], Dict[str, Any], app_link.Rendered, List[str]]:
    """All the usable citations rendered in one request: (them, the request, the answer,
    what is wrong with the others)."""
    usable: List[Found] = []
    problems: List[str] = []
    for n, f in enumerate(found, 1):
        items = (f.info.data or {}).get("citationItems")
        if f.info.data is None or not isinstance(items, list) or not items:
            why = f.info.error or "its data has no citationItems"
            problems.append("Citation %d: %s; it was left as it was." % (n, why))
            continue
        usable.append(f)
    request = marks.render_request([f.info.data or {} for f in usable], [f.note for f in usable],
                                   report.style, report.locale)
    return usable, request, app_link.render(request), problems


def _refresh(doc: Any, style: Optional[str], locale: Optional[str]) -> Report:
    report = Report()
    doc_style, doc_locale = document_settings(doc)
    report.style = style or doc_style
    report.locale = locale if style else (locale or doc_locale)
    same_style = (report.style, report.locale) == (doc_style, doc_locale) and bool(bibliographies(doc))
    found = citations(doc)
    report.mark("find")
    usable, request, rendered, problems = _render(found, report)
    report.mark("render")
    # One request in the usual case: the answer says whether the style is a note style, and
    # only when that moves citations into or out of footnotes (a restyle) are they found and
    # rendered again, their note numbers changed.
    if rendered.note_style is not None and _place_for_style(doc, found, rendered.note_style, report):
        found = citations(doc)
        report.mark("place")
        usable, request, rendered, problems = _render(found, report)
        report.mark("render")
    report.via = rendered.via
    report.problems.extend(problems)
    report.problems.extend(rendered.problems)
    names = {id(f): f.name for f in found}  # each mark's name once refreshed
    cursors = _Cursors()
    for n, (f, runs) in enumerate(zip(usable, rendered.citations)):
        data = dict(f.info.data or {})
        if rendered.items is not None:
            data["citationItems"] = _with_items(data.get("citationItems") or [], rendered.items[n])
        props = dict(data.get("properties") or {}) if isinstance(data.get("properties"), dict) else {}
        props["plainCitation"] = marks.plain(runs)
        if f.info.vendor == "zotero":
            props["formattedCitation"] = marks.plain(runs)
        props["noteIndex"] = request["citations"][n]["properties"]["noteIndex"]
        data["properties"] = props
        if f.info.vendor == "bibliofile":
            data["version"] = marks.MARK_VERSION
        name = marks.make_name(f.info, data)
        # unchanged (same data, same text, same style): left alone, so a second refresh of a
        # long document touches only what changed
        if not (same_style and name == f.name and f.shown() == marks.plain(runs)):
            f.mark = _replace_mark(doc, f, name, runs, cursors)
            names[id(f)] = name
            report.rewritten += 1
        report.refreshed += 1
    _remember(doc, [names[id(f)] for f in found], {names[id(f)]: f.mark for f in found})
    report.entries = len(rendered.entries)
    report.mark("citations")
    sections = bibliographies(doc)
    if not sections and found:
        _new_bibliography(doc, report.style, report.locale, doc.getText().getEnd())
        sections = bibliographies(doc)
    for section, info in sections:
        section.setName(marks.make_name(info, marks.with_settings(info, report.style, report.locale)))
        _replace_section(section, rendered.entries)
        if rendered.layout is not None:
            _lay_out(section, rendered.layout)
    report.mark("bibliography")
    return report


# ---- footnotes for note styles -------------------------------------------------------------------
def _place_for_style(doc: Any, found: List[Found], note_style: bool, report: Report) -> bool:
    """A note style puts each citation standing in the text into a new footnote there; an
    in-text style takes a citation that is alone in its footnote back into the text (as the
    headless refresh and Zotero do). Whether anything moved. (What finding the marks kept is
    used: their names, texts and places; cursors are moved, not made, as in a rewrite.)"""
    moved = False
    cursors = _Cursors()
    in_note: Dict[int, int] = {}
    for f in found:
        in_note[f.note] = in_note.get(f.note, 0) + 1
    for f in found:
        if f.info.data is None:
            continue  # left as it was, and named by the refresh
        if note_style and not f.note:
            _into_footnote(doc, f, cursors)
            report.moved_to_notes += 1
            moved = True
        elif not note_style and f.note and in_note[f.note] == 1 and _alone_in_note(f):
            _out_of_footnote(doc, f)
            report.moved_to_text += 1
            moved = True
    return moved


def _alone_in_note(f: Found) -> bool:
    """The footnote holds the citation and nothing else (the writer's own note text stays)."""
    return f.footnote is not None and f.footnote.getString().strip() == f.shown().strip()


def _into_footnote(doc: Any, f: Found, cursors: _Cursors) -> None:
    anchor = f.place()
    text = f.text if f.text is not None else anchor.getText()
    name, shown = f.name, f.shown()
    cursor, _spare = cursors.at(text, anchor)
    text.removeTextContent(f.mark)
    cursor.setString("")
    cursor.collapseToStart()
    if cursor.goLeft(1, True) and cursor.getString() == " ":
        cursor.setString("")  # the space before an in-text citation goes with it
    cursor.collapseToEnd()
    footnote = doc.createInstance("com.sun.star.text.Footnote")
    text.insertTextContent(cursor, footnote, False)
    _set_mark(doc, footnote, footnote.createTextCursor(), name, shown)


def _out_of_footnote(doc: Any, f: Found) -> None:
    name, shown = f.name, f.shown()
    anchor = f.footnote.getAnchor()
    text = anchor.getText()
    cursor = text.createTextCursorByRange(anchor)
    cursor.collapseToStart()
    text.removeTextContent(f.footnote)
    text.insertString(cursor, " ", False)
    _set_mark(doc, text, cursor, name, shown)


def _set_mark(doc: Any, text: Any, cursor: Any, name: str, shown: str) -> None:
    """``shown`` (plain: the rewrite that follows formats it) at the collapsed ``cursor``,
    under a new mark named ``name``."""
    cursor.setString(shown)  # the cursor now spans it
    mark = doc.createInstance("com.sun.star.text.ReferenceMark")
    mark.setName(name)
    text.insertTextContent(cursor, mark, True)


def _with_items(cites: List[Any], items: List[Any]) -> List[Any]:
    """The cites with the items the app rendered from (a corrected title reaches the document)."""
    out = []
    for cite, item in zip(cites, items):
        if isinstance(cite, dict) and isinstance(item, dict):
            cite = dict(cite)
            item = dict(item)
            item["id"] = cite.get("id")
            cite["itemData"] = item
        out.append(cite)
    return out
