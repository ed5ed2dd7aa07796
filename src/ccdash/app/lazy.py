"""Sections below the fold drawn when the reader scrolls near them, not on the page's first paint.

Plotly and deck.gl each cost the browser 0.6-0.8 s to start (docs/benchmarks-browser.md); a page that
shows only one of them on its first screen is ready in about half the time. `below_fold(key, height)`
puts a placeholder of the section's height in its place (so nothing jumps) and watches it with an
IntersectionObserver; when its first 120 px are on screen after the reader scrolls (or for 1.5 s without
scrolling, on a screen tall enough to show it) the browser says so, the page runs again and the section
is drawn, and stays drawn for the rest of the session (a filter change redraws it at once).
"""

from __future__ import annotations

import streamlit as st

from .state import Context

EVERYTHING = (
    "_draw_everything"  # a session key: draw every section at once (tests without a browser)
)

# Trusted, fixed code: no data from the page goes into it (the height and the text arrive as data and
# are set as a style number and textContent).
_JS = """
export default function ({ parentElement, setStateValue, data }) {
  const box = parentElement.querySelector(".ccdash-lazy");
  box.style.height = Math.max(40, Number(data.height) || 0) + "px";
  box.textContent = String(data.text || "");
  let visible = false, scrolled = false, timer = null;
  const fire = () => {
    if (!visible) return;
    stop();
    setStateValue("seen", true);
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(fire, scrolled ? 150 : 1500); };
  // While the page is still being laid out (chart modules loading, elements without their height yet) a
  // placeholder can pass through the screen; unless the reader scrolls, it must stay there 1.5 s.
  const seen = new IntersectionObserver((entries) => {
    visible = entries[entries.length - 1].isIntersecting;
    if (visible) soon(); else clearTimeout(timer);
  }, { rootMargin: "0px 0px -120px 0px" });  // its first 120 px on screen: the reader has come to it
  const onScroll = () => { scrolled = true; if (visible) soon(); };
  const stop = () => {
    seen.disconnect();
    clearTimeout(timer);
    window.removeEventListener("scroll", onScroll, true);
  };
  window.addEventListener("scroll", onScroll, { capture: true, passive: true });  // any scrolling element
  seen.observe(box);
  return stop;
}
"""
_CSS = """
.ccdash-lazy { box-sizing: border-box; border: 1px dashed rgba(127, 127, 127, 0.35); border-radius: 6px;
  display: flex; align-items: center; justify-content: center; color: rgba(127, 127, 127, 0.9);
  font: 14px sans-serif; }
"""
_placeholder = st.components.v2.component(
    "ccdash_below_fold", html='<div class="ccdash-lazy"></div>', css=_CSS, js=_JS
)


def _flag(key: str) -> str:
    return f"_seen_{key}"


def _mark(key: str) -> None:
    st.session_state[_flag(key)] = True  # a plain key: it outlives the placeholder widget


def below_fold(ctx: Context, key: str, height: int) -> bool:
    """True when the section `key` is to be drawn now; otherwise a placeholder `height` px tall waits for the
    reader to scroll near it. Hands-free screens (wall, tour) never call this: they draw everything."""
    if st.session_state.get(_flag(key)) or st.session_state.get(EVERYTHING):
        return True
    _placeholder(
        key=f"lazy_{key}",
        data={"height": int(height), "text": ctx.t("lazy.waiting")},
        default={"seen": False},
        on_seen_change=lambda: _mark(key),
    )
    return False
