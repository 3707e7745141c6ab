"""One identifier per topic across every layer: content/topics/<id>.md <-> intent ask_<id>
<-> NLU examples <-> the answer rule <-> a conversation test story."""
from __future__ import annotations

import re
import shutil

import pytest
import yaml

from bot.content.topics import load_content
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
    stories = _yaml("tests/assistant/test_stories.yml")["stories"]
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


def _train_rule_policy(tmp_path, extra_stories: str = ""):
    """Train the rule policy of config.yml on data/ (plus ``extra_stories``), as ``rasa train`` does."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.training import load_data
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain

    config = yaml.safe_load((project_root() / "config.yml").read_text())
    [policy_config] = [p for p in config["policies"] if p["name"] == "RulePolicy"]
    domain = Domain.load(project_root() / "domain.yml")
    data = tmp_path / "data"
    shutil.copytree(project_root() / "data", data, dirs_exist_ok=True)
    if extra_stories:
        (data / "extra_stories.yml").write_text(extra_stories)
    (tmp_path / "storage").mkdir(exist_ok=True)
    policy = RulePolicy.create({**RulePolicy.get_default_config(), **policy_config},
                               LocalModelStorage(tmp_path / "storage"), Resource("rules"),
                               ExecutionContext(GraphSchema({}), "test"))
    return policy.train(load_data(str(data), domain, augmentation_factor=0), domain)


def test_the_only_policy_is_the_rule_policy_and_training_refuses_a_story_that_contradicts_a_rule(tmp_path):
    """config.yml has no memoization policy because every reply follows a rule; the stories in
    data/ are still checked against the rules when training."""
    from rasa.core.policies.rule_policy import InvalidRule

    config = yaml.safe_load((project_root() / "config.yml").read_text())
    assert [p["name"] for p in config["policies"]] == ["RulePolicy"]
    _train_rule_policy(tmp_path)  # the project's own stories agree with its rules
    contradiction = ('version: "3.1"\nstories:\n- story: contradicts the greet rule\n  steps:\n'
                     "  - intent: greet\n  - action: utter_goodbye\n")
    with pytest.raises(InvalidRule, match="utter_goodbye"):
        _train_rule_policy(tmp_path, contradiction)
