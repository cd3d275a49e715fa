"""The first pre-render of a selection starts the citation engine (issue 18, Speed): it runs with
the cyclic collector paused, and what it built is frozen afterwards, so no full collection of
the whole heap holds the GIL while the window waits; later pre-renders leave the collector be."""

from __future__ import annotations

import gc

from tests.citation_samples import ARTICLE_NO_DOI, BOOK, copies
from tests.citeproc_skip import needs_citeproc

from bibliofile.services import citation_payload

pytestmark = needs_citeproc


def test_the_engine_start_runs_without_the_collector_and_is_frozen_after(make_window, lib, qtbot, monkeypatch) -> None:
    with lib.write() as u:
        ids = u.add_items(copies(ARTICLE_NO_DOI, BOOK))
    collector_on_during_builds: list[bool] = []
    build = citation_payload.PayloadCache.build

    def watched(self, *args, **kwargs):
        collector_on_during_builds.append(gc.isenabled())
        return build(self, *args, **kwargs)

    monkeypatch.setattr(citation_payload.PayloadCache, "build", watched)
    gc.unfreeze()
    try:
        window = make_window(sync=False)
        qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10000)
        c = window.citations
        window.table.select_ids(ids[:1], ids[0])
        qtbot.waitUntil(lambda: c.prefetched >= 2, timeout=60000)
        assert collector_on_during_builds == [False, False], "the engine's start ran with the collector on"
        assert gc.isenabled(), "the collector is back on"
        frozen = gc.get_freeze_count()
        assert frozen > 0, "what the engine's start built is frozen"

        window.table.select_ids(ids, ids[0])
        qtbot.waitUntil(lambda: c.prefetched >= 4, timeout=60000)
        assert collector_on_during_builds[2:] == [True, True], "later pre-renders leave the collector on"
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
