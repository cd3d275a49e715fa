"""services.editing on a real library file: changed copies, one transaction per edit, undo."""

from __future__ import annotations

import pytest

from bibliofile.model import Creator, CreatorRole, Reference
from bibliofile.model.reference import SourceRecord
from bibliofile.services import editing
from bibliofile.storage.library import Library


def ref(title: str, **fields: str) -> Reference:
    return Reference(
        fields={"title": title, "date": "2008", **fields},
        creators=[Creator(family="Knox", given="Colin")],
        citation_key=f"knox:{title[:3].lower()}",
    )


def stored(library: Library, *refs: Reference) -> list[Reference]:
    ids = library.add_references(list(refs))
    return library.get_many(ids)


def test_set_field_returns_a_changed_copy() -> None:
    r = ref("Managing Urban Affairs", volume="3")
    r.source = SourceRecord("bibtex", "@article{x}", raw_fields=[("title", "{M}")])
    out = editing.set_field(r, "volume", " 4 ")
    assert out.fields["volume"] == "4"
    assert r.fields["volume"] == "3"
    assert out.fields is not r.fields and out.creators is not r.creators
    assert out.source is not r.source and out.source == r.source
    assert "volume" not in editing.set_field(r, "volume", "").fields
    assert editing.set_field(r, "citation_key", "knox2008").citation_key == "knox2008"
    assert editing.set_field(r, "doi", "https://doi.org/10.1017/X").fields["doi"] == "10.1017/X"
    assert editing.set_field(r, "title", "A  title\nwith a break").title == "A title with a break"
    assert editing.set_field(r, "abstract", "Line one\nLine two\n").fields["abstract"] == "Line one\nLine two"


def test_set_field_writes_unknown_fields_back_to_extra() -> None:
    r = ref("T")
    r.extra = {"mrnumber": "{123}"}
    out = editing.set_field(r, "mrnumber", "456")
    assert out.extra == {"mrnumber": "456"} and "mrnumber" not in out.fields
    assert editing.set_field(r, "mrnumber", "").extra == {}


def test_set_creators_and_type_copy() -> None:
    r = ref("T")
    who = [Creator.institution("World Health Organization"), Creator(CreatorRole.EDITOR, "Berg")]
    out = editing.set_creators(r, who)
    assert out.creators == who and r.creators == [Creator(family="Knox", given="Colin")]
    assert editing.set_item_type(r, "book").item_type == "book"
    assert r.item_type == "article-journal"
    with pytest.raises(ValueError, match="unknown item type"):
        editing.set_item_type(r, "no-such-type")


def test_apply_edit_persists_and_marks_edited(library: Library) -> None:
    (before,) = stored(library, ref("Original title"))
    assert not before.edited
    after = editing.set_field(before, "title", "Ærø — a new title")
    editing.apply_edit(library, before, after)
    again = library.get(before.id or 0)
    assert again.title == "Ærø — a new title"
    assert again.edited
    assert library.search("Ærø") == [before.id]
    # Undo: the reverse pair restores the old value.
    editing.apply_edit(library, after, before)
    restored = library.get(before.id or 0)
    assert restored.title == "Original title"
    assert not restored.edited  # back to the import: exported byte for byte again


def test_apply_edits_is_one_transaction_for_many(library: Library) -> None:
    refs = stored(library, ref("One"), ref("Two"), ref("Three"))
    pairs = editing.edit_all(refs, lambda r: editing.set_field(r, "publisher", "CUP"))
    assert len(pairs) == 3
    written = editing.apply_edits(library, pairs)
    assert written == [r.id for r in refs]
    assert [r.get("publisher") for r in library.get_many(written)] == ["CUP"] * 3


