"""Pulling what changed from a live source into a staged file that ingest then reads like any other.

- PostgreSQL (psycopg 3): one read-only REPEATABLE READ transaction; the highest cursor value and
  the rows up to it come from the same snapshot, streamed by COPY ... TO STDOUT (CSV) to disk.
- MySQL / MariaDB (PyMySQL): the same with START TRANSACTION WITH CONSISTENT SNAPSHOT and an
  unbuffered cursor, written to CSV a few thousand rows at a time.
- HTTP JSON APIs (requests): pages followed by number, offset or a next link, each page's records
  (found by a dotted path) appended as JSON lines; retried with backoff on 5xx, 429, timeouts and
  refused connections; a 4xx other than 429, invalid JSON or a missing records list stop the pull.

Memory stays bounded whatever the size: rows go to disk as they arrive. A pull returns the staged
files and the cursor to store, and stores nothing itself: `sync` ingests the files (validated and
upserted by id under the ingest lock) and only then records the cursor, so a pull that fails
anywhere leaves the tables and the cursor as they were. Why these libraries and not dlt, ADBC or
connectorx: docs/sources.md.
"""

from __future__ import annotations

import contextlib
import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlparse

from .sources import SourceSpec, duration

FETCH_ROWS = 5_000  # rows a MySQL fetch holds
MAX_PAGES = 100_000  # a paginated API that never ends is refused past this
MAX_BACKOFF_S = 60.0


class PullError(Exception):
    """A pull that failed; `public` is a reason code that screens translate (present.strings
    "source.<code>": no address, no path, no secret), the message the whole line for the
    administrator (secrets blotted out by sync)."""

    def __init__(self, message: str, public: str):
        super().__init__(message)
        self.public = public


@dataclass
class Pulled:
    files: list[Path] = field(default_factory=list)  # staged files to ingest; none: nothing new
    cursor: dict | None = None  # the cursor to store once the files are committed
    rows: int = 0  # records fetched


Progress = Callable[[int], None]  # called with the bytes or records written so far


# Cursor values: stored as {"type", "value"} text, turned back into the value a driver binds.


def cursor_record(value) -> dict:
    if isinstance(value, datetime):
        return {"type": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, bool):
        return {"type": "text", "value": str(value)}
    if isinstance(value, int):
        return {"type": "int", "value": str(value)}
    if isinstance(value, (float, Decimal)):
        return {"type": "decimal", "value": str(value)}
    return {"type": "text", "value": str(value)}


def cursor_value(record: dict | None, overlap: timedelta = timedelta(0)):
    """The stored cursor as a value to compare with, moved back by `overlap` when it is a time (rows
    a slow transaction committed late with an earlier time are then fetched again: upserted by id,
    they change nothing twice)."""
    if not record:
        return None
    kind, text = record.get("type"), str(record.get("value"))
    if kind == "datetime":
        return datetime.fromisoformat(text) - overlap
    if kind == "date":
        return date.fromisoformat(text) - overlap
    if kind == "int":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    return text


def _overlap(spec: SourceSpec) -> timedelta:
    text = spec.options.get("overlap")
    return duration(text) if text else timedelta(0)


def pull(
    spec: SourceSpec,
    cursor: dict | None,
    staging: Path,
    secrets: dict,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
) -> Pulled:
    """What changed in `spec`'s source since `cursor`, staged under `staging` (an empty folder)."""
    if spec.type == "postgresql":
        return _postgres(spec, cursor, staging, secrets, progress)
    if spec.type == "mysql":
        return _mysql(spec, cursor, staging, secrets, progress)
    if spec.type == "http":
        return _http(spec, cursor, staging, secrets, now, sleep, progress)
    raise PullError(f"{spec.name}: a {spec.type} source is not pulled", "config")


def _connection(spec: SourceSpec, secrets: dict) -> str:
    value = spec.secret("connection", secrets)
    if not value:
        env = spec.options["connection_env"]
        raise PullError(
            f"{spec.name}: no connection: set the environment variable {env} (or "
            f"[sources.{spec.name}] connection in the secrets file)",
            "not_configured",
        )
    return value


def _query(spec: SourceSpec) -> str:
    return spec.options["query"].strip().rstrip(";").strip()


# PostgreSQL ----------------------------------------------------------------------------------


