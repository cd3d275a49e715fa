"""The window as a user meets it, measured from outside the process (issue 22).

    python bench/bench_settle.py [--n 100000] [--repeat 3] [--short] [--quiet 2.0]

The real app (``bibliofile --library FILE``, a subprocess) runs on its own Xvfb display with
openbox as window manager; xdotool types into it; the screen is grabbed through MIT-SHM (mss)
every few ms and the process's CPU time is read from /proc (settle_probe.py defines idle and
settled exactly, and the output prints the definitions). Measured, as medians and worst of
--repeat runs, alternating with a bare Qt window (settle_baseline.py) launched the same way:

- launch -> window on screen (the first frame that differs from the empty desktop), -> first
  rows painted (the table's middle shows ROWS_MIN or more separate lines of text), -> screen
  settled, -> process idle; the CPU it used until idle; resident memory when idle and its peak;
- for each query (SEARCHES): Ctrl+F finds the search field (its cursor blinks there), a mouse
  click goes into it, xdotool types the query (90 ms between keys, as a quick typist); from the
  last keystroke (when `xdotool key` has sent it and exited) -> the screen's first change,
  -> settled (rows, count, badges), -> process idle; the CPU the whole query cost.

The library is bench/data/settle-N.sqlite, imported once from generate_bib.py's file with the
CLI (``bibliofile --library FILE import``) and reused. A warm-up launch (not counted) lets the
app do any one-off work (a schema upgrade, the first backup) first. Figures go to stdout and to
bench/results/settle-N-STAMP.json; a screenshot of the settled window after the last search to
tests/e2e/screenshots/bench-settle-search.png. ``--short``: 10k references, one run, a shorter
quiet period, for CI (tests/e2e/test_bench_settle_short.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate_bib import DATA_DIR, ensure_bib
from settle_display import HEIGHT, WIDTH, Display, Keyboard, missing_tools
from settle_probe import (
    IDLE_DEFINITION,
    SETTLED_DEFINITION,
    Box,
    Recorder,
    busy_until,
    cursor_box,
    ink_lines,
    memory_kb,
    settled_at,
)
from settle_profile import Profiler
from settle_profile import report as profile_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SCREENSHOT = ROOT / "tests" / "e2e" / "screenshots" / "bench-settle-search.png"
# The topic word (no synthetic title has it: from "governm" on the table is empty, so
# its last key changes only the field), a topic word that has hits (~18 % of the synthetic
# library), two broad ones (~half and ~80 %) and a typical author (~4 %).
SEARCHES = ("government", "governance", "the", "a", "smith")
ROWS_MIN = 8  # lines of text in the table's middle that mean rows are shown (an empty table: 1-2)
KEY_DELAY_MS = 90
TIMEOUT_S = 90.0

LAUNCH_KEYS = ("mapped_s", "first_rows_s", "settled_s", "idle_s", "cpu_to_first_rows_s", "cpu_to_idle_s", "rss_idle_mb",
               "rss_peak_mb")
SEARCH_KEYS = ("first_change_ms", "settled_ms", "results_settled_ms", "idle_ms", "cpu_query_s", "cpu_after_key_s")


def app_command() -> list[str]:
    exe = Path(sys.executable).parent / "bibliofile"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "bibliofile"]


SOURCE = ROOT  # whose desktop/ the app runs from (--source): another worktree measures other code
PROFILER: Profiler | None = None  # set for the --profile run only


def describe_source(source: Path) -> str:
    """The measured code: its folder, commit and whether files in it differ from that commit."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True, timeout=60)
        return out.stdout.strip() if out.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "desktop")
    return f"{source} at {head}{' with uncommitted changes in desktop/' if dirty else ''}"


def private_env(base: dict[str, str], home: Path) -> dict[str, str]:
    """Settings, logs and data dirs in a fresh folder: every launch is a first launch of the same
    window size, and the bench never touches the user's own settings. The app's code comes from
    SOURCE/desktop (first on PYTHONPATH, ahead of the editable install)."""
    env = dict(base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SOURCE / "desktop"), base.get("PYTHONPATH", "")) if p)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(home / var.lower())
    env["BIBLIOFILE_NO_SAMPLE_PROMPT"] = "1"
    env["QT_QPA_PLATFORM"] = "xcb"
    return env


