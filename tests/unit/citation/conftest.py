"""One style catalogue and one citeproc-js engine per test module: building APA costs ~1 s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.citeproc_skip import CITEPROC_MISSING

from bibliofile.citation.engine import CiteprocEngine
from bibliofile.citation.styles import StyleCatalogue, packaged_styles_dir


@pytest.fixture(scope="module")
def styles(tmp_path_factory: pytest.TempPathFactory) -> StyleCatalogue:
    root = tmp_path_factory.mktemp("styles")
    return StyleCatalogue(packaged_styles_dir(), root / "user-styles", root / "cache")


@pytest.fixture(scope="module")
def citeproc_installed() -> None:
    """Skips the test with the reason when node_modules/citeproc is absent (`make test` installs it)."""
    if CITEPROC_MISSING:
        pytest.skip(CITEPROC_MISSING)


@pytest.fixture(scope="module")
def engine(citeproc_installed: None, styles: StyleCatalogue) -> Iterator[CiteprocEngine]:
    eng = CiteprocEngine(styles=styles)
    yield eng
    eng.close()
