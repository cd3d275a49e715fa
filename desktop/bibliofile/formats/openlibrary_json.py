"""Open Library's Books API answer (``/api/books?bibkeys=ISBN:…&jscmd=data&format=json``) as
References: one book per requested ISBN it knows; ``{}`` when it knows none. Names are written
"Given Family" there, publishers and places are lists of ``{"name"}``. Pure; never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.model.creators import Creator
from bibliofile.model.dates import PartialDate
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference, SourceRecord

__all__ = ["read_openlibrary_books"]


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    out = []
    for v in value:
        name = v.get("name") if isinstance(v, dict) else v
        if isinstance(name, str) and name.strip():
            out.append(" ".join(name.split()))
    return out


def _person(name: str) -> Creator:
    if " " not in name:
        return Creator.institution(name)
    given, _, family = name.rpartition(" ")
    return Creator(family=family, given=given)


def read_openlibrary_books(text: str, file: str = "<openlibrary>") -> ReadResult:
    result = ReadResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(Problem(file, exc.lineno, f"the answer is not valid JSON ({exc.msg}); nothing was read", True))
        return result
    except RecursionError:
        result.problems.append(Problem(file, 1, "the answer is nested too deeply to read; nothing was read", True))
        return result
    if not isinstance(data, dict):
        result.problems.append(Problem(file, 1, "the answer is not an Open Library books object; nothing was read", True))
        return result
    result.entries_in_file = len(data)
    for bibkey, book in data.items():
        if not isinstance(book, dict) or not isinstance(book.get("title"), str) or not book["title"].strip():
            result.problems.append(Problem(file, 1, f"{bibkey}: no title; skipped", True))
            continue
        ref = Reference(item_type="book")
        f = ref.fields
        title = " ".join(book["title"].split())
        subtitle = book.get("subtitle")
        f["title"] = f"{title}: {' '.join(subtitle.split())}" if isinstance(subtitle, str) and subtitle.strip() else title
        publishers = _names(book.get("publishers"))
        if publishers:
            f["publisher"] = publishers[0]
        places = _names(book.get("publish_places"))
        if places:
            f["publisher_place"] = places[0]
        when = book.get("publish_date")
        if isinstance(when, str):
            m = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", when)
            date = PartialDate.parse(when)
            if date.is_empty or date.literal:
                date = PartialDate(int(m.group(1))) if m else date
            if not date.is_empty and not date.literal:
                f["date"] = date.iso()
        pages = book.get("number_of_pages")
        if isinstance(pages, int) and pages > 0:
            f["number_of_pages"] = str(pages)
        ids = book.get("identifiers") if isinstance(book.get("identifiers"), dict) else {}
        isbn = bibkey.split(":", 1)[1] if bibkey.upper().startswith("ISBN:") else ""
        if not isbn:
            found = (ids.get("isbn_13") or ids.get("isbn_10") or [""]) if isinstance(ids, dict) else [""]
            isbn = str(found[0]) if isinstance(found, list) and found else ""
        if isbn:
            f["isbn"] = isbn
        url = book.get("url")
        if isinstance(url, str) and url.startswith("https://"):
            f["url"] = url
        for name in _names(book.get("authors")):
            ref.creators.append(_person(name))
        ref.source = SourceRecord(format="openlibrary", text=json.dumps(book, ensure_ascii=False), file=file, line=1)
        result.items.append(ref)
    return result
