"""Citation clusters in document order: from the shapes they come in to the engine and back.

A word processor's citations, the CSL test suite's fixtures and ``bibliofile cite --clusters``
all describe the same thing, a list of citations in document order, in three shapes:

- CSL citation objects, ``{"citationID", "citationItems": [...], "properties": {"noteIndex"}}``
  (what Zotero and we embed in documents; items may carry their CSL-JSON as ``itemData``);
- the suite's CITATION-ITEMS, a list of clusters that are lists of cite-items;
- the suite's CITATIONS, ``[citation, citationsPre, citationsPost]`` triples, each one call of
  citeproc-js's ``processCitationCluster`` (inserting or editing one citation of a document).

They are turned into ``engine.Cluster``s here, so the engine keeps one input and the document
code and the CLI agree on what a cite's fields mean.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bibliofile.citation.csl_json import CslItem, to_csl_json
from bibliofile.citation.engine import (
    Cluster,
    ClusterCite,
    ClusterResult,
    OutputFormat,
    render_clusters,
)
from bibliofile.model.reference import Reference
from bibliofile.services.citing import CitingError, select_references
from bibliofile.storage.library import Library


class ClusterFileError(CitingError):
    """A clusters file that cannot be read as any of the shapes above."""


@dataclass(slots=True)
class ClusterInput:
    """Clusters in document order, items embedded in them (``itemData``), and what was odd."""

    clusters: list[Cluster] = field(default_factory=list)
    embedded: dict[str, CslItem] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def cite_from_json(obj: Any) -> ClusterCite | None:
    """One CSL cite-item (``id``, ``locator``, ``label``, ``prefix``, ``suffix``,
    ``suppress-author``, ``author-only``); None when it has no id. A ``label`` of 0 or ""
    (some fixtures write that for "none") means the default, page."""
    if not isinstance(obj, dict) or obj.get("id") in (None, ""):
        return None
    label = obj.get("label")
    return ClusterCite(
        id=str(obj["id"]),
        locator=_text(obj.get("locator")),
        label=label if isinstance(label, str) else "",
        prefix=_text(obj.get("prefix")),
        suffix=_text(obj.get("suffix")),
        suppress_author=bool(obj.get("suppress-author")),
        author_only=bool(obj.get("author-only")),
    )


def cluster_from_citation(obj: Any, default_id: str = "", note_index: int | None = None) -> tuple[Cluster, dict[str, CslItem]]:
    """A CSL citation object as a Cluster, with the items it embeds (``itemData``) by id."""
    if not isinstance(obj, dict):
        raise ValueError("a citation must be a JSON object")
    raw_items = obj.get("citationItems")
    if not isinstance(raw_items, list):
        raise ValueError("a citation needs a list of citationItems")
    cites: list[ClusterCite] = []
    embedded: dict[str, CslItem] = {}
    for raw in raw_items:
        cite = cite_from_json(raw)
        if cite is None:
            continue
        data = raw.get("itemData")
        if isinstance(data, dict):
            item = dict(data)
            item["id"] = cite.id
            item.setdefault("type", "document")
            embedded.setdefault(cite.id, item)
        cites.append(cite)
    props = obj.get("properties")
    if note_index is None:
        note_index = _int(props.get("noteIndex")) if isinstance(props, dict) else 0
    cid = obj.get("citationID")
    return Cluster(tuple(cites), str(cid) if cid not in (None, "") else default_id, note_index), embedded


def parse_clusters(value: Any) -> ClusterInput:
    """Clusters from any of the three shapes in the module doc, in document order."""
    out = ClusterInput()
    if isinstance(value, dict) and isinstance(value.get("citations"), list):
        value = value["citations"]
    if not isinstance(value, list):
        raise ClusterFileError("expected a list of citations (CSL citation objects, cite lists or CITATIONS triples)")
    if value and all(_is_triple(v) for v in value):
        return _from_triples(value)
    for n, entry in enumerate(value, 1):
        try:
            if isinstance(entry, list):  # CITATION-ITEMS: each cluster is its own note
                cites = [c for c in (cite_from_json(x) for x in entry) if c is not None]
                out.clusters.append(Cluster(tuple(cites), f"CITATION-{n}", n))
                continue
            cluster, embedded = cluster_from_citation(entry, f"CITATION-{n}")
        except ValueError as exc:
            out.problems.append(f"citation {n}: {exc}; left out")
            continue
        out.clusters.append(cluster)
        for k, v in embedded.items():
            out.embedded.setdefault(k, v)
    return out


def _is_triple(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 3 and isinstance(v[0], dict) and isinstance(v[1], list)


def _from_triples(calls: list[Any]) -> ClusterInput:
    """Replay ``processCitationCluster`` calls: each places (or edits) one citation between
    the ones listed before and after it, and restates their note numbers; what the last call
    lists is the document."""
    out = ClusterInput()
    by_id: dict[str, Cluster] = {}
    order: list[str] = []
    notes: dict[str, int] = {}
    for n, (citation, pre, post) in enumerate(calls, 1):
        try:
            cluster, embedded = cluster_from_citation(citation, f"CITATION-{n}")
        except ValueError as exc:
            out.problems.append(f"citation {n}: {exc}; left out")
            continue
        for k, v in embedded.items():
            out.embedded.setdefault(k, v)
        cid = cluster.citation_id
        by_id[cid] = cluster
        before, after = _pairs(pre), _pairs(post)
        notes.update(before + after)
        notes[cid] = cluster.note_index
        order = [p[0] for p in before] + [cid] + [p[0] for p in after]
    for cid in order:
        if cid in by_id:
            c = by_id[cid]
            out.clusters.append(Cluster(c.cites, cid, notes.get(cid, c.note_index)))
    return out


def _pairs(listed: list[Any]) -> list[tuple[str, int]]:
    """citationsPre/Post: ``[citationID, noteIndex]`` pairs."""
    return [(str(p[0]), _int(p[1])) for p in listed if isinstance(p, list) and len(p) == 2]


def read_clusters_file(path: str | Path) -> ClusterInput:
    """A clusters file (JSON, any shape above); a message naming the file when it is not."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ClusterFileError(f"{p}: cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ClusterFileError(f"{p}: not a clusters file (not UTF-8 text: {exc.reason})") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClusterFileError(f"{p}: line {exc.lineno}: not JSON ({exc.msg})") from exc
    try:
        return parse_clusters(value)
    except ClusterFileError as exc:
        raise ClusterFileError(f"{p}: {exc}") from exc


