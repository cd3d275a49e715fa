"""Every link in the repository's Markdown points at something in the repository (issue 17, item 13).

Why: a researcher reads the README on the forge or in a clone; a link to a file that moved, or
to a folder outside the repository (such as the team's ../shared), is a dead end for them.
Web links are not fetched (the tests run offline); relative links and images must resolve.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# tests/data holds fixtures (portal pages saved as Markdown), not documentation.
SKIP_DIRS = {"data", ".venv", "node_modules", ".git", "build", "dist", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# [text](target) and ![alt](target); a title after the target ("…") is dropped.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _markdown_files() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("*.md") if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    )


def _local_targets(text: str) -> list[str]:
    out = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # web or mail link, or an anchor in the same page
        out.append(target.split("#", 1)[0])
    return out


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(doc: Path) -> None:
    broken = []
    for target in _local_targets(doc.read_text(encoding="utf-8")):
        path = (doc.parent / target).resolve()
        if not path.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not path.exists():
            broken.append(f"{target} (missing)")
    assert not broken, f"{doc.relative_to(ROOT)}: " + ", ".join(broken)


def test_the_readme_is_checked() -> None:
    assert ROOT / "README.md" in _markdown_files()
