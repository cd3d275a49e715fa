"""LibreOffice Writer receives the DOI of a dragged or copied bibliography as a hyperlink
(issue 17, item 14). Converting the payload's HTML and RTF with ``soffice --headless`` runs the
same import filters as a drop; the document it writes must hold a text:a element whose target
is the DOI's URL and whose text is the DOI as the style shows it.

Skipped, with the reason shown, where LibreOffice is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from bibliofile.citation.engine import EngineUnavailable, find_citeproc_js
from bibliofile.model import Creator, Reference
from bibliofile.services.citation_payload import Payload, build_payload

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
try:
    find_citeproc_js()
    CITEPROC = ""
except EngineUnavailable as exc:
    CITEPROC = str(exc)

pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"),
    pytest.mark.skipif(bool(CITEPROC), reason=CITEPROC or "citeproc"),
]

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
LINK = "https://doi.org/10.1000/jcr.2008.12"

ARTICLE = Reference(
    item_type="article-journal",
    fields={"title": "Tumour growth in mice", "date": "2008", "container_title": "Journal of Cancer Research",
            "volume": "12", "issue": "3", "pages": "101--110", "doi": "10.1000/jcr.2008.12"},
    creators=[Creator(family="Knox", given="Colin"), Creator(family="Müller", given="Jörg")],
)
PAGE = Reference(
    item_type="webpage",
    fields={"title": "Data portal", "date": "2020", "url": "https://example.org/data?set=1&v=2"},
    creators=[Creator(family="Weber", given="Max")],
)


@pytest.fixture(scope="module")
def payload() -> Payload:
    return build_payload([ARTICLE, PAGE], "apa", None, citation=False)


def links_in_writer(tmp: Path, name: str, data: str) -> dict[str, str]:
    """{target: shown text} of every hyperlink Writer made of the document."""
    assert SOFFICE is not None
    src = tmp / name
    src.write_text(data, encoding="utf-8")
    out = tmp / f"out-{src.suffix[1:]}"
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
         "--convert-to", "odt", "--outdir", str(out), str(src)],
        cwd=tmp, env=dict(os.environ, HOME=str(tmp / "home")), capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = ET.fromstring(zipfile.ZipFile(out / f"{src.stem}.odt").read("content.xml"))
    return {a.get(f"{{{XLINK_NS}}}href", ""): "".join(a.itertext()) for a in root.iter(f"{{{TEXT_NS}}}a")}


@pytest.mark.parametrize("kind", ["html", "rtf"])
def test_writer_receives_the_doi_and_url_as_hyperlinks(kind: str, payload: Payload, tmp_path: Path) -> None:
    links = links_in_writer(tmp_path, f"bibliography.{kind}", payload.html if kind == "html" else payload.rtf)
    assert links.get(LINK) == LINK
    assert links.get("https://example.org/data?set=1&v=2") == "https://example.org/data?set=1&v=2"
