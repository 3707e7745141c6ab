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

from bot.paths import build_dir, project_root, tracker_db_path

START_TIMEOUT_S = float(os.environ.get("BOT_START_TIMEOUT", 180))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    return Path(os.environ.get("BOT_MODEL", project_root() / "models" / "bones.tar.gz"))


@dataclass
class Assistant:
    """A running Rasa server (``url``) with its action server."""

    url: str
    actions_url: str
    endpoints: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    started_in_s: float = 0.0

    def send(self, sender: str, message: str) -> list[dict]:
        """Send ``message`` as ``sender`` through the REST channel; returns the bot's messages."""
        return _post_json(f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message}) or []

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker (needs the HTTP API, which ``running_assistant`` enables)."""
        return json.loads(_get(f"{self.url}/conversations/{sender}/tracker", timeout=10))

    def pids(self) -> dict[str, int]:
        """Process ids: ``{"rasa": ..., "actions": ...}``."""
        return {"actions": self.processes[0].pid, "rasa": self.processes[1].pid}


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


def _endpoints_file(actions_port: int, tracker_db: Path, run_dir: Path) -> Path:
    import yaml

    endpoints = yaml.safe_load((project_root() / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints["tracker_store"]["db"] = str(tracker_db)
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
):
    """Start the action server and the Rasa server (HTTP API on, loopback only); stop them after.

    Yields an ``Assistant``. Logs go to ``build/logs/`` unless ``log_dir`` says otherwise.
    """
    model = Path(model or default_model())
    if not model.exists():
        raise FileNotFoundError(f"{model} does not exist: run 'make model' first")
    run_dir = build_dir() / "run"
    log_dir = Path(log_dir or build_dir() / "logs")
    for folder in (run_dir, log_dir, project_root() / "var"):
        folder.mkdir(parents=True, exist_ok=True)
    actions_port = actions_port or free_port()
    rasa_port = rasa_port or free_port()
    tracker_db = Path(tracker_db or tracker_db_path())
    endpoints = _endpoints_file(actions_port, tracker_db, run_dir)
    env = child_env()
    started = time.monotonic()
    procs: list[subprocess.Popen] = []
    try:
        actions_log = log_dir / f"actions.{actions_port}.log"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                cwd=project_root(), env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        rasa_log = log_dir / f"rasa.{rasa_port}.log"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "rasa", "run", "--enable-api", "--interface", "127.0.0.1",
                 "--port", str(rasa_port), "--model", str(model), "--endpoints", str(endpoints),
                 "--credentials", str(project_root() / "credentials.yml")],
                cwd=project_root(), env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        actions_url = f"http://127.0.0.1:{actions_port}"
        url = f"http://127.0.0.1:{rasa_port}"
        _wait_until(lambda: _get(f"{actions_url}/health"), "the action server", procs[0], actions_log)
        _wait_until(
            lambda: json.loads(_get(f"{url}/status")).get("model_file"), "the Rasa server", procs[1], rasa_log
        )
        yield Assistant(url, actions_url, endpoints, procs, time.monotonic() - started)
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
