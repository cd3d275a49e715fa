"""OpenDocument text files for the document tests, written by hand after the ODF 1.3 spec, and
LibreOffice run headless on them (its own profile, so parallel runs never share one).

ODF 1.3 part 2 (package): the zip's first member is ``mimetype``, stored uncompressed, holding
``application/vnd.oasis.opendocument.text``; ``META-INF/manifest.xml`` lists the members.
Part 3 (schema): reference marks are ``text:reference-mark-start``/``-end`` pairs with a
``text:name`` (19.x ``text:reference-mark-start``), sections are ``text:section``.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: .ci/run installs libreoffice-writer-nogui"
)

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
_DECLS = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k != "manifest")
MIMETYPE = b"application/vnd.oasis.opendocument.text"


def attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def write_odt(path: Path, body: str, user_defined: dict[str, str] | None = None) -> Path:
    """An .odt whose office:text is ``body`` (ODF XML using the text: prefix)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_DECLS} office:version="1.3">'
        f"<office:automatic-styles/><office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    styles = f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_DECLS} office:version="1.3"/>'
    props = "".join(
        f'<meta:user-defined meta:name="{attr(k)}">{attr(v)}</meta:user-defined>' for k, v in (user_defined or {}).items()
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_DECLS} office:version="1.3">'
        f"<office:meta>{props}</office:meta></office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest:manifest xmlns:manifest="{NS["manifest"]}" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, data in (("content.xml", content), ("styles.xml", styles), ("meta.xml", meta),
                           ("META-INF/manifest.xml", manifest)):
            z.writestr(name, data.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return path


def soffice_convert(src: Path, target: str, outdir: Path, profile: Path) -> Path:
    """``soffice --headless --convert-to TARGET``; the converted file's path."""
    assert SOFFICE is not None
    outdir.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(outdir), str(src)],
        capture_output=True, text=True, timeout=180,
    )
    ext = target.split(":", 1)[0]
    out = outdir / f"{src.stem}.{ext}"
    assert out.is_file(), f"soffice did not convert {src}: {run.stdout} {run.stderr}"
    return out


def members(path: Path) -> list[tuple[str, int, bytes]]:
    """(name, compression, bytes) of every member, in order."""
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]


def content_root(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read("content.xml"))


def body_paragraphs(path: Path) -> list[str]:
    """Text of each body paragraph, footnotes left out (as a reader sees the main text)."""
    root = content_root(path)
    text_el = root.find(".//office:text", NS)
    assert text_el is not None
    out: list[str] = []
    for p in text_el.iter():
        if p.tag in (f"{{{NS['text']}}}p", f"{{{NS['text']}}}h") and not _inside_note(root, p):
            out.append(_text_without_notes(p))
    return out


def footnotes(path: Path) -> list[str]:
    root = content_root(path)
    return ["".join(b.itertext()) for b in root.iter(f"{{{NS['text']}}}note-body")]


def _inside_note(root: ET.Element, el: ET.Element) -> bool:
    return any(el in list(b.iter()) for b in root.iter(f"{{{NS['text']}}}note-body"))


def _text_without_notes(el: ET.Element) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag != f"{{{NS['text']}}}note":
            parts.append(_text_without_notes(child))
        parts.append(child.tail or "")
    return "".join(parts)


def mark_names(path: Path) -> list[str]:
    root = content_root(path)
    return [el.get(f"{{{NS['text']}}}name", "") for el in root.iter(f"{{{NS['text']}}}reference-mark-start")]


def section_names(path: Path) -> list[str]:
    root = content_root(path)
    return [el.get(f"{{{NS['text']}}}name", "") for el in root.iter(f"{{{NS['text']}}}section")]


# ---- Zotero's documented format --------------------------------------------------------------
ZOTERO_SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"


def zotero_citation_name(citation_id: str, cites: list[dict[str, Any]], plain: str, note_index: int = 0) -> str:
    """A reference-mark name as Zotero's LibreOffice plugin writes it: "ZOTERO_ITEM CSL_CITATION"
    + the CSL citation JSON (citationID, properties, citationItems with uris and itemData, schema)
    + " RND" and ten random letters (Document.java / ReferenceMark.java of
    zotero/zotero-libreoffice-integration)."""
    data = {
        "citationID": citation_id,
        "properties": {"formattedCitation": plain, "plainCitation": plain, "noteIndex": note_index},
        "citationItems": cites,
        "schema": ZOTERO_SCHEMA,
    }
    return "ZOTERO_ITEM CSL_CITATION " + json.dumps(data, ensure_ascii=False) + " RND" + secrets.token_hex(5)


def zotero_bibliography_name() -> str:
    return 'ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY RND' + secrets.token_hex(5)


def zotero_prefs(style_id: str, locale: str = "en-US") -> dict[str, str]:
    """meta.xml user-defined properties holding Zotero's document preferences."""
    xml = (
        f'<data data-version="3" zotero-version="6.0.30"><session id="AbCdEfGh"/>'
        f'<style id="http://www.zotero.org/styles/{style_id}" locale="{locale}" hasBibliography="1" '
        'bibliographyStyleHasBeenSet="1"/><prefs><pref name="fieldType" value="ReferenceMark"/></prefs></data>'
    )
    return {"ZOTERO_PREF_1": xml}


def reference_mark(name: str, text: str) -> str:
    n = attr(name)
    return f'<text:reference-mark-start text:name="{n}"/>{attr(text)}<text:reference-mark-end text:name="{n}"/>'
