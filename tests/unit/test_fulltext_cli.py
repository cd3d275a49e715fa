"""``bibliofile import PAPER.pdf``, ``attach`` and ``search 'fulltext:…'`` as a user runs them
(issue 19): a real process, a real library, real PDFs, the lookup services pointed at a local
server replaying a recorded answer (or offline). The text of a PDF is searchable when the
command that brought it in returns: there is no background on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from tests.online_server import CSL, Replay, endpoints_env, recorded
from tests.pdf_fixtures import Page, PdfSpec, paper_pages, write_pdf, xmp_packet

SCIENCE = "10.1126/science.169.3946.635"


def run(lib: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONIOENCODING": "utf-8", "BIBLIOFILE_CONTACT": "test@example.org",
            "BIBLIOFILE_BASE_FOLDER": str(lib.parent), **(env or {})}
    return subprocess.run([sys.executable, "-m", "bibliofile", "--library", str(lib), *args],
                          capture_output=True, text=True, env=full, timeout=120)


def ok_json(res: subprocess.CompletedProcess[str]) -> Any:
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


OFFLINE = {"BIBLIOFILE_OFFLINE": "1"}


def test_import_a_pdf_offline_makes_a_placeholder_with_the_guessed_title_and_indexes_it(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "download.pdf", paper_pages(
        "Governance Without Government", 3, first_lines=[f"doi:{SCIENCE}"], words={2: "quokka"}))
    lib = tmp_path / "l.sqlite"
    out = ok_json(run(lib, "import", str(pdf), "--json", env=OFFLINE))
    [made] = out["pdfs"]
    assert made["status"] == "queued" and "download.pdf" in made["message"]
    assert out["fulltext"]["read"] == 1 and out["fulltext"]["pages"] == 3

    [found] = ok_json(run(lib, "search", "fulltext:quokka", "--json"))
    assert found["id"] == made["id"]
    assert found["title"] == "To look up: Governance Without Government"
    assert [f["pages"] for f in found["fulltext_pages"]] == [[2]]
    assert found["fulltext_pages"][0]["file"].endswith(".pdf")
    assert ok_json(run(lib, "search", "quokka", "--json")) == []
    assert [r["id"] for r in ok_json(run(lib, "search", "quokka", "--inside-files", "--json"))] == [made["id"]]

    [stored] = ok_json(run(lib, "files", "--json"))
    assert stored["kind"] == "stored" and stored["present"] and pdf.exists()  # a copy; the download stays

    queue = run(lib, "lookup", "--pending", "--json", env=OFFLINE)
    assert SCIENCE in queue.stdout  # the lookup queue holds it for later


def test_import_a_pdf_online_takes_the_record_and_keeps_the_file_fields_the_record_lacks(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    replay = Replay(httpserver)
    replay.add(f"/doi/{SCIENCE}", recorded("doi_science_169_635.csl.json"), content_type=CSL)
    spec = PdfSpec(paper_pages("A Title Set Large"), xmp=xmp_packet(title="Title In The XMP", doi=SCIENCE),
                   info={"Title": "Info title"})
    pdf = write_pdf(tmp_path / "paper.pdf", spec)
    lib = tmp_path / "l.sqlite"
    out = ok_json(run(lib, "import", str(pdf), "--json", env=endpoints_env(httpserver)))
    [made] = out["pdfs"]
    assert made["status"] == "found" and not replay.unexpected
    [row] = ok_json(run(lib, "search", f"doi:{SCIENCE}", "--json"))
    assert row["title"].startswith("The Structure of Ordinary Water")  # the record's title, not the file's

    again = ok_json(run(lib, "import", str(pdf), "--json", env=endpoints_env(httpserver)))
    assert again["pdfs"][0]["status"] == "attached" and again["pdfs"][0]["id"] == made["id"]


def test_import_a_scanned_pdf_says_so_and_keeps_it(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "Smith_2020_Scanned_Chapter.pdf", [Page(image=True)] * 3)
    lib = tmp_path / "l.sqlite"
    res = run(lib, "import", str(pdf), env=OFFLINE)
    assert res.returncode == 0, res.stderr
    assert "from file" in res.stdout
    notes = [line for line in res.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and notes[0].endswith(".pdf: scanned, no text (no OCR)"), res.stderr
    [row] = ok_json(run(lib, "search", "scanned", "--json"))
    assert row["title"] == "Smith 2020 Scanned Chapter"


def test_attach_indexes_the_file_before_it_returns(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{knox2008, title = {Kazakhstan}, author = {Knox, Colin}, year = 2008}\n", encoding="utf-8")
    lib = tmp_path / "l.sqlite"
    assert run(lib, "import", str(bib)).returncode == 0
    pdf = write_pdf(tmp_path / "k.pdf", paper_pages("Kazakhstan", 4, words={4: "steppe"}))
    attached = ok_json(run(lib, "attach", "knox2008", str(pdf), "--link", "--json"))
    assert attached["fulltext"]["read"] == 1
    [row] = ok_json(run(lib, "search", "fulltext:steppe", "--json"))
    assert row["citation_key"] == "knox2008" and row["fulltext_pages"][0]["pages"] == [4]


@pytest.mark.parametrize("data", [b"%PDF-1.7\n" + b"\xff" * 300, b""], ids=["damaged", "empty"])
def test_an_unreadable_pdf_still_makes_a_reference_and_says_why(tmp_path: Path, data: bytes) -> None:
    pdf = tmp_path / "broken_download.pdf"
    pdf.write_bytes(data)
    out = ok_json(run(tmp_path / "l.sqlite", "import", str(pdf), "--json", env=OFFLINE))
    [made] = out["pdfs"]
    assert made["status"] == "unreadable"
    assert made["message"].startswith("broken_download.pdf: ") and "titled by its file name" in made["message"]
