"""Attachments (issue 19): prints how long the attachment operations take on this machine.

Store-attach of a large PDF (copy + hash + fsync, MB/s); a reference's files for the detail
pane (ms per selection); the missing-file check over a library with many attachments (ms);
finding moved files again in a base folder of many files (ms). Sizes stay modest (the machine
is shared): a 64 MB file, 5,000 attachments, a 20,000-file folder tree.
Run: .venv/bin/python bench/bench_attachments.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bibliofile.model import Reference
from bibliofile.services import attachments as att
from bibliofile.services.changes import perform
from bibliofile.storage import attachments as rows
from bibliofile.storage.attachments import LINKED, Attachment
from bibliofile.storage.library import Library

BIG_MB = 64
ATTACHMENTS = 5_000
TREE_FILES = 20_000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = root / "home"
        base.mkdir()
        lib = Library.open(root / "library.sqlite")
        where = att.FileLocations.of(lib, base)
        ids = lib.add_references([Reference(fields={"title": f"Paper number {i}", "date": "2001"}) for i in range(ATTACHMENTS)])

        big = base / "big.pdf"
        with open(big, "wb") as fh:
            fh.write(os.urandom(1 << 20) * BIG_MB)
        t = time.perf_counter()
        perform(lib, lambda u: att.attach(u, where, ids[0], big, "store"))
        dt = time.perf_counter() - t
        print(f"store-attach {BIG_MB} MB: {dt * 1000:.0f} ms ({BIG_MB / dt:.0f} MB/s, copy + SHA-256 + fsync)")
        t = time.perf_counter()
        perform(lib, lambda u: att.attach(u, where, ids[1], big, "link"))
        dt = time.perf_counter() - t
        print(f"link-attach {BIG_MB} MB: {dt * 1000:.0f} ms (SHA-256 only)")

        # Many linked rows, most of them present, some missing.
        for i in range(0, ATTACHMENTS, 10):
            (base / "Papers" / f"d{i // 500}").mkdir(parents=True, exist_ok=True)
        with lib.write() as uow:
            rows.add(uow, [Attachment(rid, LINKED, f"Papers/d{i // 500}/p{i}.pdf", f"p{i}.pdf", 3)
                           for i, rid in enumerate(ids)])
        for i in range(0, ATTACHMENTS):
            if i % 50:
                (base / "Papers" / f"d{i // 500}" / f"p{i}.pdf").write_bytes(b"pdf")
        times = []
        for rid in ids[:200]:
            t = time.perf_counter()
            att.attachments_of(lib, where, rid)
            times.append(time.perf_counter() - t)
        print(f"a reference's files for the pane: median {statistics.median(times) * 1000:.2f} ms")
        t = time.perf_counter()
        missing = att.missing_files(lib, where)
        print(f"missing-file check over {ATTACHMENTS + 2:,} attachments: {(time.perf_counter() - t) * 1000:.0f} ms "
              f"({len(missing)} missing)")

        # The missing ones moved into an archive among many other files.
        for i in range(TREE_FILES):
            d = base / "Archive" / f"a{i // 1000}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"other{i}.pdf").write_bytes(b"")
        for i in range(0, ATTACHMENTS, 50):
            (base / "Archive" / "a3" / f"p{i}.pdf").write_bytes(b"pdf")
        t = time.perf_counter()
        search = att.find_again(where, missing)
        print(f"find {len(missing)} moved files in a base folder of {TREE_FILES + ATTACHMENTS:,} files: "
              f"{(time.perf_counter() - t) * 1000:.0f} ms (found {len(search.found)}, looked at {search.looked_at:,})")
        t = time.perf_counter()
        perform(lib, lambda u: att.relink(u, where, search.found))
        print(f"relink {len(search.found)} files (one transaction): {(time.perf_counter() - t) * 1000:.0f} ms")
        lib.close()


if __name__ == "__main__":
    main()
