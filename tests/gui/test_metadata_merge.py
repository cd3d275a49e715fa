"""References > Find Metadata Online (issue 18): the record found is shown field by field; empty
fields come ticked, differing ones unticked, less sure records apart and never applied without a
click; Apply is one undo step. Against a local server replaying recorded answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytest_httpserver import HTTPServer
from tests.online_server import Replay, recorded

from bibliofile.gui.metadata_merge_dialog import MetadataMergeDialog
from bibliofile.model.reference import Reference

from .online_window import KNOX_DOI, SCIENCE, live, point_at, replay_for, status_text

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "portal" / "seed-kazakhstan-iras-2008.txt"
KNOX_TITLE = "Kazakhstan: Modernizing government in the context of political inertia"
IRAS = "International Review of Administrative Sciences"


@pytest.fixture
def replay(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Replay:
    point_at(monkeypatch, httpserver)
    return replay_for(httpserver)


def find_online(window, qtbot, ids: list[int]) -> MetadataMergeDialog:
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids(ids)
    qtbot.waitUntil(lambda: window.act_find_metadata.isEnabled(), timeout=3000)
    window.act_find_metadata.trigger()
    qtbot.waitUntil(lambda: window.merge_dialog is not None, timeout=10000)
    dlg = window.merge_dialog
    assert isinstance(dlg, MetadataMergeDialog)
    return dlg


def rows(dlg: MetadataMergeDialog) -> dict[str, tuple[str, str, bool]]:
    """Field label -> (current, found, ticked)."""
    return {i.text(0): (i.text(1), i.text(2), i.checkState(0) == Qt.CheckState.Checked) for i in dlg.row_items()}


def test_empty_fields_come_ticked_differing_ones_not_and_undo_restores(window, lib, qtbot, replay, shots) -> None:
    [rid] = lib.add_references([Reference(fields={"doi": SCIENCE, "title": "Structure of ordinary water", "volume": "170"})])
    window.reload()
    dlg = find_online(window, qtbot, [rid])
    got = rows(dlg)
    assert got["Volume"] == ("170", "169", False), "a value the reference holds is offered, not taken"
    assert got["Title"][0] == "Structure of ordinary water" and got["Title"][2] is False
    assert got["Journal / book"] == ("(empty)", "Science", True)
    filled = {label for label, (_cur, _found, ticked) in got.items() if ticked}
    assert {"Authors", "Issue", "Pages"} <= filled, got
    assert all(cur == "(empty)" for label, (cur, _f, _t) in got.items() if label in filled and label != "Type")
    assert not dlg.unsure_box.isVisible()
    dlg.grab().save(str(shots / "metadata_merge_dialog.png"))
    dlg.apply_button.click()
    qtbot.waitUntil(lambda: "container_title" in lib.get(rid).fields, timeout=5000)
    ref = lib.get(rid)
    assert (ref.fields["volume"], ref.title) == ("170", "Structure of ordinary water"), "unticked fields are kept"
    assert (ref.fields["container_title"], ref.fields["issue"], ref.creators[0].family) == ("Science", "3946", "Frank")
    assert status_text(window) == f"Completed {len(filled)} fields of Frank 1970."
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: "container_title" not in lib.get(rid).fields, timeout=5000)
    back = lib.get(rid)
    assert (back.fields, back.creators) == ({"doi": SCIENCE, "title": "Structure of ordinary water", "volume": "170"}, [])


def test_a_ticked_differing_field_replaces_and_an_unticked_fill_stays_empty(window, lib, qtbot, replay) -> None:
    [rid] = lib.add_references([Reference(fields={"doi": SCIENCE, "title": "Structure of ordinary water", "volume": "170"})])
    window.reload()
    dlg = find_online(window, qtbot, [rid])
    for item in dlg.row_items():
        if item.text(0) == "Volume":
            item.setCheckState(0, Qt.CheckState.Checked)
        if item.text(0) == "Pages":
            item.setCheckState(0, Qt.CheckState.Unchecked)
    dlg.apply_button.click()
    qtbot.waitUntil(lambda: lib.get(rid).fields.get("volume") == "169", timeout=5000)
    assert "pages" not in lib.get(rid).fields


def test_a_less_sure_match_is_listed_apart_and_applied_only_when_chosen(window, lib, qtbot, httpserver, monkeypatch, shots) -> None:
    point_at(monkeypatch, httpserver)
    Replay(httpserver).add("/crossref/works", recorded("crossref_works_knox_title_search.json"))
    [rid] = lib.add_references([Reference(fields={"title": KNOX_TITLE, "date": "2013", "container_title": IRAS})])
    window.reload()
    dlg = find_online(window, qtbot, [rid])
    assert dlg.row_items() == [] and not dlg.apply_button.isEnabled(), "nothing is offered to apply by itself"
    assert not dlg.fields.isVisible()
    assert dlg.unsure_box.isVisible()
    head = dlg.unsure.topLevelItem(0)
    first = head.child(0)
    assert first.text(3) == KNOX_DOI and "the year differs" in first.text(4)
    dlg.grab().save(str(shots / "metadata_merge_unsure.png"))
    dlg.unsure.setCurrentItem(first)
    assert dlg.use_button.isEnabled()
    dlg.use_button.click()
    got = rows(dlg)
    assert dlg.fields.isVisible()
    assert got["Authors"] == ("(empty)", "Knox, Colin", True)
    assert got["DOI"] == ("(empty)", KNOX_DOI, True)
    assert got["Date"][2] is False, "the year that differs is offered, not taken"
    dlg.apply_button.click()
    qtbot.waitUntil(lambda: lib.get(rid).fields.get("doi") == KNOX_DOI, timeout=5000)
    assert lib.get(rid).fields["date"] == "2013", "the differing year stays as the user had it"


def test_cancel_changes_nothing(window, lib, qtbot, replay) -> None:
    [rid] = lib.add_references([Reference(fields={"doi": SCIENCE, "title": "Structure of ordinary water"})])
    window.reload()
    before = lib.get(rid)
    dlg = find_online(window, qtbot, [rid])
    dlg.reject()
    qtbot.wait(50)
    assert lib.get(rid).fields == before.fields and window.undo_stack.count() == 0


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed portal page is not at {SEED} (shared corpus absent)")
def test_the_seed_record_is_completed_by_title_search(window, lib, qtbot, httpserver, monkeypatch) -> None:
    from bibliofile.services.importing import import_files

    point_at(monkeypatch, httpserver)
    Replay(httpserver).add("/crossref/works", recorded("crossref_works_knox_title_search.json"))
    import_files(lib, [SEED])
    [seed] = live(lib)
    assert seed.id is not None and seed.creators == []
    window.reload()
    dlg = find_online(window, qtbot, [seed.id])
    got = rows(dlg)
    assert got["Authors"] == ("(empty)", "Knox, Colin", True)
    assert got["Volume"][1:] == ("74", True) and got["DOI"][1:] == (KNOX_DOI, True)
    dlg.apply_button.click()
    qtbot.waitUntil(lambda: lib.get(seed.id).fields.get("doi") == KNOX_DOI, timeout=5000)
    done = lib.get(seed.id)
    assert [(c.family, c.given) for c in done.creators] == [("Knox", "Colin")] and done.fields["volume"] == "74"
    ticked = sum(1 for _c, _f, t in got.values() if t)
    assert status_text(window) == f"Completed {ticked} fields of Knox 2008."
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: lib.get(seed.id).creators == [], timeout=5000)


def test_offline_find_metadata_queues_the_reference_and_says_why(window, lib, qtbot, monkeypatch) -> None:
    import socket

    from PySide6.QtWidgets import QMenu

    from bibliofile.services import lookup

    from .online_window import point_at_port

    with socket.socket() as s:  # a port nobody listens on: no network, as the client sees it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    point_at_port(monkeypatch, port)
    [rid] = lib.add_references([Reference(fields={"doi": SCIENCE, "title": "Structure of ordinary water"})])
    window.reload()
    window.show()
    qtbot.waitExposed(window)
    window.table.select_ids([rid])
    menu = QMenu()
    window._online_table_menu(menu, [rid])
    assert window.act_find_metadata in menu.actions(), "the table's context menu offers it too"
    window.act_find_metadata.trigger()
    qtbot.waitUntil(lambda: bool(lookup.pending_lookups(lib)), timeout=10000)
    [row] = lookup.pending_lookups(lib)
    assert (row.reference_id, row.action, row.identifier) == (rid, "complete", f"doi:{SCIENCE}")
    assert window.merge_dialog is None
    assert status_text(window) == (
        f"Structure of ordinary water (DOI {SCIENCE}): cannot reach 127.0.0.1:{port} (no network?); "
        "queued to try again when the network is back."
    )
    assert lib.get(rid).fields == {"doi": SCIENCE, "title": "Structure of ordinary water"}
    assert window.undo_stack.count() == 0