def schema_tag(source: Path) -> str:
    """The newest migration of the measured code ("0005"): a library upgraded by newer code is
    refused by older code, so each schema gets its own library file and --source can go back."""
    versions = sorted((source / "desktop" / "bibliofile" / "storage" / "migrations" / "versions").glob("[0-9]*.py"))
    return versions[-1].name.split("_")[0] if versions else "0"


def ensure_library(n: int) -> Path:
    """bench/data/settle-N-sSCHEMA.sqlite, imported once through the CLI from synthetic-N.bib."""
    bib = ensure_bib(n)
    tag = schema_tag(SOURCE)
    lib = DATA_DIR / f"settle-{n}-s{tag}.sqlite"
    marker = DATA_DIR / f"settle-{n}-s{tag}.imported"
    stamp = f"{bib.name} {bib.stat().st_size} {int(bib.stat().st_mtime)}"
    if lib.exists() and marker.exists() and marker.read_text() == stamp:
        return lib
    for p in (lib, Path(f"{lib}-wal"), Path(f"{lib}-shm"), marker):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [*app_command(), "--library", str(lib), "import", str(bib)],
            env=private_env(dict(os.environ), Path(home)), capture_output=True, text=True, timeout=3600,
        )
    if out.returncode != 0:
        raise RuntimeError(f"importing {bib} failed:\n{out.stdout[-1500:]}{out.stderr[-1500:]}")
    marker.write_text(stamp)
    print(f"(imported {bib.name} into {lib.name} with the CLI in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return lib


def cpu_at(cpu: list[tuple[float, int]], t: float) -> float:
    """CPU seconds used by the process at time ``t`` (the last sample at or before it)."""
    best = 0
    for ts, ns in cpu:
        if ts > t:
            break
        best = ns
    return best / 1e9


def wait_quiet(rec: Recorder, proc: subprocess.Popen[bytes], since: float, quiet: float, what: str) -> float:
    """Wait until the screen (blinking cursor aside) and the process have both been quiet for
    ``quiet`` seconds; returns the time observation ended."""
    deadline = since + TIMEOUT_S
    while True:
        time.sleep(0.05)
        if rec.error is not None:
            raise RuntimeError(f"screen capture failed: {rec.error!r}")
        if proc.poll() is not None:
            raise RuntimeError(f"the process ended (exit code {proc.returncode}) during {what}")
        now = time.perf_counter()
        busy = busy_until(rec.cpu, since)
        if rec.changes and now - max(rec.last_real_change(), busy, since) >= quiet and rec.cpu and rec.cpu[-1][0] > since + quiet:
            return now
        if now > deadline:
            raise RuntimeError(f"{what}: not quiet {TIMEOUT_S:.0f} s after it began")


def cpu_buckets(cpu: list[tuple[float, int]], start: float, end: float, bucket: float = 0.05) -> list[list[float]]:
    """[ms after ``start``, ms of CPU] for each ``bucket`` (50 ms) that used any: where the time
    after a launch or a keystroke goes, for whoever makes it shorter."""
    out: dict[int, float] = {}
    prev: tuple[float, int] | None = None
    for ts, ns in cpu:
        if prev is not None and start <= ts <= end and ns > prev[1]:
            k = int((ts - start) / bucket)
            out[k] = out.get(k, 0.0) + (ns - prev[1]) / 1e6
        prev = (ts, ns)
    return [[k * bucket * 1000, round(v, 1)] for k, v in sorted(out.items())]


def wait_still(rec: Recorder, still: float) -> None:
    """Wait until the screen has not changed at all for ``still`` seconds from now on (the last
    process's window takes some ms to leave the screen after it ends)."""
    start = time.perf_counter()
    deadline = start + TIMEOUT_S
    while time.perf_counter() - max(rec.last_change(), start) < still or time.perf_counter() - rec.frame_t > 0.05:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the screen kept changing for {TIMEOUT_S:.0f} s with no app running")
        time.sleep(0.05)


def launch(rec: Recorder, cmd: list[str], env: dict[str, str], quiet: float,
           stderr: Any) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start ``cmd`` and measure it until it is quiet; returns the process (still running)."""
    window: list[Box] = []
    rows: list[float] = []

    def find_rows(t: float, frame: bytearray, box: Box) -> None:
        """The table's middle (a quarter to two thirds across the window) shows rows."""
        window.append(box if not window else window[-1].union(box))
        w = window[-1]
        strip = Box(w.x0 + w.w // 4, w.y0, w.x0 + (w.w * 2) // 3, w.y1)
        if not rows and ink_lines(frame, rec.width, strip) >= ROWS_MIN:
            rows.append(t)

    wait_still(rec, 0.5)  # the last process's window is gone from the screen
    start_index = len(rec.changes)
    rec.hook = find_rows
    t0 = time.perf_counter()
    if os.environ.get("BENCH_SETTLE_DEBUG"):
        print(f"launch: last change {t0 - rec.last_change():.3f} s ago, last frame {t0 - rec.frame_t:.3f} s ago, "
              f"longest gap {max(rec.gaps[-2000:], default=0):.3f} s", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    rec.watch(proc.pid)
    if PROFILER is not None:
        PROFILER.start("launch", proc.pid)
    try:
        end = wait_quiet(rec, proc, t0, quiet, "launch")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        rec.hook = None
        if PROFILER is not None:
            PROFILER.stop()
    changes = rec.changes[start_index:]
    idle = busy_until(rec.cpu, t0)
    cursor = cursor_box(changes, idle)
    mem = memory_kb(proc.pid)
    out: dict[str, Any] = {
        "mapped_s": changes[0].t - t0 if changes else None,
        "first_rows_s": rows[0] - t0 if rows else None,
        "settled_s": settled_at(changes, t0, end, [cursor]) - t0,
        "idle_s": idle - t0,
        "cpu_to_first_rows_s": cpu_at(rec.cpu, rows[0]) if rows else None,  # what the first screen cost
        "cpu_to_idle_s": cpu_at(rec.cpu, idle + 0.05),
        "rss_idle_mb": mem.get("VmRSS", 0) / 1024,
        "cpu_ms_per_50ms": cpu_buckets(rec.cpu, t0, end),
        "first_changes": [[round((c.t - t0) * 1000, 1), c.box.x0, c.box.y0, c.box.x1, c.box.y1] for c in changes[:12]],
        "window": [window[-1].x0, window[-1].y0, window[-1].x1, window[-1].y1] if window else None,
    }
    return proc, out


def find_search_field(display: Display, rec: Recorder, proc: subprocess.Popen[bytes], quiet: float) -> Box:
    """Ctrl+F (the window's Find) puts the cursor into the search field: where it blinks is the
    field. Then a mouse click goes there, as a person clicks into the field, and the pointer moves
    off the window so no hover or tooltip changes the screen while the bench watches."""
    t = time.perf_counter()
    display.xdotool("key", "ctrl+f")
    deadline = t + 5
    box: Box | None = None
    while time.perf_counter() < deadline and box is None:
        time.sleep(0.1)
        # two blinks at one place (a shown and a hidden cursor) tell it from anything else
        thin = [c.box for c in rec.changes if c.t > t and c.box.thin()]
        if len(thin) >= 2:
            box = thin[-1].union(thin[-2])
    if box is None:
        raise RuntimeError("Ctrl+F showed no blinking text cursor: the search field was not found")
    display.xdotool("mousemove", str(box.x1 + 40), str((box.y0 + box.y1) // 2), "click", "1")
    display.xdotool("mousemove", str(WIDTH - 1), str(HEIGHT - 1))
    wait_quiet(rec, proc, time.perf_counter(), min(quiet, 1.0), "clicking into the search field")
    return Box(max(0, box.x0 - 8), max(0, box.y0 - 6), WIDTH - 1, min(HEIGHT - 1, box.y1 + 6))


def save_screenshot(rec: Recorder, path: Path) -> None:
    """The latest frame as a PNG (mss gives BGRA; PNG wants RGB)."""
    import mss.tools

    frame, w, h = bytes(rec.frame), rec.width, rec.height
    rgb = bytearray(w * h * 3)
    rgb[0::3], rgb[1::3], rgb[2::3] = frame[2::4], frame[1::4], frame[0::4]
    path.parent.mkdir(parents=True, exist_ok=True)
    mss.tools.to_png(bytes(rgb), (w, h), output=str(path))


def search(display: Display, keyboard: Keyboard, rec: Recorder, proc: subprocess.Popen[bytes], query: str,
           quiet: float, field: Box) -> dict[str, Any]:
    """Clear the field, wait for quiet, type ``query``; measure from its last keystroke.

    "results settled" leaves out the search field itself (``field``: its band right of where the
    cursor blinked when empty): its own text, cursor and Qt's clear button, which fades in over
    ~160 ms when the field stops being empty, whatever the app does."""
    display.xdotool("key", "ctrl+a", "BackSpace")
    wait_quiet(rec, proc, time.perf_counter(), quiet, "clearing the search field")
    if PROFILER is not None:
        PROFILER.start(f"search-{query}", proc.pid)
    start_index = len(rec.changes)
    t_first = time.perf_counter()
    if len(query) > 1:
        display.xdotool("type", "--delay", str(KEY_DELAY_MS), query[:-1])
        time.sleep(KEY_DELAY_MS / 1000)
    t_last = keyboard.tap(query[-1])
    try:
        end = wait_quiet(rec, proc, t_last, quiet, f"searching {query!r}")
    finally:
        if PROFILER is not None:
            PROFILER.stop()
    changes = rec.changes[start_index:]
    idle = busy_until(rec.cpu, t_last)
    cursor = cursor_box(changes, idle)
    cpu_idle = cpu_at(rec.cpu, idle + 0.05)
    shown = [c for c in changes if c.t >= t_last and not (cursor is not None and c.box.inside(cursor))]
    after = [c.t for c in shown]
    return {
        "first_change_ms": (after[0] - t_last) * 1000 if after else 0.0,
        "settled_ms": (settled_at(changes, t_last, end, [cursor]) - t_last) * 1000,
        "results_settled_ms": (settled_at(changes, t_last, end, [cursor, field]) - t_last) * 1000,
        "idle_ms": (idle - t_last) * 1000,
        "cpu_query_s": cpu_idle - cpu_at(rec.cpu, t_first),
        "cpu_after_key_s": cpu_idle - cpu_at(rec.cpu, t_last),
        "cpu_ms_per_50ms": cpu_buckets(rec.cpu, t_last, end),
        "changes": [[round((c.t - t_last) * 1000, 1), c.box.x0, c.box.y0, c.box.x1, c.box.y1] for c in shown[:20]],
        "cursor_masked": [cursor.x0, cursor.y0, cursor.x1, cursor.y1] if cursor else None,
    }


def stop_process(display: Display, proc: subprocess.Popen[bytes], graceful: bool) -> None:
    """Ctrl+Q for the app (it saves and closes as for a person); the baseline is terminated."""
    if graceful and proc.poll() is None:
        display.xdotool("key", "ctrl+q")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(60)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_run(display: Display, keyboard: Keyboard, rec: Recorder, kind: str, library: Path, quiet: float,
            searches: tuple[str, ...], shot: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        env = private_env(display.env, Path(home))
        if kind == "baseline":
            cmd = [sys.executable, str(HERE / "settle_baseline.py")]
        else:
            cmd = [*app_command(), "--library", str(library)]
        log = Path(home) / "stderr.txt"
        with log.open("wb") as stderr:
            proc, out = launch(rec, cmd, env, quiet, stderr)
        try:
            if searches:
                field = find_search_field(display, rec, proc, quiet)
                out["search"] = {}
                for i, q in enumerate(searches):
                    out["search"][q] = search(display, keyboard, rec, proc, q, quiet, field)
                    if i == len(searches) - 1 and shot is not None:
                        save_screenshot(rec, shot)
            out["rss_peak_mb"] = memory_kb(proc.pid).get("VmHWM", 0) / 1024
        finally:
            stop_process(display, proc, graceful=kind == "app")
            err = log.read_text(errors="replace")
        if "Traceback" in err:
            out["stderr"] = err[-2000:]
    return out


def _own_cpu() -> float:
    """CPU seconds of this process (all its threads: the frame grabber is one)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _proc_cpu(pid: int) -> float:
    """CPU seconds of another process from /proc/PID/stat (utime + stime, in clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stats(values: list[float | None]) -> dict[str, float | None]:
    xs = [v for v in values if v is not None]
    if not xs:
        return {"median": None, "worst": None}
    return {"median": statistics.median(xs), "worst": max(xs)}


def summarize(runs: list[dict[str, Any]], searches: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {k: _stats([r.get(k) for r in runs]) for k in LAUNCH_KEYS}
    if searches and runs and "search" in runs[0]:
        out["search"] = {q: {k: _stats([r["search"][q][k] for r in runs]) for k in SEARCH_KEYS} for q in searches}
        every = [r["search"][q] for r in runs for q in searches]
        out["search_all"] = {k: _stats([s[k] for s in every]) for k in SEARCH_KEYS}
    return out


def _fmt(stat: dict[str, float | None], scale: float = 1.0, digits: int = 2) -> str:
    if stat["median"] is None or stat["worst"] is None:
        return "-"
    return f"{stat['median'] * scale:.{digits}f} / {stat['worst'] * scale:.{digits}f}"


def report(result: dict[str, Any]) -> None:
    base, app = result["baseline"]["summary"], result["app"]["summary"]
    load = result["load_start"]
    print(f"bench_settle: {result['n']:,} references, {result['repeat']} run(s) each, "
          f"{os.cpu_count()} CPUs, load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"at end {result['load_end'][0]:.2f}")
    print(f"  app code: {result['source']}")
    obs = result["observer"]
    print(f"  frames: {result['frame_ms']:.1f} ms apart (median), quiet period {result['quiet_s']} s; "
          f"the observer's cost: this bench {obs['bench_core_share']:.0%} of a core, "
          f"Xvfb {obs['xvfb_core_share']:.0%} (over {obs['seconds']:.0f} s)")
    print(f"  {IDLE_DEFINITION}")
    print(f"  {SETTLED_DEFINITION}")
    print(f"{'launch (median / worst)':34} {'bare Qt window':>18} {'Bibliofile':>18}")
    rows: list[tuple[str, str, float, int]] = [
        ("-> window on screen (s)", "mapped_s", 1, 2),
        ("-> first rows painted (s)", "first_rows_s", 1, 2),
        ("-> screen settled (s)", "settled_s", 1, 2),
        ("-> process idle (s)", "idle_s", 1, 2),
        ("CPU until first rows (s)", "cpu_to_first_rows_s", 1, 2),
        ("CPU until idle (s)", "cpu_to_idle_s", 1, 2),
        ("resident memory, idle (MB)", "rss_idle_mb", 1, 0),
        ("resident memory, peak (MB)", "rss_peak_mb", 1, 0),
    ]
    for label, key, scale, digits in rows:
        print(f"  {label:32} {_fmt(base[key], scale, digits):>18} {_fmt(app[key], scale, digits):>18}")
    if "search" in app:
        print(f"{'search, from the last keystroke':28} {'first change':>13} {'settled':>13} "
              f"{'results settled':>16} {'idle':>13} {'CPU s/query':>12}  (ms, median / worst)")
        for q, s in [*app["search"].items(), ("all queries", app["search_all"])]:
            label = f"{q!r}" if q != "all queries" else q
            print(f"  {label:26} {_fmt(s['first_change_ms'], 1, 0):>13} {_fmt(s['settled_ms'], 1, 0):>13} "
                  f"{_fmt(s['results_settled_ms'], 1, 0):>16} {_fmt(s['idle_ms'], 1, 0):>13} "
                  f"{_fmt(s['cpu_query_s'], 1, 2):>12}")
        print("  (results settled: the screen outside the search field: rows, count, badges)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=100_000, help="references in the library (default 100000)")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs of each (default 3)")
    ap.add_argument("--quiet", type=float, default=2.0,
                    help="seconds of a still screen and an idle process that end an observation (default 2)")
    ap.add_argument("--short", action="store_true", help="10k references, 1 run, 1 s quiet: the CI smoke run")
    ap.add_argument("--searches", default=",".join(SEARCHES), help="comma-separated queries to type")
    ap.add_argument("--json", type=Path, help="write the JSON here (default bench/results/settle-N-STAMP.json)")
    ap.add_argument("--screenshot", type=Path, default=SCREENSHOT, help="settled window after the last search")
    ap.add_argument("--profile", action="store_true",
                    help="one more run with py-spy attached: where each phase's time goes (not counted)")
    ap.add_argument("--source", type=Path, default=ROOT,
                    help="run the app from this checkout's desktop/ (a `git worktree` of another commit)")
    args = ap.parse_args(argv)
    global SOURCE, PROFILER
    SOURCE = args.source.resolve()
    if not (SOURCE / "desktop" / "bibliofile").is_dir():
        print(f"--source {args.source}: no desktop/bibliofile there", file=sys.stderr)
        return 2
    if args.short:
        args.n, args.repeat, args.quiet = 10_000, 1, 1.0
    missing = missing_tools()
    if missing:
        print(f"bench_settle needs {', '.join(missing)} (apt-get install xvfb openbox xdotool x11-utils)", file=sys.stderr)
        return 2
    searches = tuple(q for q in args.searches.split(",") if q)
    library = ensure_library(args.n)
    load_start = os.getloadavg()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "app": []}
    with Display() as display:
        observed = (time.perf_counter(), _own_cpu(), _proc_cpu(display.xvfb.pid))
        rec = Recorder(display.name)
        rec.start()
        keyboard = Keyboard(display.name)
        try:
            rec.wait_started()
            one_run(display, keyboard, rec, "app", library, args.quiet, (), None)  # warm-up: not counted
            for i in range(args.repeat):
                runs["baseline"].append(one_run(display, keyboard, rec, "baseline", library, args.quiet, (), None))
                shot = args.screenshot if i == 0 else None
                runs["app"].append(one_run(display, keyboard, rec, "app", library, args.quiet, searches, shot))
                print(f"  run {i + 1}/{args.repeat} done", file=sys.stderr)
            profile: list[str] = []
            profiles: dict[str, str] = {}
            if args.profile:
                PROFILER = Profiler(RESULTS, stamp)
                try:
                    one_run(display, keyboard, rec, "app", library, args.quiet, searches, None)
                finally:
                    profile, profiles = profile_report(PROFILER.files), {k: str(v) for k, v in PROFILER.files.items()}
                    PROFILER = None
            frames = rec.frames
            wall = time.perf_counter() - observed[0]
            observer = {"seconds": wall, "bench_core_share": (_own_cpu() - observed[1]) / wall,
                        "xvfb_core_share": (_proc_cpu(display.xvfb.pid) - observed[2]) / wall}
        finally:
            keyboard.close()
            rec.stop()
        gaps = rec.gaps
    result: dict[str, Any] = {
        "n": args.n,
        "repeat": args.repeat,
        "quiet_s": args.quiet,
        "searches": list(searches),
        "cpus": os.cpu_count(),
        "load_start": list(load_start),
        "load_end": list(os.getloadavg()),
        "frames": frames,
        "frame_ms": statistics.median(gaps) * 1000 if gaps else float("nan"),
        "observer": observer,
        "definitions": {"idle": IDLE_DEFINITION, "settled": SETTLED_DEFINITION,
                        "first_rows": f"{ROWS_MIN}+ lines of text in the window's middle (1/4 to 2/3 across)",
                        "keystroke": "the last character is sent through XTEST by the bench (the others by xdotool type): the time just before it"},
        "baseline": {"runs": runs["baseline"], "summary": summarize(runs["baseline"], ())},
        "app": {"runs": runs["app"], "summary": summarize(runs["app"], searches)},
        "source": describe_source(SOURCE),
        "library": str(library.relative_to(ROOT)) if library.is_relative_to(ROOT) else str(library),
    }
    report(result)
    result["profile"] = profiles
    for line in profile:
        print(line)
    path = args.json or RESULTS / f"settle-{args.n}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    print(f"JSON: {path}")
    if args.screenshot is not None and searches:
        print(f"screenshot: {args.screenshot}")
    errors = [r["stderr"] for r in runs["app"] if "stderr" in r]
    if errors:
        print(f"the app printed a traceback:\n{errors[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
