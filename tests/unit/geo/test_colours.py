"""Map colour scales: classed, colour-blind-safe, labelled in words."""

from __future__ import annotations

import math

import pytest

from geo.colours import (
    CQC_RATING_COLOURS,
    NO_DATA,
    PUOR_6,
    SEQUENTIAL,
    diverging_scale,
    rating_colour,
    rating_legend,
    relative_luminance,
    rgb,
    sequential_scale,
    text_colour_on,
)

pytestmark = pytest.mark.unit


def test_sequential_scale_covers_the_values_on_round_breaks_light_to_dark():
    scale = sequential_scale([182.3, 300.0, 440.1], title="A&E")
    assert scale.breaks == (180, 240, 300, 360, 420, 480)
    assert scale.colours == SEQUENTIAL
    assert scale.labels[0] == "180 to under 240" and scale.labels[-1] == "420 to 480"
    assert scale.colour(182.3) == SEQUENTIAL[0] and scale.colour(440.1) == SEQUENTIAL[-1]
    assert scale.colour(300.0) == SEQUENTIAL[2]
    assert relative_luminance(SEQUENTIAL[0]) > relative_luminance(SEQUENTIAL[-1])  # low values light


def test_missing_values_take_the_no_data_colour_and_the_legend_says_so():
    scale = sequential_scale([0.12, 0.93], title="Share")
    assert scale.breaks == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert scale.labels[1] == "0.2 to under 0.4"
    assert scale.colour(None) == NO_DATA and scale.colour(math.nan) == NO_DATA
    legend = scale.legend()
    assert legend[0].label == "0.8 to 1.0" and legend[-1].colour == NO_DATA
    assert "suppressed" in legend[-1].label


def test_constant_values_still_make_a_scale():
    scale = sequential_scale([5.0, 5.0], title="x")
    assert scale.breaks[0] <= 5.0 <= scale.breaks[-1]
    assert scale.colour(5.0) == scale.colours[0] and len(scale.colours) == 1


def test_diverging_scale_is_symmetric_about_the_target_and_follows_polarity():
    lower_better = diverging_scale([40, 60, 47], target=48, higher_is_better=False, title="t")
    assert lower_better.breaks == (36, 40, 44, 48, 52, 56, 60)
    assert lower_better.colour(41) == PUOR_6[-2]  # below target is better: purple side
    assert lower_better.colour(100) == PUOR_6[0]  # far worse stays in the outermost class
    assert lower_better.labels[0].startswith("far below target")
    higher_better = diverging_scale([40, 60], target=48, higher_is_better=True, title="t")
    assert higher_better.colour(59) == PUOR_6[-1]


def test_ratings_have_colours_and_words_in_cqc_order():
    assert [e.label for e in rating_legend()] == list(CQC_RATING_COLOURS)
    assert rating_colour("Good") == CQC_RATING_COLOURS["Good"] and rating_colour(None) == "#999999"


def test_rgb_and_text_colour_helpers():
    assert rgb("#0072B2") == [0, 114, 178, 255] and rgb("#FFFFFF", 10) == [255, 255, 255, 10]
    assert text_colour_on("#00224E") == "#FFFFFF" and text_colour_on("#FEE838") == "#000000"


def test_one_value_everywhere_is_one_class():
    scale = sequential_scale([100.0, 100.0, 100.0], title="t")
    assert scale.labels == ("100 (every area)",)
    assert len(scale.colours) == 1 and scale.colour(100.0) == scale.colours[0]
    assert scale.legend()[0].label == "100 (every area)"
