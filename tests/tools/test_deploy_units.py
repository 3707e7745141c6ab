"""deploy/systemd/: the units an operator installs (deploy/README.md) are checked for real.

- systemd's own ``systemd-analyze verify`` on every unit (paths pointed at this checkout), with any
  warning a failure: an unknown key or a misspelt value is only a warning to systemd, which then
  ignores the line; ``systemd-analyze security --offline`` keeps the hardening in place;
  ``systemd-analyze calendar`` says the purge runs daily and the retry every 5 minutes.
- every ``ExecStart`` is parsed by the program it starts, as it would be at boot: ``python -m bot``
  commands by tools/cli.py's own parser, ``tools.rasa_server`` by Rasa's, ``rasa_sdk`` by the SDK's,
  waitress's runner builds the page's app; the files they name exist (or are what ``make setup``
  builds); everything listens on loopback.
- every timer starts an existing one-shot service; every long-running service restarts on failure
  and belongs to bones.target.
- bones.env.example lists every setting the code reads and only those, sets every variable
  deploy/endpoints.postgres.yml needs, and its secrets are placeholders too short to be accepted.

``systemd-analyze`` comes from Debian's systemd package, which ``make services`` installs.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import shutil
import signal
import subprocess
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.paths import project_root

ROOT = project_root()
UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = UNITS / "bones.env.example"
INSTALLED_AT = "/opt/bones"  # where deploy/README.md puts the checkout
PYTHON = f"{INSTALLED_AT}/.venv/bin/python"
ENV_FILE = "/etc/bones/bones.env"
SECTIONS = {"Unit", "Service", "Timer", "Install"}
LOOPBACK = "127.0.0.1"
CODE_DIRS = ("bot", "actions", "channels", "components", "rasa36", "serving", "sites", "tools")
# what every service keeps (all of it ran under a real systemd 252, deploy/README.md)
HARDENING = (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
             ("PrivateDevices", "yes"), ("ProtectProc", "invisible"), ("ProcSubset", "pid"),
             ("MemoryDenyWriteExecute", "yes"), ("RestrictNamespaces", "yes"), ("CapabilityBoundingSet", ""),
             ("SystemCallArchitectures", "native"), ("UMask", "0077"))


def _unit_files() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer", ".target"))


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's ``{section: [(key, value), ...]}``, refusing anything systemd would read
    differently from what it looks like (a line outside a section, a continuation line, an
    unknown section, a line that is neither a comment nor ``Key=value``)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        where = f"{path.name}:{number}"
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        assert not stripped.endswith("\\"), f"{where}: no continuation lines, please (one setting a line)"
        if stripped.startswith("["):
            current = stripped.strip("[]")
            assert stripped == f"[{current}]" and current in SECTIONS, f"{where}: unknown section {stripped}"
            assert current not in sections, f"{where}: section [{current}] twice"
            sections[current] = []
            continue
        assert current, f"{where}: setting outside a section"
        key, equals, value = line.partition("=")
        assert equals and re.fullmatch(r"[A-Za-z]+", key.strip()), f"{where}: not Key=value: {line!r}"
        sections[current].append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def value(unit: dict, section: str, key: str) -> str | None:
    found = values(unit, section, key)
    return found[-1] if found else None


def units() -> dict[str, dict]:
    return {path.name: parse_unit(path) for path in _unit_files()}


def services() -> dict[str, dict]:
    return {name: unit for name, unit in units().items() if name.endswith(".service")}


def environment(unit: dict) -> dict[str, str]:
    """The ``Environment=`` assignments of a unit (``KEY=value`` words)."""
    env = {}
    for line in values(unit, "Service", "Environment"):
        for word in shlex.split(line):
            key, _, val = word.partition("=")
            env[key] = val
    return env


def exec_start(unit: dict, instance: str = "5005") -> list[str]:
    (line,) = values(unit, "Service", "ExecStart")
    return shlex.split(line.replace("%i", instance))


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is not installed: `make services` installs Debian's systemd package")
    return found


def _units_here(tmp_path: Path) -> list[Path]:
    """The units with the install folder pointed at this checkout, so the programs they start exist."""
    for path in _unit_files():
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED_AT, str(ROOT)))
    files = [tmp_path / p.name for p in _unit_files()]
    return [f.with_name(f.name.replace("@.", "@5005.")) for f in files]  # a template needs an instance


def _analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_systemd_analyze(), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, TZ="UTC"))  # a clock change would make a day 23 or 25 hours


# --- systemd itself ---

def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path):
    files = _units_here(tmp_path)
    assert (ROOT / ".venv" / "bin" / "python").exists(), "the units start .venv/bin/python: run `make setup`"
    result = _analyze("verify", "--man=no", *map(str, files), cwd=tmp_path)
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not said, f"systemd-analyze verify:\n{said}"


def test_every_service_keeps_its_hardening(tmp_path):
    for path in _units_here(tmp_path):
        if path.suffix != ".service":
            continue
        # the threshold is in tenths: 15 is an exposure of 1.5 (they are at 1.2; 10.0 is the worst)
        result = _analyze("security", "--offline=yes", "--man=no", "--threshold=15", path.name, cwd=tmp_path)
        assert result.returncode == 0, f"{path.name}: exposure over 1.5:\n{result.stdout[-400:]}{result.stderr}"


def _elapses(spec: str) -> list[datetime]:
    result = _analyze("calendar", "--iterations=3", spec, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", result.stdout)
    return [datetime.fromisoformat(stamp) for stamp in stamps]


@pytest.mark.parametrize("timer, every", [("bones-purge.timer", timedelta(days=1)),
                                          ("bones-retry.timer", timedelta(minutes=5))])
def test_the_timers_run_as_often_as_the_readme_says(timer, every):
    (spec,) = values(units()[timer], "Timer", "OnCalendar")
    times = _elapses(spec)
    assert len(times) == 3 and all(b - a == every for a, b in pairwise(times)), (spec, times)


# --- what the units say ---

def test_every_timer_starts_an_existing_one_shot_service():
    everything = units()
    timers = [name for name in everything if name.endswith(".timer")]
    assert timers, "no timers in deploy/systemd/"
    for name in timers:
        target = value(everything[name], "Timer", "Unit") or name.replace(".timer", ".service")
        assert target in everything, f"{name} starts {target}, which is not in deploy/systemd/"
        assert value(everything[target], "Service", "Type") == "oneshot", f"{target}: a timer's job is a oneshot"
        assert value(everything[name], "Install", "WantedBy") == "timers.target", name
    for name, unit in services().items():  # and every one-shot job has its timer
        if value(unit, "Service", "Type") == "oneshot":
            assert name.replace(".service", ".timer") in everything, f"{name} has no timer"


def test_every_service_runs_as_the_bones_user_from_the_checkout_with_the_env_file():
    for name, unit in services().items():
        where = f"deploy/systemd/{name}"
        assert value(unit, "Service", "User") == "bones" and value(unit, "Service", "Group") == "bones", where
        assert value(unit, "Service", "WorkingDirectory") == INSTALLED_AT, where
        assert values(unit, "Service", "EnvironmentFile") == [ENV_FILE], where
        for key, wanted in HARDENING:
            assert value(unit, "Service", key) == wanted, f"{where}: {key}={wanted} expected"
        assert values(unit, "Service", "SystemCallFilter") == ["@system-service", "~@privileged @resources"], where
        writable = values(unit, "Service", "ReadWritePaths")
        assert writable in ([], [f"{INSTALLED_AT}/var"]), f"{where}: writes only var/ ({writable})"
        assert exec_start(unit)[0] == PYTHON, f"{where}: starts {PYTHON}"
        if value(unit, "Service", "Type") != "oneshot":  # the long-running processes
            assert value(unit, "Service", "Restart") == "on-failure", where
            assert value(unit, "Unit", "PartOf") == "bones.target", where
            assert value(unit, "Install", "WantedBy") == "bones.target", where
    assert value(units()["bones.target"], "Install", "WantedBy") == "multi-user.target"


def test_the_rasa_processes_come_after_the_stores_and_the_action_server():
    rasa = services()["bones-rasa@.service"]
    after = " ".join(values(rasa, "Unit", "After")).split()
    for unit in ("postgresql.service", "redis-server.service", "bones-actions.service", "network-online.target"):
        assert unit in after, f"bones-rasa@.service: After={unit} expected"


# --- the commands they start ---

class _Parsed(Exception):
    def __init__(self, namespace):
        self.namespace = namespace


def _bot_command(args: list[str]) -> argparse.Namespace:
    """``python -m bot ARGS`` parsed by tools/cli.py's own parser; the command is not run."""
    from tools import cli

    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, argv=None, namespace=None):
        raise _Parsed(original(self, argv, namespace))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
        patch.setattr(signal, "signal", lambda *a: None)  # main() sets a SIGTERM handler
        try:
            cli.main(args)
        except _Parsed as parsed:
            return parsed.namespace
        except SystemExit as exit_:
            pytest.fail(f"python -m bot {' '.join(args)}: tools/cli.py refuses it (exit {exit_.code})")
    pytest.fail(f"python -m bot {' '.join(args)}: ran without parsing its arguments?")


