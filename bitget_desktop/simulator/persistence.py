"""Durable state files for the simulator: atomic replace (temp file + fsync + os.replace) and JSON load."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "write_json", "read_json"]


def write_atomic(path: str | os.PathLike[str], payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so a crash leaves either the old or the new file, never a torn one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable where the platform allows it
        dfd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    write_atomic(path, json.dumps(data, separators=(",", ":")).encode())


def read_json(path: str | os.PathLike[str]) -> Any | None:
    """The JSON at ``path``, or None when there is no file yet."""
    p = Path(path)
    if not p.exists():
        return None
    return json.loads(p.read_text())
