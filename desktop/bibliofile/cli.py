"""The headless command line: import, export, search, over the same services as the window.

Exit codes: 0 done (problems listed), 1 nothing could be done (a plain message on stderr),
2 usage errors (argparse). A bug never shows a traceback: it is logged to the log file and the
message says where that is. A reader that closes the pipe early (``| head``) ends the command
quietly, as Unix tools do.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bibliofile import __version__
from bibliofile.services.locations import default_library_path, log_path
from bibliofile.startup import resume_collector


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bibliofile",
        description="Bibliofile reference manager. With no command it opens the window; "
        "`bibliofile FILE.bib|FILE.ris ...` opens it and imports the files.",
    )
    p.add_argument("--version", action="version", version=f"Bibliofile {__version__}")
    p.add_argument(
        "--library", metavar="PATH", help=f"library file to use (default: {default_library_path()})"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    imp = sub.add_parser(
        "import", help="import BibTeX, RIS, CSL-JSON, EndNote XML, MEDLINE or research-portal files"
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument(
        "--format",
        choices=["auto", "bibtex", "ris", "csl-json", "endnote", "medline", "portal"],
        default="auto",
        help="auto (default) tells the format from each file's content",
    )
    imp.add_argument("--json", action="store_true", help="print a JSON report")
    imp.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="also import entries the library already holds exactly (skipped by default)",
    )
    # PDFs among the files each make a reference with the PDF attached (cli_pdf.py, issue 19).
    imp.add_argument("--link", action="store_true", help="PDFs: link them where they are (default: store a copy)")

    exp = sub.add_parser("export", help="export the library (or a search) as BibTeX/BibLaTeX, RIS or CSL-JSON")
    exp.add_argument("--format", choices=["bibtex", "biblatex", "ris", "csl-json"], default="bibtex")
    exp.add_argument("--query", metavar="Q", help="export only what this search finds")
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    ci = sub.add_parser("cite", help="format a bibliography or citation in a CSL style")
    ci.add_argument("keys", nargs="*", metavar="KEY", help="citation keys, in this order")
    ci.add_argument("--input", metavar="FILE", help="cite from a .bib or CSL-JSON file instead of the library")
    ci.add_argument("--style", default="apa", metavar="NAME|FILE.csl", help="style id, alias or .csl file (default apa)")
    ci.add_argument("--locale", default=None, metavar="xx-XX", help="language (default: the style's own)")
    ci.add_argument("--format", choices=["text", "html", "rtf"], default="text")
    ci.add_argument("--citation", action="store_true", help="an in-text citation instead of a bibliography")
    ci.add_argument("--query", metavar="Q", help="cite what this search finds")
    from bibliofile.cli_document import add_clusters_option, add_document_commands

    add_clusters_option(ci)  # cite --clusters (issue 20)

    se = sub.add_parser("search", help="search the library (same syntax as the search field)")
    se.add_argument("query", metavar="QUERY")
    se.add_argument("--json", action="store_true")
    se.add_argument("--inside-files", action="store_true", help="plain words also match the text of attached files")

    ch = sub.add_parser("check", help="check the library file for damage; --recover copies the last good backup")
    ch.add_argument("--quick", action="store_true", help="SQLite's quick_check instead of the full integrity check")
    ch.add_argument(
        "--recover",
        action="store_true",
        help="when damaged, recover into a new file beside it from the newest backup that passes the check",
    )
    _add_curation_commands(sub)
    from bibliofile.cli_online import add_online_commands

    add_online_commands(sub)  # add, lookup (issue 18)
    from bibliofile.cli_files import add_file_commands

    add_file_commands(sub)  # attach, files (issue 19)
    add_document_commands(sub)  # document refresh|cite|import (issue 20)
    from bibliofile.cli_autoexport import add_autoexport_commands

    add_autoexport_commands(sub)  # autoexport add|list|remove (issue 20)
    from bibliofile.cli_sync import add_sync_command

    add_sync_command(sub)  # sync with a shared library in PostgreSQL (issue 21)
    return p


def _add_curation_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``collection``, ``tag`` and ``status``: the window's curation over the same services.
    References are named by citation key, or ``#ID`` for one without a key."""
    co = sub.add_parser("collection", help="list collections, file references in one, or take them out")
    actions = co.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="every collection as a path (Parent/Child) with its count")
    ls.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="file references in a collection (made when there is none)")
    add.add_argument("name", metavar="NAME", help="a collection name, or a path Parent/Child")
    add.add_argument("keys", nargs="*", metavar="KEY", help="citation keys (or #ID); none: just make it")
    add.add_argument("--json", action="store_true")
    rm = actions.add_parser(
        "remove", help="take references out of a collection (they stay in the library), or --delete it"
    )
    rm.add_argument("name", metavar="NAME")
    rm.add_argument("keys", nargs="*", metavar="KEY")
    rm.add_argument("--delete", action="store_true", help="delete the collection and its sub-collections")
    rm.add_argument("--json", action="store_true")

    tg = sub.add_parser("tag", help="give references a tag (made when new) or take it off")
    tg.add_argument("keys", nargs="+", metavar="KEY", help="citation keys (or #ID)")
    which = tg.add_mutually_exclusive_group(required=True)
    which.add_argument("--add", metavar="TAG")
    which.add_argument("--remove", metavar="TAG")
    tg.add_argument("--json", action="store_true")

    st = sub.add_parser("status", help="set the reading status of references")
    st.add_argument("keys", nargs="+", metavar="KEY", help="citation keys (or #ID)")
    st.add_argument("status", choices=[*READING_STATUSES, "none"], help="none clears the status")
    st.add_argument("--json", action="store_true")


