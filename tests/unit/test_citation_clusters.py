"""A document's citations in document order, on our own items, in APA, IEEE and Chicago notes.

What each style prescribes: APA gives two 2008 papers by one author 2008a/2008b by title
(Publication Manual 7, 8.19) whichever is cited first; IEEE numbers references in order of
first citation; Chicago's notes shorten a repeated citation and (in the "subsequent ibid"
variant) use "Ibid." for the same source in consecutive notes (CMOS 17, 14.34).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.citeproc_skip import needs_citeproc

from bibliofile.citation.engine import Cluster, ClusterCite
from bibliofile.services.citation_clusters import (
    ClusterFileError,
    ClusterInput,
    parse_clusters,
    render,
)

pytestmark = needs_citeproc

ITEMS: list[dict[str, Any]] = [
    {"id": "fisher", "type": "book", "title": "The Design of Experiments", "publisher": "Oliver and Boyd",
     "publisher-place": "Edinburgh", "issued": {"date-parts": [[1935]]},
     "author": [{"family": "Fisher", "given": "Ronald A."}]},
    {"id": "alpha", "type": "article-journal", "title": "Alpha study", "container-title": "Science",
     "volume": "1", "page": "1-2", "issued": {"date-parts": [[2008]]}, "author": [{"family": "Lee", "given": "Min"}]},
    {"id": "beta", "type": "article-journal", "title": "Beta study", "container-title": "Science",
     "volume": "1", "page": "3-4", "issued": {"date-parts": [[2008]]}, "author": [{"family": "Lee", "given": "Min"}]},
]


def clusters(*groups: tuple[ClusterCite, ...], notes: bool = False) -> ClusterInput:
    return ClusterInput([Cluster(g, f"c{n}", n if notes else 0) for n, g in enumerate(groups, 1)])


def test_apa_year_letters_follow_titles_not_citation_order() -> None:
    done = render(
        ITEMS,
        clusters(
            (ClusterCite("beta", locator="3"),),
            (ClusterCite("alpha", prefix="see "),),
            (ClusterCite("fisher", suppress_author=True),),
        ),
        "apa",
    )
    assert done.result.citations == ["(Lee, 2008b, p. 3)", "(see Lee, 2008a)", "(1935)"]
    assert [e.split(".")[0] for e in done.result.bibliography.entries] == ["Fisher, R", "Lee, M", "Lee, M"]
    assert "(2008a). Alpha study" in done.result.bibliography.entries[1]


def test_ieee_numbers_in_order_of_first_citation() -> None:
    done = render(
        ITEMS,
        clusters((ClusterCite("beta"),), (ClusterCite("fisher"), ClusterCite("alpha")), (ClusterCite("beta"),)),
        "ieee",
    )
    assert done.result.citations == ["[1]", "[2], [3]", "[1]"]
    entries = done.result.bibliography.entries
    assert entries[0].startswith("[1] M. Lee, “Beta study,”")
    assert entries[1].startswith("[2] R. A. Fisher, The Design of Experiments")


def test_chicago_notes_full_then_ibid_then_short() -> None:
    done = render(
        ITEMS,
        clusters(
            (ClusterCite("fisher"),),
            (ClusterCite("fisher", locator="23"),),
            (ClusterCite("alpha"),),
            (ClusterCite("fisher"),),
            notes=True,
        ),
        "chicago-notes-bibliography-subsequent-ibid",
    )
    first, second, third, fourth = done.result.citations
    assert first.startswith("Ronald A. Fisher, The Design of Experiments (") and "1935" in first
    assert second == "Ibid., 23."
    assert third.startswith("Min Lee, “Alpha Study,” Science 1 (2008)")  # headline style, CMOS 8.159
    assert fourth.startswith("Fisher, ") and "Design of Experiments" in fourth and "1935" not in fourth


def test_an_empty_cluster_stays_empty_and_an_unknown_item_is_named() -> None:
    done = render(ITEMS, ClusterInput([Cluster(()), Cluster((ClusterCite("fisher"), ClusterCite("nobody")))]), "apa")
    assert done.result.citations == ["", "(Fisher, 1935)"]
    assert done.problems == ["citation 2: no item with id nobody; that cite was left out"]


def test_the_three_shapes_of_clusters() -> None:
    # CSL citation objects with embedded items (what documents carry)
    objs = parse_clusters([{"citationID": "x", "citationItems": [{"id": 7, "itemData": ITEMS[0], "locator": "5",
                                                                   "label": "chapter"}], "properties": {"noteIndex": 3}}])
    assert objs.clusters == [Cluster((ClusterCite("7", locator="5", label="chapter"),), "x", 3)]
    assert objs.embedded["7"]["title"] == "The Design of Experiments"
    # CITATION-ITEMS: each cluster its own note
    lists = parse_clusters([[{"id": "a"}], [{"id": "b", "suppress-author": True}]])
    assert [(c.note_index, c.cites[0].suppress_author) for c in lists.clusters] == [(1, False), (2, True)]
    # CITATIONS: a citation inserted before an earlier one comes first
    triples = parse_clusters([
        [{"citationID": "A", "citationItems": [{"id": "a"}]}, [], []],
        [{"citationID": "B", "citationItems": [{"id": "b"}]}, [], [["A", 0]]],
    ])
    assert [c.citation_id for c in triples.clusters] == ["B", "A"]
    with pytest.raises(ClusterFileError):
        parse_clusters({"no": "citations"})


def test_cli_cite_clusters(tmp_path: Path) -> None:
    items = tmp_path / "items.json"
    items.write_text(json.dumps(ITEMS), encoding="utf-8")
    cl = tmp_path / "clusters.json"
    cl.write_text(json.dumps([[{"id": "alpha"}], [{"id": "beta"}], [{"id": "alpha", "locator": "2"}]]), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", str(tmp_path / "none.sqlite"), "cite",
         "--input", str(items), "--clusters", str(cl), "--style", "ieee"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:4] == ["[1]", "[2]", "[1, p. 2]", ""]
    assert lines[4].startswith("[1] M. Lee, “Alpha study,”") and lines[5].startswith("[2] M. Lee, “Beta study,”")
    bad = tmp_path / "bad.json"
    bad.write_text("[[{", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bibliofile", "cite", "--input", str(items), "--clusters", str(bad)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 1
    assert f"{bad}: line 1: not JSON" in run.stderr and "Traceback" not in run.stderr


def test_cli_cite_clusters_from_the_library(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@book{fisher1935, author = {Fisher, Ronald A.}, title = {The Design of Experiments},"
                   " publisher = {Oliver and Boyd}, year = {1935}}\n", encoding="utf-8")
    cl = tmp_path / "clusters.json"
    cl.write_text(json.dumps([[{"id": "fisher1935"}], [{"id": "fisher1935", "locator": "7"}], [{"id": "nokey"}]]),
                  encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    lib = str(tmp_path / "lib.sqlite")
    assert subprocess.run([sys.executable, "-m", "bibliofile", "--library", lib, "import", str(bib)],
                          capture_output=True, env=env, timeout=120).returncode == 0
    run = subprocess.run(
        [sys.executable, "-m", "bibliofile", "--library", lib, "cite", "--clusters", str(cl)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:4] == ["(Fisher, 1935)", "(Fisher, 1935, p. 7)", "", ""]
    assert "note: citation 3: no item with id nokey; that cite was left out" in run.stderr
