"""The local stand-in for the web in lookup tests: pytest-httpserver on 127.0.0.1 replaying the
recorded answers in tests/data/online, with every service's endpoint pointed at it (the same
environment variables a user or an institution would set)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bibliofile.online.http import Endpoints, HttpClient, NetworkSettings

DATA = Path(__file__).parent / "data" / "online"
CSL = "application/vnd.citationstyles.csl+json"


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def endpoints_env(server: HTTPServer) -> dict[str, str]:
    base = server.url_for("/").rstrip("/").replace("//localhost:", "//127.0.0.1:")  # the server listens on IPv4
    return {f"BIBLIOFILE_{n.upper()}_URL": f"{base}/{n}" for n in ("doi", "crossref", "arxiv", "eutils", "openlibrary")}


class Sleeps(list[float]):
    """Records the back-off waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(server: HTTPServer, sleeps: Sleeps | None = None, **overrides: object) -> HttpClient:
    settings = NetworkSettings.from_env(endpoints_env(server), contact="test@example.org")
    settings = replace(settings, spacing={}, timeout=2.0, backoff=0.0, cache_dir=None)
    settings = replace(settings, **overrides)  # type: ignore[arg-type]
    return HttpClient(settings, sleep=sleeps if sleeps is not None else Sleeps())


def unreachable_client(**overrides: object) -> HttpClient:
    """A client whose every endpoint is a closed port on 127.0.0.1: what "no network" looks like."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    ends = Endpoints(doi=f"{base}/doi", crossref=f"{base}/crossref", arxiv=f"{base}/arxiv", eutils=f"{base}/eutils", openlibrary=f"{base}/openlibrary")
    settings = replace(NetworkSettings(endpoints=ends), spacing={}, timeout=1.0, backoff=0.0, **overrides)  # type: ignore[arg-type]
    return HttpClient(settings, sleep=Sleeps())


class Replay:
    """Answers by path (after the service's prefix) and query arguments, from recorded files;
    anything unexpected is a 404 and is listed in ``unexpected`` so a test can fail on it."""

    def __init__(self, server: HTTPServer) -> None:
        self.routes: list[tuple[str, dict[str, str], int, str, str, dict[str, str]]] = []
        self.unexpected: list[str] = []
        self.seen: list[str] = []
        server.expect_request(re.compile(".*")).respond_with_handler(self)

    def add(self, path: str, body: str, *, args: dict[str, str] | None = None, status: int = 200,
            content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        self.routes.append((path, args or {}, status, body, content_type, headers or {}))

    def __call__(self, request: Request) -> Response:
        self.seen.append(request.full_path)
        for path, args, status, body, ctype, headers in self.routes:
            if request.path == path and all(request.args.get(k) == v for k, v in args.items()):
                return Response(body, status=status, content_type=ctype, headers=headers)
        self.unexpected.append(request.full_path)
        return Response("not recorded", status=404)
