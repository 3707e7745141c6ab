"""The benchmark's yardstick: a plain ``rasa init`` assistant (Rasa's starter project, trained
with its default configuration), run the way Rasa runs out of the box: one process, in-memory
tracker store, no action server. Made in ``build/bench/rasa-init`` on first use (about 3 minutes
of training), reused after.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import build_dir
from tools.servers import _post_json, _wait_until, child_env, free_port


@dataclass
class ReferenceAssistant:
    url: str
    process: subprocess.Popen
    started_in_s: float
    urls: list[str] = field(default_factory=list)

    def send(self, sender: str, message: str, process: int = 0) -> list[dict]:
        return _post_json(f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message}) or []

    def pids(self) -> dict:
        return {"rasa_all": [self.process.pid], "actions": None}


def reference_project() -> Path:
    """``build/bench/rasa-init`` with a trained model (made by ``rasa init`` when missing)."""
    folder = build_dir() / "bench" / "rasa-init"
    if not list((folder / "models").glob("*.tar.gz")):
        folder.mkdir(parents=True, exist_ok=True)
        print("training the reference `rasa init` assistant (once; a few minutes)...", flush=True)
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(folder)],
                       env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, check=True, timeout=1800)
    return folder


@contextlib.contextmanager
def reference_assistant():
    """Start the reference assistant's Rasa server on a free loopback port; stop it after."""
    folder = reference_project()
    port = free_port()
    log = build_dir() / "logs" / f"reference.{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--interface", "127.0.0.1", "--port", str(port),
         "--model", str(folder / "models")],
        cwd=folder, env=child_env(), stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _post_json(f"{url}/webhooks/rest/webhook", {"sender": "ping", "message": "hi"}) is not None,
                    "the reference Rasa server", proc, log)
        yield ReferenceAssistant(url, proc, time.monotonic() - started, [url])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
