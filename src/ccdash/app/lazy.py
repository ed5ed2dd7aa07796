"""Sections below the fold drawn when the reader scrolls near them, not on the page's first paint.

Plotly and deck.gl each cost the browser 0.6-0.8 s to start (docs/benchmarks-browser.md); a page that
shows only one of them on its first screen is ready in about half the time. `section(ctx, key, height,
draw)` puts a placeholder of the section's height in its place (so nothing jumps) and watches it with an
IntersectionObserver; when its first 120 px are on screen after the reader scrolls (or for 1.5 s without
scrolling, on a screen tall enough to show it) the browser says so and the section is drawn, and stays
drawn for the rest of the session (a filter change redraws it at once).

Each section is a fragment (st.fragment): its reveal, and any widget inside it that concerns only it (a
map's Reset view), rerun that section alone, not the whole page. A change inside it that concerns the page (a bar or district clicked to filter, a planner
input the map above draws) calls `rerun_page()` in its callback, and the section then reruns the page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .state import Context, begin_run

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
    // One section at a time: two placeholders telling the server in the same moment reach it as one
    // update, which reruns only one of their fragments. Wait until the section asked for last has
    // arrived (its placeholder gone from the page), then ask.
    const asked = window.__ccdashLazyAsked;
    if (asked && asked !== box && asked.isConnected) { timer = setTimeout(fire, 100); return; }
    window.__ccdashLazyAsked = box;
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


PAGE_RERUN = "_rerun_page"  # a session key: a change inside a section asks for the whole page


def _flag(key: str) -> str:
    return f"_seen_{key}"


def _mark(key: str) -> None:
    st.session_state[_flag(key)] = True  # a plain key: it outlives the placeholder widget


WAITING = "_lazy_waiting"  # a session key: the sections showing their placeholder


def _below_fold(ctx: Context, key: str, height: int) -> bool:
    """True when the section `key` is to be drawn now; otherwise a placeholder `height` px tall waits for the
    reader to scroll near it. Hands-free screens (wall, tour) never call this: they draw everything."""
    waiting = st.session_state.setdefault(WAITING, set())
    if drawn_now(key):
        waiting.discard(key)
        return True
    waiting.add(key)
    _placeholder(
        key=f"lazy_{key}",
        data={"height": int(height), "text": ctx.t("lazy.waiting")},
        default={"seen": False},
        on_seen_change=lambda: _mark(key),
    )
    return False


def drawn_now(key: str) -> bool:
    """Whether the section `key` is drawn in this run (revealed before, or every section drawn)."""
    return bool(st.session_state.get(_flag(key)) or st.session_state.get(EVERYTHING))


def own_rerun() -> bool:
    """Whether this run is a fragment's own (a section revealed, or a widget inside one), not the page's."""
    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


def rerun_page() -> None:
    """For callbacks of widgets inside a section whose change the rest of the page shows (a filter): the
    section's own rerun turns into the page's."""
    st.session_state[PAGE_RERUN] = True


def page_run_started() -> None:
    """Called at the top of every whole-page run: whatever asked for it has it, and the page's sections
    say afresh which of them wait."""
    st.session_state.pop(PAGE_RERUN, None)
    st.session_state[WAITING] = set()


@st.fragment
def section(ctx: Context, key: str, height: int, draw: Callable[[], None]) -> None:
    """`draw()` below the fold (as `_below_fold`), in a fragment of its own: revealing it, or a widget
    inside it, reruns it alone; a widget whose callback called `rerun_page()` reruns the page."""
    # On the page's run the flag was cleared first, so this is the section's own rerun: the page's instead.
    # The same when another section was revealed in this update but is still waiting: only one fragment
    # reruns per update (the browser asks for one section at a time; this is the fallback).
    if own_rerun():  # it sees the data as it is now; drawn in the page's run, as the page saw it
        begin_run()
    waiting = st.session_state.get(WAITING, set())
    if st.session_state.get(PAGE_RERUN) or any(
        st.session_state.get(_flag(other)) for other in waiting - {key}
    ):
        st.rerun(scope="app")
    if _below_fold(ctx, key, height):
        draw()
