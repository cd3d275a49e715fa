"""Citation keys for many keyless references: the same keys as before, in linear work.

20k identical RIS records took 67 s because every key searched its suffix from ``a`` again.
Work is counted here (set look-ups), never timed.
"""

from __future__ import annotations

import itertools
import string
from pathlib import Path

from bibliofile.services import citation_keys as ck
from bibliofile.services.importing import import_files
from bibliofile.storage.library import Library


def _suffixes() -> itertools.chain[str]:
    """a..z, aa..az, ba..zz, aaa.. : spelled out independently of the code under test."""
    letters = string.ascii_lowercase
    return itertools.chain.from_iterable(
        ("".join(p) for p in itertools.product(letters, repeat=n)) for n in itertools.count(1)
    )


class CountingSet(set[str]):
    """A set that counts membership tests, to measure the work of a key search."""

    lookups = 0

    def __contains__(self, item: object) -> bool:
        CountingSet.lookups += 1
        return super().__contains__(item)


def test_allocating_many_identical_keys_is_linear_work() -> None:
    taken = CountingSet()
    CountingSet.lookups = 0
    allocator = ck.KeyAllocator(taken)
    n = 3000
    keys = [allocator.allocate("smith2001same") for _ in range(n)]
    expected = ["smith2001same"] + ["smith2001same" + s for s in itertools.islice(_suffixes(), n - 1)]
    assert keys == expected
    assert CountingSet.lookups < 4 * n  # the old search made ~n*n/2 (4.5 million here)


def test_allocator_skips_keys_taken_before_and_fills_gaps_in_order() -> None:
    taken = {"x", "xb", "xc", "xaa"}
    allocator = ck.KeyAllocator(taken)
    got = [allocator.allocate("x") for _ in range(26)]
    assert got[:3] == ["xa", "xd", "xe"]
    assert got[23:] == ["xz", "xab", "xac"]  # xa..xz minus xb, xc gives 24; then xaa is taken
    assert "xac" in taken  # the allocator records what it gave


def test_a_base_that_is_another_base_plus_suffix_gets_no_duplicate() -> None:
    allocator = ck.KeyAllocator(set())
    first = [allocator.allocate("x") for _ in range(3)]  # x, xa, xb
    assert allocator.allocate("xa") == "xaa"
    assert allocator.allocate("x") == "xc"
    assert len(set(first)) == 3


def test_unique_key_does_not_change_the_taken_set() -> None:
    taken = {"k", "ka"}
    assert ck.unique_key("k", taken) == "kb"
    assert taken == {"k", "ka"}


def test_import_of_identical_records_gives_the_suffix_sequence(tmp_path: Path, library: Library) -> None:
    record = "TY  - JOUR\nAU  - Smith, John\nTI  - The same title again\nPY  - 2001\nER  - \n\n"
    ris = tmp_path / "same.ris"
    ris.write_text(record * 60, encoding="utf-8")
    report = import_files(library, [ris], workers=1)
    keys = sorted(r.citation_key for r in library.get_many(report.ids))
    base = "smith2001sametitleagain"  # [auth:lower][year][shorttitle:lower]: "The" is skipped
    expected = sorted([base] + [base + s for s in itertools.islice(_suffixes(), 59)])
    assert keys == expected
