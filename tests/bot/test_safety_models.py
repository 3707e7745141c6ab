"""The statistical detectors' place in the check (bot/safety/statistical.py), and the rule that the
team's training data never holds words from the evaluation sets (real posts and questions are for
measuring only)."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from bot.paths import project_root
from bot.records.handoff_rules import red_flag_handoff
from bot.safety import check, statistical


@pytest.fixture
def crisis_model_sure(monkeypatch):
    monkeypatch.setattr(statistical, "crisis_probability", lambda text: 0.99)
    monkeypatch.setattr(statistical, "crisis_threshold", lambda: 0.5)
    monkeypatch.setattr(statistical, "probability", lambda text: 0.0)


@pytest.mark.parametrize("message", [
    "honestly I can't see a way through any of this now",
    "mum says she has had enough and wants to go, and she's been quiet all day",
])
def test_the_crisis_model_alone_gives_the_crisis_reply_not_a_check(crisis_model_sure, message):
    result = check(message)
    assert (result.decision, result.intent, result.urgency, result.reasons) == \
        ("advice", "crisis", "crisis", ("statistical_crisis",))


@pytest.mark.parametrize("message", [
    "I'm not suicidal, just worn out by the appointments",
    "no thoughts of ending my life, I just want the pain to stop",
])
def test_the_crisis_model_does_not_overrule_words_that_deny_a_crisis(crisis_model_sure, message):
    assert check(message).reasons != ("statistical_crisis",)


def test_a_crisis_sign_in_the_words_decides_before_the_model(crisis_model_sure):
    assert check("I want to kill myself").reasons == ("sign",)


def test_a_crisis_the_model_sees_is_not_only_checked_when_a_sign_is_merely_possible(crisis_model_sure):
    result = check("I just want it all to end. maybe a bit breathless")
    assert (result.intent, result.reasons) == ("crisis", ("statistical_crisis",))


def test_a_clear_emergency_sign_is_not_replaced_by_the_crisis_model(crisis_model_sure):
    assert check("my legs have gone weak and I can't feel my feet").intent == "emergency_spinal_cord"


def test_the_crisis_models_handoff_names_it(crisis_model_sure):
    assert red_flag_handoff("honestly I can't see a way through any of this now") == ("crisis", ["statistical_crisis"])


def test_crisis_training_examples_have_both_labels_and_use_every_crisis_line():
    examples = statistical.crisis_training_examples()
    assert {label for _, label in examples} == {0, 1}
    positives = sum(label for _, label in examples)
    crisis_lines = yaml.safe_load((project_root() / "data" / "safety" / "crisis.yml").read_text())["crisis"]
    assert positives == 6 * len(crisis_lines)  # six frames of "now" each


# -------------------------------------------------- training data never holds evaluation text

def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _evaluation_texts() -> set[str]:
    paths = sorted((project_root() / "eval").rglob("*.jsonl"))
    shared = project_root().parent / "shared" / "eval"
    paths += sorted(shared.glob("*.jsonl")) if shared.is_dir() else []
    texts = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.add(_words(row.get("message") or row.get("question") or ""))
    return texts - {""}


def _training_lines() -> list[tuple[str, str]]:
    data = project_root() / "data"
    lines = []
    for path in sorted(data.glob("nlu*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            lines += [(path.name, e[2:].strip()) for e in str(block.get("examples", "")).splitlines() if e.startswith("- ")]
    for name in ("examples.yml", "crisis.yml"):
        def walk(node):
            if isinstance(node, str):
                yield node
            elif isinstance(node, dict):
                for value in node.values():
                    yield from walk(value)
            elif isinstance(node, list):
                for value in node:
                    yield from walk(value)
        lines += [(name, text.replace("{x}", "")) for text in walk(yaml.safe_load((data / "safety" / name).read_text(encoding="utf-8")))]
    return lines


def test_no_training_line_is_copied_out_of_an_evaluation_text():
    """Ten words or more in a row: short generic questions ("how is denosumab given") may coincide.
    It reads the held-back files too, by script and on purpose (training must not hold their words);
    a failure shows only the training line, never evaluation text."""
    texts = _evaluation_texts()
    assert len(texts) > 500
    evaluation = " | ".join(sorted(texts))
    copied = [(name, text) for name, text in _training_lines()
              if len(_words(text).split()) >= 10 and _words(text) in evaluation]
    assert not copied, copied