def _postgres(spec, cursor, staging: Path, secrets: dict, progress) -> Pulled:
    import psycopg
    from psycopg import sql

    timeout_s = max(1, int(spec.timeout.total_seconds()))
    column = spec.options.get("cursor")
    base = sql.SQL("SELECT * FROM ({}) AS ccdash_src").format(sql.SQL(_query(spec)))
    target = staging / f"{spec.name}.csv"
    with (
        _database_errors(spec, psycopg),
        psycopg.connect(
            _connection(spec, secrets),
            connect_timeout=timeout_s,
            options="-c TimeZone=UTC -c DateStyle=ISO -c default_transaction_read_only=on",
        ) as conn,
    ):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            where: sql.Composable = sql.SQL("")
            high = None
            if column:
                col = sql.SQL("ccdash_src.{}").format(sql.Identifier(column))
                after = cursor_value(cursor, _overlap(spec))
                since = (
                    sql.SQL(" WHERE {} > {}").format(col, sql.Literal(after))
                    if after is not None
                    else sql.SQL(" WHERE {} IS NOT NULL").format(col)
                )
                top = sql.SQL("SELECT max({}) FROM ({}) AS ccdash_src{}").format(
                    col, sql.SQL(_query(spec)), since
                )
                high = conn.execute(top).fetchone()[0]  # type: ignore[index]
                if high is None:
                    return Pulled(cursor=cursor)  # nothing changed since the last pull
                where = sql.SQL("{} AND {} <= {}").format(since, col, sql.Literal(high))
            copy = sql.SQL("COPY ({}{}) TO STDOUT (FORMAT csv, HEADER true)").format(base, where)
            written = 0
            with conn.cursor() as cur:
                with cur.copy(copy) as stream, open(target, "wb") as out:
                    for chunk in stream:
                        out.write(chunk)
                        written += len(chunk)
                        if progress:
                            progress(written)
                rows = cur.rowcount  # COPY's own count: the file is not read again
    return Pulled([target], cursor_record(high) if column else None, rows)


@contextlib.contextmanager
def _database_errors(spec: SourceSpec, driver):
    """A DB-API driver's errors as PullErrors: a connection that fails or drops is `unreachable`,
    anything else the server says is `query_failed`."""
    try:
        yield
    except driver.OperationalError as e:
        raise PullError(f"{spec.name}: {_first(e)}", "unreachable") from None
    except driver.Error as e:
        raise PullError(
            f"{spec.name}: the database refused the query: {_first(e)}", "query_failed"
        ) from None


def _first(e: Exception) -> str:
    return " ".join((str(e).strip().splitlines() or [type(e).__name__])[0].split())[:300]


# MySQL / MariaDB -----------------------------------------------------------------------------


def _mysql(spec, cursor, staging: Path, secrets: dict, progress) -> Pulled:
    import pymysql  # type: ignore[import-untyped]
    import pymysql.cursors  # type: ignore[import-untyped]

    url = urlparse(_connection(spec, secrets))
    if url.scheme not in ("mysql", "mariadb"):
        raise PullError(
            f"{spec.name}: the connection must be mysql://user:password@host:port/database",
            "not_configured",
        )
    timeout_s = max(1, int(spec.timeout.total_seconds()))
    column = spec.options.get("cursor")
    target = staging / f"{spec.name}.csv"
    rows = 0
    with _database_errors(spec, pymysql):
        conn = pymysql.connect(
            host=url.hostname or "localhost",
            port=url.port or 3306,
            user=url.username,
            password=url.password or "",
            database=url.path.lstrip("/") or None,
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            charset="utf8mb4",
        )
        try:
            with conn.cursor() as c:
                c.execute("SET time_zone = '+00:00'")
                c.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            base = f"SELECT * FROM ({_query(spec)}) AS ccdash_src"
            where, args = "", list[object]()
            high = None
            if column:
                col = "ccdash_src.`" + column.replace("`", "``") + "`"
                after = cursor_value(cursor, _overlap(spec))
                since, args = (
                    (f" WHERE {col} > %s", [after])
                    if after is not None
                    else (f" WHERE {col} IS NOT NULL", [])
                )
                with conn.cursor() as c:
                    c.execute(f"SELECT max({col}) FROM ({_query(spec)}) AS ccdash_src{since}", args)
                    high = c.fetchone()[0]
                if high is None:
                    return Pulled(cursor=cursor)  # nothing changed since the last pull
                where, args = f"{since} AND {col} <= %s", [*args, high]
            with (
                conn.cursor(pymysql.cursors.SSCursor) as c,
                open(target, "w", newline="", encoding="utf-8") as out,
            ):
                c.execute(base + where, args)
                writer = csv.writer(out)
                writer.writerow([d[0] for d in c.description])
                while batch := c.fetchmany(FETCH_ROWS):
                    writer.writerows([_mysql_text(v) for v in row] for row in batch)
                    rows += len(batch)
                    if progress:
                        progress(rows)
        finally:  # read-only: closing ends the transaction; a dropped one cannot close politely
            with contextlib.suppress(Exception):
                conn.close()
    return Pulled([target], cursor_record(high) if column else None, rows)


def _mysql_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


# HTTP JSON APIs ------------------------------------------------------------------------------


