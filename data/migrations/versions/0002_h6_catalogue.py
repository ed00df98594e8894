"""h6 catalogue: published indicators (KPI origin, nullable initiative, breakdowns, binding), providers, sites

Revision ID: 0002_h6_catalogue
Revises: 0001
Created: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_h6_catalogue"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision; tolerant of a database whose tables ``create_all`` already made from newer models
    (the demo builder creates the schema directly; the app then stamps the baseline and upgrades)."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "practice_site" not in tables:
        _create_practice_site()
    if "provider" not in tables:
        _create_provider()
    kpi_columns = {c["name"]: c for c in inspector.get_columns("kpi")}
    columns = [
        sa.Column('origin', sa.String(length=9), server_default='register', nullable=False),
        sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('indicator_id', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column('period_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column('age', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column('category_type', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    ]
    missing = [c for c in columns if c.name not in kpi_columns]
    if not missing and kpi_columns["initiative_id"]["nullable"]:
        return
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the batch copy drops and renames kpi, which other tables reference
        _sqlite_pragma("foreign_keys = OFF")
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        for column in missing:
            batch_op.add_column(column)
        batch_op.alter_column('initiative_id', existing_type=sa.INTEGER(), nullable=True)
    if sqlite:
        _sqlite_pragma("foreign_keys = ON")


def _sqlite_pragma(pragma: str) -> None:
    """Run a PRAGMA that SQLite ignores inside a transaction: commit the work so far first (SQLite only)."""
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA {pragma}")


def _create_practice_site() -> None:
    op.create_table('practice_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('practice_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name='ck_practice_site_latitude'),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name='ck_practice_site_longitude'),
    sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('practice_site', schema=None) as batch_op:
        batch_op.create_index('ix_practice_site_practice', ['practice_code'], unique=False)


def _create_provider() -> None:
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name='ck_provider_latitude'),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name='ck_provider_longitude'),
    sa.ForeignKeyConstraint(['system_id'], ['health_system.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_system_id'), ['system_id'], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.alter_column('initiative_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('category')
        batch_op.drop_column('category_type')
        batch_op.drop_column('age')
        batch_op.drop_column('sex')
        batch_op.drop_column('period_type')
        batch_op.drop_column('indicator_id')
        batch_op.drop_column('publisher')
        batch_op.drop_column('indicator_code')
        batch_op.drop_column('origin')

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_system_id'))

    op.drop_table('provider')
    with op.batch_alter_table('practice_site', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_site_practice')

    op.drop_table('practice_site')
    # ### end Alembic commands ###