def citable_items(input_file: str | Path) -> list[CslItem]:
    """Items to cite from a CSL-JSON or BibTeX file, as CSL-JSON with the ids cites use
    (the item's own id; a BibTeX entry's citation key)."""
    out: list[CslItem] = []
    for ref in select_references(None, input_file):
        out.append(to_csl_json(ref, citation=True) if isinstance(ref, Reference) else dict(ref))
    return out


def library_items(library: Library, clusters: ClusterInput) -> list[CslItem]:
    """The library's references for the cites' ids read as citation keys (crossref parents
    resolved), as CSL-JSON named by key; keys the library lacks are left to ``render`` to name."""
    keys = list(dict.fromkeys(c.id for cl in clusters.clusters for c in cl.cites if c.id not in clusters.embedded))
    if not keys:
        return []
    held = {r.citation_key for r in library.get_many(library.by_citation_key(keys))}
    found = [k for k in keys if k in held]
    refs = select_references(library, None, None, found) if found else []
    return [to_csl_json(r, citation=True) if isinstance(r, Reference) else dict(r) for r in refs]


@dataclass(slots=True)
class RenderedClusters:
    """Each cluster's text in document order, the bibliography, and what was left out."""

    result: ClusterResult
    problems: list[str]

    def text(self) -> str:
        """One cluster per line, an empty line, then the bibliography (what ``cite --clusters`` prints)."""
        lines = [*self.result.citations, ""]
        body = self.result.bibliography.document()
        return "\n".join(lines) + ("\n" + body if body else "")


def render(
    items: Sequence[CslItem],
    clusters: ClusterInput,
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
) -> RenderedClusters:
    """Render the clusters; cites of items nobody gave are left out of their cluster and named."""
    by_id: dict[str, CslItem] = {}
    for item in items:
        by_id.setdefault(str(item.get("id", "")), item)
    for k, v in clusters.embedded.items():
        by_id.setdefault(k, v)
    problems = list(clusters.problems)
    kept: list[Cluster] = []
    for n, cl in enumerate(clusters.clusters, 1):
        unknown = [c.id for c in cl.cites if c.id not in by_id]
        if unknown:
            problems.append(f"citation {n}: no item with id {', '.join(unknown)}; that cite was left out")
        kept.append(Cluster(tuple(c for c in cl.cites if c.id in by_id), cl.citation_id, cl.note_index))
    result = render_clusters(list(by_id.values()), kept, style, locale, fmt)
    return RenderedClusters(result, problems)


def render_files(
    input_file: str | Path,
    clusters_file: str | Path,
    style: str = "apa",
    locale: str | None = None,
    fmt: OutputFormat = "text",
) -> RenderedClusters:
    """``bibliofile cite --input ITEMS --clusters CLUSTERS``: the items file and the clusters."""
    clusters = read_clusters_file(clusters_file)
    return render(citable_items(input_file), clusters, style, locale, fmt)


def _text(v: Any) -> str:
    if v is None or isinstance(v, bool):
        return ""
    return str(v)


def _int(v: Any) -> int:
    try:
        return max(0, int(v))
    except (TypeError, ValueError):
        return 0
