"""Alembic environment of a server library: run by ``storage/server.py`` on its own connection.

Its own version table (``bibliofile_server_version``) and its own history, so the local file's
revisions (``migrations/``) never have to account for the server's, and the other way round.
"""

from __future__ import annotations

from alembic import context

from bibliofile.storage.server_tables import VERSION_TABLE, server_metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` CLI during development: use the URL from the ini
        from sqlalchemy import create_engine

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("set sqlalchemy.url to a development PostgreSQL database")
        with create_engine(url).begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=server_metadata,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
