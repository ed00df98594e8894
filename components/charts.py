"""Altair chart builders: frames in, charts out (no Streamlit, so each is testable through ``to_dict()``).

Colours are colour-blind safe (Okabe-Ito, plus the Making Data Count blue/orange/grey/purple for SPC points) and
never the only cue: SPC points and area comparisons also differ by shape, and labels say what colour means.
Every chart carries a ``description`` (Vega-Lite renders it as the SVG's aria-label: the chart's alt text).
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from data.analysis import NOT_ASSESSED, WITHIN, Funnel


def _speed_up_altair() -> None:
    """Two of Altair's per-chart costs, cut once at import (issue 14: chart building was up to half a rerun).

    - Debug mode validates each schema object as it is built, for friendlier tracebacks; the whole spec is still
      validated when Streamlit serialises it with ``to_dict()``, so an invalid chart still fails.
    - Every shorthand encoding (``x="period_start:T"``) builds ``_FromDict``, which hashes the JSON schema of every
      Altair class (about 500) to find the wrapper class: the table depends only on the classes, so it is built
      once per set of classes and shared (lookups only read it). Skipped if a later Altair changes this shape.
    """
    schemapi = alt.utils.schemapi
    schemapi.disable_debug_mode()
    from_dict = getattr(schemapi, "_FromDict", None)
    if from_dict is None or getattr(from_dict, "_table_shared", False):
        return
    build = from_dict.__init__
    tables: dict[tuple[type, ...], object] = {}

    def shared_table(self: object, wrapper_classes: object, /) -> None:
        classes = tuple(wrapper_classes)  # type: ignore[call-overload]
        if classes not in tables:
            build(self, classes)
            tables[classes] = self.class_dict  # type: ignore[attr-defined]
        self.class_dict = tables[classes]  # type: ignore[attr-defined]

    from_dict.__init__ = shared_table
    from_dict._table_shared = True


_speed_up_altair()

# Okabe & Ito (2008) palette
BLUE, ORANGE, SKY, GREEN, YELLOW, VERMILLION, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#D55E00",
    "#CC79A7",
    "#7F7F7F",
)
SPC_COLOURS = {  # Making Data Count: improvement blue, concern orange, common cause grey, neither purple
    "Common Cause": ("#7F7F7F", "circle"),
    "Special Cause - Improvement": ("#1F77B4", "triangle-up"),
    "Special Cause - Concern": ("#E46C0A", "triangle-down"),
    "Special Cause - Neither": ("#7030A0", "diamond"),
}
COMPARISON_STYLE = {  # Fingertips comparison labels, colour-blind safe, with a shape each
    "Better": (GREEN, "triangle-up"),
    "Similar": (ORANGE, "circle"),
    "Worse": (VERMILLION, "triangle-down"),
    "Higher": (SKY, "triangle-up"),
    "Lower": (BLUE, "triangle-down"),
    "Not compared": (GREY, "square"),
}
WIDTH = 700


def top_legend(**options: object) -> alt.Legend:
    """A legend above the chart whose labels are never cut: one row on a wide screen, two columns on a tablet and
    one on a phone (Vega-Lite's default cuts a label at 160 px, which dropped words such as "Special Cause -
    Improvement"; two columns of those still ran past a 390 px screen). Its title is never cut either (Vega's
    180 px title limit cut "Compared with North Centr…"): give a long one as :func:`title_lines`."""
    return alt.Legend(orient="top", labelLimit=0, titleLimit=0,
                      columns=alt.ExprRef("width < 380 ? 1 : width < 560 ? 2 : 0"), **options)


def title_lines(text: str, width: int = 40) -> str | list[str]:
    """A legend or axis title broken between words into lines of at most ``width`` characters (Vega-Lite draws a
    list as lines): about 40 characters of 11 px text fit a phone's chart, so a long title wraps, never cut."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=False)
    return lines if len(lines) > 1 else str(text)


PADDING = 0.06  # share of the drawn range added above and below a value axis that does not start at zero


