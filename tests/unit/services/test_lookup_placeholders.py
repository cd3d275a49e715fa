"""Placeholders are queued where they are made (issue 22), so the window's start-up asks only
"does anything wait?" (``waiting``: a count of the queue and an index probe), never scanning
every title for "To look up:"."""

from __future__ import annotations

from bibliofile.model.reference import Reference
from bibliofile.services import lookup, lookup_match, lookup_placeholders
from bibliofile.services.importing import import_chosen, preview_text
from bibliofile.storage.library import Library
from bibliofile.storage.statement_log import StatementLog


def test_a_pasted_doi_list_is_queued_as_it_is_stored(library: Library) -> None:
    library.add_references([Reference(fields={"title": "Governance without government", "date": "1992"})])
    assert lookup_placeholders.waiting(library) == 0
    report = import_chosen(library, preview_text(library, "10.1177/x1\n10.1000/new"))
    assert report.imported == 2
    rows = lookup.pending_lookups(library)
    assert sorted(r.identifier for r in rows) == ["doi:10.1000/new", "doi:10.1177/x1"]
    assert {r.reference_id for r in rows} == set(report.ids)
    assert all(r.next_try is not None for r in rows), "due: tried when the queue is next worked"
    assert lookup_placeholders.waiting(library) == 2
    assert lookup.adopt_placeholders(library) == 0, "nothing left to adopt: they were queued at once"


def test_placeholders_made_before_the_queue_are_found_by_index_and_adopted_once(library: Library) -> None:
    library.add_references([
        Reference(fields={"title": "To look up: DOI 10.1126/foo", "doi": "10.1126/foo", "keywords": "to look up"}),
        Reference(fields={"title": "to look up: lower case is someone's own title", "doi": "10.1126/bar"}),
        Reference(fields={"title": "Tom Sawyer", "doi": "10.1126/tom"}),
    ])
    log = StatementLog(library)
    assert lookup_placeholders.waiting(library) == 1
    statements = log.stop()
    assert not any(" LIKE " in s.upper() for s in statements), statements
    assert lookup.adopt_placeholders(library) == 1
    assert [r.identifier for r in lookup.pending_lookups(library)] == ["doi:10.1126/foo"]
    assert lookup_placeholders.waiting(library) == 1  # the queued row itself
    assert lookup.adopt_placeholders(library) == 0


def test_the_light_module_names_placeholders_as_the_merge_does() -> None:
    assert lookup_placeholders.PLACEHOLDER_TITLE == lookup_match.PLACEHOLDER_TITLE
