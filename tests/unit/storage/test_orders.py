"""The in-memory display orders: same answers as SQL, never stale after any write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.model.query import parse_query
from bibliofile.storage.library import LIBRARY, TRASH, Library, Scope


def _refs(n: int) -> list[Reference]:
    words = ["policy", "politics", "inertia", "reform", "state", "market", "trust"]
    return [
        Reference(
            fields={"title": f"{words[i % 7].capitalize()} {words[(i * 3) % 7]} {i}", "date": str(1990 + i % 17)},
            creators=[Creator(family=["Knox", "Ostrom", "Hood", "Weber"][i % 4], given="A")],
        )
        for i in range(n)
    ]


QUERIES = [
    "", "pol", "polit inert", "-reform", "-reform -state", "pol -market", 'title:"market politics"',
    "year:1995..2000", "author:knox state", "type:book", "zzz", "-zzz",
]


@pytest.mark.parametrize("sort", ["title", "authors", "year", "container", "date_added"])
@pytest.mark.parametrize("descending", [False, True])
def test_cached_orders_answer_like_sql(library: Library, sort: str, descending: bool) -> None:
    ids = library.add_references(_refs(120))
    with library.write() as uow:
        uow.trash(ids[::7])
        cid = uow.add_collection("Reading list", None)
        uow.add_to_collection(cid, ids[::3])
    for scope in (LIBRARY, TRASH, Scope(collection_id=cid)):
        library.prepare_order(sort, descending, scope)
        found = 0
        for q in QUERIES:
            expected = library._search_sql(parse_query(q), sort, descending, scope)
            assert library.search(q, sort, descending, scope) == expected, (q, scope)
            # The two-step answer the window uses: the same ids, its head first, the right count.
            staged = library.search_staged(q, sort, descending, scope, head=5)
            assert staged.head == expected[: len(staged.head)] and len(staged.head) >= min(5, len(expected))
            assert staged.count == len(expected), (q, scope)
            assert staged.ids() == expected, (q, scope)
            found += len(expected)
        assert found > 0


def test_a_write_from_another_program_is_seen_at_once(library: Library, library_path: Path) -> None:
    ids = library.add_references(_refs(20))
    library.prepare_order("title")
    assert library.search("")[0] != ids[5]
    # Another program (not our engine) renames one reference so that it sorts first.
    con = sqlite3.connect(library_path)
    con.execute('UPDATE "references" SET sort_title = ?, title = ? WHERE id = ?', ("aaa", "Aaa", ids[5]))
    con.commit()
    con.close()
    assert library.search("")[0] == ids[5]
    assert library.search("politics")[0] == ids[5]  # its indexed words still match; it now sorts first


def test_our_own_writes_drop_the_orders(library: Library) -> None:
    ids = library.add_references(_refs(30))
    library.prepare_order("title")
    before = library.search("")
    with library.write() as uow:
        uow.trash(ids[:10])
    after = library.search("")
    assert len(after) == len(before) - 10 and not set(ids[:10]) & set(after)
    assert library.search("", scope=TRASH) == [i for i in before if i in set(ids[:10])]
    new = library.add_references([Reference(fields={"title": "A first title", "date": "2001"})])
    assert library.search("")[0] == new[0]
    assert library.search("first") == new


def test_a_broad_query_is_staged_and_a_narrow_one_comes_complete(library: Library) -> None:
    library.add_references(_refs(140))
    library.prepare_order("title")
    broad = library.search_staged("pol", head=10)  # 2 of 7 title words: ~40 % of the library
    assert broad.finish is not None and len(broad.head) == 10
    assert broad.ids() == library.search("pol") and broad.count == len(library.search("pol"))
    narrow = library.search_staged("author:knox state", head=10)
    assert narrow.finish is None and narrow.head == library.search("author:knox state")


def test_a_staged_search_stops_putting_ids_in_order_when_no_longer_wanted() -> None:
    from bibliofile.storage.orders import FINISH_SLICE, CachedOrder

    order = CachedOrder(list(range(1, 3 * FINISH_SLICE + 1)))
    hits = set(range(1, 3 * FINISH_SLICE + 1, 2))  # half of the order: staged
    staged = order.staged(hits, set(), head=10)
    assert staged.finish is not None and staged.count == len(hits)
    assert staged.finish(None) == sorted(hits)
    assert len(staged.finish(lambda: True)) <= FINISH_SLICE // 2 + 1  # stopped after one slice


def test_preparing_an_order_builds_what_a_keystroke_would(library: Library) -> None:
    """The window prepares orders on a thread of its own, so the first narrow search (ranks)
    and the first broad one (ids outside the scope) find them built."""
    from bibliofile.storage.library import LIBRARY

    library.add_references(_refs(30))
    library.prepare_order("title")
    library.prepare_order("year", ranks=False)  # for a header click: no Python work beyond ids
    assert library._orders is not None
    order = library._orders.get(("title", False, LIBRARY))
    assert order is not None and order._rank is not None and order._outside is not None
    other = library._orders.get(("year", False, LIBRARY))
    assert other is not None and other._rank is None


@pytest.mark.parametrize("every", [1, 2, 5])
@pytest.mark.parametrize("outside_every", [0, 3, 97])
def test_sorted_hits_are_staged_like_a_set_of_them(every: int, outside_every: int) -> None:
    """Full-text hits come as an ascending list; staged without building a set of them, they
    give what the same hits as a set give (count, head, and every id)."""
    import random

    from bibliofile.storage.orders import CachedOrder

    top = 5000
    scope = [i for i in range(1, top + 1) if not (outside_every and i % outside_every == 0)]
    random.Random(every * 100 + outside_every).shuffle(scope)
    hits = list(range(1, top + 1, every))
    as_list = CachedOrder(scope, top).staged(hits, set(), head=50)
    as_set = CachedOrder(scope, top).staged(set(hits), set(), head=50)
    assert as_list.finish is not None  # broad enough to be staged
    assert as_list.count == as_set.count == len(set(hits) & set(scope))
    assert as_list.head == as_set.head
    assert as_list.ids() == as_set.ids() == [i for i in scope if i in set(hits)]
