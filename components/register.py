"""Renders the benefits register and its status summary; takes the register frame, opens no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.dataframe_util import convert_pandas_df_to_arrow_table

from data.status import STATUS_ICONS, Status
from models import Polarity

_DISPLAY_COLUMNS = {
    "initiative": "Initiative",
    "kpi": "KPI",
    "status_label": "Status",
    "baseline": "Baseline",
    "latest_value": "Latest",
    "plan_value": "Plan",
    "target_value": "Target",
    "target_date": "Target date",
    "unit": "Unit",
    "data_date": "Data to",
    "validation_date": "Validation",
    "note": "Note",
}


def status_label(status: str) -> str:
    """Icon and word together, so status never relies on colour alone."""
    return f"{STATUS_ICONS[Status(status)]} {status}"


def register_table(register: pd.DataFrame) -> pd.DataFrame:
    """One workstream's rows as shown: human column names, status with its icon, values rounded for reading."""
    shown = register.assign(status_label=register["status"].map(status_label))
    for column in ("baseline", "latest_value", "plan_value", "target_value"):
        shown[column] = shown[column].astype(float).round(1)
    return shown[list(_DISPLAY_COLUMNS)].rename(columns=_DISPLAY_COLUMNS)


SUMMARY_STATUSES = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.NO_DATA)  # the metrics, worst first


def status_counts(register: pd.DataFrame) -> tuple[tuple[str, int], ...]:
    """Each of ``SUMMARY_STATUSES`` in words (icon and word) with its count of KPIs, worst first."""
    counts = register["status"].value_counts()
    return tuple((status_label(status.value), int(counts.get(status.value, 0))) for status in SUMMARY_STATUSES)


def draw_status_counts(counts: Sequence[tuple[str, int]]) -> None:
    """One metric per delivery status (see :func:`status_counts`), in a row."""
    for column, (label, count) in zip(st.columns(4), counts, strict=True):
        column.metric(label, count)


def status_summary(register: pd.DataFrame) -> None:
    """One metric per delivery status (counts), in a row, worst first."""
    draw_status_counts(status_counts(register))


def with_unit(kpi: str, unit: str) -> str:
    """The KPI's name with its unit, unless the name already says it ("... per 1,000 patients")."""
    return kpi if not unit or unit in kpi else f"{kpi} ({unit})"


