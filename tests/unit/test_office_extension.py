"""The Writer extension's plain-Python side and the app's side of it, without LibreOffice:
the extension reads and names marks as ``formats.odt_marks`` does (the two are written apart,
since LibreOffice's Python has none of our packages), finds the app's endpoint file where the
app writes it, turns citeproc-js HTML into formatted runs; the .oxt builds reproducibly and
refuses broken sources; the app renders the extension's citations with the library's data."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from tests.citeproc_skip import needs_citeproc

from bibliofile.formats import odt_marks
from bibliofile.model import Creator, Reference
from bibliofile.office.build_oxt import BuildError, build, source_files
from bibliofile.services import office_render
from bibliofile.storage.library import Library

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "packaging" / "libreoffice"
sys.path.insert(0, str(EXTENSION / "pythonpath"))
from bibliofile_office import app_link, marks  # noqa: E402  (the extension's own package)

NAMES = [
    'BIBLIOFILE_CITATION {"version":1,"citationID":"a1","citationItems":[{"id":"lee2008"}]}',
    'BIBLIOFILE_BIBL {"version":1,"style":"apa","locale":"en-GB"}',
    'ZOTERO_ITEM CSL_CITATION {"citationID":"x","citationItems":[{"id":12}]} RNDAbCdE12345',
    'ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY RNDq1w2e3r4t5',
    'ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY',
    "BIBLIOFILE_CITATION {not json",
    "BIBLIOFILE_CITATION [1, 2]",
    "ZOTERO_ITEM CSL_CITATION {}",
    "Figure 1",
    "",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_extension_reads_mark_names_as_the_headless_refresh_does(name: str) -> None:
    ours, theirs = marks.parse_name(name), odt_marks.parse_mark_name(name)
    if theirs is None:
        assert ours is None
        return
    assert ours is not None
    assert (ours.vendor, ours.kind, ours.data, ours.suffix) == (theirs.vendor, theirs.kind, theirs.data, theirs.suffix)
    assert bool(ours.error) == bool(theirs.error)
    if theirs.data is not None:
        data = {**theirs.data, "properties": {"plainCitation": "(Lee, 2008)"}, "title": "Über “quotes”"}
        assert marks.make_name(ours, data) == odt_marks.mark_name(theirs, data)


def test_bibliography_settings_as_the_headless_refresh_keeps_them() -> None:
    zotero = marks.parse_name(NAMES[3])
    assert zotero is not None
    data = marks.with_settings(zotero, "ieee", None)
    assert data["bibliofile"] == {"version": 1, "style": "ieee"} and data["uncited"] == []
    again = marks.parse_name(marks.make_name(zotero, data))
    assert again is not None and marks.settings_of(again) == ("ieee", None)
    assert marks.make_name(zotero, data).endswith(" CSL_BIBLIOGRAPHY RNDq1w2e3r4t5")
    ours = marks.parse_name(NAMES[1])
    assert ours is not None and marks.settings_of(ours) == ("apa", "en-GB")
    # a new style without a language drops the old language (the style's own then)
    assert marks.with_settings(ours, "ieee", None) == {"version": 1, "style": "ieee"}


def test_citeproc_html_becomes_formatted_runs() -> None:
    assert marks.html_runs("(Kim, 2010; <i>Nature</i>, 2008)") == [
        ("(Kim, 2010; ", ()), ("Nature", ("italic",)), (", 2008)", ())
    ]
    assert marks.html_runs('<span style="font-variant:small-caps;">Lee</span><sup>3</sup> &amp; co') == [
        ("Lee", ("small-caps",)), ("3", ("sup",)), (" & co", ())
    ]
    body = (
        '<div class="csl-bib-body">\n  <div class="csl-entry">\n    <div class="csl-left-margin">[1]</div>'
        '<div class="csl-right-inline">A. Lee, <i>Tests</i>, 2008.</div>\n  </div>\n'
        '  <div class="csl-entry">Kim, B. (2010). <i>Beta book</i>. Press.</div>\n</div>'
    )
    entries = marks.bibliography_runs(body)
    assert [marks.plain(e) for e in entries] == ["[1] A. Lee, Tests, 2008.", "Kim, B. (2010). Beta book. Press."]
    assert ("Beta book", ("italic",)) in entries[1]
    # an entry as the app sends it, on its own
    assert marks.plain(marks.html_runs('<div class="csl-entry">Kim, B. (2010).</div>')) == "Kim, B. (2010)."


def test_the_command_line_answer_is_split_into_citations_and_bibliography() -> None:
    out = '(Lee, 2008)\n(Kim, 2010)\n\n<div class="csl-bib-body">\n  <div class="csl-entry">Kim</div>\n</div>\n'
    citations, bib = marks.parse_cli_output(out, 2)
    assert citations == ["(Lee, 2008)", "(Kim, 2010)"]
    assert [marks.plain(e) for e in marks.bibliography_runs(bib)] == ["Kim"]
    with pytest.raises(ValueError):
        marks.parse_cli_output("(Lee, 2008)", 3)


def test_pasted_copies_get_their_own_citation_ids_and_footnotes_their_numbers() -> None:
    a = marks.new_citation([{"id": "lee2008"}])
    request = marks.render_request([a, dict(a), {"citationItems": [{"id": "kim"}]}], [0, 4, 4], "apa", None)
    ids = [c["citationID"] for c in request["citations"]]
    assert len(set(ids)) == 3 and ids[0] == a["citationID"]
    assert [c["properties"]["noteIndex"] for c in request["citations"]] == [0, 1, 1]
    assert "locale" not in request


def test_the_extension_finds_the_file_where_the_app_writes_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Path(app_link.state_dir()) == office_render.state_dir()
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(app_link.state_dir()) == office_render.state_dir() == tmp_path / ".local" / "state" / "Bibliofile"


def test_endpoint_file_is_private_and_only_its_writer_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "state" / office_render.ENDPOINT_FILE
    office_render.write_endpoint_file(path, 23119, "first")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["token"] == "first"
    office_render.write_endpoint_file(path, 23120, "second")  # a second app started since
    office_render.remove_endpoint_file(path, "first")
    assert json.loads(path.read_text())["port"] == 23120
    office_render.remove_endpoint_file(path, "second")
    assert not path.exists()
    assert list(path.parent.iterdir()) == []  # no temporary file left behind


def test_the_oxt_holds_the_sources_and_builds_the_same_bytes_twice(tmp_path: Path) -> None:
    first = build(tmp_path / "a.oxt", EXTENSION)
    second = build(tmp_path / "b.oxt", EXTENSION)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        names = z.namelist()
        manifest = z.read("META-INF/manifest.xml").decode()
        addons = z.read("Addons.xcu").decode()
    assert names == source_files(EXTENSION)
    assert "pythonpath/bibliofile_office/writer.py" in names and not any("__pycache__" in n for n in names)
    assert 'full-path="bibliofile_writer.py"' in manifest and "type=Python" in manifest
    for command in ("AddCitation", "AddBibliography", "Refresh", "Preferences"):
        assert f"org.bibliofile.writer:{command}" in addons


def copy_sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    for name in source_files(EXTENSION):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes((EXTENSION / name).read_bytes())
    return src


@pytest.mark.parametrize(
    ("broken", "text", "said"),
    [
        ("pythonpath/bibliofile_office/writer.py", "def refresh(:\n", "writer.py: line 1"),
        ("Addons.xcu", "<oor:component-data", "Addons.xcu: not XML"),
        ("META-INF/manifest.xml", '<m:manifest xmlns:m="http://openoffice.org/2001/manifest">'
         '<m:file-entry m:full-path="gone.py" m:media-type="x"/></m:manifest>', "names 'gone.py'"),
    ],
)
def test_broken_sources_fail_the_build_and_leave_no_file(tmp_path: Path, broken: str, text: str, said: str) -> None:
    src = copy_sources(tmp_path)
    (src / broken).write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match=said.replace("(", r"\(")):
        build(tmp_path / "out" / "x.oxt", src)
    assert not (tmp_path / "out" / "x.oxt").exists()


# ---- the app's render for the extension --------------------------------------------------------
def citation(cites: list[dict[str, Any]], cid: str) -> dict[str, Any]:
    return {"citationID": cid, "citationItems": cites, "properties": {"noteIndex": 0}}


@needs_citeproc
def test_render_takes_the_library_s_data_over_the_stale_embedded_one(library: Library) -> None:
    lee = Reference(
        item_type="article-journal", citation_key="lee2008",
        fields={"title": "Alpha study", "date": "2008", "container_title": "Journal of Tests"},
        creators=[Creator(family="Lee", given="Ann")],
    )
    with library.write() as u:
        u.add_items([lee])
    stale = {"id": "lee2008", "type": "article-journal", "citation-key": "lee2008", "title": "Alpha (draft)",
             "author": [{"family": "Lee", "given": "Ann"}], "issued": {"date-parts": [[2008]]}}
    other = {"id": "x1", "type": "book", "title": "Only here", "author": [{"family": "Kim"}],
             "issued": {"date-parts": [[2010]]}}
    payload = {"style": "apa", "citations": [
        citation([{"id": "lee2008", "locator": "3", "label": "page", "itemData": stale}], "a"),
        citation([{"id": "x1", "itemData": other}, {"id": "lee2008", "itemData": stale}], "b"),
    ]}
    out = office_render.render_for_office(payload, library)
    assert out["citations"] == ["(Lee, 2008, p. 3)", "(Kim, 2010; Lee, 2008)"]
    assert "Lee, A. (2008). Alpha study. <i>Journal of Tests</i>." in "".join(out["bibliography"])
    assert out["items"][0][0]["title"] == "Alpha study"
    assert out["items"][1][0]["title"] == "Only here"  # not in the library: as embedded
    assert out["from_library"] == 1 and out["note_style"] is False and out["problems"] == []
    # without a library (or a key it lacks) the embedded data is used
    assert office_render.render_for_office(payload, None)["items"][0][0]["title"] == "Alpha (draft)"


@pytest.mark.parametrize("payload", [[], {"citations": "x"}, {"citations": [], "style": 3}, {"citations": [5]}])
def test_render_refuses_what_the_extension_never_sends(payload: Any) -> None:
    with pytest.raises(office_render.OfficeRequestError):
        office_render.render_for_office(payload, None)


@pytest.mark.parametrize("xml", [
    '<data><style id="http://www.zotero.org/styles/ieee" locale="en-US"/></data>',
    '<data><style id="https://www.zotero.org/styles/apa"/></data>',
    "<data><prefs/></data>",
    "<data><style",
])
def test_zotero_s_preferences_read_as_the_headless_refresh_reads_them(xml: str) -> None:
    meta = (
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
        f'<meta:user-defined meta:name="ZOTERO_PREF_1">{odt_marks.escape_text(xml)}</meta:user-defined>'
        "</office:meta></office:document-meta>"
    ).encode()
    assert marks.zotero_preferences(xml) == odt_marks.zotero_preferences(meta)


def test_an_endpoint_file_left_by_a_crashed_app_means_not_running(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = office_render.endpoint_path()
    office_render.write_endpoint_file(path, 23119, "stale")
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "pid": gone.pid}))
    with pytest.raises(app_link.AppNotRunning):
        app_link.endpoint()
    path.write_text(json.dumps(data))  # this process wrote it: it runs
    assert app_link.endpoint() == (23119, "stale")
