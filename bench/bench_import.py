"""Import speed: our whole import against bibtexparser's bare parse of the same file, same run.

    python bench/bench_import.py [--n 100000] [--seed 1] [--repeat 1] [--workers 2] [--json OUT]
    python bench/bench_import.py --profile [--n 100000]     (where our import's time goes)
    python bench/bench_import.py --timeline [--n 100000]    (its CPU and its workers' over time)
    python bench/bench_import.py --phases [--n 100000]      (the importing thread's CPU per phase)

(a) baseline: ``bibtexparser.parse_file(path)`` with its default parse stack (parse only, no
    storage); (b) ours: ``Library.open(fresh file)`` + ``import_files(lib, [path])`` (read,
    decode, parse in worker processes, store references, creators, FTS rows, kept blocks, commit).

Each measurement runs in its own child process, so peak RSS (``ru_maxrss``) belongs to one
variant and neither warms the other's caches; the .bib file itself is in the page cache for both.
With ``--repeat`` the variants alternate and the median is reported. The target from the issue is
ratio = baseline seconds / our seconds >= 1.0 (goal 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate_bib import DATA_DIR, ensure_bib

TARGET_RATIO = 1.0
GOAL_RATIO = 1.5


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its waited-for children (the parse workers):
    on a shared machine it moves far less than wall time with the other processes' load."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _cpu_split() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its waited-for children apart: the
    import's main process (storage) and its parse workers compete for the same cores."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest waited-for child (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def run_baseline(path: Path) -> dict[str, Any]:
    import bibtexparser

    c0 = _cpu_seconds()
    t0 = time.perf_counter()
    library = bibtexparser.parse_file(str(path))  # type: ignore[attr-defined]
    seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - c0
    own, kids = _peak_rss_mb()
    return {
        "variant": "baseline",
        "seconds": seconds,
        "cpu_seconds": cpu,
        "entries": len(library.entries),
        "failed_blocks": len(library.failed_blocks),
        "rss_mb": own,
        "workers_rss_mb": kids,
    }


def run_ours(path: Path, workers: int) -> dict[str, Any]:
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="import-", dir=DATA_DIR))
    try:
        c0 = _cpu_seconds()
        main0, kids0 = _cpu_split()
        t0 = time.perf_counter()
        lib = Library.open(tmp / "library.sqlite")
        t1 = time.perf_counter()
        report = import_files(lib, [path], workers=workers)
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0  # the workers have exited: import_files shuts its pool down
        main1, kids1 = _cpu_split()
        own, kids = _peak_rss_mb()
        stored = lib.count()
        t2 = time.perf_counter()
        lib.wait_for_checkpoint()  # the WAL copied into the file after the commit, on a thread
        checkpoint = time.perf_counter() - t2
        lib.close()
        return {
            "variant": "ours",
            "seconds": seconds,
            "cpu_seconds": cpu,
            "main_cpu_seconds": main1 - main0,
            "workers_cpu_seconds": kids1 - kids0,
            "checkpoint_seconds": checkpoint,
            "open_seconds": t1 - t0,
            "entries": report.imported,
            "stored": stored,
            "problems": len(report.problems),
            "first_problems": [f"{p.file}:{p.line}: {p.message}" for p in report.problems[:5]],
            "rss_mb": own,
            "workers_rss_mb": kids,
            "workers": workers,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _child(variant: str, path: Path, workers: int) -> dict[str, Any]:
    """Run one variant in a fresh interpreter and return what it measured."""
    cmd = [sys.executable, __file__, "--child", variant, "--file", str(path), "--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(n: int, seed: int = 1, repeat: int = 1, workers: int = 2) -> dict[str, Any]:
    path = ensure_bib(n, seed)
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "ours": []}
    load_before = _load()
    for _ in range(repeat):
        for variant in ("baseline", "ours"):
            runs[variant].append(_child(variant, path, workers))
    load_after = _load()
    base_s = statistics.median(r["seconds"] for r in runs["baseline"])
    ours_s = statistics.median(r["seconds"] for r in runs["ours"])
    last_ours = runs["ours"][-1]
    return {
        "n": n,
        "file": str(path),
        "file_mb": path.stat().st_size / 1e6,
        "repeat": repeat,
        "baseline_seconds": base_s,
        "ours_seconds": ours_s,
        "baseline_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs["baseline"]),
        "ours_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs["ours"]),
        "ours_main_cpu_seconds": statistics.median(r["main_cpu_seconds"] for r in runs["ours"]),
        "ours_workers_cpu_seconds": statistics.median(r["workers_cpu_seconds"] for r in runs["ours"]),
        "ratios": [b["seconds"] / o["seconds"] for b, o in zip(runs["baseline"], runs["ours"], strict=True)],
        "load_before": load_before,
        "load_after": load_after,
        "ours_open_seconds": statistics.median(r["open_seconds"] for r in runs["ours"]),
        "ours_checkpoint_seconds": statistics.median(r["checkpoint_seconds"] for r in runs["ours"]),
        "baseline_eps": n / base_s,
        "ours_eps": n / ours_s,
        "ratio": base_s / ours_s,
        "baseline_rss_mb": max(r["rss_mb"] for r in runs["baseline"]),
        "ours_rss_mb": max(r["rss_mb"] for r in runs["ours"]),
        "ours_workers_rss_mb": max(r["workers_rss_mb"] for r in runs["ours"]),
        "baseline_count_ok": all(r["entries"] == n for r in runs["baseline"]),
        "ours_count_ok": all(r["entries"] == n and r["stored"] == n for r in runs["ours"]),
        "ours_imported": last_ours["entries"],
        "ours_stored": last_ours["stored"],
        "ours_problems": last_ours["problems"],
        "first_problems": last_ours["first_problems"],
        "runs": runs,
    }


def report(r: dict[str, Any]) -> None:
    n = r["n"]
    print(f"import of {n:,} entries ({r['file_mb']:.1f} MB, {Path(r['file']).name}), "
          f"median of {r['repeat']} run(s); load average {r['load_before']} before, {r['load_after']} after")
    print(f"  (a) bibtexparser.parse_file  {r['baseline_seconds']:8.2f} s  "
          f"{r['baseline_eps']:9,.0f} entries/s  peak RSS {r['baseline_rss_mb']:,.0f} MB  "
          f"count {'ok' if r['baseline_count_ok'] else 'WRONG'}")
    print(f"  (b) open + import_files      {r['ours_seconds']:8.2f} s  "
          f"{r['ours_eps']:9,.0f} entries/s  peak RSS {r['ours_rss_mb']:,.0f} MB "
          f"(+ largest worker {r['ours_workers_rss_mb']:,.0f} MB)  "
          f"count {'ok' if r['ours_count_ok'] else 'WRONG'} "
          f"({r['ours_imported']:,} imported, {r['ours_stored']:,} stored, "
          f"{r['ours_problems']} problems; open {r['ours_open_seconds']:.2f} s)")
    print(f"      then, on a thread after the commit (not counted): WAL checkpoint still running for "
          f"{r.get('ours_checkpoint_seconds', 0.0):.2f} s")
    for p in r["first_problems"]:
        print(f"      problem: {p}")
    print(f"      CPU (process + workers): baseline {r['baseline_cpu_seconds']:.2f} s, "
          f"ours {r['ours_cpu_seconds']:.2f} s (main {r['ours_main_cpu_seconds']:.2f} s, "
          f"workers {r['ours_workers_cpu_seconds']:.2f} s); each run's ratio: "
          + ", ".join(f"{x:.2f}" for x in r["ratios"]))
    verdict = "goal met" if r["ratio"] >= GOAL_RATIO else "target met" if r["ratio"] >= TARGET_RATIO else "BELOW TARGET"
    print(f"  ratio baseline/ours = {r['ratio']:.2f}  (target >= {TARGET_RATIO}, goal {GOAL_RATIO}): {verdict}")


# ---- profiling ---------------------------------------------------------------------------------


def _cum(stats: Any, name: str, file_part: str = "") -> tuple[float, int]:
    """Cumulative seconds and calls of functions called ``name`` in a file containing ``file_part``."""
    total, calls = 0.0, 0
    for (file, _line, func), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
        if func == name and file_part in file:
            total += ct
            calls += nc
    return total, calls


def _statement_kind(statement: str) -> str:
    words = statement.split(None, 4)
    if words[:1] == ["INSERT"] and len(words) > 2:
        return "INSERT " + words[2].strip('"')
    return " ".join(words[:2])


def profile_ours(path: Path, workers: int, parse_sample: int = 10_000) -> None:
    """Where our import's time goes: the main process under cProfile (storage), SQL time per
    statement from SQLAlchemy's cursor events, and a single-process profile of the parse the
    workers do, on the first ``parse_sample`` entries."""
    import cProfile
    import pickle
    import pstats
    from collections import defaultdict

    from sqlalchemy import event

    from bibliofile.formats.bibtex_reader import decode_bytes, read_bibtex
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="profile-", dir=DATA_DIR))
    try:
        lib = Library.open(tmp / "library.sqlite")
        sql: dict[str, float] = defaultdict(float)
        sql_rows: dict[str, int] = defaultdict(int)
        started: list[float] = []

        @event.listens_for(lib.engine, "before_cursor_execute")
        def _before(*_args: Any) -> None:
            started.append(time.perf_counter())

        @event.listens_for(lib.engine, "after_cursor_execute")
        def _after(_conn: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
            kind = _statement_kind(statement)
            sql[kind] += time.perf_counter() - started.pop()
            sql_rows[kind] += len(params) if many else 1

        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        import_files(lib, [path], workers=workers)
        prof.disable()
        wall = time.perf_counter() - t0
        lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    st = pstats.Stats(prof)
    lines: list[tuple[str, float, int]] = []

    def add(label: str, name: str, file_part: str = "") -> None:
        secs, calls = _cum(st, name, file_part)
        lines.append((label, secs, calls))

    print(f"\nmain process of import_files, under cProfile: {wall:.1f} s wall (profiling slows Python code)")
    add("waiting for parsed batches (Future.result)", "result", "concurrent/futures/_base.py")
    add("read file + decode + detect", "decode_bytes", "")
    add("  looks_like_bibtex", "looks_like_bibtex", "")
    add("split into jobs: _segments", "_segments", "bibtex_reader")
    add("split into jobs: _string_definitions", "_string_definitions", "bibtex_reader")
    add("duplicate keys (_flag_keys)", "_flag_keys", "bibtex_reader")
    add("storing: UnitOfWork.add_rows (rows built in the workers)", "add_rows", "storage/library.py")
    add("  _insert_many (references, creators, blocks)", "_insert_many", "storage/library.py")
    add("  FTS add", "add", "storage/search_fts5.py")
    add("indexes built at the end (UnitOfWork.bulk_load)", "create", "sqlalchemy/sql/schema.py")
    add("SQLAlchemy Connection.execute (small statements, DDL)", "execute", "sqlalchemy/engine/base.py")
    add("  of which compiling/param processing (_init_compiled)", "_init_compiled", "sqlalchemy/engine/default.py")
    add("exec_driver_sql (all bulk inserts)", "exec_driver_sql", "sqlalchemy/engine/base.py")
    add("  sqlite3 executemany (all tables)", "<method 'executemany' of 'sqlite3.Cursor' objects>", "")
    add("commit (sqlite3 COMMIT, WAL fsync)", "<method 'commit' of 'sqlite3.Connection' objects>", "")
    for label, secs, calls in lines:
        print(f"  {label:58} {secs:7.2f} s  {secs / wall:5.1%}  ({calls:,} calls)")
    print("  SQL time per statement (cursor events; executemany row counts):")
    for kind, secs in sorted(sql.items(), key=lambda kv: -kv[1]):
        print(f"    {kind:40} {secs:7.2f} s  {sql_rows[kind]:>9,} rows")
    print("  top 15 by own time (main thread):")
    st.sort_stats("tottime").print_stats(15)

    text, _enc = decode_bytes(path.read_bytes(), str(path))
    cut = 0
    for _ in range(parse_sample):
        cut = text.find("\n@", cut + 1)
        if cut < 0:
            cut = len(text)
            break
    sample = text[:cut]
    t0 = time.perf_counter()
    result = read_bibtex(sample, str(path))
    plain = time.perf_counter() - t0
    n_refs = result.entries_in_file
    t0 = time.perf_counter()
    blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    pickled = time.perf_counter() - t0
    t0 = time.perf_counter()
    pickle.loads(blob)
    unpickled = time.perf_counter() - t0
    import bibtexparser

    t0 = time.perf_counter()
    bibtexparser.parse_string(sample)  # type: ignore[attr-defined]
    bp_default = time.perf_counter() - t0
    t0 = time.perf_counter()
    bibtexparser.parse_string(sample, parse_stack=[])  # type: ignore[attr-defined]
    bp_bare = time.perf_counter() - t0
    print(f"\nparse, single process, first {n_refs:,} entries (no profiler):")
    print(f"  read_bibtex                         {plain:7.2f} s  {n_refs / plain:9,.0f} entries/s")
    print(f"  bibtexparser.parse_string default   {bp_default:7.2f} s  {n_refs / bp_default:9,.0f} entries/s")
    print(f"  bibtexparser.parse_string bare []   {bp_bare:7.2f} s  {n_refs / bp_bare:9,.0f} entries/s")
    print(f"  pickle result {pickled:.2f} s / unpickle {unpickled:.2f} s ({len(blob) / 1e6:.1f} MB)")
    prof = cProfile.Profile()
    prof.enable()
    read_bibtex(sample, str(path))
    prof.disable()
    st = pstats.Stats(prof)
    total, _ = _cum(st, "read_bibtex", "bibtex_reader")
    lines = []
    add("bibtexparser split (parse_string, no middlewares)", "parse_string", "bibtexparser/entrypoint.py")
    add("decode_fields", "decode_fields", "bibtex_reader")
    add("  latex_to_unicode", "latex_to_unicode", "latex_text")
    add("    pylatexenc fallback (_pylatexenc)", "_pylatexenc", "latex_text")
    add("  parse_names", "parse_names", "bibtex_names")
    add("  evaluate_value (macros, #)", "evaluate_value", "bibtex_reader")
    add("  PartialDate.parse", "parse", "model/dates.py")
    print(f"  under cProfile: {total:.2f} s")
    for label, secs, calls in lines:
        print(f"  {label:58} {secs:7.2f} s  {secs / total:5.1%}  ({calls:,} calls)")
    print("  top 12 by own time:")
    st.sort_stats("tottime").print_stats(12)


# ---- timeline ----------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process so far, from /proc (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def timeline(path: Path, workers: int, step: float = 0.25) -> None:
    """Our import in a child, its CPU and its parse workers' sampled every ``step`` seconds
    (Linux /proc): where one process works while the others wait (reading the file before the
    first batch, building the indexes, the commit) shows as rows with one column busy. On a
    shared machine the columns also fall when others take the cores (load is printed)."""
    if not Path("/proc/self/stat").exists():
        print("--timeline needs Linux's /proc")
        return
    cmd = [sys.executable, __file__, "--child", "ours", "--file", str(path), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    seen: dict[int, float] = {}
    t0 = time.perf_counter()
    rows: list[tuple[float, float, float]] = []  # (time, main %, workers %)
    while proc.poll() is None:
        time.sleep(step)
        main = _proc_cpu(proc.pid)
        if main is None:
            break
        kids = 0.0
        for pid in _proc_children(proc.pid):
            c = _proc_cpu(pid)
            if c is not None:
                kids += c - seen.get(pid, 0.0)
                seen[pid] = c
        main_d = main - seen.get(proc.pid, 0.0)
        seen[proc.pid] = main
        rows.append((time.perf_counter() - t0, 100 * main_d / step, 100 * kids / step))
    out, _ = proc.communicate()
    result = json.loads(out.strip().splitlines()[-1])
    print(f"import of {path.name}: {result['seconds']:.2f} s, load average {_load()} at the end")
    print("     s   main  workers")
    for t, m, w in rows:
        print(f"{t:6.2f} {m:5.0f}% {w:6.0f}%  " + "#" * round(m / 10) + "." * round(w / 10))
    alone = sum(step for _, m, w in rows if m >= 50 and w < 25)
    waiting = sum(step for _, m, w in rows if m < 25 and w >= 50)
    print(f"main busy with the workers idle: {alone:.2f} s; workers busy with main idle: {waiting:.2f} s")


# ---- phases of the importing process -------------------------------------------------------------


def run_phases(path: Path, workers: int) -> dict[str, Any]:
    """Our import with the importing thread's CPU (``time.thread_time``) and wall time taken at
    its phase boundaries: before the first batch is stored, storing batches (and, apart, the
    SQL of each table) until the indexes are built, the build, the batches stored after it,
    and the end (keys, sync marks, commit). Only functions of the importing process are
    wrapped (never one a worker is sent), so the workers run as in a timed run.

    Why: on two cores the importing process is the critical path, and what it does while the
    workers are idle (the build, the last batches, the commit) decides the wall time; cProfile
    (``--profile``) slows exactly the Python parts, these timers do not."""
    from bibliofile.services import importing
    from bibliofile.storage import library as lib_module
    from bibliofile.storage import search_fts5

    marks: dict[str, list[float]] = {}  # phase -> [wall, cpu]
    sql: dict[str, list[float]] = {}
    state = {"built": False, "last_store": 0.0, "last_store_cpu": 0.0}

    def add(table: dict[str, list[float]], key: str, wall: float, cpu: float) -> None:
        slot = table.setdefault(key, [0.0, 0.0])
        slot[0] += wall
        slot[1] += cpu

    def timed(table: dict[str, list[float]], key_of: Any, f: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            w, c = time.perf_counter(), time.thread_time()
            try:
                return f(*args, **kwargs)
            finally:
                add(table, key_of(args), time.perf_counter() - w, time.thread_time() - c)

        return wrapper

    store = importing._store

    def stored(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.thread_time()
        if "first batch" not in marks:
            marks["before the first batch (read, decode, cut, parse here)"] = [w - t0, c - c0]
            marks["first batch"] = [0.0, 0.0]
        try:
            return store(*args, **kwargs)
        finally:
            key = "batches stored after the build" if state["built"] else "batches stored before the build"
            add(marks, key, time.perf_counter() - w, time.thread_time() - c)
            state["last_store"], state["last_store_cpu"] = time.perf_counter(), time.thread_time()

    build = lib_module.BulkLoad.build_indexes

    def built(self: Any) -> None:
        if state["built"] or not self._indexes:
            build(self)
            return
        w, c = time.perf_counter(), time.thread_time()
        build(self)
        add(marks, "index build", time.perf_counter() - w, time.thread_time() - c)
        state["built"] = True

    table_name = {"references": "references", "creators": "creators", "blocks": "kept blocks"}
    importing._store = stored  # type: ignore[assignment]
    lib_module.BulkLoad.build_indexes = built  # type: ignore[method-assign]
    lib_module.UnitOfWork._insert_many = timed(  # type: ignore[method-assign]
        sql, lambda a: "SQL " + table_name.get(a[1].name, a[1].name), lib_module.UnitOfWork._insert_many
    )
    search_fts5.Fts5Index.add = timed(sql, lambda _a: "SQL full-text rows", search_fts5.Fts5Index.add)  # type: ignore[method-assign]

    tmp = Path(tempfile.mkdtemp(prefix="phases-", dir=DATA_DIR))
    try:
        lib = lib_module.Library.open(tmp / "library.sqlite")
        p0 = _cpu_split()[0]
        t0, c0 = time.perf_counter(), time.thread_time()
        report = importing.import_files(lib, [path], workers=workers)
        t1, c1 = time.perf_counter(), time.thread_time()
        p1 = _cpu_split()[0]
        marks["end: keys, sync marks, commit"] = [t1 - state["last_store"], c1 - state["last_store_cpu"]]
        marks.pop("first batch", None)
        lib.wait_for_checkpoint()
        lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "seconds": t1 - t0,
        "thread_cpu_seconds": c1 - c0,
        "process_cpu_seconds": p1 - p0,
        "imported": report.imported,
        "phases": marks,
        "sql": sql,
    }


def phases(path: Path, workers: int) -> None:
    cmd = [sys.executable, __file__, "--child", "phases", "--file", str(path), "--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"import of {path.name}: {r['seconds']:.2f} s wall, {r['imported']:,} imported; CPU of the importing "
          f"thread {r['thread_cpu_seconds']:.2f} s, of its process {r['process_cpu_seconds']:.2f} s (the rest: "
          f"the pool's threads sending jobs and receiving results); load average {_load()} at the end")
    print(f"  {'phase of the importing thread':58} {'wall':>7} {'CPU':>7}")
    for name, (wall, cpu) in r["phases"].items():
        print(f"  {name:58} {wall:7.2f} {cpu:7.2f}")
    waited = r["seconds"] - sum(wall for wall, _cpu in r["phases"].values())
    print(f"  {'waiting for the next parsed batch':58} {waited:7.2f}")
    print("  of which, in all batches:")
    for name, (wall, cpu) in sorted(r["sql"].items(), key=lambda kv: -kv[1][1]):
        print(f"    {name:56} {wall:7.2f} {cpu:7.2f}")
    print("  (wall minus CPU in a phase: the thread waited for the workers or for a core)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Import benchmark against bibtexparser.parse_file")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--profile", action="store_true", help="profile our import instead of timing it")
    ap.add_argument("--timeline", action="store_true", help="our import's CPU and its workers', every 0.25 s")
    ap.add_argument("--phases", action="store_true", help="our import's thread CPU per phase (build, commit...)")
    ap.add_argument("--child", choices=["baseline", "ours", "phases"], help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.child == "phases":
            result = run_phases(args.file, args.workers)
        else:
            result = run_baseline(args.file) if args.child == "baseline" else run_ours(args.file, args.workers)
        print(json.dumps(result))
        return 0
    if args.profile:
        profile_ours(ensure_bib(args.n, args.seed), args.workers)
        return 0
    if args.timeline:
        timeline(ensure_bib(args.n, args.seed), args.workers)
        return 0
    if args.phases:
        phases(ensure_bib(args.n, args.seed), args.workers)
        return 0
    r = measure(args.n, args.seed, args.repeat, args.workers)
    report(r)
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    return 0 if r["baseline_count_ok"] and r["ours_count_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
