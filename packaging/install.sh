#!/usr/bin/env sh
# Installs this unpacked bitget-desktop bundle for the current user (no root needed):
#   the program to ~/.local/lib/bitget-desktop, a `bitget-desktop` command in ~/.local/bin,
#   the menu entry, the icons and the AppStream metadata under ~/.local/share.
# PREFIX=/usr/local sh install.sh installs for everyone instead (run as root then).
# Uninstall: sh install.sh --uninstall (with the same PREFIX).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
LIB="$PREFIX/lib/bitget-desktop"
SHARE="$PREFIX/share"

refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$LIB"
  rm -f "$PREFIX/bin/bitget-desktop" "$SHARE/applications/bitget-desktop.desktop" \
        "$SHARE/metainfo/io.github.bitget_desktop.metainfo.xml"
  find "$SHARE/icons/hicolor" -name 'bitget-desktop.*' -delete 2>/dev/null || true
  refresh
  echo "bitget-desktop removed from $PREFIX (your settings, logs and keyring entries are left as they were)"
  exit 0
fi

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$SHARE/applications" "$SHARE/metainfo"
if [ "$HERE" != "$(cd "$PREFIX/lib" && pwd)/bitget-desktop" ]; then  # not when run from the installed copy
  rm -rf "$LIB"
  cp -R "$HERE" "$LIB"
fi
ln -sf "$LIB/bitget-desktop" "$PREFIX/bin/bitget-desktop"
cp -R "$HERE/share/icons" "$SHARE/"
cp "$HERE/share/metainfo/io.github.bitget_desktop.metainfo.xml" "$SHARE/metainfo/"
# The menu entry starts this copy by its full path, so it works even when ~/.local/bin is not on PATH.
sed "s|^Exec=bitget-desktop|Exec=$LIB/bitget-desktop|" "$HERE/share/applications/bitget-desktop.desktop" \
  > "$SHARE/applications/bitget-desktop.desktop"
refresh
echo "bitget-desktop installed: $PREFIX/bin/bitget-desktop and an entry in your applications menu"
