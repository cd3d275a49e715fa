"""PDFium in a child process with a time and a memory limit (DESIGN, "Outside the process").

A PDF is untrusted input read by C++: one may loop for minutes, exhaust memory or crash the
process reading it. So the parent never calls PDFium itself; it asks a ``PdfWorker`` (one child
process, started with ``spawn`` so it never inherits the window's threads) for a file's facts
or for a range of its pages' text, and waits at most ``timeout`` seconds for each answer. A
child that overruns is killed; one that dies (out of memory under its address-space limit, or
a crash in PDFium) is reported; either way the next request starts a fresh child. The child
dies with its parent (``PR_SET_PDEATHSIG`` on Linux, a watchdog thread elsewhere).

Requests are answered one batch of pages at a time, so the caller can commit each batch and
stop between them (cancel) without killing anything.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

__all__ = ["PageBatch", "PdfFailed", "PdfWorker"]

TIMEOUT = 60.0  # seconds for one answer (a batch of pages, or the facts of page 1)
START_TIMEOUT = 60.0  # seconds for a new child to start and load PDFium
MEMORY_LIMIT = 1 << 30  # the child's address space, bytes (Python and PDFium start at ~0.1 GB of it)


class PdfFailed(Exception):
    """A file could not be read; ``str()`` says why in words for the user (damaged, encrypted,
    took too long, ran out of memory). ``kind``: "unreadable", "timeout" or "crashed"."""

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class PageBatch:
    """The text of pages ``[start, start + len(texts))`` (indices from 0) of a file of
    ``page_count`` pages."""

    page_count: int
    start: int
    texts: tuple[str, ...]


# ---- the child ------------------------------------------------------------------------------

def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:
                os._exit(1)
            return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the timeout still bounds the work
        return
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else hard))


def _serve(conn: Connection, parent: int, memory_limit: int) -> None:
    """The child's loop: one request in, one answer out, until the pipe closes."""
    _die_with_parent(parent)
    _limit_memory(memory_limit)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(10)  # background work: the window (and the user's other programs) come first
    from bibliofile.pdf import extract

    conn.send(("ok", "ready"))  # started: the parent's timeouts count from here
    open_path = ""
    doc: Any = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if request[0] == "facts":
                _tag, path, text_pages = request
                conn.send(("ok", extract.read_facts(path, text_pages)))
            elif request[0] == "pages":
                _tag, path, start, count = request
                if path != open_path or doc is None:
                    if doc is not None:
                        doc.close()
                        doc = None
                    open_path = ""
                    doc = extract.open_document(path)
                    open_path = path
                texts = tuple(t for _i, t in extract.page_texts(doc, start, start + count))
                conn.send(("ok", PageBatch(len(doc), start, texts)))
            elif request[0] == "annotations":
                conn.send(("ok", extract.read_annotations(request[1])))
            elif request[0] == "close":
                if doc is not None:
                    doc.close()
                doc, open_path = None, ""
                conn.send(("ok", None))
        except extract.PdfUnreadable as exc:
            conn.send(("unreadable", str(exc)))
        except MemoryError:
            conn.send(("crashed", "ran out of memory while reading it"))
        except Exception as exc:  # PDFium's own errors on a broken page tree, and the like
            conn.send(("unreadable", f"could not be read ({type(exc).__name__}: {exc})"))


# ---- the parent -----------------------------------------------------------------------------

class PdfWorker:
    """One child process reading PDFs; start it lazily, ``close()`` (or ``with``) when done.
    Not thread-safe: one caller at a time (the indexer's thread)."""

    def __init__(self, timeout: float = TIMEOUT, memory_limit: int = MEMORY_LIMIT) -> None:
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._process: Any = None
        self._conn: Connection | None = None
        self._pending: tuple[Any, ...] | None = None  # a request sent ahead (prefetch)

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop()
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(
            target=_serve, args=(child_end, os.getpid(), self.memory_limit), name="bibliofile-pdf", daemon=True
        )
        process.start()
        child_end.close()
        self._process, self._conn = process, parent_end
        # Starting Python and loading PDFium (~0.3 s, more on a busy machine) is not the file's
        # time: the answer timeout counts from the child's "ready".
        try:
            ready = parent_end.poll(START_TIMEOUT) and parent_end.recv() == ("ok", "ready")
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._stop()
            raise PdfFailed("could not be read: the PDF reader process did not start (out of memory?)", "crashed")
        return parent_end

    def _send(self, request: tuple[Any, ...]) -> None:
        conn = self._start()
        try:
            conn.send(request)
        except (OSError, BrokenPipeError):
            self._stop()
            raise PdfFailed("made PDFium stop while being read (the reader process ended)", "crashed") from None

    def _receive(self) -> Any:
        conn = self._conn
        if conn is None:
            raise PdfFailed("made PDFium stop while being read (the reader process ended)", "crashed")
        try:
            if not conn.poll(self.timeout):
                self._stop()
                raise PdfFailed(f"took longer than {self.timeout:g} s to read, so it was stopped", "timeout")
            status, value = conn.recv()
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            self._stop()
            why = "ran out of memory" if code in (-9, 1) else "made PDFium stop"
            raise PdfFailed(f"{why} while being read (the reader process ended)", "crashed") from None
        if status == "ok":
            return value
        if status == "crashed":
            self._stop()
        raise PdfFailed(str(value), status)

    def _ask(self, request: tuple[Any, ...]) -> Any:
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending == request:
                return self._receive()
            with contextlib.suppress(PdfFailed):
                self._receive()  # an answer asked for ahead and not wanted after all
        self._send(request)
        return self._receive()

    def facts(self, path: str | Path, text_pages: int = 3) -> Any:
        """``extract.PdfFacts`` of a file, or PdfFailed."""
        return self._ask(("facts", str(path), text_pages))

    def pages(self, path: str | Path, start: int, count: int) -> PageBatch:
        """The text of ``count`` pages from ``start`` (from 0), or PdfFailed."""
        batch: PageBatch = self._ask(("pages", str(path), start, count))
        return batch

    def annotations(self, path: str | Path) -> Any:
        """``extract.PdfAnnotation``s of a file in page order, or PdfFailed."""
        return self._ask(("annotations", str(path)))

    def prefetch(self, path: str | Path, start: int, count: int) -> None:
        """Ask for pages now and take the answer with the matching ``pages`` call later, so the
        child reads them while this process stores the previous ones (one request ahead)."""
        if self._pending is not None:
            return
        request = ("pages", str(path), start, count)
        try:
            self._send(request)
        except PdfFailed:
            return  # the real request will start a new child and say why
        self._pending = request

    def reset(self) -> None:
        """Forget answers asked for ahead (a cancelled run): the child is ended, a new one
        starts with the next request."""
        if self._pending is not None:
            self._pending = None
            self._stop()

    def release(self) -> None:
        """Close the file the child holds open (before it is moved or deleted elsewhere)."""
        if self._conn is not None:
            with contextlib.suppress(PdfFailed):
                self._ask(("close",))

    def _stop(self) -> None:
        self._pending = None
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)
            with contextlib.suppress(ValueError):
                process.close()

    def close(self) -> None:
        """End the child (it exits when its pipe closes; killed if it does not at once)."""
        self._pending = None
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        if process is not None:
            process.join(2)
            if process.is_alive():
                process.kill()
                process.join(5)
            with contextlib.suppress(ValueError):
                process.close()
