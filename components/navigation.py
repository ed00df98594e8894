"""The app's pages and who sees them in the menu: what app.py hands to st.navigation."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data.access import Role, can_import


@dataclass(frozen=True)
class PageSpec:
    """A page: its script, menu title and icon; ``analysts_only`` pages are hidden from viewers' menus."""

    path: str
    title: str
    icon: str
    analysts_only: bool = False


PAGES = (
    PageSpec("pages/overview.py", "Overview", ":material/checklist:"),  # the first page is the default
    PageSpec("pages/summary.py", "Integrated summary", ":material/summarize:"),
    PageSpec("pages/trajectories.py", "Trajectories", ":material/show_chart:"),
    PageSpec("pages/variation.py", "Variation", ":material/scatter_plot:"),
    PageSpec("pages/map.py", "Map", ":material/map:"),
    PageSpec("pages/care_homes.py", "Care homes", ":material/elderly:"),
    PageSpec("pages/about.py", "About the KPIs", ":material/info:"),
    PageSpec("pages/finance.py", "Finance and activity", ":material/payments:"),
    PageSpec("pages/delivery.py", "Delivery", ":material/event:"),
    PageSpec("pages/risks.py", "Risks", ":material/warning:"),
    PageSpec("pages/data.py", "Data", ":material/upload_file:", analysts_only=True),
)


def in_menu(spec: PageSpec, role: Role) -> bool:
    """True when ``role`` sees the page in the menu. A hidden page still exists: a viewer who opens ``/data``
    anyway gets that page's own server-side refusal rather than "page not found"."""
    return not spec.analysts_only or can_import(role)


def app_pages(role: Role) -> list[st.Page]:
    """Every page, in menu order, for st.navigation."""
    return [
        st.Page(spec.path, title=spec.title, icon=spec.icon, default=index == 0,
                visibility="visible" if in_menu(spec, role) else "hidden")
        for index, spec in enumerate(PAGES)
    ]  # fmt: skip
