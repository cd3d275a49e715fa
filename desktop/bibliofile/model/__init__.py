"""Plain data of a reference library: no Qt, no SQLAlchemy, so every layer can share it."""

from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.dates import PartialDate
from bibliofile.model.item_types import ITEM_TYPES, ItemType, item_type
from bibliofile.model.reference import Reference, SourceRecord

__all__ = [
    "ITEM_TYPES",
    "Creator",
    "CreatorRole",
    "ItemType",
    "PartialDate",
    "Reference",
    "SourceRecord",
    "item_type",
]
