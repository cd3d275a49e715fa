"""EndNote XML through defusedxml: fields, and a billion-laughs file refused with a message."""

from __future__ import annotations

from bibliofile.formats.detect import detect_format
from bibliofile.formats.endnote_xml import REFUSED_ENTITIES, read_endnote_xml
from bibliofile.model.creators import Creator, CreatorRole
from bibliofile.model.reference import Reference

XML = """<?xml version="1.0" encoding="UTF-8"?>
<xml><records>
<record><database name="My.enl">My.enl</database><ref-type name="Journal Article">17</ref-type>
<contributors><authors><author><style face="normal" font="default" size="100%">Knox, Colin</style></author>
<author>van der Berg, Hans</author></authors></contributors>
<titles><title><style face="normal">Public services </style><style face="italic">reform</style></title>
<secondary-title>Int. Rev. Adm. Sci.</secondary-title></titles>
<pages>477-496</pages><volume>74</volume><number>3</number>
<keywords><keyword>governance</keyword><keyword>reform</keyword></keywords>
<dates><year>2008</year><pub-dates><date>Sep 1</date></pub-dates></dates>
<isbn>0020-8523</isbn><electronic-resource-num>10.1177/0020852308095313</electronic-resource-num>
<urls><related-urls><url>https://example.org/a</url></related-urls></urls>
<abstract>An abstract.</abstract><accession-num>A1</accession-num>
</record>
<record><ref-type name="Book Section">5</ref-type><contributors><authors><author>Ostrom, Elinor</author></authors>
<secondary-authors><author>Editor, Eve</author></secondary-authors></contributors>
<titles><title>Chapter</title><secondary-title>The Book</secondary-title></titles>
<dates><year>1990</year></dates><isbn>978-3-16-148410-0</isbn></record>
</records></xml>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><records><record><titles><title>&lol9;</title></titles></record></records></xml>
"""


def test_reads_records_with_lines() -> None:
    result = read_endnote_xml(XML, "lib.xml")
    assert result.problems == []
    a, b = result.items
    assert isinstance(a, Reference) and isinstance(b, Reference)
    assert a.item_type == "article-journal"
    assert a.creators == [Creator(family="Knox", given="Colin"), Creator(family="Berg", given="Hans", particle="van der")]
    assert a.fields == {
        "title": "Public services reform",
        "container_title": "Int. Rev. Adm. Sci.",
        "pages": "477-496",
        "volume": "74",
        "issue": "3",
        "issn": "0020-8523",
        "doi": "10.1177/0020852308095313",
        "url": "https://example.org/a",
        "abstract": "An abstract.",
        "keywords": "governance; reform",
        "date": "2008-09-01",
    }
    assert a.extra == {"endnote:accession-num": "A1"}
    assert b.item_type == "chapter" and b.fields["isbn"] == "978-3-16-148410-0"
    assert Creator(role=CreatorRole.EDITOR, family="Editor", given="Eve") in b.creators
    assert [r.source.line for r in (a, b) if r.source] == [3, 15]
    assert detect_format(XML) == "endnote"


def test_billion_laughs_is_refused_with_a_message() -> None:
    result = read_endnote_xml(BILLION_LAUGHS, "evil.xml")
    assert result.items == []
    assert [str(p) for p in result.problems] == [f"evil.xml:1: {REFUSED_ENTITIES}"]


def test_external_entity_is_refused() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><records><record><titles><title>&e;</title></titles></record></records></xml>'
    result = read_endnote_xml(evil, "x.xml")
    assert result.items == [] and "nothing was imported" in result.problems[0].message


def test_broken_xml_says_where() -> None:
    result = read_endnote_xml("<xml><records>\n<record><titles></record>\n", "b.xml")
    assert result.items == []
    assert result.problems[0].line == 2 and "not well-formed" in result.problems[0].message
