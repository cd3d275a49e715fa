"""Add 100 DOIs from the clipboard against a local server that answers each in 50 ms (issue 18):
prints the wall time of the whole add (look-ups and the one write), sequential and with the
client's bounded concurrency. Target: under 3 s with concurrency.

The server replays the recorded DOI content-negotiation answer (tests/data/online) with the DOI
swapped in, on a threaded local server (pytest-httpserver), so only our side is measured.
Run: .venv/bin/python bench/bench_add_identifiers.py
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bibliofile.online.http import HttpClient, NetworkSettings
from bibliofile.services.lookup import add_identifiers
from bibliofile.storage.library import Library

N = 100
LATENCY = 0.05
RECORD = json.loads((Path(__file__).resolve().parents[1] / "tests" / "data" / "online" / "doi_science_169_635.csl.json").read_text(encoding="utf-8"))


def answer(request: Request) -> Response:
    time.sleep(LATENCY)
    doi = request.path.removeprefix("/doi/")
    n = doi.rsplit(".", 1)[-1]
    record = {**RECORD, "DOI": doi, "title": f"{RECORD['title']} (part {n})"}
    return Response(json.dumps(record), content_type="application/vnd.citationstyles.csl+json")


def run(server: HTTPServer, concurrency: int) -> float:
    base = server.url_for("/").rstrip("/")
    settings = NetworkSettings.from_env({"BIBLIOFILE_DOI_URL": f"{base}/doi"})
    settings = replace(settings, concurrency=concurrency, cache_dir=None)
    clipboard = "\n".join(f"https://doi.org/10.5555/bench.{i}" for i in range(N))
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.open(Path(tmp) / "lib.sqlite")
        with HttpClient(settings) as client:
            t0 = time.perf_counter()
            report = add_identifiers(library, clipboard, client)
            elapsed = time.perf_counter() - t0
        added = sum(o.status == "added" for o in report.outcomes)
        library.close()
    assert added == N, f"only {added} of {N} added"
    return elapsed


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per request otherwise
    server = HTTPServer(threaded=True)
    server.expect_request(re.compile(r"/doi/.*")).respond_with_handler(answer)
    server.start()
    try:
        run(server, 8)  # warm-up: imports, first connection
        for concurrency in (1, 8):
            seconds = run(server, concurrency)
            print(f"{N} DOIs, server {LATENCY * 1000:.0f} ms each, concurrency {concurrency}: {seconds:.2f} s wall")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
