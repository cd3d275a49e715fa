"""The SQL a library runs, as text, for tests that hold a code path to what it may ask (issue 22:
no scan of every title at start-up). Storage is the only package that imports SQLAlchemy, so
the listener lives here rather than in the tests."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from bibliofile.storage.library import Library

__all__ = ["StatementLog"]


class StatementLog:
    """Every statement ``library`` sends from now until ``stop`` (from any thread), in order."""

    def __init__(self, library: Library) -> None:
        self._engine = library.engine
        self._lock = threading.Lock()
        self.statements: list[str] = []
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        with self._lock:
            self.statements.append(statement)

    def stop(self) -> list[str]:
        event.remove(self._engine, "before_cursor_execute", self._seen)
        with self._lock:
            return list(self.statements)
