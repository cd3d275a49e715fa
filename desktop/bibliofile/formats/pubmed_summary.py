"""NCBI E-utilities answers for PubMed: ``esummary`` DocSums (version 1 XML) as References, and
``esearch`` id lists (how a PMCID is turned into its PMID: ``term=PMC…[pmcid]``).

DocSum items are ``<Item Name="Title">``-style pairs; names are MEDLINE's short form
("LoPresti PJ", "Hambrick GW Jr"), dates "1965 Aug", pages "188-91" (expanded as the MEDLINE
reader does). XML is parsed with defusedxml; the readers never raise.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.medline import _date as medline_date
from bibliofile.formats.medline import _short_name, expand_pages
from bibliofile.model.creators import Creator
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["read_esearch_ids", "read_esummary"]

_SUFFIX = re.compile(r"^(.*\S)\s+(Jr|Sr|II|III|IV|2nd|3rd)\.?$")


def _parse(text: str, file: str, result: ReadResult) -> ET.Element | None:
    try:
        return SafeET.fromstring(text)  # type: ignore[no-any-return]
    except DefusedXmlException as exc:
        result.problems.append(Problem(file, 1, f"the answer was refused as unsafe XML ({type(exc).__name__}); nothing was read", True))
        return None
    except (ET.ParseError, ValueError) as exc:
        line = getattr(exc, "position", (1, 0))[0]
        result.problems.append(Problem(file, line, f"the answer is not valid XML ({exc}); nothing was read", True))
    except Exception as exc:  # defusedxml refusing entities or DTDs
        result.problems.append(Problem(file, 1, f"the answer was refused as unsafe XML ({type(exc).__name__}); nothing was read", True))
    return None


def _author(value: str) -> Creator:
    m = _SUFFIX.match(value.strip())
    if m is None:
        return _short_name(value)
    c = _short_name(m.group(1))
    return Creator(role=c.role, family=c.family, given=c.given, literal=c.literal, suffix=m.group(2) if not c.literal else "")


def read_esummary(text: str, file: str = "<esummary>") -> ReadResult:
    result = ReadResult()
    root = _parse(text, file, result)
    if root is None:
        return result
    if root.tag != "eSummaryResult":
        result.problems.append(Problem(file, 1, "the answer is not an E-utilities summary; nothing was read", True))
        return result
    for err in root.iter("ERROR"):
        result.problems.append(Problem(file, 1, f"PubMed: {' '.join((err.text or '').split())}", True))
    docs = root.findall("DocSum")
    result.entries_in_file = len(docs)
    for doc in docs:
        pmid = (doc.findtext("Id") or "").strip()
        items = {i.get("Name", ""): i for i in doc.findall("Item")}

        def value(name: str, items: dict[str, ET.Element] = items) -> str:
            el = items.get(name)
            return " ".join((el.text or "").split()) if el is not None else ""

        title = value("Title").rstrip()
        if title.endswith(".") and not title.endswith(".."):
            title = title[:-1]  # MEDLINE ends every title with a full stop
        if not title:
            result.problems.append(Problem(file, 1, f"PubMed record {pmid or '?'} has no title; skipped", True))
            continue
        ref = Reference(item_type="article-journal")
        f = ref.fields
        f["title"] = title
        if pmid:
            f["pmid"] = pmid
        journal = value("FullJournalName") or value("Source")
        if journal:
            f["container_title"] = journal
        for key, name in (("volume", "Volume"), ("issue", "Issue")):
            if value(name):
                f[key] = value(name)
        if value("Pages"):
            f["pages"] = expand_pages(value("Pages"))
        date = medline_date(value("PubDate")) if value("PubDate") else ""
        if date:
            f["date"] = date
        issn = value("ISSN") or value("ESSN")
        if issn:
            f["issn"] = issn
        langs = items.get("LangList")
        if langs is not None:
            first = next((" ".join((x.text or "").split()) for x in langs.findall("Item")), "")
            if first:
                f["language"] = first
        ids = items.get("ArticleIds")
        if ids is not None:
            for x in ids.findall("Item"):
                name, val = x.get("Name", ""), " ".join((x.text or "").split())
                if name == "doi" and val:
                    f.setdefault("doi", val)
                elif name == "pmc" and val.upper().startswith("PMC"):
                    f.setdefault("pmcid", val.upper())
        if "doi" not in f and value("DOI"):
            f["doi"] = value("DOI")
        authors = items.get("AuthorList")
        if authors is not None:
            for a in authors.findall("Item"):
                name = " ".join((a.text or "").split())
                if name:
                    ref.creators.append(_author(name))
        ref.source = SourceRecord(format="pubmed-esummary", text=ET.tostring(doc, encoding="unicode"), file=file, line=1)
        result.items.append(ref)
    return result


def read_esearch_ids(text: str, file: str = "<esearch>") -> tuple[list[str], list[Problem]]:
    """The ids an ``esearch`` found, in order."""
    result = ReadResult()
    root = _parse(text, file, result)
    if root is None:
        return [], result.problems
    if root.tag != "eSearchResult":
        return [], [Problem(file, 1, "the answer is not an E-utilities search result", True)]
    ids = [" ".join((i.text or "").split()) for i in root.findall("IdList/Id")]
    return [i for i in ids if i.isdigit()], result.problems
