"""baseline: the schema as first released

Revision ID: 0001
Revises:
Created: 2026-11-23 (the schema as it stood when migrations were introduced; databases made earlier are stamped with it)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=9), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
        sa.Column("display_wkb", sa.LargeBinary(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("vintage", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("level", "code", "vintage", name="uq_boundary_level_code_vintage"),
    )
    with op.batch_alter_table("boundary", schema=None) as batch_op:
        batch_op.create_index("ix_boundary_level_vintage", ["level", "vintage"], unique=False)

    op.create_table(
        "health_system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("ons_code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("ons_code"),
    )
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("error_report", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.create_index("ix_import_log_source_sha256", ["source", "sha256"], unique=False)

    op.create_table(
        "workstream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "borough",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["health_system.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("borough", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_borough_system_id"), ["system_id"], unique=False)

    op.create_table(
        "lsoa_deprivation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lsoa_code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("vintage", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("lsoa_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("lad_code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
        sa.Column("lad_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("imd_rank", sa.Integer(), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("income_rank", sa.Integer(), nullable=True),
        sa.Column("income_decile", sa.Integer(), nullable=True),
        sa.Column("employment_rank", sa.Integer(), nullable=True),
        sa.Column("employment_decile", sa.Integer(), nullable=True),
        sa.Column("education_rank", sa.Integer(), nullable=True),
        sa.Column("education_decile", sa.Integer(), nullable=True),
        sa.Column("health_rank", sa.Integer(), nullable=True),
        sa.Column("health_decile", sa.Integer(), nullable=True),
        sa.Column("crime_rank", sa.Integer(), nullable=True),
        sa.Column("crime_decile", sa.Integer(), nullable=True),
        sa.Column("housing_rank", sa.Integer(), nullable=True),
        sa.Column("housing_decile", sa.Integer(), nullable=True),
        sa.Column("living_environment_rank", sa.Integer(), nullable=True),
        sa.Column("living_environment_decile", sa.Integer(), nullable=True),
        sa.Column("population_total", sa.Integer(), nullable=True),
        sa.Column("population_0_15", sa.Integer(), nullable=True),
        sa.Column("population_16_59", sa.Integer(), nullable=True),
        sa.Column("population_60_plus", sa.Integer(), nullable=True),
        sa.Column("population_working_age", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lsoa_code", "vintage", name="uq_lsoa_deprivation_lsoa_vintage"),
    )
    with op.batch_alter_table("lsoa_deprivation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lsoa_deprivation_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_lsoa_deprivation_lad", ["lad_code"], unique=False)

    op.create_table(
        "pcn_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("pcn_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("practice_code", "pcn_code", "start_date", name="uq_pcn_membership_practice_pcn_start"),
    )
    with op.batch_alter_table("pcn_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pcn_membership_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_pcn_membership_pcn", ["pcn_code"], unique=False)

    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("workstream_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("borough_id", sa.Integer(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["borough_id"],
            ["borough.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workstream_id"],
            ["workstream.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_borough_id"), ["borough_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_initiative_workstream_id"), ["workstream_id"], unique=False)

    op.create_table(
        "pcn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("borough_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["borough_id"],
            ["borough.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("pcn", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pcn_borough_id"), ["borough_id"], unique=False)

    op.create_table(
        "finance_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=6), nullable=False),
        sa.Column("recurrent", sa.Boolean(), nullable=False),
        sa.Column("investment", sa.Float(), nullable=False),
        sa.Column("gross_saving", sa.Float(), nullable=False),
        sa.Column("net_saving", sa.Float(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("financial_year BETWEEN 2000 AND 2100", name="ck_finance_line_year"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("initiative_id", "financial_year", "scenario", "recurrent", name="uq_finance_line_natural"),
    )
    with op.batch_alter_table("finance_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finance_line_initiative_id"), ["initiative_id"], unique=False)

    op.create_table(
        "kpi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("numerator_definition", sa.Text(), nullable=True),
        sa.Column("denominator_definition", sa.Text(), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("value_type", sa.String(length=18), nullable=False),
        sa.Column("multiplier", sa.Float(), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("counts_people", sa.Boolean(), nullable=False),
        sa.Column("caveats", sa.Text(), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_period", sa.Date(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("validation_date", sa.Date(), nullable=True),
        sa.CheckConstraint("multiplier > 0", name="ck_kpi_multiplier"),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_initiative_id"), ["initiative_id"], unique=False)

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("borough_id", sa.Integer(), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("actual_date", sa.Date(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["borough_id"],
            ["borough.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("initiative_id", "code", name="uq_milestone_initiative_code"),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_borough_id"), ["borough_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_initiative_id"), ["initiative_id"], unique=False)

    op.create_table(
        "practice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("pcn_id", sa.Integer(), nullable=True),
        sa.Column("borough_id", sa.Integer(), nullable=True),
        sa.Column("open_date", sa.Date(), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="ck_practice_latitude"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="ck_practice_longitude"),
        sa.ForeignKeyConstraint(
            ["borough_id"],
            ["borough.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pcn_id"],
            ["pcn.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_borough_id"), ["borough_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_pcn_id"), ["pcn_id"], unique=False)

    op.create_table(
        "activity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("point_of_delivery", sa.String(length=20), nullable=False),
        sa.Column("scenario", sa.String(length=6), nullable=False),
        sa.Column("change", sa.Float(), nullable=False),
        sa.Column("evidence_kpi_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_kpi_id"],
            ["kpi.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "initiative_id", "financial_year", "point_of_delivery", "scenario", name="uq_activity_change_natural"
        ),
    )
    with op.batch_alter_table("activity_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_change_initiative_id"), ["initiative_id"], unique=False)

    op.create_table(
        "care_home",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cqc_location_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("care_type", sa.String(length=11), nullable=False),
        sa.Column("cqc_rating", sa.String(length=20), nullable=False),
        sa.Column("rating_date", sa.Date(), nullable=True),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("borough_id", sa.Integer(), nullable=False),
        sa.Column("pcn_id", sa.Integer(), nullable=True),
        sa.Column("aligned_practice_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("beds >= 0", name="ck_care_home_beds"),
        sa.ForeignKeyConstraint(
            ["aligned_practice_id"],
            ["practice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["borough_id"],
            ["borough.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pcn_id"],
            ["pcn.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cqc_location_id"),
    )
    with op.batch_alter_table("care_home", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_home_borough_id"), ["borough_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_home_pcn_id"), ["pcn_id"], unique=False)

    op.create_table(
        "kpi_area_level",
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["kpi.id"],
        ),
        sa.PrimaryKeyConstraint("kpi_id", "level"),
    )
    op.create_table(
        "kpi_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=9), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("lower_ci", sa.Float(), nullable=True),
        sa.Column("upper_ci", sa.Float(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("denominator IS NULL OR denominator >= 0", name="ck_kpi_observation_denominator"),
        sa.CheckConstraint("period_end >= period_start", name="ck_kpi_observation_period"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["kpi.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "kpi_id", "level", "area_code", "period_start", name="uq_kpi_observation_kpi_level_area_period"
        ),
    )
    with op.batch_alter_table("kpi_observation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_observation_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_kpi_observation_kpi_level_period", ["kpi_id", "level", "period_start"], unique=False)

    op.create_table(
        "kpi_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=9), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["kpi.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kpi_id", "level", "area_code", "period_start", name="uq_kpi_plan_kpi_level_area_period"),
    )
    with op.batch_alter_table("kpi_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_plan_import_id"), ["import_id"], unique=False)

    op.create_table(
        "practice_list_size",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("extract_date", sa.Date(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.CheckConstraint("patients >= 0", name="ck_practice_list_size_patients"),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("practice_id", "extract_date", name="uq_practice_list_size_practice_date"),
    )
    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("workstream_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("kpi_id", sa.Integer(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=True),
        sa.Column("revised_likelihood", sa.Integer(), nullable=False),
        sa.Column("revised_impact", sa.Integer(), nullable=False),
        sa.Column("escalation", sa.String(length=6), nullable=False),
        sa.Column("raised_date", sa.Date(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="ck_risk_impact"),
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name="ck_risk_likelihood"),
        sa.CheckConstraint("revised_impact BETWEEN 1 AND 5", name="ck_risk_revised_impact"),
        sa.CheckConstraint("revised_likelihood BETWEEN 1 AND 5", name="ck_risk_revised_likelihood"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_log.id"],
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["kpi.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workstream_id"],
            ["workstream.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_initiative_id"), ["initiative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_workstream_id"), ["workstream_id"], unique=False)

    op.create_table(
        "risk_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("revised_likelihood", sa.Integer(), nullable=False),
        sa.Column("revised_impact", sa.Integer(), nullable=False),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="ck_risk_review_impact"),
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name="ck_risk_review_likelihood"),
        sa.CheckConstraint("revised_impact BETWEEN 1 AND 5", name="ck_risk_review_revised_impact"),
        sa.CheckConstraint("revised_likelihood BETWEEN 1 AND 5", name="ck_risk_review_revised_likelihood"),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["risk.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("risk_id", "review_date", name="uq_risk_review_risk_date"),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("risk_review")
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_workstream_id"))
        batch_op.drop_index(batch_op.f("ix_risk_initiative_id"))

    op.drop_table("risk")
    op.drop_table("practice_list_size")
    with op.batch_alter_table("kpi_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_plan_import_id"))

    op.drop_table("kpi_plan")
    with op.batch_alter_table("kpi_observation", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_observation_kpi_level_period")
        batch_op.drop_index(batch_op.f("ix_kpi_observation_import_id"))

    op.drop_table("kpi_observation")
    op.drop_table("kpi_area_level")
    with op.batch_alter_table("care_home", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_home_pcn_id"))
        batch_op.drop_index(batch_op.f("ix_care_home_borough_id"))

    op.drop_table("care_home")
    with op.batch_alter_table("activity_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_change_initiative_id"))

    op.drop_table("activity_change")
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_pcn_id"))
        batch_op.drop_index(batch_op.f("ix_practice_borough_id"))

    op.drop_table("practice")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_borough_id"))

    op.drop_table("milestone")
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_initiative_id"))

    op.drop_table("kpi")
    with op.batch_alter_table("finance_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_line_initiative_id"))

    op.drop_table("finance_line")
    with op.batch_alter_table("pcn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pcn_borough_id"))

    op.drop_table("pcn")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_workstream_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_borough_id"))

    op.drop_table("initiative")
    with op.batch_alter_table("pcn_membership", schema=None) as batch_op:
        batch_op.drop_index("ix_pcn_membership_pcn")
        batch_op.drop_index(batch_op.f("ix_pcn_membership_import_id"))

    op.drop_table("pcn_membership")
    with op.batch_alter_table("lsoa_deprivation", schema=None) as batch_op:
        batch_op.drop_index("ix_lsoa_deprivation_lad")
        batch_op.drop_index(batch_op.f("ix_lsoa_deprivation_import_id"))

    op.drop_table("lsoa_deprivation")
    with op.batch_alter_table("borough", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_borough_system_id"))

    op.drop_table("borough")
    op.drop_table("workstream")
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.drop_index("ix_import_log_source_sha256")

    op.drop_table("import_log")
    op.drop_table("health_system")
    with op.batch_alter_table("boundary", schema=None) as batch_op:
        batch_op.drop_index("ix_boundary_level_vintage")

    op.drop_table("boundary")
