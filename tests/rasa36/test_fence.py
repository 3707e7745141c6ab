"""The fence around our changes to Rasa (issue 23): nothing is installed by importing, ``apply()``
installs everything once, only on Rasa 3.6.x, and ``BOT_RASA_PATCHES=0`` runs plain Rasa - checked
in fresh Python processes, as a server starts."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.paths import project_root

PROBE = """
import json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.core.actions.action import RemoteAction
original = (SQLTrackerStore.save, RemoteAction._validate_action_result)
import components, rasa36, rasa36.sql_tracker_store, rasa36.redis_lock_store   # importing installs nothing
imported = (SQLTrackerStore.save, RemoteAction._validate_action_result) != original
version = sys.argv[1] if len(sys.argv) > 1 else None
if version:
    import rasa; rasa.__version__ = version
result = rasa36.apply()
again = rasa36.apply()
changed = (SQLTrackerStore.save, RemoteAction._validate_action_result) != original
print(json.dumps({"imported": imported, "applied": result, "again": again, "changed": changed}))
"""


def _probe(switch: str | None, version: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(project_root()))
    env.pop("BOT_RASA_PATCHES", None)
    if switch is not None:
        env["BOT_RASA_PATCHES"] = switch
    out = subprocess.run([sys.executable, "-c", PROBE, *([version] if version else [])], env=env, cwd=project_root(),
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow  # several seconds: not in make check's fast lane
@pytest.mark.parametrize("switch, version, installed", [
    (None, None, True),          # the default: on
    ("1", None, True),
    ("0", None, False),          # plain Rasa
    ("false", None, False),
    (None, "3.7.0", False),      # not the version the patches were written for
    (None, "4.0.1", False),
])
def test_patches_are_installed_only_by_apply_on_rasa_3_6_unless_switched_off(switch, version, installed):
    found = _probe(switch, version)
    assert found == {"imported": False, "applied": installed, "again": installed, "changed": installed}


def test_nothing_outside_rasa36_patches_rasa():
    """Assignments to Rasa's classes or modules live only in rasa36/ (a newcomer finds them all there)."""
    import re

    pattern = re.compile(r"^\s*(?:SQLTrackerStore|RemoteAction|FailSafeTrackerStore|Event|DialogueStateTracker|"
                         r"LogisticRegressionClassifier|RulePolicy|DaskGraphRunner|EndpointConfig|action_module)\.\w+\s*=",
                         re.M)
    offenders = [str(p.relative_to(project_root())) for folder in ("bot", "components", "channels", "actions")
                 for p in (project_root() / folder).rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
