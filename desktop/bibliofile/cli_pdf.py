"""``bibliofile import PAPER.pdf``: a reference from each PDF, the PDF attached, its text indexed
before the command returns (issue 19), over services/pdf_import.py as the window's drop.

cli.py hands the PDFs among an import's files here; the rest are imported as bibliographies.
Like cli.py it imports services only inside the commands, so ``bibliofile --help`` stays quick.
Exit codes: 0 each PDF made (or attached to) a reference, 1 none could be.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["run_pdf_import", "split_pdfs"]


def split_pdfs(files: list[str]) -> tuple[list[str], list[str]]:
    """(PDFs, other files) of an import's arguments, each in the order given."""
    from bibliofile.services.pdf_import import is_pdf

    pdfs = [f for f in files if Path(f).is_file() and is_pdf(f)]
    return pdfs, [f for f in files if f not in pdfs]


def run_pdf_import(library: Any, files: list[str], args: argparse.Namespace) -> int:
    from bibliofile.services.attachment_names import DEFAULT_NAME_PATTERN
    from bibliofile.services.attachments import AttachmentError, FileLocations, Mode
    from bibliofile.services.lookup import make_client
    from bibliofile.services.pdf_import import import_pdfs

    where = FileLocations.of(library, getattr(args, "base_folder", None))
    mode: Mode = "link" if getattr(args, "link", False) else "store"
    try:
        with make_client() as client:
            report = import_pdfs(library, where, files, client, mode=mode, pattern=DEFAULT_NAME_PATTERN)
    except AttachmentError as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1
    index = report.index
    if args.json:
        out: dict[str, Any] = {"pdfs": [o.as_json() for o in report.outcomes]}
        if index is not None:
            out["fulltext"] = index.as_json()
        print(json.dumps(out, ensure_ascii=False))
    else:
        for o in report.outcomes:
            key = library.rows([o.reference_id], ["citation_key"]).get(o.reference_id, ("",))[0] or f"#{o.reference_id}"
            print(f"{o.status}\t{key}\t{o.message}")
        if index is not None:
            print(index.summary(), file=sys.stderr)
            for line in index.messages():
                print(f"note: {line}", file=sys.stderr)
    return 0 if report.outcomes else 1
