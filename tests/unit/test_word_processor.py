"""The drag/clipboard payloads against a real word processor: LibreOffice Writer, headless.

What a drop into Writer does is read the HTML or the RTF we offer; converting the same bytes with
``soffice --headless --convert-to odt`` runs the same import filters. The resulting content.xml
must hold the journal title in an italic span and exactly the text we formatted (non-ASCII and
the en dash included), and APA's hanging indent must survive as a negative first-line indent.

Skipped, with the reason shown, where LibreOffice is not installed (``.ci/run`` installs
libreoffice-writer-nogui). soffice wants a writable profile, so each run gets its own
``-env:UserInstallation`` and HOME under tmp_path; its text export starts with a BOM.
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

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
JOURNAL = "Journal of Cancer Research"

ARTICLE = Reference(
    item_type="article-journal",
    citation_key="knox2008",
    fields={
        "title": "Tumour growth in mice",
        "date": "2008-03",
        "container_title": JOURNAL,
        "volume": "12",
        "issue": "3",
        "pages": "101--110",
    },
    creators=[Creator(family="Knox", given="Colin"), Creator(family="Müller", given="Jörg")],
)
BOOK = Reference(
    item_type="book",
    fields={"title": "The design of experiments", "date": "1971", "edition": "8", "publisher": "Hafner"},
    creators=[Creator(family="Fisher", given="Ronald A.")],
)


@pytest.fixture(scope="module")
def payload() -> Payload:
    return build_payload([ARTICLE, BOOK], "apa", None, citation=False)


def _soffice(args: list[str], tmp: Path) -> None:
    assert SOFFICE is not None
    env = dict(os.environ, HOME=str(tmp / "home"))
    profile = (tmp / "profile").as_uri()
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _to_odt(tmp: Path, name: str, data: str) -> Path:
    src = tmp / name
    src.write_text(data, encoding="utf-8")
    out = tmp / f"out-{src.suffix[1:]}"
    _soffice(["--convert-to", "odt", "--outdir", str(out), str(src)], tmp)
    odt = out / f"{src.stem}.odt"
    assert odt.is_file(), f"soffice wrote no {odt.name}"
    return odt


def _text_of(tmp: Path, odt: Path) -> str:
    out = tmp / "txt"
    _soffice(["--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(odt)], tmp)
    return (out / f"{odt.stem}.txt").read_text(encoding="utf-8").removeprefix("\ufeff")


def _italic_spans(odt: Path) -> list[str]:
    root = ET.fromstring(zipfile.ZipFile(odt).read("content.xml"))
    italic = {
        s.get(f"{{{NS['style']}}}name")
        for s in root.iter(f"{{{NS['style']}}}style")
        for p in s.findall("style:text-properties", NS)
        if p.get(f"{{{NS['fo']}}}font-style") == "italic"
    }
    return [
        "".join(span.itertext())
        for span in root.iter(f"{{{NS['text']}}}span")
        if span.get(f"{{{NS['text']}}}style-name") in italic
    ]


def _hanging_indent(odt: Path) -> bool:
    root = ET.fromstring(zipfile.ZipFile(odt).read("content.xml"))
    for props in root.iter(f"{{{NS['style']}}}paragraph-properties"):
        indent = props.get(f"{{{NS['fo']}}}text-indent", "")
        left = props.get(f"{{{NS['fo']}}}margin-left", "")
        if indent.startswith("-") and left and left.lstrip("-") == indent.lstrip("-"):
            return True
    return False


@pytest.mark.parametrize("kind", ["html", "rtf"])
def test_payload_converts_with_italic_journal_and_exact_text(kind: str, payload: Payload, tmp_path: Path) -> None:
    data = payload.html if kind == "html" else payload.rtf
    odt = _to_odt(tmp_path, f"bibliography.{kind}", data)
    assert JOURNAL in _italic_spans(odt)
    lines = [line for line in _text_of(tmp_path, odt).splitlines() if line.strip()]
    assert lines == payload.text.splitlines()
    assert "Knox, C., & Müller, J. (2008). Tumour growth in mice. Journal of Cancer Research, 12(3), 101–110." in lines
    assert _hanging_indent(odt), "APA's hanging indent did not reach the document"


def test_citation_payload_converts_inline(tmp_path: Path) -> None:
    cite = build_payload([ARTICLE], "apa", None, citation=True)
    assert cite.text == "(Knox & Müller, 2008)"
    for kind, data in (("html", cite.html), ("rtf", cite.rtf)):
        odt = _to_odt(tmp_path, f"citation.{kind}", data)
        assert [line for line in _text_of(tmp_path, odt).splitlines() if line.strip()] == [cite.text]
