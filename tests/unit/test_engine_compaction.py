"""V8 gives back the garbage of building a style's engine once the engine is quiet (issue 22).

Building APA's engine leaves V8's heap at ~94 MB of which ~52 MB is live; without a collection
V8 keeps it all until its heap next grows, and the window held ~40 MB more than it needed from
the first selection on. The engine now asks V8 for a full collection after a quiet spell.
"""

from __future__ import annotations

import time

from bibliofile.citation.engine import CiteprocEngine

ITEM = {
    "id": "x",
    "type": "article-journal",
    "title": "Governing the commons",
    "author": [{"family": "Ostrom", "given": "Elinor"}],
    "issued": {"date-parts": [[1990]]},
    "container-title": "Journal of Things",
}


def heap_total(engine: CiteprocEngine) -> int:
    ctx = engine._ctx
    assert ctx is not None
    return int(ctx.heap_stats()["total_heap_size"])


def wait_for(cond, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_the_heap_shrinks_once_the_engine_is_quiet_after_a_build() -> None:
    engine = CiteprocEngine(compact_after=0.3)
    try:
        assert engine.bibliography([ITEM], "apa").entries[0].startswith("Ostrom, E. (1990)")
        built = heap_total(engine)
        assert wait_for(lambda: engine.compactions >= 1), "no collection after the build"
        after = heap_total(engine)
        assert after < built * 0.8, (built, after)
        # it still renders, and renders no differently
        assert engine.citation([ITEM], "apa") == "(Ostrom, 1990)"
    finally:
        engine.close()


def test_rendering_postpones_the_collection_and_none_runs_without_a_build() -> None:
    engine = CiteprocEngine(compact_after=0.6)
    try:
        engine.prepare("apa")
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # busy: a render every 0.1 s
            engine.citation([ITEM], "apa")
            assert engine.compactions == 0
            time.sleep(0.1)
        assert wait_for(lambda: engine.compactions == 1)
        for _ in range(5):
            engine.citation([ITEM], "apa")  # the engine exists: nothing new to collect
        time.sleep(1.2)
        assert engine.compactions == 1
    finally:
        engine.close()
