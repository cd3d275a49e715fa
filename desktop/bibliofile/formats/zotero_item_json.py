"""Zotero's own item JSON (the web API, "Export > Zotero JSON", translator test cases) as CSL-JSON.

It looks like CSL-JSON (a list of objects with a ``title``) but names everything differently:
``itemType`` instead of ``type``, ``creators`` with a ``creatorType`` instead of ``author`` and
``editor`` lists, ``publicationTitle``/``bookTitle``/... instead of ``container-title``. Read as
CSL-JSON it gave references with a title and nothing else, cited as "(N.d.)". Each item is
converted here to the CSL-JSON item Zotero itself would export (the table follows Zotero's
field names and its CSL export of every item type), so both the importer and ``cite`` read it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["is_zotero_item", "zotero_to_csl"]

CslItem = dict[str, Any]

# Zotero item type -> CSL type, as Zotero exports them.
TYPES: dict[str, str] = {
    "artwork": "graphic", "audioRecording": "song", "bill": "bill", "blogPost": "post-weblog",
    "book": "book", "bookSection": "chapter", "case": "legal_case", "computerProgram": "software",
    "conferencePaper": "paper-conference", "dataset": "dataset", "dictionaryEntry": "entry-dictionary",
    "document": "document", "email": "personal_communication", "encyclopediaArticle": "entry-encyclopedia",
    "film": "motion_picture", "forumPost": "post", "hearing": "hearing",
    "instantMessage": "personal_communication", "interview": "interview",
    "journalArticle": "article-journal", "letter": "personal_communication",
    "magazineArticle": "article-magazine", "manuscript": "manuscript", "map": "map",
    "newspaperArticle": "article-newspaper", "patent": "patent", "podcast": "broadcast",
    "preprint": "article", "presentation": "speech", "radioBroadcast": "broadcast",
    "report": "report", "standard": "standard", "statute": "legislation", "thesis": "thesis",
    "tvBroadcast": "broadcast", "videoRecording": "motion_picture", "webpage": "webpage",
}
# Zotero items that are not references at all.
NOT_REFERENCES = frozenset({"note", "attachment", "annotation"})

# Zotero field (its own name or a type-specific name of the same base field) -> CSL variable.
_FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title", "caseName", "nameOfAct", "subject"),
    "abstract": ("abstractNote",),
    "container-title": (
        "publicationTitle", "bookTitle", "proceedingsTitle", "encyclopediaTitle", "dictionaryTitle",
        "blogTitle", "forumTitle", "websiteTitle", "programTitle", "code", "reporter",
    ),
    "collection-title": ("series", "seriesTitle"),
    "collection-number": ("seriesNumber",),
    "volume": ("volume", "codeVolume", "reporterVolume", "codeNumber"),
    "number-of-volumes": ("numberOfVolumes",),
    "edition": ("edition",),
    "publisher-place": ("place",),
    "publisher": (
        "publisher", "label", "company", "distributor", "network", "studio", "university",
        "institution", "repository",
    ),
    "page": ("pages", "codePages", "firstPage"),
    "number-of-pages": ("numPages",),
    "language": ("language",),
    "ISBN": ("ISBN",),
    "ISSN": ("ISSN",),
    "DOI": ("DOI",),
    "URL": ("url",),
    "title-short": ("shortTitle",),
    "archive": ("archive",),
    "archive_location": ("archiveLocation",),
    "source": ("libraryCatalog",),
    "call-number": ("callNumber", "applicationNumber"),
    "license": ("rights",),
    "note": ("extra",),
    "issue": ("issue", "priorityNumbers"),
    "number": (
        "number", "billNumber", "docketNumber", "documentNumber", "episodeNumber", "patentNumber",
        "reportNumber", "publicLawNumber", "archiveID", "identifier",
    ),
    "genre": (
        "type", "genre", "websiteType", "letterType", "manuscriptType", "mapType",
        "presentationType", "reportType", "thesisType", "postType", "programmingLanguage",
    ),
    "medium": (
        "medium", "artworkMedium", "audioRecordingFormat", "videoRecordingFormat",
        "interviewMedium", "audioFileType", "system",
    ),
    "container-title-short": ("journalAbbreviation",),
    "event-title": ("conferenceName", "meetingName"),
    "section": ("section", "committee"),
    "dimensions": ("runningTime", "artworkSize"),
    "scale": ("scale",),
    "version": ("versionNumber",),
    "authority": ("authority", "court", "legislativeBody", "issuingAuthority", "organization"),
    "references": ("history", "references"),
    "chapter-number": ("session",),
    "status": ("legalStatus", "status"),
    "PMID": ("PMID",),
    "PMCID": ("PMCID",),
    "citation-key": ("citationKey",),
}
FIELDS: dict[str, str] = {z: csl for csl, names in _FIELD_GROUPS.items() for z in names}
DATES: dict[str, str] = {
    "date": "issued", "dateDecided": "issued", "dateEnacted": "issued", "issueDate": "issued",
    "accessDate": "accessed", "filingDate": "submitted",
}
# A field that wins over another for the same variable (journal articles have both).
_PREFERRED: dict[str, str] = {"seriesTitle": "series"}
# Zotero's bookkeeping: not part of the reference.
_IGNORED = frozenset(
    {
        "itemType", "creators", "tags", "collections", "relations", "key", "version", "itemKey",
        "itemID", "dateAdded", "dateModified", "notes", "attachments", "seeAlso", "uri",
        "parentItem", "deleted", "inPublications", "library", "links", "meta",
    }
)

# Zotero creator type -> CSL name variable (its primary types cite as the author).
CREATORS: dict[str, str] = {
    "author": "author", "artist": "author", "cartographer": "author", "creator": "author",
    "interviewee": "author", "inventor": "author", "performer": "author", "presenter": "author",
    "programmer": "author", "sponsor": "author", "bookAuthor": "container-author",
    "castMember": "performer", "podcaster": "host", "seriesEditor": "collection-editor",
    "originalCreator": "original-author", "reviewedAuthor": "reviewed-author",
    "scriptwriter": "script-writer", "seriesCreator": "series-creator",
    "executiveProducer": "executive-producer", "chair": "chair", "composer": "composer",
    "contributor": "contributor", "director": "director", "editor": "editor", "guest": "guest",
    "host": "host", "interviewer": "interviewer", "narrator": "narrator", "organizer": "organizer",
    "producer": "producer", "recipient": "recipient", "translator": "translator",
}
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


def is_zotero_item(obj: object) -> bool:
    """Zotero's item JSON, not CSL-JSON: an ``itemType`` and no CSL ``type``."""
    if not isinstance(obj, dict) or "type" in obj:
        return False
    if isinstance(obj.get("itemType"), str):
        return True
    data = obj.get("data")  # the web API wraps each item: {"key", "version", "data": {...}}
    return isinstance(data, dict) and isinstance(data.get("itemType"), str) and "type" not in data


