"""The wall's rotation through its playlist (pure logic, tested without Streamlit)."""

from __future__ import annotations

# The most a change is asked for ahead of its time, whatever the last draw took (seconds).
MAX_LEAD_S = 3.0


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
    time, at most MAX_LEAD_S and half the view), so the next view is on screen when the countdown, which
    counts to `ends_at`, reaches 0. A pinned view (?view=...) holds when it is in the playlist.
    """
    views = [v for v, _ in playlist]
    if pinned in views:
        return views.index(pinned)
    if shown is None or ends_at is None or not 0 <= shown < len(views):
        return 0
    lead = min(max(lead, 0.0), MAX_LEAD_S, playlist[shown][1] / 2)
    return (shown + 1) % len(views) if now >= ends_at - lead else shown


def playlist_for(profile) -> tuple:
    """The profile's playlist without the views of layers the city does not have ([layers])."""
    kept = tuple((v, s) for v, s in profile.wall_playlist if profile.shows(v))
    return kept or profile.wall_playlist
