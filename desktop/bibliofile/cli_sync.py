"""``bibliofile [--library L] sync [postgresql://USER@HOST:PORT/DB] [--json]`` (issue 21).

Kept apart from cli.py as cli_autoexport.py is. The address is remembered after the first sync
(without a password), so later syncs need none. A ``--library`` path that does not exist yet is
made by its first sync, after the server has answered: that is how a second machine starts.

``--forget`` leaves a shared library: the library stops syncing with it and keeps its references.

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
    sy.add_argument("--sslmode", choices=SSL_MODES,
                    help="TLS to the server (default: libpq's, which uses TLS when the server offers it)")


def run_sync(library_path: Path, args: argparse.Namespace) -> int:
    from bibliofile.services import sync
    from bibliofile.storage.errors import LibraryError
    from bibliofile.storage.library import Library

    engine = None
    try:
        if args.url is not None:
            sync.address(args.url)  # a malformed address is a usage error before anything opens
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
            report = sync.sync(library, args.url, engine=engine, sslmode=args.sslmode)
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
    print(f"Synced with {report.server}: {report.pushed} sent, {report.pulled} received.")
    for c in report.conflicts:
        print(f"conflict: {c.key}: {c.field} changed on both sides; kept yours {_show(c.local)}, "
              f"theirs was {_show(c.remote)}")
    for k in report.kept_edited:
        where = "here" if k["deleted_on"] == "local" else "elsewhere"
        print(f"kept: {k['key']} was deleted {where} and edited on the other side; the edited reference was kept")
    for r in report.renamed:
        print(f"renamed: {r['key']} was already used here; the reference received is now {r['renamed_to']}")
    return 0


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