def value_bounds(
    *columns: pd.Series | float | None, floor: float | None = None, cap: float | None = None
) -> tuple[float, float] | None:
    """A value axis's range fitted to what is drawn (Making Data Count: scale an SPC chart to the data and its
    limits, not from zero, or a series of 70-80% looks flat), padded by ``PADDING`` of the range on each side.

    ``columns`` are the drawn series (and single values such as a target; missing ones ignored). The padding never
    runs below ``floor`` or above ``cap`` (a rate's 0, a proportion's 100%): the axis stays in the possible range.
    None with nothing drawn (the scale is then Vega-Lite's own).
    """
    values = pd.concat(
        [pd.to_numeric(pd.Series(c if isinstance(c, pd.Series) else [c]), errors="coerce") for c in columns
         if c is not None] or [pd.Series(dtype=float)]
    ).dropna()
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * PADDING or max(abs(high) * PADDING, 1.0)
    lower, upper = low - pad, high + pad
    if floor is not None and low >= floor:
        lower = max(lower, floor)
    if cap is not None and high <= cap:
        upper = min(upper, cap)
    return lower, upper


FITTED = alt.Scale(zero=False, nice=False)  # a value axis whose range is set by the drawn data and its bounds


def bounds_layer(bounds: tuple[float, float] | None) -> list[alt.Chart]:
    """An invisible layer holding a value axis's range (:func:`value_bounds`) as two data points: with the axis
    :data:`FITTED`, the range is the union of what is drawn and these bounds, i.e. the bounds.

    The range travels as data, not as a literal scale domain, so a chart's spec depends on what the chart is and
    not on its numbers: a filter change then sends new data to the same spec, which Streamlit's frontend swaps into
    the drawn chart instead of compiling and drawing a new one (issue 14). The points carry no time, so they widen
    no time axis; they are hidden from screen readers.
    """
    if bounds is None:
        return []
    frame = pd.DataFrame({"axis_bound": list(bounds)})
    return [alt.Chart(frame).mark_point(opacity=0, aria=False).encode(y=alt.Y("axis_bound:Q"))]


def _scale(styles: dict[str, tuple[str, str]], present: list[str]) -> tuple[alt.Scale, alt.Scale]:
    domain = [k for k in styles if k in present] or list(styles)
    return (
        alt.Scale(domain=domain, range=[styles[k][0] for k in domain]),
        alt.Scale(domain=domain, range=[styles[k][1] for k in domain]),
    )


MIN_PLOT_WIDTH = 260  # px: the narrowest plot a time chart gets (a 390 px phone, less the value axis)
MILESTONE_LINE = 13  # px across that one line of a milestone label takes (10 px text turned a quarter)
MILESTONE_WRAP = 22  # characters a label line holds: about 120 px of 10 px text, within a phone's plot height
TIME_CHART_HEIGHT = 380  # px for the whole chart (Streamlit fits legend, axes and plot in it): on a phone the
# legend's rows leave the plot about 150 px, which the milestone labels run down
_RULE_GAP, _LABEL_GAP = 3, 2  # px between a rule and its label's first line, and between two labels


