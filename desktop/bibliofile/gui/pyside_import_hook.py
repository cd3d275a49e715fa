"""PySide6's import hook, kept from reading the source of every module imported after it.

Once PySide6 is loaded, shiboken replaces ``builtins.__import__`` with its own hook, and for
every module imported after that it asks whether the module's source mentions PySide6
(``shibokensupport.feature._mod_uses_pyside``: ``inspect.getsource``, which reads, decodes and
keeps every line in ``linecache``). The answer serves one thing only: which modules a
``from __feature__ import snake_case, true_property`` switches Qt's names for. Bibliofile never
selects a PySide feature (tests/gui/test_launch_entry.py holds that), so the question is
never needed; at launch it cost ~20 % of every later import (issue 22: 35-45 ms of CPU before
the first rows at 100k, and ~20 MB of source lines in linecache).

``skip_feature_scan`` replaces that per-module step with one that records nothing. The hook
itself stays, and a module that does import ``__feature__`` is still handled by it (the
feature import records its importer directly); a module left unrecorded keeps PySide's default
names, which is what the scan found for every module here.
"""

from __future__ import annotations

import sys
from types import ModuleType


def _not_scanned(module: ModuleType) -> None:
    """What the hook calls after each import: nothing to learn (see the module doc)."""


def skip_feature_scan() -> bool:
    """Load PySide6 and keep its import hook from scanning later modules' source. False when
    this PySide6 has no such step (another version): then nothing is changed."""
    import PySide6  # noqa: F401 - loading it installs the hook this adjusts

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "feature_imported", None)):
        return False
    if not isinstance(getattr(feature, "pyside_feature_dict", None), dict):
        return False
    feature.feature_imported = _not_scanned  # type: ignore[attr-defined]
    return True


def feature_scan_skipped() -> bool:
    feature = sys.modules.get("shibokensupport.feature")
    return feature is not None and getattr(feature, "feature_imported", None) is _not_scanned
