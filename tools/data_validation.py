"""``rasa data validate`` with no warnings allowed except two kinds, which are checked instead.

Rasa warns "The utterance 'X' is not used in any story or rule" for responses that only actions
send: allowed when they are Rasa's own (sent by its default actions), a form's questions, or when a custom action in
``actions/`` names them. It warns that an intent has no NLU examples: allowed only for the
intents the red-flag check or the channels set. Every other warning or error fails. Rasa runs in a
subprocess: ``bot/`` never imports Rasa.
"""
from __future__ import annotations

import re
import subprocess
import sys

import yaml

from bot.paths import project_root

# Responses that Rasa's default actions send (two-stage fallback, default fallback, restart).
RASA_DEFAULT_RESPONSES = {"utter_default", "utter_ask_rephrase", "utter_restart"}
_UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule\.")
_INTENT_NOT_IN_DATA = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data")
_WARNING = re.compile(r"(UserWarning|WARNING|ERROR|Error)[: ](.*)")


def responses_sent_by_actions() -> set[str]:
    """Response names that appear as string literals in ``actions/*.py``."""
    names = set()
    for path in (project_root() / "actions").glob("*.py"):
        names.update(re.findall(r"[\"'](utter_\w+)[\"']", path.read_text(encoding="utf-8")))
    return names


def form_questions() -> set[str]:
    """``utter_ask_<slot>`` for every slot a form in ``domain.yml`` asks for (the form sends them)."""
    domain = yaml.safe_load((project_root() / "domain.yml").read_text(encoding="utf-8"))
    return {f"utter_ask_{slot}" for form in (domain.get("forms") or {}).values()
            for slot in form.get("required_slots", [])}


def intents_set_by_red_flags() -> set[str]:
    """Intents that only the red-flag check (content/safety/red_flags.yml) or the channels
    (bot/incoming.py) set: no NLU examples."""
    from bot.incoming import TOO_LONG
    from bot.safety import CHECK_INTENT, default_rules

    # safety_now / safety_not_now: only the buttons of the check-back reply send them
    return ({sign.intent for sign in default_rules().signs} | {CHECK_INTENT, "safety_now", "safety_not_now"}
            | {TOO_LONG.lstrip("/")})


def problems_in_output(output: str, allowed: set[str]) -> list[str]:
    """The warnings and errors in ``rasa data validate`` output that are not allowed.

    >>> problems_in_output("UserWarning: The utterance 'utter_x' is not used in any story or rule.", {"utter_x"})
    []
    >>> problems_in_output("UserWarning: The utterance 'utter_y' is not used in any story or rule.", set())
    ["UserWarning: The utterance 'utter_y' is not used in any story or rule."]
    """
    problems = []
    for line in output.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        unused = _UNUSED.search(line) or _INTENT_NOT_IN_DATA.search(line)
        if unused and unused.group(1) in allowed:
            continue
        if unused or ("UserWarning" in line) or re.search(r"\b(ERROR|WARNING)\b", line):
            problems.append(line[line.find("UserWarning"):] if "UserWarning" in line else line)
    return problems


def validate_data() -> list[str]:
    """Run ``rasa data validate``; returns the problems (empty when clean)."""
    from tools.servers import child_env

    proc = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate"],
        cwd=project_root(), env=child_env(), capture_output=True, text=True, check=False,
    )
    output = proc.stdout + "\n" + proc.stderr
    allowed = RASA_DEFAULT_RESPONSES | responses_sent_by_actions() | form_questions() | intents_set_by_red_flags()
    problems = problems_in_output(output, allowed)
    if proc.returncode != 0 and not problems:
        problems.append(f"rasa data validate exited with code {proc.returncode}")
    return problems
