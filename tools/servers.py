"""Start and stop the real Rasa server and action server as child processes.

Used by ``python -m bot run`` (``make run``), ``ask``/``evaluate``, the integration tests and the
benchmark, so they all talk to the same thing a user would.

>>> with running_assistant() as assistant:          # doctest: +SKIP
...     assistant.send("me", "what is kyphoplasty?")[0]["text"][:18]
'Balloon kyphoplast'
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot import settings
from bot.paths import build_dir, project_root, tracker_db_path
from bot.web_session import session_secret
from tools.rasa_server import api_token, with_token

START_TIMEOUT_S = settings.number("BOT_START_TIMEOUT")
RASA_REQUEST_MAX_BYTES = 64 * 1024


def free_ports(count: int, avoid: tuple[int, ...] = ()) -> list[int]:
    """``count`` different TCP ports on 127.0.0.1 that nothing is listening on right now, none of
    them in ``avoid``. They are held together while chosen: two ``free_port()`` calls in a row
    can give the same port (two Rasa processes were once given one port; the second died unseen).

    >>> ports = free_ports(20)
    >>> len(set(ports)) == 20
    True
    """
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            sock = held.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            if sock.getsockname()[1] not in avoid:
                ports.append(sock.getsockname()[1])
        return ports


def free_port(avoid: tuple[int, ...] = ()) -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now (see ``free_ports``)."""
    return free_ports(1, avoid)[0]


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return resp.read()


def _post_json(url: str, payload: dict, timeout: float = 30.0):
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read() or b"null")


def default_model() -> Path:
    """The trained model that ``make model`` writes."""
    return settings.path("BOT_MODEL")


