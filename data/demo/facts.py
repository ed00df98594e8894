"""Synthetic KPI actuals and planned trajectories, simulated at the lowest level and summed upwards.

Each KPI is simulated where it is measured (practice, PCN, borough or care home): the expected value moves from
the baseline towards the target as the initiative rolls out, scaled by a per-borough delivery factor (so some
boroughs are on track and some are not), with between-unit variation, seasonality, the spring-2020 fall in
activity and planted step changes. Numerators are then drawn as binomial (proportions) or Poisson (rates)
counts, so the noise is what real counts carry, and higher levels are exact sums of the level below.

Plans run from each area's own baseline (its first year) to a target shifted by the same amount on the link
scale as the system's, so the system-level plan ends exactly at the KPI's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from data.demo.geography import Geography
from data.demo.spec import FIRST_MONTH, INITIATIVES, LAST_MONTH, KpiSpec
from models import AreaLevel, ValueType

LIST_GROWTH = 0.008  # registered lists grow about 0.8% a year; sizes in the register are the latest
COVID_RATE_FACTORS = {date(2020, 4, 1): 0.5, date(2020, 5, 1): 0.62, date(2020, 6, 1): 0.78, date(2020, 7, 1): 0.9}
COVID_PROPORTION_SHIFT = -0.45  # logit shift while routine reviews paused (April 2020 to March 2021)
_LEVEL_ORDER = (AreaLevel.CARE_HOME, AreaLevel.PRACTICE, AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM)


@dataclass(frozen=True)
class Periods:
    """The periods a KPI is reported for."""

    start: pd.DatetimeIndex
    end: pd.DatetimeIndex

    @property
    def years(self) -> np.ndarray:
        """Fractional years since the first demo month, at each period start."""
        return ((self.start - pd.Timestamp(FIRST_MONTH)).days / 365.25).to_numpy()

    @property
    def length_years(self) -> np.ndarray:
        """Length of each period in years (for person-time denominators)."""
        return (((self.end - self.start).days + 1) / 365.25).to_numpy()


def periods_for(spec: KpiSpec) -> Periods:
    """Monthly periods April 2016 to March 2024, or the annual periods (financial years, flu seasons) within."""
    if spec.frequency == "monthly":
        start = pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")
        return Periods(start, start + pd.offsets.MonthEnd(0))
    years = range(FIRST_MONTH.year, LAST_MONTH.year)
    start = pd.DatetimeIndex([pd.Timestamp(y, spec.annual_start_month, 1) for y in years])
    return Periods(start, start + pd.DateOffset(months=spec.season_months) - pd.Timedelta(days=1))


def progress(spec: KpiSpec, period_ends: pd.DatetimeIndex) -> np.ndarray:
    """Share of the planned change due by the end of each period: 0 before the initiative starts, 1 by the
    target date (so the period that ends on the target date is planned at the target)."""
    initiative = next(i for i in INITIATIVES if i.code == spec.initiative)
    begin, end = pd.Timestamp(initiative.start), pd.Timestamp(spec.target_date)
    return np.clip(((period_ends - begin).days / (end - begin).days).to_numpy(), 0.0, 1.0)


@dataclass(frozen=True)
class Units:
    """The simulation units of a KPI and the codes of the areas they sit in."""

    codes: np.ndarray
    size: np.ndarray  # patients (latest) or beds
    keys: dict[AreaLevel, np.ndarray]  # area code at each higher level, aligned with ``codes``


def units_for(spec: KpiSpec, geo: Geography) -> Units:
    """Units for the KPI's simulation level, with their PCN, borough and system codes."""
    borough_system = geo.boroughs.set_index("code")["system_code"]
    if spec.unit_level == AreaLevel.CARE_HOME:
        homes = geo.care_homes
        return Units(
            homes["cqc_location_id"].to_numpy(),
            homes["beds"].to_numpy(float),
            {
                AreaLevel.PCN: homes["pcn_code"].to_numpy(),
                AreaLevel.BOROUGH: homes["borough_code"].to_numpy(),
                AreaLevel.SYSTEM: homes["borough_code"].map(borough_system).to_numpy(),
            },
        )
    practices = geo.practices
    if spec.unit_level == AreaLevel.PRACTICE:
        return Units(
            practices["code"].to_numpy(),
            practices["patients"].to_numpy(float),
            {
                AreaLevel.PCN: practices["pcn_code"].to_numpy(),
                AreaLevel.BOROUGH: practices["borough_code"].to_numpy(),
                AreaLevel.SYSTEM: practices["borough_code"].map(borough_system).to_numpy(),
            },
        )
    column = {AreaLevel.PCN: "pcn_code", AreaLevel.BOROUGH: "borough_code"}[spec.unit_level]
    sizes = practices.groupby(column)["patients"].sum()
    borough = (
        geo.pcns.set_index("code")["borough_code"].reindex(sizes.index)
        if spec.unit_level == AreaLevel.PCN
        else pd.Series(sizes.index, index=sizes.index)
    )
    keys = {AreaLevel.SYSTEM: borough.map(borough_system).to_numpy()}
    if spec.unit_level == AreaLevel.PCN:
        keys = {AreaLevel.BOROUGH: borough.to_numpy(), **keys}
    return Units(sizes.index.to_numpy(), sizes.to_numpy(float), keys)


