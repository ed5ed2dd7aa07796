"""The screen a hands-free page is shown on: its size, as the browser reports it, and the scale that follows.

A wall or tour page sized for 1920x1080 leaves 40% of a 3840x2160 screen empty and pushes the ticker off
a 1366x768 one. The browser says how large the window is (and again after a resize); the page then scales
type, maps and charts to fit, with no URL parameter. `?scale=` still overrides it.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

DESIGN = (1920, 1080)  # the size every hands-free layout is drawn for at scale 1
LIMITS = (0.5, 3.0)

# Trusted, fixed code: it only reads the window's size.
_JS = """
export default function ({ setStateValue }) {
  const send = () => setStateValue("size", [window.innerWidth, window.innerHeight]);
  send();
  let later;
  const resized = () => { clearTimeout(later); later = setTimeout(send, 400); };
  window.addEventListener("resize", resized);
  return () => { window.removeEventListener("resize", resized); clearTimeout(later); };
}
"""
_reporter = st.components.v2.component("ccdash_screen", js=_JS)


def _clamp(value: float) -> float:
    """Within LIMITS; 1 (the design) for a value that is no number (nan, inf)."""
    return min(LIMITS[1], max(LIMITS[0], value)) if math.isfinite(value) else 1.0


def fit_scale(width: float, height: float) -> float:
    """The scale at which the design size fills a screen of this size: the smaller of the two ratios (so
    nothing falls off), to two places, within LIMITS."""
    s = min(width / DESIGN[0], height / DESIGN[1])
    return round(_clamp(s), 2) if s > 0 else 1.0


def screen_size() -> tuple[int, int] | None:
    """The browser window's (width, height) in CSS pixels, or None before the browser has said (the first
    run of a session). Drawn on every run of the page, hidden, so the size is kept."""
    with st.container(key="screen_size"):  # hidden by public.WALL_CSS: it takes no room
        result = _reporter(key="ccdash_screen", default={"size": None}, on_size_change=lambda: None)
    size: Any = getattr(result, "size", None)
    try:
        w, h = (int(size[0]), int(size[1]))
    except (TypeError, ValueError, IndexError):
        return None
    return (w, h) if w > 0 and h > 0 else None


def read_scale() -> float:
    """This screen's scale: `?scale=` when the URL gives one (0.5 to 3), else fitted to the window."""
    size = screen_size()  # drawn on every run, parameter or not, so the reporter keeps its state
    param = st.query_params.get("scale")
    if param is not None:
        try:
            scale = _clamp(float(param))
        except ValueError:
            scale = 1.0
    else:
        scale = fit_scale(*size) if size else 1.0
    st.session_state._scale = scale
    return scale
