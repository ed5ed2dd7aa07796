"""The city profile and ingest mappings, checked against a JSON Schema before they are used.

A bad file gets one line naming the file, the key and what is expected (jsonschema's own message, with
the schema's description of the key), instead of a traceback from wherever the value is first used.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match


def _num(
    lo: float | None = None, hi: float | None = None, exclusive_lo: bool = False, **kw
) -> dict:
    s = {"type": "number", **kw}
    if lo is not None:
        s["exclusiveMinimum" if exclusive_lo else "minimum"] = lo
    if hi is not None:
        s["maximum"] = hi
    return s


STR = {"type": "string"}
FILE = {
    "type": "string",
    "format": "file",
    "description": "a file name, relative to the profile's folder; leave the key out when there is none",
}
LANG = {
    "type": "string",
    "pattern": r"^[a-z]{2,3}(_[A-Z][A-Za-z0-9]{1,7})?$",
    "description": 'a language code with a catalog, e.g. "id", "en", "ms", "th", "pt_BR"',
}
LANG_KEY = r"^[a-z]{2,3}(_[A-Z][A-Za-z0-9]{1,7})?$"
PAIR = {
    "type": "object",
    "patternProperties": {LANG_KEY: STR},
    "additionalProperties": False,
    "minProperties": 1,
    "description": 'a table of labels by language, e.g. { id = "Indonesian", en = "English" }',
}


def _section(properties: dict, required: tuple = (), **kw) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": list(required),
        **kw,
    }


PROFILE = _section(
    {
        "city": _section(
            {
                "name": STR,
                "synthetic": {"type": "boolean"},
                "timezone": {
                    "type": "string",
                    "format": "timezone",
                    "description": 'an IANA zone name, e.g. "Asia/Jakarta"',
                },
                "timezone_label": STR,
                "default_language": LANG,
                "languages": {"type": "array", "items": LANG, "minItems": 1},
                "clock": {"enum": ["data", "system"]},
            },
            required=("name",),
        ),
        "map": _section(
            {
                "center_lat": _num(-90, 90),
                "center_lon": _num(-180, 180),
                "zoom": _num(0, 22),
                "bbox": {
                    "type": "array",
                    "items": _num(-180, 180),
                    "minItems": 4,
                    "maxItems": 4,
                    "description": "[min_lon, min_lat, max_lon, max_lat]",
                },
                "tile_style": STR,
                "attribution": STR,
                "districts_name_property": STR,
                "districts_file": FILE
                | {"description": "a GeoJSON file of district polygons, relative to the profile"},
                "facts_file": FILE
                | {
                    "description": "a CSV of district facts (kecamatan, centroid, population), relative "
                    "to the profile"
                },
            },
            required=("bbox",),
        ),
        "sla": _section({"default_days": _num(0, exclusive_lo=True)}),
        "categories": {
            "type": "object",
            "additionalProperties": _section(
                {"agency": STR, "sla_days": _num(0, exclusive_lo=True)},
                patternProperties={LANG_KEY: STR},
            ),
        },
        "agencies": {"type": "object", "additionalProperties": STR},
        "thresholds": {
            "type": "object",
            "properties": {
                "stale_hours": _num(0, exclusive_lo=True),
                "k_anonymity": {"type": "integer", "minimum": 1},
            },
            "additionalProperties": _num(),
        },
        # Out of these ranges every category becomes a spike, or none can: refused with the range.
        "alerts": _section(
            {
                "baseline_days": {
                    "type": "integer",
                    "minimum": 7,
                    "maximum": 365,
                    "description": "whole days of history, at least a week (the weekly pattern)",
                },
                "p_threshold": _num(
                    0, 0.05, exclusive_lo=True, description="a probability above 0, at most 0.05"
                ),
                "min_count": _num(1),
                "min_history_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 365,
                    "description": "whole days a series must have been reported before it can spike",
                },
                "min_ratio": _num(1),
                "min_rate": _num(0, exclusive_lo=True),
                "sla_horizon_hours": _num(1),
                "sla_min_count": _num(1),
                "cctv_offline_hours": _num(0, exclusive_lo=True),
            }
        ),
        "wall": _section(
            {
                "refresh_seconds": _num(1),
                "playlist": {
                    "type": "array",
                    "minItems": 1,
                    "items": _section(
                        {
                            "view": {"enum": ["overview", "complaints", "cctv", "wifi", "alerts"]},
                            "seconds": _num(3),
                        },
                        required=("view",),
                    ),
                },
            }
        ),
        "tour": _section({"captions_file": FILE}),
        "engine": _section(
            {
                "kind": {"enum": ["duckdb", "spark"]},
                "spark_url": {
                    "type": "string",
                    "pattern": "^sc://",
                    "description": "sc://HOST:PORT",
                },
                "data_path": {"type": "string", "minLength": 1},
            }
        ),
        "coverage": _section(
            {
                "h3_resolution": {"type": "integer", "minimum": 8, "maximum": 11},
                "new_point_radius_m": _num(0, exclusive_lo=True),
                "peak_hour_share": _num(0, 1, exclusive_lo=True),
                "congested_mbps_per_user": _num(0, exclusive_lo=True),
                "candidates_file": FILE,
                "population_grid_file": FILE,
            }
        ),
        "ingest": _section(
            {
                "earliest": {
                    "type": "string",
                    "format": "date",
                    "description": "a date, YYYY-MM-DD",
                },
                "max_text_chars": {"type": "integer", "minimum": 50},
            }
        ),
        "layers": _section(
            {
                "complaints": {"type": "boolean"},
                "cctv": {"type": "boolean"},
                "wifi": {"type": "boolean"},
            },
            description="complaints, cctv and wifi = true or false: the layers the city has",
        ),
        "access": _section(
            {
                "claim": {
                    "type": "string",
                    "minLength": 1,
                    "description": "the identity provider's claim that lists a user's groups, e.g. \"groups\"",
                },
                "roles": {
                    "type": "object",
                    "additionalProperties": {"enum": ["viewer", "analyst", "admin"]},
                    "description": 'group -> role, e.g. { "ccdash-analyst" = "analyst" }',
                },
                "default_role": {"enum": ["none", "viewer", "analyst", "admin"]},
            }
        ),
        "words": {"type": "object", "additionalProperties": PAIR},
        "channels": {"type": "object", "additionalProperties": PAIR},
        "cctv": _section(
            {
                "default_view_radius_m": _num(0, exclusive_lo=True),
                "silent_hours": _num(0, exclusive_lo=True),
            }
        ),
        "wifi": _section(
            {
                "default_radius_m": {
                    "type": "object",
                    "additionalProperties": _num(0, exclusive_lo=True),
                },
                "fast_mbps": {"type": "integer", "minimum": 1},
            }
        ),
    },
    required=("city", "map"),
)

STRINGS = {"type": "object", "additionalProperties": STR}
MAPPING = _section(
    {
        "select": {
            "type": "string",
            "description": "one SQL SELECT over `source` (the raw file), run by DuckDB",
        },
        "columns": STRINGS,
        "values": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": STR},
        },
        "patterns": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": STR,
                "propertyNames": {
                    "format": "regex",
                    "description": "a regular expression (Python syntax)",
                },
            },
        },
        "constants": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "templates": {
            "type": "object",
            "additionalProperties": {
                "type": "string",
                "pattern": "\\{[^{}]+\\}",
                "description": 'source columns in braces, e.g. "{Tanggal} {Jam}" or "{Street} {Number}"',
            },
        },
        "scale": {
            "type": "object",
            "additionalProperties": {
                "type": "number",
                "description": "a factor, e.g. 0.000001 for coordinates in millionths of a degree",
            },
        },
        "pad": {
            "type": "object",
            "additionalProperties": {
                "type": "integer",
                "minimum": 1,
                "maximum": 40,
                "description": "a width: whole-number codes get leading zeros up to it, e.g. 3 turns 7 into 007",
            },
        },
        "dates": _section(
            {
                "format": {
                    "type": "string",
                    "description": 'a strftime format, e.g. "%m/%d/%Y %I:%M %p"',
                },
                "columns": STRINGS,
                "timezone": {
                    "type": "string",
                    "format": "timezone",
                    "description": 'an IANA zone name, e.g. "America/New_York"',
                },
            }
        ),
        "nulls": {
            "type": "object",
            "additionalProperties": {"type": ["string", "array"], "items": STR},
        },
        "closing": _section(
            {
                "closed_at_from": {
                    "type": "string",
                    "description": "a column whose time closes a resolved or rejected complaint that has no closing time",
                }
            }
        ),
        "placeholders": _section(
            {
                "points": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                    "description": "[[lat, lon], ...]",
                }
            }
        ),
    }
)


DURATION = {
    "type": "string",
    "pattern": "^[0-9]+(\\.[0-9]+)?(s|m|h|d)$",
    "description": 'a duration: a number and s, m, h or d, e.g. "30s", "5m", "1h"',
}
ENV = {
    "type": "string",
    "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
    "description": "the name of an environment variable (the secret itself never goes in this file)",
}
NO_USERINFO = {
    "type": "string",
    "pattern": "^https?://[^/@]+(/.*)?$",
    "description": "an http(s) address with no user or password in it (use token_env or user_env)",
}
_SOURCE_COMMON = {
    "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"},
    "kind": {"enum": ["complaints", "cctv", "wifi", "wifi_usage"]},
    "mapping": FILE,
    "every": DURATION,
    "retries": {"type": "integer", "minimum": 0, "maximum": 10},
    "timeout": DURATION,
}
_DB = {
    "type": STR,
    "connection_env": ENV,
    "query": {
        "type": "string",
        "description": "a SELECT of the rows to pull (ccdash adds the cursor's condition)",
    },
    "cursor": {
        "type": "string",
        "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
        "description": "a column of the query that grows when a row is added or changed",
    },
    "overlap": DURATION,
}
_HTTP = {
    "type": STR,
    "url": NO_USERINFO,
    "records": {
        "type": "string",
        "description": 'the dotted path to the list of records, e.g. "data.items"',
    },
    "token_env": ENV,
    "user_env": ENV,
    "password_env": ENV,
    "page": _section(
        {
            "param": STR,
            "start": {"type": "integer"},
            "size_param": STR,
            "size": {"type": "integer", "minimum": 1, "maximum": 100000},
            "offset_param": STR,
            "next": {"type": "string", "description": "dotted path to the next page's address"},
        }
    ),
    "params": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
    "since_param": STR,
    "cursor": {"type": "string", "description": "dotted path, in a record, to its change time"},
    "overlap": DURATION,
    "max_pages": {"type": "integer", "minimum": 1},
}
_FOLDER = {
    "type": STR,
    "path": STR,
    "stable": DURATION,
}
SOURCES = _section(
    {
        "source": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "kind", "type"],
                "properties": {"type": {"enum": ["postgresql", "mysql", "http", "folder"]}},
                "allOf": [
                    {
                        "if": {"properties": {"type": {"enum": list(types)}}},
                        "then": _section({**_SOURCE_COMMON, **fields}, required),
                    }
                    for types, fields, required in (
                        (("postgresql", "mysql"), _DB, ("connection_env", "query")),
                        (("http",), _HTTP, ("url",)),
                        (("folder",), _FOLDER, ("path",)),
                    )
                ],
            },
        }
    },
    ("source",),
)


def _plain(value):
    """TOML's dates and times as ISO text, so that a JSON Schema can check them."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _checker(base: Path) -> FormatChecker:
    checker = FormatChecker(["regex", "date"])

    @checker.checks("timezone", raises=(ZoneInfoNotFoundError, ValueError))
    def _zone(value) -> bool:
        return not isinstance(value, str) or bool(ZoneInfo(value))

    @checker.checks("file")
    def _file(value) -> bool:
        return not isinstance(value, str) or not value or (base / value).is_file()

    return checker


