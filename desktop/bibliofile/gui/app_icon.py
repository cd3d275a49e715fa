"""The application's icon and identity, shared by the window, the about box and the task bar.

APP_ID is the reverse-DNS id the freedesktop files, the Flatpak and the icon files are named
after; Qt's ``setDesktopFileName`` takes it so Wayland and X11 task bars match the running
window to packaging/linux/<APP_ID>.desktop (and so its icon and name).

The icon is built from the pre-rendered hicolor PNGs (crisp at the small sizes a task bar uses)
or, failing those, from the scalable SVG; resources_dir() finds them both in a source
checkout and inside a PyInstaller bundle.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon

from bibliofile.services.locations import resources_dir

APP_ID = "io.github.bibliofile.Bibliofile"
DISPLAY_NAME = "Bibliofile"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """Bibliofile's icon; a null QIcon (Qt's default) if the resources are missing."""
    icons = resources_dir() / "icons"
    icon = QIcon()
    for size in ICON_SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = icons / f"{APP_ID}.svg"
    if icon.isNull() and svg.is_file():
        icon = QIcon(str(svg))  # Qt's SVG icon engine draws it at any size
    return icon
