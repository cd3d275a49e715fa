"""What the window's online tests share: the local server replaying recorded answers
(tests/online_server.py, tests/data/online/README.md) with the endpoints pointed at it by the
same environment variables a user would set, and helpers to read the library and the window."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import CSL, Replay, endpoints_env, recorded

from bibliofile.model.reference import Reference
from bibliofile.storage.library import Library

SCIENCE = "10.1126/science.169.3946.635"
SCIENCE_TITLE = "The Structure of Ordinary Water: New data and interpretations are yielding new insights into this fascinating substance."
PUBMED_TITLE = "Zirconium granuloma following treatment of rhus dermatitis"
BOOK_TITLE = "Slow reading"
KNOX_DOI = "10.1177/0020852308095314"


def replay_for(server: HTTPServer) -> Replay:
    r = Replay(server)
    r.add(f"/doi/{SCIENCE}", recorded("doi_science_169_635.csl.json"), content_type=CSL)
    r.add("/doi/10.1126/foo", recorded("doi_not_found.html"), status=404, content_type="text/html;charset=utf-8")
    r.add("/eutils/esummary.fcgi", recorded("esummary_pubmed_11850928.xml"), args={"db": "pubmed", "id": "11850928"}, content_type="text/xml")
    r.add("/openlibrary/api/books", recorded("openlibrary_9780980200447.json"), args={"bibkeys": "ISBN:9780980200447"})
    r.add("/crossref/works", recorded("crossref_works_knox_title_search.json"), args={"query.author": "Knox"})
    return r


def point_at(monkeypatch: pytest.MonkeyPatch, server: HTTPServer) -> None:
    """Every service's endpoint at the local server, as BIBLIOFILE_*_URL would for a user."""
    for name, value in endpoints_env(server).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BIBLIOFILE_CONTACT", "test@example.org")
    monkeypatch.delenv("BIBLIOFILE_OFFLINE", raising=False)


def point_at_port(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    for name in ("doi", "crossref", "arxiv", "eutils", "openlibrary"):
        monkeypatch.setenv(f"BIBLIOFILE_{name.upper()}_URL", f"{base}/{name}")
    monkeypatch.delenv("BIBLIOFILE_OFFLINE", raising=False)


def live(library: Library) -> list[Reference]:
    return library.get_many(library.search(""))


def by_title(library: Library) -> dict[str, Reference]:
    return {r.title: r for r in live(library)}


def selected_titles(window) -> set[str]:
    return {r.title for r in window.library.get_many(window.table.selected_ids())}


def status_text(window) -> str:
    return str(window.statusBar().currentMessage())
