"""One identifier per topic across every layer: content/topics/<id>.md <-> intent ask_<id>
<-> NLU examples <-> the answer rule <-> a conversation test story."""
from __future__ import annotations

import re

import yaml

from bot.content import load_content
from bot.paths import project_root

ROOT = project_root()


def _yaml(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def _topic_ids():
    return set(load_content().topics)


def _ask_intents(names):
    return {n[len("ask_"):] for n in names if n.startswith("ask_")}


def test_domain_has_one_ask_intent_per_topic():
    assert _ask_intents(_yaml("domain.yml")["intents"]) == _topic_ids()


def test_nlu_has_examples_for_every_topic_intent():
    nlu = _yaml("data/nlu.yml")["nlu"]
    counts = {item["intent"]: len(re.findall(r"^- ", item["examples"], re.M)) for item in nlu if "intent" in item}
    assert _ask_intents(counts) == _topic_ids()
    thin = {intent: n for intent, n in counts.items() if n < 15 and intent.startswith("ask_")}
    assert not thin, f"topic intents with fewer than 15 examples: {thin}"


def test_every_topic_intent_is_answered_by_the_topic_rule():
    rules = _yaml("data/rules.yml")["rules"]
    answered = set()
    for rule in rules:
        steps = rule["steps"]
        if any(step.get("action") == "action_answer_topic" for step in steps):
            for step in steps:
                for alternative in step.get("or", [step]):
                    if "intent" in alternative:
                        answered.add(alternative["intent"])
    assert _ask_intents(answered) == _topic_ids()


def test_every_topic_has_a_conversation_test_story():
    stories = _yaml("tests/test_stories.yml")["stories"]
    tested = set()
    for story in stories:
        for step in story["steps"]:
            if "intent" in step:
                tested.add(step["intent"])
    assert _ask_intents(tested) >= _topic_ids()


def test_every_topic_label_is_an_evaluation_label():
    labels = {
        "cementoplasty", "vertebroplasty", "kyphoplasty", "bisphosphonates", "denosumab", "side_effects",
        "nice_access", "bone_pain_general", "helpline", "emergency", "out_of_scope",
    }
    for topic in load_content().topics.values():
        assert topic.label in labels, topic.id


def test_responses_used_by_actions_exist_in_domain():
    responses = set(_yaml("domain.yml")["responses"])
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r"[\"'](utter_\w+)[\"']", path.read_text()))
    assert used and used <= responses
