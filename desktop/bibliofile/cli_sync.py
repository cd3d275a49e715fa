"""``bibliofile [--library L] sync [postgresql://USER@HOST:PORT/DB] [--json]`` (issue 21).

Kept apart from cli.py as cli_autoexport.py is. The address is remembered after the first sync
(without a password), so later syncs need none. A ``--library`` path that does not exist yet is
made by its first sync, after the server has answered: that is how a second machine starts.

``--forget`` leaves a shared library: the library stops syncing with it and keeps its references.

``--collection NAME`` (repeatable) makes the server a group library: only those collections (and
what is under them) and their references are sent, the library's other references stay private;
``--whole-library`` syncs everything again. The scope is remembered with the address. ``--leave``
leaves a group: ``--keep`` (the default) keeps its references as private copies, ``--remove``
moves them to the Trash but for those also in a private collection; the server is not changed.

Exit codes: 0 synced (conflicts are listed, both values kept), 1 the server could not be reached
or refused the write (a plain message; local changes are kept for the next sync), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bibliofile.model.merge import canonical

if TYPE_CHECKING:
    from bibliofile.storage.library import Library

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def add_sync_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sy = sub.add_parser(
        "sync",
        help="exchange changes with a shared library in PostgreSQL",
        description="Push this library's changes since the last sync and pull the others'. "
        "Different fields of one reference merge; the same field changed on both sides is a "
        "conflict: the reference keeps your value and both values are listed. The address is "
        "remembered after the first sync; the password comes from PGPASSWORD or ~/.pgpass, "
        "never from the library.",
    )
    sy.add_argument("url", nargs="?", metavar="postgresql://USER@HOST:PORT/DB",
                    help="the shared library (only needed the first time)")
    sy.add_argument("--json", action="store_true", help='{"pushed": N, "pulled": N, "conflicts": [...]}')
    sy.add_argument("--forget", action="store_true",
                    help="leave the shared library: stop syncing with it (the address, or the remembered one); "
                    "every reference stays here and nothing is deleted on the server")
    sy.add_argument("--collection", action="append", dest="collections", metavar="NAME",
                    help="sync only this collection and what is under it (repeat for several; a name, a "
                    "path such as Projects/Lab, or a collection the shared library holds): a group library "
                    "beside your private references; remembered for later syncs")
    sy.add_argument("--whole-library", action="store_true",
                    help="sync the whole library again (after --collection)")
    sy.add_argument("--leave", action="store_true",
                    help="leave the group: stop syncing with it (the address, or the remembered one), "
                    "nothing is changed on the server")
    what = sy.add_mutually_exclusive_group()
    what.add_argument("--keep", action="store_true",
                      help="with --leave: the group's references stay here as private copies (the default)")
    what.add_argument("--remove", action="store_true",
                      help="with --leave: move the group's references to the Trash, except those also in a "
                      "collection of your own, and delete its collections left empty")
    sy.add_argument("--sslmode", choices=SSL_MODES,
                    help="TLS to the server (default: libpq's, which uses TLS when the server offers it)")


def run_sync(library_path: Path, args: argparse.Namespace) -> int:
    from bibliofile.services import sync
    from bibliofile.storage.errors import LibraryError
    from bibliofile.storage.library import Library

    engine = None
    problem = _usage_problem(args)
    if problem:
        print(f"bibliofile: {problem}", file=sys.stderr)
        return 2
    scope: list[str] | str | None = sync.WHOLE_LIBRARY if args.whole_library else args.collections
    try:
        if args.url is not None:
            sync.address(args.url)  # a malformed address is a usage error before anything opens
        if args.leave:
            library = Library.open(library_path, create=False)
            try:
                gone = sync.leave(library, args.url, remove=args.remove)
            finally:
                library.close()
            if args.json:
                print(json.dumps(gone.as_json(), ensure_ascii=False))
            elif gone.removed:
                print(f"{library_path} left {gone.server}: {gone.removed} of its references moved to the Trash, "
                      f"{gone.kept} kept (also in your own collections); {gone.collections_removed} collections removed.")
            else:
                print(f"{library_path} left {gone.server}; its {gone.kept} references stay here as your own copies.")
            return 0
        if args.forget:
            library = Library.open(library_path, create=False)
            try:
                left = sync.forget(library, args.url)
            finally:
                library.close()
            print(f"{library_path} no longer syncs with {left}; its references stay as they are.")
            return 0
        if not library_path.exists():
            if args.url is None:
                print(f"bibliofile: {library_path} does not exist yet: name the shared library to start "
                      "it from, e.g. `bibliofile --library PATH sync postgresql://USER@HOST:5432/DATABASE`",
                      file=sys.stderr)
                return 2
            engine = sync.open_server(args.url, sslmode=args.sslmode)  # reachable before a file is made
        library = Library.open(library_path, create=engine is not None)
        try:
            report = sync.sync(library, args.url, engine=engine, sslmode=args.sslmode, scope=scope)
            if report.pulled:
                _refresh_kept_files(library)
        finally:
            library.close()
    except sync.SyncUsageError as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 2
    except LibraryError as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    finally:
        if engine is not None:
            engine.dispose()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
        return 0
    only = f" (only {', '.join(c['name'] for c in report.scope) or 'what the group holds'})" if report.scope is not None else ""
    print(f"Synced with {report.server}{only}: {report.pushed} sent, {report.pulled} received.")
    for c in report.conflicts:
        print(f"conflict: {c.key}: {c.field} changed on both sides; kept yours {_show(c.local)}, "
              f"theirs was {_show(c.remote)}")
    for k in report.kept_edited:
        where = "here" if k["deleted_on"] == "local" else "elsewhere"
        print(f"kept: {k['key']} was deleted {where} and edited on the other side; the edited reference was kept")
    for r in report.renamed:
        print(f"renamed: {r['key']} was already used here; the reference received is now {r['renamed_to']}")
    return 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    """Options that do not go together (exit 2 before anything opens)."""
    if (args.keep or args.remove) and not args.leave:
        return "--keep and --remove go with --leave"
    if args.leave and args.forget:
        return "--leave and --forget do the same; give one"
    if (args.leave or args.forget) and (args.collections or args.whole_library):
        return "--collection and --whole-library choose what syncs; they do not go with --leave or --forget"
    if args.collections and args.whole_library:
        return "--collection and --whole-library contradict each other; give one"
    if args.collections and any(not c.strip() for c in args.collections):
        return "--collection needs a collection's name"
    return None


def _refresh_kept_files(library: Library) -> None:
    """Files kept up to date (``autoexport``) follow what the sync brought in, as after any
    command that changed the library; a failure is a note, the sync stands."""
    from bibliofile.services.autoexport import refresh_all
    from bibliofile.storage.errors import LibraryError

    try:
        outcomes = refresh_all(library)
    except LibraryError as exc:
        print(f"note: the files kept up to date were not rewritten: {exc}", file=sys.stderr)
        return
    for outcome in outcomes:
        if outcome.message:
            print(f"note: {outcome.message}", file=sys.stderr)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else canonical(value)  # type: ignore[arg-type]
    return repr(text) if len(text) <= 80 else repr(text[:77] + "...")
