"""Command line: `python -m ccdash ingest --kind KIND FILE [--mapping MAP.toml]`, `python -m ccdash hash-password`,
`python -m ccdash city init NAME --from SAMPLE.csv`, `python -m ccdash watch INBOX`, `python -m ccdash compact`,
`python -m ccdash migrate`, `python -m ccdash history --table T`, `python -m ccdash restore --table T --version N`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import tomllib
from pathlib import Path

from . import memory
from .data import dataset
from .data.dataset import COMPACT_ROWS, DatasetError, compact
from .data.files import LockTimeout, extract_path, table_lock
from .data.ingest import IngestError, Mapping, ingest
from .data.ingest.errors import failure_line
from .data.profile import SHIPPED, ProfileError, data_dir, load_profile, profile_path
from .data.schema import KINDS, TABLES


def _timezone(directory: Path) -> str:
    """The city's time zone, from its profile (UTC when the folder has none)."""
    try:
        return load_profile(profile_path(directory)).timezone
    except ProfileError:
        return "UTC"


def _each_table(directory: Path, tables: list[str], verb: str, change) -> int:
    """`compact` and `migrate`: `change(path, table, timezone)` on each table folder, under the
    table's lock; one line per table (a single-file extract is left as it is)."""
    for name in tables:
        path = extract_path(directory, name)
        if path is None or not path.is_dir():
            shown = "no extract" if path is None else f"{path.name} is a single file"
            print(f"{name}: {shown}; nothing to {verb}")
            continue
        try:
            with table_lock(directory, name):
                line = change(path, TABLES[name], _timezone(directory))
        except (DatasetError, LockTimeout, OSError) as e:
            print(f"error: {name}: {e}; nothing was changed", file=sys.stderr)
            return 2
        print(f"{name}: {line}")
    return 0


def compact_tables(directory: Path, tables: list[str], rows_per_file: int) -> int:
    def change(path: Path, table, timezone: str) -> str:
        dataset.migrate(path, table, timezone)  # a folder in the old format is converted first
        before, after = compact(path, table, rows_per_file, timezone)
        return f"{before} files -> {after}"

    return _each_table(directory, tables, "compact", change)


def migrate_tables(directory: Path, tables: list[str]) -> int:
    def change(path: Path, table, timezone: str) -> str:
        stored = dataset.migrate(path, table, timezone)
        return "already a Delta table" if stored is None else f"{stored:,} rows converted"

    return _each_table(directory, tables, "migrate", change)


def table_history(directory: Path, name: str, limit: int) -> int:
    """`history`: a table's recent versions, newest first."""
    path = extract_path(directory, name)
    try:
        if path is None or not dataset.is_dataset(path):
            raise DatasetError(f"{name} is not a Delta table in {directory}")
        for c in dataset.history(path, limit):
            rows = (
                ""
                if c["rows_after"] is None
                else f"  {c['rows_after'] - c['rows_before']:+,} rows, "
                f"{c['rows_replaced']:,} replaced, {c['rows_after']:,} stored"
            )
            print(
                f"{c['version']:>5}  {c['at']:%Y-%m-%d %H:%M:%S}Z  {c['operation']:<8}"
                f"{rows}  {c['source'] or ''}".rstrip()
            )
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def restore_table(directory: Path, name: str, version: int) -> int:
    """`restore`: the table as it was at `version`, by a new commit, under the ingest lock."""
    path = extract_path(directory, name)
    try:
        if path is None or not dataset.is_dataset(path):
            raise DatasetError(f"{name} is not a Delta table in {directory}")
        with table_lock(directory, name):
            now = dataset.restore(path, version)
    except (DatasetError, LockTimeout, OSError) as e:
        print(f"error: {e}; nothing was changed", file=sys.stderr)
        return 2
    print(f"{name}: version {version} restored as version {now}")
    return 0


DASHBOARD = Path(__file__).with_name("dashboard.py")
STREAMLIT_CONFIG = SHIPPED / "streamlit.toml"


