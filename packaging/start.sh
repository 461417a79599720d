#!/usr/bin/env bash
# Sets up (once) and starts the terminal. With no keys stored it opens on the embedded simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/bootstrap.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "start: no display found; running on a virtual screen (xvfb-run)"
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/bitget-desktop "$@"
fi
exec .venv/bin/bitget-desktop "$@"
