"""``bibliofile autoexport add|list|remove`` (issue 20), and the rewrite of every auto-export at
the end of a command that changed the library.

Kept apart from cli.py (which others extend too) as cli_online.py is: the parser's part, the
commands, and ``after_command``, which cli.py calls once after any command has finished (its
transaction committed). A kept file that cannot be written is a note on stderr; the command's
own exit code stands, as its change is in the library, and the next change retries the file.
"""

from __future__ import annotations

import argparse
import json
import sys

from bibliofile.storage.library import Library

# Commands that may change the references an export holds; after them the kept files are
# brought up to date (a rewrite that finds nothing changed writes nothing).
WRITE_COMMANDS = frozenset({"import", "add", "lookup", "collection", "tag", "status"})


def add_autoexport_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ae = sub.add_parser(
        "autoexport",
        help="keep a .bib or CSL-JSON file up to date with the library, a collection or a search",
        description="Files kept up to date are rewritten (only what changed is formatted again) "
        "after every change, in the window and at the end of any command that changed the library.",
    )
    actions = ae.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="write FILE now and keep it up to date")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--format", choices=["bibtex", "biblatex", "csl-json"], default="bibtex")
    which = add.add_mutually_exclusive_group()
    which.add_argument("--collection", metavar="NAME", help="only this collection (a name or Parent/Child)")
    which.add_argument("--query", metavar="Q", help="only what this search finds (same syntax as `search`)")
    ls = actions.add_parser("list", help="the files kept up to date, when each was last written, and failures")
    ls.add_argument("--json", action="store_true")
    rm = actions.add_parser("remove", help="stop keeping FILE up to date (the file itself stays)")
    rm.add_argument("file", metavar="FILE")


def run_autoexport(library: Library, args: argparse.Namespace) -> int:
    from bibliofile.services import autoexport

    try:
        if args.action == "add":
            outcome = autoexport.add(library, args.file, args.format, collection=args.collection, query=args.query)
            if outcome.error:
                print(f"bibliofile: {outcome.message}", file=sys.stderr)
                return 1
            if outcome.message:
                print(f"note: {outcome.message}", file=sys.stderr)
            print(f"{outcome.path}: {outcome.entries} references written; kept up to date from now on")
            return 0
        if args.action == "remove":
            autoexport.remove(library, args.file)
            print(f"{args.file}: no longer kept up to date (the file stays)")
            return 0
    except autoexport.AutoExportError as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    found = autoexport.autoexports(library)
    if args.json:
        print(json.dumps([a.as_json() for a in found], ensure_ascii=False))
        return 0
    for a in found:
        state = f"failed: {a.last_error}" if a.last_error else f"written {a.written_at}" if a.written_at else "not written yet"
        print(f"{a.path}\t{a.format}\t{a.description}\t{state}")
    if not found:
        print(f"No files are kept up to date from {library.display_name}", file=sys.stderr)
    return 0


def after_command(library: Library, args: argparse.Namespace) -> None:
    """After a command that may have changed the library: bring every kept file up to date;
    what went wrong (or was kept aside) is a note on stderr."""
    if args.command not in WRITE_COMMANDS or library.refuse_writes_why() is not None:
        return
    from bibliofile.services.autoexport import refresh_all
    from bibliofile.storage.errors import LibraryError

    try:
        outcomes = refresh_all(library)
    except LibraryError as exc:  # the library locked by the window meanwhile, ...: said, not fatal
        print(f"note: the files kept up to date were not rewritten: {exc}", file=sys.stderr)
        return
    for outcome in outcomes:
        if outcome.message:
            print(f"note: {outcome.message}", file=sys.stderr)
