"""Zip the Writer extension's sources (packaging/libreoffice/) into an .oxt.

    python -m bibliofile.office.build_oxt OUT.oxt [--source DIR]

An .oxt is a zip with ``META-INF/manifest.xml`` naming the component and configuration files
(LibreOffice's extension format, installed with ``unopkg add`` or Tools > Extensions). The
zip is reproducible: members in sorted order with a fixed date, so a rebuild of the same sources
is the same bytes and ``make`` does not see a change where there is none. Before anything is
written, every file the manifest names must exist and every Python file must compile, so a
broken extension fails the build rather than LibreOffice at a user's click.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

MANIFEST = "META-INF/manifest.xml"
MANIFEST_NS = "http://openoffice.org/2001/manifest"
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
SKIPPED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", "~")


class BuildError(Exception):
    """The sources cannot make an extension; ``str()`` says which file and why."""


def default_source() -> Path:
    """packaging/libreoffice/ of the source checkout this module is in."""
    return Path(__file__).resolve().parents[3] / "packaging" / "libreoffice"


def source_files(source: Path) -> list[str]:
    """The extension's files, relative and with forward slashes, sorted."""
    out = []
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in files:
            if name.startswith(".") or name.endswith(SKIPPED_SUFFIXES):
                continue
            out.append(Path(root, name).relative_to(source).as_posix())
    return sorted(out)


def check(source: Path, files: list[str]) -> None:
    if MANIFEST not in files:
        raise BuildError(f"{source}: no {MANIFEST}")
    try:
        root = ET.parse(source / MANIFEST).getroot()
    except ET.ParseError as exc:
        raise BuildError(f"{source / MANIFEST}: not XML ({exc})") from exc
    for entry in root.iter(f"{{{MANIFEST_NS}}}file-entry"):
        path = entry.get(f"{{{MANIFEST_NS}}}full-path", "")
        if path not in files:
            raise BuildError(f"{source / MANIFEST} names {path!r}, which is not in {source}")
    for name in files:
        if name.endswith(".py"):
            text = (source / name).read_text(encoding="utf-8")
            try:
                compile(text, str(source / name), "exec")
            except SyntaxError as exc:
                raise BuildError(f"{source / name}: line {exc.lineno}: {exc.msg}") from exc
        elif name.endswith((".xcu", ".xml")):
            try:
                ET.parse(source / name)
            except ET.ParseError as exc:
                raise BuildError(f"{source / name}: not XML ({exc})") from exc


def build(out: str | Path, source: str | Path | None = None) -> Path:
    """Write the .oxt (atomically: a failed build leaves no half-written file); its path."""
    src = Path(source) if source is not None else default_source()
    if not src.is_dir():
        raise BuildError(f"{src}: no extension sources there")
    files = source_files(src)
    check(src, files)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as z:
            for name in files:
                info = zipfile.ZipInfo(name, FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, (src / name).read_bytes())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bibliofile.office.build_oxt", description=__doc__.split("\n")[0])
    parser.add_argument("out", metavar="OUT.oxt")
    parser.add_argument("--source", metavar="DIR", help="the extension's sources (default: packaging/libreoffice)")
    args = parser.parse_args(argv)
    try:
        path = build(args.out, args.source)
    except (BuildError, OSError) as exc:
        print(f"build_oxt: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
