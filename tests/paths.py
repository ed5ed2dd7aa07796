"""Where tests find the checkout's files (the package finds its own data through ccdash.data.profile)."""

from pathlib import Path

from ccdash.data.profile import DEMO_DIR, MAPPINGS_DIR, PROFILES_DIR

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "src" / "ccdash"
DASHBOARD = PACKAGE / "dashboard.py"
APP_PAGES = PACKAGE / "app_pages"

__all__ = [
    "APP_PAGES",
    "DASHBOARD",
    "DEMO_DIR",
    "MAPPINGS_DIR",
    "PACKAGE",
    "PROFILES_DIR",
    "REPO_ROOT",
]


def wall_times(df, timezone: str | None = None):
    """A frame read straight from stored Parquet with its instants as the city's wall times (what the
    store's queries and the screens give), so a test can compare it with what a page shows."""
    import pandas as pd

    from ccdash.data.profile import load_profile

    zone = timezone or load_profile(DEMO_DIR / "city.toml").timezone
    out = df.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert(zone).dt.tz_localize(None)
    return out
