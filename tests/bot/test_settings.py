"""Every BOT_* setting the code reads is declared in bot/settings.py, and the README's settings table
lists each one with its default, so an operator can find every knob in one place."""
from __future__ import annotations

import re
import subprocess

import pytest

from bot import settings
from bot.paths import project_root

README = (project_root() / "README.md").read_text(encoding="utf-8")
TABLE = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(BOT_[A-Z0-9_]+)` \| ([^|]*) \|", README, re.M)}


def _shown(default: str) -> str:
    return f"`{default.replace('{root}/', '').replace('{build}', 'build')}`" if default else "not set"


@pytest.mark.parametrize("name", sorted(settings.SETTINGS))
def test_the_readme_lists_every_setting_with_its_default(name):
    assert name in TABLE, f"{name} is missing from the README's settings table"
    assert TABLE[name] == _shown(settings.SETTINGS[name].default)


def test_the_readme_lists_no_setting_the_code_does_not_have():
    assert set(TABLE) <= set(settings.SETTINGS)


def test_every_bot_variable_named_in_the_code_is_declared():
    found = subprocess.run(["git", "grep", "-ohE", r"\bBOT_[A-Z][A-Z0-9_]+", "--", "*.py", "*.yml", "Makefile", ":(exclude)tests/bot/test_settings.py"],
                           cwd=project_root(), capture_output=True, text=True, check=True).stdout.split()
    undeclared = {n for n in found if n not in settings.SETTINGS and not n.startswith("BOT_TEST_")}
    assert not undeclared, f"BOT_* variables not declared in bot/settings.py: {sorted(undeclared)}"


@pytest.mark.parametrize("read, name, value, message", [
    (settings.integer, "BOT_RATE_PER_SENDER", "thirty", "must be a whole number"),
    (settings.number, "BOT_ACTION_TIMEOUT", "4s", "must be a number"),
    (settings.switch, "BOT_TRIAGE_INSECURE_COOKIE", "disabled", "must be 1 or 0"),  # never quietly "on"
])
def test_a_value_that_does_not_parse_names_the_setting(read, name, value, message):
    with pytest.raises(settings.SettingError, match=f"{name} {message}"):
        read(name, {name: value})


def test_a_setting_asked_for_as_the_wrong_type_or_not_declared_is_a_bug():
    with pytest.raises(TypeError):
        settings.integer("BOT_WEB_ORIGINS")
    with pytest.raises(KeyError):
        settings.text("BOT_NOBODY_DECLARED_THIS")


def test_a_build_default_follows_the_build_dir(tmp_path):
    assert settings.path("BOT_CONTENT_DB", {"BOT_BUILD_DIR": str(tmp_path)}) == tmp_path / "content.db"
