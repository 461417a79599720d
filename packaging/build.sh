#!/usr/bin/env bash
# Builds the standalone bundle (PyInstaller, one folder) that runs on a machine without Python:
#   dist/bitget-desktop/                      the program (start dist/bitget-desktop/bitget-desktop)
#     share/applications, share/icons/hicolor, share/metainfo, install.sh
#   dist/bitget-desktop-<version>-linux-<arch>.tar.gz   the same folder, to hand out
# Usage: bash packaging/build.sh      (BUNDLE_DIST=dir puts the output elsewhere; BUNDLE_ARCHIVE=0 skips the tarball)
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/bootstrap.sh
PY=.venv/bin/python
DIST="${BUNDLE_DIST:-dist}"
WORK="${BUNDLE_WORK:-build/pyinstaller}"
VERSION="$("$PY" -c 'import bitget_desktop; print(bitget_desktop.__version__)')"

rm -rf build/icons
QT_QPA_PLATFORM=offscreen "$PY" packaging/render_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" \
  packaging/bitget-desktop.spec

BUNDLE="$DIST/bitget-desktop"
mkdir -p "$BUNDLE/share/applications" "$BUNDLE/share/icons" "$BUNDLE/share/metainfo"
cp -R build/icons/hicolor "$BUNDLE/share/icons/"
cp packaging/bitget-desktop.desktop "$BUNDLE/share/applications/"
cp packaging/io.github.bitget_desktop.metainfo.xml "$BUNDLE/share/metainfo/"
cp packaging/install.sh "$BUNDLE/install.sh"
chmod +x "$BUNDLE/install.sh"

"$BUNDLE/bitget-desktop" --version
if [ "${BUNDLE_ARCHIVE:-1}" != 0 ]; then
  ARCHIVE="$DIST/bitget-desktop-$VERSION-linux-$(uname -m).tar.gz"
  tar -C "$DIST" -czf "$ARCHIVE" bitget-desktop
  echo "build: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
fi
echo "build: $BUNDLE ($(du -sh "$BUNDLE" | cut -f1)); start it with $BUNDLE/bitget-desktop"