def streamlit_flags(config: Path = STREAMLIT_CONFIG) -> list[str]:
    """The shipped Streamlit settings as command-line flags: they hold from any working directory."""
    flags = []
    for section, options in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for key, value in options.items():
            if isinstance(value, bool):
                text = str(value).lower()
            elif isinstance(value, (list, dict)):  # [[theme.fontFaces]]: Streamlit reads JSON
                text = json.dumps(value)
            else:
                text = str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def serve(port: int, address: str | None, extra: list[str]) -> int:
    """The dashboard in this process: `streamlit run` on the packaged script with the shipped settings."""
    from streamlit.web import cli as streamlit_cli

    args = ["run", str(DASHBOARD), *streamlit_flags(), f"--server.port={port}"]
    if address:
        args.append(f"--server.address={address}")
    try:
        streamlit_cli.main(args=[*args, *extra], prog_name="ccdash serve", standalone_mode=True)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def _folder_args(parser: argparse.ArgumentParser, profile: bool = True) -> None:
    """--data-dir (and --profile): where a command finds the city's data and profile."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder of the extracts (default: $CCDASH_DATA_DIR or the demo)",
    )
    if profile:
        parser.add_argument(
            "--profile", type=Path, help="city profile (default: DATA_DIR/city.toml)"
        )


def kiosk(directory: Path, action: str, name: str | None) -> int:
    """Create (prints the token once), revoke or list the kiosk links of a data folder."""
    from .data.access import KioskError, KioskLinks

    links = KioskLinks(directory)
    try:
        if action == "list":
            for n, link in links.list().items():
                state = f"revoked {link['revoked']}" if link.get("revoked") else "live"
                print(f"{n}\tcreated {link.get('created', '?')}\t{state}")
            return 0
        if not name:
            print(f"error: kiosk {action} needs a name", file=sys.stderr)
            return 2
        if action == "revoke":
            links.revoke(name)
            print(f"kiosk {name} revoked: its screen stops at its next refresh")
            return 0
        token = links.create(name)
    except (KioskError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"kiosk {name} created. Its token (shown once; only its hash is kept):\n{token}")
    print(f"Wall: /?mode=wall&kiosk={token}\nTour: /?tour=1&kiosk={token}")
    return 0


def main(argv=None) -> int:
    memory.tune_process()
    ap = argparse.ArgumentParser(prog="python -m ccdash", description="ccdash command line")
    sub = ap.add_subparsers(dest="command", required=True)
    srv = sub.add_parser(
        "serve",
        help="run the dashboard (the demo city unless CCDASH_DATA_DIR); "
        "other `streamlit run` flags pass through",
    )
    srv.add_argument("--port", type=int, default=8501)
    srv.add_argument("--address", help="address to listen on (default: every interface)")
    ing = sub.add_parser("ingest", help="validate a file and add it to (or replace) an extract")
    ing.add_argument(
        "file", type=Path, nargs="+", help="the file (several: read as one by the mapping's select)"
    )
    ing.add_argument("--kind", required=True, choices=list(KINDS))
    ing.add_argument(
        "--mapping",
        type=Path,
        help="TOML file mapping foreign columns and values (shipped ones: ccdash/shipped/mappings)",
    )
    _folder_args(ing)
    ing.add_argument(
        "--replace", action="store_true", help="replace the stored extract instead of appending"
    )
    ing.add_argument("--source-name", help="the name the report and errors give the file")
    ing.add_argument("--json", action="store_true", help="print the report as one JSON object")
    sub.add_parser(
        "hash-password", help="print an admin_password_hash line for .streamlit/secrets.toml"
    )
    city = sub.add_parser("city", help="start a new city").add_subparsers(
        dest="action", required=True
    )
    init = city.add_parser(
        "init", help="propose city.toml and mapping.toml from a sample of the complaints export"
    )
    init.add_argument("name", help="the city's name, as the screens show it")
    init.add_argument(
        "--from", dest="sample", type=Path, required=True, help="a sample of the complaints export"
    )
    init.add_argument(
        "--out", type=Path, help="folder to write into (default: a new folder named after the city)"
    )
    init.add_argument(
        "--force", action="store_true", help="overwrite city.toml and mapping.toml if they exist"
    )
    wat = sub.add_parser(
        "watch",
        help="ingest each file dropped into a folder (INBOX/<kind>/ or --kind), and keep going",
    )
    wat.add_argument("inbox", type=Path)
    wat.add_argument("--kind", choices=list(KINDS), help="the kind of files put directly in INBOX")
    wat.add_argument(
        "--mapping",
        type=Path,
        help="mapping for files directly in INBOX (INBOX/<kind>/mapping.toml for the others)",
    )
    _folder_args(wat)
    wat.add_argument(
        "--stable-seconds", type=float, default=5.0, help="a file unchanged this long is complete"
    )
    wat.add_argument(
        "--unfinished-seconds",
        type=float,
        default=600.0,
        help="a text file ending mid-row is waited for this long, then refused",
    )
    wat.add_argument(
        "--once",
        action="store_true",
        help="ingest what is complete now (and what completes), then exit",
    )
    com = sub.add_parser("compact", help="merge each partition's small files (after many appends)")
    mig = sub.add_parser("migrate", help="convert table folders of the old format to Delta tables")
    his = sub.add_parser("history", help="a table's recent versions (what each ingest added)")
    res = sub.add_parser("restore", help="put a table back as it was at an earlier version")
    for p in (com, mig, his, res):
        _folder_args(p, profile=False)
    for p in (com, mig):
        p.add_argument(
            "--table", choices=list(TABLES), action="append", help="this table only (repeatable)"
        )
    com.add_argument(
        "--rows-per-file", type=int, default=COMPACT_ROWS, help="largest file written (rows)"
    )
    his.add_argument("--table", choices=list(TABLES), required=True)
    his.add_argument("--limit", type=int, default=20, help="versions shown")
    res.add_argument("--table", choices=list(TABLES), required=True)
    res.add_argument("--version", type=int, required=True, help="the version to go back to")
    nfy = sub.add_parser(
        "notify", help="send each new alert once to a webhook and by e-mail (settings: env)"
    )
    _folder_args(nfy)
    nfy.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    nfy.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")
    nfy.add_argument("--lang", choices=["id", "en"], default="id", help="the messages' language")
    syn = sub.add_parser(
        "sync", help="pull each source of the sources file on its interval, and keep going"
    )
    syn.add_argument(
        "--sources", type=Path, help="the sources file (default: DATA_DIR/sources.toml)"
    )
    _folder_args(syn)
    syn.add_argument("--once", action="store_true", help="pull each source once, then exit")
    kio = sub.add_parser(
        "kiosk", help="kiosk links for walls and tours: create, revoke or list (docs/deployment.md)"
    )
    kio.add_argument("action", choices=["create", "revoke", "list"])
    kio.add_argument("name", nargs="?", help="the screen's name, e.g. wall-1 (create, revoke)")
    kio.add_argument("--data-dir", type=Path, help="the data folder (default: CCDASH_DATA_DIR)")
    a, extra = ap.parse_known_args(argv)
    if a.command == "serve":
        return serve(a.port, a.address, extra)
    if extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    if a.command == "compact":
        return compact_tables(a.data_dir or data_dir(), a.table or list(TABLES), a.rows_per_file)
    if a.command == "notify":
        from .cli_notify import Channels, notify

        directory = a.data_dir or data_dir()
        try:
            profile = load_profile(a.profile or profile_path(directory))
        except ProfileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return notify(directory, profile, Channels.from_env(), a.once, a.interval, a.lang)
    if a.command == "sync":
        from .cli_sync import Syncer
        from .data.sources import FILE_NAME

        directory = a.data_dir or data_dir()
        syncer = Syncer(
            directory, a.profile or profile_path(directory), a.sources or directory / FILE_NAME
        )
        return syncer.run(once=a.once)
    if a.command == "migrate":
        return migrate_tables(a.data_dir or data_dir(), a.table or list(TABLES))
    if a.command == "history":
        return table_history(a.data_dir or data_dir(), a.table, a.limit)
    if a.command == "restore":
        return restore_table(a.data_dir or data_dir(), a.table, a.version)
    if a.command == "watch":
        from .cli_watch import Watcher, watch

        directory = a.data_dir or data_dir()
        return watch(
            Watcher(
                a.inbox,
                directory,
                a.profile or profile_path(directory),
                a.kind,
                a.mapping,
                a.stable_seconds,
                a.unfinished_seconds,
            ),
            once=a.once,
        )
    if a.command == "city":
        from .cli_city import init_city

        return init_city(a.name, a.sample, a.out, a.force)
    if a.command == "kiosk":
        return kiosk(a.data_dir or data_dir(), a.action, a.name)
    if a.command == "hash-password":
        from .app.auth import hash_password  # no Streamlit import: auth is plain Python

        password = getpass.getpass("Admin password: ")
        if len(password) < 12 or password != getpass.getpass("Again: "):
            print(
                "error: the two entries differ, or the password is shorter than 12 characters",
                file=sys.stderr,
            )
            return 2
        print(f'admin_password_hash = "{hash_password(password)}"')
        return 0

    directory = a.data_dir or data_dir()
    try:
        profile = load_profile(a.profile or profile_path(directory))
        mapping = Mapping.load(a.mapping) if a.mapping else None
        report = ingest(
            a.file if len(a.file) > 1 else a.file[0],
            a.kind,
            directory,
            profile,
            mapping,
            replace=a.replace,
            source_name=a.source_name,
        )
    except (IngestError, ProfileError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # any input ends in one line and exit 2, never a traceback
        name = a.source_name or " + ".join(f.name for f in a.file)
        print(f"error: {name}: {failure_line(e)}", file=sys.stderr)
        return 2
    print(report.to_json() if a.json else "\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