def _borough_names(units: Units, geo: Geography) -> np.ndarray:
    names = geo.boroughs.set_index("code")["name"]
    return pd.Series(units.keys.get(AreaLevel.BOROUGH, units.codes)).map(names).to_numpy()


def _link(spec: KpiSpec, value: np.ndarray | float) -> np.ndarray:
    if spec.value_type == ValueType.PROPORTION:
        return logit(np.clip(np.asarray(value) / spec.multiplier, 1e-6, 1 - 1e-6))
    return np.log(np.asarray(value))


def _unlink(spec: KpiSpec, eta: np.ndarray) -> np.ndarray:
    if spec.value_type == ValueType.PROPORTION:
        return expit(eta) * spec.multiplier
    return np.exp(eta)


def simulate_unit_counts(
    spec: KpiSpec, geo: Geography, periods: Periods, rng: np.random.Generator
) -> tuple[Units, np.ndarray, np.ndarray]:
    """Numerators and denominators, shape (units, periods), at the KPI's simulation level."""
    units = units_for(spec, geo)
    n_units, n_periods = len(units.codes), len(periods.start)
    growth = (1 + LIST_GROWTH) ** (periods.years - periods.years.max())
    if spec.denominator_kind in ("practices", "care_homes"):
        return units, *_adoption_counts(spec, units, geo, periods, rng)

    size = units.size[:, None]
    if spec.denominator_kind == "patient_years":
        den = size * growth[None, :] * periods.length_years[None, :]
    elif spec.denominator_kind == "bed_years":
        den = np.repeat(size * 1.0, n_periods, axis=1) * periods.length_years[None, :]
    elif spec.denominator_kind == "fixed":
        den = rng.poisson(spec.denominator_share, size=(n_units, n_periods)).astype(float)
    elif spec.denominator_kind == "referrals":  # a monthly caseload: a Poisson count in proportion to the list
        den = rng.poisson(size * growth[None, :] * spec.denominator_share).astype(float)
    else:  # a register or caseload: a share of the list, with between-unit variation in prevalence
        prevalence = spec.denominator_share * np.exp(rng.normal(0, 0.15, size=(n_units, 1)))
        den = np.round(size * growth[None, :] * prevalence)

    boroughs = _borough_names(units, geo)
    delivery = np.array([spec.delivery.get(b, 1.0) for b in boroughs])[:, None]
    change = (_link(spec, spec.target) - _link(spec, spec.baseline)) * progress(spec, periods.end)[None, :]
    eta = _link(spec, spec.baseline) + rng.normal(0, spec.between_sd, size=(n_units, 1)) + delivery * change
    months = periods.start.month.to_numpy()
    eta = eta + spec.seasonal * np.cos(2 * np.pi * (months - 1) / 12)[None, :]
    for borough, first, shift in spec.steps:
        eta = eta + shift * ((boroughs == borough)[:, None] & (periods.start >= pd.Timestamp(first))[None, :])
    if spec.covid:
        if spec.value_type == ValueType.PROPORTION:
            paused = (periods.start >= pd.Timestamp(2020, 4, 1)) & (periods.start < pd.Timestamp(2021, 4, 1))
            eta = eta + COVID_PROPORTION_SHIFT * paused[None, :]
        else:
            factors = np.array([COVID_RATE_FACTORS.get(d.date(), 1.0) for d in periods.start])
            eta = eta + np.log(factors)[None, :]
    expected = _unlink(spec, eta)
    if spec.value_type == ValueType.PROPORTION:
        num = rng.binomial(den.astype(np.int64), expected / spec.multiplier).astype(float)
    else:
        num = rng.poisson(den * expected / spec.multiplier).astype(float)
    return units, num, den


