"""Creators (authors, editors, ...) as ordered, role-tagged, structured names.

A creator is either a person split the BibTeX way (given / particle / family / suffix) or a
literal name for an institution, which must never be split ("World Health Organization").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CreatorRole(StrEnum):
    """Roles shared by CSL name variables and BibLaTeX name lists."""

    AUTHOR = "author"
    EDITOR = "editor"
    TRANSLATOR = "translator"
    BOOK_AUTHOR = "container-author"
    SERIES_EDITOR = "collection-editor"
    DIRECTOR = "director"
    INTERVIEWER = "interviewer"
    RECIPIENT = "recipient"
    INVENTOR = "inventor"
    CONTRIBUTOR = "contributor"
    REVIEWED_AUTHOR = "reviewed-author"
    COMPOSER = "composer"
    ILLUSTRATOR = "illustrator"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").replace("container ", "book ").replace(
            "collection ", "series "
        ).capitalize()


@dataclass(frozen=True, slots=True)
class Creator:
    """One name in an ordered creator list.

    ``literal`` is set (and the other parts empty) for institutional names; ``others`` marks the
    BibTeX "and others" tail so it survives a round trip and can render as "et al.".
    """

    role: CreatorRole = CreatorRole.AUTHOR
    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""
    others: bool = False

    @classmethod
    def institution(cls, name: str, role: CreatorRole = CreatorRole.AUTHOR) -> Creator:
        return cls(role=role, literal=name)

    @classmethod
    def et_al(cls, role: CreatorRole = CreatorRole.AUTHOR) -> Creator:
        return cls(role=role, others=True)

    @property
    def is_literal(self) -> bool:
        return bool(self.literal)

    @property
    def sort_name(self) -> str:
        """The name a table sorts on: family name without its particle (as Zotero and CSL do)."""
        if self.others:
            return "~"
        if self.literal:
            return self.literal
        return self.family

    @property
    def short_name(self) -> str:
        """Family name with its particle ("van der Berg"), or the literal name."""
        if self.others:
            return "others"
        if self.literal:
            return self.literal
        return f"{self.particle} {self.family}".strip()

    @property
    def full_name(self) -> str:
        """Display order: "Hans van der Berg Jr"."""
        if self.others:
            return "et al."
        if self.literal:
            return self.literal
        parts = [self.given, self.particle, self.family]
        name = " ".join(p for p in parts if p)
        return f"{name}, {self.suffix}" if self.suffix else name

    @property
    def inverted_name(self) -> str:
        """Sort order as BibTeX writes it: "van der Berg, Jr, Hans"."""
        if self.others:
            return "others"
        if self.literal:
            return self.literal
        last = f"{self.particle} {self.family}".strip()
        if self.suffix:
            return f"{last}, {self.suffix}, {self.given}" if self.given else f"{last}, {self.suffix},"
        return f"{last}, {self.given}" if self.given else last


def authors_display(creators: list[Creator] | tuple[Creator, ...]) -> str:
    """The table's Authors column: "Knox", "Knox & Smith", "Knox et al."; editors if no authors."""
    people = [c for c in creators if c.role is CreatorRole.AUTHOR]
    if not people:
        people = [c for c in creators if c.role is CreatorRole.EDITOR]
    if not people:
        people = list(creators)
    has_others = any(c.others for c in people)
    named = [c for c in people if not c.others]
    if not named:
        return ""
    if len(named) == 1:
        return named[0].short_name + (" et al." if has_others else "")
    if len(named) == 2 and not has_others:
        return f"{named[0].short_name} & {named[1].short_name}"
    return f"{named[0].short_name} et al."
