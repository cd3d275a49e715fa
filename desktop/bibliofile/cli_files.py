"""``bibliofile attach`` and ``bibliofile files``: a reference's files on the command line, over
services/attachments.py as the window's Attachments section (issue 19).

Kept apart from cli.py, which registers these two commands and hands them the open library;
like cli.py it imports services only inside the commands, so ``bibliofile --help`` stays quick.
Exit codes as cli.py: 0 done, 1 nothing could be done (a plain message on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COMMANDS = ("attach", "files")


def add_file_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``attach`` and ``files`` sub-commands."""
    at = sub.add_parser("attach", help="attach a file to a reference: stored in the library's folder, or linked")
    at.add_argument("key", metavar="KEY", help="citation key (or #ID)")
    at.add_argument("file", metavar="FILE")
    how = at.add_mutually_exclusive_group()
    how.add_argument("--store", dest="mode", action="store_const", const="store",
                     help="copy it into <library>.files/ under a name from the pattern (the default)")
    how.add_argument("--link", dest="mode", action="store_const", const="link",
                     help="leave it where it is and remember the path (relative to the base folder)")
    at.set_defaults(mode="store")
    at.add_argument("--pattern", metavar="P", default=None,
                    help="name of a stored file (default “[auth] [year] - [shorttitle]”, then the file's extension)")
    _base_folder_option(at)
    at.add_argument("--json", action="store_true")

    fi = sub.add_parser("files", help="list the attached files (--missing: only those not found)")
    fi.add_argument("keys", nargs="*", metavar="KEY", help="only these references (citation keys or #ID)")
    fi.add_argument("--missing", action="store_true", help="only files that are not where the library says")
    fi.add_argument("--locate", action="store_true",
                    help="look for missing files by name and size in the base folder and link them again")
    fi.add_argument("--rename", action="store_true", help="rename stored files by the pattern (see attach --pattern)")
    fi.add_argument("--pattern", metavar="P", default=None)
    _base_folder_option(fi)
    fi.add_argument("--json", action="store_true")


def _base_folder_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-folder", metavar="DIR", default=None,
                   help="folder linked paths are relative to (default $BIBLIOFILE_BASE_FOLDER, else your home)")


def run(library: Any, args: argparse.Namespace) -> int:
    from bibliofile.services.attachments import AttachmentError, FileLocations
    from bibliofile.services.changes import NotDone

    where = FileLocations.of(library, args.base_folder)
    try:
        if args.command == "attach":
            return _attach(library, where, args)
        return _files(library, where, args)
    except (AttachmentError, NotDone, ValueError) as exc:
        print(f"bibliofile: {exc}", file=sys.stderr)
        return 1


def _one_reference(library: Any, name: str) -> int:
    from bibliofile.services.changes import NotDone
    from bibliofile.services.reference_lookup import find_references

    found = find_references(library, [name])
    if not found.ids:
        raise NotDone(f"no reference has the key “{name}” (or it is in the trash); nothing was attached")
    if len(found.ids) > 1:
        ids = ", ".join(f"#{i}" for i in found.ids[:5])
        raise NotDone(f"the key “{name}” names {len(found.ids)} references ({ids}); give one as #ID. Nothing was attached")
    return found.ids[0]


def _attach(library: Any, where: Any, args: argparse.Namespace) -> int:
    from bibliofile.services import attachments
    from bibliofile.services.attachment_names import DEFAULT_NAME_PATTERN
    from bibliofile.services.changes import perform

    rid = _one_reference(library, args.key)
    pattern = args.pattern if args.pattern is not None else DEFAULT_NAME_PATTERN
    change = perform(library, lambda u: attachments.attach(u, where, rid, Path(args.file), args.mode, pattern))
    view = attachments.attachments_of(library, where, rid)[-1]
    from bibliofile.services.fulltext import index_files

    index = index_files(library, where, [view.attachment.id])  # searchable before we return (issue 19)
    if args.json:
        print(json.dumps({**_as_json(view, args.key), "fulltext": index.as_json()}, ensure_ascii=False))
    else:
        how = f"stored as {view.file}" if view.stored else f"linked at {view.file}"
        print(f"{change.description} to {args.key} ({how})")
        for line in index.messages():
            print(f"note: {line}", file=sys.stderr)
    return 0


def _files(library: Any, where: Any, args: argparse.Namespace) -> int:
    from bibliofile.services import attachments
    from bibliofile.services.attachment_names import DEFAULT_NAME_PATTERN
    from bibliofile.services.changes import perform
    from bibliofile.services.reference_lookup import find_references

    only: set[int] | None = None
    if args.keys:
        found = find_references(library, args.keys)
        for name in found.missing:
            print(f"note: no reference has the key “{name}” (or it is in the trash)", file=sys.stderr)
        if not found.ids:
            return 1
        only = set(found.ids)
    pattern = args.pattern if args.pattern is not None else DEFAULT_NAME_PATTERN
    if args.rename:
        ids = sorted(only) if only is not None else None
        change = perform(library, lambda u: attachments.rename_stored(u, where, ids, pattern))
        print(change.description if change.changed else "Every stored file is named by the pattern already", file=sys.stderr)
    if args.locate:
        _locate(library, where, only)
    views = [v for v in attachments.all_files(library, where, missing_only=args.missing)
             if only is None or v.attachment.reference_id in only]
    keys = library.rows(list({v.attachment.reference_id for v in views}), ["citation_key"])
    if args.json:
        print(json.dumps([_as_json(v, keys[v.attachment.reference_id][0]) for v in views], ensure_ascii=False))
    else:
        for v in views:
            key = keys[v.attachment.reference_id][0] or f"#{v.attachment.reference_id}"
            print(f"{key}\t{attachments.describe(v)}")
        missing = sum(not v.present for v in views)
        what = "missing file" if args.missing else "file"
        tail = "" if args.missing or not missing else f", {missing} missing (--missing lists them, --locate looks for them)"
        print(f"{len(views)} {what}{'' if len(views) == 1 else 's'}{tail}", file=sys.stderr)
    return 0


def _locate(library: Any, where: Any, only: set[int] | None) -> None:
    from bibliofile.services import attachments
    from bibliofile.services.changes import perform

    missing = [v for v in attachments.missing_files(library, where) if only is None or v.attachment.reference_id in only]
    if not missing:
        print("No missing files to look for", file=sys.stderr)
        return
    search = attachments.find_again(where, missing)
    if search.found:
        perform(library, lambda u: attachments.relink(u, where, search.found))
    print(f"Found {len(search.found)} of {len(missing)} missing files in {where.base}", file=sys.stderr)
    if search.stopped:
        print(f"note: stopped after {search.looked_at} entries of {where.base}; choose a smaller --base-folder "
              "to look further in it", file=sys.stderr)


def _as_json(v: Any, key: str) -> dict[str, Any]:
    a = v.attachment
    return {
        "id": a.id, "reference_id": a.reference_id, "citation_key": key, "kind": a.kind, "path": a.path,
        "file": str(v.file), "present": v.present, "original_name": a.original_name, "size": a.size,
        "sha256": a.sha256, "content_type": a.content_type, "last_page_read": a.last_page_read,
    }
