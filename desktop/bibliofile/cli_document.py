"""``bibliofile document refresh|cite|import`` and ``bibliofile cite --clusters``: live citations
in .odt and .docx files headless, and citation clusters in document order (issue 20).

Exit codes as the rest of the CLI: 0 done (problems listed on stderr, each naming the citation
and saying it was left as it was), 1 nothing could be done (the document is untouched), 2 usage.
The library is used when it exists; a refresh without one renders from the data the document
carries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["DOCUMENT_COMMANDS", "add_clusters_option", "add_document_commands", "cite_clusters", "run_document"]

DOCUMENT_COMMANDS = ("document",)


def add_clusters_option(cite: argparse.ArgumentParser) -> None:
    cite.add_argument(
        "--clusters",
        metavar="CLUSTERS.json",
        help="render these citation clusters in document order (ibid., disambiguation, numbering), "
        "then the bibliography; cites name items of --input (or citation keys of the library)",
    )


def add_document_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doc = sub.add_parser("document", help="refresh, add or import the live citations of an .odt or .docx document")
    actions = doc.add_subparsers(dest="action", metavar="ACTION", required=True)
    rf = actions.add_parser(
        "refresh", help="re-render every citation and the bibliography (in a new style with --style)"
    )
    rf.add_argument("file", metavar="FILE.odt|FILE.docx")
    rf.add_argument("--style", metavar="NAME|FILE.csl", help="style id, alias or .csl file (default: the document's, else apa)")
    rf.add_argument("--locale", metavar="xx-XX", help="language (default: the document's, else the style's own)")
    ct = actions.add_parser("cite", help="insert a citation after the first occurrence of TEXT, then refresh")
    ct.add_argument("file", metavar="FILE.odt|FILE.docx")
    ct.add_argument("keys", nargs="+", metavar="KEY", help="citation keys of the references to cite")
    ct.add_argument("--after", required=True, metavar="TEXT", help="text in the document the citation follows")
    ct.add_argument("--input", metavar="FILE", help="cite from a .bib or CSL-JSON file instead of the library")
    ct.add_argument("--style", metavar="NAME|FILE.csl")
    ct.add_argument("--locale", metavar="xx-XX")
    im = actions.add_parser("import", help="import the references a Zotero or Bibliofile document embeds")
    im.add_argument("file", metavar="FILE.odt|FILE.docx")


def cite_clusters(library: object, args: argparse.Namespace) -> int:
    """``cite --clusters``: clusters from the file, items from --input or the library's keys."""
    from bibliofile.citation.engine import CitationError, EngineUnavailable
    from bibliofile.citation.styles import InvalidStyle, StyleNotFound
    from bibliofile.services.citation_clusters import (
        library_items,
        read_clusters_file,
        render,
        render_files,
    )
    from bibliofile.services.citing import CitingError
    from bibliofile.storage.library import Library

    try:
        if args.input:
            done = render_files(args.input, args.clusters, args.style, args.locale, args.format)
        else:
            assert isinstance(library, Library)
            clusters = read_clusters_file(args.clusters)
            done = render(library_items(library, clusters), clusters, args.style, args.locale, args.format)
    except (CitingError, CitationError, EngineUnavailable, StyleNotFound, InvalidStyle) as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    for problem in done.problems:
        print(f"note: {problem}", file=sys.stderr)
    sys.stdout.write(done.text().rstrip("\n") + "\n")
    return 0


def run_document(library_path: Path, explicit_library: bool, args: argparse.Namespace) -> int:
    from bibliofile.citation.engine import CitationError, EngineUnavailable
    from bibliofile.citation.styles import InvalidStyle, StyleNotFound
    from bibliofile.services import documents
    from bibliofile.services.citing import CitingError
    from bibliofile.storage.errors import LibraryMissingError
    from bibliofile.storage.library import Library

    library: Library | None = None
    try:
        library = Library.open(library_path, create=args.action == "import")
    except LibraryMissingError:
        if args.action == "cite" and not args.input:
            print(f"bibliofile: no library at {library_path}; give --library or --input", file=sys.stderr)
            return 1
        if explicit_library:
            print(f"note: no library at {library_path}; the document's own data was used", file=sys.stderr)
    try:
        if args.action == "import":
            assert library is not None
            imported = documents.import_document(args.file, library)
            for p in imported.problems:
                print(f"note: {p}", file=sys.stderr)
            print(imported.summary())
            return 0
        if args.action == "cite":
            report = documents.cite_in_document(
                args.file, args.after, args.keys, library, args.input, args.style, args.locale
            )
        else:
            report = documents.refresh_document(args.file, library, args.style, args.locale)
    except (documents.DocumentError, CitingError, CitationError, EngineUnavailable, StyleNotFound, InvalidStyle) as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    finally:
        if library is not None:
            library.close()
    for p in report.problems:
        print(f"note: {p}", file=sys.stderr)
    print(report.summary())
    return 0