def milestone_label_layout(
    milestones: pd.DataFrame, start: object, end: object, *, plot_width: float = MIN_PLOT_WIDTH,
    line_px: float = MILESTONE_LINE, x_field: str = "period_start",
) -> pd.DataFrame:
    """Where each line of the milestone labels goes so that none overprints another or leaves the chart.

    Labels run down from the top edge, turned a quarter, a line of text taking ``line_px`` across; each would
    sit just right of its own rule. They are laid out at the narrowest plot (``plot_width`` px for the time
    range ``start`` to ``end``, widened to the milestones' own dates) by the one-dimensional "cluster and
    centre" method: labels that would touch form a cluster, drawn side by side in date order as close to
    their rules as they can be (the cluster's offset is the mean of its labels' ideal offsets, which minimises
    their squared displacement), kept inside the plot, and clusters that then touch merge. A label in a
    cluster of several is dated ("Mar 2024: Go-live"), as it may stand beside another's rule. Each line is
    anchored at its own rule with a fixed pixel shift, so on a wider chart the rules only spread apart and the
    layout still fits. (More lines than the narrowest plot holds, about 20, cannot all fit.)

    Returns one row per line, left to right (milestones by date; a wrapped label's lines last first, as a
    paragraph turned a quarter clockwise reads): ``x_field`` (its milestone's date, the anchor), ``shift`` (px from
    that rule to the line's centre), ``text``, ``group`` (the cluster) and ``milestone`` (its position by date).
    """
    frame = milestones.assign(when=pd.to_datetime(milestones["date"])).sort_values("when", kind="stable")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    first, last = min(first, frame["when"].min()), max(last, frame["when"].max())
    span = max((last - first).total_seconds(), 1.0)
    items = [((w - first).total_seconds() / span * plot_width, w, str(label))
             for w, label in zip(frame["when"], frame["label"], strict=True)]
    dated: set[int] = set()
    while True:  # dating a crowded label can wrap it onto another line: lay out again until that settles
        texts = [_label_lines(item, i in dated) for i, item in enumerate(items)]
        clusters: list[tuple[float, list[int]]] = []  # (left edge, milestones in it)
        for i in range(len(items)):
            clusters.append((0.0, [i]))
            while True:
                members = clusters[-1][1]
                offsets = [line_px * sum(len(texts[m]) for m in members[:k]) for k in range(len(members))]
                width = line_px * sum(len(texts[m]) for m in members)
                ideal = sum(items[m][0] + _RULE_GAP - o for m, o in zip(members, offsets, strict=True)) / len(members)
                clusters[-1] = (min(max(ideal, 0.0), max(plot_width - width, 0.0)), members)
                if len(clusters) < 2:
                    break
                left, before = clusters[-2]
                if left + line_px * sum(len(texts[m]) for m in before) + _LABEL_GAP <= clusters[-1][0]:
                    break
                clusters[-2:] = [(left, before + members)]
        crowded = {m for _, members in clusters if len(members) > 1 for m in members}
        if crowded <= dated:
            break
        dated |= crowded
    rows = []
    for number, (left, members) in enumerate(clusters):
        position = left
        for m in members:
            # a label's own lines run right to left: text turned a quarter clockwise reads its next line leftwards
            for line in reversed(texts[m]):
                rows.append({x_field: items[m][1], "shift": position + line_px / 2 - items[m][0],
                             "text": line, "group": number, "milestone": m})
                position += line_px
    return pd.DataFrame(rows, columns=[x_field, "shift", "text", "group", "milestone"])


def _label_lines(item: tuple[float, pd.Timestamp, str], dated: bool) -> list[str]:
    """A milestone's label as lines of at most ``MILESTONE_WRAP`` characters; dated ("Mar 2024: ...") when it
    shares a label with other milestones, so each line still says which rule it belongs to."""
    _, when, label = item
    text = f"{when:%b %Y}: {label}" if dated else label
    return textwrap.wrap(text, width=MILESTONE_WRAP, break_long_words=False) or [text]


def milestone_layers(
    milestones: pd.DataFrame | None, *, x_field: str = "period_start", start: object = None, end: object = None
) -> list[alt.Chart]:
    """Vertical rules with labels at milestone dates (``date``, ``label``, ``done``), to layer on a time chart.

    Done milestones are solid, planned ones dashed; labels run down beside their rules from the top of the chart,
    placed by :func:`milestone_label_layout` (``start`` and ``end``: the chart's time range, else the milestones'
    own) so that neighbouring labels share one instead of overprinting. ``x_field`` is the time field of the
    chart's other layers.
    """
    if milestones is None or milestones.empty:
        return []
    frame = milestones.assign(**{x_field: pd.to_datetime(milestones["date"])})[[x_field, "label", "done"]]
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x_field}:T"),
        tooltip=[alt.Tooltip(f"{x_field}:T", title="Milestone date", format="%d %b %Y"), alt.Tooltip("label:N")],
    )
    rules = base.mark_rule(color=GREEN, strokeWidth=1.5).encode(
        strokeDash=alt.condition("datum.done", alt.value([1, 0]), alt.value([4, 3]))
    )
    placed = milestone_label_layout(
        frame.rename(columns={x_field: "date"}),
        frame[x_field].min() if start is None else start, frame[x_field].max() if end is None else end,
        x_field=x_field,
    )[[x_field, "shift", "text"]]
    # each line read top to bottom from the top edge, ``shift`` px right of its anchor rule (``dy`` is applied
    # after the quarter turn, so a shift to the right is a negative dy); ``limit`` (the plot's height) keeps a
    # line from running into the axis labels below the plot
    labels = alt.Chart(placed).mark_text(
        angle=90, align="left", baseline="middle", dx=4, dy=alt.ExprRef("-datum.shift"), fontSize=10, color=GREEN,
        limit=alt.ExprRef("height - 6"),
    ).encode(x=alt.X(f"{x_field}:T"), y=alt.value(0), text="text:N")
    return [rules, labels]


