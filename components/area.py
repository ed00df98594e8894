"""Which area the filters select: a PCN, else a borough, else the whole system."""

from __future__ import annotations

from dataclasses import dataclass

from components.state import Filters
from data import cache
from models import AreaLevel
from settings import get_settings


@dataclass(frozen=True)
class Area:
    """The area a page reports on."""

    level: str
    code: str
    name: str


def system_code() -> str:
    """ODS code of the system the dashboard reports on (setting SYSTEM_CODE)."""
    return get_settings().system_code


def selected_area(filters: Filters) -> Area:
    """The most specific area chosen: PCN over neighbourhood over borough over the system (NCL by default)."""
    if filters.pcn:
        pcns = cache.pcns(system_code())
        name = pcns.loc[pcns["code"] == filters.pcn, "name"]
        return Area(AreaLevel.PCN.value, filters.pcn, name.iloc[0] if len(name) else filters.pcn)
    if filters.neighbourhood:
        found = cache.neighbourhoods(system_code())
        name = found.loc[found["code"] == filters.neighbourhood, "name"]
        return Area(AreaLevel.NEIGHBOURHOOD.value, filters.neighbourhood,
                    name.iloc[0] if len(name) else filters.neighbourhood)
    if filters.borough:
        boroughs = cache.boroughs(system_code())
        name = boroughs.loc[boroughs["code"] == filters.borough, "name"]
        return Area(AreaLevel.BOROUGH.value, filters.borough, name.iloc[0] if len(name) else filters.borough)
    code = system_code()
    system = cache.system(code)
    return Area(AreaLevel.SYSTEM.value, code, system["name"].iloc[0] if len(system) else code)
