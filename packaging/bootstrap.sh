#!/usr/bin/env bash
# Sets up everything bitget-desktop needs on Debian/Ubuntu: system libraries for Qt, a virtual
# screen and a Secret Service keyring (for tests), then a venv with the locked Python packages.
# Idempotent: a second run only checks. Usage: bash packaging/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(
  # Qt 6 wheel runtime (offscreen and xcb platform plugins)
  libgl1 libegl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1
  libxcb-shm0 libxcb-glx0
  fonts-dejavu-core
  # a virtual X screen (GUI runs on machines without a display, screenshots)
  xvfb xauth
  # a real Secret Service keyring for the tests
  dbus gnome-keyring
  # PyInstaller reads ELF files with objdump when it builds the bundle (packaging/build.sh)
  binutils
  # python
  python3 python3-venv
)
if command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${APT_PKGS[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
  done
  # python3/python3-venv may come from elsewhere (pyenv); only ask apt when venv is really missing.
  if python3 -c 'import venv, ensurepip' 2>/dev/null; then
    filtered=(); for p in "${missing[@]}"; do case "$p" in python3|python3-venv) ;; *) filtered+=("$p");; esac; done
    missing=("${filtered[@]+"${filtered[@]}"}")
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "bootstrap: installing system packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
stamp="$VENV/.lock-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  echo "bootstrap: installing Python packages into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -c "import bitget_desktop, PySide6, qasync, aiohttp, websockets, pyqtgraph, keyring, ccxt"
  touch "$stamp"
fi
