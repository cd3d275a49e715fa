"""The style catalogue's cached index (issue 18): read in small pieces, so a worker reading it
never holds the GIL for long (one json.loads of the whole catalogue froze the window for
30-400 ms), with the same content as reading every style file, and an index in another format
(an older Bibliofile's one JSON object) or cut short is rebuilt, not trusted."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from bibliofile.citation.styles import StyleCatalogue, StyleInfo, packaged_styles_dir


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, StyleInfo], Path]:
    """The packaged styles read from their files (no index), and a folder holding the index
    the first catalogue with a cache folder wrote."""
    root = tmp_path_factory.mktemp("index")
    from_files = StyleCatalogue(packaged_styles_dir(), root / "user", None)
    StyleCatalogue(packaged_styles_dir(), root / "user", root / "cache")
    return {s.id: s for s in from_files.all()}, root / "cache"


def index_in(folder: Path) -> Path:
    (found,) = folder.glob("styles-index-*.json")
    return found


def catalogue_with(tmp_path: Path, cache: Path) -> StyleCatalogue:
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    return StyleCatalogue(packaged_styles_dir(), tmp_path / "user", copy)


def test_the_index_is_read_in_pieces(scanned: tuple[dict[str, StyleInfo], Path]) -> None:
    styles, cache = scanned
    lines = index_in(cache).read_text(encoding="utf-8").splitlines()
    assert len(lines) > 10  # ~10,800 styles
    rows = 0
    for line in lines[1:]:
        piece = json.loads(line)  # each line stands on its own
        assert 0 < len(piece) <= 1000, "a line of the index holds at most a thousand styles"
        rows += len(piece)
    assert rows == len(styles)


def test_the_index_gives_what_the_style_files_say(scanned: tuple[dict[str, StyleInfo], Path], tmp_path: Path) -> None:
    styles, cache = scanned
    indexed = catalogue_with(tmp_path, cache)
    assert {s.id: s for s in indexed.all()} == styles
    vancouver = indexed.get("vancouver-nlm")
    assert vancouver.parent == "nlm-citation-sequence" and Path(vancouver.path).is_file()
    assert indexed.search("apa")[0].id == "apa"


def test_an_index_of_the_old_format_is_rebuilt(scanned: tuple[dict[str, StyleInfo], Path], tmp_path: Path) -> None:
    styles, cache = scanned
    index = index_in(cache)
    old = tmp_path / "old"
    old.mkdir()
    # What Bibliofile wrote before: one JSON object, the styles as objects with relative paths.
    rows = [{**asdict(s), "path": str(Path(s.path).relative_to(packaged_styles_dir()))} for s in styles.values()]
    (old / index.name).write_text(json.dumps({"format": 1, "styles": rows}), encoding="utf-8")
    catalogue = StyleCatalogue(packaged_styles_dir(), tmp_path / "user", old)
    assert {s.id: s for s in catalogue.all()} == styles
    assert (old / index.name).read_text(encoding="utf-8") == index.read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["cut", "garbage", "wrong-types"])
def test_a_damaged_index_is_rebuilt(scanned: tuple[dict[str, StyleInfo], Path], tmp_path: Path, damage: str) -> None:
    styles, cache = scanned
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    index = index_in(copy)
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    if damage == "cut":
        index.write_text("".join(lines[:-1]), encoding="utf-8")  # a whole line of styles missing
    elif damage == "garbage":
        index.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2] + "\n", encoding="utf-8")
    else:
        piece = json.loads(lines[2])
        piece[0][1] = None  # a title that is no text
        index.write_text("".join([*lines[:2], json.dumps(piece) + "\n", *lines[3:]]), encoding="utf-8")
    catalogue = StyleCatalogue(packaged_styles_dir(), tmp_path / "user", copy)
    assert {s.id: s for s in catalogue.all()} == styles
    assert index.read_text(encoding="utf-8") == index_in(cache).read_text(encoding="utf-8")
