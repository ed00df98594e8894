"""Trajectories: a KPI's actuals (with 95% intervals) against plan and target, its SPC chart, and small multiples."""

from __future__ import annotations

import streamlit as st

from components.area import Area, selected_area, system_code
from components.exports import chart_with_table, suppression_caption
from components.filters import page_filters
from components.page import export_context, filter_wording, kpi_row, slot
from components.shell import require_app_shell
from components.spc_controls import rebase_caption, rebase_suggestion, spc_rebase_control
from components.spc_icons import spc_icons
from components.state import KPI_KEY
from components.trajectories_view import multiples, spc, trajectory
from data import cache
from data.analysis import comparison_level
from data.register import kpis_with_series

require_app_shell()

filters = page_filters("trajectories")
area = selected_area(filters)
kpi = kpi_row(filters.kpi)
st.title("Trajectories")
if kpi is None:
    st.info("Choose a KPI in the sidebar to see its trajectory.")
    st.stop()
if "provider" in kpi["levels"] and not filters.borough and not filters.pcn:
    trusts = cache.providers(system_code())
    names = dict(zip(trusts["code"], trusts["name"], strict=True))
    trust = st.selectbox(
        "Trust", list(names), index=None, key="trajectory_trust", placeholder=f"{area.name} (sum of its trusts)",
        format_func=lambda code: f"{names[code]} ({code})", help="The system's own trusts are listed first.",
    )
    if trust:
        area = Area("provider", trust, names[trust])
st.subheader(f"{kpi['kpi']}: {area.name}")
definition = str(kpi["definition"] or "").rstrip()
st.caption(f"{definition}{'' if definition.endswith(('.', '?', '!')) or not definition else '.'} Unit: {kpi['unit']}.")
if area.level not in kpi["levels"]:
    st.info(
        f"{kpi['kpi']} is reported at {', '.join(kpi['levels'])} level, not at {area.level} level. "
        "Choose a borough or clear the PCN filter."
    )
    st.stop()

view = trajectory(kpi["kpi_code"], area.level, area.code, area.name)
if view is None:
    st.info(f"No observations of {kpi['kpi']} for {area.name} yet. Import them on the Data page.")
    st.stop()
if view.reported < 2:  # one QOF year: a point, not a trajectory; point to the indicators with one
    names = cache.kpi_catalogue().set_index("kpi_code")["kpi"]
    longer = [c for c in kpis_with_series(cache.register_series(area.level, area.code, None)) if c in names.index]
    links = " · ".join(f"[{names[c]}](trajectories?{KPI_KEY}={c})" for c in longer[:6])
    st.info(f"{kpi['kpi']} has one period loaded for {area.name}, so there is no trajectory yet."
            + (f" Indicators with a series here: {links}." if links else ""))
words = filter_wording(filters, area, kpi)


@st.fragment
def trajectory_and_spc() -> None:
    """The KPI's narrative, trajectory chart and SPC chart with its rebase and baseline controls.

    A fragment: changing an SPC control reruns only this region (not the sidebar or the small multiples below,
    which do not depend on it); a sidebar change still reruns the whole page (issue 14).
    """
    narrative = st.empty()  # the KPI's narrative, written once its SPC (below) is computed

    # name only what is drawn: a published indicator has neither plan nor target
    drawn = ["Actual", *(["plan"] if not view.plans.empty else []), *(["target"] if view.target is not None else [])]
    st.markdown("#### " + (", ".join(drawn[:-1]) + " and " + drawn[-1] if len(drawn) > 1 else "Actual values"))
    chart_with_table(
        view.chart, view.table, export_context(f"{kpi['kpi']}: {area.name}", words, kpi["source"], view.data_date),
        key="trajectory",
    )
    with slot():
        suppression_caption(view.series)

    st.markdown("#### Statistical process control (Making Data Count)")
    scope = f"{kpi['kpi_code']}_{area.level}_{area.code}"
    choice = spc_rebase_control(view.rebase_options, view.known_rebase, scope)
    rebase_caption(view.rebase_options, choice.rebase)
    shown = spc(kpi["kpi_code"], area.level, area.code, area.name, choice.rebase, choice.fix_after_n_points)
    if shown.error is not None:
        st.info(shown.error)
    else:
        with slot():  # its warning caption is drawn only sometimes
            spc_icons(shown.result.summary)
        with slot():
            if shown.differ:
                st.caption(f":material/compare_arrows: {shown.differ}")
        with slot():
            rebase_suggestion(shown.suggestions, choice.rebase, scope)
        chart_with_table(
            shown.chart, shown.rows,
            export_context(f"SPC: {kpi['kpi']}, {area.name}", words, kpi["source"], view.data_date), key="spc",
        )  # fmt: skip
    narrative.info(shown.narrative, icon=":material/article:")


trajectory_and_spc()

level = comparison_level(area.level, kpi["levels"])
compared = multiples(kpi["kpi_code"], level, filters.borough) if level is not None else None
if compared is not None:
    st.markdown(f"#### Compare {'boroughs' if level == 'borough' else 'PCNs'}")
    context = export_context(f"{kpi['kpi']} by {'PCN' if level == 'pcn' else level}", words, kpi["source"],
                             view.data_date)  # fmt: skip
    chart_with_table(compared.grid, compared.shown, context, key="multiples", panels=compared.panels)
    with slot():
        suppression_caption(compared.frame, "area-periods")
