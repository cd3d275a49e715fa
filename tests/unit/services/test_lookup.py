"""Add by identifier, complete from the web and the offline queue, end to end over a real library
file and the real client against a local server replaying recorded answers
(tests/data/online/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import CSL, Replay, client_for, recorded, unreachable_client

from bibliofile.model.reference import Reference
from bibliofile.services import lookup
from bibliofile.services.changes import undo
from bibliofile.storage.library import Library

SCIENCE = "10.1126/science.169.3946.635"
SEED = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "portal" / "seed-kazakhstan-iras-2008.txt"


@pytest.fixture
def replay(httpserver: HTTPServer) -> Replay:
    r = Replay(httpserver)
    r.add(f"/doi/{SCIENCE}", recorded("doi_science_169_635.csl.json"), content_type=CSL)
    r.add("/doi/10.1126/foo", recorded("doi_not_found.html"), status=404, content_type="text/html;charset=utf-8")
    r.add("/arxiv/query", recorded("arxiv_hep-ex_0307015.atom.xml"), args={"id_list": "hep-ex/0307015v1"}, content_type="application/atom+xml")
    r.add("/arxiv/query", recorded("arxiv_no_results.atom.xml"), args={"id_list": "2301.99999"}, content_type="application/atom+xml")
    r.add("/eutils/esummary.fcgi", recorded("esummary_pubmed_11850928.xml"), args={"db": "pubmed", "id": "11850928"}, content_type="text/xml")
    r.add("/eutils/esummary.fcgi", recorded("esummary_pubmed_30791436.xml"), args={"db": "pubmed", "id": "30791436"}, content_type="text/xml")
    r.add("/eutils/esearch.fcgi", recorded("esearch_pmcid_PMC6412329.xml"), args={"term": "PMC6412329[pmcid]"}, content_type="text/xml")
    r.add("/openlibrary/api/books", recorded("openlibrary_9780980200447.json"), args={"bibkeys": "ISBN:9780980200447"})
    return r


def refs(library: Library) -> list[Reference]:
    return library.get_many(library.search(""))


def test_each_identifier_kind_is_added(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with client_for(httpserver) as client:
        report = lookup.add_identifiers(
            library, f"https://doi.org/{SCIENCE}\narXiv:hep-ex/0307015v1\nPMID: 11850928\nPMC6412329\nISBN 978-0-9802004-4-7", client
        )
    assert [o.status for o in report.outcomes] == ["added"] * 5, report.outcomes
    by_title = {r.title: r for r in refs(library)}
    science = by_title["The Structure of Ordinary Water: New data and interpretations are yielding new insights into this fascinating substance."]
    assert (science.fields["doi"], science.fields["volume"], science.creators[0].family) == (SCIENCE, "169", "Frank")
    assert science.citation_key  # a key is made, as for an import
    arxiv = by_title["Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"]
    # The published DOI is not answered by the local server: the preprint's own record is kept.
    assert (arxiv.fields["eprint"], arxiv.fields["doi"], arxiv.item_type) == ("hep-ex/0307015", "10.1140/epjc/s2003-01326-x", "article")
    assert by_title["Zirconium granuloma following treatment of rhus dermatitis"].fields["pmid"] == "11850928"
    pmc = by_title["Effect of Selected Stilbenoids on Human Fecal Microbiota"]
    assert (pmc.fields["pmid"], pmc.fields["pmcid"]) == ("30791436", "PMC6412329")
    book = by_title["Slow reading"]
    assert (book.item_type, book.fields["isbn"], book.fields["publisher"]) == ("book", "978-0-9802004-4-7", "Litwin Books")
    assert report.change is not None and set(report.change.ids) == {r.id for r in refs(library)}
    undo(library, report.change)  # one undo step takes all five away
    assert refs(library) == []


def test_an_identifier_already_held_is_not_fetched_again(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with client_for(httpserver) as client:
        first = lookup.add_identifiers(library, SCIENCE, client)
        sent = client.requests_sent
        again = lookup.add_identifiers(library, f"doi:{SCIENCE.upper()}", client)
        assert client.requests_sent == sent
    [outcome] = again.outcomes
    assert outcome.status == "duplicate" and outcome.message == "already in the library"
    assert first.change is not None and outcome.reference_ids == first.change.ids
    assert again.change is None and len(refs(library)) == 1


def test_bad_and_unknown_identifiers_get_a_plain_message(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with client_for(httpserver) as client:
        report = lookup.add_identifiers(library, "10.1126/foo 2301.99999 9780980200448", client)
    by_input = {o.text: o for o in report.outcomes}
    assert by_input["10.1126/foo"].status == "failed"
    assert by_input["10.1126/foo"].message.startswith("DOI 10.1126/foo was not found (127.0.0.1:")
    assert by_input["2301.99999"].status == "failed" and "arXiv has no such paper (no results)" in by_input["2301.99999"].message
    assert by_input["9780980200448"].status == "invalid"
    assert "check digit of 9780980200448 is wrong" in by_input["9780980200448"].message
    assert refs(library) == [] and lookup.pending_lookups(library) == []
    assert replay.unexpected == []


def test_offline_then_queued_then_back_online_then_resolved(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with unreachable_client() as offline:
        report = lookup.add_identifiers(library, f"{SCIENCE} 11850928", offline)
    assert [o.status for o in report.outcomes] == ["queued", "queued"]
    assert "cannot reach 127.0.0.1" in report.outcomes[0].message
    placeholders = refs(library)
    assert sorted(r.title for r in placeholders) == [f"To look up: DOI {SCIENCE}", "To look up: PMID 11850928"]
    pending = lookup.pending_lookups(library)
    assert {p.identifier for p in pending} == {f"doi:{SCIENCE}", "pmid:11850928"}
    assert all("cannot reach" in p.reason and p.attempts == 1 and p.next_try is not None for p in pending)

    with unreachable_client() as still_offline:  # a retry while still offline changes nothing
        lookup.retry_pending(library, still_offline)
    assert [r.title for r in refs(library)] == [r.title for r in placeholders]
    assert {p.attempts for p in lookup.pending_lookups(library)} == {2}

    with client_for(httpserver) as client:
        done = lookup.retry_pending(library, client)
    assert [o.status for o in done.outcomes] == ["completed", "completed"]
    filled = {r.fields.get("pmid") or r.fields.get("doi"): r for r in refs(library)}
    assert filled[SCIENCE].title.startswith("The Structure of Ordinary Water")
    assert "keywords" not in filled[SCIENCE].fields and "note" not in filled[SCIENCE].fields
    assert filled["11850928"].fields["volume"] == "92" and filled["11850928"].citation_key
    assert lookup.pending_lookups(library) == []

    assert done.change is not None
    undo(library, done.change)  # one step puts the placeholders and their queue rows back
    assert sorted(r.title for r in refs(library)) == sorted(r.title for r in placeholders)
    assert len(lookup.pending_lookups(library)) == 2


@pytest.mark.parametrize(
    ("status", "headers", "reason"),
    [(500, {}, "HTTP 500"), (429, {"Retry-After": "7200"}, "asks us to slow down"), (503, {}, "HTTP 503")],
)
def test_a_service_down_or_rate_limited_queues_the_identifier(
    library: Library, httpserver: HTTPServer, status: int, headers: dict[str, str], reason: str
) -> None:
    r = Replay(httpserver)
    r.add(f"/doi/{SCIENCE}", "unavailable", status=status, headers=headers, content_type="text/plain")
    with client_for(httpserver, retries=1) as client:
        [outcome] = lookup.add_identifiers(library, SCIENCE, client).outcomes
    assert outcome.status == "queued" and reason in outcome.message
    [row] = lookup.pending_lookups(library)
    assert reason in row.reason
    if status == 429:  # the next try waits at least as long as the service asked
        assert row.next_try is not None and (row.next_try - row.added).total_seconds() >= 7200


def test_a_malformed_answer_is_queued_with_its_reason(library: Library, httpserver: HTTPServer) -> None:
    r = Replay(httpserver)
    r.add(f"/doi/{SCIENCE}", '{"title": "The Structure of', content_type=CSL)
    with client_for(httpserver) as client:
        [outcome] = lookup.add_identifiers(library, SCIENCE, client).outcomes
    assert outcome.status == "queued" and "not valid JSON" in outcome.message


def test_a_huge_answer_is_refused_and_nothing_added(library: Library, httpserver: HTTPServer) -> None:
    r = Replay(httpserver)
    r.add(f"/doi/{SCIENCE}", "[" + "1," * 200_000 + "1]", content_type=CSL)
    with client_for(httpserver, max_bytes=64 * 1024) as client:
        [outcome] = lookup.add_identifiers(library, SCIENCE, client).outcomes
    assert outcome.status == "failed" and "larger than 64 KB" in outcome.message
    assert refs(library) == []


def test_pasted_placeholders_are_taken_into_the_queue(library: Library, httpserver: HTTPServer, replay: Replay, tmp_path: Path) -> None:
    from bibliofile.services.importing import import_files

    pasted = tmp_path / "dois.txt"
    pasted.write_text(f"https://doi.org/{SCIENCE}\n", encoding="utf-8")
    import_files(library, [pasted])
    [placeholder] = refs(library)
    assert placeholder.title == f"To look up: DOI {SCIENCE}"
    with client_for(httpserver) as client:
        report = lookup.retry_pending(library, client, due_only=True)
    assert [o.status for o in report.outcomes] == ["completed"]
    [ref] = refs(library)
    assert ref.id == placeholder.id and ref.fields["container_title"] == "Science"


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed portal page is not at {SEED} (shared corpus absent)")
def test_the_seed_record_is_completed_by_title_search(library: Library, httpserver: HTTPServer) -> None:
    from bibliofile.services.importing import import_files
    from bibliofile.services.integrity import findings_for

    r = Replay(httpserver)
    r.add("/crossref/works", recorded("crossref_works_knox_title_search.json"))
    import_files(library, [SEED])
    [seed] = refs(library)
    assert seed.creators == [] and "volume" not in seed.fields and "doi" not in seed.fields
    assert seed.id is not None and findings_for(library, [seed.id])

    with client_for(httpserver) as client:
        report = lookup.complete_references(library, [seed.id], client)
    [outcome] = report.outcomes
    assert outcome.status == "completed", outcome
    [done] = refs(library)
    assert [(c.family, c.given) for c in done.creators] == [("Knox", "Colin")]
    assert (done.fields["volume"], done.fields["doi"]) == ("74", "10.1177/0020852308095314")
    assert done.fields["pages"] == seed.fields["pages"] and done.title == seed.title  # kept
    assert findings_for(library, [seed.id]).get(seed.id, []) == []
    [search] = [s for s in r.seen if s.startswith("/crossref/works")]
    assert "query.bibliographic=Kazakhstan" in search and "International+Review+of+Administrative+Sciences" in search
    assert report.change is not None
    undo(library, report.change)
    assert refs(library)[0].creators == []


def test_differing_fields_are_offered_not_overwritten(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with library.write() as uow:
        [rid] = uow.add_items([Reference(fields={"doi": SCIENCE, "title": "Structure of ordinary water", "volume": "170"})])
    with client_for(httpserver) as client:
        report = lookup.complete_references(library, [rid], client)
    [outcome] = report.outcomes
    differs = {f: (o, t) for f, o, t in outcome.differs}
    assert differs["volume"] == ("170", "169") and "title" in differs
    assert "container_title" in outcome.filled and "issue" in outcome.filled
    ref = library.get(rid)
    assert (ref.fields["volume"], ref.title, ref.fields["container_title"]) == ("170", "Structure of ordinary water", "Science")
    with client_for(httpserver) as client:  # the user takes the record's volume
        lookup.complete_references(library, [rid], client, accept={rid: ["volume"]})
    assert library.get(rid).fields["volume"] == "169"


def test_only_a_near_miss_is_shown_never_applied(library: Library, httpserver: HTTPServer) -> None:
    r = Replay(httpserver)
    r.add("/crossref/works", recorded("crossref_works_knox_title_search.json"))
    with library.write() as uow:
        [rid] = uow.add_items([Reference(fields={
            "title": "Kazakhstan: Modernizing government in the context of political inertia",
            "date": "2013", "container_title": "International Review of Administrative Sciences"})])
    with client_for(httpserver) as client:
        [outcome] = lookup.complete_references(library, [rid], client).outcomes
    assert outcome.status == "unsure"
    assert outcome.candidates[0]["doi"] == "10.1177/0020852308095314"
    assert any("year differs" in why for why in outcome.candidates[0]["why_not"])
    assert library.get(rid).creators == [] and "doi" not in library.get(rid).fields
    assert lookup.pending_lookups(library) == []


def test_an_unreadable_answer_is_not_kept_in_the_cache(library: Library, httpserver: HTTPServer, tmp_path: Path) -> None:
    answers = iter(['{"title": "The Structure of', recorded("doi_science_169_635.csl.json")])
    httpserver.expect_request(f"/doi/{SCIENCE}").respond_with_handler(
        lambda _r: __import__("werkzeug").Response(next(answers), content_type=CSL)
    )
    with client_for(httpserver, cache_dir=tmp_path / "cache") as client:
        [first] = lookup.add_identifiers(library, SCIENCE, client).outcomes
        assert first.status == "queued"
        [again] = lookup.retry_pending(library, client).outcomes
    assert again.status == "completed" and client.requests_sent == 2


def test_an_isbn_open_library_lacks_is_found_in_crossref(library: Library, httpserver: HTTPServer) -> None:
    r = Replay(httpserver)
    r.add("/openlibrary/api/books", "{}", args={"bibkeys": "ISBN:9780190244187"})  # Open Library's "none"
    r.add("/crossref/works", recorded("crossref_works_knox_title_search.json"), args={"filter": "isbn:9780190244187"})
    r.add("/openlibrary/api/books", "{}", args={"bibkeys": "ISBN:9780306406157"})
    r.add("/crossref/works", recorded("crossref_works_empty.json"), args={"filter": "isbn:9780306406157"})
    with client_for(httpserver) as client:
        found, missing = lookup.add_identifiers(library, "9780190244187 9780306406157", client).outcomes
    assert found.status == "added"
    [book] = refs(library)
    assert (book.title, book.fields["doi"]) == ("Pediatric Palliative Care", "10.1093/med/9780190244187.001.0001")
    assert missing.status == "failed" and "neither Open Library nor Crossref knows it" in missing.message


def test_a_queued_identifier_found_unknown_stays_with_its_reason(library: Library, httpserver: HTTPServer, replay: Replay) -> None:
    with unreachable_client() as offline:
        lookup.add_identifiers(library, "10.1126/foo", offline)
    with client_for(httpserver) as client:
        [outcome] = lookup.retry_pending(library, client).outcomes
        assert outcome.status == "failed" and "was not found" in outcome.message
        [row] = lookup.pending_lookups(library)
        assert "was not found" in row.reason and row.next_try is None  # not retried by itself
        assert lookup.retry_pending(library, client, due_only=True).outcomes == []
    [placeholder] = refs(library)
    assert placeholder.title == "To look up: DOI 10.1126/foo"  # left as it was
