"""Synthetic programme delivery: finance and activity plans and actuals, milestones, and the risk register.

Shaped like the STP plans: investment and gross savings by initiative and financial year 2016/17 to 2023/24
(recurrent and non-recurrent), activity change by point of delivery, the CHIN/QIST roll-out borough by borough
quarter by quarter with owners, and a dozen risks scored likelihood × impact (1-25) with quarterly reviews.
Pure: a generator in, DataFrames out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from data.demo.spec import BOROUGH_INITIATIVES, INITIATIVES, NCL_BOROUGHS
from models import Escalation, PointOfDelivery, Scenario

FIRST_YEAR, LAST_YEAR = 2016, 2023  # financial years 2016/17 to 2023/24

# initiative -> (annual investment £k at full run rate, gross saving £k at full run rate, activity shifts)
_FINANCE: dict[str, tuple[float, float, dict[PointOfDelivery, float]]] = {
    "HCCH-EA": (6200, 4100, {PointOfDelivery.AE: -5200, PointOfDelivery.PRIMARY_CARE: 96000}),
    "HCCH-CHIN": (3800, 5600, {PointOfDelivery.NON_ELECTIVE: -900, PointOfDelivery.OUTPATIENT_FIRST: -3100}),
    "PREV-FLU": (450, 700, {PointOfDelivery.NON_ELECTIVE: -220}),
    "UCR-CRISIS": (5200, 7900, {PointOfDelivery.NON_ELECTIVE: -1800, PointOfDelivery.COMMUNITY: 14000}),
    "UCR-REABLE": (2600, 3300, {PointOfDelivery.NON_ELECTIVE: -400, PointOfDelivery.COMMUNITY: 6000}),
    "EHCH-SUPPORT": (1900, 3600, {PointOfDelivery.NON_ELECTIVE: -750, PointOfDelivery.AMBULANCE: -1900}),
    "VAR-AE": (700, 2400, {PointOfDelivery.AE: -9800}),
    "VAR-REF": (600, 3900, {PointOfDelivery.OUTPATIENT_FIRST: -8700, PointOfDelivery.OUTPATIENT_FOLLOW_UP: -12500}),
    "DIGI-OC": (1500, 900, {PointOfDelivery.PRIMARY_CARE: -21000}),
}
# the KPI that evidences each point of delivery's shift for an initiative
_EVIDENCE: dict[tuple[str, PointOfDelivery], str] = {
    ("EHCH-SUPPORT", PointOfDelivery.NON_ELECTIVE): "CH_EMADM",
    ("EHCH-SUPPORT", PointOfDelivery.AMBULANCE): "CH_AMB",
    ("VAR-AE", PointOfDelivery.AE): "AE_RATE",
    ("HCCH-EA", PointOfDelivery.AE): "AE_RATE",
    ("VAR-REF", PointOfDelivery.OUTPATIENT_FIRST): "OP_REF_RATE",
    ("UCR-CRISIS", PointOfDelivery.COMMUNITY): "UCR_2H",
    ("UCR-REABLE", PointOfDelivery.COMMUNITY): "REABLE_2D",
}
_FINANCE.update(
    {  # borough crisis-response teams: the same money in every borough
        i.code: (850, 1300, {PointOfDelivery.NON_ELECTIVE: -260}) for i in BOROUGH_INITIATIVES
    }
)
# share of the plan delivered, per initiative (below 1: behind plan); Enfield's team started late
_DELIVERY = {
    "UCR-CRISIS": 0.82,
    "EHCH-SUPPORT": 0.7,
    "VAR-AE": 0.9,
    "PREV-FLU": 0.6,
    "HCCH-EA": 1.04,
    "UCR-CRT-ENF": 0.55,
    "UCR-CRT-HAR": 1.05,
}

_RISKS = (
    ("R01", "HCCH", "HCCH-EA", "EA_APPTS", "GP workforce shortfall limits extended-access capacity", 4, 4, 3, 4),
    ("R02", "HCCH", "HCCH-CHIN", "DIAB_8CP", "Practices disengage from CHIN quality improvement", 3, 3, 2, 3),
    ("R03", "HCCH", "HCCH-CHIN", "HTN_CONTROL", "Clinical system data quality undermines case finding", 3, 4, 2, 4),
    ("R04", "PREV", "PREV-FLU", "FLU_ATRISK", "Vaccine supply delays at the start of the season", 2, 4, 2, 3),
    ("R05", "UCR", "UCR-CRISIS", "UCR_2H", "Community nursing vacancies prevent 2-hour response", 5, 4, 4, 4),
    ("R06", "UCR", "UCR-REABLE", "REABLE_2D", "Social care market cannot start reablement within 2 days", 4, 3, 3, 3),
    ("R07", "EHCH", "EHCH-SUPPORT", "CH_EMADM", "Care home staff turnover erodes weekly review", 4, 3, 3, 3),
    ("R08", "EHCH", "EHCH-SUPPORT", "CH_NAMED_GP", "Smaller homes without an aligned practice", 2, 3, 1, 3),
    ("R09", "VAR", "VAR-AE", "AE_RATE", "Savings assume A&E demand falls while population grows", 4, 5, 3, 5),
    ("R10", "VAR", "VAR-REF", "OP_REF_RATE", "Advice and guidance not adopted by specialties", 3, 3, 2, 2),
    ("R11", "DIGI", "DIGI-OC", "ONLINE_CONSULT", "Online consultation raises workload without triage", 3, 2, 2, 2),
    ("R12", "UCR", None, None, "Shared care record not live in every borough", 3, 4, 2, 3),
)
_OWNERS = ("Programme Director", "Borough Director", "Clinical Lead", "Finance Lead", "Workstream Lead")


@dataclass(frozen=True)
class Delivery:
    """Programme delivery frames keyed by natural codes (initiative, KPI, workstream, borough)."""

    finance: pd.DataFrame  # initiative_code, financial_year, scenario, recurrent, investment, gross_saving, net_saving
    activity: pd.DataFrame  # initiative_code, financial_year, point_of_delivery, scenario, change, evidence_kpi_code
    milestones: pd.DataFrame  # initiative_code, code, name, owner, borough_code, planned_date, actual_date
    risks: pd.DataFrame  # code, title, workstream_code, initiative_code, kpi_code, owner, scores, mitigation, ...
    risk_reviews: pd.DataFrame  # risk_code, review_date, likelihood, impact, revised_likelihood, revised_impact


def _ramp(initiative_start: date, year: int) -> float:
    """Share of the full run rate reached in financial year ``year`` (one year to ramp up)."""
    elapsed = year + 0.5 - (initiative_start.year + (initiative_start.month - 4) / 12)
    return float(np.clip(elapsed, 0.0, 1.0))


def build_delivery(rng: np.random.Generator) -> Delivery:
    """Finance, activity, milestones and risks for the demo initiatives, deterministic for a given generator."""
    finance, activity = [], []
    for initiative in (*INITIATIVES, *BOROUGH_INITIATIVES):
        invest, gross, shifts = _FINANCE[initiative.code]
        delivered = _DELIVERY.get(initiative.code, 0.95)
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            ramp = _ramp(initiative.start, year)
            if ramp == 0:
                continue
            for scenario in Scenario:
                noise = 1.0 if scenario == Scenario.PLAN else rng.normal(delivered, 0.05)
                for recurrent, share in ((True, 0.8), (False, 0.2)):
                    inv = round(
                        invest * 1000 * ramp * share * (1.0 if scenario == Scenario.PLAN else rng.normal(1, 0.03))
                    )
                    saving = round(gross * 1000 * ramp * share * noise)
                    finance.append(
                        {
                            "initiative_code": initiative.code,
                            "financial_year": year,
                            "scenario": scenario.value,
                            "recurrent": recurrent,
                            "investment": float(inv),
                            "gross_saving": float(saving),
                            "net_saving": float(saving - inv),
                        }
                    )
                for pod, change in shifts.items():
                    activity.append(
                        {
                            "initiative_code": initiative.code,
                            "financial_year": year,
                            "point_of_delivery": pod.value,
                            "scenario": scenario.value,
                            "change": round(change * ramp * noise),
                            "evidence_kpi_code": _EVIDENCE.get((initiative.code, pod)),
                        }
                    )
    return Delivery(
        finance=pd.DataFrame(finance),
        activity=pd.DataFrame(activity),
        milestones=_milestones(rng),
        risks=_risks(rng),
        risk_reviews=_risk_reviews(rng),
    )


def _milestones(rng: np.random.Generator) -> pd.DataFrame:
    """CHIN and QIST roll-out by borough and quarter, plus a crisis-response launch per borough."""
    rows = []
    start = pd.Timestamp(2017, 10, 1)
    for b_index, borough in enumerate(NCL_BOROUGHS):
        for wave in range(1, 5):
            planned = (start + pd.DateOffset(months=3 * (wave - 1) + b_index)).date()
            slip_days = int(rng.choice([0, 0, 0, 30, 75, 140]))
            rows.append(
                {
                    "initiative_code": "HCCH-CHIN",
                    "code": f"CHIN-{borough.name[:3].upper()}-{wave}",
                    "name": f"CHIN/QIST wave {wave} live in {borough.name}",
                    "owner": f"{borough.name} CHIN lead",
                    "borough_code": borough.code,
                    "planned_date": planned,
                    "actual_date": planned + pd.Timedelta(days=slip_days).to_pytimedelta(),
                }
            )
        planned = (pd.Timestamp(2019, 7, 1) + pd.DateOffset(months=2 * b_index)).date()
        slip = 120 if borough.name == "Enfield" else int(rng.choice([0, 14, 45]))
        rows.append(
            {
                "initiative_code": "UCR-CRISIS",
                "code": f"UCR-{borough.name[:3].upper()}",
                "name": f"2-hour crisis response live in {borough.name}",
                "owner": f"{borough.name} community lead",
                "borough_code": borough.code,
                "planned_date": planned,
                "actual_date": planned + pd.Timedelta(days=slip).to_pytimedelta(),
            }
        )
    rows.append(
        {
            "initiative_code": "DIGI-OC",
            "code": "OC-ALL",
            "name": "Online consultation in every practice",
            "owner": "Digital Programme Lead",
            "borough_code": None,
            "planned_date": date(2020, 3, 31),
            "actual_date": date(2020, 8, 1),
        }
    )
    rows.append(
        {
            "initiative_code": "EHCH-SUPPORT",
            "code": "EHCH-ALIGN",
            "name": "Every care home aligned to a practice",
            "owner": "EHCH Clinical Lead",
            "borough_code": None,
            "planned_date": date(2020, 9, 30),
            "actual_date": None,
        }
    )
    return pd.DataFrame(rows)


def _risks(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for code, workstream, initiative, kpi, title, lik, imp, rlik, rimp in _RISKS:
        score = lik * imp
        rows.append(
            {
                "code": code,
                "title": title,
                "workstream_code": workstream,
                "initiative_code": initiative,
                "kpi_code": kpi,
                "owner": _OWNERS[int(rng.integers(len(_OWNERS)))],
                "description": f"{title}.",
                "likelihood": lik,
                "impact": imp,
                "mitigation": "Monthly review at the workstream board; actions tracked in the delivery plan.",
                "revised_likelihood": rlik,
                "revised_impact": rimp,
                "escalation": (
                    Escalation.HIGH if score >= 16 else Escalation.MEDIUM if score >= 9 else Escalation.LOW
                ).value,
                "raised_date": date(2017, 4, 1) + pd.Timedelta(days=int(rng.integers(0, 700))).to_pytimedelta(),
            }
        )
    return pd.DataFrame(rows)


def _risk_reviews(rng: np.random.Generator) -> pd.DataFrame:
    """Quarterly re-scoring over the last two years; the final review matches the register's current scores."""
    rows = []
    reviews = pd.date_range("2022-06-30", "2024-03-31", freq="QE")
    for code, _w, _i, _k, _t, lik, imp, rlik, rimp in _RISKS:
        for k, when in enumerate(reviews):
            drift = 0 if k == len(reviews) - 1 else int(rng.integers(-1, 2))
            rows.append(
                {
                    "risk_code": code,
                    "review_date": when.date(),
                    "likelihood": int(np.clip(lik + drift, 1, 5)),
                    "impact": imp,
                    "revised_likelihood": int(np.clip(rlik + drift, 1, 5)),
                    "revised_impact": rimp,
                }
            )
    return pd.DataFrame(rows)
