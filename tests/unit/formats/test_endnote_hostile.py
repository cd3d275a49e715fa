"""EndNote XML that no EndNote wrote: very deep nesting, many records (issue 14).

Work is measured by counting the characters scanned for line numbers, never by the clock.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from bibliofile.formats.endnote_xml import read_endnote_xml
from bibliofile.model.reference import Reference

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n<records>\n'
TAIL = "</records>\n</xml>\n"


def _refs(text: str, file: str) -> tuple[list[Reference], list[str], list[int]]:
    """References read, and the problems' messages and lines."""
    result = read_endnote_xml(text, file)
    refs = [r for r in result.items if isinstance(r, Reference)]
    assert len(refs) == len(result.items)
    assert all(p.file == file for p in result.problems)
    return refs, [p.message for p in result.problems], [p.line for p in result.problems]


def _record(title: str, extra_lines: int = 0) -> str:
    padding = "\n" * extra_lines
    return (
        '<record><ref-type name="Journal Article">17</ref-type>\n'
        f"<contributors><authors><author>Okafor, Ada</author></authors></contributors>{padding}\n"
        f"<titles><title>{title}</title></titles><dates><year>2019</year></dates>\n</record>\n"
    )


def test_a_record_nested_a_thousand_deep_is_read_and_reported_by_line() -> None:
    deep = "<style>" * 1000 + "Deep title" + "</style>" * 1000
    text = HEAD + _record("First") + _record(deep) + _record("Last") + TAIL
    refs, messages, lines = _refs(text, "deep.xml")
    assert [r.fields["title"] for r in refs] == ["First", "Deep title", "Last"]
    deep_line = 4 + _record("First").count("\n")  # HEAD is three lines
    assert lines == [deep_line]
    assert "nested 100" in messages[0] and "levels deep" in messages[0]
    kept = ET.fromstring(refs[1].source.text if refs[1].source else "")
    assert "".join(kept.itertext()).count("Deep title") == 1


def test_a_file_deeper_than_python_recursion_outside_records_does_not_crash() -> None:
    text = "<xml><records>" + "<a>" * 20000 + "</a>" * 20000 + _record("Kept") + "</records></xml>"
    refs, _, _ = _refs(text, "junk.xml")
    assert [r.fields["title"] for r in refs] == ["Kept"]


class ScanCountingText(str):
    """A text that counts how many characters ``count`` scans (the line-number work)."""

    scanned = 0

    def count(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        lo = 0 if start is None else start
        hi = len(self) if end is None else end
        ScanCountingText.scanned += max(0, hi - lo)
        return super().count(sub, start, end)


def test_line_numbers_are_right_and_found_in_one_pass() -> None:
    records = [_record(f"Title {n}", extra_lines=n % 4) for n in range(400)]
    expected_lines = []
    line = HEAD.count("\n") + 1
    for rec in records:
        expected_lines.append(line)
        line += rec.count("\n")
    text = ScanCountingText(HEAD + "".join(records) + TAIL)
    ScanCountingText.scanned = 0
    refs, _, _ = _refs(text, "many.xml")
    assert [r.source.line if r.source else 0 for r in refs] == expected_lines
    # Counting from the start for every record scans ~ records * size / 2 (80x the size here).
    assert ScanCountingText.scanned <= 2 * len(text)


_TEXT = st.text(alphabet=st.sampled_from(list('ab &<>"\'\n\r\té')), max_size=12)


@settings(max_examples=150, deadline=None)
@given(title=_TEXT, attr=_TEXT, tail=_TEXT, empty=st.booleans(), depth=st.sampled_from([0, 80]))
def test_kept_record_text_is_what_elementtree_writes(title: str, attr: str, tail: str, empty: bool, depth: int) -> None:
    """The record's kept text is ElementTree's, also where the reader writes it itself (a record
    deeper than EndNote writes: 80 levels here, which ElementTree can still write to compare)."""
    record = ET.Element("record")
    ET.SubElement(record, "ref-type", {"name": "Journal Article"}).text = "17"
    titles = ET.SubElement(record, "titles")
    for _ in range(depth):
        titles = ET.SubElement(titles, "style")
    t = ET.SubElement(titles, "title", {"face": attr})
    t.text = title
    t.tail = tail
    if empty:
        ET.SubElement(record, "urls")
    root = ET.Element("xml")
    ET.SubElement(root, "records").append(record)
    text = ET.tostring(root, encoding="unicode")
    parsed_record = ET.fromstring(text).find("records/record")
    assert parsed_record is not None
    [ref], _, _ = _refs(text, "x.xml")
    assert ref.source is not None
    assert ref.source.text == ET.tostring(parsed_record, encoding="unicode")
