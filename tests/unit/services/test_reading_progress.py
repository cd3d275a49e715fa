"""Reading progress (issue 19) on a real library file: the pages the reader shows are kept
compactly per attachment, a reference's progress reads "12 of 20 pages", turning past page 1
marks it reading (not one already read), "Mark as Read" gives the date read, each status step
undoes, and a reading list's pages left count what the reader says is left."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bibliofile.model import Reference
from bibliofile.model.page_progress import PageProgress, decode_pages, encode_pages
from bibliofile.services import attachments as att
from bibliofile.services import reading, reading_progress
from bibliofile.services.changes import perform, undo
from bibliofile.storage import curation
from bibliofile.storage.library import Library


@pytest.mark.parametrize(
    ("pages", "text"),
    [(set(), ""), ({1}, "1"), ({1, 2, 3, 7}, "1-3,7"), ({5, 4, 9, 10, 11, 2}, "2,4-5,9-11"), ({0, -3, 2}, "2")],
)
def test_pages_are_kept_as_ranges(pages: set[int], text: str) -> None:
    assert encode_pages(pages) == text
    assert decode_pages(text) == {p for p in pages if p >= 1}


def test_malformed_ranges_lose_only_their_part() -> None:
    assert decode_pages("1-3,x,9-7,5-,12") == {1, 2, 3, 12}
    assert len(decode_pages("1-999999999", limit=1000)) == 1000


def test_progress_words() -> None:
    assert PageProgress(12, 20).text() == "12 of 20 pages"
    assert PageProgress(1, 1).text() == "1 of 1 page"
    assert PageProgress(3, 0).text() == "3 pages"
    assert (PageProgress(12, 20).left, PageProgress(20, 20).finished, PageProgress(3, 0).left) == (8, True, 0)


def _attached(library: Library, tmp_path: Path, title: str, pages: str = "", name: str = "p.pdf") -> tuple[int, int]:
    fields = {"title": title, "date": "2020"} | ({"pages": pages} if pages else {})
    [rid] = library.add_references([Reference(fields=fields)])
    f = tmp_path / "papers" / name
    f.parent.mkdir(exist_ok=True)
    f.write_bytes(b"%PDF-1.4\n%%EOF\n")
    where = att.FileLocations.of(library, tmp_path / "papers")
    perform(library, lambda u: att.attach(u, where, rid, f, "link"))
    [view] = att.attachments_of(library, where, rid)
    return rid, view.attachment.id


def test_pages_shown_accumulate_across_sessions(library: Library, tmp_path: Path) -> None:
    rid, aid = _attached(library, tmp_path, "Twenty Pages")
    assert reading_progress.progress_text(library, rid) == ""
    assert reading_progress.record_pages(library, aid, [1, 2, 3], 20) == PageProgress(3, 20)
    reading_progress.record_pages(library, aid, [3, 4, 10, 25], 20)  # 25: beyond the file, left out
    assert reading_progress.pages_seen(library, aid) == {1, 2, 3, 4, 10}
    assert reading_progress.progress_text(library, rid) == "5 of 20 pages"
    # A second attachment (a supplement) glanced at: the reference shows its main paper.
    with library.write() as uow:
        from bibliofile.storage import attachments as rows

        [supp] = rows.add(uow, [rows.Attachment(rid, rows.LINKED, "supp.pdf", "supp.pdf")])
    reading_progress.record_pages(library, supp.id, [1], 3)
    assert reading_progress.progress_of(library, [rid]) == {rid: PageProgress(5, 20)}


def test_start_reading_is_undoable_and_never_downgrades(library: Library, tmp_path: Path) -> None:
    rid, _aid = _attached(library, tmp_path, "To Start")
    perform(library, lambda u: reading.set_reading(u, [rid], status="toread"))
    assert reading_progress.would_start(library, rid)
    change = perform(library, lambda u: reading_progress.start_reading(u, rid))
    assert curation.reading_states(library, [rid])[rid].status == "reading"
    undo(library, change)
    assert curation.reading_states(library, [rid])[rid].status == "toread"
    perform(library, lambda u: reading.set_reading(u, [rid], status="read", date_read="2020-01-02"))
    assert not reading_progress.would_start(library, rid)
    again = perform(library, lambda u: reading_progress.start_reading(u, rid))
    assert again.ids == () and curation.reading_states(library, [rid])[rid].status == "read"


def test_mark_as_read_sets_the_date_and_undoes(library: Library, tmp_path: Path) -> None:
    rid, _aid = _attached(library, tmp_path, "Finished")
    perform(library, lambda u: reading.set_reading(u, [rid], status="reading"))
    change = perform(library, lambda u: reading_progress.finish_reading(u, rid))
    state = curation.reading_states(library, [rid])[rid]
    assert (state.status, state.date_read) == ("read", date.today().isoformat())
    assert reading_progress.is_read(library, rid)
    undo(library, change)
    state = curation.reading_states(library, [rid])[rid]
    assert (state.status, state.date_read) == ("reading", "")


def test_reading_list_counts_pages_left_from_the_reader(library: Library, tmp_path: Path) -> None:
    being_read, aid = _attached(library, tmp_path, "Being Read", pages="1--30", name="a.pdf")
    untouched, _ = _attached(library, tmp_path, "Untouched", pages="1--20", name="b.pdf")
    done, _ = _attached(library, tmp_path, "Done", pages="1--50", name="c.pdf")
    with library.write() as uow:
        cid = uow.add_collection("Thesis")
        uow.add_to_collection(cid, [being_read, untouched, done])
    perform(library, lambda u: reading.set_reading(u, [done], status="read"))
    before = reading.list_progress(library, cid)
    assert (before.read, before.pages_left) == (1, 30 + 20)
    # The reader says the file has 10 pages and 3 were shown: 7 left, not the range's 30.
    reading_progress.record_pages(library, aid, [1, 2, 3], 10)
    perform(library, lambda u: reading_progress.start_reading(u, being_read))
    p = reading.list_progress(library, cid)
    assert (p.total, p.read, p.pages_left) == (3, 1, 7 + 20)
    assert p.text() == "1 of 3 read · 27 pages left, about 1 h 48 min"


def test_progress_goes_with_its_attachment(library: Library, tmp_path: Path) -> None:
    rid, aid = _attached(library, tmp_path, "Removed File")
    reading_progress.record_pages(library, aid, [1, 2], 4)
    where = att.FileLocations.of(library, tmp_path / "papers")
    perform(library, lambda u: att.remove(u, where, [aid]))
    assert reading_progress.progress_of(library, [rid]) == {}
    assert reading_progress.record_pages(library, aid, [3], 4) == PageProgress(0, 4)  # no row, nothing kept
