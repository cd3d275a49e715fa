"""Where each kind of identifier is looked up, and what its answers mean.

- DOI: content negotiation at the DOI resolver for CSL-JSON (Crossref, DataCite and mEDRA all
  answer it), so one request serves every registration agency.
- arXiv: the export API's Atom feed; a DOI the authors recorded for the published version is
  followed, and the preprint's arXiv id kept on the published record.
- PMID: NCBI E-utilities ``esummary``; PMCID: ``esearch`` for its PMID first.
- ISBN: Open Library's Books API; where it has nothing, Crossref's works filtered by ISBN
  (books with a DOI), the second source.
- Title search: Crossref's works API (``query.bibliographic`` + ``query.author``), judged by
  ``lookup_match``.

Every function here only reads the web (through ``online.http.HttpClient``) and returns plain
References, so it can run on a worker thread; failures are ``LookupFailed`` with a sentence for
the user and whether trying later may help (``transient``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bibliofile.formats.arxiv_atom import read_arxiv_atom
from bibliofile.formats.bibtex_reader import ReadResult
from bibliofile.formats.crossref_json import read_crossref_works, read_doi_csl
from bibliofile.formats.openlibrary_json import read_openlibrary_books
from bibliofile.formats.pubmed_summary import read_esearch_ids, read_esummary
from bibliofile.model.creators import CreatorRole
from bibliofile.model.identifiers import Identifier, hyphenated_isbn, isbn13
from bibliofile.model.reference import Reference
from bibliofile.online.http import FetchError, HttpClient, Response, join

__all__ = ["LookupFailed", "fetch_identifier", "search_crossref"]

CSL_JSON = "application/vnd.citationstyles.csl+json"


class LookupFailed(Exception):
    """No record for an identifier. ``str()`` says why in words for the user; ``transient``
    is True when the network or the service was the trouble (queue it, try again later)."""

    def __init__(self, message: str, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


def _get(client: HttpClient, service: str, url: str, *, what: str, params: dict[str, str] | None = None, accept: str = "") -> Response:
    try:
        return client.get(service, url, params=params, accept=accept)
    except FetchError as exc:
        if exc.kind == "not-found":
            raise LookupFailed(f"{what} was not found ({_host(client, service)} does not know it)") from exc
        if exc.kind == "bad-request":
            raise LookupFailed(f"{what}: {_host(client, service)} refused the request ({exc})") from exc
        if exc.kind == "too-large":
            raise LookupFailed(f"{what}: {exc}") from exc
        raise LookupFailed(f"{what}: {exc}", transient=exc.transient, retry_after=exc.retry_after) from exc


def _host(client: HttpClient, service: str) -> str:
    base = str(getattr(client.settings.endpoints, service, service))
    return base.split("://", 1)[-1].split("/", 1)[0]


def _mailto(client: HttpClient) -> dict[str, str]:
    return {"mailto": client.settings.contact} if client.settings.contact else {}


def _refs(result: ReadResult) -> list[Reference]:
    return [x for x in result.items if isinstance(x, Reference)]


def _problems(result_problems: list[object]) -> str:
    return "; ".join(getattr(p, "message", str(p)) for p in result_problems[:2])


def fetch_doi(client: HttpClient, doi: str) -> Reference:
    what = f"DOI {doi}"
    r = _get(client, "doi", join(client.settings.endpoints.doi, quote(doi, safe="/:;()[]<>._-")), what=what, accept=CSL_JSON)
    result = read_doi_csl(r.text, file=r.url)
    refs = _refs(result)
    if not refs:
        client.forget(r)
        raise LookupFailed(f"{what}: the answer could not be read ({_problems(list(result.problems))})", transient=True)
    ref = refs[0]
    ref.fields.setdefault("doi", doi)
    return ref


def fetch_arxiv(client: HttpClient, ident: Identifier) -> Reference:
    what = f"arXiv {ident.value}{ident.version}"
    r = _get(
        client, "arxiv", join(client.settings.endpoints.arxiv, "query"), what=what,
        params={"id_list": ident.value + ident.version, "max_results": "1"},
    )
    result = read_arxiv_atom(r.text, file=r.url)
    items = _refs(result)
    if not items:
        bad = [p for p in result.problems if "not valid XML" in p.message or "not an arXiv" in p.message]
        if bad:
            client.forget(r)
            raise LookupFailed(f"{what}: the answer could not be read ({bad[0].message})", transient=True)
        raise LookupFailed(f"{what}: arXiv has no such paper (no results)")
    preprint = items[0]
    doi = preprint.fields.get("doi", "")
    if not doi:
        return preprint
    try:
        published = fetch_doi(client, doi)
    except LookupFailed:
        return preprint  # the preprint's own record is still a good reference
    for key in ("eprint", "eprint_type", "abstract"):
        if preprint.fields.get(key) and not published.fields.get(key):
            published.fields[key] = preprint.fields[key]
    return published


def _eutils_params(client: HttpClient) -> dict[str, str]:
    params = {"tool": "bibliofile"}
    if client.settings.contact:
        params["email"] = client.settings.contact
    return params


def fetch_pmid(client: HttpClient, pmid: str) -> Reference:
    what = f"PMID {pmid}"
    r = _get(
        client, "eutils", join(client.settings.endpoints.eutils, "esummary.fcgi"), what=what,
        params={"db": "pubmed", "id": pmid, "retmode": "xml", **_eutils_params(client)},
    )
    result = read_esummary(r.text, file=r.url)
    items = _refs(result)
    found = [x for x in items if x.fields.get("pmid") == pmid] or items
    if not found:
        unreadable = [p for p in result.problems if "not valid XML" in p.message or "not an E-utilities" in p.message]
        if unreadable:
            client.forget(r)
            raise LookupFailed(f"{what}: the answer could not be read ({unreadable[0].message})", transient=True)
        raise LookupFailed(f"{what} was not found in PubMed")
    return found[0]


def fetch_pmcid(client: HttpClient, pmcid: str) -> Reference:
    what = f"PMCID {pmcid}"
    r = _get(
        client, "eutils", join(client.settings.endpoints.eutils, "esearch.fcgi"), what=what,
        params={"db": "pubmed", "term": f"{pmcid}[pmcid]", **_eutils_params(client)},
    )
    ids, problems = read_esearch_ids(r.text, file=r.url)
    if not ids:
        if problems:
            client.forget(r)
            raise LookupFailed(f"{what}: the answer could not be read ({problems[0].message})", transient=True)
        raise LookupFailed(f"{what} was not found in PubMed")
    ref = fetch_pmid(client, ids[0])
    ref.fields.setdefault("pmcid", pmcid)
    return ref


def fetch_isbn(client: HttpClient, isbn: str) -> Reference:
    what = f"ISBN {hyphenated_isbn(isbn)}"
    r = _get(
        client, "openlibrary", join(client.settings.endpoints.openlibrary, "api/books"), what=what,
        params={"bibkeys": f"ISBN:{isbn}", "jscmd": "data", "format": "json"},
    )
    books = _refs(read_openlibrary_books(r.text, file=r.url))
    if books:
        ref = books[0]
        ref.fields["isbn"] = hyphenated_isbn(isbn)
        return ref
    # The second source: a book registered with Crossref carries its ISBNs.
    r = _get(
        client, "crossref", join(client.settings.endpoints.crossref, "works"), what=what,
        params={"filter": f"isbn:{isbn13(isbn)}", "rows": "2", **_mailto(client)},
    )
    wanted = {isbn13(isbn)}
    works = [w for w in _refs(read_crossref_works(r.text, file=r.url)) if wanted & _isbns(w.fields.get("isbn", ""))]
    if not works:
        raise LookupFailed(f"{what} was not found (neither Open Library nor Crossref knows it)")
    ref = works[0]
    ref.fields["isbn"] = hyphenated_isbn(isbn)
    return ref


def _isbns(text: str) -> set[str]:
    """The ISBN-13s in a field ("978…, 0-306-…"): a search may answer with other books."""
    out = set()
    for part in re.split(r"[,;\s]+", text):
        digits = re.sub(r"[^0-9Xx]", "", part).upper()
        if len(digits) in (10, 13):
            out.add(isbn13(digits))
    return out


def fetch_identifier(client: HttpClient, ident: Identifier) -> Reference:
    """The record one identifier names; raises LookupFailed."""
    if ident.kind == "doi":
        return fetch_doi(client, ident.value)
    if ident.kind == "arxiv":
        return fetch_arxiv(client, ident)
    if ident.kind == "pmid":
        return fetch_pmid(client, ident.value)
    if ident.kind == "pmcid":
        return fetch_pmcid(client, ident.value)
    return fetch_isbn(client, ident.value)


def search_crossref(client: HttpClient, ref: Reference, rows: int = 5) -> list[Reference]:
    """Candidates for a reference without an identifier: Crossref's works search on its title
    (with container and year) and first author; raises LookupFailed."""
    title = ref.fields.get("title", "").strip()
    if not title:
        raise LookupFailed("it has no title to search for")
    words = [title, ref.fields.get("container_title", "")]
    if ref.year is not None:
        words.append(str(ref.year))
    params = {"query.bibliographic": " ".join(w for w in words if w), "rows": str(rows), **_mailto(client)}
    first = next((c for c in ref.creators if c.role is CreatorRole.AUTHOR and (c.family or c.literal)), None)
    if first is not None:
        params["query.author"] = first.family or first.literal
    r = _get(client, "crossref", join(client.settings.endpoints.crossref, "works"), what="Crossref search", params=params)
    result = read_crossref_works(r.text, file=r.url)
    if not result.items and result.problems and result.problems[0].not_read:
        client.forget(r)
        raise LookupFailed(f"Crossref search: the answer could not be read ({result.problems[0].message})", transient=True)
    return _refs(result)
