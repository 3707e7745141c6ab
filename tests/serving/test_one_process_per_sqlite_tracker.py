"""Two Rasa processes on one SQLite tracker file (``endpoints.yml``: its conversation locks are in
each process's memory) lost turns: the second now refuses to start, with a clear message. Real
processes making the store exactly as Rasa does from ``endpoints.yml``."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bot.paths import project_root
from tools.servers import child_env

MAKE_STORE = """
import sys, time
import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa.core.tracker_store import TrackerStore
from rasa.utils.endpoints import EndpointConfig
TrackerStore.create(EndpointConfig(type="rasa36.sql_tracker_store.TunedSQLTrackerStore", dialect="sqlite",
                                   db=sys.argv[1]))
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _start(db, hold: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", MAKE_STORE, str(db), str(hold)], cwd=project_root(),
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow  # several seconds: not in make check's fast lane
def test_a_second_process_on_the_same_sqlite_tracker_file_refuses_to_start(tmp_path):
    db = tmp_path / "tracker.db"
    first = _start(db, 120)
    try:
        assert first.stdout.readline().strip() == "ready"
        second = _start(db, 0)
        out, err = second.communicate(timeout=120)
        assert second.returncode != 0 and "ready" not in out  # was: both ran, and turns were lost
        assert "another Rasa process is already using the SQLite tracker store" in err
        assert "deploy/endpoints.postgres.yml" in err
        other_file = _start(tmp_path / "other.db", 0)  # its own file: fine
        assert other_file.communicate(timeout=120)[0].strip() == "ready"
    finally:
        first.kill()
        first.wait()
    time.sleep(0.1)
    again = _start(db, 0)  # once the first process has gone, the file is free
    assert again.communicate(timeout=120)[0].strip() == "ready"
