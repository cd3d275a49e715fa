"""Our Reference as a CSL-JSON item, the input citeproc-js formats.

The mapping itself lives in ``model/csl.py`` since the CSL-JSON file reader and writer
(``formats/csl_json.py``) need it too and formats/ may not import citation/ (sibling layers);
this module keeps the names the citation code and its tests import.
"""

from __future__ import annotations

from bibliofile.model.csl import (
    CSL_TYPES,
    DATE_VARIABLES,
    TEXT_VARIABLES,
    CslItem,
    csl_date,
    csl_name,
    csl_names,
    csl_pages,
    csl_type,
    to_csl_json,
)

__all__ = [
    "CSL_TYPES",
    "DATE_VARIABLES",
    "TEXT_VARIABLES",
    "CslItem",
    "csl_date",
    "csl_name",
    "csl_names",
    "csl_pages",
    "csl_type",
    "to_csl_json",
]
