"""Large RIS and CSL-JSON files read in worker processes, in file-order batches.

The same scheme as the BibTeX import (``bibtex_reader.iter_bibtex_batches``): the text is cut at
record boundaries, worker processes read each piece and turn it into storage rows (``convert``),
and the caller stores batch N while batches N+1.. are read. RIS is cut just before a ``TY`` line
(cheap: a regex search near each cut). CSL-JSON is cut between items of the top-level array; the
items' extents come from ``json``'s C scanner in this process, and each piece is the original
text between its first and last item, so line numbers stay right. Anything else (a CSL-JSON
object, broken JSON, a small text) is read in one piece here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from bibliofile.formats.bibtex_reader import ReadResult, start_worker_pool
from bibliofile.formats.csl_json import read_csl_json
from bibliofile.formats.ris import read_ris
from bibliofile.model.problems import Problem
from bibliofile.model.reference import Reference

__all__ = ["iter_format_batches", "split_csl_json", "split_ris"]

SMALL_TEXT = 1_000_000
_TY = re.compile(r"\n(?=TY {0,3}-)")
_decoder = json.JSONDecoder()
# (text to read, file, first line, format, convert)
Job = tuple[str, str, int, str, "Callable[[list[Any]], Any]"]


def split_ris(text: str, pieces: int) -> list[tuple[int, int]]:
    """(start, end) offsets cutting the text just before a ``TY`` line, about ``pieces`` parts."""
    n = len(text)
    bounds = [0]
    step = max(n // max(pieces, 1), 1)
    for k in range(1, pieces):
        m = _TY.search(text, max(k * step, bounds[-1] + 1))
        if m is None:
            break
        if m.end() > bounds[-1]:
            bounds.append(m.end())
    bounds.append(n)
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def split_csl_json(text: str, per_piece: int) -> list[tuple[int, int]] | None:
    """(start, end) of runs of ``per_piece`` items of a top-level array; None when the text is
    not a plain array of items that decodes (then it is read in one piece, which reports why)."""
    pos = _skip(text, 0)
    if pos >= len(text) or text[pos] != "[":
        return None
    pos = _skip(text, pos + 1)
    out: list[tuple[int, int]] = []
    start = pos
    count = 0
    end = pos
    n = len(text)
    while pos < n and text[pos] != "]":
        try:
            _obj, end = _decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        count += 1
        if count == per_piece:
            out.append((start, end))
            count = 0
        pos = _skip(text, end)
        if pos < n and text[pos] == ",":
            pos = _skip(text, pos + 1)
            if count == 0:
                start = pos
        elif pos < n and text[pos] != "]":
            return None
    if pos >= n:
        return None
    if count:
        out.append((start, end))
    return out


def _skip(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n\ufeff":
        pos += 1
    return pos


def _read(job: Job) -> tuple[Any, list[Problem], int]:
    """A worker's job: read one piece, move its line numbers to the file's, convert the items."""
    text, file, first_line, fmt, convert = job
    result: ReadResult = read_ris(text, file) if fmt == "ris" else read_csl_json(text, file)
    shift = first_line - 1
    if shift:
        result.problems = [replace(p, line=p.line + shift) for p in result.problems]
        for item in result.items:
            if isinstance(item, Reference) and item.source is not None:
                item.source.line += shift
    return convert(result.items), result.problems, result.entries_in_file


def _warm_up() -> None:
    """Submitted first so the workers import the readers while this process cuts the text."""


def iter_format_batches(
    text: str, file: str, fmt: str, convert: Callable[[list[Any]], Any], workers: int = 2, batch: int = 2000
) -> Iterator[tuple[Any, list[Problem], int]]:
    """(convert(items), problems, records) per batch, in file order, for RIS or CSL-JSON text."""
    jobs: list[Job] = []
    if len(text) >= SMALL_TEXT and workers >= 1:
        if fmt == "ris":
            pieces = max(2, text.count("\nTY") // batch + 1)
            for a, b in split_ris(text, pieces):
                jobs.append((text[a:b], file, text.count("\n", 0, a) + 1, fmt, convert))
        elif fmt == "csl-json":
            spans = split_csl_json(text, batch)
            if spans is not None:
                line = 1
                last = 0
                for a, b in spans:
                    line += text.count("\n", last, a)
                    last = a
                    # The piece is the original text of its items, so its lines are the file's.
                    jobs.append(("[" + text[a:b] + "]", file, line, fmt, convert))
    if len(jobs) < 2:
        yield _read((text, file, 1, fmt, convert))
        return
    yield from _run(jobs, workers)


def _run(jobs: list[Job], workers: int) -> Iterator[tuple[Any, list[Problem], int]]:
    executor = start_worker_pool(workers, _warm_up)  # workers that die with this process
    if executor is None:
        for job in jobs:
            yield _read(job)
        return
    done = 0
    try:
        pending: list[Future[tuple[Any, list[Problem], int]]] = []
        submitted = 0
        while done < len(jobs):
            while submitted < len(jobs) and len(pending) < workers + 1:
                pending.append(executor.submit(_read, jobs[submitted]))
                submitted += 1
            try:
                result = pending.pop(0).result()
            except Exception:  # a broken pool (a killed worker): finish in this process
                for job in jobs[done:]:
                    yield _read(job)
                return
            done += 1
            yield result
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
