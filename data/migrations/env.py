"""Alembic environment: migrations run on a connection that data/migrate.py opens (and locks) for them.

``render_as_batch`` lets SQLite alter tables (it copies them); PostgreSQL alters in place.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through data.migrate (python -m data.manage migrate), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
