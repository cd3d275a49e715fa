"""The one HTTP client (DESIGN, "Outside the process"): every request Bibliofile makes to the web
goes through ``HttpClient.get``, so its manners live in one place.

- Endpoints come from ``Endpoints.from_env`` (``BIBLIOFILE_DOI_URL`` and friends), so tests and
  institutions point them elsewhere.
- A User-Agent naming Bibliofile, its version and a contact address (Crossref's "polite pool").
- Timeouts of a few seconds, a cap on the size of a response (read as a stream, stopped at the
  cap), a redirect limit, TLS verification always on, with one SSL context for the process
  (``tls_context``): loading the certificate bundle holds the GIL for 40-140 ms, which every
  look-up paid again when each client made its own, freezing the window (issue 18).
- Per-service spacing of requests (arXiv asks for one request every three seconds), bounded
  concurrency (``map``), ``429``/``503`` Retry-After honoured, retries with exponential back-off
  for 5xx and timeouts; a connection that cannot be made at all is not retried (offline).
- Successful answers cached on disk for a day, so a second look-up of the same DOI is free.

Failures are ``FetchError`` with a ``kind`` the services turn into a plain sentence and a
decision (queue it and retry later, or tell the user the identifier is unknown).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

import httpx

from bibliofile import __version__

__all__ = [
    "DEFAULT_ENDPOINTS",
    "Endpoints",
    "FetchError",
    "FetchErrorKind",
    "HttpClient",
    "NetworkSettings",
    "Response",
    "tls_context",
]

T = TypeVar("T")
R = TypeVar("R")

FetchErrorKind = Literal[
    "disabled", "offline", "timeout", "rate-limited", "server", "not-found", "bad-request",
    "too-large", "redirects", "cancelled",
]
# Kinds worth trying again later (the network or the service may come back); the others are
# answers about the identifier itself.
TRANSIENT: frozenset[str] = frozenset({"disabled", "offline", "timeout", "rate-limited", "server", "redirects"})


class FetchError(Exception):
    """A request that gave no usable answer. ``kind`` says which way; ``retry_after`` is the
    server's Retry-After in seconds when it sent one; ``str()`` is a sentence for the user."""

    def __init__(self, kind: FetchErrorKind, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind: FetchErrorKind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs of the services, without a trailing slash."""

    doi: str = "https://doi.org"
    crossref: str = "https://api.crossref.org"
    arxiv: str = "https://export.arxiv.org/api"
    eutils: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    openlibrary: str = "https://openlibrary.org"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Endpoints:
        """Defaults, each overridden by ``BIBLIOFILE_<NAME>_URL`` when set and not empty."""
        env = os.environ if env is None else env
        values = {}
        for name in ("doi", "crossref", "arxiv", "eutils", "openlibrary"):
            given = env.get(f"BIBLIOFILE_{name.upper()}_URL", "").strip()
            values[name] = (given or getattr(DEFAULT_ENDPOINTS, name)).rstrip("/")
        return cls(**values)


DEFAULT_ENDPOINTS = Endpoints()

# Seconds between two requests to one service: arXiv's API terms ask for 3 s; NCBI allows three
# requests a second without an API key; Crossref's polite pool ten a second (x-rate-limit-limit
# in its answers); Open Library asks for restraint. doi.org redirects to the agencies' servers.
DEFAULT_SPACING: dict[str, float] = {
    "doi": 0.0, "crossref": 0.1, "arxiv": 3.0, "eutils": 0.34, "openlibrary": 0.2,
}


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """How the client behaves; ``enabled`` False (the "no network" preference or
    ``BIBLIOFILE_OFFLINE=1``) makes every request fail at once with kind ``disabled``."""

    endpoints: Endpoints = field(default_factory=Endpoints.from_env)
    contact: str = ""
    enabled: bool = True
    timeout: float = 8.0
    max_bytes: int = 4 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 8
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 20.0
    spacing: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPACING))
    cache_dir: Path | None = None
    cache_seconds: float = 24 * 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> NetworkSettings:
        """Settings from the environment: endpoints, ``BIBLIOFILE_CONTACT`` (an e-mail address
        for the User-Agent), ``BIBLIOFILE_OFFLINE`` (1/true: no network at all)."""
        env = os.environ if env is None else env
        base = cls(
            endpoints=Endpoints.from_env(env),
            contact=env.get("BIBLIOFILE_CONTACT", "").strip(),
            enabled=env.get("BIBLIOFILE_OFFLINE", "").strip().lower() not in ("1", "true", "yes", "on"),
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact}" if self.contact else ""
        return f"Bibliofile/{__version__} (https://github.com/bibliofile/bibliofile{contact})"


_tls_lock = threading.Lock()
_tls: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """The SSL context every client verifies servers with, made on first use and shared.

    The same context httpx makes for ``verify=True`` (certifi's bundle, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR`` when set): certificates and host names are checked. Made once because
    ``load_verify_locations`` parses ~150 certificates in one C call that holds the GIL; an SSL
    context is safe to share between threads and clients once made."""
    global _tls
    with _tls_lock:
        if _tls is None:
            _tls = httpx.create_ssl_context(verify=True)
        return _tls


@dataclass(frozen=True, slots=True)
class Response:
    """A successful (2xx) answer, read whole (within the size cap)."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    cache_file: Path | None = None  # where the disk cache keeps it (``HttpClient.forget``)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """Thread-safe: ``map`` runs requests on up to ``settings.concurrency`` threads over one
    connection pool. ``sleep`` and ``clock`` are injectable so tests of back-off need not wait."""

    def __init__(
        self,
        settings: NetworkSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or NetworkSettings.from_env()
        s = self.settings
        self._client = httpx.Client(
            headers={"User-Agent": s.user_agent},
            timeout=httpx.Timeout(s.timeout),
            follow_redirects=True,
            max_redirects=s.max_redirects,
            verify=tls_context(),  # verification on, with the process's one context
            limits=httpx.Limits(max_connections=max(1, s.concurrency), max_keepalive_connections=max(1, s.concurrency)),
            transport=transport,
        )
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self.cancelled = threading.Event()
        self.requests_sent = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- one request ------------------------------------------------------------------------

    def get(
        self,
        service: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "",
    ) -> Response:
        """GET ``url`` (a service's endpoint plus a path); raises FetchError. A 404 is kind
        ``not-found``; 400/410/422 ``bad-request``."""
        s = self.settings
        if not s.enabled:
            raise FetchError("disabled", "network use is turned off in the preferences")
        headers = {"Accept": accept} if accept else {}
        cached = self._cached(url, params, accept)
        if cached is not None:
            return cached
        cache_file = self._cache_path(url, params, accept)
        attempt = 0
        while True:
            if self.cancelled.is_set():
                raise FetchError("cancelled", "cancelled")
            self._wait_turn(service)
            try:
                response = self._fetch(url, params, headers)
            except FetchError as exc:
                if exc.kind == "timeout" and attempt < s.retries:
                    attempt += 1
                    self._sleep(s.backoff * (2 ** (attempt - 1)))
                    continue
                raise
            status = response.status
            if 200 <= status < 300:
                response = replace(response, cache_file=cache_file)
                self._store(url, params, accept, response)
                return response
            if status in (429, 503) or status >= 500:
                wait = _retry_after(response.headers.get("retry-after", ""), time.time())
                if attempt < s.retries and (wait is None or wait <= s.max_retry_after):
                    attempt += 1
                    self._sleep(wait if wait is not None else s.backoff * (2 ** (attempt - 1)))
                    continue
                host = urlsplit(url).netloc
                if status == 429:
                    raise FetchError("rate-limited", f"{host} asks us to slow down (too many requests)", status=status, retry_after=wait)
                raise FetchError("server", f"{host} is not answering properly (HTTP {status})", status=status, retry_after=wait)
            if status in (404, 410):
                raise FetchError("not-found", "not found", status=status)
            raise FetchError("bad-request", f"refused (HTTP {status})", status=status)

    def _fetch(self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]) -> Response:
        host = urlsplit(url).netloc
        cap = self.settings.max_bytes
        with self._lock:
            self.requests_sent += 1
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as r:
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError("too-large", f"{host} sent an answer larger than {cap // 1024} KB; it was not read")
                chunks: list[bytes] = []
                size = 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise FetchError("too-large", f"{host} sent an answer larger than {cap // 1024} KB; it was not read")
                    chunks.append(chunk)
                return Response(str(r.url), r.status_code, dict(r.headers), b"".join(chunks))
        except httpx.TooManyRedirects as exc:
            raise FetchError("redirects", f"{host} redirects in a loop") from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{host} did not answer within {self.settings.timeout:g} s") from exc
        except (httpx.ConnectError, httpx.NetworkError, httpx.ProxyError) as exc:
            raise FetchError("offline", f"cannot reach {host} (no network?)") from exc
        except (httpx.DecodingError, httpx.RemoteProtocolError) as exc:
            raise FetchError("server", f"{host} sent a broken answer") from exc
        except httpx.HTTPError as exc:
            raise FetchError("offline", f"cannot reach {host} ({type(exc).__name__})") from exc

    def _wait_turn(self, service: str) -> None:
        """Keep ``spacing[service]`` seconds between the starts of two requests to a service."""
        gap = float(self.settings.spacing.get(service, 0.0))
        if gap <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_slot.get(service, now))
            self._next_slot[service] = start + gap
        if start > now:
            self._sleep(start - now)

    # ---- many requests ----------------------------------------------------------------------

    def map(self, work: Callable[[T], R], items: Sequence[T], progress: Callable[[int, int], None] | None = None) -> list[R]:
        """``work`` on every item, up to ``concurrency`` at a time, results in the order given.
        ``progress(done, total)`` is called as each finishes (from worker threads)."""
        total = len(items)
        if total == 0:
            return []
        done = 0
        done_lock = threading.Lock()

        def run(item: T) -> R:
            nonlocal done
            result = work(item)
            with done_lock:
                done += 1
                n = done
            if progress is not None:
                progress(n, total)
            return result

        workers = max(1, min(self.settings.concurrency, total))
        if workers == 1:
            return [run(i) for i in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bibliofile-online") as pool:
            return list(pool.map(run, items))

    # ---- the disk cache ---------------------------------------------------------------------

    def _cache_path(self, url: str, params: Mapping[str, str] | None, accept: str) -> Path | None:
        d = self.settings.cache_dir
        if d is None or self.settings.cache_seconds <= 0:
            return None
        key = json.dumps([url, sorted((params or {}).items()), accept])
        return d / (hashlib.sha256(key.encode()).hexdigest() + ".json")

    def _cached(self, url: str, params: Mapping[str, str] | None, accept: str) -> Response | None:
        path = self._cache_path(url, params, accept)
        if path is None:
            return None
        try:
            if time.time() - path.stat().st_mtime > self.settings.cache_seconds:
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            return Response(str(data["url"]), int(data["status"]), dict(data["headers"]), str(data["body"]).encode("utf-8"), path)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def forget(self, response: Response) -> None:
        """Drop an answer from the disk cache: one that could not be read is not kept for a
        day, so the next try asks the service again."""
        if response.cache_file is not None:
            with contextlib.suppress(OSError):
                response.cache_file.unlink(missing_ok=True)

    def _store(self, url: str, params: Mapping[str, str] | None, accept: str, response: Response) -> None:
        path = self._cache_path(url, params, accept)
        if path is None:
            return
        try:
            body = response.body.decode("utf-8")
        except UnicodeDecodeError:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            keep = {k: v for k, v in response.headers.items() if k.lower() in ("content-type",)}
            tmp.write_text(json.dumps({"url": response.url, "status": response.status, "headers": keep, "body": body}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            return  # a cache that cannot be written is no cache, not an error


def _retry_after(value: str, now: float) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def join(base: str, *parts: str) -> str:
    """``base`` + "/" + parts, each part kept as given (DOIs hold slashes that must stay)."""
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])
