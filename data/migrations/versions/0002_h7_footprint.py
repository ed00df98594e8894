"""h7 footprint: status and ODS parents of practices and PCNs, system members, link corrections, successors,
summable KPIs and derived (rolled-up) observations (issue 16)

Revision ID: 0002_h7_footprint
Revises: 0001
Created: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_h7_footprint"
down_revision: str | None = "0002_h6_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    """Apply this revision (skipping what exists: a database made before migrations by ``create_schema`` from
    these models already has it, and is stamped with the baseline first)."""
    tables = _tables()
    if 'area_member' not in tables:
        op.create_table('area_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('member_level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('parent_level', 'parent_code', 'member_level', 'member_code', name='uq_area_member')
        )
    if 'area_member' not in tables:
        with op.batch_alter_table('area_member', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_area_member_import_id'), ['import_id'], unique=False)

    if 'link_correction' not in tables:
        op.create_table('link_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('borough_code', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
        sa.Column('pcn_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column('detach', sa.Boolean(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('level', 'code', name='uq_link_correction_level_code')
        )
    if 'link_correction' not in tables:
        with op.batch_alter_table('link_correction', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_link_correction_import_id'), ['import_id'], unique=False)

    if 'org_successor' not in tables:
        op.create_table('org_successor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=9), nullable=False),
        sa.Column('predecessor_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('successor_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('level', 'predecessor_code', name='uq_org_successor_level_predecessor')
        )
    if 'org_successor' not in tables:
        with op.batch_alter_table('org_successor', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_org_successor_import_id'), ['import_id'], unique=False)
            batch_op.create_index('ix_org_successor_successor', ['level', 'successor_code'], unique=False)

    # plain ADD COLUMN (SQLite can add a NOT NULL column with a default in place): a batch copy would drop and
    # rename kpi, which other tables reference, and fail its foreign keys
    if 'summable' not in _columns('kpi'):
        op.add_column('kpi', sa.Column('summable', sa.Boolean(), server_default=sa.true(), nullable=False))
    if 'derived' not in _columns('kpi_observation'):
        op.add_column('kpi_observation', sa.Column('derived', sa.Boolean(), server_default=sa.false(),
                                                   nullable=False))

    existing = _columns('pcn')
    with op.batch_alter_table('pcn', schema=None) as batch_op:
        if 'sub_icb_code' not in existing:
            batch_op.add_column(sa.Column('sub_icb_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                          nullable=True))
        if 'open_date' not in existing:
            batch_op.add_column(sa.Column('open_date', sa.Date(), nullable=True))
        if 'close_date' not in existing:
            batch_op.add_column(sa.Column('close_date', sa.Date(), nullable=True))

    existing = _columns('practice')
    with op.batch_alter_table('practice', schema=None) as batch_op:
        if 'status' not in existing:
            batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True))
        if 'commissioner_code' not in existing:
            batch_op.add_column(sa.Column('commissioner_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                          nullable=True))
        if 'parent_ods_code' not in existing:
            batch_op.add_column(sa.Column('parent_ods_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                          nullable=True))



def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('parent_ods_code')
        batch_op.drop_column('commissioner_code')
        batch_op.drop_column('status')

    with op.batch_alter_table('pcn', schema=None) as batch_op:
        batch_op.drop_column('close_date')
        batch_op.drop_column('open_date')
        batch_op.drop_column('sub_icb_code')

    with op.batch_alter_table('kpi_observation', schema=None) as batch_op:
        batch_op.drop_column('derived')

    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_column('summable')

    with op.batch_alter_table('org_successor', schema=None) as batch_op:
        batch_op.drop_index('ix_org_successor_successor')
        batch_op.drop_index(batch_op.f('ix_org_successor_import_id'))

    op.drop_table('org_successor')
    with op.batch_alter_table('link_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_correction_import_id'))

    op.drop_table('link_correction')
    with op.batch_alter_table('area_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_member_import_id'))

    op.drop_table('area_member')
