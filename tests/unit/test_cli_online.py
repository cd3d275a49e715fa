"""``bibliofile add`` and ``bibliofile lookup`` as a user runs them: a real process, a real
library file, the services' endpoints pointed at a local server by the documented environment
variables (BIBLIOFILE_DOI_URL and friends)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import CSL, Replay, endpoints_env, recorded

SCIENCE = "10.1126/science.169.3946.635"
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "portal" / "seed-kazakhstan-iras-2008.txt"


def run(*args: str, lib: Path, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONIOENCODING": "utf-8", "BIBLIOFILE_CONTACT": "test@example.org", **env}
    return subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
        capture_output=True, text=True, env=full, timeout=120, input=stdin,
    )


@pytest.fixture
def served(httpserver: HTTPServer) -> dict[str, str]:
    r = Replay(httpserver)
    r.add(f"/doi/{SCIENCE}", recorded("doi_science_169_635.csl.json"), content_type=CSL)
    r.add("/doi/10.1126/foo", recorded("doi_not_found.html"), status=404, content_type="text/html")
    r.add("/eutils/esummary.fcgi", recorded("esummary_pubmed_11850928.xml"), args={"id": "11850928"}, content_type="text/xml")
    r.add("/crossref/works", recorded("crossref_works_knox_title_search.json"))
    return endpoints_env(httpserver)


def test_add_prints_each_result_and_exits_0(tmp_path: Path, served: dict[str, str]) -> None:
    lib = tmp_path / "l.sqlite"
    out = run("add", f"https://doi.org/{SCIENCE}", "PMID:11850928", lib=lib, env=served)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"added\tDOI {SCIENCE}\tadded “The Structure of Ordinary Water")
    assert lines[1].startswith("added\tPMID 11850928\t")
    assert "2 added in" in out.stderr
    again = run("add", SCIENCE, "--json", lib=lib, env=served)
    assert again.returncode == 0
    [result] = json.loads(again.stdout)["results"]
    assert result["status"] == "duplicate" and result["message"] == "already in the library"


def test_add_with_failures_exits_1_and_says_why(tmp_path: Path, served: dict[str, str]) -> None:
    out = run("add", "10.1126/foo", "9780980200448", "--json", lib=tmp_path / "l.sqlite", env=served)
    assert out.returncode == 1
    results = {r["input"]: r for r in json.loads(out.stdout)["results"]}
    assert results["10.1126/foo"]["status"] == "failed" and "was not found" in results["10.1126/foo"]["message"]
    assert results["9780980200448"]["status"] == "invalid" and "check digit" in results["9780980200448"]["message"]


def test_offline_add_queues_then_lookup_pending_resolves(tmp_path: Path, served: dict[str, str]) -> None:
    lib = tmp_path / "l.sqlite"
    offline = run("add", SCIENCE, lib=lib, env={**served, "BIBLIOFILE_OFFLINE": "1"})
    assert offline.returncode == 1
    assert offline.stdout.startswith(f"queued\tDOI {SCIENCE}\tDOI {SCIENCE}: network use is turned off")
    listed = json.loads(run("search", "", "--json", lib=lib, env=served).stdout)
    assert [r["title"] for r in listed] == [f"To look up: DOI {SCIENCE}"]
    back = run("lookup", "--pending", "--json", lib=lib, env=served)
    assert back.returncode == 0, back.stderr
    [result] = json.loads(back.stdout)["results"]
    assert result["status"] == "completed" and "container_title" in result["filled"]
    listed = json.loads(run("search", "", "--json", lib=lib, env=served).stdout)
    assert listed[0]["title"].startswith("The Structure of Ordinary Water")


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed portal page is not at {SEED} (shared corpus absent)")
def test_lookup_completes_the_seed_record_and_lists_what_differs(tmp_path: Path, served: dict[str, str]) -> None:
    lib = tmp_path / "l.sqlite"
    assert run("import", str(SEED), lib=lib, env=served).returncode == 0
    [seed] = json.loads(run("search", "kazakhstan", "--json", lib=lib, env=served).stdout)
    out = run("lookup", seed["citation_key"], lib=lib, env=served)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith(f"completed\t{seed['citation_key']}\tby title search: filled ")
    assert "volume" in out.stdout.splitlines()[0] and "doi" in out.stdout.splitlines()[0]
    assert "date: library “2008”, found “2008-09” (not changed)" in out.stdout
    found = json.loads(run("search", "kazakhstan", "--json", lib=lib, env=served).stdout)
    assert found[0]["authors"].startswith("Knox")


def test_lookup_usage_errors_exit_2(tmp_path: Path, served: dict[str, str]) -> None:
    lib = tmp_path / "l.sqlite"
    run("add", SCIENCE, lib=lib, env=served)
    assert run("lookup", lib=lib, env=served).returncode == 2
    both = run("lookup", "k", "--query", "x", lib=lib, env=served)
    assert both.returncode == 2 and "not both" in both.stderr
    missing = run("lookup", "nosuchkey", lib=lib, env=served)
    assert missing.returncode == 1 and "no reference has the key “nosuchkey”" in missing.stderr
