"""Render the app icon (bitget_desktop/resources/icons/bitget-desktop.svg) at the freedesktop hicolor sizes.

Usage: python packaging/render_icons.py OUT_DIR   -> OUT_DIR/hicolor/<n>x<n>/apps/bitget-desktop.png and
OUT_DIR/hicolor/scalable/apps/bitget-desktop.svg; plus bitget-desktop.ico and .icns in OUT_DIR. Runs offscreen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from bitget_desktop import resource_files

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
NAME = "bitget-desktop"


def render(svg: bytes, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(svg)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main(out: Path) -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = resource_files.read_bytes(resource_files.APP_ICON)
    scalable = out / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    (scalable / f"{NAME}.svg").write_bytes(svg)
    for size in SIZES:
        folder = out / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not render(svg, size).save(str(folder / f"{NAME}.png"), "PNG"):
            print(f"render_icons: could not write the {size} px icon", file=sys.stderr)
            return 1
    # For the spec's Windows and macOS builds (Qt's ico and icns image plugins write them).
    render(svg, 256).save(str(out / f"{NAME}.ico"), "ICO")
    render(svg, 512).save(str(out / f"{NAME}.icns"), "ICNS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
