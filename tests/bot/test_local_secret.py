"""Secrets a node makes for itself (bot/local_secret.py): many processes starting at once all get
the same full-length secret; empty or short secrets, from the environment or a file, are refused
with a message that says what to do."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bot.local_secret import MIN_CHARS, WeakSecret, local_secret
from bot.paths import project_root

# Each process waits for the "go" file, then asks for the secret at the same moment as the others.
_READER = """
import os, sys, time
from pathlib import Path
import bot.settings
bot.settings._ROOT = Path(sys.argv[1])  # var/ under this test's folder (old and new code alike)
os.environ.pop("BOT_SECRETS_DIR", None)
go = Path(sys.argv[1]) / "go"
pause_writing, start_after = float(sys.argv[2]), float(sys.argv[3])
if pause_writing:  # a process descheduled (or on a slow disk) between opening the file and writing it
    real_fdopen = os.fdopen
    def slow_fdopen(*args, **kwargs):
        handle = real_fdopen(*args, **kwargs)
        time.sleep(pause_writing)
        return handle
    os.fdopen = slow_fdopen
while not go.exists():
    pass
time.sleep(start_after)
from bot.local_secret import local_secret
try:
    print(repr(local_secret("BOT_TEST_RACE_SECRET", "race_secret")))
except Exception as error:
    print(type(error).__name__)
"""


@pytest.mark.slow  # several processes
@pytest.mark.parametrize("pause_writing, start_after", [
    (0.0, [0.0] * 12),          # a dozen at once
    (0.6, [0.0, 0.2, 0.3]),     # the first is paused while writing; the others start meanwhile
])
def test_processes_starting_together_share_one_full_secret(tmp_path, pause_writing, start_after):
    env = {k: v for k, v in os.environ.items() if k != "BOT_TEST_RACE_SECRET"}
    env["PYTHONPATH"] = str(project_root())
    procs = [subprocess.Popen([sys.executable, "-c", _READER, str(tmp_path), str(pause_writing if i == 0 else 0),
                               str(after)], env=env, stdout=subprocess.PIPE, text=True)
             for i, after in enumerate(start_after)]
    time.sleep(1.5)  # let them all import and wait
    (tmp_path / "go").touch()
    seen = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert len(set(seen)) == 1, seen
    assert len(eval(seen[0])) == 64  # noqa: S307 - our own repr()
    assert (tmp_path / "var" / "race_secret").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["race_secret"]  # no temporary files left


@pytest.mark.parametrize("value", ["", "short", "x" * (MIN_CHARS - 1)])
def test_an_empty_or_short_secret_from_the_environment_is_refused(monkeypatch, tmp_path, value):
    monkeypatch.setenv("BOT_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("BOT_TEST_SECRET", value)
    with pytest.raises(WeakSecret, match="BOT_TEST_SECRET.*at least 32"):
        local_secret("BOT_TEST_SECRET", "test_secret")


@pytest.mark.parametrize("contents", ["", "\n", "abc123"])
def test_an_empty_or_short_secret_file_is_refused(monkeypatch, tmp_path, contents):
    monkeypatch.setenv("BOT_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_TEST_SECRET", raising=False)
    (tmp_path / "test_secret").write_text(contents)
    with pytest.raises(WeakSecret, match="test_secret.*Delete the file"):
        local_secret("BOT_TEST_SECRET", "test_secret")


def test_a_long_secret_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("BOT_TEST_SECRET", "k" * MIN_CHARS)
    assert local_secret("BOT_TEST_SECRET", "test_secret") == "k" * MIN_CHARS
    monkeypatch.delenv("BOT_TEST_SECRET")
    made = local_secret("BOT_TEST_SECRET", "test_secret")
    assert len(made) == 64 and local_secret("BOT_TEST_SECRET", "test_secret") == made


@pytest.mark.parametrize("command, variable", [
    (["-m", "tools.rasa_server", "--enable-api"], "BOT_RASA_API_TOKEN"),
    (["-m", "bot", "triage-web", "--port", "0"], "BOT_TRIAGE_SECRET"),
])
def test_a_program_given_a_short_secret_stops_with_what_to_do(command, variable):
    env = {**os.environ, "PYTHONPATH": str(project_root()), variable: "too-short"}
    done = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"the environment variable {variable} holds a secret of 9 characters" in done.stderr
    assert "Traceback" not in done.stderr
