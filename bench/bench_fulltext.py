"""Full text of attached files (issue 19): how fast PDFs are read into the index, and how fast
``fulltext:`` searches it, on this machine.

Writes N generated PDFs of P pages (tests/pdf_fixtures.py: Helvetica text, ~250 words a page
from a 4,000-word vocabulary, so the index has realistic doclists), links each to a reference,
then runs services/fulltext.index_files once (the PDF worker process does PDFium, this one
hashing and SQLite) and prints files/s and pages/s; then a second run (nothing changed: the
incremental check alone); then the median and worst of ``fulltext:`` searches for a rare word,
a common word and a prefix, through Library.search as the window and the CLI run them.
Defaults are the brief's 200 PDFs of 20 pages; the issue's target is 1,000 of 10 pages
(``--pdfs 1000 --pages 10``): at least 40 PDFs/s on 2 cores, searches under 20 ms median.
Run: .venv/bin/python bench/bench_fulltext.py [--pdfs N] [--pages P]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pdf_fixtures import Line, Page, write_pdf

from bibliofile.model import Reference
from bibliofile.pdf.worker import PdfWorker
from bibliofile.services import fulltext
from bibliofile.services.attachments import FileLocations
from bibliofile.storage import attachments as rows
from bibliofile.storage.attachments import LINKED, Attachment
from bibliofile.storage.library import Library

SYLLABLES = ["go", "ver", "na", "nce", "re", "form", "pub", "lic", "man", "age", "ment", "sta", "te",
             "po", "li", "cy", "net", "work", "mar", "ket", "trust", "au", "dit", "the", "ory"]


def vocabulary(n: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def page(rng: random.Random, vocab: list[str], number: int, extra: str = "") -> Page:
    lines: list[Line | str] = []
    for k in range(25):
        # Zipf-like: common words often, most words rarely.
        words = [vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)] for _ in range(10)]
        if k == 3 and extra:
            words.append(extra)
        lines.append(Line(" ".join(words), 10, 740 - 28 * k))
    lines.append(Line(str(number), 9, 40))
    return Page(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdfs", type=int, default=200)
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(19)
    vocab = vocabulary(4000, rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        files = []
        for i in range(args.pdfs):
            pages = [page(rng, vocab, n + 1, "needleword" if (i == 7 and n == 5) else "") for n in range(args.pages)]
            files.append(write_pdf(root / "papers" / f"paper{i:04d}.pdf", pages))
        total_mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"wrote {args.pdfs} PDFs x {args.pages} pages ({total_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")

        lib = Library.open(root / "library.sqlite")
        where = FileLocations.of(lib, root)
        ids = lib.add_references([Reference(fields={"title": f"Paper {i}"}) for i in range(args.pdfs)])
        with lib.write() as u:
            rows.add(u, [Attachment(rid, LINKED, f"papers/{f.name}", f.name, content_type="application/pdf")
                         for rid, f in zip(ids, files, strict=True)])

        with PdfWorker() as worker:
            worker.facts(files[0])  # the child started and PDFium loaded: not part of the figure
            t0 = time.perf_counter()
            report = fulltext.index_files(lib, where, worker=worker)
            took = time.perf_counter() - t0
            print(f"index: {report.read} files, {report.pages} pages in {took:.2f} s = "
                  f"{report.read / took:.1f} PDFs/s, {report.pages / took:.0f} pages/s"
                  f" ({len(report.failed)} failed, {len(report.scanned)} scanned)")
            t0 = time.perf_counter()
            again = fulltext.index_files(lib, where, worker=worker)
            print(f"second run (nothing changed): {again.unchanged} files checked in {1000 * (time.perf_counter() - t0):.0f} ms")

        size = (root / "library.sqlite").stat().st_size / 1e6
        print(f"library file: {size:.1f} MB")
        common = vocab[0]
        rare = vocab[-1]
        for label, query in (("one PDF's word", "fulltext:needleword"), ("rare word", f"fulltext:{rare}"),
                             ("common word", f"fulltext:{common}"), ("prefix (age*)", f"fulltext:{common[:3]}*"),
                             ("with a field", f"fulltext:{rare} year:1990..2030 OR fulltext:needleword")):
            times = []
            hits = 0
            for _ in range(15):
                t0 = time.perf_counter()
                hits = len(lib.search(query))
                times.append(1000 * (time.perf_counter() - t0))
            print(f"search {label:15s} {query!r}: {hits} hits, median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms")
        t0 = time.perf_counter()
        found = fulltext.pages_found(lib, f"fulltext:{common}", ids[:200])
        print(f"pages for 200 hits of a common word: {1000 * (time.perf_counter() - t0):.1f} ms "
              f"({sum(len(p.pages) for v in found.values() for p in v)} pages)")
        lib.close()


if __name__ == "__main__":
    main()
