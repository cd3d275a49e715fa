"""The searchable text of an HTML page or a plain-text file saved with a reference (issue 19).

Pure: bytes in, pages of text out. A plain-text file's pages are split at form feeds (what
``pdftotext`` and old line printers put between pages), else it is one page; an HTML page is one
page of its visible text (scripts, styles and markup dropped, entities decoded). Bytes are
decoded as the file says (a BOM, an HTML ``charset``), else UTF-8, else the guess of
charset-normalizer, so a Latin-1 page is still found by its words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bibliofile.formats.text_encoding import decode_bytes
from bibliofile.model.problems import UnreadableFileError

__all__ = ["MAX_TEXT_BYTES", "html_pages", "text_pages"]

MAX_TEXT_BYTES = 32 << 20  # read at most this much of one file (a larger one is cut, and says so)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})
_BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "pre", "blockquote", "td", "th"})


def _decode(data: bytes, declared: str = "") -> str:
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode_bytes(data, "")[0]
    except UnreadableFileError:  # binary bytes in a .txt: keep what decodes, searchable still
        return data.decode("utf-8", "replace")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\x00", "").splitlines())
    return "\n".join(line for line in lines if line)


def html_pages(data: bytes) -> list[str]:
    """The visible text of an HTML page, as one page."""
    m = _CHARSET.search(data[:4096])
    text = _decode(data, m.group(1).decode("ascii", "replace") if m else "")
    parser = _Visible()
    parser.feed(text)
    parser.close()
    return [_tidy("".join(parser.out))]


def text_pages(data: bytes) -> list[str]:
    """A plain-text file's pages (split at form feeds)."""
    text = _decode(data)
    return [_tidy(p) for p in text.split("\f")]
