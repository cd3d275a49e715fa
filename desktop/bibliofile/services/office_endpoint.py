"""Where the Writer extension finds the running app: ``office-endpoint.json`` (port and token)
and ``office-command.json`` (how to run the app headless), in the user's state folder,
readable by the user only. The extension's ``app_link.state_dir`` computes the same folder
without platformdirs.

Kept apart from services/office_render.py (which re-exports these names) because the window
writes these files as it starts its cite-as-you-write endpoint, just after the first screen,
and office_render imports the citation engine's Python side (citation_clusters, citing, the
CSL conversion): ~60-120 ms of imports that only the first render request needs (issue 22).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from platformdirs import user_state_path

APP = "Bibliofile"
ENDPOINT_FILE = "office-endpoint.json"
COMMAND_FILE = "office-command.json"


def state_dir() -> Path:
    return user_state_path(APP, appauthor=False)


def endpoint_path() -> Path:
    return state_dir() / ENDPOINT_FILE


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_endpoint_file(path: Path, port: int, token: str) -> None:
    """``{"port", "token", "pid"}``, created readable by the user only (0600 in a 0700
    folder) and put in place atomically, so no reader ever sees half a token."""
    _write_private(path, {"port": port, "token": token, "pid": os.getpid()})


def remove_endpoint_file(path: Path, token: str) -> None:
    """Remove the file if it still holds our token (a second app started since owns it now)."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("token") == token:
            path.unlink()


def write_command_file(path: Path) -> None:
    """How to run ``bibliofile`` headless, for the extension's refresh when the app is closed:
    the frozen app's own executable, else this Python with ``-m bibliofile``."""
    command = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "bibliofile"]
    with contextlib.suppress(OSError):
        _write_private(path, {"command": command})


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
