"""Docs that cannot drift: the schema, the pages and the profile's keys are all documented."""

from __future__ import annotations

import re
import tomllib

from ccdash.data.files import arrow_schema
from ccdash.data.schema import TABLES, displayable
from tests.paths import DEMO_DIR, PACKAGE, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
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


def test_every_profile_key_is_in_the_readme():
    profile = tomllib.loads((DEMO_DIR / "city.toml").read_text())
    for section, body in profile.items():
        if section in ("categories", "agencies", "channels", "words"):  # the city's own code tables
            assert f"[{section}" in README
            continue
        for key, value in body.items():
            if isinstance(value, dict):  # [wifi.default_radius_m]
                assert f"[{section}.{key}]" in README, (section, key)
            else:
                assert (
                    f"`[{section}] {key}" in README
                    or re.search(rf"`\[{section}\][^`]*\b{key}\b", README)
                    or f"`{key}`" in README
                ), (section, key)
