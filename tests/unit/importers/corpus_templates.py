"""The dashboard's own templates (``docs/templates/*.csv``) as corpus tables, for malformed and tricky-valid cases.

The templates are the project's own format, so their cases start from the files the project ships: each is
taken apart as a :class:`~tests.unit.importers.corpus.Table`, changed in one place, and written back. ``ORDER``
is the documented loading order on an empty database (each template builds on those before it).
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.importers.corpus import Table

TEMPLATES = Path(__file__).resolve().parents[3] / "docs" / "templates"
ORDER = ("areas", "providers", "register", "kpi_definitions", "kpi_targets", "kpi_plans", "kpi_observations",
         "finance", "activity", "milestones", "risks", "risk_reviews", "successors", "neighbourhoods",
         "pcn_catchments")
KEYS: dict[str, tuple[str, ...]] = {  # the columns that identify a record of each template
    "areas": ("code", "level"), "providers": ("provider_code",), "register": ("initiative_code",),
    "kpi_definitions": ("kpi_code",), "kpi_targets": ("kpi_code",),
    "kpi_plans": ("kpi_code", "area_level", "area_code", "period"),
    "kpi_observations": ("kpi_code", "area_level", "area_code", "period"),
    "finance": ("initiative_code", "financial_year", "scenario", "recurrent"),
    "activity": ("initiative_code", "financial_year", "point_of_delivery", "scenario"),
    "milestones": ("initiative_code", "milestone_code"), "risks": ("risk_code",),
    "risk_reviews": ("risk_code", "review_date"), "successors": ("predecessor_code", "level"),
    "neighbourhoods": ("member_code", "member_level"), "pcn_catchments": ("lsoa_code",),
}
REPEAT_ACCEPTED = {"pcn_catchments"}  # an exact repeat of a row is accepted (and loaded once); a clash is refused
ALIASES: dict[str, dict[str, str]] = {  # template header -> another accepted header, per template
    "areas": {"level": "Area type", "code": "Area code", "name": "Area name", "parent_code": "Parent"},
    "providers": {"provider_code": "Trust code", "name": "Trust name", "system_code": "ICB code"},
    "register": {"workstream_code": "Workstream", "initiative_code": "Scheme code", "owner": "SRO"},
    "kpi_definitions": {"kpi_code": "KPI", "polarity": "Improvement direction", "levels": "Reported at"},
    "kpi_targets": {"kpi_code": "KPI", "target_value": "Target"},
    "kpi_plans": {"kpi_code": "KPI code", "area_level": "Area level", "value": "Trajectory"},
    "kpi_observations": {"kpi_code": "KPI Code", "area_level": "Area Level", "area_code": "Area Code",
                         "lower_ci": "LCL", "upper_ci": "UCL"},
    "finance": {"initiative_code": "Scheme code", "financial_year": "FY", "investment": "Cost"},
    "activity": {"point_of_delivery": "POD", "change": "Activity change", "evidence_kpi_code": "Evidence KPI"},
    "milestones": {"milestone_code": "Milestone ID", "planned_date": "Due date", "actual_date": "Completion date"},
    "risks": {"risk_code": "Risk ref", "likelihood": "Inherent likelihood", "revised_impact": "Residual impact"},
    "risk_reviews": {"review_date": "Reviewed", "revised_likelihood": "Likelihood after"},
    "successors": {"level": "Organisation type", "predecessor_code": "Old code", "successor_code": "New code",
                   "effective_date": "Merger date"},
    "neighbourhoods": {"neighbourhood_code": "Neighbourhood", "neighbourhood_name": "Name",
                       "place_code": "Borough code", "member_level": "Member type", "member_code": "Member"},
    "pcn_catchments": {"lsoa_code": "LSOA11CD", "pcn_code": "PCN_ODS_CODE"},
}


def template_file(source: str) -> str:
    """The file name of ``source``'s template."""
    return f"{source}.csv"


def template_table(source: str) -> Table:
    """``source``'s template as shipped, taken apart."""
    return Table.parse((TEMPLATES / template_file(source)).read_bytes())
