"""h16 footprint: neighbourhoods (2025 guidance) and a ``neighbourhood`` area level (issue 16)

Creates ``neighbourhood`` and ``neighbourhood_member`` and widens the area-level columns to 13 characters for the
new level ``neighbourhood``. On PostgreSQL that is ``ALTER COLUMN ... TYPE`` (a metadata change for a wider
VARCHAR). SQLite does not enforce string lengths and would rebuild (batch-copy) the big ``kpi_observation`` table
to change a declared type, so there the declared type is rewritten in the schema text instead: the documented
``writable_schema`` procedure for changes that leave the stored format alone (VARCHAR(9) and VARCHAR(13) both
have TEXT affinity), with the schema version bumped so every connection re-reads it.

Revision ID: 0003_h16_footprint
Revises: 0002_h5_revocation
Created: 2026-12-02
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_h16_footprint"
down_revision: str | None = "0002_h5_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVEL_COLUMNS = (("boundary", "level"), ("kpi_observation", "level"), ("kpi_plan", "level"),
                 ("org_successor", "level"), ("kpi_area_level", "level"))
LEVEL_LENGTH = 13  # len("neighbourhood")


def upgrade() -> None:
    """Apply this revision, skipping what exists (a database built by ``create_schema`` from these models)."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    if "neighbourhood" not in tables:
        op.create_table(
            "neighbourhood",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
            sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
            sa.Column("borough_code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
            sa.Column("import_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(["import_id"], ["import_log.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("code"),
        )
        op.create_index("ix_neighbourhood_import_id", "neighbourhood", ["import_id"], unique=False)
    if "neighbourhood_member" not in tables:
        op.create_table(
            "neighbourhood_member",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("neighbourhood_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
            sa.Column("member_level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
            sa.Column("member_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
            sa.Column("import_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(["import_id"], ["import_log.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("member_level", "member_code", name="uq_neighbourhood_member"),
        )
        op.create_index("ix_neighbourhood_member_import_id", "neighbourhood_member", ["import_id"], unique=False)
        op.create_index("ix_neighbourhood_member_neighbourhood_code", "neighbourhood_member",
                        ["neighbourhood_code"], unique=False)
    if bind.dialect.name == "sqlite":
        _widen_sqlite(bind, tables)
        return
    for table, column in LEVEL_COLUMNS:
        if table not in tables:
            continue
        found = {c["name"]: c for c in inspector.get_columns(table)}.get(column)
        length = getattr(found["type"], "length", None) if found else None
        if length is not None and length < LEVEL_LENGTH:
            op.alter_column(table, column, type_=sa.String(LEVEL_LENGTH), existing_type=sa.String(length))


def _widen_sqlite(bind: sa.engine.Connection, tables: set[str]) -> None:
    """Rewrite ``level VARCHAR(n)`` (n < 13) as ``level VARCHAR(13)`` in the stored CREATE TABLE text."""
    names = [t for t, _ in LEVEL_COLUMNS if t in tables]
    rows = bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ("
                                + ", ".join(f"'{n}'" for n in names) + ")")).all()
    changed = {name: re.sub(r"\blevel VARCHAR\((\d)\)", f"level VARCHAR({LEVEL_LENGTH})", sql)
               for name, sql in rows}
    changed = {n: s for n, s in changed.items() if s != dict(rows)[n]}
    if not changed:
        return
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    for name, sql in changed.items():
        bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
                     {"sql": sql, "name": name})
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def downgrade() -> None:
    """Revert this revision (the widened level columns are left wide: narrowing could cut stored values)."""
    op.drop_table("neighbourhood_member")
    op.drop_table("neighbourhood")