def trajectory_chart(
    frame: pd.DataFrame,
    *,
    unit: str,
    target: float | None,
    target_date: object,
    alt_text: str,
    milestones: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Actual values with 95% intervals, the planned trajectory, the target (a point at its date) and milestones."""
    base = alt.Chart(frame).encode(x=alt.X("period_start:T", title="Period", axis=alt.Axis(format="%b %Y")))
    bounds = value_bounds(*(frame[c] for c in ("value", "lower", "upper", "plan") if c in frame),
                          target if target_date is not None else None, floor=0.0 if _all_at_least(frame, 0) else None)
    band = base.mark_area(opacity=0.2, color=BLUE).encode(
        y=alt.Y("lower:Q", title=unit, scale=FITTED), y2="upper:Q",
        tooltip=[alt.Tooltip("period_start:T", title="Period")],
    )
    actual = base.mark_line(point=True, color=BLUE).encode(
        y=alt.Y("value:Q", title=unit),
        tooltip=[
            alt.Tooltip("period_start:T", title="Period", format="%b %Y"),
            alt.Tooltip("value:Q", title="Actual", format=",.1f"),
            alt.Tooltip("lower:Q", title="95% CI lower", format=",.1f"),
            alt.Tooltip("upper:Q", title="95% CI upper", format=",.1f"),
            alt.Tooltip("plan:Q", title="Plan", format=",.1f"),
        ],
    )
    plan = base.mark_line(strokeDash=[6, 4], color=ORANGE).encode(y="plan:Q")
    layers = [band, actual, plan]
    if target is not None and target_date is not None:
        target_frame = pd.DataFrame({"period_start": [pd.Timestamp(target_date)], "target": [target]})
        layers.append(
            alt.Chart(target_frame)
            .mark_point(shape="diamond", size=160, filled=True, color=VERMILLION)
            .encode(x="period_start:T", y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target")])
        )
    # the key names only what is drawn: a published indicator has no plan and often no target
    entries = [("Actual (95% CI shaded)", BLUE)]
    if "plan" in frame and frame["plan"].notna().any():
        entries.append(("Plan (dashed)", ORANGE))
    if target is not None and target_date is not None:
        entries.append(("Target (diamond)", VERMILLION))
    legend = pd.DataFrame({"series": [name for name, _ in entries]})
    key = (
        alt.Chart(legend)
        .mark_point(opacity=0)
        .encode(
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=[n for n, _ in entries], range=[c for _, c in entries]),
                title=None,
                legend=top_legend(),
            )
        )
    )
    layers.extend(milestone_layers(milestones, start=frame["period_start"].min(),
                                   end=frame["period_start"].max()))
    layers.extend(bounds_layer(bounds))
    return alt.layer(*layers, key).properties(width=WIDTH, height=TIME_CHART_HEIGHT, description=alt_text)


def spc_chart(
    data: pd.DataFrame, *, unit: str, target: float | None, alt_text: str, milestones: pd.DataFrame | None = None
) -> alt.LayerChart:
    """XmR chart: points coloured and shaped by Making Data Count point type, each segment's mean and limits.

    ``data`` is ``SpcResult.data`` or, better, ``analysis.spc_display`` of it: then the limits are drawn clipped
    to the values' range (``*_shown``), the tooltip lists every rule that fired (``rules``) and each segment's
    lines are labelled (``segment``). Mean and limit lines break between rebase segments; a rebase is marked
    by a dotted rule ("Limits recalculated" in its tooltip). ``milestones`` as for :func:`milestone_layers`.
    """
    frame = data.assign(x=pd.to_datetime(data["x"]), point_label=data["point_label"].fillna("Missing"))
    for name in ("mean", "lpl", "upl"):
        if f"{name}_shown" not in frame:
            frame[f"{name}_shown"] = frame[name]
    if "segment" not in frame:
        frame["segment"] = "Limits from " + frame.groupby("rebase_group")["x"].transform("min").dt.strftime("%b %Y")
    drawn = ["x", "y", "rebase_group", "segment", "mean", "lpl", "upl", "mean_shown", "lpl_shown", "upl_shown"]
    drawn += ["point_label", "special_cause_type", *(c for c in ("rules", "limits_note") if c in frame)]
    frame = frame[drawn]  # only what is drawn or in a tooltip travels to the browser
    color, shape = _scale(SPC_COLOURS, frame["point_label"].unique().tolist())
    base = alt.Chart(frame).encode(x=alt.X("x:T", title="Period", axis=alt.Axis(format="%b %Y")))
    line = base.mark_line(color="#A0A0A0").encode(y=alt.Y("y:Q", title=unit, scale=FITTED))
    tooltip = [
        alt.Tooltip("x:T", title="Period", format="%b %Y"),
        alt.Tooltip("y:Q", title="Value", format=",.2f"),
        alt.Tooltip("point_label:N", title="Variation"),
        alt.Tooltip("special_cause_type:N", title="Deciding rule"),
    ]
    if "rules" in frame:
        tooltip.append(alt.Tooltip("rules:N", title="Rules fired"))
    tooltip.append(alt.Tooltip("segment:N", title="Segment"))
    points = base.mark_point(filled=True, size=60).encode(
        y="y:Q",
        color=alt.Color("point_label:N", scale=color, title="Variation", legend=top_legend()),
        shape=alt.Shape("point_label:N", scale=shape, title="Variation"),
        tooltip=tooltip,
    )
    lines_tooltip = [
        alt.Tooltip("segment:N", title="Segment"),
        alt.Tooltip("mean_shown:Q", title="Mean", format=",.2f"),
        alt.Tooltip("lpl_shown:Q", title="Lower process limit", format=",.2f"),
        alt.Tooltip("upl_shown:Q", title="Upper process limit", format=",.2f"),
    ]
    if "limits_note" in frame:  # the limits as computed, where the drawn ones were clipped (as in the table)
        lines_tooltip.append(alt.Tooltip("limits_note:N", title="Note"))
    mean = base.mark_line(color="black").encode(y="mean_shown:Q", detail="rebase_group:N", tooltip=lines_tooltip)
    limits = [
        base.mark_line(strokeDash=[4, 3], color="#505050").encode(
            y=f"{c}_shown:Q", detail="rebase_group:N", tooltip=lines_tooltip
        )
        for c in ("lpl", "upl")
    ]
    layers = [line, mean, *limits, points]
    starts = frame[frame["rebase_group"].diff().fillna(0) > 0]
    if not starts.empty:
        layers.append(
            alt.Chart(starts.assign(what="Limits recalculated"))
            .mark_rule(color="black", strokeDash=[1, 2])
            .encode(x="x:T", tooltip=[alt.Tooltip("what:N", title="Rebase"), alt.Tooltip("segment:N", title="Segment")])
        )
    layers.extend(milestone_layers(milestones, x_field="x", start=frame["x"].min(), end=frame["x"].max()))
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"target": [target]}))
            .mark_rule(color=VERMILLION, strokeDash=[2, 2])
            .encode(y="target:Q")
        )
    layers.extend(bounds_layer(_spc_bounds(frame, target)))
    return alt.layer(*layers).properties(width=WIDTH, height=TIME_CHART_HEIGHT, description=alt_text)


def _all_at_least(frame: pd.DataFrame, bound: float) -> bool:
    """Whether every number in ``frame``'s numeric columns is at least ``bound`` (a KPI that cannot go negative)."""
    numbers = frame.select_dtypes("number")
    return bool((numbers.fillna(bound) >= bound).all().all())


def _spc_bounds(frame: pd.DataFrame, target: float | None) -> tuple[float, float] | None:
    """The SPC value axis's range: fitted to the points, the drawn (clipped) mean and limits and the target. Where
    a limit was clipped to the values' possible range (``*_shown`` differs from the computed limit) the axis stops
    at that bound; values that are never negative keep the axis from going below zero."""
    drawn = [frame[c] for c in ("y", "mean_shown", "lpl_shown", "upl_shown")]
    raised = frame["lpl_shown"] > frame["lpl"]
    lowered = frame["upl_shown"] < frame["upl"]
    floor = float(frame.loc[raised, "lpl_shown"].min()) if raised.any() else (
        0.0 if all((c.dropna() >= 0).all() for c in drawn) else None)
    cap = float(frame.loc[lowered, "upl_shown"].max()) if lowered.any() else None
    return value_bounds(*drawn, target, floor=floor, cap=cap)


def small_multiples(
    frame: pd.DataFrame,
    *,
    unit: str,
    alt_text: str,
    columns: int = 2,
    width: int = 135,
    y_domain: list[float] | None = None,
) -> alt.FacetChart:
    """One small line chart per area (``name``) with its plan dashed, sharing axes for comparison.

    A facet chart keeps its own width (Vega-Lite cannot fit one to its container), so the grid is sized for a
    phone: at most ``columns`` panels a row (one when there is one area), each ``width`` px, narrow enough by
    default that two fit a 390 px screen; panel names wrap rather than being cut. The page draws
    :func:`small_multiple_panels` and exports this grid. ``y_domain`` fixes the value axis (panels drawn apart),
    carried as data so that panels of other numbers keep one spec (issue 14).
    """
    per_row = min(columns, max(int(frame["name"].nunique()), 1))
    base = alt.Chart().encode(  # no data of its own: each panel draws its own area's rows of the facet's data
        x=alt.X("period_start:T", title=None, axis=alt.Axis(format="%Y", labelOverlap=True, tickCount=4))
    )
    lines = base.mark_line(color=BLUE).encode(
        y=alt.Y("value:Q", title=unit, axis=alt.Axis(tickCount=4),
                scale=alt.Scale(zero=False) if y_domain else alt.Undefined),
        tooltip=["name:N", alt.Tooltip("value:Q", format=",.1f")],
    )
    plan = base.mark_line(color=ORANGE, strokeDash=[5, 3]).encode(y="plan:Q")
    layers = [lines, plan]
    drawn = frame.assign(name=[wrapped(n, max(24, width // 6)) for n in frame["name"]])
    if y_domain:  # the shared range as data: two rows per panel, drawn by an invisible layer (``bounds_layer``)
        names = drawn["name"].unique()
        bounds = drawn.head(0).reindex(range(2 * len(names)))  # empty rows of the frame's types (times NaT)
        bounds = bounds.assign(name=[n for n in names for _ in y_domain], axis_bound=[float(b) for _ in names
                                                                                      for b in y_domain])
        drawn = pd.concat([drawn, bounds], ignore_index=True)
        layers.append(base.mark_point(opacity=0, aria=False).encode(x=alt.value(0), y="axis_bound:Q"))
    header = alt.Header(labelExpr=LINES, labelLimit=0, labelFontSize=11)
    return (
        alt.layer(*layers, data=drawn)
        .properties(width=width, height=90)
        .facet(facet=alt.Facet("name:N", title=None, header=header), columns=per_row, spacing=12)
        .properties(description=alt_text)
    )


def small_multiple_panels(frame: pd.DataFrame, *, unit: str, alt_text: str, panels: int = 2) -> list[alt.FacetChart]:
    """The small multiples as ``panels`` one-column grids of 290 px for columns of the page: side by side on a
    desktop (each panel twice a phone grid's width), stacked on a phone, where 290 px and the axis fit 390 px.
    Areas keep their order, the first half in the first panel; every panel shares the value axis's range."""
    names = list(dict.fromkeys(frame["name"]))
    size = -(-len(names) // panels) if names else 1
    values = pd.concat([frame["value"], frame["plan"]]).dropna()
    domain = [float(min(values.min(), 0)), float(values.max())] if not values.empty else None
    grids = []
    for part in (names[i : i + size] for i in range(0, len(names), size)):
        grids.append(small_multiples(frame[frame["name"].isin(part)], unit=unit, alt_text=alt_text, columns=1,
                                     width=290, y_domain=domain))
    return grids


def funnel_chart(
    funnel: Funnel, points: pd.DataFrame, *, unit: str, alt_text: str, x_title: str | None = None
) -> alt.LayerChart:
    """Funnel plot: areas as points (highlighted ones larger and outlined), 95% and 99.8% limits, centre line.

    ``points`` has columns x, value, name, area_code, highlighted (bool), outside (label text); units with no
    events that the method cannot judge are drawn at zero as squares labelled "Not assessed (no events)".
    """
    lcl95, ucl95, lcl998, ucl998 = funnel.limit_columns
    curve = funnel.result.limits.rename(columns={funnel.x_column: "x"})
    low, high = points["x"].min(), points["x"].max()
    curve = curve[(curve["x"] >= low * 0.9) & (curve["x"] <= high * 1.05)]  # the limits where the areas are
    curve = curve[["x", lcl95, ucl95, lcl998, ucl998]].melt("x", var_name="limit", value_name="y")
    curve["limit"] = curve["limit"].map(
        {lcl95: "95% limits", ucl95: "95% limits", lcl998: "99.8% limits", ucl998: "99.8% limits"}
    )
    curve["line"] = curve["limit"] + " " + (curve["y"] >= funnel.centre).map({True: "upper", False: "lower"})
    lines = (
        alt.Chart(curve)
        .mark_line()
        .encode(
            x=alt.X("x:Q", title=title_lines(x_title or funnel.x_title, 48), scale=alt.Scale(zero=False),
                    axis=alt.Axis(titleLimit=0)),
            y=alt.Y("y:Q", title=unit, scale=alt.Scale(zero=False)),
            detail="line:N",
            strokeDash=alt.StrokeDash(
                "limit:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 3], [2, 2]]),
                title="Control limits",
                legend=top_legend(),  # beside the plot it took a third of a phone's width from the axis
            ),
            color=alt.value("#505050"),
        )
    )
    centre = alt.Chart(pd.DataFrame({"y": [funnel.centre]})).mark_rule(color="black").encode(y="y:Q")
    color, shape = _scale(
        {
            WITHIN: (GREY, "circle"),
            "High": (VERMILLION, "triangle-up"),
            "Low": (BLUE, "triangle-down"),
            NOT_ASSESSED: (PURPLE, "square"),
        },
        points["outside"].unique().tolist(),
    )
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x="x:Q",
            y="value:Q",
            color=alt.Color("outside:N", scale=color, title="Against 99.8% limits", legend=top_legend()),
            shape=alt.Shape("outside:N", scale=shape, title="Against 99.8% limits"),
            size=alt.condition("datum.highlighted", alt.value(150), alt.value(40)),
            stroke=alt.condition("datum.highlighted", alt.value("black"), alt.value(None)),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip("area_code:N", title="Code"),
                alt.Tooltip("value:Q", title="Value", format=",.1f"),
                alt.Tooltip("x_label:N", title="Denominator"),
                alt.Tooltip("outside:N", title="Against 99.8% limits"),
            ],
        )
    )
    return alt.layer(lines, centre, dots).properties(width=WIDTH, height=380, description=alt_text)


def comparison_chart(
    frame: pd.DataFrame, *, unit: str, benchmark: float, benchmark_name: str, alt_text: str
) -> alt.LayerChart:
    """Horizontal bars per area with 95% intervals, coloured and shaped by comparison, labelled in words."""
    color, shape = _scale(COMPARISON_STYLE, frame["comparison"].unique().tolist())
    order = alt.SortField("value", order="descending")
    y = alt.Y("name:N", sort=order, title=None)
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.8)
        .encode(
            x=alt.X("value:Q", title=unit),
            y=y,
            color=alt.Color(
                "comparison:N", scale=color, title=title_lines(f"Compared with {benchmark_name}"),
                legend=top_legend(),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip("value:Q", format=",.1f"),
                alt.Tooltip("lower:Q", title="95% CI lower", format=",.1f"),
                alt.Tooltip("upper:Q", title="95% CI upper", format=",.1f"),
                alt.Tooltip("comparison:N", title="Comparison"),
            ],
        )
    )
    # every layer titles the shared axis with the unit (else Vega-Lite joins the field names: "%, lower")
    errors = alt.Chart(frame).mark_errorbar(color="black").encode(x=alt.X("lower:Q", title=unit), x2="upper:Q", y=y)
    marks = (
        alt.Chart(frame)
        .mark_point(filled=True, color="black", size=50)
        .encode(x=alt.X("upper:Q", title=unit), y=y, shape=alt.Shape("comparison:N", scale=shape, legend=None))
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=8).encode(x=alt.X("upper:Q", title=unit), y=y,
                                                                   text="comparison:N")
    rule = (
        alt.Chart(pd.DataFrame({"benchmark": [benchmark]}))
        .mark_rule(color="black", strokeDash=[4, 2])
        .encode(x=alt.X("benchmark:Q", title=unit))
    )

    return alt.layer(bars, errors, marks, labels, rule).properties(
        width=WIDTH - 150, height=alt.Step(24), description=alt_text
    )


STATUS_STYLE = {  # delivery status: colour-blind safe, and each cell also says it in words
    "Off track": VERMILLION,
    "At risk": YELLOW,
    "On track": BLUE,
    "No data": "#D9D9D9",
}


LINES = "split(datum.label, '\\n')"  # axis/header labelExpr: a label wrapped by ``wrapped`` drawn on several lines


def wrapped(text: str, width: int) -> str:
    """``text`` broken between words into lines of at most ``width`` characters (joined by newlines), for labels
    drawn with ``LINES`` or a text mark's ``lineBreak``: long names wrap instead of being cut."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def status_heatmap(matrix: pd.DataFrame, *, alt_text: str) -> alt.LayerChart:
    """Workstream × borough grid: each cell coloured by its worst status and labelled with how many KPIs have
    that status ("2 of 6" over "at risk"). Streamlit draws it at the container's width: workstream names wrap onto
    up to three lines and cell labels onto two, so nothing is cut or overprinted from a phone to a desktop."""
    matrix = matrix.assign(
        row=[wrapped(w, 18) for w in matrix["workstream"]],
        cell=matrix["label"].str.replace(r"^(\d+ of \d+) ", "\\1\n", regex=True),
    )
    base = alt.Chart(matrix).encode(
        x=alt.X("area:N", title=None, axis=alt.Axis(
            orient="top", labelAngle=0, labelOverlap=False, labelLimit=0,
            labelFontSize=alt.ExprRef("width < 360 ? 9 : 11"),  # borough names side by side on a phone
        )),
        y=alt.Y("row:N", title=None, sort=list(dict.fromkeys(matrix["row"])),
                axis=alt.Axis(labelExpr=LINES, labelOverlap=False, labelLimit=0, labelLineHeight=12)),
    )
    domain = list(STATUS_STYLE)
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "worst:N",
            title="Worst status",
            scale=alt.Scale(domain=domain, range=[STATUS_STYLE[d] for d in domain]),
            # one row ran "No data" past a 390 px screen: two columns on a phone
            legend=alt.Legend(orient="bottom", labelLimit=0, columns=alt.ExprRef("width < 560 ? 2 : 0")),
        ),
        tooltip=[
            alt.Tooltip("workstream:N"),
            alt.Tooltip("area:N", title="Borough"),
            alt.Tooltip("off_track:Q", title="Off track"),
            alt.Tooltip("at_risk:Q", title="At risk"),
            alt.Tooltip("on_track:Q", title="On track"),
        ],
    )
    text = base.mark_text(fontSize=11, lineBreak="\n", lineHeight=13).encode(
        text="cell:N",
        color=alt.condition(
            "datum.worst == 'No data' || datum.worst == 'At risk'", alt.value("black"), alt.value("white")
        ),
    )
    return alt.layer(cells, text).properties(width=WIDTH, height=alt.Step(44), description=alt_text)


def legend_chart(title: str, entries: list[tuple[str, str]], *, shape: str = "square") -> alt.LayerChart:
    """A legend drawn as a chart: one swatch (``shape``: square or circle) per (colour, label), its words beside it.

    Used for the map (pydeck has no legend); Vega escapes every label, so no HTML is built from data. Drawn at
    the container's width: the words are text marks, not axis labels, so they are never clipped.
    """
    frame = pd.DataFrame(entries, columns=["colour", "label"])
    base = alt.Chart(frame, title=alt.Title(title, anchor="start", fontSize=13)).encode(
        y=alt.Y("label:N", sort=None, axis=None), tooltip=alt.value(None)
    )
    swatches = base.mark_point(shape=shape, filled=True, size=160, stroke="#425563", strokeWidth=1, opacity=1).encode(
        x=alt.value(8), color=alt.Color("colour:N", scale=None)
    )
    words = base.mark_text(align="left", baseline="middle", fontSize=13, color="#0B0C0C").encode(
        x=alt.value(22), text="label:N"
    )
    return (
        alt.layer(swatches, words)
        .properties(height=alt.Step(22), description=f"Legend: {title}: " + "; ".join(label for _, label in entries))
        .configure_view(stroke=None)
    )
