"""Exporting an edited entry of a file of hostile @string macros (issue 14).

The writer used to expand every @string value in full to tell which fields of an edited entry
changed: 2^k copies for k doubling macros, and quadratic copying for a long chain. Each shape runs
in a child process under a memory cap (so the old code fails with MemoryError instead of taking
the machine) and prints the export's time and the child's peak memory.

    PYTHONPATH=desktop .venv/bin/python bench/bench_fidelity_macro_export.py [--cap-mb 1500]

(Point PYTHONPATH at another checkout's desktop/ to measure that code, e.g. the "before".)
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
from pathlib import Path

from hostile_cases import run_case

CHILD = textwrap.dedent(
    """
    import resource, sys, time
    from pathlib import Path
    cap = int(sys.argv[2]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from bibliofile.services.editing import apply_edit, set_field
    from bibliofile.services.exporting import export_text
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library
    folder = Path(sys.argv[1])
    lib = Library.open(folder / "lib.sqlite")
    import_files(lib, [folder / "macros.bib"], workers=1)
    (ref,) = lib.get_many(lib.search(""))
    apply_edit(lib, ref, set_field(ref, "title", "New"))
    start = time.perf_counter()
    try:
        text = export_text(lib)
        took = f"{time.perf_counter() - start:.2f} s"
    except MemoryError:
        took = f"MemoryError after {time.perf_counter() - start:.2f} s"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{took}; peak {peak} MB")
    """
)


def doubling(levels: int) -> str:
    lines = ['@string{a0 = "xy"}'] + [f"@string{{a{i} = a{i - 1} # a{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@article{{k,\n  title = {{Old}},\n  journal = a3,\n  note = a{levels}\n}}\n")
    return "\n".join(lines) + "\n"


def chain(n: int) -> str:
    lines = ['@string{m0 = "x"}'] + [f'@string{{m{i} = m{i - 1} # "x"}}' for i in range(1, n + 1)]
    lines.append(f"@article{{k,\n  title = {{Old}},\n  note = m{n}\n}}\n")
    return "\n".join(lines) + "\n"


def run(label: str, text: str, cap_mb: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "macros.bib").write_text(text, encoding="utf-8")
        got = run_case(["-c", CHILD, folder, str(cap_mb)], timeout=120)
        result = "past 120 s (stopped)" if got.timed_out else got.line or f"failed: {got.error}"
    print(f"{label:<34} {len(text):>9,} bytes  export: {result}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cap-mb", type=int, default=1500, help="memory cap of each child (MB)")
    args = ap.parse_args()
    import bibliofile

    print(f"code: {Path(bibliofile.__file__).parent}")
    for levels in (24, 26, 28, 40):
        run(f"{levels} doubling macros", doubling(levels), args.cap_mb)
    for n in (20_000, 50_000, 100_000):
        run(f"chain of {n:,} macros", chain(n), args.cap_mb)


if __name__ == "__main__":
    main()
