"""Colour scales for maps: colour-blind-safe, classed (so every colour has a text label in the legend).

- **Sequential** (the default for a KPI's value): five equal-width classes on *cividis* (Nuñez, Anderton and
  Renslow 2018), designed to read the same with and without colour-vision deficiency, light for low values.
- **Diverging** (only around a target): six classes symmetric about the target on ColorBrewer *PuOr*
  (colour-blind safe), purple on the better side and orange on the worse side, given the KPI's polarity.
- **Categories**: Okabe & Ito (2008). CQC ratings use Okabe-Ito colours close to CQC's own and are always
  shown with their words.

Pure: no Streamlit, no pydeck. Colours are hex strings here; ``rgb`` converts them for deck.gl.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# cividis, sampled at 5 evenly spaced points (matplotlib's table), light (low) to dark (high) reversed below
CIVIDIS_5 = ("#00224E", "#434E6C", "#7D7C78", "#BCAF6F", "#FEE838")
SEQUENTIAL = tuple(reversed(CIVIDIS_5))  # light yellow for low values, dark blue for high ones
PUOR_6 = ("#B35806", "#F1A340", "#FEE0B6", "#D8DAEB", "#998EC3", "#542788")  # orange (worse) to purple (better)
NO_DATA = "#E0E0E0"
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
CQC_RATING_COLOURS = {  # CQC's own order and hue family, from the colour-blind-safe Okabe-Ito set
    "Outstanding": OKABE_ITO["blue"],
    "Good": OKABE_ITO["green"],
    "Requires improvement": OKABE_ITO["orange"],
    "Inadequate": OKABE_ITO["vermillion"],
    "Not yet rated": OKABE_ITO["grey"],
}
BOROUGH_LINE = "#212B32"  # NHS dark grey
SELECTED_LINE = "#000000"
PRACTICE_COLOUR = "#330072"  # NHS purple: distinct from the sequential and rating colours


def rgb(hex_colour: str, alpha: int = 255) -> list[int]:
    """``#RRGGBB`` as deck.gl's [r, g, b, a]."""
    value = hex_colour.lstrip("#")
    return [int(value[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of a colour."""
    channels = []
    for c in rgb(hex_colour)[:3]:
        s = c / 255
        channels.append(s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever has the higher contrast on the colour (for labels on fills)."""
    lum = relative_luminance(hex_colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a colour and the words for it."""

    colour: str
    label: str


@dataclass(frozen=True)
class ClassedScale:
    """Class breaks and their colours: value v is in class i when breaks[i] <= v < breaks[i + 1] (last closed)."""

    kind: str  # "sequential", "diverging" or "categorical" (one class per value, e.g. IMD deciles)
    breaks: tuple[float, ...]  # len(colours) + 1 edges, increasing
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    title: str
    no_data_label: str = "No data or suppressed (small numbers)"

    def colour(self, value: float | None) -> str:
        """The colour of a value (the no-data grey for a missing value)."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            return NO_DATA
        index = int(np.searchsorted(np.asarray(self.breaks[1:-1]), float(value), side="right"))
        return self.colours[min(max(index, 0), len(self.colours) - 1)]

    def legend(self) -> list[LegendEntry]:
        """Legend rows, high values first for a sequential scale, better first for a diverging one."""
        rows = [LegendEntry(c, lab) for c, lab in zip(self.colours, self.labels, strict=True)]
        ordered = rows if self.kind == "categorical" else list(reversed(rows))  # deciles read 1 to 10
        return [*ordered, LegendEntry(NO_DATA, self.no_data_label)]


NICE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)


def _nice_step(span: float, classes: int, low: float = 0.0) -> float:
    """The smallest round step whose ``classes`` classes, starting at a multiple of it, cover low to low + span."""
    raw = span / classes if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for power in (magnitude, magnitude * 10, magnitude * 100):
        for factor in NICE_STEPS:
            step = factor * power
            if step >= raw and math.floor(low / step) * step + classes * step >= low + span:
                return step
    return raw


def _fmt(value: float, step: float) -> str:
    decimals = 0
    while decimals < 6 and round(step * 10**decimals, 9) % 1:
        decimals += 1
    return f"{value:,.{decimals}f}"


def sequential_scale(values: Sequence[float] | pd.Series, *, title: str, classes: int = 5) -> ClassedScale:
    """Equal-width classes on nice round breaks covering the values, cividis light (low) to dark (high)."""
    finite = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if high == low:  # every area has the same value: one class, not five empty ranges around it
        middle = SEQUENTIAL[len(SEQUENTIAL) // 2]
        return ClassedScale("sequential", (low, low), (middle,), (f"{low:,.10g} (every area)",), title)
    step = _nice_step(high - low, classes, low)
    start = math.floor(low / step) * step
    breaks = tuple(round(start + i * step, 10) for i in range(classes + 1))
    colours = _pick(SEQUENTIAL, classes)
    labels = tuple(f"{_fmt(a, step)} to under {_fmt(b, step)}" for a, b in itertools.pairwise(breaks))
    labels = (*labels[:-1], f"{_fmt(breaks[-2], step)} to {_fmt(breaks[-1], step)}")
    return ClassedScale("sequential", breaks, colours, labels, title)


def diverging_scale(
    values: Sequence[float] | pd.Series, *, target: float, higher_is_better: bool, title: str
) -> ClassedScale:
    """Six classes symmetric about the target: three better (purple) and three worse (orange) than it."""
    finite = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    spread = float((finite - target).abs().max()) if len(finite) else 1.0
    spread = spread or 1.0
    step = _nice_step(spread, 3)
    edges = tuple(round(target + k * step, 10) for k in (-3, -2, -1, 0, 1, 2, 3))
    below = ("far below", "below", "just below")
    above = ("just above", "above", "far above")
    labels = tuple(
        f"{word} target ({_fmt(a, step)} to {_fmt(b, step)})"
        for word, a, b in zip((*below, *above), edges[:-1], edges[1:], strict=True)
    )
    colours = PUOR_6 if higher_is_better else tuple(reversed(PUOR_6))
    # open-ended outer classes: anything beyond the spread stays in the outermost colour
    return ClassedScale("diverging", edges, colours, labels, title)


def _pick(palette: Sequence[str], n: int) -> tuple[str, ...]:
    if n == len(palette):
        return tuple(palette)
    positions = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return tuple(palette[i] for i in positions)


def _blend(palette: Sequence[str], n: int) -> tuple[str, ...]:
    """``n`` colours evenly along ``palette`` (linear in RGB between its stops)."""
    stops = np.array([rgb(c)[:3] for c in palette], float)
    positions = np.linspace(0, len(palette) - 1, n)
    out = []
    for p in positions:
        i = min(int(p), len(palette) - 2)
        mix = stops[i] + (stops[i + 1] - stops[i]) * (p - i)
        out.append("#" + "".join(f"{round(float(v)):02X}" for v in mix))
    return tuple(out)


# IMD deciles on cividis: dark blue for decile 1 (most deprived 10% of LSOAs in England) to yellow for decile 10
IMD_DECILE_COLOURS = _blend(CIVIDIS_5, 10)
IMD_TITLE = "IMD 2019 decile (1 = most deprived 10% of LSOAs in England)"


def imd_scale() -> ClassedScale:
    """Ten classes, one per IMD decile, each labelled in words."""
    labels = tuple(
        f"{d}" + (" (most deprived)" if d == 1 else " (least deprived)" if d == 10 else "") for d in range(1, 11)
    )
    breaks = tuple(d + 0.5 for d in range(0, 11))
    return ClassedScale("categorical", breaks, IMD_DECILE_COLOURS, labels, IMD_TITLE, "No deprivation data")


def rating_legend() -> list[LegendEntry]:
    """CQC rating colours with their words, in CQC's order."""
    return [LegendEntry(colour, rating) for rating, colour in CQC_RATING_COLOURS.items()]


def rating_colour(rating: str | None) -> str:
    """The colour of a CQC rating (grey for an unknown one)."""
    return CQC_RATING_COLOURS.get(str(rating), OKABE_ITO["grey"])
