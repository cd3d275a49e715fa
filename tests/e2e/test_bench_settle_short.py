"""bench/bench_settle.py --short runs end to end and reports every figure (issue 22).

The outside-in benchmark is how the launch and search targets are judged, so CI runs its short
mode (10k references, one run): a bench that silently stopped measuring something, or that only
works on one machine, would judge nothing. Only the presence and shape of the figures is checked,
never their size: timings depend on the machine and its load.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_settle.py"
NUMBER = r"-?\d+(?:\.\d+)?"
PAIR = rf"({NUMBER}) / ({NUMBER})"  # median / worst

# What issue 22 asks the bench to measure, as the rows of its table and the keys of its JSON.
LAUNCH_ROWS = {
    "-> window on screen (s)": "mapped_s",
    "-> first rows painted (s)": "first_rows_s",
    "-> screen settled (s)": "settled_s",
    "-> process idle (s)": "idle_s",
    "CPU until idle (s)": "cpu_to_idle_s",
    "resident memory, idle (MB)": "rss_idle_mb",
    "resident memory, peak (MB)": "rss_peak_mb",
}
SEARCH_KEYS = ("first_change_ms", "settled_ms", "results_settled_ms", "idle_ms", "cpu_query_s", "cpu_after_key_s")
Run = tuple[str, dict[str, Any], Path]  # stdout, the JSON, the screenshot
QUERIES = ("government", "governance", "the", "a", "smith")  # topic words, broad ones, an author


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    missing = [t for t in ("Xvfb", "openbox", "xdotool", "xprop") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"bench_settle needs {', '.join(missing)} (.ci/run installs xvfb openbox xdotool x11-utils)")
    pytest.importorskip("mss", reason="bench_settle grabs the screen with mss (pip install -r requirements.lock)")
    out_dir = tmp_path_factory.mktemp("settle")
    shot = ROOT / "tests" / "e2e" / "screenshots" / "bench-settle-short.png"
    shot.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--short", "--json", str(out_dir / "settle.json"), "--screenshot", str(shot)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"bench_settle --short failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout, json.loads((out_dir / "settle.json").read_text()), shot


def test_prints_every_launch_figure_for_the_app_and_the_bare_window(short_run: Run) -> None:
    stdout = short_run[0]
    assert "10,000 references" in stdout
    assert re.search(rf"load average at start {NUMBER} {NUMBER} {NUMBER}", stdout), stdout
    assert "idle from T = every 200 ms window" in stdout, "the idle definition is printed"
    assert "settled = the last frame" in stdout, "the settled definition is printed"
    for label in LAUNCH_ROWS:
        line = next((ln for ln in stdout.splitlines() if ln.strip().startswith(label)), None)
        assert line is not None, f"no {label!r} row in:\n{stdout}"
        if label == "-> first rows painted (s)":
            # an empty QTableView never shows rows: the bare window has none to report
            assert re.search(rf"\s-\s+{PAIR}$", line), line
        else:
            assert re.search(rf"{PAIR}\s+{PAIR}$", line), line


def test_prints_every_search_figure(short_run: Run) -> None:
    stdout = short_run[0]
    for q in (*(repr(q) for q in QUERIES), "all queries"):
        line = next((ln for ln in stdout.splitlines() if ln.strip().startswith(q)), None)
        assert line is not None, f"no row for {q} in:\n{stdout}"
        assert re.search(rf"{PAIR}\s+{PAIR}\s+{PAIR}\s+{PAIR}\s+{PAIR}$", line), line


def test_json_has_every_key(short_run: Run) -> None:
    data = short_run[1]
    assert data["n"] == 10_000 and data["repeat"] == 1
    assert len(data["load_start"]) == 3 and len(data["load_end"]) == 3
    assert {"idle", "settled", "first_rows", "keystroke"} <= set(data["definitions"])
    assert data["frame_ms"] > 0
    for kind in ("baseline", "app"):
        summary = data[kind]["summary"]
        assert len(data[kind]["runs"]) == 1
        for key in LAUNCH_ROWS.values():
            stat = summary[key]
            assert set(stat) == {"median", "worst"}, (kind, key)
            if kind == "baseline" and key == "first_rows_s":
                assert stat["median"] is None
            else:
                assert isinstance(stat["median"], float) and stat["median"] >= 0, (kind, key, stat)
    app = data["app"]["summary"]
    assert set(app["search"]) == set(QUERIES)
    for q in QUERIES:
        for key in SEARCH_KEYS:
            assert isinstance(app["search"][q][key]["median"], float), (q, key)
    for key in SEARCH_KEYS:
        assert isinstance(app["search_all"][key]["worst"], float), key


def test_figures_are_consistent_with_each_other(short_run: Run) -> None:
    """Not how fast, but that the measures mean what they say: the window is on screen before it
    shows rows, which come no later than the last change; a search settles after its first change."""
    run = short_run[1]["app"]["runs"][0]
    assert 0 < run["mapped_s"] <= run["first_rows_s"] <= run["settled_s"]
    assert run["rss_peak_mb"] >= run["rss_idle_mb"] > 0
    for q in QUERIES:
        s = run["search"][q]
        assert 0 <= s["results_settled_ms"] <= s["settled_ms"], (q, s)
        assert s["first_change_ms"] <= s["settled_ms"], (q, s)
        assert s["cpu_query_s"] >= s["cpu_after_key_s"] >= 0, (q, s)


def test_saves_a_screenshot_of_the_settled_window(short_run: Run) -> None:
    shot = short_run[2]
    assert shot.is_file() and shot.stat().st_size > 10_000, shot