def dig(doc, path: str | None):
    """The value at a dotted path ("data.items"; "" or None: the document itself), or None."""
    for part in (path or "").split(".") if path else []:
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _http(spec, cursor, staging: Path, secrets: dict, now: datetime, sleep, progress) -> Pulled:
    import requests

    o = spec.options
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    token = spec.secret("token", secrets)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    user = spec.secret("user", secrets)
    if user:
        session.auth = (user, spec.secret("password", secrets) or "")
    if ("token_env" in o and not token) or ("user_env" in o and not user):
        env = o.get("token_env") or o.get("user_env")
        raise PullError(
            f"{spec.name}: no credentials: set the environment variable {env}", "not_configured"
        )
    params = {
        k: (str(v).lower() if isinstance(v, bool) else v) for k, v in o.get("params", {}).items()
    }
    field_path = o.get("cursor")
    started = now.astimezone(UTC).replace(microsecond=0)
    if o.get("since_param") and cursor:
        after = cursor_value(cursor, _overlap(spec))
        params[o["since_param"]] = (
            after.isoformat().replace("+00:00", "Z") if isinstance(after, datetime) else after
        )
    page = o.get("page", {})
    number, offset = page.get("start", 1), 0
    if page.get("size_param"):
        params[page["size_param"]] = page.get("size", 100)
    url = o["url"]
    origin = urlparse(url).netloc
    target = staging / f"{spec.name}.jsonl"
    rows, high = 0, None
    with open(target, "w", encoding="utf-8") as out:
        for n in range(1, int(o.get("max_pages", MAX_PAGES)) + 1):
            query = dict(params)
            if page.get("param"):
                query[page["param"]] = number
            if page.get("offset_param"):
                query[page["offset_param"]] = offset
            doc = _get_json(
                session, spec, url, query if n == 1 or not page.get("next") else None, n, sleep
            )
            records = dig(doc, o.get("records"))
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise PullError(
                    f"{spec.name}: page {n} has no list of records at {o.get('records') or 'its top'!r} "
                    f"(did the API change?)",
                    "changed_shape",
                )
            for r in records:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
                if field_path:
                    v = dig(r, field_path)
                    if v is not None and (high is None or _later(v, high)):
                        high = v
            rows += len(records)
            if progress:
                progress(rows)
            if page.get("next"):
                link = dig(doc, page["next"])
                if not link:
                    break
                url = urljoin(url, str(link))
                if urlparse(url).netloc != origin:  # the token goes to the API's own host only
                    raise PullError(
                        f"{spec.name}: page {n} links to another host; refused",
                        "changed_shape",
                    )
            elif page.get("param") or page.get("offset_param"):
                if not records:  # the end (a short page is not: an API may count nested items)
                    break
                number, offset = number + 1, offset + len(records)
            else:
                break
        else:
            raise PullError(f"{spec.name}: more than {n:,} pages; refused", "too_many_pages")
    if rows == 0:
        return Pulled(cursor=cursor)
    if field_path:
        new = cursor_record(high) if high is not None else cursor
    else:
        new = cursor_record(started)  # "changed since the start of the last successful pull"
    return Pulled([target], new, rows)


def _later(a, b) -> bool:
    try:
        return a > b
    except TypeError:
        return str(a) > str(b)


def _get_json(session, spec: SourceSpec, url: str, params, n: int, sleep):
    """One page as JSON, retried with backoff (1, 2, 4 ... s) on what may pass: 5xx, 429, a timeout,
    a refused or dropped connection."""
    import requests

    timeout_s = spec.timeout.total_seconds()
    failure = ("", "")
    for attempt in range(spec.retries + 1):
        if attempt:
            sleep(min(MAX_BACKOFF_S, 2.0 ** (attempt - 1)))
        try:
            resp = session.get(url, params=params, timeout=timeout_s)
        except requests.Timeout:
            failure = (f"page {n}: no answer within {timeout_s:g} s", "timed_out")
            continue
        except requests.ConnectionError:
            failure = (
                f"page {n}: cannot connect to {urlparse(url).netloc}",
                "unreachable",
            )
            continue
        if resp.status_code >= 500 or resp.status_code == 429:
            failure = (
                f"page {n}: HTTP {resp.status_code}",
                "server_error",
            )
            continue
        if resp.status_code >= 400:
            hint = " (check the token or user)" if resp.status_code in (401, 403) else ""
            raise PullError(
                f"{spec.name}: page {n}: HTTP {resp.status_code}{hint}",
                "refused",
            )
        try:
            return resp.json()
        except ValueError:
            raise PullError(
                f"{spec.name}: page {n} is not valid JSON", "invalid_response"
            ) from None
    tries = spec.retries + 1
    raise PullError(f"{spec.name}: {failure[0]} ({tries} tries)", failure[1])
