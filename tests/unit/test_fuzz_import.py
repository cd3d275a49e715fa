"""A bounded mutation fuzzer over real input files: whatever a user feeds the importer, the command
ends in seconds with exit 0, 1 or 2 and a message (never "internal error"), and what was imported
survives export -> import -> export unchanged.

Seeds are the project's own fixtures plus, where this checkout sits beside it, the third-party
corpus in ../shared/corpus (read, never copied). Mutations are deterministic (a fixed seed per
file), so a failure names the seed file and mutation number and reproduces exactly:
``BIBLIOFILE_FUZZ_ONLY=<seed file name>:<n> pytest tests/unit/test_fuzz_import.py``.

The time budget is ``BIBLIOFILE_FUZZ_SECONDS`` (default 60) over all cases, so CI stays bounded; a
longer local run finds more (``BIBLIOFILE_FUZZ_SECONDS=1800``).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time
import zlib
from pathlib import Path

from tests.deadline import DeadlinePassed, deadline

from bibliofile import cli

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SUFFIXES = {".bib", ".bibtex", ".ris", ".txt", ".md", ".json", ".xml", ".enw", ".nbib"}
MAX_SEED_BYTES = 64_000
PER_FILE_SECONDS = 10
BUDGET_SECONDS = float(os.environ.get("BIBLIOFILE_FUZZ_SECONDS", "60"))
MUTATIONS_PER_SEED = 4

# Our own small seeds, one per format, so the fuzzer has something to chew on without the corpus.
OWN_SEEDS: dict[str, str] = {
    "own.bib": '@string{jn = "Journal"}\n@article{a1,\n  author = {M\\"uller, J. and von Neumann, John},\n'
    '  title = {On {DNA} \\& {RNA}},\n  journal = jn # " of Things",\n  year = 2001,\n  pages = {1--9}\n}\n'
    '@comment{kept}\n@book{b2, title = "Quoted", crossref = {a1}}\n',
    "own.ris": "TY  - JOUR\nAU  - Barata, Catarina\nTI  - A title\n  that continues\nPY  - 2020\n"
    "AB  - Abstract\nER  - \n\nTY  - BOOK\nAU  - World Health Organization\nTI  - Stats\nER  - \n",
    "own.json": '[{"id": "x", "type": "article-journal", "title": "T", "author": [{"family": "F", '
    '"given": "G"}], "issued": {"date-parts": [[2020, 5]]}}]',
    "own.xml": '<?xml version="1.0"?><xml><records><record><ref-type name="Journal Article">17</ref-type>'
    "<contributors><authors><author>Doe, J.</author></authors></contributors><titles><title>T</title>"
    "</titles><dates><year>2001</year></dates></record></records></xml>",
    "own.nbib": "PMID- 123\nTI  - A title\n      continued\nAU  - Doe J\nDP  - 2001 Jan\nJT  - Journal\n\n",
    "own.txt": "Kazakhstan: a title\nResearch output: Contribution to journal › Article › peer-review\n"
    "Overview\nOriginal language English\nPages (from-to) 1-9\nJournal Some Journal\nVolume 3\n",
}

HOSTILE = [
    b"@", b"{", b"}", b'"', b"\\", b"%", b"#", b",", b"=", b"\n", b"\r\n", b"\r", b"\x00",
    b"ER  - \n", b"TY  - JOUR\n", b"@string{x = x # x # x}", b"<", b"]]>", b"<!--", b"&amp;",
    b"\xff\xfe", b"\xc3(", b"\xe2\x80\x8f", b"[[[[[[[[", b"{{{{{{{{", b'{"a":', b"\\noopsort{",
    b"Research output:", b"Volume ", b"10.1000/x", b"date-parts", b"Infinity",
]


def _seeds() -> list[tuple[str, bytes]]:
    seeds = [(name, text.encode("utf-8")) for name, text in OWN_SEEDS.items()]
    data = REPO / "tests" / "data"
    roots = [data] + ([CORPUS] if CORPUS.is_dir() else [])
    for root in roots:
        for p in sorted(root.rglob("*")):
            if not p.is_file() or p.suffix.lower() not in SUFFIXES:
                continue
            if "expected" in p.name or p.name.endswith("_output.bib") or p.name.startswith(("README", "LICENSE")):
                continue
            raw = p.read_bytes()
            if len(raw) <= MAX_SEED_BYTES:
                seeds.append((p.name if root is data else str(p.relative_to(root)), raw))
    return seeds


def mutate(raw: bytes, rng: random.Random) -> bytes:
    """A few edits of the kinds that break parsers: flips, hostile tokens, cut or doubled spans."""
    buf = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if kind == 0 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif kind == 1:
            buf[pos:pos] = rng.choice(HOSTILE) * rng.choice((1, 1, 3, 50))
        elif kind == 2:
            del buf[pos : pos + rng.randint(1, 200)]
        elif kind == 3:
            span = bytes(buf[pos : pos + rng.randint(1, 400)])
            buf[pos:pos] = span * rng.randint(1, 20)
        elif kind == 4:
            del buf[pos:]
        else:
            end = min(len(buf), pos + rng.randint(1, 40))
            buf[pos:end] = bytes(buf[pos:end]).swapcase()
    return bytes(buf)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(args))
    return rc, out.getvalue(), err.getvalue()


def _cases() -> list[tuple[str, int]]:
    only = os.environ.get("BIBLIOFILE_FUZZ_ONLY")
    if only:
        name, _, n = only.rpartition(":")
        return [(name, int(n))]
    cases = [(name, n) for name, _ in _seeds() for n in range(MUTATIONS_PER_SEED)]
    random.Random(20261204).shuffle(cases)  # every format early in a short budget, same order each run
    return cases


def test_seeds_are_found() -> None:
    """The fuzzer must have real input: our own seeds always, and the corpus when it is beside us."""
    names = [name for name, _ in _seeds()]
    assert len(names) >= len(OWN_SEEDS) + 3
    if CORPUS.is_dir():
        assert any(n.endswith(".ris") for n in names) and any(n.endswith(".bib") for n in names)


def test_mutated_files_end_with_a_message_and_round_trip(tmp_path: Path) -> None:
    seeds = dict(_seeds())
    started = time.monotonic()
    ran = 0
    failures: list[str] = []
    for name, n in _cases():
        if time.monotonic() - started > BUDGET_SECONDS:
            break
        rng = random.Random(zlib.crc32(f"{name}:{n}".encode()))
        data = mutate(seeds[name], rng) if n else seeds[name]  # mutation 0 is the seed itself
        suffix = Path(name).suffix or ".txt"
        case = tmp_path / f"case{ran}"
        case.mkdir()
        src = case / f"input{suffix}"
        src.write_bytes(data)
        lib, lib2 = case / "a.sqlite", case / "b.sqlite"
        where = f"{name}:{n}"
        ran += 1
        t0 = time.monotonic()
        try:
            with deadline(PER_FILE_SECONDS):
                rc, _out, err = run_cli("--library", str(lib), "import", str(src))
        except DeadlinePassed:
            failures.append(f"{where}: import took more than {PER_FILE_SECONDS} s")
            continue
        if rc not in (0, 1, 2) or "internal error" in err:
            failures.append(f"{where}: import exit {rc}: {err.strip()[:300]}")
            continue
        if rc != 0 or not lib.exists():
            continue
        try:
            with deadline(PER_FILE_SECONDS):
                for fmt, ext in (("bibtex", "bib"), ("ris", "ris")):
                    first, again = case / f"first.{ext}", case / f"again.{ext}"
                    rc1, _, err1 = run_cli("--library", str(lib), "export", "--format", fmt, "-o", str(first))
                    if rc1 != 0:
                        failures.append(f"{where}: export {fmt} exit {rc1}: {err1.strip()[:300]}")
                        break
                    lib2.unlink(missing_ok=True)
                    for extra in ("-wal", "-shm"):
                        Path(str(lib2) + extra).unlink(missing_ok=True)
                    rc2, _, err2 = run_cli("--library", str(lib2), "import", "--format", fmt, str(first))
                    if first.stat().st_size and rc2 != 0:
                        failures.append(f"{where}: re-import of our {fmt} export exit {rc2}: {err2.strip()[:300]}")
                        break
                    run_cli("--library", str(lib2), "export", "--format", fmt, "-o", str(again))
                    if first.stat().st_size and first.read_bytes() != again.read_bytes():
                        failures.append(f"{where}: {fmt} export -> import -> export changed the file")
        except DeadlinePassed:
            failures.append(f"{where}: export/re-import took more than {PER_FILE_SECONDS} s")
        if time.monotonic() - t0 > PER_FILE_SECONDS:
            failures.append(f"{where}: took {time.monotonic() - t0:.1f} s")
    assert ran > 0, "no fuzz case ran"
    assert not failures, f"{len(failures)} of {ran} cases failed:\n" + "\n".join(failures[:40])