def _adoption_counts(
    spec: KpiSpec, units: Units, geo: Geography, periods: Periods, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """0/1 counts for things that switch on once: practices offering online consultation, homes with a named GP."""
    n = len(units.codes)
    initiative = next(i for i in INITIATIVES if i.code == spec.initiative)
    begin = pd.Timestamp(initiative.start)
    span = (pd.Timestamp(spec.target_date) - begin).days
    adopted = begin + pd.to_timedelta(rng.uniform(0, span, size=n), unit="D")
    already = rng.random(n) < spec.baseline / spec.multiplier
    adopted = adopted.where(~already, pd.Timestamp(FIRST_MONTH) - pd.Timedelta(days=1))
    if spec.denominator_kind == "care_homes":  # homes without a named practice in the register never adopted
        never = geo.care_homes.set_index("cqc_location_id").loc[units.codes, "aligned_practice_code"].isna().to_numpy()
        adopted = adopted.where(~never, pd.Timestamp.max)
    else:  # a few practices in one borough were late
        late = (_borough_names(units, geo) == "Haringey") & (rng.random(n) < 0.15)
        adopted = adopted.where(~late, pd.Timestamp(2020, 8, 1))
    num = (np.asarray(adopted)[:, None] <= np.asarray(periods.end)[None, :]).astype(float)
    return num, np.ones_like(num)


def _long(
    spec: KpiSpec, level: AreaLevel, codes: np.ndarray, num: np.ndarray, den: np.ndarray, periods: Periods
) -> pd.DataFrame:
    n_units, n_periods = num.shape
    frame = pd.DataFrame(
        {
            "kpi_code": spec.code,
            "level": level.value,
            "area_code": np.repeat(codes, n_periods),
            "period_start": np.tile(periods.start.date, n_units),
            "period_end": np.tile(periods.end.date, n_units),
            "numerator": num.ravel(),
            "denominator": den.ravel(),
        }
    )
    frame["value"] = np.where(
        frame["denominator"] > 0, frame["numerator"] / frame["denominator"] * spec.multiplier, np.nan
    )
    return frame


def observations_for(spec: KpiSpec, geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Long frame of actuals for every level the KPI is stored at (kpi_code, level, area_code, period_start,
    period_end, numerator, denominator, value)."""
    periods = periods_for(spec)
    units, num, den = simulate_unit_counts(spec, geo, periods, rng)
    frames = []
    if spec.unit_level in spec.levels:
        frames.append(_long(spec, spec.unit_level, units.codes, num, den, periods))
    for level, keys in units.keys.items():
        if level not in spec.levels:
            continue
        groups = pd.Index(keys)
        codes = groups.unique()
        index = codes.get_indexer(keys)
        sum_num = np.zeros((len(codes), num.shape[1]))
        sum_den = np.zeros_like(sum_num)
        np.add.at(sum_num, index, num)
        np.add.at(sum_den, index, den)
        frames.append(_long(spec, level, codes.to_numpy(), sum_num, sum_den, periods))
    return pd.concat(frames, ignore_index=True)


def plans_for(spec: KpiSpec, actuals: pd.DataFrame, system_code: str) -> tuple[pd.DataFrame, float]:
    """Planned trajectories at PCN, borough and system level, and the system baseline they start from.

    An area's baseline is its value over the first reporting year; its target is the KPI target shifted on the
    link scale by the area's distance from the system baseline (or the target itself when it is 0% or 100%).
    """
    periods = periods_for(spec)
    first_year = periods.start < periods.start[0] + pd.DateOffset(years=1)
    baseline_starts = set(periods.start[first_year].date)
    planned_levels = [lv for lv in spec.levels if lv in (AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM)]
    base_rows = actuals[actuals["level"].isin([lv.value for lv in planned_levels])]
    base_rows = base_rows[base_rows["period_start"].isin(baseline_starts)]
    sums = base_rows.groupby(["level", "area_code"])[["numerator", "denominator"]].sum()
    baselines = sums["numerator"] / sums["denominator"] * spec.multiplier
    system_baseline = float(baselines.loc[(AreaLevel.SYSTEM.value, system_code)])
    linear = spec.value_type == ValueType.PROPORTION and not (0 < spec.target < spec.multiplier and system_baseline > 0)
    if linear:
        targets = pd.Series(spec.target, index=baselines.index)
    else:
        targets = pd.Series(
            _unlink(spec, _link(spec, baselines.to_numpy()) + _link(spec, spec.target) - _link(spec, system_baseline)),
            index=baselines.index,
        )
    share = progress(spec, periods.end)
    values = baselines.to_numpy()[:, None] + (targets - baselines).to_numpy()[:, None] * share[None, :]
    levels, codes = zip(*baselines.index, strict=True)
    plans = pd.DataFrame(
        {
            "kpi_code": spec.code,
            "level": np.repeat(levels, len(share)),
            "area_code": np.repeat(codes, len(share)),
            "period_start": np.tile(periods.start.date, len(codes)),
            "value": values.ravel().round(4),
        }
    )
    return plans, round(system_baseline, 2)