def screen_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The register as shown on screen, every value as text: the unit folded into the KPI's name, numbers to one
    decimal, dates as "Mar 2020", and the note column only when a row has one (the CSV keeps every column)."""
    shown_rows = register_table(rows)
    shown_rows["KPI"] = [with_unit(k, u) for k, u in zip(shown_rows["KPI"], shown_rows["Unit"], strict=True)]
    for column in ("Baseline", "Latest", "Plan", "Target"):
        shown_rows[column] = shown_rows[column].map(shown)
    for column in ("Target date", "Validation"):
        shown_rows[column] = shown_rows[column].map(lambda d: f"{d:%b %Y}" if pd.notna(d) else "—")
    shown_rows["Data to"] = shown_rows["Data to"].map(shown)
    shown_rows = shown_rows.drop(columns="Unit")
    return shown_rows if shown_rows["Note"].astype(bool).any() else shown_rows.drop(columns="Note")


def register_sections(register: pd.DataFrame) -> tuple[tuple[str, pa.Table], ...]:
    """Each workstream's name and its :func:`screen_table`, in the register's order, converted to Arrow once as
    ``st.table`` would (Streamlit's own conversion, the same bytes), so a cached view holds them (issue 14)."""
    return tuple((str(w), convert_pandas_df_to_arrow_table(screen_table(rows)))
                 for w, rows in register.groupby("workstream", sort=False))  # fmt: skip


def draw_register(sections: Sequence[tuple[str, pa.Table | pd.DataFrame]]) -> None:
    """The register grouped by workstream: a heading, then one row per KPI (initiative, status, values), as a
    static table whose long names wrap, so it fits the page at desktop width and scrolls sideways on a phone."""
    for workstream, table in sections:
        st.markdown(f"##### {workstream}")
        st.table(table, hide_index=True)


def render_register(register: pd.DataFrame) -> None:
    """The register grouped by workstream (see :func:`draw_register`)."""
    draw_register(register_sections(register))


def _delta_colour(polarity: str) -> str:
    """Green for movement in the better direction: Streamlit's "normal" when higher is better."""
    return {Polarity.HIGHER_IS_BETTER.value: "normal", Polarity.LOWER_IS_BETTER.value: "inverse"}.get(polarity, "off")


@dataclass(frozen=True)
class CardFace:
    """One KPI card's texts and sparkline, computed from a card row without Streamlit (a cached view holds them)."""

    kpi: str
    help: str
    value: str
    delta: str | None
    delta_color: str
    spark: list[float] | None
    status: str
    note: str


def card_faces(cards: pd.DataFrame) -> tuple[CardFace, ...]:
    """What each card of ``cards`` (``data.register.kpi_cards``) shows, in the order given."""
    return tuple(_face(card) for card in cards.itertuples(index=False))


def _face(card: object) -> CardFace:
    note = str(getattr(card, "assurance_note", "") or "")
    return CardFace(
        kpi=card.kpi,
        help=f"{card.unit}. {status_label(card.status)}. Data to {card.data_date:%d %b %Y}. "
        f"Plan {card.plan_value:,.1f}. {note}".strip(),
        value=card_value(card.latest_value, str(card.unit)),
        delta=None if pd.isna(card.delta) else f"{card.delta:+.1f} vs plan",
        delta_color=_delta_colour(card.polarity),
        spark=card.spark or None,
        status=status_label(card.status),
        note=note,
    )


def draw_cards(faces: Sequence[CardFace], columns: int = 3) -> None:
    """A card per KPI in the order given (worst first), row by row so a phone's single column keeps the order:
    the KPI's name in full (it wraps), latest value, change against plan (coloured by direction of improvement),
    status with its icon, sparkline of recent values and the data date."""
    for start in range(0, len(faces), columns):
        for column, face in zip(st.columns(columns), faces[start : start + columns], strict=False):
            _kpi_card(column, face)


def kpi_card_grid(cards: pd.DataFrame, columns: int = 3) -> None:
    """A card per KPI of ``cards`` in the order given (see :func:`draw_cards`)."""
    draw_cards(card_faces(cards), columns)


def card_value(value: float, unit: str) -> str:
    """A card's headline number: whole counts of 100 or more without a decimal ("72,433", not "72,433.0": a
    count of attendances or patients has none), everything else to one decimal; a percentage keeps its sign."""
    places = 0 if abs(value) >= 100 and float(value).is_integer() else 1
    return f"{value:,.{places}f}{'%' if unit.startswith('%') else ''}"


def _kpi_card(column: object, face: CardFace) -> None:
    """One card: the name as a heading that wraps (a metric's own label is cut to one line), then the metric."""
    with column.container(border=True):
        st.markdown(f"**{face.kpi}**", help=face.help)
        st.metric(
            face.kpi,
            face.value,
            delta=face.delta,
            delta_color=face.delta_color,
            chart_data=face.spark,
            label_visibility="collapsed",
            delta_description=face.status,
        )
        if face.note:
            st.caption(face.note)


def shown(value: object, default: str = "—", *, number: str = ",.1f") -> str:
    """A catalogue value as words: missing (None, NaN, empty) as ``default``, dates as "31 Mar 2020", numbers
    rounded as the pages show them; never "nan" or a 16-digit float."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or (isinstance(value, str) and not value):
        return default
    if isinstance(value, date | pd.Timestamp):
        return f"{value:%d %b %Y}"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:{number}}"
    return str(value)


def _belongs(kpi: pd.Series) -> str:
    """Where a KPI comes from: a published indicator's publisher and breakdown, or a register KPI's initiative
    (and the published indicator it reads, if bound)."""
    if kpi.get("origin") == "published":
        parts = [kpi.get(c) for c in ("sex", "age", "category_type", "category")]
        breakdown = ", ".join(str(p) for p in parts if isinstance(p, str) and p) or "—"
        return (f"**Published by.** {shown(kpi.get('publisher'))}; breakdown {breakdown}; period "
                f"{shown(kpi.get('period_type'))}; no initiative (a register KPI can read it through its "
                "indicator_code).")  # fmt: skip
    bound = kpi.get("indicator_code")
    reads = f" **Reads the published indicator** {bound}." if isinstance(bound, str) and bound else ""
    return f"**Initiative.** {shown(kpi.get('initiative'))}.{reads}"


def kpi_about(kpi: pd.Series, *, method: str, polarity: str, freshness: str) -> str:
    """One KPI's About entry in markdown: definition, counts, unit and polarity, method, baseline and target,
    source, caveats and freshness; blanks are written as a dash or "None recorded.", never "nan"."""
    names = {"pcn": "PCN", "care_home": "care home"}
    levels = ", ".join(names.get(level, level) for level in kpi["levels"]) if len(kpi["levels"]) else "—"
    published = kpi.get("origin") == "published"  # no baseline, target or validation: a row of dashes says nothing
    goals = "" if published else (
        f"**Baseline.** {shown(kpi['baseline_value'])} (from {shown(kpi['baseline_period'])}). "
        f"**Target.** {shown(kpi['target_value'])} by {shown(kpi['target_date'])}. "
        f"**Validation.** {shown(kpi['validation_date'])}.\n\n"
    )  # fmt: skip
    return (
        f"**Definition.** {shown(kpi['definition'])}\n\n"
        f"**Numerator.** {shown(kpi['numerator_definition'])}\n\n"
        f"**Denominator.** {shown(kpi['denominator_definition'])}\n\n"
        f"**Unit.** {shown(kpi['unit'])}. **Polarity.** {polarity}.\n\n"
        f"**Method.** {method}\n\n"
        f"{_belongs(kpi)} **Reported at.** {levels}.\n\n"
        f"{goals}"
        f"**Source.** {shown(kpi['source'])}\n\n"
        f"**Caveats.** {shown(kpi['caveats'], 'None recorded.')}\n\n"
        f"**Freshness.** {freshness}"
    )
