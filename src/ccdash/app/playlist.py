"""The wall's rotation through its playlist (pure logic, tested without Streamlit)."""

from __future__ import annotations

# The most a change is asked for ahead of its time, whatever the last draw took (seconds).
MAX_LEAD_S = 3.0
# How often a wall or tour screen checks whether something is due (ccdash.app.public.clock). A
# fragment's interval is fixed when the screen is drawn: one sized to "the next thing due" came round
# again only after that much more (a 15 s view changed 5 s late). Each check reads file times and
# compares clocks: cheap enough every second. A change is asked for half a check early, so that it
# comes within half a check either side of its time rather than up to a whole check late.
CHECK_EVERY_S = 1.0


def due_view(
    playlist,
    shown: int | None,
    ends_at: float | None,
    now: float,
    lead: float = 0.0,
    pinned: str | None = None,
) -> int:
    """The playlist entry a screen drawn at `now` shows.

    A view's time starts when it has been drawn (`ends_at` is then + its seconds), so a slow draw never
    eats into the next view. The change is asked for `lead` seconds early (what drawing a view took last
    time, at most MAX_LEAD_S and half the view; and half a check more), so the next view is on screen
    when the countdown, which counts to `ends_at`, reaches 0. A pinned view (?view=...) holds when it is in the playlist.
    """
    views = [v for v, _ in playlist]
    if pinned in views:
        return views.index(pinned)
    if shown is None or ends_at is None or not 0 <= shown < len(views):
        return 0
    return (
        (shown + 1) % len(views) if now >= ends_at - head_start(lead, playlist[shown][1]) else shown
    )


def head_start(lead: float, seconds: float) -> float:
    """How early the change from a view (or tour step) of `seconds` is asked for: what the last draw
    took, at most MAX_LEAD_S and half the view, and half a check more."""
    return min(max(lead, 0.0), MAX_LEAD_S, seconds / 2) + CHECK_EVERY_S / 2


def playlist_for(profile) -> tuple:
    """The profile's playlist without the views of layers the city does not have ([layers])."""
    kept = tuple((v, s) for v, s in profile.wall_playlist if profile.shows(v))
    return kept or profile.wall_playlist
