"""The architecture holds: layers import one way, pages stay thin, modules stay readable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import APP_PAGES, REPO_ROOT

SRC = REPO_ROOT / "src" / "ccdash"
LAYERS = ("data", "metrics", "analysis", "present", "app")


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: layers one way, streamlit and duckdb each in one place."""
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--config", str(REPO_ROOT / "pyproject.toml")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


def _ccdash_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ccdash"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("ccdash")}
    return names


@pytest.mark.parametrize(
    "page",
    [*sorted(p.name for p in APP_PAGES.glob("*.py") if p.name != "__init__.py"), "../dashboard.py"],
)
def test_pages_are_thin_and_import_only_the_app_layer(page):
    path = (APP_PAGES / page).resolve()
    imports = _ccdash_imports(path)
    assert imports and all(m.startswith("ccdash.app") for m in imports), imports
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 15


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_it_owns_and_may_import(layer):
    doc = ast.get_docstring(ast.parse((SRC / layer / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "import" in doc.lower(), (
        f"{layer}/__init__.py needs a docstring naming what it may import"
    )


def test_the_module_map_in_docs_architecture_md_names_every_module():
    readme = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for p in SRC.rglob("*.py"):
        if p.name in ("__init__.py", "__main__.py"):
            continue
        rel = p.relative_to(SRC).with_suffix("")
        assert f"`{rel.name}`" in readme, (
            f"docs/architecture.md's module map does not mention {rel}"
        )