def _where(error) -> str:
    """[section] key.sub[2] of an error."""
    path = list(error.absolute_path)
    if not path:
        return "(top level)"
    head, rest = f"[{path[0]}]", ""
    for p in path[1:]:
        rest += f"[{p}]" if isinstance(p, int) else (f".{p}" if rest else str(p))
    return f"{head} {rest}".strip()


def _message(error, base: Path) -> str:
    if error.validator == "format" and error.validator_value == "file":
        return f"{error.instance!r} does not exist in {base}"
    if error.validator == "format" and error.validator_value == "timezone":
        near = difflib.get_close_matches(str(error.instance), sorted(available_timezones()), n=1)
        return f"{error.instance!r} is not a time zone" + (
            f" (did you mean {near[0]!r}?)" if near else ""
        )
    if error.validator == "format" and error.validator_value == "regex":
        try:
            re.compile(error.instance)
        except re.error as e:
            return f"{error.instance!r} is not a valid regular expression ({e})"
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        extra = ", ".join(repr(k) for k in error.instance if k not in known)
        return f"{extra} is not a key here" + (
            f"; known: {', '.join(sorted(known))}" if known else ""
        )
    return error.message


def load_checked(path: Path | str, schema: dict, what: str) -> dict:
    """A TOML file read and checked against `schema`, or ValueError with one line naming the file
    ("{what} not found", "not valid TOML", or the key and what is expected)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ValueError(f"{what} not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{what} {path} is not valid TOML: {e}") from None
    return check(raw, schema, what, path)


def check(raw: dict, schema: dict, what: str, path: Path) -> dict:
    """raw with TOML dates as text, or ValueError with one line: the file, the key, what is wrong and what
    is expected."""
    raw = _plain(raw)
    validator = Draft202012Validator(schema, format_checker=_checker(Path(path).parent))
    error = best_match(validator.iter_errors(raw))
    if error is None:
        return raw
    expected = error.schema.get("description") if isinstance(error.schema, dict) else None
    line = f"{what} {path}: {_where(error)}: {_message(error, Path(path).parent)}"
    if expected and expected not in line and "did you mean" not in line:
        line += f" (expected {expected})"
    raise ValueError(" ".join(line.split())[:400])
