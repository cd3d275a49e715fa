"""Style search ranks on the styles' own metadata (issue 17, item 8), on the installed styles.

"psychology" used to list every style whose title, id or subject field contained the word, in
alphabetical order, so Springer journals tagged ``field="psychology"`` by their template
("Aerobiologia", "Analog Integrated Circuits…") came before the styles a psychologist means.
"""

from __future__ import annotations

import re
from pathlib import Path

from bibliofile.citation.style_search import stem
from bibliofile.citation.styles import StyleCatalogue, StyleInfo


def ids(hits: list[StyleInfo]) -> list[str]:
    return [s.id for s in hits]


def is_apa(s: StyleInfo) -> bool:
    return "american psychological association" in f"{s.title} {s.short_title}".lower()


def test_psychology_lists_apa_and_psychology_styles_before_mis_tagged_journals(styles: StyleCatalogue) -> None:
    hits = styles.search("psychology")
    assert hits[0].id == "apa"
    top = hits[:40]
    assert all(is_apa(s) or "psychology" in s.fields or "psycholog" in s.title.lower() for s in top), [
        s.title for s in top if not is_apa(s) and "psychology" not in s.fields
    ]
    # the American Psychological Association's other editions and variants, near the top
    apa_variants = {"apa-6th-edition", "apa-no-ampersand", "apa-annotated-bibliography", "apa-cv"}
    assert apa_variants <= set(ids(top))
    order = ids(hits)
    springer = order.index("analog-integrated-circuits-and-signal-processing")
    # the mis-tagged journals still match (their metadata says psychology) but after every
    # style whose title names the subject
    assert springer > max(order.index(s.id) for s in hits if re.search(r"\bpsycholog", s.title.lower()))
    assert order.index("aerobiologia") > order.index("apa-6th-edition")


def test_tiers_title_prefix_then_word_prefix_then_field_then_substring(styles: StyleCatalogue) -> None:
    hits = styles.search("psychology")
    titles = [s.title.lower() for s in hits]
    first_word_inside = next(i for i, t in enumerate(titles) if not t.startswith("psychology") and i > 0)
    # after "apa" (featured): every title starting with the word comes before any title that only contains it
    assert all(t.startswith("psychology") for t in titles[1:first_word_inside])
    assert not any(t.startswith("psychology") for t in titles[first_word_inside:])
    assert "american-journal-of-community-psychology" in ids(hits[:first_word_inside + 40])
    # a style met only by its subject field comes after every style with a word of the title,
    # short title or id starting "psycholog"; "Neuropsychology" (inside a word, and no field)
    # after both
    def word_match(s: StyleInfo) -> bool:
        return any(w.startswith("psycholog") for w in re.findall(r"\w+", f"{s.title} {s.short_title} {s.id}".lower()))

    def field_only(s: StyleInfo) -> bool:
        return "psycholog" not in f"{s.title} {s.short_title} {s.id}".lower()

    rest = hits[1:]
    first_field_only = next(i for i, s in enumerate(rest) if field_only(s))
    assert not any(word_match(s) for s in rest[first_field_only:])
    last_field_only = max(i for i, s in enumerate(rest) if field_only(s))
    inside_a_word = [
        i for i, s in enumerate(rest) if not word_match(s) and not field_only(s) and "psychology" not in s.fields
    ]
    assert inside_a_word and min(inside_a_word) > last_field_only


def test_nothing_that_matches_no_metadata_is_listed(styles: StyleCatalogue) -> None:
    hits = styles.search("psychology")
    for s in hits:
        meta = f"{s.id} {s.title} {s.short_title} {' '.join(s.fields)}".lower()
        assert "psycholog" in meta, s.id
    assert styles.search("zzqqxx") == []


def test_word_prefix_of_the_title_beats_a_substring_inside_a_word(styles: StyleCatalogue) -> None:
    hits = ids(styles.search("chem"))
    # "Chemistry …" journals start with it; "Biochemistry" only contains it
    assert hits.index("chemical-communications") < hits.index("biochemistry")


def test_citation_format_and_multiword_queries(styles: StyleCatalogue) -> None:
    hits = styles.search("nature numeric")
    assert hits and all("nature" in f"{s.id} {s.title}".lower() for s in hits[:10])
    assert all(s.citation_format == "numeric" or "numeric" in f"{s.id} {s.title} {s.short_title}".lower() for s in hits)
    assert styles.search("vancouver")[0].id == "vancouver-nlm"
    assert styles.search("cite them right")[0].id == "harvard-cite-them-right"


def test_stem_makes_word_forms_meet() -> None:
    assert stem("psychology") == stem("psychological") == "psycholog"
    assert stem("economics") == stem("economic")
    assert stem("law") == "law"  # short words are kept whole


def test_user_style_is_found_after_it_is_added(styles: StyleCatalogue, tmp_path: Path) -> None:
    styles.search("anything")  # the search keys are made now...
    src = tmp_path / "zebra-lab.csl"
    src.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0">'
        "<info><title>Zebra Lab Psychology Notes</title><id>zebra-lab</id>"
        '<link href="http://www.zotero.org/styles/apa" rel="independent-parent"/>'
        '<category field="psychology"/></info></style>',
        encoding="utf-8",
    )
    styles.add_user_style(src)
    assert styles.search("zebra")[0].id == "zebra-lab"  # ...and made again with the new style