def _makefile_model() -> str:
    return re.search(r"^MODEL\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)


def _check_rasa(args: list[str], env: dict) -> None:
    from rasa.__main__ import create_argument_parser

    assert "--auth-token" not in args, "tools.rasa_server takes the token from the environment, never the command line"
    parsed = create_argument_parser().parse_args(["run", *args])
    assert parsed.enable_api and parsed.interface == LOOPBACK, "the HTTP API, on loopback only"
    assert parsed.model == _makefile_model(), f"--model {parsed.model}: `make setup` builds {_makefile_model()}"
    for given in (parsed.endpoints, parsed.credentials):
        assert (ROOT / given).is_file(), f"{given} is not in the checkout"
    assert env.get("SANIC_REQUEST_MAX_SIZE") == "65536", "request bodies over 64 KB refused, as tools/servers.py does"


def _check_actions(args: list[str], env: dict) -> None:
    from rasa_sdk.endpoint import create_argument_parser

    parsed = create_argument_parser().parse_args(args)
    assert importlib.util.find_spec(parsed.actions) is not None, f"--actions {parsed.actions}: no such package"
    assert env.get("SANIC_HOST") == LOOPBACK, "the action server listens on loopback only"
    action_url = env_example()["BOT_ACTION_SERVER_URL"]
    assert f"{LOOPBACK}:{parsed.port}/" in action_url, f"BOT_ACTION_SERVER_URL={action_url} vs --port {parsed.port}"


def _check_waitress(args: list[str], env: dict) -> None:
    from flask import Flask
    from waitress import runner

    served = {}
    code = runner.run(["waitress", *args], _serve=lambda app, **kw: served.update(app=app, **kw))
    assert code == 0 and isinstance(served.get("app"), Flask), f"waitress {' '.join(args)}: no app (exit {code})"
    listen = served["listen"].split()  # waitress keeps --listen as space-separated addresses
    assert len(listen) == 1 and listen[0].startswith(f"{LOOPBACK}:"), "the page listens on loopback only"


def test_every_exec_start_is_accepted_by_the_program_it_starts():
    checked = set()
    for name, unit in services().items():
        argv = exec_start(unit)
        assert argv[1] == "-m", f"{name}: {PYTHON} -m MODULE ..."
        module, args = argv[2], argv[3:]
        env = environment(unit)
        if module == "bot":
            parsed = _bot_command(args)
            assert parsed.command == args[0] and callable(parsed.func)
            if hasattr(parsed, "host"):
                assert parsed.host == LOOPBACK, f"{name}: listens on loopback only"
        elif module == "tools.rasa_server":
            assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
            _check_rasa(args, env)
        elif module == "rasa_sdk":
            _check_actions(args, env)
        elif module == "waitress":
            _check_waitress(args, env)
        else:
            pytest.fail(f"{name}: {module} is not a known entry point; add its check here")
        checked.add(module)
    assert checked == {"bot", "tools.rasa_server", "rasa_sdk", "waitress"}


def test_the_purge_and_retry_units_run_the_documented_commands():
    for name, command in (("bones-purge.service", ["purge"]), ("bones-retry.service", ["undelivered", "--retry"])):
        assert exec_start(services()[name])[2:] == ["bot", *command], name


# --- the settings ---

def env_example(include_commented: bool = False) -> dict[str, str]:
    """``KEY=value`` of bones.env.example, as systemd's EnvironmentFile= reads it (``#KEY=...``
    lines too, when ``include_commented``)."""
    found = {}
    for number, line in enumerate(ENV_EXAMPLE.read_text().splitlines(), 1):
        where = f"{ENV_EXAMPLE.name}:{number}"
        if not line.strip() or (line.startswith("#") and not include_commented):
            continue
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(\S*)(\s+.*)?", line)
        if line.startswith("#") and not match:
            continue  # prose
        assert match and not line.startswith(("export", " ")), f"{where}: not KEY=value: {line!r}"
        key, val = match.group(1), match.group(2)
        if not line.startswith("#"):
            assert match.group(3) is None, f"{where}: systemd would take the rest of the line as the value"
            assert "$" not in val, f"{where}: EnvironmentFile= does not expand ${{...}}"
            assert key not in found, f"{where}: {key} twice"
        found.setdefault(key, val)
    return found


def _code_text() -> str:
    files = [p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files) + (ROOT / "deploy" / "endpoints.postgres.yml").read_text()


def test_the_env_example_lists_every_setting_the_code_reads_and_nothing_else():
    code = _code_text()
    listed = env_example(include_commented=True)
    read = set(re.findall(r"\b(?:BOT|TWILIO)_[A-Z0-9_]*[A-Z0-9]\b", code))
    missing = sorted(read - set(listed))
    assert not missing, f"read by the code, not in deploy/systemd/bones.env.example: {missing}"
    unknown = sorted(key for key in listed if not re.search(rf"\b{key}\b", code))
    assert not unknown, f"in bones.env.example, read nowhere in the code: {unknown}"


def test_the_env_example_sets_what_the_rasa_endpoints_need_and_its_secrets_are_placeholders():
    from bot.local_secret import MIN_CHARS

    env = env_example()
    endpoints = (ROOT / "deploy" / "endpoints.postgres.yml").read_text()
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    assert needed and needed <= set(env), f"Rasa needs every one of {sorted(needed)} set: {sorted(needed - set(env))}"
    for key in ("BOT_SESSION_SECRET", "BOT_RASA_API_TOKEN", "BOT_TRIAGE_SECRET"):
        assert 0 < len(env[key]) < MIN_CHARS, f"{key}: a placeholder the program refuses, not a usable secret"
    for key in ("BOT_CLOCK", "BOT_TRIAGE_INSECURE_COOKIE", "BOT_RASA_PATCHES", "TWILIO_API_BASE", "BOT_START_TIMEOUT"):
        assert key not in env, f"{key} is for tests and demos only, never set in production"


def test_every_variable_a_unit_uses_is_set():
    env = env_example()
    for name, unit in services().items():
        own = environment(unit)
        for line in values(unit, "Service", "ExecStart"):
            for used in re.findall(r"\$\{?(\w+)", line):
                assert used in own or used in env, f"{name}: ExecStart uses ${used}, set nowhere"
