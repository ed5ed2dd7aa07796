"""`python -m ccdash watch INBOX`: files dropped into a folder are ingested once complete, moved to done/
with their report and rejects, or to failed/ with the reason; a bad file does not stop the watcher."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time

import pandas as pd

from ccdash.cli_watch import Watcher
from ccdash.data.dataset import read_stored
from tests.apptest import desk_app
from tests.paths import REPO_ROOT, wall_times
from tests.test_ingest import BAD_ROWS, GOOD_ROWS, HEADER, csv_text, snapshot, stored


def drop(folder, name, text: str | bytes):
    """As a careful writer does: write under a temporary name, then rename into place."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    tmp.write_bytes(text if isinstance(text, bytes) else text.encode())
    os.replace(tmp, folder / name)
    return folder / name


def test_a_running_watcher_ingests_good_files_and_sets_bad_ones_aside(writable_city, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "complaints").mkdir(parents=True)
    before = len(stored(writable_city))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ccdash",
            "watch",
            str(inbox),
            "--data-dir",
            str(writable_city),
            "--stable-seconds",
            "0.5",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        rows = [
            r.replace("2026-11-0", "2026-10-1") for r in GOOD_ROWS
        ]  # dates before the fixture's end
        drop(inbox / "complaints", "first.csv", csv_text([HEADER, *rows, next(iter(BAD_ROWS))]))
        drop(
            inbox / "complaints",
            "broken.csv.gz",
            gzip.compress(b"complaint_id,created_at\nX,1\n")[:-10],
        )
        drop(
            inbox / "complaints",
            "second.csv",
            csv_text([HEADER, *[r.replace("T-", "U-") for r in rows]]),
        )

        def finished() -> bool:  # every file moved on, with what the watcher writes beside it
            done, failed = inbox / "done", inbox / "failed"
            return (
                not list((inbox / "complaints").glob("*.csv*"))
                and len(list(done.glob("*.report.txt"))) == 2
                and len(list(failed.glob("*.error.txt"))) == 1
            )

        deadline = time.monotonic() + 180  # a deadline, not a duration: a loaded machine is slow
        while time.monotonic() < deadline and not finished():
            time.sleep(0.3)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert not list((inbox / "complaints").glob("*.csv*")), out
    done = sorted(p.name for p in (inbox / "done").iterdir())
    assert [n for n in done if n.endswith("first.csv")] and [
        n for n in done if n.endswith("second.csv")
    ]
    assert [n for n in done if n.endswith("first.csv.rejects.csv")]  # its rejected row beside it
    report = next((inbox / "done").glob("*first.csv.report.txt")).read_text()
    assert "3 accepted, 1 rejected" in report
    failed = list((inbox / "failed").glob("*broken.csv.gz.error.txt"))
    assert failed and "a damaged or truncated gzip file" in failed[0].read_text()
    assert (
        len(stored(writable_city)) == before + 6
    )  # the bad file changed nothing, the good ones landed


def test_a_file_still_being_written_is_not_taken(writable_city, tmp_path):
    inbox = tmp_path / "inbox"
    w = Watcher(
        inbox, writable_city, writable_city / "city.toml", kind="complaints", stable_seconds=60
    )
    inbox.mkdir()
    (inbox / "growing.csv").write_text(HEADER + "\n")
    (inbox / "x.csv.part").write_text(HEADER + "\n")
    before = snapshot(writable_city)
    assert w.step() == 0 and w.step() == 0  # unchanged for less than 60 s: not complete yet
    assert (inbox / "growing.csv").exists() and snapshot(writable_city) == before
    w.stable_seconds = 0
    assert w.step() == 1  # now taken (and refused: a header only), never the .part file
    assert (inbox / "x.csv.part").exists()
    assert "no rows" in next((inbox / "failed").glob("*growing.csv.error.txt")).read_text()


