"""`sync` against real servers started here: PostgreSQL and MariaDB from Debian's packages, and a
real HTTP server on loopback serving paginated, token-protected JSON. First pull, incremental pull
(a status change upserts the stored row), a restart that resumes from the cursor, the database
killed mid-pull, 500s, timeouts, invalid JSON and a renamed field: a clear error, nothing stored,
the cursor unchanged."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from ccdash.cli_sync import Syncer, backoff
from ccdash.data.dataset import read_stored
from ccdash.data.sources import SourcesError, load_sources, read_state, source_health
from tests.servers import PASSWORD, start_mariadb, start_postgres
from tests.test_ingest import snapshot
from tests.test_select import CAMERA_API, CAMERA_SELECT

LAPOR_SELECT = '''
select = """
SELECT ticket AS complaint_id, opened AS created_at,
       CASE WHEN state = 'finished' THEN last_activity END AS closed_at,
       CASE state WHEN 'finished' THEN 'resolved' WHEN 'open' THEN 'new' ELSE state END AS status,
       split_part(trim(tags, '{}'), ',', 1) AS category,
       nullif(trim(split_part(departments, ',', 1)), '') AS agency,
       'lapor' AS channel, district AS kecamatan,
       try_cast(split_part(position, ',', 2) AS DOUBLE) AS lat,
       try_cast(split_part(position, ',', 1) AS DOUBLE) AS lon
FROM source
"""
'''

DISTRICTS = ["Coblong", "Lengkong", "Cicendo", "Sukajadi"]


class Clock:
    """A clock the test moves (sync's schedule never reads the real time here)."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def table_rows(n: int, start: int = 0, updated: str = "2026-11-10 08:00:00+00"):
    out = []
    for i in range(start, start + n):
        out.append(
            (
                f"L-{i}",
                f"2026-11-{1 + i % 9:02d} {8 + i % 10:02d}:00:00",
                f"2026-11-{2 + i % 9:02d} 09:00:00",
                "finished" if i % 3 == 0 else "open",
                "{road_damage,sidewalk}" if i % 2 else "{waste}",
                "DSDABM, DISHUB" if i % 2 else "DLH",
                f"{107.60 + (i % 7) / 1000:.4f},{-6.90 - (i % 5) / 1000:.4f}",
                DISTRICTS[i % 4],
                updated,
            )
        )
    return out


COLUMNS = "ticket, opened, last_activity, state, tags, departments, position, district, updated_at"


def setup(city: Path, tmp_path: Path, source: str, mapping: str = LAPOR_SELECT) -> Path:
    (city / "lapor.toml").write_text(mapping, encoding="utf-8")
    path = city / "sources.toml"
    path.write_text(source, encoding="utf-8")
    return path


def syncer(city: Path, sources: Path, secrets: dict | None = None, **kw) -> Syncer:
    lines: list[str] = []
    s = Syncer(
        city,
        city / "city.toml",
        sources,
        clock=kw.pop("clock", Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))),
        sleep=kw.pop("sleep", lambda s: None),
        secrets=secrets or {},
        log=lines.append,
        **kw,
    )
    s.lines = lines  # type: ignore[attr-defined]
    return s


def complaints(city: Path) -> pd.DataFrame:
    return read_stored(city, "complaints").to_pandas().set_index("complaint_id")


# PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    server = start_postgres(tmp_path_factory.mktemp("pg"))
    yield server
    server.stop()


