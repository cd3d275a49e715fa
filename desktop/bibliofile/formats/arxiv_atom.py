"""arXiv's export API answers (an Atom feed) as References.

Each ``<entry>`` is a preprint: title, authors, abstract, first-version date, the arXiv id as
``eprint`` (type ``arxiv``, the version kept apart) and, when the authors recorded a published
version, its DOI (``arxiv:doi``) and journal reference; the lookup service then follows that
DOI for the published record. An id arXiv does not know comes back as a feed without entries
(or, for a malformed id, one entry titled "Error"): no items, and a problem that says so.
XML is parsed with defusedxml (no entities, no external DTDs).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.model.creators import Creator
from bibliofile.model.dates import PartialDate
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["arxiv_id_from_url", "read_arxiv_atom"]

_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "os": "http://a9.com/-/spec/opensearch/1.1/"}
_ID = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")


def arxiv_id_from_url(url: str) -> tuple[str, str]:
    """("1706.03762", "v7") from "http://arxiv.org/abs/1706.03762v7"; ("", "") for others."""
    m = _ID.search(url.strip())
    return (m.group(1), m.group(2) or "") if m else ("", "")


def _text(el: ET.Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _name(text: str) -> Creator | None:
    """arXiv names are "Given Family" as the authors typed them; a name with no space, or one
    that names a group ("H1 Collaboration"), is kept whole."""
    t = " ".join(text.split())
    if not t:
        return None
    if " " not in t or re.search(r"\b(collaboration|consortium|group|team|project)\b", t, re.I):
        return Creator.institution(t)
    given, _, family = t.rpartition(" ")
    return Creator(family=family, given=given)


def read_arxiv_atom(text: str, file: str = "<arxiv>") -> ReadResult:
    result = ReadResult()
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as exc:
        result.problems.append(Problem(file, 1, f"the answer was refused as unsafe XML ({type(exc).__name__}); nothing was read", True))
        return result
    except (ET.ParseError, ValueError) as exc:
        line = getattr(exc, "position", (1, 0))[0]
        result.problems.append(Problem(file, line, f"the answer is not valid XML ({exc}); nothing was read", True))
        return result
    except Exception as exc:  # defusedxml's refusals (entities, DTDs) and the like
        result.problems.append(Problem(file, 1, f"the answer was refused as unsafe XML ({type(exc).__name__}); nothing was read", True))
        return result
    if root.tag != f"{{{_NS['a']}}}feed":
        result.problems.append(Problem(file, 1, "the answer is not an arXiv Atom feed; nothing was read", True))
        return result
    entries = root.findall("a:entry", _NS)
    result.entries_in_file = len(entries)
    for entry in entries:
        url = _text(entry.find("a:id", _NS))
        title = _text(entry.find("a:title", _NS))
        if "/api/errors" in url or title == "Error":
            summary = _text(entry.find("a:summary", _NS))
            result.problems.append(Problem(file, 1, f"arXiv: {summary or 'error'}", True))
            continue
        arxiv_id, version = arxiv_id_from_url(url)
        if not arxiv_id or not title:
            result.problems.append(Problem(file, 1, "an entry without an arXiv id or title; skipped", True))
            continue
        ref = Reference(item_type="article")
        f = ref.fields
        f["title"] = title
        f["eprint"] = arxiv_id
        f["eprint_type"] = "arxiv"
        f["url"] = f"https://arxiv.org/abs/{arxiv_id}{version}"
        if version:
            f["version"] = version
        published = _text(entry.find("a:published", _NS))
        date = PartialDate.parse(published[:10]) if published else PartialDate()
        if not date.is_empty:
            f["date"] = date.iso()
        abstract = _text(entry.find("a:summary", _NS))
        if abstract:
            f["abstract"] = abstract
        doi = _text(entry.find("arxiv:doi", _NS))
        if doi:
            f["doi"] = doi
        journal = _text(entry.find("arxiv:journal_ref", _NS))
        if journal:
            f["note"] = f"Published as: {journal}"
        for author in entry.findall("a:author", _NS):
            c = _name(_text(author.find("a:name", _NS)))
            if c is not None:
                ref.creators.append(c)
        ref.source = SourceRecord(format="arxiv", text=ET.tostring(entry, encoding="unicode"), file=file, line=1)
        result.items.append(ref)
    return result
