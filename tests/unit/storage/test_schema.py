"""The typed ORM mappings (schema.py) and the Core tables the app runs on (tables.py) agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import configure_mappers

from bibliofile.storage import schema, tables
from bibliofile.storage.library import Library


def test_every_column_has_its_typed_attribute_and_nothing_else() -> None:
    configure_mappers()
    mapped = {cls.__table__.name: cls for cls in schema.Base.__subclasses__()}  # type: ignore[attr-defined]
    assert set(mapped) == set(tables.metadata.tables)
    for name, cls in mapped.items():
        columns = {c.key for c in tables.metadata.tables[name].columns}
        assert set(cls.__annotations__) == columns, name


def test_the_mappings_share_the_tables_metadata() -> None:
    assert schema.Base.metadata is tables.metadata
    assert schema.ReferenceRow.__table__ is tables.references_t


def test_opening_a_current_library_does_not_import_the_orm(tmp_path: Path) -> None:
    """Launch time: the app's storage path stays on Core (ADR 0010); only an upgrade (Alembic)
    loads the ORM."""
    path = tmp_path / "lib.sqlite"
    Library.open(path).close()  # created and migrated here
    code = (
        "import sys; from bibliofile.storage.library import Library; "
        f"lib = Library.open({str(path)!r}); lib.search(''); lib.rows(lib.search(''), ['title']); lib.close(); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy.orm', 'alembic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
