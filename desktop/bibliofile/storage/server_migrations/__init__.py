"""Alembic history of a server library's schema (issue 21), apart from the local file's."""
