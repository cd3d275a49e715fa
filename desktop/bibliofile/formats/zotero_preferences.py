"""Zotero's document preferences: the style and language a document was last formatted in.

Zotero keeps them as one XML string split over numbered document properties ZOTERO_PREF_1,
_2, … (user-defined properties of meta.xml in an .odt, custom properties of
docProps/custom.xml in a .docx); its ``<style id="http://www.zotero.org/styles/apa"
locale="en-US">`` names the style. Only where the properties live differs between the
formats, so each format says how to list them and the reading is done once, here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from defusedxml.ElementTree import fromstring as safe_fromstring  # type: ignore[import-untyped]

# A properties part's root element -> its (name, text) properties
Properties = Callable[[Any], Iterable[tuple[str, str]]]


def zotero_preferences(part: bytes | None, properties: Properties) -> tuple[str | None, str | None]:
    """(style, locale) from the ZOTERO_PREF_n properties of ``part``, or (None, None).

    The style is given back as the short id our catalogue knows. A damaged part only loses
    this hint: defusedxml's refusals and parse errors alike give (None, None).
    """
    if not part:
        return None, None
    try:
        root = safe_fromstring(part)
        parts: dict[int, str] = {}
        for name, text in properties(root):
            m = re.fullmatch(r"ZOTERO_PREF_(\d+)", name)
            if m:
                parts[int(m.group(1))] = text
        if not parts:
            return None, None
        style_el = safe_fromstring("".join(parts[k] for k in sorted(parts))).find("style")
    except Exception:  # defusedxml's refusals and ParseError alike: no hint, nothing else lost
        return None, None
    if style_el is None:
        return None, None
    sid = style_el.get("id") or None
    if sid:
        sid = re.sub(r"^https?://www\.zotero\.org/styles/", "", sid)
    return sid, style_el.get("locale") or None