def pg_table(server, rows) -> None:
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS laporan")
        conn.execute(
            "CREATE TABLE laporan (ticket text PRIMARY KEY, opened timestamp, last_activity "
            "timestamp, state text, tags text, departments text, position text, district text, "
            "updated_at timestamptz NOT NULL)"
        )
        with conn.cursor() as cur, cur.copy(f"COPY laporan ({COLUMNS}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)


PG_SOURCE = """
[[source]]
name = "lapor-db"
kind = "complaints"
type = "postgresql"
connection_env = "TEST_LAPOR_DSN"
query = "SELECT * FROM laporan WHERE district <> 'nowhere'"
cursor = "updated_at"
mapping = "lapor.toml"
every = "5m"
"""


def test_postgres_first_pull_incremental_upsert_and_restart(
    postgres, writable_city, tmp_path, monkeypatch
):
    pg_table(postgres, table_rows(40))
    monkeypatch.setenv("TEST_LAPOR_DSN", postgres.url)
    sources = setup(writable_city, tmp_path, PG_SOURCE)
    before = len(complaints(writable_city))
    s = syncer(writable_city, sources)
    assert s.run(once=True) == 0
    stored = complaints(writable_city)
    assert len(stored) == before + 40
    record = read_state(writable_city)["lapor-db"]
    assert (record["fetched"], record["added"], record["updated"]) == (40, 40, 0)
    assert record["cursor"] == {"type": "datetime", "value": "2026-11-10T08:00:00+00:00"}
    # independent check of the derivations, row by row
    for r in table_rows(40):
        got = stored.loc[r[0]]
        assert got.status == ("resolved" if r[3] == "finished" else "new")
        assert got.category == r[4].strip("{}").split(",")[0]
        assert pd.isna(got.closed_at) == (r[3] != "finished")

    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as conn:  # one change, two new rows
        conn.execute(
            "UPDATE laporan SET state = 'finished', updated_at = '2026-11-11 09:00+00' "
            "WHERE ticket = 'L-1'"
        )
        with conn.cursor() as cur, cur.copy(f"COPY laporan ({COLUMNS}) FROM STDIN") as copy:
            for r in table_rows(2, start=40, updated="2026-11-11 10:00:00+00"):
                copy.write_row(r)
    # a new process: it resumes from the stored cursor
    again = syncer(writable_city, sources)
    assert again.run(once=True) == 0
    record = read_state(writable_city)["lapor-db"]
    assert (record["fetched"], record["added"], record["updated"]) == (3, 2, 1)
    stored = complaints(writable_city)
    assert len(stored) == before + 42
    assert stored.loc["L-1"].status == "resolved" and not pd.isna(stored.loc["L-1"].closed_at)
    # nothing changed since: nothing fetched, nothing written
    table = snapshot(writable_city / "complaints")
    assert syncer(writable_city, sources).run(once=True) == 0
    assert read_state(writable_city)["lapor-db"]["fetched"] == 0
    assert snapshot(writable_city / "complaints") == table


def test_postgres_killed_mid_pull_stores_nothing_and_the_next_pull_completes(
    postgres, writable_city, tmp_path, monkeypatch
):
    rows = table_rows(150_000)
    pg_table(postgres, rows)
    monkeypatch.setenv("TEST_LAPOR_DSN", postgres.url)
    sources = setup(writable_city, tmp_path, PG_SOURCE)
    table = snapshot(writable_city / "complaints")

    killed = []

    def kill_after_first_chunk(written: int) -> None:
        if not killed:
            killed.append(written)
            postgres.kill()  # every backend gone at once, the pull mid-COPY

    s = syncer(writable_city, sources, progress=kill_after_first_chunk)
    try:
        assert s.run(once=True) == 1
    finally:
        postgres.start()
    assert killed
    record = read_state(writable_city)["lapor-db"]
    assert "cursor" not in record or record["cursor"] is None
    assert record["public_error"] == "unreachable"
    assert PASSWORD not in json.dumps(record) and PASSWORD not in "\n".join(s.lines)
    assert snapshot(writable_city / "complaints") == table  # nothing half-written
    assert not list((writable_city / "_sources").glob(".lapor-db-*"))  # staging removed
    # the server is back: the next pull completes
    assert syncer(writable_city, sources).run(once=True) == 0
    assert read_state(writable_city)["lapor-db"]["added"] == 150_000


def test_a_wrong_password_is_one_line_without_the_secret(
    postgres, writable_city, tmp_path, monkeypatch
):
    monkeypatch.setenv("TEST_LAPOR_DSN", postgres.url.replace(PASSWORD, "wrong-pw-123"))
    sources = setup(writable_city, tmp_path, PG_SOURCE)
    s = syncer(writable_city, sources)
    assert s.run(once=True) == 1
    record = read_state(writable_city)["lapor-db"]
    assert "password authentication failed" in record["last_error"]
    assert "wrong-pw-123" not in json.dumps(record) and "wrong-pw-123" not in "\n".join(s.lines)


def test_the_secret_comes_from_the_secrets_file_when_the_environment_has_none(
    postgres, writable_city, tmp_path, monkeypatch
):
    pg_table(postgres, table_rows(5))
    monkeypatch.delenv("TEST_LAPOR_DSN", raising=False)
    sources = setup(writable_city, tmp_path, PG_SOURCE)
    assert syncer(writable_city, sources).run(once=True) == 1
    assert "TEST_LAPOR_DSN" in read_state(writable_city)["lapor-db"]["last_error"]
    secrets = {"sources": {"lapor-db": {"connection": postgres.url}}}
    assert syncer(writable_city, sources, secrets).run(once=True) == 0
    assert read_state(writable_city)["lapor-db"]["added"] == 5


# MariaDB -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    server = start_mariadb(tmp_path_factory.mktemp("maria"))
    yield server
    server.stop()


def test_mariadb_first_pull_then_a_status_change_upserts(
    mariadb, writable_city, tmp_path, monkeypatch
):
    import pymysql

    conn = pymysql.connect(
        host="127.0.0.1",
        port=mariadb.port,
        user="ccdash",
        password=PASSWORD,
        database="ccdash",
        autocommit=True,
    )
    with conn.cursor() as c:
        c.execute(
            "CREATE TABLE laporan (ticket VARCHAR(20) PRIMARY KEY, opened DATETIME, last_activity "
            "DATETIME, state VARCHAR(20), tags TEXT, departments TEXT, position TEXT, district TEXT, "
            "updated_at DATETIME(6) NOT NULL)"
        )
        rows = [r[:-1] + ("2026-11-10 08:00:00",) for r in table_rows(30)]
        c.executemany(f"INSERT INTO laporan ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
    monkeypatch.setenv("TEST_LAPOR_MYSQL", mariadb.url)
    sources = setup(
        writable_city,
        tmp_path,
        PG_SOURCE.replace("postgresql", "mysql").replace("TEST_LAPOR_DSN", "TEST_LAPOR_MYSQL"),
    )
    before = len(complaints(writable_city))
    assert syncer(writable_city, sources).run(once=True) == 0
    assert len(complaints(writable_city)) == before + 30
    with conn.cursor() as c:
        c.execute(
            "UPDATE laporan SET state='finished', updated_at='2026-11-11 09:00:00' WHERE ticket='L-2'"
        )
    assert syncer(writable_city, sources).run(once=True) == 0
    record = read_state(writable_city)["lapor-db"]
    assert (record["fetched"], record["added"], record["updated"]) == (1, 0, 1)
    assert complaints(writable_city).loc["L-2"].status == "resolved"
    conn.close()


# An HTTP API ---------------------------------------------------------------------------------

TOKEN = "tok-9f8e7d6c5b4a"


class CameraAPI:
    """A camera-management API: GET /api/cameras?page=N&per_page=K&updated_since=T with a bearer
    token; each page a {"data": {"districts": [...]}} of the cameras changed since T."""

    def __init__(self):
        self.cameras = []  # (district, camera, updated)
        self.fail = 0  # answer this many requests with 500 first
        self.mode = "ok"  # ok | hang | garbage
        self.requests: list[dict] = []
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                api.requests.append(q)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, b'{"error": "unauthorized"}')
                if api.fail:
                    api.fail -= 1
                    return self._send(500, b"oops")
                if api.mode == "hang":
                    api.release.wait(120)  # never answers within the client's timeout
                    return self._send(200, b"{}")
                if api.mode == "garbage":
                    return self._send(200, b"<html>maintenance</html>")
                since = q.get("updated_since", "")
                rows = [c for c in api.cameras if c[2] > since]
                page, size = int(q.get("page", 1)), int(q.get("per_page", 2))
                chunk = rows[(page - 1) * size : page * size]
                districts: dict[str, list] = {}
                for d, cam, upd in chunk:
                    districts.setdefault(d, []).append({**cam, "updated": upd})
                body = {
                    "data": {"districts": [{"name": d, "cameras": c} for d, c in districts.items()]}
                }
                self._send(200, json.dumps(body).encode())

            def _send(self, code, body):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/cameras"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    a = CameraAPI()
    for d in CAMERA_API["districts"]:
        for cam in d["cameras"]:
            a.cameras.append((d["name"], cam, "2026-11-10T08:00:00Z"))
    yield a
    a.close()


HTTP_SOURCE = """
[[source]]
name = "cameras"
kind = "cctv"
type = "http"
url = "{url}"
records = "data.districts"
token_env = "TEST_CAM_TOKEN"
page = {{ param = "page", size_param = "per_page", size = 2 }}
since_param = "updated_since"
mapping = "lapor.toml"
every = "15m"
timeout = "2s"
retries = 2
"""

API_SELECT = CAMERA_SELECT.replace("d.name AS kecamatan", "name AS kecamatan").replace(
    "FROM source, unnest(districts) AS t(d), unnest(d.cameras)", "FROM source, unnest(cameras)"
)


def cams(city):
    return read_stored(city, "cctv_sites").to_pandas().set_index("camera_id")


def test_a_paginated_token_protected_api_pulled_then_only_what_changed(
    api, writable_city, tmp_path, monkeypatch
):
    monkeypatch.setenv("TEST_CAM_TOKEN", TOKEN)
    sources = setup(writable_city, tmp_path, HTTP_SOURCE.format(url=api.url), API_SELECT)
    before = len(cams(writable_city))
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    assert syncer(writable_city, sources, clock=clock).run(once=True) == 0
    assert len(cams(writable_city)) == before + 3
    assert [r.get("page") for r in api.requests] == ["1", "2", "3"]  # 3 cameras, 2 a page
    assert cams(writable_city).loc["api-2"].status == "offline"
    # one camera changes; the next pull asks only for what changed since the last one began
    api.requests.clear()
    d, cam, _ = api.cameras[1]
    api.cameras[1] = (d, {**cam, "status": {"label": "ONLINE"}}, "2026-11-20T08:05:00Z")
    clock.at += timedelta(minutes=15)
    assert syncer(writable_city, sources, clock=clock).run(once=True) == 0
    assert api.requests[0]["updated_since"] == "2026-11-20T08:00:00Z"
    record = read_state(writable_city)["cameras"]
    assert (record["fetched"], record["added"], record["updated"]) == (1, 0, 1)
    assert cams(writable_city).loc["api-2"].status == "online"


def test_api_500s_are_retried_with_backoff(api, writable_city, tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_CAM_TOKEN", TOKEN)
    sources = setup(writable_city, tmp_path, HTTP_SOURCE.format(url=api.url), API_SELECT)
    api.fail = 2
    slept: list[float] = []
    assert syncer(writable_city, sources, sleep=slept.append).run(once=True) == 0
    assert slept == [1.0, 2.0]
    assert read_state(writable_city)["cameras"]["added"] == 3


@pytest.mark.parametrize(
    "mode, public, line",
    [
        ("500", "server_error", "page 1: HTTP 500 (3 tries)"),
        ("hang", "timed_out", "page 1: no answer within 2 s (3 tries)"),
        ("garbage", "invalid_response", "page 1 is not valid JSON"),
        ("token", "refused", "page 1: HTTP 401 (check the token or user)"),
        ("renamed", "mapping", "location"),
        ("records", "changed_shape", "no list of records at 'data.items'"),
    ],
)
def test_a_failing_api_changes_nothing_and_says_why(
    api, writable_city, tmp_path, monkeypatch, mode, public, line
):
    monkeypatch.setenv("TEST_CAM_TOKEN", "wrong-token-xyz" if mode == "token" else TOKEN)
    text = HTTP_SOURCE.format(url=api.url)
    if mode == "records":
        text = text.replace('records = "data.districts"', 'records = "data.items"')
    sources = setup(writable_city, tmp_path, text, API_SELECT)
    api.fail = 100 if mode == "500" else 0
    api.mode = mode if mode in ("hang", "garbage") else "ok"
    if mode == "renamed":
        api.cameras = [
            (d, json.loads(json.dumps(c).replace('"location"', '"position"')), u)
            for d, c, u in api.cameras
        ]
    before = snapshot(writable_city / "cctv_sites")
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    s = syncer(writable_city, sources, clock=clock)
    assert s.run(once=True) == 1
    record = read_state(writable_city)["cameras"]
    assert record["public_error"] == public
    assert line in record["last_error"]
    assert record.get("cursor") is None and record["failing_since"] == clock.at.isoformat()
    assert record["next_pull"] == (clock.at + backoff(1, timedelta(minutes=15))).isoformat()
    assert "wrong-token-xyz" not in json.dumps(record) and TOKEN not in json.dumps(record)
    assert snapshot(writable_city / "cctv_sites") == before
    # on every screen: late, since when, why (the short reason, no address)
    (late,) = [h for h in source_health(writable_city, clock.at) if h.name == "cameras"]
    assert late.late and late.since == clock.at and late.reason == public
    assert "127.0.0.1" not in late.reason


def test_backoff_grows_and_never_passes_the_interval():
    every = timedelta(minutes=5)
    assert [backoff(n, every).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


# The sources file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            'type = "postgresql"\nconnection_env = "X"\nquery = "SELECT 1"\npassword = "p"',
            "'password' is not a key here",
        ),
        ('type = "http"\nurl = "https://user:pw@api.example/x"', "no user or password in it"),
        ('type = "ftp"', "'ftp' is not one of"),
        ('type = "mysql"\nconnection_env = "X"\nquery = "SELECT 1"\nevery = "5 min"', "a duration"),
        ('type = "postgresql"\nquery = "SELECT 1"', "'connection_env' is a required property"),
    ],
)
def test_a_bad_sources_file_is_one_line_naming_the_key(tmp_path, entry, message):
    p = tmp_path / "sources.toml"
    p.write_text(f'[[source]]\nname = "s"\nkind = "complaints"\n{entry}\n')
    with pytest.raises(SourcesError, match="sources file") as e:
        load_sources(p)
    assert message in str(e.value)