@dataclass
class Assistant:
    """Running Rasa server processes (``urls``; ``url`` is the first) with their action server."""

    url: str
    actions_url: str
    endpoints: Path
    processes: list[subprocess.Popen] = field(default_factory=list)  # the action server, then Rasa
    started_in_s: float = 0.0
    logs: dict[str, Path] = field(default_factory=dict)  # {"rasa": first Rasa server's, "actions": ...}
    urls: list[str] = field(default_factory=list)
    restart: Callable[[int], None] | None = None

    def send(self, sender: str, message: str, process: int = 0) -> list[dict]:
        """Send ``message`` as ``sender`` through the REST channel of Rasa process ``process``;
        returns the bot's messages."""
        url = (self.urls or [self.url])[process]
        return _post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message}) or []

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker (through the HTTP API, which ``running_assistant`` enables,
        with its token)."""
        return json.loads(_get(with_token(f"{self.url}/conversations/{sender}/tracker"), timeout=10))

    def pids(self) -> dict[str, int]:
        """Process ids: ``{"actions": ..., "rasa": first Rasa server, "rasa_all": [...]}``."""
        rasa = [proc.pid for proc in self.processes[1:]]
        return {"actions": self.processes[0].pid, "rasa": rasa[0], "rasa_all": rasa}

    def kill_and_restart_rasa(self, process: int = 0) -> None:
        """SIGKILL Rasa process ``process`` (no clean shutdown) and start it again on the same port
        with the same endpoints; returns once it answers."""
        self.restart(process)


def _wait_until(check, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}; see {log}")
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{what} did not start in {START_TIMEOUT_S:.0f}s; see {log}")


def _endpoints_file(template: Path, actions_port: int, tracker_db: Path, run_dir: Path) -> Path:
    """``template`` (``endpoints.yml`` or a deployment's) with this run's action server; a SQLite
    tracker store is pointed at ``tracker_db``. ``${VARIABLES}`` are left for Rasa to fill in."""
    import yaml

    endpoints = yaml.safe_load(template.read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    store = endpoints.get("tracker_store") or {}
    if str(store.get("dialect", "")).lower() == "sqlite":
        store["db"] = str(tracker_db)
    path = run_dir / f"endpoints.{actions_port}.yml"
    path.write_text(yaml.safe_dump(endpoints))
    return path


def child_env() -> dict[str, str]:
    """Environment for the servers: telemetry off, TensorFlow quiet, ``bot`` importable."""
    env = dict(os.environ)
    env.setdefault("SANIC_HOST", "127.0.0.1")  # the action server listens on loopback unless told otherwise
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(project_root()), env.get("PYTHONPATH")])),
    )
    return env


@contextlib.contextmanager
def running_assistant(
    model: Path | None = None,
    rasa_port: int | None = None,
    actions_port: int | None = None,
    tracker_db: Path | None = None,
    log_dir: Path | None = None,
    endpoints: Path | None = None,
    rasa_processes: int = 1,
):
    """Start the action server and ``rasa_processes`` Rasa servers (HTTP API on, with the token of
    ``tools/rasa_server.py``; loopback only)
    sharing ``endpoints`` (default ``endpoints.yml``: SQLite tracker store, so use one process;
    ``deploy/endpoints.postgres.yml`` for several); stop them all after.

    Yields an ``Assistant``. Logs go to ``build/logs/`` unless ``log_dir`` says otherwise.
    """
    model = Path(model or default_model())
    if not model.exists():
        raise FileNotFoundError(f"{model} does not exist: run 'make model' first")
    run_dir = build_dir() / "run"
    log_dir = Path(log_dir or build_dir() / "logs")
    for folder in (run_dir, log_dir, project_root() / "var"):
        folder.mkdir(parents=True, exist_ok=True)
    chosen = iter(free_ports(1 + rasa_processes, avoid=tuple(p for p in (actions_port, rasa_port) if p)))
    actions_port = actions_port or next(chosen)
    rasa_ports = [rasa_port or next(chosen)] + [next(chosen) for _ in range(rasa_processes - 1)]
    tracker_db = Path(tracker_db or tracker_db_path())
    endpoints_file = _endpoints_file(Path(endpoints or project_root() / "endpoints.yml"), actions_port,
                                     tracker_db, run_dir)
    env = child_env()
    api_token()  # made here once, before the servers start and read it
    session_secret()  # likewise; an empty or short one stops here, with what to do (WeakSecret)
    # the Rasa server refuses request bodies over 64 KB (413) before reading them: a message is at
    # most BOT_MAX_MESSAGE_CHARS; Sanic's default is 100 MB. (Not the action server: Rasa's calls
    # carry the whole conversation.)
    rasa_env = {"SANIC_REQUEST_MAX_SIZE": str(RASA_REQUEST_MAX_BYTES), **env}
    started = time.monotonic()
    procs: list[subprocess.Popen] = []

    def launch_rasa(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tools.rasa_server", "--enable-api", "--interface", "127.0.0.1",
             "--port", str(port), "--model", str(model), "--endpoints", str(endpoints_file),
             "--credentials", str(project_root() / "credentials.yml")],
            cwd=project_root(), env=rasa_env, stdout=(log_dir / f"rasa.{port}.log").open("a"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_for_rasa(port: int, proc: subprocess.Popen) -> None:
        url = f"http://127.0.0.1:{port}"
        _wait_until(lambda: json.loads(_get(with_token(f"{url}/status"))).get("model_file"), f"the Rasa server on {port}",
                    proc, log_dir / f"rasa.{port}.log")

    def restart(index: int) -> None:
        proc = procs[1 + index]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
        procs[1 + index] = launch_rasa(rasa_ports[index])
        wait_for_rasa(rasa_ports[index], procs[1 + index])

    try:
        actions_log = log_dir / f"actions.{actions_port}.log"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                cwd=project_root(), env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        actions_url = f"http://127.0.0.1:{actions_port}"
        _wait_until(lambda: _get(f"{actions_url}/health"), "the action server", procs[0], actions_log)
        for port in rasa_ports:  # all at once: they load the model in parallel
            (log_dir / f"rasa.{port}.log").write_text("")
            procs.append(launch_rasa(port))
        for port, proc in zip(rasa_ports, procs[1:]):
            wait_for_rasa(port, proc)
        urls = [f"http://127.0.0.1:{port}" for port in rasa_ports]
        yield Assistant(urls[0], actions_url, endpoints_file, procs, time.monotonic() - started,
                        logs={"rasa": log_dir / f"rasa.{rasa_ports[0]}.log", "actions": actions_log},
                        urls=urls, restart=restart)
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        endpoints_file.unlink(missing_ok=True)  # this run's copy: generated, not kept
