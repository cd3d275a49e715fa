#!/bin/sh
# Install the PyInstaller build (dist/bibliofile) for one user, as a desktop application:
# the bundle under ~/.local/opt, a `bibliofile` command in ~/.local/bin, the menu entry, AppStream
# metadata, icons and the .bib/.ris file types, so a double-click on a .bib or .ris file offers
# Bibliofile. Uninstall with: packaging/linux/install-user.sh --uninstall
#
# PREFIX (default ~/.local) and BUNDLE (default dist/bibliofile beside this script's repo) may be
# set in the environment.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP_ID=io.github.bibliofile.Bibliofile
PREFIX=${PREFIX:-$HOME/.local}
BUNDLE=${BUNDLE:-$ROOT/dist/bibliofile}
SHARE=$PREFIX/share
DEST=$PREFIX/opt/bibliofile

refresh() {
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
    command -v update-mime-database >/dev/null && update-mime-database "$SHARE/mime" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t -f "$SHARE/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$DEST" "$PREFIX/bin/bibliofile" "$SHARE/applications/$APP_ID.desktop" \
        "$SHARE/metainfo/$APP_ID.metainfo.xml" "$SHARE/mime/packages/$APP_ID.xml" \
        "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
    for s in 16 24 32 48 64 128 256 512; do rm -f "$SHARE/icons/hicolor/${s}x${s}/apps/$APP_ID.png"; done
    refresh
    echo "Bibliofile removed from $PREFIX (your library and settings are kept)."
    exit 0
fi

[ -x "$BUNDLE/bibliofile" ] || { echo "No build in $BUNDLE: run \`make package\` first." >&2; exit 1; }
rm -rf "$DEST"
mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$SHARE/applications" "$SHARE/metainfo" "$SHARE/mime/packages"
cp -R "$BUNDLE" "$DEST"
ln -sf "$DEST/bibliofile" "$PREFIX/bin/bibliofile"
# The menu entry runs the installed copy by its full path: ~/.local/bin is not on every session's PATH.
sed "s|^Exec=bibliofile |Exec=$DEST/bibliofile |" "$HERE/$APP_ID.desktop" > "$SHARE/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
cp "$HERE/$APP_ID.xml" "$SHARE/mime/packages/"
mkdir -p "$SHARE/icons/hicolor/scalable/apps"
cp "$ROOT/resources/icons/$APP_ID.svg" "$SHARE/icons/hicolor/scalable/apps/"
for s in 16 24 32 48 64 128 256 512; do
    mkdir -p "$SHARE/icons/hicolor/${s}x${s}/apps"
    cp "$ROOT/resources/icons/hicolor/${s}x${s}/apps/$APP_ID.png" "$SHARE/icons/hicolor/${s}x${s}/apps/"
done
refresh
echo "Bibliofile installed in $DEST; start it from the applications menu or with \`bibliofile\`."
