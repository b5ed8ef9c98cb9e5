"""A scratch PostgreSQL primary and a streaming replica of it, for the tests of the read replica.

The primary: `initdb` into a temporary folder, listening on a free port of the loopback, with wal_level=replica
(initdb's own pg_hba.conf already trusts replication connections from 127.0.0.1), fsync off (scratch data). Its
database gets the desk's schema from `manage.py migrate`. The replica: `pg_basebackup -R` of the primary (which
writes standby.signal and primary_conninfo) started on another free port: a hot standby streaming from the primary.
Both run as the `postgres` OS user when the tests run as root (PostgreSQL refuses to run as root), and both go with
their folder at the end. About 10 s to start, most of it the migrations.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "otinish_pair"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def server_bindir() -> Path | None:
    """The folder of the PostgreSQL server programs: on the PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
    )[::-1]
    for folder in candidates:
        if all((folder / program).exists() for program in SERVER_PROGRAMS):
            return folder
    return None


def unavailable() -> str | None:
    """Why a scratch pair cannot be started here, or None."""
    if server_bindir() is None:
        return "needs the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup: apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "runs as root, and PostgreSQL needs an OS user `postgres` to run as"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Pair:
    root: Path
    bindir: Path
    primary_port: int
    replica_port: int

    @property
    def primary_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.primary_port}/{DATABASE}"

    @property
    def replica_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.replica_port}/{DATABASE}"

    # --- Starting and stopping ----------------------------------------------------------------------------------
    @classmethod
    def start(cls) -> Pair:
        bindir = server_bindir()
        assert bindir is not None, unavailable()
        root = Path(tempfile.mkdtemp(prefix="otinish-pair-"))
        pair = cls(root=root, bindir=bindir, primary_port=_free_port(), replica_port=_free_port())
        try:
            if os.geteuid() == 0:
                shutil.chown(root, user="postgres")
            pair._start_primary()
            pair._migrate()
            pair._start_replica()
        except BaseException:
            pair.stop()
            raise
        return pair

    def _run(self, *command: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(  # noqa: S603 - the PostgreSQL programs, arguments of this module
            [*prefix, *command], check=check, capture_output=True, text=True, timeout=120, cwd=self.root, **kwargs
        )

    def _program(self, name: str) -> str:
        return str(self.bindir / name)

    def _configure(self, folder: Path, port: int) -> None:
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {port}",
            f"unix_socket_directories = '{self.root}'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "wal_keep_size = '256MB'",  # the replica catches up after the tests stop it for a while
            "hot_standby = on",
            "fsync = off",
            "full_page_writes = off",
            "shared_buffers = '32MB'",
            "max_connections = 40",
        ]
        text = "\n# tests/databases/pair.py\n" + "\n".join(settings) + "\n"
        self._run("sh", "-c", f"cat >> {folder / 'postgresql.conf'}", input=text)

    def _start_primary(self) -> None:
        folder = self.root / "primary"
        self._run(self._program("initdb"), "-D", str(folder), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self._configure(folder, self.primary_port)
        self.start_server("primary")
        with psycopg.connect(self._dsn(self.primary_port, "postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def _migrate(self) -> None:
        """The desk's schema, by the same migrations as production (before the base backup: the replica gets it)."""
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "DATABASE_POOLER"}}
        env["DATABASE_URL"] = self.primary_url
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            check=True, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
        )  # fmt: skip

    def _start_replica(self) -> None:
        folder = self.root / "replica"
        self._run(self._program("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                  "-D", str(folder), "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        self._configure(folder, self.replica_port)  # the same file as the primary's, its own port last
        self.start_server("replica")
        self.wait_until_streaming()
        self.primary_sql("CREATE TABLE pair_ready ()")
        self.touch()

    def start_server(self, name: str) -> None:
        self._run(self._program("pg_ctl"), "-D", str(self.root / name), "-l", str(self.root / f"{name}.log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop_server(self, name: str) -> None:
        self._run(self._program("pg_ctl"), "-D", str(self.root / name), "-m", "fast", "-w", "stop")

    def running(self, name: str) -> bool:
        return self._run(self._program("pg_ctl"), "-D", str(self.root / name), "status", check=False).returncode == 0

    def stop(self) -> None:
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                self._run(self._program("pg_ctl"), "-D", str(self.root / name), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- Watching replication --------------------------------------------------------------------------------
    @staticmethod
    def _dsn(port: int, dbname: str = DATABASE) -> str:
        return f"host=127.0.0.1 port={port} user=postgres dbname={dbname} connect_timeout=5"

    def primary_sql(self, sql: str, params: list | None = None) -> tuple | None:
        return self._sql(self.primary_port, sql, params)

    def replica_sql(self, sql: str, params: list | None = None) -> tuple | None:
        return self._sql(self.replica_port, sql, params)

    def _sql(self, port: int, sql: str, params: list | None) -> tuple | None:
        with psycopg.connect(self._dsn(port), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchone() if cursor.description else None

    def wait_until_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.primary_sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0]:
                return
            time.sleep(0.05)
        raise TimeoutError(f"the replica did not stream within {timeout} s ({self.root / 'replica.log'})")

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        (target,) = self.primary_sql("SELECT pg_current_wal_flush_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (behind,) = self.replica_sql("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [target])
            if behind is not None and behind <= 0:
                return
            time.sleep(0.02)
        raise TimeoutError(f"the replica did not replay up to {target} within {timeout} s")

    def touch(self) -> None:
        """A transaction committed on the primary and replayed on the replica, now: the replica's lag is measured from
        its last replayed transaction, so a test starts from a recent one (after a quiet spell, a replica a moment
        behind reads as far behind as the spell was long). It writes, so that its commit is flushed at once (a
        transaction that wrote nothing commits asynchronously)."""
        self.primary_sql("INSERT INTO pair_ready DEFAULT VALUES")
        self.wait_for_replay()

    def pause_replay(self) -> None:
        """The replica keeps receiving WAL but applies none of it: it falls behind, visibly."""
        self.replica_sql("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.replica_sql("SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
            assert time.monotonic() < deadline, "the replica's replay did not pause"
            time.sleep(0.02)

    def resume_replay(self) -> None:
        self.replica_sql("SELECT pg_wal_replay_resume()")

    def recover(self) -> None:
        """Back to a running replica that replays and has caught up (after a test stopped or paused it)."""
        if not self.running("replica"):
            self.start_server("replica")
        self.resume_replay()
        self.wait_until_streaming()
        self.touch()
