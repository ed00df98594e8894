"""Charts drawn from a Vega-Lite spec cached by the chart's inputs: built, converted and validated once (issue 14).

Building an Altair chart and converting it (``to_dict``, with the JSON-schema check) was 30-60% of a page's rerun,
repeated on every rerun for the same numbers. :func:`cached` calls a builder of :mod:`components.charts` with its
arguments and returns a :class:`CachedChart`: the spec Streamlit's own ``st.altair_chart`` would send (its data as
Arrow datasets), kept by ``st.cache_data`` under the builder's name and the arguments' values (frames hashed by
content), so a rerun that draws the same chart again only hashes its inputs and sends the spec. The conversion is
Streamlit's own (``_convert_altair_to_vega_lite_spec``, under its lock for Altair's global settings), so a cached
chart is the same element as one drawn with ``st.altair_chart``; a unit test holds the two equal. The Altair chart
is rebuilt only when an export (PNG, SVG) is clicked. A :class:`CachedChart` of a module-level builder pickles
(its ``build`` is a ``functools.partial``), so a page's cached view (``st.cache_data``) may hold its charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import altair as alt
import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.runtime.caching.cache_errors import UnhashableParamError

Builder = Callable[..., alt.TopLevelMixin]


@dataclass(frozen=True)
class CachedChart:
    """A chart's Vega-Lite spec (data as Arrow datasets) and a way to rebuild the Altair chart for its exports."""

    spec: dict[str, Any]
    build: Callable[[], alt.TopLevelMixin]

    @property
    def description(self) -> str:
        """The chart's alt text (its Vega-Lite ``description``)."""
        return str(self.spec.get("description") or "")


def vega_lite(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The spec ``st.altair_chart`` sends for ``chart`` (validated by Altair; datasets as Arrow bytes)."""
    return _convert_altair_to_vega_lite_spec(chart)


def _converted(built: alt.TopLevelMixin | list[alt.TopLevelMixin]) -> dict[str, Any] | list[dict[str, Any]]:
    return [vega_lite(chart) for chart in built] if isinstance(built, list) else vega_lite(built)


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _spec(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any], _builder: Callable[..., Any]
) -> dict[str, Any] | list[dict[str, Any]]:
    """The converted spec(s) of ``_builder(*args, **kwargs)``; cached by ``name`` and the arguments' values."""
    return _converted(_builder(*args, **kwargs))


def _specs(builder: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The cached spec(s); arguments Streamlit cannot hash are not an error: then built for this rerun only."""
    try:
        return _spec(f"{builder.__module__}.{builder.__qualname__}", args, kwargs, builder)
    except UnhashableParamError:
        return _converted(builder(*args, **kwargs))


def cached(builder: Builder, *args: Any, **kwargs: Any) -> CachedChart:
    """``builder(*args, **kwargs)`` as a :class:`CachedChart` (built only when these inputs are new)."""
    return CachedChart(_specs(builder, args, kwargs), partial(builder, *args, **kwargs))


def cached_panels(builder: Callable[..., list[alt.TopLevelMixin]], *args: Any, **kwargs: Any) -> list[CachedChart]:
    """As :func:`cached` for a builder of several panels (one chart each, drawn side by side)."""
    specs = _specs(builder, args, kwargs)
    return [CachedChart(spec, partial(_panel, builder, i, args, kwargs)) for i, spec in enumerate(specs)]


def _panel(
    builder: Callable[..., list[alt.TopLevelMixin]], index: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> alt.TopLevelMixin:
    return builder(*args, **kwargs)[index]


Drawable = alt.TopLevelMixin | CachedChart


def draw(chart: Drawable, where: Any = st, *, width: int | str = "stretch") -> None:
    """Draw an Altair chart or a :class:`CachedChart` in ``where`` (``st`` or a column or container)."""
    if isinstance(chart, CachedChart):
        where.vega_lite_chart(spec=chart.spec, width=width)
    else:
        where.altair_chart(chart, width=width)


def altair_of(chart: Drawable | Callable[[], Drawable]) -> alt.TopLevelMixin:
    """The Altair chart behind ``chart`` (rebuilt for a :class:`CachedChart`), e.g. for a PNG or SVG export."""
    if not isinstance(chart, alt.TopLevelMixin | CachedChart):
        chart = chart()
    return chart.build() if isinstance(chart, CachedChart) else chart