def zotero_to_csl(obj: dict[str, Any]) -> tuple[CslItem | None, dict[str, str], list[str]]:
    """The CSL-JSON item for a Zotero item, the fields CSL has no variable for, and notes.

    Returns no item for notes and attachments (they are not references).
    """
    data = obj["data"] if isinstance(obj.get("data"), dict) and "itemType" not in obj else obj
    notes: list[str] = []
    zotero_type = str(data.get("itemType", ""))
    if zotero_type in NOT_REFERENCES:
        return None, {}, [f"a Zotero {zotero_type}, not a reference; skipped"]
    csl_type = TYPES.get(zotero_type)
    if csl_type is None:
        notes.append(f"Zotero item type {zotero_type!r} has no match here; read as a document")
        csl_type = "document"
    item: CslItem = {"type": csl_type}
    leftover: dict[str, str] = {}
    for name, value in data.items():
        if name in _IGNORED or value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else str(value) if isinstance(value, int | float) else None
        variable = FIELDS.get(name)
        date_variable = DATES.get(name)
        if text is None:
            notes.append(f"Zotero field {name!r} is not text; not read")
        elif date_variable is not None:
            m = _ISO_DATETIME.match(text)
            item.setdefault(date_variable, {"raw": m.group(1) if m else text})
        elif variable is not None:
            if variable not in item:
                item[variable] = text
            elif name in _PREFERRED:  # Zotero's own export picks this one
                leftover[f"zotero:{_PREFERRED[name]}"] = item[variable]
                item[variable] = text
            else:
                leftover[f"zotero:{name}"] = text  # a second field for the same variable
        else:
            leftover[f"zotero:{name}"] = text
    if csl_type in ("paper-conference", "speech") and "publisher-place" in item:
        item["event-place"] = item["publisher-place"]  # Zotero's "place" is both
    _creators(data.get("creators"), item, notes)
    tags = data.get("tags")
    if isinstance(tags, list):
        words = [str(t.get("tag")) if isinstance(t, dict) else str(t) for t in tags]
        words = [w for w in words if w and w != "None"]
        if words:
            item["keyword"] = ", ".join(words)
    return item, leftover, notes


def _creators(creators: object, item: CslItem, notes: list[str]) -> None:
    if creators is None:
        return
    if not isinstance(creators, list):
        notes.append("Zotero creators is not a list; no names read")
        return
    for c in creators:
        if not isinstance(c, dict):
            notes.append("a Zotero creator is not an object; skipped")
            continue
        kind = str(c.get("creatorType") or "author")
        variable = CREATORS.get(kind)
        if variable is None:
            notes.append(f"Zotero creator type {kind!r} read as a contributor")
            variable = "contributor"
        if c.get("name"):
            name: dict[str, str] = {"literal": str(c["name"])}
        else:
            name = {k: str(c[z]) for z, k in (("lastName", "family"), ("firstName", "given")) if c.get(z)}
        if name:
            item.setdefault(variable, []).append(name)
