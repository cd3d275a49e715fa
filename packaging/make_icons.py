"""Render Bibliofile's icon (resources/icons/<app id>.svg) to every size a platform asks for.

One drawing is the source of truth; everything else is generated from it with Qt's own SVG
renderer (QtSvg ships in PySide6-Essentials, so no extra dependency):

* the freedesktop hicolor PNGs (16 ... 512 px) under resources/icons/hicolor/, committed so the
  window icon and a Linux/Flatpak install work from a plain source checkout;
* a Windows .ico and a macOS .icns, written at build time by ``make package`` (into build/icons/)
  because only PyInstaller needs them. Both formats are written here by hand: modern .ico and .icns
  files are a small header around PNG images, which is all Windows Vista+ and macOS 10.7+ read.

Usage: python packaging/make_icons.py [--hicolor] [--ico PATH] [--icns PATH]
(no option: all three, the .ico/.icns into build/icons/).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "io.github.bibliofile.Bibliofile"
SVG = ROOT / "resources" / "icons" / f"{APP_ID}.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Apple's PNG-carrying icon types and the pixel size each holds.
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128),
    (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024),
)


def _app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def render_png(size: int, svg: Path = SVG) -> bytes:
    """The icon drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app()
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG drawing")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def write_hicolor(dest: Path = HICOLOR) -> list[Path]:
    written = []
    for size in HICOLOR_SIZES:
        path = dest / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_png(size))
        written.append(path)
    return written


def ico_bytes(sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    """An .ico file: ICONDIR, one 16-byte entry per image, then the PNGs (0 in a byte means 256)."""
    images = [render_png(s) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return header + entries + blobs


def icns_bytes() -> bytes:
    """An .icns file: 'icns' + total length, then (type, length incl. 8-byte header, PNG) chunks."""
    chunks = b""
    for kind, size in ICNS_TYPES:
        png = render_png(size)
        chunks += kind + struct.pack(">I", len(png) + 8) + png
    return b"icns" + struct.pack(">I", len(chunks) + 8) + chunks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--hicolor", action="store_true", help="write resources/icons/hicolor/*")
    p.add_argument("--ico", type=Path, help="write a Windows .ico here")
    p.add_argument("--icns", type=Path, help="write a macOS .icns here")
    args = p.parse_args(argv)
    if not (args.hicolor or args.ico or args.icns):
        args.hicolor = True
        args.ico = ROOT / "build" / "icons" / "bibliofile.ico"
        args.icns = ROOT / "build" / "icons" / "bibliofile.icns"
    if args.hicolor:
        for path in write_hicolor():
            print(path.relative_to(ROOT))
    for path, make in ((args.ico, ico_bytes), (args.icns, icns_bytes)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make())
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
