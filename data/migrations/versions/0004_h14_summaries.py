"""h14 summaries: ``kpi_coverage``, the stored coverage of the KPI observations the pages read (issue 14)

Creates ``kpi_coverage`` (one row per KPI, level, period and import: observation and valued counts) and fills it
from the observations already loaded, in the migration's transaction, so an upgraded database shows the same
freshness, periods and data date as before without waiting for its next import.

Revision ID: 0004_h14_summaries
Revises: 0003_h16_footprint
Created: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_h14_summaries"
down_revision: str | None = "0003_h16_footprint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = (
    "INSERT INTO kpi_coverage (kpi_id, level, period_start, period_end, import_id, observations, valued) "
    "SELECT kpi_id, level, period_start, period_end, max(import_id), count(*), count(value) FROM kpi_observation "
    "GROUP BY kpi_id, level, period_start, period_end"
)


def upgrade() -> None:
    """Apply this revision, skipping a table that exists (a database built by ``create_schema`` from the models)."""
    if "kpi_coverage" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "kpi_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=13), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("valued", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["import_log.id"]),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kpi_coverage_import_id", "kpi_coverage", ["import_id"], unique=False)
    op.create_index("ix_kpi_coverage_kpi_level_period", "kpi_coverage", ["kpi_id", "level", "period_start"],
                    unique=False)
    op.execute(FILL)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_kpi_coverage_kpi_level_period", table_name="kpi_coverage")
    op.drop_index("ix_kpi_coverage_import_id", table_name="kpi_coverage")
    op.drop_table("kpi_coverage")
