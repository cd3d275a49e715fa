"""``bibliofile add`` and ``bibliofile lookup``: add by identifier and complete from the web on
the command line, over the same services as the window (issue 18).

Exit codes: 0 everything done; 1 some identifiers or references failed, were queued for later
or had only unsure matches (each listed with its reason); 2 usage. Network use follows the
environment: ``BIBLIOFILE_OFFLINE=1`` turns it off (identifiers are then queued), and the
``BIBLIOFILE_*_URL`` variables point the services elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["ONLINE_COMMANDS", "add_online_commands", "run_online"]

ONLINE_COMMANDS = ("add", "lookup")


def add_online_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = sub.add_parser(
        "add",
        help="add references by DOI, ISBN, arXiv ID, PMID or PMCID (looked up online; queued when offline)",
    )
    add.add_argument(
        "identifiers", nargs="+", metavar="IDENTIFIER",
        help="DOIs (bare, doi:, doi.org links), ISBN-10/13, arXiv IDs or links, PMIDs, PMCIDs; '-' reads them from stdin",
    )
    add.add_argument("--json", action="store_true", help="print a JSON report")

    lk = sub.add_parser(
        "lookup",
        help="complete references from the web: fill empty fields of confident matches, list fields that differ",
    )
    lk.add_argument("keys", nargs="*", metavar="KEY", help="citation keys (or #ID) of the references to complete")
    lk.add_argument("--query", metavar="Q", help="complete what this search finds")
    lk.add_argument("--pending", action="store_true", help="retry every lookup waiting in the queue")
    lk.add_argument("--json", action="store_true", help="print a JSON report")


def run_online(library: Any, args: argparse.Namespace) -> int:
    from bibliofile.services.lookup import make_client
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    if args.command == "lookup" and args.keys and args.query:
        print("bibliofile: lookup: give citation keys or --query, not both", file=sys.stderr)
        return 2
    if args.command == "lookup" and not (args.keys or args.query or args.pending):
        print("bibliofile: lookup: give citation keys, --query Q or --pending", file=sys.stderr)
        return 2
    with make_client() as client:
        if args.command == "add":
            return _add(library, client, args)
        return _lookup(library, client, args)


def _add(library: Any, client: Any, args: argparse.Namespace) -> int:
    from bibliofile.services.lookup import add_identifiers

    items = list(args.identifiers)
    if items == ["-"]:
        items = [sys.stdin.read()]
    report = add_identifiers(library, items, client, progress=_progress(args))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for o in report.outcomes:
            ids = ", ".join(_names(library, o.reference_ids))
            where = f" [{ids}]" if ids else ""
            print(f"{o.status}\t{o.label}\t{o.message}{where}")
        counts = _counts([o.status for o in report.outcomes])
        print(f"{counts} in {library.display_name}", file=sys.stderr)
    return 0 if report.all_done else 1


def _lookup(library: Any, client: Any, args: argparse.Namespace) -> int:
    from bibliofile.model.query import parse_query
    from bibliofile.services.lookup import complete_references, retry_pending
    from bibliofile.services.reference_lookup import find_references

    missing: list[str] = []
    reports = []
    if args.pending:
        reports.append(retry_pending(library, client, progress=_progress(args)))
    if args.keys or args.query:
        if args.query:
            ids = library.search(parse_query(args.query))
        else:
            found = find_references(library, args.keys)
            ids, missing = found.ids, found.missing
        if ids:
            reports.append(complete_references(library, ids, client, progress=_progress(args)))
    outcomes = [o for r in reports for o in r.outcomes]
    if args.json:
        print(json.dumps({
            "done": "; ".join(r.change.description for r in reports if r.change is not None and r.change.changed),
            "results": [o.as_json() for o in outcomes],
            "missing": missing,
        }, ensure_ascii=False))
    else:
        for o in outcomes:
            print(f"{o.status}\t{o.text}\t{o.message}")
            for field, ours, theirs in o.differs:
                print(f"\t{field}: library “{_short(ours)}”, found “{_short(theirs)}” (not changed)")
            for c in o.candidates:
                why = "; ".join(c.get("why_not", []))
                print(f"\tcandidate: {c.get('title')} ({c.get('year') or 'n.d.'}) doi:{c.get('doi') or '-'}: {why}")
        if not outcomes and not missing:
            print("Nothing to look up.", file=sys.stderr)
        else:
            print(f"{_counts([o.status for o in outcomes])} in {library.display_name}", file=sys.stderr)
    for name in missing:
        print(f"note: no reference has the key “{name}” (or it is in the trash)", file=sys.stderr)
    ok = all(o.status in ("completed", "unchanged") for o in outcomes) and not missing
    return 0 if ok else 1


def _names(library: Any, ids: tuple[int, ...]) -> list[str]:
    if not ids:
        return []
    keys = library.rows(list(ids), ["citation_key"])
    return [keys[i][0] or f"#{i}" for i in ids if i in keys]


def _counts(statuses: list[str]) -> str:
    order = ["added", "completed", "unchanged", "duplicate", "queued", "unsure", "failed", "invalid"]
    parts = [f"{statuses.count(s)} {s}" for s in order if s in statuses]
    return ", ".join(parts) if parts else "nothing done"


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _progress(args: argparse.Namespace) -> Any:
    """Progress on stderr for long runs at a terminal (never in --json or a pipe)."""
    if getattr(args, "json", False) or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total >= 10:
            print(f"\rlooked up {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show
