"""The HTTP client's manners against a local server: timeouts, Retry-After, 5xx back-off,
size cap, redirect loops, the User-Agent, per-service spacing, the day cache, no network."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import Sleeps, client_for, unreachable_client
from werkzeug import Request, Response

from bibliofile.online.http import FetchError, HttpClient, NetworkSettings


def test_user_agent_names_bibliofile_its_version_and_the_contact(httpserver: HTTPServer) -> None:
    from bibliofile import __version__

    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("User-Agent", ""))
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/crossref/works").respond_with_handler(handler)
    with client_for(httpserver) as client:
        client.get("crossref", httpserver.url_for("/crossref/works"))
    assert seen and seen[0].startswith(f"Bibliofile/{__version__} (")
    assert "mailto:test@example.org" in seen[0]


def test_a_slow_server_times_out_after_retries(httpserver: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.6)
        return Response("{}")

    httpserver.expect_request("/doi/10.1/slow").respond_with_handler(slow)
    sleeps = Sleeps()
    with client_for(httpserver, sleeps, timeout=0.2, retries=1) as client, pytest.raises(FetchError) as err:
        client.get("doi", httpserver.url_for("/doi/10.1/slow"))
    assert err.value.kind == "timeout" and err.value.transient
    assert "did not answer within 0.2 s" in str(err.value)
    assert client.requests_sent == 2  # tried once more after the first timeout


def test_429_with_retry_after_is_waited_out_then_succeeds(httpserver: HTTPServer) -> None:
    answers = iter([Response("slow down", status=429, headers={"Retry-After": "3"}), Response('{"ok": 1}')])
    httpserver.expect_request("/crossref/works").respond_with_handler(lambda _r: next(answers))
    sleeps = Sleeps()
    with client_for(httpserver, sleeps) as client:
        r = client.get("crossref", httpserver.url_for("/crossref/works"))
    assert r.status == 200 and sleeps == [3.0]


def test_429_asking_for_too_long_a_wait_gives_up_with_the_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/crossref/works").respond_with_data("no", status=429, headers={"Retry-After": "3600"})
    with client_for(httpserver) as client, pytest.raises(FetchError) as err:
        client.get("crossref", httpserver.url_for("/crossref/works"))
    assert err.value.kind == "rate-limited" and err.value.retry_after == 3600.0 and err.value.transient


def test_500_is_retried_with_back_off_then_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_data("boom", status=500)
    sleeps = Sleeps()
    with client_for(httpserver, sleeps, retries=2, backoff=0.5) as client, pytest.raises(FetchError) as err:
        client.get("eutils", httpserver.url_for("/eutils/esummary.fcgi"))
    assert err.value.kind == "server" and err.value.status == 500
    assert sleeps == [0.5, 1.0]  # exponential back-off between the three tries


def test_a_huge_response_is_cut_off_at_the_cap(httpserver: HTTPServer) -> None:
    def endless(_request: Request) -> Response:
        def body():  # type: ignore[no-untyped-def]
            for _ in range(400):
                yield b"x" * 65536  # 25 MB, streamed without a length

        return Response(body(), content_type="application/json")

    httpserver.expect_request("/openlibrary/api/books").respond_with_handler(endless)
    with client_for(httpserver, max_bytes=256 * 1024) as client, pytest.raises(FetchError) as err:
        client.get("openlibrary", httpserver.url_for("/openlibrary/api/books"))
    assert err.value.kind == "too-large" and "larger than 256 KB" in str(err.value)


def test_a_declared_huge_response_is_refused_before_reading(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/doi/10.1/big").respond_with_data("x" * 300_000)
    with client_for(httpserver, max_bytes=100_000) as client, pytest.raises(FetchError) as err:
        client.get("doi", httpserver.url_for("/doi/10.1/big"))
    assert err.value.kind == "too-large"


def test_a_redirect_loop_stops_at_the_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/doi/a").respond_with_data("", status=302, headers={"Location": httpserver.url_for("/doi/b")})
    httpserver.expect_request("/doi/b").respond_with_data("", status=302, headers={"Location": httpserver.url_for("/doi/a")})
    with client_for(httpserver, max_redirects=4) as client, pytest.raises(FetchError) as err:
        client.get("doi", httpserver.url_for("/doi/a"))
    assert err.value.kind == "redirects" and "loop" in str(err.value)


def test_404_is_not_found_and_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/doi/10.1126/foo").respond_with_data("<html>DOI Not Found</html>", status=404)
    with client_for(httpserver) as client, pytest.raises(FetchError) as err:
        client.get("doi", httpserver.url_for("/doi/10.1126/foo"))
    assert err.value.kind == "not-found" and not err.value.transient
    assert client.requests_sent == 1


def test_no_network_fails_at_once_without_retries() -> None:
    with unreachable_client() as client, pytest.raises(FetchError) as err:
        client.get("doi", client.settings.endpoints.doi + "/10.1/x")
    assert err.value.kind == "offline" and "cannot reach 127.0.0.1" in str(err.value)
    assert client.requests_sent == 1


def test_network_turned_off_sends_nothing(httpserver: HTTPServer) -> None:
    with client_for(httpserver, enabled=False) as client, pytest.raises(FetchError) as err:
        client.get("doi", httpserver.url_for("/doi/10.1/x"))
    assert err.value.kind == "disabled" and client.requests_sent == 0
    assert NetworkSettings.from_env({"BIBLIOFILE_OFFLINE": "1"}).enabled is False


def test_requests_to_one_service_are_spaced(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/arxiv/query").respond_with_data("<feed/>")
    sleeps = Sleeps()
    clock = iter([100.0, 100.0, 100.5])  # three requests: at 100 s, 100 s and 100.5 s
    with client_for(httpserver, sleeps) as client:
        client = HttpClient(replace(client.settings, spacing={"arxiv": 3.0}), sleep=sleeps, clock=lambda: next(clock))
        for _ in range(3):
            client.get("arxiv", httpserver.url_for("/arxiv/query"))
        client.close()
    assert sleeps == [3.0, 5.5]  # each waits for its slot three seconds after the last


def test_answers_are_cached_for_a_day(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_ordered_request("/doi/10.1/c").respond_with_data('{"title": "x"}')
    with client_for(httpserver, cache_dir=tmp_path / "cache") as client:
        first = client.get("doi", httpserver.url_for("/doi/10.1/c"), accept="application/json")
        second = client.get("doi", httpserver.url_for("/doi/10.1/c"), accept="application/json")
    assert first.body == second.body and client.requests_sent == 1


def test_endpoints_come_from_the_environment() -> None:
    s = NetworkSettings.from_env({"BIBLIOFILE_DOI_URL": "http://127.0.0.1:9/doi/", "BIBLIOFILE_CONTACT": "me@uni.example"})
    assert s.endpoints.doi == "http://127.0.0.1:9/doi"
    assert s.endpoints.crossref == "https://api.crossref.org"
    assert "mailto:me@uni.example" in s.user_agent


def test_retry_after_as_an_http_date_is_understood() -> None:
    from bibliofile.online.http import _retry_after

    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412460.0) == 20.0
    assert _retry_after("120", now=0.0) == 120.0
    assert _retry_after("soon", now=0.0) is None


def test_the_resolver_redirect_to_the_agency_is_followed(httpserver: HTTPServer) -> None:
    """doi.org answers content negotiation with a redirect to the registration agency."""
    httpserver.expect_request("/doi/10.1/x").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/crossref/v1/works/10.1/x/transform")}
    )
    httpserver.expect_request("/crossref/v1/works/10.1/x/transform").respond_with_data('{"title": "x"}')
    with client_for(httpserver) as client:
        r = client.get("doi", httpserver.url_for("/doi/10.1/x"), accept="application/vnd.citationstyles.csl+json")
    assert r.status == 200 and r.url.endswith("/transform")
