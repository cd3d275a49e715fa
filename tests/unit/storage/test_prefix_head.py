"""A first key's head from the full-text prefix index (issue 22): the same answer as SQL.

A one-letter query ("a", "p") hits most of the library; its first rows and count come
from a count of the hits and lookups of the order's first ids (``CachedOrder.staged_by_lookup``)
instead of reading every hit. Whatever path a search takes, its head, count and ids must be
those of the plain SQL search.
"""

from __future__ import annotations

import random

import pytest

from bibliofile.model import Creator, Reference
from bibliofile.model.query import parse_query
from bibliofile.storage.library import LIBRARY, TRASH, Library, Scope
from bibliofile.storage.orders import CachedOrder

WORDS = ["analysis", "adaptive", "policy", "political", "trust", "theory", "state", "market", "éclair", "ab"]


def _refs(n: int, seed: int = 7) -> list[Reference]:
    rng = random.Random(seed)
    refs = []
    for i in range(n):
        # Nine titles in ten start with a word in "a": that first key hits nearly every row.
        first = rng.choice(WORDS[:2]) if rng.random() < 0.9 else rng.choice(WORDS[2:])
        title = " ".join([first, *(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))]).capitalize()
        refs.append(Reference(
            fields={"title": f"{title} {i}", "date": str(1980 + rng.randint(0, 40))},
            creators=[Creator(family=rng.choice(["Knox", "Abbott", "Park", "Tran"]), given="B")],
        ))
    return refs


QUERIES = ["a", "A", "p", "t", "a p", "po", "ab", "title:a", "author:a", "a -ab", '"a"', "é", "a OR p", "an", "zz"]


@pytest.mark.parametrize("sort, descending", [("title", False), ("title", True), ("authors", False), ("year", True)])
def test_a_first_keys_head_count_and_ids_are_those_of_sql(library: Library, sort: str, descending: bool) -> None:
    ids = library.add_references(_refs(1500))
    with library.write() as uow:
        uow.trash(ids[::97])  # a few outside the library scope: counted out by lookups
        cid = uow.add_collection("List", None)
        uow.add_to_collection(cid, ids[::2])
    took_lookup = 0
    for scope in (LIBRARY, TRASH, Scope(collection_id=cid)):
        library.prepare_order(sort, descending, scope)
        for q in QUERIES:
            expected = library._search_sql(parse_query(q), sort, descending, scope)
            # At 1,500 references lookups pay for a head of one or two rows only (LOOKUP_COST;
            # at 100k for the window's 200): the small heads take them, the others read hits.
            for head in (1, 2, 5, 40):
                staged = library.search_staged(q, sort, descending, scope, head=head)
                assert staged.count == len(expected), (q, scope, head)
                assert staged.head == expected[: len(staged.head)], (q, scope, head)
                assert len(staged.head) >= min(head, len(expected)), (q, scope, head)
                assert staged.ids() == expected, (q, scope, head)
                if _by_lookup(library, q, sort, descending, scope, head) is not None:
                    took_lookup += 1
    assert took_lookup >= 6, "the broad first keys in the library scope take the lookup path"


def _by_lookup(library: Library, q: str, sort: str, descending: bool, scope: Scope, head: int) -> object:
    """What the lookup path answers for ``q`` (None: the plain path would be taken)."""
    assert library._orders is not None
    order = library._orders.get((sort, descending, scope))
    expr = library.index.prefix_indexed(parse_query(q).terms)
    if order is None or expr is None:
        return None
    with library.engine.connect() as conn:
        return order.staged_by_lookup(
            library.index.count_hits(conn, expr),
            lambda chunk: library.index.hits_among(conn, expr, chunk),
            lambda: library._hit_sets(parse_query(q), scope),
            head,
        )


def test_only_words_the_prefix_index_answers_are_looked_up(library: Library) -> None:
    """Lookups of "the"* cost FTS5 a merge of every word's doclist per rowid (~4 ms each), and
    two letters rarely hit enough rows to pay: only one-letter words (ASCII letters or digits),
    positive, outside phrases, qualify."""
    index = library.index
    assert index.prefix_indexed(parse_query("a").terms) is not None
    assert index.prefix_indexed(parse_query("a p").terms) is not None
    assert index.prefix_indexed(parse_query("title:p").terms) is not None
    for q in ("the", "po", "a the", "-a", '"a"', "é", "a OR p", "author:knox"):
        assert index.prefix_indexed(parse_query(q).terms) is None, q


@pytest.mark.parametrize("every, outside_every", [(1, 0), (1, 20), (2, 0), (3, 50), (1, 1000)])
def test_lookup_head_matches_the_staged_search_of_the_same_hits(every: int, outside_every: int) -> None:
    """At the order level, with the hits given as a set: the same head, count and ids as
    ``staged``, or None where the lookups would not pay (a long head in a small scope)."""
    top = 6000
    rng = random.Random(every * 1000 + outside_every)
    scope = [i for i in range(1, top + 1) if not (outside_every and i % outside_every == 0)]
    rng.shuffle(scope)
    hits = {i for i in range(1, top + 1) if i % every == 0 or rng.random() < 0.1}
    looked: list[int] = []

    def among(chunk: object) -> set[int]:
        ids = list(chunk)  # type: ignore[call-overload]
        looked.extend(ids)
        return hits.intersection(ids)

    for head in (1, 5, 200):
        quick = CachedOrder(scope, top).staged_by_lookup(len(hits), among, lambda: (sorted(hits), set()), head)
        plain = CachedOrder(scope, top).staged(sorted(hits), set(), head)
        if quick is None:  # 200 lookups of 6,000 ids cost more than reading the hits
            assert head == 200 or every > 1, "hits in nearly every row of a nearly whole scope are looked up"
            continue
        assert quick.count == plain.count == len(hits & set(scope))
        assert quick.head == plain.head[: len(quick.head)] and len(quick.head) == min(head, quick.count)
        assert quick.ids() == plain.ids() == [i for i in scope if i in hits]
    assert len(looked) < 3 * top, "a head is found without looking up the whole order"
