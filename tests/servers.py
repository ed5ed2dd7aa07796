"""Real database servers for the tests, from Debian's packages (installed by .ci/run), each started
in a temporary folder on a loopback port and stopped at the end of the session.

PostgreSQL refuses to run as root, so as root its cluster belongs to the `postgres` user that the
Debian package creates. Readiness is polled with a generous deadline (the machine may be loaded).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

READY_S = 180.0  # a loaded machine starts a server slowly; the test waits, it never guesses
PASSWORD = "s3cret-pw"  # the servers' test user; tests check it never shows in a message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _wait(check, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start within {READY_S:g} s\n{tail}")


@dataclass
class Postgres:
    folder: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql://ccdash:{PASSWORD}@127.0.0.1:{self.port}/ccdash"

    def _ctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), *args]),
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        log = self.folder / "server.log"
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        out = self._ctl("-l", str(log), "-o", opts, "-w", "-t", str(int(READY_S)), "start")
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {out.stderr}\n{log.read_text()[-2000:]}")
        _wait(self.ready, "PostgreSQL", log)

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5):
                return True
        except psycopg.Error:
            return False

    def kill(self) -> None:
        """Stopped at once (SIGQUIT to every backend: a crash, not a shutdown)."""
        self._ctl("-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def start_postgres(folder: Path) -> Postgres:
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("PostgreSQL is missing in CI (.ci/run installs postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for p in [folder, *folder.parents]:
            if str(p) in ("/", "/tmp"):
                break
            os.chmod(p, os.stat(p).st_mode | 0o711)  # the postgres user walks down to its folder
        os.chown(folder, pg.pw_uid, pg.pw_gid)
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    init = subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                "ccdash",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        ),
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr}")
    server = Postgres(folder, free_port(), bin_dir)
    log = folder / "server.log"
    if os.geteuid() == 0:
        log.touch()
        os.chown(log, pwd.getpwnam("postgres").pw_uid, -1)
    server.start()
    import psycopg

    admin = f"postgresql://ccdash:{PASSWORD}@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE ccdash")
    return server


@dataclass
class MariaDB:
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mysql://ccdash:{PASSWORD}@127.0.0.1:{self.port}/ccdash"

    def start(self) -> None:
        log = self.folder / "server.log"
        cmd = [
            shutil.which("mariadbd") or "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={self.folder / 'data'}",
            f"--socket={self.folder / 'sock'}",
            f"--pid-file={self.folder / 'pid'}",
            f"--log-error={log}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
        ]
        if os.geteuid() == 0:
            cmd.append("--user=root")
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: self._socket_ready(), "MariaDB", log)

    def _socket_ready(self) -> bool:
        import pymysql

        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"mariadbd exited: {(self.folder / 'server.log').read_text()[-2000:]}"
            )
        try:
            pymysql.connect(
                unix_socket=str(self.folder / "sock"), user="root", connect_timeout=5
            ).close()
            return True
        except pymysql.Error:
            return False

    def root(self):
        import pymysql

        return pymysql.connect(unix_socket=str(self.folder / "sock"), user="root", autocommit=True)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_mariadb(folder: Path) -> MariaDB:
    if shutil.which("mariadb-install-db") is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("MariaDB is missing in CI (.ci/run installs mariadb-server)")
        pytest.skip("MariaDB is not installed (apt-get install mariadb-server)")
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mariadb-install-db",
        "--no-defaults",
        f"--datadir={folder / 'data'}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    if os.geteuid() == 0:
        cmd.append("--user=root")
    init = subprocess.run(cmd, capture_output=True, text=True)
    if init.returncode != 0:
        raise RuntimeError(
            f"mariadb-install-db failed: {init.stdout[-1500:]} {init.stderr[-1500:]}"
        )
    server = MariaDB(folder, free_port())
    server.start()
    with server.root() as conn, conn.cursor() as c:
        c.execute("CREATE DATABASE ccdash CHARACTER SET utf8mb4")
        c.execute(f"CREATE USER 'ccdash'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'")
        c.execute("GRANT ALL ON ccdash.* TO 'ccdash'@'127.0.0.1'")
    return server