READING_STATUSES = ("toread", "reading", "read", "skimmed")


def split_open_files(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(arguments for the parser, files to open): ``bibliofile A.bib B.ris`` is what a file manager
    runs on a double-click (the .desktop entry's ``Exec=bibliofile %F``); it opens the window and
    imports the files. A command word where a file would be means an ordinary command line."""
    rest: list[str] = []
    files: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            files.extend(argv[i + 1 :])
            break
        if arg == "--library":
            rest.extend(argv[i : i + 2])
            i += 2
            continue
        if arg.startswith("-"):
            rest.append(arg)
        elif not files and arg in COMMANDS:
            return list(argv), []
        else:
            files.append(arg)
        i += 1
    return rest, files


COMMANDS = ("import", "export", "cite", "search", "check", "collection", "tag", "status", "add", "lookup", "attach", "files", "document", "autoexport", "sync")


def launch_arguments(parser_argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain launch of the window (none, or ``--library PATH``), read
    without building the whole parser: its sub-commands' modules (and SQLAlchemy with them) were
    ~170 ms of CPU before the window's first rows (issue 22). None for anything else (a command,
    ``--help``, ``--version``, a mistake), which the full parser reads and reports."""
    library: str | None = None
    rest = list(parser_argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--library" and rest and not rest[0].startswith("-"):
            library = rest.pop(0)
        elif arg.startswith("--library=") and len(arg) > len("--library="):
            library = arg.split("=", 1)[1]
        else:
            return None
    return argparse.Namespace(library=library, command=None)


def opens_window(argv: Sequence[str]) -> bool:
    """These arguments open the window with no other work first (see ``launch_arguments``)."""
    return launch_arguments(split_open_files(argv)[0]) is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser_argv, open_files = split_open_files(sys.argv[1:] if argv is None else argv)
    args = launch_arguments(parser_argv) or build_parser().parse_args(parser_argv)
    library_path = Path(args.library) if args.library else default_library_path()
    if args.command is None:
        missing = [f for f in open_files if not Path(f).is_file()]
        for f in missing:
            print(f"bibliofile: {f}: no such file (commands: {', '.join(COMMANDS)})", file=sys.stderr)
        if missing:
            return 2
        from bibliofile.gui.app import run_gui  # Qt is imported only when the window is wanted

        files = [Path(f) for f in open_files]
        # The window turns the collector back on once it has painted its first rows.
        return int(run_gui(library_path, explicit=args.library is not None, open_files=files))
    resume_collector()  # a command's own work (an import of 100k entries) needs the collector
    try:
        code = _run(args, library_path)
        sys.stdout.flush()  # here, so a closed pipe is met inside this try, not at exit
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except KeyboardInterrupt:
        print("Interrupted; the library was left as it was.", file=sys.stderr)
        return 130
    except Exception as exc:
        from bibliofile.storage.errors import LibraryError

        if isinstance(exc, LibraryError):
            print(f"bibliofile: {exc}", file=sys.stderr)
            return 1
        where = _log_exception(exc)
        print(
            f"bibliofile: internal error ({type(exc).__name__}: {exc}). Nothing was changed. "
            f"Details are in {where}; please report them.",
            file=sys.stderr,
        )
        return 3


def _pipe_closed() -> int:
    """The reader of our output went away (``bibliofile search … | head``): stop quietly.

    Python's own recipe (docs, "Note on SIGPIPE"): point stdout at devnull, so that the flush
    at interpreter exit does not raise BrokenPipeError a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 1


def _run(args: argparse.Namespace, library_path: Path) -> int:
    from bibliofile.storage.library import Library

    if args.command == "import":
        missing = [f for f in args.files if not Path(f).is_file()]
        if len(missing) == len(args.files):
            for f in missing:
                print(f"bibliofile: {f}: no such file", file=sys.stderr)
            return 1
    if args.command == "cite" and args.input:
        return _cite(None, args)
    if args.command == "document":
        from bibliofile.cli_document import run_document

        return run_document(library_path, args.library is not None, args)
    if args.command == "check":
        return _check(library_path, args)
    if args.command == "sync":  # opens (or, on a first sync, makes) the library itself
        from bibliofile.cli_sync import run_sync

        return run_sync(library_path, args)
    # Only an import starts a library: a search or export of a mistyped path, or of an empty
    # file, once made a library there and answered "0 found".
    library = Library.open(library_path, create=args.command in ("import", "add"))
    if library.damage is not None and args.command != "import":
        print(
            f"bibliofile: warning: {library.display_name} is damaged ({library.damage}); what could "
            "be read follows. Run `bibliofile check --recover`.",
            file=sys.stderr,
        )
    try:
        if args.command == "import":
            return _import(library, args)
        if args.command == "export":
            return _export(library, args)
        if args.command == "cite":
            return _cite(library, args)
        if args.command in ("add", "lookup"):
            from bibliofile.cli_online import run_online

            return run_online(library, args)
        if args.command in ("collection", "tag", "status"):
            return _curate(library, args)
        if args.command in ("attach", "files"):
            from bibliofile.cli_files import run as run_files

            return run_files(library, args)
        if args.command == "autoexport":
            from bibliofile.cli_autoexport import run_autoexport

            return run_autoexport(library, args)
        return _search(library, args)
    finally:
        if sys.exc_info()[0] is None:  # done, its transaction committed: kept .bib files follow
            from bibliofile.cli_autoexport import after_command

            after_command(library, args)
        library.close()


def _import(library: object, args: argparse.Namespace) -> int:
    from bibliofile.services.importing import import_files
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    from bibliofile.cli_pdf import run_pdf_import, split_pdfs

    pdfs, args.files = split_pdfs(args.files)
    if pdfs:  # a reference from each PDF, the PDF attached and its text indexed (issue 19)
        pdf_code = run_pdf_import(library, pdfs, args)
        if not args.files:
            return pdf_code
    report = import_files(library, args.files, format=args.format, allow_duplicates=args.allow_duplicates)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        from bibliofile.services.import_summary import imported_headline, sections
        from bibliofile.services.importing import format_label

        for f, fmt in report.formats.items():
            print(f"{f}: read as {format_label(fmt)}")
        print(f"{imported_headline(report.imported)} into {library.display_name}")
        for part in sections(report.problems, report.skipped, report.unreadable):
            hint = " (--allow-duplicates imports them)" if part.kind == "skipped" else ""
            print(f"{part.headline}{hint}:")
            for line in part.lines:
                print(f"  {line}")
    if report.nothing_read:
        for p in report.problems:
            print(f"bibliofile: {p.file}: {p.message}", file=sys.stderr)
        return 1
    return 0


def _export(library: object, args: argparse.Namespace) -> int:
    from bibliofile.services.exporting import (
        ExportError,
        declare_encoding,
        export_text,
        export_to_file,
    )
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    notes: list[str] = []
    if args.output:
        try:
            notes = export_to_file(library, args.output, dialect=args.format, query=args.query)
        except ExportError as exc:
            print(f"bibliofile: {exc}", file=sys.stderr)
            return 1
    else:
        text = export_text(library, dialect=args.format, query=args.query, notes=notes)
        if args.format in ("bibtex", "biblatex"):
            text = declare_encoding(text, "utf-8", notes)
        sys.stdout.write(text)
    for note in notes:  # what could not be written as the library holds it
        print(f"note: {note}", file=sys.stderr)
    return 0


def _cite(library: object, args: argparse.Namespace) -> int:
    from bibliofile.citation.engine import CitationError, EngineUnavailable
    from bibliofile.citation.styles import InvalidStyle, StyleNotFound
    from bibliofile.services.citing import CitingError, cite
    from bibliofile.storage.library import Library

    assert library is None or isinstance(library, Library)
    if args.clusters:
        from bibliofile.cli_document import cite_clusters

        return cite_clusters(library, args)
    if args.keys and args.query:
        print("bibliofile: give citation keys or --query, not both", file=sys.stderr)
        return 2
    try:
        text = cite(
            library,
            input_file=args.input,
            style=args.style,
            locale=args.locale,
            fmt=args.format,
            citation=args.citation,
            query=args.query,
            keys=args.keys,
        )
    except (CitingError, CitationError, EngineUnavailable, StyleNotFound, InvalidStyle) as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    except (RecursionError, MemoryError, UnicodeError) as exc:
        from bibliofile.services.importing import reader_failure, shown_path

        where = shown_path(args.input) if args.input else library.display_name if library else "the input"
        print(f"bibliofile: {where}: {reader_failure(exc).replace('imported', 'cited')}", file=sys.stderr)
        return 1
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _search(library: object, args: argparse.Namespace) -> int:
    from bibliofile.model.query import parse_query
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    q = parse_query(args.query)
    if q.hint:
        print(f"note: {q.hint}", file=sys.stderr)
    from bibliofile.model.query import including_fulltext
    from bibliofile.services.fulltext import pages_found

    ids = library.search(including_fulltext(q) if args.inside_files else q)
    cols = ["citation_key", "authors", "year", "title", "type"]
    rows = library.rows(ids, cols)
    pages = pages_found(library, q, ids, args.inside_files)  # where in the files (issue 19)
    if args.json:
        out = [{"id": i, **dict(zip(cols, rows[i], strict=True))} for i in ids]
        for item in out:
            if item["id"] in pages:
                item["fulltext_pages"] = [p.as_json() for p in pages[item["id"]]]
        print(json.dumps(out, ensure_ascii=False))
    else:
        for i in ids:
            key, authors, year, title, _type = rows[i]
            print(f"{key or '#' + str(i)}\t{authors}\t{year or 'n.d.'}\t{title}")
            for found in pages.get(i, []):
                print(f"\tfound in {found.describe()}")
        print(f"{len(ids)} found", file=sys.stderr)
    return 0


def _check(library_path: Path, args: argparse.Namespace) -> int:
    """``bibliofile check [--quick] [--recover]``: 0 sound (or recovered), 1 damaged."""
    from bibliofile.services.library_check import check_library, recover_library

    result = check_library(library_path, full=not args.quick)
    print(result.summary())
    if result.ok:
        return 0
    if not args.recover:
        print("Run `bibliofile check --recover` to recover it into a new file from the last good backup.")
        return 1
    recovered = recover_library(library_path)
    print(recovered.summary())
    return 0


def _curate(library: object, args: argparse.Namespace) -> int:
    """``collection``, ``tag``, ``status``: one transaction each; 1 with a plain message when
    nothing could be done (no such reference, tag or collection), and then nothing changed."""
    from bibliofile.services.changes import NotDone
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    if args.command == "collection" and args.action == "remove" and bool(args.keys) == args.delete:
        print("bibliofile: collection remove: give citation keys to take out, or --delete", file=sys.stderr)
        return 2
    try:
        if args.command == "collection" and args.action == "list":
            return _collection_list(library, args)
        return _curation_write(library, args)
    except (NotDone, ValueError) as exc:
        print(f"bibliofile: {exc}; nothing was changed", file=sys.stderr)
        return 1


def _collection_list(library: object, args: argparse.Namespace) -> int:
    from bibliofile.services.collections import collections
    from bibliofile.storage.library import Library

    assert isinstance(library, Library)
    found = collections(library)
    if args.json:
        print(json.dumps([
            {"id": c.id, "name": c.name, "path": c.path, "parent_id": c.parent_id, "count": c.count}
            for c in found
        ], ensure_ascii=False))
    else:
        for c in found:
            print(f"{c.path}\t{c.count}")
        if not found:
            print(f"No collections in {library.display_name}", file=sys.stderr)
    return 0


def _curation_write(library: object, args: argparse.Namespace) -> int:
    from bibliofile.services import collections, reading, tags
    from bibliofile.services.changes import Change, NotDone, perform
    from bibliofile.services.reference_lookup import Found, find_references
    from bibliofile.storage.library import Library, UnitOfWork

    assert isinstance(library, Library)
    looked_up: list[Found] = []

    def references(u: UnitOfWork) -> list[int]:
        found = find_references(u, args.keys)
        looked_up.append(found)
        if args.keys and not found.ids:
            raise NotDone(f"no reference has the key {_quoted(found.missing)} (or it is in the trash)")
        return found.ids

    def operation(u: UnitOfWork) -> Change:
        ids = references(u)
        if args.command == "status":
            return reading.set_reading(u, ids, status="" if args.status == "none" else args.status)
        if args.command == "tag":
            return tags.add_tag(u, ids, args.add) if args.add is not None else tags.remove_tag(u, ids, args.remove)
        if args.action == "add":
            if not ids and collections.find(u, args.name) is not None:
                raise NotDone(f"the collection “{args.name}” is there already")
            return collections.file_under(u, args.name, ids)
        col = collections.find(u, args.name)
        if col is None:
            raise NotDone(f"there is no collection “{args.name}”")
        return collections.delete(u, col.id) if args.delete else collections.remove_items(u, col.id, ids)

    change = perform(library, operation)
    found = looked_up[-1]
    unchanged = [i for i in found.ids if i not in set(change.ids)]
    if args.json:
        keys = library.rows([*change.ids, *unchanged], ["citation_key"])
        print(json.dumps({
            "done": change.description,
            "changed": [{"id": i, "citation_key": keys[i][0]} for i in change.ids],
            "unchanged": [{"id": i, "citation_key": keys[i][0]} for i in unchanged],
            "missing": found.missing,
        }, ensure_ascii=False))
    elif not change.changed:
        print(f"{change.description}: nothing to change, it was so already")
    elif found.ids:
        tail = f", {len(unchanged)} already so" if unchanged else ""
        print(f"{change.description}: {len(change.ids)} changed{tail}")
    else:
        print(change.description)
    if found.missing:
        print(f"note: no reference has the key {_quoted(found.missing)} (or it is in the trash)", file=sys.stderr)
    return 0


def _quoted(names: Sequence[str]) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _log_exception(exc: BaseException) -> Path:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(filename=path, level=logging.INFO)
        logging.getLogger("bibliofile").error("unhandled error", exc_info=exc)
    except OSError:
        pass
    return path
