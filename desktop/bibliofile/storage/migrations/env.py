"""Alembic environment: always run programmatically on a connection the Library hands over."""

from __future__ import annotations

from alembic import context

from bibliofile.storage.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` CLI during development: use the URL from the ini
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        include_object=lambda obj, name, type_, reflected, compare_to: not (
            name or ""
        ).startswith("reference_fts"),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