def test_the_watcher_refuses_an_inbox_it_cannot_use(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "ccdash", "watch", str(tmp_path), "--once"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert r.returncode == 2 and "has no subfolder named after a kind" in r.stderr


def test_a_dropped_file_reaches_the_page(monkeypatch, writable_city, tmp_path):
    """The app reads the store's new version on its next run: the KPI changes without a restart."""
    monkeypatch.setenv("CCDASH_DATA_DIR", str(writable_city))
    at = desk_app(60)
    at.query_params["lang"] = "en"
    at.run()
    tile = lambda: next(m.value for m in at.metric if m.label.startswith("Open backlog"))  # noqa: E731
    first = int(tile().replace(",", ""))
    last = wall_times(read_stored(writable_city, "complaints").to_pandas()).created_at.max()
    rows = csv_text(
        f"W-{i},{last - pd.Timedelta(hours=1):%Y-%m-%d %H:%M:%S},,new,waste,lapor,Coblong,,,x,"
        for i in range(7)
    )
    drop(tmp_path / "inbox" / "complaints", "late.csv", f"{HEADER}\n{rows}\n")
    w = Watcher(tmp_path / "inbox", writable_city, writable_city / "city.toml", stable_seconds=0)
    assert w.step() == 1
    at.run()
    assert int(tile().replace(",", "")) == first + 7


def test_a_poison_file_goes_to_failed_and_the_next_file_is_ingested(writable_city, tmp_path):
    """A Parquet file with a column named twice made ingest raise AttributeError, which ended the
    watcher for good (the file stayed, so every restart died on it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    inbox = tmp_path / "inbox"
    (inbox / "complaints").mkdir(parents=True)
    poison = pa.Table.from_arrays(
        [pa.array(["a"]), pa.array(["b"])], names=["complaint_id", "complaint_id"]
    )
    pq.write_table(poison, inbox / "complaints" / "a-poison.parquet")
    rows = [r.replace("2026-11-0", "2026-10-1") for r in GOOD_ROWS]
    drop(inbox / "complaints", "b-good.csv", csv_text([HEADER, *rows]))
    before = len(stored(writable_city))
    w = Watcher(inbox, writable_city, writable_city / "city.toml", stable_seconds=0)
    lines: list[str] = []
    assert w.step(log=lines.append) == 2
    (error,) = (inbox / "failed").glob("*a-poison.parquet.error.txt")
    assert error.read_text() == "a-poison.parquet: a column is named twice (complaint_id)\n"
    assert [p.name for p in (inbox / "done").glob("*b-good.csv")]
    assert len(stored(writable_city)) == before + len(rows)
    assert len(lines) == 2 and "a-poison.parquet: failed" in lines[0]


def test_links_long_names_and_control_characters_cannot_hurt_the_watcher(writable_city, tmp_path):
    """A link to a file outside the inbox is set aside unread (its header once reached the error
    file); a 250-byte name fits done/ (the move failed after the data was stored, and each restart
    ingested it again); a name with a newline and an ANSI escape cannot forge lines in the log."""
    inbox = tmp_path / "inbox"
    (inbox / "complaints").mkdir(parents=True)
    secret = tmp_path / "secrets.csv"
    secret.write_text("api_key,db_password,host\nk,p,h\n")
    (inbox / "complaints" / "a-link.csv").symlink_to(secret)
    rows = [r.replace("2026-11-0", "2026-10-1") for r in GOOD_ROWS]
    long_name = "b-" + "x" * 242 + ".csv"
    drop(inbox / "complaints", long_name, csv_text([HEADER, *rows]))
    sly = "c-evil\n2026-01-01 fake: all good\x1b[31m.csv"
    drop(inbox / "complaints", sly, csv_text([HEADER, *[r.replace("T-", "S-") for r in rows]]))
    before = len(stored(writable_city))
    lines: list[str] = []
    w = Watcher(inbox, writable_city, writable_city / "city.toml", stable_seconds=0)
    assert w.step(log=lines.append) == 3
    (error,) = (inbox / "failed").glob("*a-link.csv.error.txt")
    assert "not a regular file" in error.read_text() and "api_key" not in error.read_text()
    assert secret.read_text().startswith("api_key")  # the linked file is where it was
    done = [p.name for p in (inbox / "done").iterdir()]
    assert any("-b-xxxxxxxx" in n and "~" in n and n.endswith(".csv") for n in done)
    assert all(len(n.encode()) <= 255 for n in done)
    assert len(stored(writable_city)) == before + 2 * len(rows)  # each once
    assert len(lines) == 3 and all("\n" not in line and "\x1b" not in line for line in lines)
    assert any("c-evil\\n2026-01-01 fake" in line for line in lines)


def test_a_text_file_ending_mid_row_is_waited_for_then_refused(writable_city, tmp_path):
    """A writer that pauses mid-row for longer than the stable time: `row 1804 of H` was ingested
    as `row 1804`. Now the file is waited for while it does not end a line, and taken when it
    does; one that stays cut past unfinished_seconds goes to failed/ with the reason."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    w = Watcher(
        inbox, writable_city, writable_city / "city.toml", kind="complaints", stable_seconds=0
    )
    row = "M-1,2026-11-01 08:00:00,,new,waste,lapor,Coblong,,,row 1804 of H"
    growing = inbox / "growing.csv"
    growing.write_text(f"{HEADER}\n{row[:-5]}")
    before = snapshot(writable_city)
    assert w.step() == 0 and w.step() == 0
    assert growing.exists() and snapshot(writable_city) == before
    growing.write_text(f"{HEADER}\n{row},\n")  # the writer finishes its row
    assert w.step() == 1
    got = stored(writable_city).set_index("complaint_id").description
    assert got["M-1"] == "row 1804 of H"

    stuck = inbox / "stuck.csv"
    stuck.write_text(f"{HEADER}\n{row[:-5]}")
    w.unfinished_seconds = 0
    assert w.step() == 1
    reason = next((inbox / "failed").glob("*stuck.csv.error.txt")).read_text()
    assert "does not end with a line break, so its last row may be cut off" in reason


