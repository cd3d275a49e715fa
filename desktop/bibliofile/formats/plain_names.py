"""Names as RIS, MEDLINE and EndNote write them: "Family, Given" / "Family, Given, Suffix".

These formats have one name per line, so there is no BibTeX "and" splitting and no braces: a
name without a comma is an institution ("World Health Organization") and must stay whole. A
leading run of lower-case words in the family part is a particle ("van der Berg, Hans").
"""

from __future__ import annotations

from bibliofile.model.creators import Creator, CreatorRole

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd"})


def parse_plain_name(text: str, role: CreatorRole = CreatorRole.AUTHOR) -> Creator | None:
    """One name; None when the text is empty."""
    t = " ".join(text.split())
    if not t:
        return None
    if "," not in t:
        return Creator.institution(t, role)
    family_part, _, rest = t.partition(",")
    given, suffix = rest.strip(), ""
    if "," in given:
        a, _, b = given.partition(",")
        a, b = a.strip(), b.strip()
        # "Family, Jr, Given" (BibTeX order) or "Family, Given, Jr" (RIS order)
        if a.lower() in _SUFFIXES and b.lower() not in _SUFFIXES:
            given, suffix = b, a
        else:
            given, suffix = a, b
    particle, family = split_particle(family_part.strip())
    return Creator(role=role, family=family, given=given, particle=particle, suffix=suffix)


def split_particle(family: str) -> tuple[str, str]:
    """("van der", "Berg") from "van der Berg"; the last word is always the family name."""
    words = family.split(" ")
    n = 0
    while n < len(words) - 1 and words[n][:1].islower():
        n += 1
    return " ".join(words[:n]), " ".join(words[n:])


def format_plain_name(c: Creator) -> str:
    """The inverse of ``parse_plain_name``: "van der Berg, Hans, Jr"; "Plato," for a lone family."""
    if c.literal:
        return c.literal
    family = f"{c.particle} {c.family}".strip()
    out = f"{family}, {c.given}" if c.given else f"{family},"
    if c.suffix:
        out = f"{family}, {c.given}, {c.suffix}"
    return out
