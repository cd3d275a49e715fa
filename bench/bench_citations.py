"""Citation speed: engine start, the 50-reference drag payload, a 1,000-entry APA bibliography.

    python bench/bench_citations.py [--n 1000] [--repeat 3] [--json OUT]

Measured in one process, in the order a session meets them:

* the style catalogue (read from its cached index) and the first engine: loading citeproc.js
  into V8 and building the APA ``CSL.Engine`` (what the window does in the background before
  the first copy or drag);
* the drag payload for 50 references (HTML + text + RTF of the bibliography, BibTeX, CSL-JSON):
  cold (rendered, engine kept) and cached (what a drag does: load the 50 rows from a real
  SQLite library, resolve crossrefs, hash, look up). Target: the drag < 100 ms;
* an APA bibliography of ``--n`` references as text, first and again (engine kept). Target < 3 s;
* the same items, style and locales formatted by citeproc-js under Node (when ``node`` is on
  PATH): the ratio of our time to Node's. Target <= 1.3.

References are synthetic and deterministic: articles, books and chapters, 1-3 authors, 30 years.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "desktop"))

from bibliofile.model import Creator, CreatorRole, Reference  # noqa: E402

FAMILIES = ["Knox", "Ostrom", "Weber", "Simon", "Lindblom", "Hood", "Dunleavy", "Pollitt", "Müller", "van der Berg"]
WORDS = ["governance", "reform", "public", "management", "state", "policy", "network", "markets", "trust", "audit"]


def references(n: int) -> list[Reference]:
    refs = []
    for i in range(n):
        kind = ("article-journal", "book", "chapter")[i % 3]
        creators = [
            Creator(family=FAMILIES[(i + k) % len(FAMILIES)], given=f"{chr(65 + (i + k) % 26)}. {chr(66 + k)}.")
            for k in range(1 + i % 3)
        ]
        fields = {
            "title": f"{WORDS[i % 10].capitalize()} and {WORDS[(i * 7 + 3) % 10]} in study {i}",
            "date": f"{1990 + i % 30}-{1 + i % 12:02d}",
            "publisher": "Hafner",
            "pages": f"{i % 300 + 1}--{i % 300 + 15}",
        }
        if kind == "article-journal":
            fields.update(container_title=f"Journal of {WORDS[i % 10].capitalize()}", volume=str(i % 40 + 1), issue=str(i % 4 + 1))
            fields["doi"] = f"10.1000/j.{i}"
        elif kind == "chapter":
            fields["container_title"] = f"Handbook of {WORDS[(i + 3) % 10]}"
            creators.append(Creator(role=CreatorRole.EDITOR, family="Editor", given="Eve"))
        else:
            fields["edition"] = str(1 + i % 4)
        refs.append(Reference(item_type=kind, citation_key=f"ref{i}", fields=fields, creators=creators))
    return refs


def _t(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


NODE_JS = r"""
const fs = require("fs");
const path = require("path");
const [citeproc, dir] = process.argv.slice(2);
const CSL = require(citeproc);
const items = JSON.parse(fs.readFileSync(path.join(dir, "items.json"), "utf8"));
const style = fs.readFileSync(path.join(dir, "style.csl"), "utf8");
const locales = JSON.parse(fs.readFileSync(path.join(dir, "locales.json"), "utf8"));
const byId = {};
for (const it of items) byId[it.id] = it;
const sys = {retrieveItem: (id) => byId[id], retrieveLocale: (l) => locales[l] || locales["en-US"]};
let t0 = process.hrtime.bigint();
const engine = new CSL.Engine(sys, style, "en-US", true);
const build = Number(process.hrtime.bigint() - t0) / 1e9;
const runs = [];
for (let r = 0; r < Number(process.argv[4] || 3); r++) {
  t0 = process.hrtime.bigint();
  engine.updateItems(items.map((i) => i.id));
  engine.setOutputFormat("text");
  const out = engine.makeBibliography();
  runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  if (out[1].length !== items.length) throw new Error("wrong count " + out[1].length);
}
console.log(JSON.stringify({build, runs}));
"""


def node_figures(items: list[dict[str, Any]], repeat: int) -> dict[str, Any] | None:
    """citeproc-js under Node on the same items, style and locales (None without node)."""
    from bibliofile.citation.engine import find_citeproc_js
    from bibliofile.citation.locales import locale_xml
    from bibliofile.citation.styles import catalogue

    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "items.json").write_text(json.dumps(items), encoding="utf-8")
        (d / "style.csl").write_text(catalogue().resolve("apa").xml, encoding="utf-8")
        (d / "locales.json").write_text(json.dumps({"en-US": locale_xml("en-US")}), encoding="utf-8")
        (d / "run.js").write_text(NODE_JS, encoding="utf-8")
        proc = subprocess.run(
            [node, str(d / "run.js"), str(find_citeproc_js()), str(d), str(repeat)],
            capture_output=True, text=True, timeout=600,
        )
        if proc.returncode != 0:
            print(f"  (node failed: {proc.stderr.strip()[:300]})", file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(proc.stdout)
        return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="references in the big bibliography")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from bibliofile.citation.csl_json import to_csl_json
    from bibliofile.citation.engine import CiteprocEngine, _item_ids
    from bibliofile.citation.styles import catalogue
    from bibliofile.services.citation_payload import PayloadCache, build_payload
    from bibliofile.storage.library import Library

    res: dict[str, Any] = {"n": args.n}
    res["catalogue_s"], styles = _t(catalogue)
    engine = CiteprocEngine(styles=styles)
    import bibliofile.citation.engine as engine_module

    engine_module._default = engine  # the payload code formats with the process-wide engine
    res["engine_first_apa_s"], _ = _t(lambda: engine.prepare("apa"))
    res["citeproc_load_s"] = engine.load_seconds

    fifty = references(50)
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(Path(tmp) / "bench.sqlite")
        try:
            with lib.write() as u:
                ids = u.add_items(fifty)
            cold = []
            for _ in range(args.repeat):
                cache = PayloadCache()
                t, _p = _t(lambda cache=cache: cache.build(lib, ids, "apa", None, False))
                cold.append(t)
            cached = [_t(lambda: cache.get(lib, ids, "apa", None, False))[0] for _ in range(max(5, args.repeat))]
            assert cache.get(lib, ids, "apa", None, False) is not None
            cite_cold, _ = _t(lambda: build_payload(lib.get_many(ids), "apa", None, True))
        finally:
            lib.close()
    res["payload50_cold_s"] = statistics.median(cold)
    res["payload50_cached_s"] = statistics.median(cached)
    res["payload50_cached_max_s"] = max(cached)
    res["citation50_cold_s"] = cite_cold

    big = references(args.n)
    runs = [_t(lambda: engine.bibliography(big, "apa", None, "text"))[0] for _ in range(args.repeat)]
    res["apa_big_first_s"] = runs[0]
    res["apa_big_again_s"] = statistics.median(runs[1:]) if len(runs) > 1 else runs[0]
    items = [to_csl_json(r) for r in big]
    for item, iid in zip(items, _item_ids(items), strict=True):
        item["id"] = iid
    node = node_figures(items, args.repeat)
    if node is not None:
        res["node_engine_apa_s"] = node["build"]
        res["node_big_first_s"] = node["runs"][0]
        res["node_big_again_s"] = statistics.median(node["runs"][1:]) if len(node["runs"]) > 1 else node["runs"][0]
        res["ratio_first"] = res["apa_big_first_s"] / node["runs"][0]
        res["ratio_again"] = res["apa_big_again_s"] / res["node_big_again_s"]
    engine.close()

    ms = 1000.0
    print(f"style catalogue (cached index)      {res['catalogue_s'] * ms:8.0f} ms")
    print(f"load citeproc.js into V8             {res['citeproc_load_s'] * ms:8.0f} ms")
    print(f"first engine: APA 7 (incl. load)     {res['engine_first_apa_s'] * ms:8.0f} ms")
    print(f"50-ref payload, cold (5 formats)     {res['payload50_cold_s'] * ms:8.0f} ms")
    print(f"50-ref payload, cached (the drag)    {res['payload50_cached_s'] * ms:8.1f} ms  (max {res['payload50_cached_max_s'] * ms:.1f}; target < 100)")
    print(f"50-ref citation payload, cold        {res['citation50_cold_s'] * ms:8.0f} ms")
    print(f"{args.n} APA entries, first          {res['apa_big_first_s'] * ms:8.0f} ms  (target < 3000)")
    print(f"{args.n} APA entries, again          {res['apa_big_again_s'] * ms:8.0f} ms")
    if node is not None:
        print(f"Node citeproc-js: engine {res['node_engine_apa_s'] * ms:.0f} ms, {args.n} entries first "
              f"{res['node_big_first_s'] * ms:.0f} ms, again {res['node_big_again_s'] * ms:.0f} ms")
        print(f"ratio ours / Node: first {res['ratio_first']:.2f}, again {res['ratio_again']:.2f}  (target <= 1.3)")
    else:
        print("Node not found: no ratio")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