def test_an_unexpected_failure_is_the_files_and_the_watcher_goes_on(
    writable_city, tmp_path, monkeypatch
):
    """Whatever ingest raises (here a fault injected for one file) sets that file aside, named as
    unexpected, and the next file is still ingested."""
    import ccdash.cli_watch

    real = ccdash.cli_watch.ingest

    def faulty(path, *args, **kwargs):
        if path.name.startswith("a-"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ccdash.cli_watch, "ingest", faulty)
    inbox = tmp_path / "inbox"
    rows = [r.replace("2026-11-0", "2026-10-1") for r in GOOD_ROWS]
    drop(inbox / "complaints", "a-first.csv", csv_text([HEADER, *rows]))
    drop(inbox / "complaints", "b-next.csv", csv_text([HEADER, *rows]))
    before = len(stored(writable_city))
    w = Watcher(inbox, writable_city, writable_city / "city.toml", stable_seconds=0)
    assert w.step(log=lambda line: None) == 2
    (error,) = (inbox / "failed").glob("*a-first.csv.error.txt")
    assert error.read_text() == (
        "unexpected error reading it (RecursionError: maximum recursion depth exceeded); "
        "nothing was written\n"
    )
    assert len(stored(writable_city)) == before + len(rows)


def test_a_watcher_killed_after_the_commit_does_not_store_the_file_twice(writable_city, tmp_path):
    """Killed between publishing the data and moving the file to done/: the restarted watcher
    takes the file again, and since a row whose id is stored replaces the stored row, the table
    is what one ingest makes (the second report counts every row as replaced)."""
    from ccdash.data.files import CRASH_ENV

    inbox = tmp_path / "inbox"
    rows = [r.replace("2026-11-0", "2026-10-1") for r in GOOD_ROWS]
    drop(inbox / "complaints", "daily.csv", csv_text([HEADER, *rows]))
    before = stored(writable_city)
    cmd = [sys.executable, "-m", "ccdash", "watch", str(inbox), "--once"]
    cmd += ["--data-dir", str(writable_city), "--stable-seconds", "0"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    killed = subprocess.run(
        cmd, env={**env, CRASH_ENV: "data published"}, capture_output=True, text=True
    )
    assert killed.returncode == -9, killed.stderr
    assert (inbox / "complaints" / "daily.csv").exists()  # not moved: the restart takes it
    once = stored(writable_city)
    assert len(once) == len(before) + len(rows)
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "3 accepted, 0 rejected" in again.stdout
    (report,) = (inbox / "done").glob("*daily.csv.report.txt")
    assert "(3 of the accepted replaced stored rows with the same id)" in report.read_text()
    twice = stored(writable_city)
    assert len(twice) == len(once) and twice.complaint_id.is_unique
