"""Plain data of a reference library: no Qt, no SQLAlchemy, so every layer can share it."""

from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate
from bibliofile.model.reference import Reference, SourceRecord
from bibliofile.model.item_types import ItemType, ITEM_TYPES, item_type

__all__ = [
    "Creator",
    "CreatorRole",
    "PartialDate",
    "Reference",
    "SourceRecord",
    "ItemType",
    "ITEM_TYPES",
    "item_type",
]
