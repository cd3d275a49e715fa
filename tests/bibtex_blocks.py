"""Comparing ``formats.bibtex_fast`` with bibtexparser's own splitter, block by block.

Shared by the corpus test and the property test, so "the same result" means one thing: the same
kinds of block in the same order, each with the same raw text and start line, entries with the
same type, key and fields (names, raw values, order and start lines), strings, preambles and
comments with the same values, failed blocks with the same reason; and ``read_bibtex`` giving the
same references, kept blocks and problems with and without the fast path.
"""

from __future__ import annotations

import logging
from typing import Any

from bibtexparser import model as bp
from bibtexparser.entrypoint import parse_string

from bibliofile.formats.bibtex_fast import Block, FastSplit, ScannedEntry, split_blocks
from bibliofile.formats.bibtex_reader import read_bibtex

# bibtexparser logs every block it cannot parse; the near-miss entries are many.
logging.getLogger("bibtexparser").disabled = True


def bibtexparser_blocks(text: str) -> list[bp.Block]:
    return list(parse_string(text, parse_stack=[]).blocks)


def fast_split(text: str) -> FastSplit:
    return split_blocks(text, bibtexparser_blocks)


def described(block: Block) -> list[Any]:
    """What a reader can see of a block, as plain data. A repeated entry key is unwrapped (the
    reader unwraps it; the fast path hands pieces to bibtexparser separately, so which of two
    entries with one key is "the repeat" is the reader's business, not the splitter's)."""
    if isinstance(block, bp.DuplicateBlockKeyBlock) and block.ignore_error_block is not None:
        block = block.ignore_error_block
    if isinstance(block, ScannedEntry):
        lines = block.field_lines()
        fields = [(k, v, line) for (k, v), line in zip(block.raw_fields, lines, strict=True)]
        return ["Entry", block.start_line, block.raw, block.entry_type, block.key, fields]
    out: list[Any] = [type(block).__name__, block.start_line, block.raw]
    inner = None
    if isinstance(block, bp.ParsingFailedBlock):
        out.append(getattr(block.error, "abort_reason", str(block.error)))
        inner = block.ignore_error_block
        if inner is not None:
            out += [type(inner).__name__, inner.start_line, inner.raw]
    for b in (block, inner):
        if isinstance(b, bp.Entry):
            out += [b.entry_type, b.key, [(f.key, f.value, f.start_line) for f in b.fields]]
        elif isinstance(b, bp.String):
            out += [b.key, b.value]
        elif isinstance(b, bp.Preamble):
            out.append(b.value)
        elif isinstance(b, bp.ExplicitComment | bp.ImplicitComment):
            out.append(b.comment)
    return out


def mismatch(text: str) -> str:
    """"" when the fast path gives bibtexparser's blocks and reader result for ``text``; else
    the first difference, in words."""
    expected = [described(b) for b in bibtexparser_blocks(text)]
    got = [described(b) for b in fast_split(text).blocks]
    if expected != got:
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            if e != g:
                return f"block {i}: bibtexparser {e!r}\n          fast path    {g!r}"
        return f"{len(expected)} blocks from bibtexparser, {len(got)} from the fast path"
    slow = read_bibtex(text, "x.bib", fast=False)
    quick = read_bibtex(text, "x.bib")
    if slow.problems != quick.problems:
        return f"problems differ:\n  {slow.problems}\n  {quick.problems}"
    if slow != quick:
        return "read_bibtex's items differ"
    return ""