# On screen -----------------------------------------------------------------------------------


def test_the_data_page_and_the_wall_say_which_source_is_late_and_why(
    api, writable_city, tmp_path, monkeypatch
):
    from tests.apptest import desk_app
    from tests.test_wall import run as wall

    monkeypatch.setenv("TEST_CAM_TOKEN", TOKEN)
    sources = setup(writable_city, tmp_path, HTTP_SOURCE.format(url=api.url), API_SELECT)
    text = sources.read_text() + PG_SOURCE.replace("lapor-db", "lapor-db2")
    sources.write_text(text)
    api.mode = "garbage"
    now = datetime.now(UTC).replace(microsecond=0)
    assert syncer(writable_city, sources, clock=Clock(now)).run(once=True) == 1
    monkeypatch.setenv("CCDASH_DATA_DIR", str(writable_city))
    at = desk_app(60)
    at.switch_page("app_pages/data.py")
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Source" in d.value.columns)
    rows = table.set_index("Source")
    assert set(rows.index) == {"cameras", "lapor-db2"}
    assert rows.loc["cameras", "State"].startswith("LATE since")
    assert rows.loc["cameras", "Last error"] == "an invalid response"  # not signed in: the reason
    assert rows.loc["lapor-db2", "Kind"] == "complaints"
    assert rows.loc["lapor-db2", "Last error"] == "not configured"  # no TEST_LAPOR_DSN here
    screen = wall(monkeypatch, writable_city, {"mode": "wall", "lang": "en"}, allow_failures=True)
    (ticker,) = [
        h.proto.body for h in screen.get("html") if 'class="ccdash-ticker"' in h.proto.body
    ]
    assert '<span class="ccdash-item ccdash-level-watch">Source cameras late since ' in ticker
    assert ": an invalid response</span>" in ticker
    assert ticker.index("Source cameras") < ticker.index("Source lapor-db2")  # file order
    assert api.url.split("/api")[0] not in ticker and str(writable_city) not in ticker


def test_a_city_with_only_a_complaints_file_pulls_and_shows_its_sources(
    postgres, city_dir, tmp_path, monkeypatch
):
    from tests.test_any_city import app, bare_city, page

    city = tmp_path / "bare"
    bare_city(city_dir, city)  # no polygons, population, CCTV, wifi or captions
    pg_table(postgres, table_rows(12))
    monkeypatch.setenv("TEST_LAPOR_DSN", postgres.url)
    sources = setup(city, tmp_path, PG_SOURCE)
    before = len(complaints(city))
    now = datetime.now(UTC)  # the Data page judges lateness by the real clock
    assert syncer(city, sources, clock=Clock(now)).run(once=True) == 0
    assert len(complaints(city)) == before + 12
    at = page(app(monkeypatch, city), "data")
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Source" in d.value.columns)
    assert table.set_index("Source").loc["lapor-db", "State"] == "on time"