def test_apply_edits_rolls_back_all_on_failure(library: Library) -> None:
    refs = stored(library, ref("One"), ref("Two"))
    pairs = editing.edit_all(refs, lambda r: editing.set_field(r, "publisher", "CUP"))
    library.engine.dispose()
    with library.engine.begin() as conn:  # make the second update fail inside the transaction
        conn.exec_driver_sql(
            "CREATE TRIGGER no_two BEFORE UPDATE ON \"references\" WHEN NEW.title = 'Two' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(Exception, match="refused"):
        editing.apply_edits(library, pairs)
    assert [r.get("publisher") for r in library.get_many([r.id or 0 for r in refs])] == ["", ""]


def test_undo_merges_by_field(library: Library) -> None:
    """Undoing a title edit does not revert a volume edit stored in between."""
    (r0,) = stored(library, ref("Old", volume="1"))
    r1 = editing.set_field(r0, "title", "New")
    editing.apply_edit(library, r0, r1)
    r2 = editing.set_field(library.get(r0.id or 0), "volume", "2")
    editing.apply_edit(library, library.get(r0.id or 0), r2)
    editing.apply_edit(library, r1, r0)  # undo the title only
    now = library.get(r0.id or 0)
    assert (now.title, now.get("volume")) == ("Old", "2")


def test_apply_edit_skips_references_deleted_for_good(library: Library) -> None:
    (r,) = stored(library, ref("Gone"))
    with library.write() as uow:
        uow.purge([r.id or 0])
    assert editing.apply_edits(library, [(r, editing.set_field(r, "title", "x"))]) == []


def test_common_fields() -> None:
    a = ref("Same", volume="1", publisher="CUP")
    b = ref("Same", volume="2", publisher="CUP")
    c = ref("Same", volume="1")
    c.citation_key = "other"
    common = editing.common_fields([a, b, c])
    assert common["title"] == "Same"
    assert common["volume"] is None
    assert common["publisher"] is None  # missing in one counts as ""
    assert common["item_type"] == "article-journal"
    assert common["citation_key"] is None
    assert editing.common_fields([a, a])["publisher"] == "CUP"
    assert editing.common_fields([]) == {}
    assert editing.common_creators([a, b]) == a.creators
    assert editing.common_creators([a, editing.set_creators(b, [])]) is None


def test_fields_for_type_labels_and_choices() -> None:
    def labels(t: str) -> dict[str, str]:
        return {f.key: f.label for f in editing.fields_for_type(t)}

    art = labels("article-journal")
    assert art["container_title"] == "Journal"
    assert {"volume", "issue", "pages", "article_number", "doi"} <= set(art)
    assert "publisher" not in art
    book = labels("book")
    assert {"publisher", "publisher_place", "edition", "isbn", "number_of_pages"} <= set(book)
    assert "container_title" not in book
    assert labels("chapter")["container_title"] == "Book title"
    assert labels("thesis")["publisher"] == "University"
    assert {"genre", "publisher"} <= set(labels("thesis"))
    assert {"url", "accessed"} <= set(labels("webpage"))
    assert labels("no-such-type") == labels("document")


def test_visible_fields_never_hide_a_value() -> None:
    r = Reference(item_type="book", fields={"title": "T", "issue": "4", "citation_count": "12"})
    keys = [f.key for f in editing.visible_fields([r])]
    assert "issue" in keys and "citation_count" in keys and "publisher" in keys
    # Mixed types: union of both types' fields, plain labels.
    a = Reference(item_type="article-journal", fields={"title": "A"})
    labels = {f.key: f.label for f in editing.visible_fields([a, r])}
    assert labels["container_title"] == "Journal / book" and "publisher" in labels


def test_other_field_keys() -> None:
    r = Reference(fields={"title": "T", "journal": "J"}, extra={"mrnumber": "1"})
    assert editing.other_field_keys([r]) == ["journal", "mrnumber"]


def test_links() -> None:
    assert editing.doi_url("10.1000/182") == "https://doi.org/10.1000/182"
    assert editing.doi_url("doi:10.1000/a b") == "https://doi.org/10.1000/a%20b"
    assert editing.doi_url("") == ""
    assert editing.web_url("https://example.org/x") == "https://example.org/x"
    assert editing.web_url("www.example.org") == "https://www.example.org"
    assert editing.web_url("javascript:alert(1)") == ""
    assert editing.web_url("file:///etc/passwd") == ""


def test_inherited_fields_without_crossref_module(library: Library) -> None:
    (r,) = stored(library, ref("Chapter", crossref="parent"))
    assert editing.inherited_fields(library, r) == {}
