"""A reference as plain data, the unit every layer passes around.

``fields`` holds decoded Unicode values keyed by our field keys (see ``fields.py``); ``extra``
keeps fields this version does not understand, as their raw source text, so they survive a round
trip. ``source`` keeps what the record was imported from, byte for byte, so an unedited entry is
written back exactly as it came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bibliofile.model.creators import Creator, authors_display
from bibliofile.model.dates import PartialDate


@dataclass(slots=True)
class SourceRecord:
    """The original text of an imported record and where it came from.

    ``prefix`` is the exact text between the previous block and this one (blank lines, stray
    text), so a whole file can be written back unchanged.
    ``raw_fields`` are the entry's fields in file order as (name as written, raw value text
    including its braces/quotes); ``entry_type`` is the type as written ("InProceedings").
    """

    format: str
    text: str
    entry_type: str = ""
    raw_fields: list[tuple[str, str]] = field(default_factory=list)
    file: str = ""
    line: int = 0
    prefix: str = ""


@dataclass(slots=True)
class Reference:
    item_type: str = "article-journal"
    fields: dict[str, str] = field(default_factory=dict)
    creators: list[Creator] = field(default_factory=list)
    citation_key: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    source: SourceRecord | None = None
    id: int | None = None
    edited: bool = False

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def date(self) -> PartialDate:
        return PartialDate.parse(self.fields.get("date", ""))

    @property
    def year(self) -> int | None:
        return self.date.year

    @property
    def authors_display(self) -> str:
        return authors_display(self.creators)

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)
