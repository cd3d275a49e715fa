"""Whether citeproc-js is installed, as one skip mark for every test that formats citations.

Without ``node_modules/citeproc`` (``make setup`` installs it) those tests cannot run; they are
skipped with the engine's own message, which says how to install it, rather than failing. One
module, so the check and its wording are the same in the unit and GUI tests.
"""

from __future__ import annotations

import pytest

from bibliofile.citation.engine import EngineUnavailable, find_citeproc_js


def _citeproc_missing() -> str:
    try:
        find_citeproc_js()
    except EngineUnavailable as exc:
        return str(exc)
    return ""


CITEPROC_MISSING = _citeproc_missing()
needs_citeproc = pytest.mark.skipif(bool(CITEPROC_MISSING), reason=CITEPROC_MISSING or "citeproc-js is installed")
