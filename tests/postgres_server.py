"""A throw-away PostgreSQL cluster for the tests and benchmarks: Debian's server binaries, `initdb` and
`pg_ctl` in a temporary directory, on a free loopback port; or the server named by
CASELEDGER_TEST_POSTGRES_URL (a superuser URL; each test gets its own database in it).
CASELEDGER_TEST_POSTGRES_BIN names the directory of the server binaries when they are elsewhere."""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from itertools import count
from pathlib import Path

import psycopg

from tests.ports import free_port

URL_VARIABLE, BIN_VARIABLE = "CASELEDGER_TEST_POSTGRES_URL", "CASELEDGER_TEST_POSTGRES_BIN"
EXTERNAL = os.environ.get(URL_VARIABLE)
USER = "caseledger"


def server_bin() -> Path | None:
    """Where `initdb` and `pg_ctl` are: in CASELEDGER_TEST_POSTGRES_BIN when it is set (and only there),
    else on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    if (named := os.environ.get(BIN_VARIABLE)) is not None:
        return Path(named) if (Path(named) / "initdb").is_file() else None
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


class PostgresCluster:
    """One server; `database()` hands out a fresh empty database. The server refuses to run as root,
    so under root it runs as the `postgres` account the Debian packages create."""

    def __init__(self, *, durable: bool = False) -> None:
        # Its own directory in the system's temporary root: the server account must be able to reach it.
        self.directory, self.durable = Path(tempfile.mkdtemp(prefix="caseledger-pg-")), durable
        self.port = free_port()
        self.admin_url = EXTERNAL or f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"
        self._names = count(1)

    def start(self) -> None:
        if EXTERNAL:
            return
        bin_dir = server_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found (install Debian's postgresql package)")
        data = self.directory / "data"
        as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        self._run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions"])
        settings = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.directory}",
                    "-c max_connections=300", "-c shared_buffers=128MB"]
        if not self.durable:
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.directory / "server.log"),
                   "-o", " ".join(settings), "-w", "-t", "60", "start"])
        self._pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]

    def database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of the one at `template` (a URL); its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if not EXTERNAL and hasattr(self, "_pg_ctl"):
            self._run([*self._pg_ctl, "-m", "immediate", "stop"])
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.directory)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:5])}... failed: {result.stderr.strip() or result.stdout.strip()}")


_shared: PostgresCluster | None = None


def shared_cluster() -> PostgresCluster:
    """The one cluster of this test process, started on first use and stopped when it exits."""
    global _shared
    if _shared is None:
        cluster = PostgresCluster()
        cluster.start()
        atexit.register(cluster.stop)
        _shared = cluster
    return _shared
