"""CSL locales (terms, date formats, punctuation per language) and how a requested tag resolves.

The locale files come from the official citation-style-language/locales repository as shipped in
the PyPI package ``citeproc-py`` (``citeproc/data/locales``), which tracks that repository (its
en-US locale carries the CSL 1.0.2 terms). The npm packages that carry CSL locales are frozen at
2015 copies, so the Python package is the maintained source. Only the data files are used: the
package directory is found without importing its code.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path

DEFAULT_LOCALE = "en-US"
LOCALES_PACKAGE = "citeproc"


class LocaleDataMissing(RuntimeError):
    """The locale files are not installed (the Python environment is incomplete)."""


@cache
def locales_dir() -> Path:
    """The folder holding ``locales-*.xml``; found once, then reused."""
    spec = importlib.util.find_spec(LOCALES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocaleDataMissing(
            "The CSL locales (Python package citeproc-py) are not installed; run `make setup`."
        )
    for root in spec.submodule_search_locations:
        cand = Path(root) / "data" / "locales"
        if (cand / f"locales-{DEFAULT_LOCALE}.xml").is_file():
            return cand
    raise LocaleDataMissing(f"No CSL locale files found in the {LOCALES_PACKAGE} package.")


@cache
def available_locales() -> tuple[str, ...]:
    """Every locale tag there is a file for, sorted ("af-ZA", ..., "zh-TW")."""
    tags = (p.name[len("locales-") : -len(".xml")] for p in locales_dir().glob("locales-*.xml"))
    return tuple(sorted(tags))


@cache
def _metadata() -> dict[str, dict[str, object]]:
    path = locales_dir() / "locales.json"
    if not path.is_file():
        return {}
    data: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def primary_dialect(language: str) -> str | None:
    """The main regional variant of a bare language ("de" -> "de-DE"), as the CSL project says."""
    dialects = _metadata().get("primary-dialects", {})
    value = dialects.get(language.lower())
    return value if isinstance(value, str) else None


def language_name(tag: str) -> str:
    """A locale's name for a picker: "Deutsch (Österreich) — German (Austria)"."""
    names = _metadata().get("language-names", {}).get(tag)
    if isinstance(names, list) and names:
        native, english = str(names[0]), str(names[-1])
        return native if native == english else f"{native} — {english}"
    return tag


def normalise_tag(tag: str) -> str:
    """"de_at", "DE-AT" and "de-AT" are one locale; CSL writes "de-AT"."""
    parts = [p for p in re.split(r"[-_]", tag.strip()) if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else p.capitalize() if len(p) == 4 else p)
    return "-".join(out)


def resolve_locale(tag: str | None) -> str:
    """The installed locale that best serves a request, never failing.

    Exact tag first, then the language's primary dialect ("de-LU" -> "de-DE"), then any
    variant of the language, then en-US: a citation in a neighbouring dialect beats no citation.
    """
    if not tag:
        return DEFAULT_LOCALE
    want = normalise_tag(tag)
    have = available_locales()
    by_lower = {t.lower(): t for t in have}
    if want.lower() in by_lower:
        return by_lower[want.lower()]
    language = want.split("-", 1)[0]
    primary = primary_dialect(language)
    if primary and primary.lower() in by_lower:
        return by_lower[primary.lower()]
    for t in have:
        if t.split("-", 1)[0].lower() == language:
            return t
    return DEFAULT_LOCALE


@cache
def locale_xml(tag: str) -> str:
    """The XML text of an installed locale (resolved first, so any tag works)."""
    real = resolve_locale(tag)
    return (locales_dir() / f"locales-{real}.xml").read_text(encoding="utf-8")
