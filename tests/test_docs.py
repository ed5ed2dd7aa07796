"""Docs that cannot drift: the schema, the pages and the profile's keys are all documented."""

from __future__ import annotations

import re

from ccdash.data.config import PROFILE
from ccdash.data.files import arrow_schema
from ccdash.data.schema import TABLES, displayable
from tests.paths import PACKAGE, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
CONFIG_MD = (REPO_ROOT / "docs" / "configuration.md").read_text()
DATA_MD = (REPO_ROOT / "docs" / "data.md").read_text()


def test_every_canonical_column_is_in_docs_data_md():
    for table in TABLES.values():
        assert f"## {table.name}" in DATA_MD
        for col in table.columns:
            assert f"`{col.name}`" in DATA_MD, (table.name, col.name)


def test_personal_columns_never_displayable_and_typed_in_parquet():
    for name, table in TABLES.items():
        assert not set(table.personal) & set(displayable(name))
        assert arrow_schema(name).names == table.stored_names()
    assert TABLES["complaints"].personal == ["reporter_name", "reporter_phone", "reporter_email"]


def test_every_page_is_in_the_readme():
    router = (PACKAGE / "app" / "router.py").read_text()
    paths = re.findall(r'url_path="(\w+)"', router)
    # The router names every page but the default one: if this finds fewer, it reads the wrong file.
    assert len(paths) >= 7, paths
    for path in paths:
        assert f"`/{path}`" in README, path


def _schema_keys(schema: dict, path: tuple = ()) -> list[tuple[str, ...]]:
    """Every key the profile's JSON Schema allows, as paths (section, key)."""
    out = []
    for key, sub in schema.get("properties", {}).items():
        out.append((*path, key))
        if sub.get("type") == "object" and "properties" in sub and len(path) < 1:
            out += _schema_keys(sub, (*path, key))
    return out


def test_every_key_the_profile_schema_allows_is_in_docs_configuration_md():
    """Generated from the schema the profile is checked against: a key added there and not
    documented fails here."""
    keys = _schema_keys(PROFILE)
    assert len(keys) > 40, keys  # read the schema, not an empty dict
    for key in keys:
        if len(key) == 1:
            assert f"[{key[0]}" in CONFIG_MD, key
            continue
        section, name = key
        # A row of the key table: its first cell names the section and the key.
        first_cells = [
            line.split("|")[1]
            for line in CONFIG_MD.splitlines()
            if line.startswith("| `[") and (f"[{section}]" in line or f"[{section}." in line)
        ]
        documented = any(re.search(rf"\b{name}\b", cell) for cell in first_cells)
        assert documented, key


def test_every_doc_the_readme_links_exists_and_the_readme_stays_a_map():
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(links) >= 10, links
    for link in links:
        assert (REPO_ROOT / link).is_file(), link
    assert len(README.splitlines()) < 200
    for doc in (REPO_ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.name}" in README, f"{doc.name} is not linked from the README"
