"""Private PostgreSQL and Redis servers (Debian's packages) for the several-processes configuration.

``make services`` installs the packages; the tests and the benchmark start a throw-away server of
each on free loopback ports and remove it after, so nothing is shared with a system install.

>>> with running_postgres() as pg, running_redis() as redis:        # doctest: +SKIP
...     pg.url, redis.port
('postgresql://bones@127.0.0.1:41234/bones', 41235)
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.servers import free_port

POSTGRES_USER = "bones"
POSTGRES_DB = "bones"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's ``bin`` folder (Debian keeps them versioned)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def missing_packages() -> list[str]:
    """Debian packages ``make services`` still has to install."""
    missing = [] if postgres_bin() else ["postgresql"]
    return missing + ([] if shutil.which("redis-server") else ["redis-server"])


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the ``postgres`` account
    (util-linux's ``runuser``, in /usr/sbin, which a minimal PATH may leave out)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if runuser is None:
        raise RuntimeError("runuser (util-linux) is needed to start PostgreSQL as root")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class Postgres:
    port: int
    data_dir: Path

    @property
    def url(self) -> str:
        """An SQLAlchemy URL (no password: the private server trusts loopback)."""
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/{POSTGRES_DB}"

    def stop(self) -> None:
        subprocess.run([*_as_postgres_user(), str(postgres_bin() / "pg_ctl"), "-D", str(self.data_dir),
                        "-m", "fast", "-w", "stop"], check=False, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run([*_as_postgres_user(), str(postgres_bin() / "pg_ctl"), "-D", str(self.data_dir),
                        "-o", options, "-l", str(self.data_dir / "server.log"), "-w", "start"],
                       check=True, capture_output=True)


@contextlib.contextmanager
def running_postgres(port: int | None = None):
    """A fresh PostgreSQL cluster in a temporary folder with database ``bones``; removed after."""
    if postgres_bin() is None:
        raise RuntimeError("PostgreSQL is not installed: run `make services`")
    data_dir = Path(tempfile.mkdtemp(prefix="bones-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(data_dir, account.pw_uid, account.pw_gid)
    server = Postgres(port or free_port(), data_dir)
    try:
        subprocess.run([*_as_postgres_user(), str(postgres_bin() / "initdb"), "-D", str(data_dir),
                        "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True)
        server.start()
        subprocess.run([str(postgres_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(server.port),
                        "-U", POSTGRES_USER, POSTGRES_DB], check=True, capture_output=True)
        yield server
    finally:
        server.stop()
        _keep_log(data_dir / "server.log")
        shutil.rmtree(data_dir, ignore_errors=True)


def _keep_log(log: Path) -> None:
    """Keep the last private server's log as ``build/logs/postgres.log``: the data folder goes,
    and a test that saw the server drop a connection needs the server's side of the story."""
    from bot.paths import build_dir

    if log.exists():
        target = build_dir() / "logs" / "postgres.log"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, target)


@dataclass
class Redis:
    port: int
    process: subprocess.Popen


@contextlib.contextmanager
def running_redis(port: int | None = None):
    """A Redis server on loopback, nothing saved to disk; stopped after."""
    if not shutil.which("redis-server"):
        raise RuntimeError("Redis is not installed: run `make services`")
    port = port or free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Redis did not start") from None
                time.sleep(0.1)
        yield Redis(port, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
