"""Refresh of a long document inside LibreOffice Writer, by the extension's own Refresh button.

    python bench/bench_writer_refresh.py [--citations 300] [--references 150] [--json OUT]

Needs soffice and LibreOffice's Python bridge (Debian: python3-uno, /usr/bin/python3). Builds
the .oxt, writes an .odt with N citations (Bibliofile reference marks embedding their CSL-JSON,
every tenth citing two references), installs the extension into a private profile of a headless
soffice and presses Refresh through LibreOffice's dispatcher, as a click does (the extension's
Python runs inside soffice). Printed for each press, in wall seconds (a shared machine's load
stretches them; the load average is printed with them): ``settled``, until Writer has laid the
document out again (the driver reads the page count), ``command``, until the dispatch returned,
and the extension's own phases (it appends them to ``$BIBLIOFILE_OFFICE_TIMINGS``): find (the
marks in document order), render (the app or the command line), citations (the marks rewritten;
unchanged ones are left alone), bibliography, unlock (the undo step closed, the views unlocked):

* without the app: the first Refresh (the extension's Python loaded, ``bibliofile cite
  --clusters`` started and its engine built: ~2-3 s of the total), a second one with nothing
  changed (marks left alone), and a restyle to IEEE (every mark rewritten);
* with the app: the render answered by the app's token endpoint (the server of
  gui/cayw_server.py in this process, rendering with services/office_render.py as the app does,
  from the embedded data): a restyle to APA with a cold engine (a fresh soffice, too: nothing
  remembered from an earlier refresh), then to IEEE with it warm, then one with nothing changed;
  then to Chicago notes (every citation moved into a footnote of its own: a note style), one
  with nothing changed, and back to APA (out of the footnotes).

Target (issue 20): under 3 s for 300 citations and 150 entries, for a restyle in Writer with the
app running and without it. (Moving every citation into footnotes or out of them is a one-off
conversion, printed for the record.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "desktop"))

DRIVER = ROOT / "tests" / "libreoffice_driver.py"
EXTENSION = ROOT / "packaging" / "libreoffice"
FAMILIES = ["Knox", "Ostrom", "Weber", "Simon", "Lindblom", "Hood", "Dunleavy", "Pollitt", "Müller", "van der Berg"]
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def items(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"ref{i}", "citation-key": f"ref{i}", "type": "article-journal" if i % 3 else "book",
         "title": f"Study of governance number {i}", "container-title": "Journal of Tests",
         "author": [{"family": FAMILIES[(i + k) % len(FAMILIES)], "given": "Anna"} for k in range(1 + i % 3)],
         "issued": {"date-parts": [[2000 + i % 20]]}}
        for i in range(n)
    ]


def attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def write_document(path: Path, citations: int, references: int) -> None:
    refs = items(references)
    paragraphs = []
    for n in range(citations):
        cites = [{"id": refs[(n * 7) % references]["id"], "itemData": refs[(n * 7) % references]}]
        if n % 10 == 9:
            cites.append({"id": refs[(n * 3 + 1) % references]["id"], "locator": "12", "label": "page",
                          "itemData": refs[(n * 3 + 1) % references]})
        data = {"version": 1, "citationID": f"c{n}", "citationItems": cites,
                "properties": {"plainCitation": "{Citation}", "noteIndex": 0}}
        name = attr("BIBLIOFILE_CITATION " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        paragraphs.append(
            f"<text:p>Sentence {n} makes a claim <text:reference-mark-start text:name=\"{name}\"/>{{Citation}}"
            f"<text:reference-mark-end text:name=\"{name}\"/>.</text:p>"
        )
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {NS} office:version="1.3">'
               f"<office:body><office:text>{''.join(paragraphs)}</office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)


def drive(tmp: Path, uno_python: str, oxt: Path, steps: list[dict[str, Any]], env: dict[str, str]) -> list[dict[str, Any]]:
    """Run the steps in a fresh soffice; each dispatch's result with the extension's own
    timings of that refresh (the lines it appends to $BIBLIOFILE_OFFICE_TIMINGS) under "inside"."""
    spec = tmp / f"steps-{len(list(tmp.glob('steps-*')))}.json"
    spec.write_text(json.dumps({"profile": str(tmp / "profile"), "extension": str(EXTENSION), "oxt": str(oxt),
                                "steps": steps}), encoding="utf-8")
    timings = tmp / "timings.jsonl"
    timings.unlink(missing_ok=True)
    env = {**env, "BIBLIOFILE_OFFICE_TIMINGS": str(timings)}
    done = subprocess.run([uno_python, str(DRIVER), str(spec)], capture_output=True, text=True, env=env, timeout=900)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        raise SystemExit(f"driver failed: {results} {done.stderr[-2000:]}")
    dispatches = [r for r in results if r["op"] == "dispatch"]
    inside = [json.loads(line) for line in timings.read_text(encoding="utf-8").splitlines()] if timings.exists() else []
    if len(inside) != len(dispatches):
        raise SystemExit(f"the extension logged {len(inside)} refreshes for {len(dispatches)} presses: {results}")
    for r, i in zip(dispatches, inside, strict=True):
        r["inside"] = i
    return dispatches


def serve(state: Path) -> Any:
    """The app's endpoint, rendering as the app does, from the citations' own data."""
    from bibliofile.gui.cayw_server import CaywHttpServer, PickGate, RenderRequest
    from bibliofile.services.office_render import new_token, render_for_office, write_endpoint_file

    def render(request: RenderRequest) -> None:
        try:
            request.finish(render_for_office(request.payload, None))
        except Exception as exc:
            request.finish(None, str(exc))

    token = new_token()
    server = CaywHttpServer(0, lambda r: r.finish(None), lambda _t: None, PickGate(), token, render)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write_endpoint_file(state / "Bibliofile" / "office-endpoint.json", server.server_address[1], token)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citations", type=int, default=300)
    parser.add_argument("--references", type=int, default=150)
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args()
    uno_python = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if os.path.exists(p)
                       and subprocess.run([p, "-c", "import uno"], capture_output=True).returncode == 0), None)
    if shutil.which("soffice") is None or uno_python is None:
        print("skipped: needs soffice and python3-uno")
        if args.json:
            Path(args.json).write_text("")
        return 0
    from bibliofile.office.build_oxt import build

    with tempfile.TemporaryDirectory(prefix="bench-writer-") as d:
        tmp = Path(d)
        oxt = build(tmp / "bibliofile-writer.oxt", EXTENSION)
        write_document(tmp / "long.odt", args.citations, args.references)
        env = {**os.environ, "HOME": str(tmp / "home"), "XDG_STATE_HOME": str(tmp / "state"),
               "BIBLIOFILE_COMMAND": f"{sys.executable} -m bibliofile"}
        button = "org.bibliofile.writer:Refresh"
        alone = drive(tmp, uno_python, oxt, [
            {"op": "open", "path": str(tmp / "long.odt")},
            {"op": "dispatch", "url": button},
            {"op": "dispatch", "url": button},
            {"op": "dispatch", "url": button + "?style=ieee"},
            {"op": "save", "path": str(tmp / "long.odt")},
        ], env)
        server = serve(tmp / "state")
        try:
            with_app = drive(tmp, uno_python, oxt, [
                {"op": "open", "path": str(tmp / "long.odt")},
                {"op": "dispatch", "url": button + "?style=apa"},
                {"op": "dispatch", "url": button + "?style=ieee"},
                {"op": "dispatch", "url": button},
                {"op": "dispatch", "url": button + "?style=chicago-notes-bibliography-subsequent-ibid"},
                {"op": "dispatch", "url": button},
                {"op": "dispatch", "url": button + "?style=apa"},
            ], env)
        finally:
            server.shutdown()
            server.server_close()
    runs = {
        "without_app_first": alone[0],
        "without_app_unchanged": alone[1],
        "without_app_restyle": alone[2],
        "with_app_cold_restyle": with_app[0],
        "with_app_warm_restyle": with_app[1],
        "with_app_unchanged": with_app[2],
        "with_app_into_notes": with_app[3],
        "with_app_notes_unchanged": with_app[4],
        "with_app_out_of_notes": with_app[5],
    }
    figures = {f"{k}_s": r["settled_seconds"] for k, r in runs.items()}
    load = os.getloadavg()[0]
    print(f"Writer refresh of {args.citations} citations of {args.references} references by the Refresh button "
          f"(wall seconds; load {load:.1f} on {os.cpu_count()} cores):")
    print(f"  {'':24} {'settled':>7} {'command':>7} | inside the extension: phases")
    for key, r in runs.items():
        inside = r["inside"]
        phases = " ".join(f"{k}={v:.2f}" for k, v in inside["seconds"].items() if k != "total")
        print(f"  {key:24} {r['settled_seconds']:7.2f} {r['dispatch_seconds']:7.2f} | via {inside['via']}, "
              f"{inside['rewritten']}/{inside['refreshed']} marks rewritten: {phases}")
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "writer_refresh", "load": load, **figures,
                                               "runs": {k: {**r, "citations": len(r["citations"])} for k, r in runs.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
