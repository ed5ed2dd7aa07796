"""Every colour a map draws for a status is in its legend, under the colour the legend names."""

from __future__ import annotations

import re

import pytest

from ccdash.data.schema import CCTV_STATUSES, WIFI_STATUSES
from ccdash.present.i18n import t
from ccdash.present.maps import STATUS_COLORS

# Streamlit's named markdown colours, as the hue each one stands for on the dark theme.
NAMED = {
    "blue": (0, 114, 178),
    "orange": (222, 120, 0),
    "yellow": (240, 228, 66),
    "gray": (153, 153, 153),
    "green": (0, 158, 115),
    "violet": (204, 121, 167),
}


def nearest(rgb) -> str:
    return min(NAMED, key=lambda n: sum((a - b) ** 2 for a, b in zip(NAMED[n], rgb)))


def pairs(key: str) -> dict[str, str]:
    """word -> the colour the English legend gives it."""
    text = t(key, "en")
    return {w.strip(" ."): c for c, w in re.findall(r":(\w+)\[●\] ([\w -]+?)(?= ·|\.|$)", text)}


@pytest.mark.parametrize(
    ("key", "statuses"), [("legend.cctv", CCTV_STATUSES), ("legend.wifi", WIFI_STATUSES)]
)
def test_each_status_is_in_the_legend_in_the_colour_drawn(key, statuses):
    legend = pairs(key)
    assert set(legend) == set(statuses), legend
    for status, colour in legend.items():
        assert nearest(STATUS_COLORS[status]) == colour, (status, colour)


def test_planned_points_have_a_colour_and_a_legend_of_their_own():
    assert t("legend.planned", "en").startswith(":violet[●] planned new point")
    assert nearest(STATUS_COLORS["planned"]) == "violet"
    stored = set(CCTV_STATUSES) | set(WIFI_STATUSES)
    assert STATUS_COLORS["planned"] not in [STATUS_COLORS[s] for s in stored]
    assert STATUS_COLORS["what_if"] not in [STATUS_COLORS[s] for s in stored]
