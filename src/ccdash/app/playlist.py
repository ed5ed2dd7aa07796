"""The wall's rotation through its playlist (pure logic, tested without Streamlit)."""

from __future__ import annotations


def rotation(playlist, elapsed: float, pinned: str | None = None) -> tuple[int, float]:
    """Which playlist entry shows `elapsed` seconds after the wall started, and its seconds left.

    A pinned view (?view=...) holds forever when it is in the playlist.
    """
    views = [v for v, _ in playlist]
    if pinned in views:
        return views.index(pinned), float("inf")
    cycle = sum(s for _, s in playlist)
    pos = elapsed % cycle
    for i, (_, seconds) in enumerate(playlist):
        if pos < seconds:
            return i, seconds - pos
        pos -= seconds
    return len(playlist) - 1, 0.0  # pragma: no cover - float edge at the end of a cycle


def playlist_for(profile) -> tuple:
    """The profile's playlist without the views of layers the city does not have ([layers])."""
    kept = tuple((v, s) for v, s in profile.wall_playlist if profile.shows(v))
    return kept or profile.wall_playlist
