"""What the running app answers the Writer extension: citations rendered in document order,
and where the extension finds the app (port and token), both kept apart from the HTTP server.

The extension (packaging/libreoffice/) sends every citation of a document as a CSL citation
object, in document order, each cite carrying its item as ``itemData``; the app renders them
all at once with citeproc-js (``citation_clusters.render``), taking each item from the library
when it holds the cite's citation key, so a title corrected in the library reaches the
document, and from the citation's own data otherwise. The answer gives every citation's HTML,
the bibliography's entries and the items used, which the extension writes back into its marks.

The app's port and the token it made at start are written to ``office-endpoint.json`` in the
user's state folder, readable by the user only; the extension reads it there (its
``app_link.state_dir`` computes the same folder without platformdirs).
"""

from __future__ import annotations

from typing import Any

from bibliofile.citation.csl_json import CslItem
from bibliofile.model.csl import to_csl_json
from bibliofile.model.reference import Reference
from bibliofile.services.citation_clusters import ClusterInput, parse_clusters, render
from bibliofile.services.citing import select_references
from bibliofile.services.documents import DEFAULT_STYLE, is_note_style

# Where the extension finds the app (port, token, the headless command): office_endpoint.py,
# which the window uses as it starts without importing the rendering above; re-exported here.
from bibliofile.services.office_endpoint import APP as APP
from bibliofile.services.office_endpoint import COMMAND_FILE as COMMAND_FILE
from bibliofile.services.office_endpoint import ENDPOINT_FILE as ENDPOINT_FILE
from bibliofile.services.office_endpoint import endpoint_path as endpoint_path
from bibliofile.services.office_endpoint import new_token as new_token
from bibliofile.services.office_endpoint import remove_endpoint_file as remove_endpoint_file
from bibliofile.services.office_endpoint import state_dir as state_dir
from bibliofile.services.office_endpoint import write_command_file as write_command_file
from bibliofile.services.office_endpoint import write_endpoint_file as write_endpoint_file
from bibliofile.storage.library import Library

MAX_CITATIONS = 20_000


class OfficeRequestError(ValueError):
    """A request the extension should not have sent (the message says what is wrong)."""


def render_for_office(payload: Any, library: Library | None) -> dict[str, Any]:
    """``POST /bibliofile/render``: ``{"citations": [...], "style": S, "locale": L}`` in,
    ``{"citations": [html], "bibliography": [html], "layout": {"hanging_indent", "line_spacing",
    "entry_spacing"}, "items": [[item per cite]], "problems", "note_style"}`` out (see the
    module doc)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("citations"), list):
        raise OfficeRequestError("expected {\"citations\": [...], \"style\": ...}")
    if len(payload["citations"]) > MAX_CITATIONS:
        raise OfficeRequestError(f"more than {MAX_CITATIONS} citations")
    style = payload.get("style") or DEFAULT_STYLE
    locale = payload.get("locale") or None
    if not isinstance(style, str) or (locale is not None and not isinstance(locale, str)):
        raise OfficeRequestError("style and locale must be strings")
    clusters = parse_clusters(payload["citations"])
    if len(clusters.clusters) != len(payload["citations"]):
        raise OfficeRequestError("; ".join(clusters.problems) or "a citation could not be read")
    from_library = _library_items(library, payload["citations"], clusters)
    done = render(list(from_library.values()), clusters, style, locale, "html")
    items: list[list[CslItem | None]] = [
        [from_library.get(c.id) or clusters.embedded.get(c.id) for c in cluster.cites] for cluster in clusters.clusters
    ]
    params = done.result.bibliography.params
    return {
        "citations": done.result.citations,
        "bibliography": list(done.result.bibliography.entries),
        # the style's layout of the list, which the HTML entries do not carry
        "layout": {
            "hanging_indent": params.hanging_indent,
            "line_spacing": params.line_spacing,
            "entry_spacing": params.entry_spacing,
        },
        "items": items,
        "problems": done.problems,
        "note_style": is_note_style(style),
        "from_library": len(from_library),
    }


def _library_items(library: Library | None, citations: list[Any], clusters: ClusterInput) -> dict[str, CslItem]:
    """Cite id -> the library's item for it, found by the embedded ``citation-key`` (else the
    cite's id, which is the key for our own cites), crossref parents resolved."""
    if library is None:
        return {}
    keys: dict[str, str] = {}
    for raw, cluster in zip(citations, clusters.clusters, strict=True):
        raw_items = raw.get("citationItems") if isinstance(raw, dict) else None
        for cite, raw_cite in zip(cluster.cites, _with_ids(raw_items), strict=False):
            data = raw_cite.get("itemData") if isinstance(raw_cite.get("itemData"), dict) else {}
            key = data.get("citation-key") if isinstance(data, dict) else None
            keys.setdefault(cite.id, key if isinstance(key, str) and key else cite.id)
    held = set()
    for ref in library.get_many(library.by_citation_key(set(keys.values()))):
        held.add(ref.citation_key)
    wanted = sorted({k for k in keys.values() if k in held})
    refs = select_references(library, None, None, wanted) if wanted else []
    by_key = {r.citation_key: r for r in refs if isinstance(r, Reference)}
    out: dict[str, CslItem] = {}
    for cite_id, key in keys.items():
        found = by_key.get(key)
        if found is not None:
            out[cite_id] = to_csl_json(found, cite_id, citation=True)
    return out


def _with_ids(raw_items: Any) -> list[dict[str, Any]]:
    """The raw cites that ``cite_from_json`` keeps (those with an id), in order."""
    if not isinstance(raw_items, list):
        return []
    return [r for r in raw_items if isinstance(r, dict) and r.get("id") not in (None, "")]

