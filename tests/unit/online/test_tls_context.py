"""One SSL context for the process (issue 18): each look-up once built its own client and with it
a context, loading the certificate bundle while holding the GIL (40-140 ms of frozen window per
add). Clients now share one context, and it still verifies certificates and host names."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import client_for

from bibliofile.online import http
from bibliofile.online.http import FetchError, HttpClient, NetworkSettings, tls_context


def test_clients_share_one_context_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counted(*args: object, **kwargs: object) -> ssl.SSLContext:
        ctx = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(ctx)
        return ctx

    monkeypatch.setattr(ssl, "create_default_context", counted)
    monkeypatch.setattr(http, "_tls", None)  # as in a fresh process
    settings = NetworkSettings()
    with HttpClient(settings) as one, HttpClient(settings) as two:
        pass
    assert len(made) == 1, f"{len(made)} SSL contexts made for two clients"
    shared = tls_context()
    assert made == [shared]
    # what each client's connection pool will wrap its sockets with
    for client in (one, two):
        assert client._client._transport._pool._ssl_context is shared  # type: ignore[attr-defined]


def test_the_shared_context_verifies_certificates_and_host_names() -> None:
    ctx = tls_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 0  # the bundle is loaded


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_a_self_signed_server_is_refused(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_ctx)
    server.expect_request("/crossref/works").respond_with_json({"status": "ok"})
    server.start()
    try:
        url = f"https://127.0.0.1:{server.port}/crossref/works"
        with client_for(server) as client, pytest.raises(FetchError) as err:
            client.get("crossref", url)
        assert err.value.kind == "offline"
        assert "CERTIFICATE_VERIFY_FAILED" in repr(err.value.__cause__)
        assert client.requests_sent == 1  # refused, not retried
    finally:
        server.clear()
        server.stop()
