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
