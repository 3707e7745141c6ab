"""The red-flag data (content/safety/) is whole and traceable: every concept a sign uses exists,
every concept and sign names a registered source whose archived text is there, every advice reply
exists in domain.yml with a rule, and the vocabulary's quoted passages are in their archived texts."""
from __future__ import annotations

import pytest
import yaml

from bot.paths import content_dir, project_root

SAFETY = content_dir() / "safety"
CONCEPTS = yaml.safe_load((SAFETY / "concepts.yml").read_text(encoding="utf-8"))["concepts"]
RED_FLAGS = yaml.safe_load((SAFETY / "red_flags.yml").read_text(encoding="utf-8"))
VOCABULARY = yaml.safe_load((SAFETY / "vocabulary_sources.yml").read_text(encoding="utf-8"))
DOMAIN = yaml.safe_load((project_root() / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((project_root() / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
REGISTER = set(VOCABULARY["sources"]) | set(RED_FLAGS["sources"])


def _sources(value) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("sign", RED_FLAGS["signs"], ids=lambda s: s["id"])
def test_every_sign_uses_known_concepts_and_sources(sign):
    for item in sign["all"]:
        for concept in item.split("|"):
            assert concept in CONCEPTS, f"{sign['id']}: unknown concept {concept!r}"
    assert set(_sources(sign["source"])) <= REGISTER, sign["id"]
    assert sign["urgency"] in RED_FLAGS["urgency_order"]


@pytest.mark.parametrize("name", sorted(CONCEPTS))
def test_every_concept_names_an_archived_source(name):
    spec = CONCEPTS[name]
    assert spec.get("phrases") or spec.get("seq") or spec.get("patterns"), name
    for source in _sources(spec["source"]):
        assert source in REGISTER, f"{name}: {source!r} is not registered"
        if source in VOCABULARY["sources"]:
            assert (project_root() / VOCABULARY["sources"][source]["file"]).is_file(), source
    for part in spec.get("seq") or []:
        assert part in CONCEPTS, f"{name}: unknown part {part!r}"


@pytest.mark.parametrize("intent", sorted({s["intent"] for s in RED_FLAGS["signs"]} | {"safety_check", "safety_now"}))
def test_every_red_flag_reply_exists_and_has_a_rule(intent):
    assert f"utter_{intent}" in DOMAIN["responses"], intent
    assert intent in DOMAIN["intents"]
    steps = [rule["steps"] for rule in RULES]
    assert any(s[0] == {"intent": intent} and s[1] == {"action": f"utter_{intent}"} for s in steps), intent


def test_red_flag_replies_never_offer_the_9_to_5_helpline_instead():
    for intent in {s["intent"] for s in RED_FLAGS["signs"]} - {"urgent_jaw", "urgent_low_calcium"}:
        text = DOMAIN["responses"][f"utter_{intent}"][0]["text"]
        assert "999" in text, intent
        assert "0808 800 4040" not in text, intent


def test_every_quoted_passage_is_in_its_archived_text():
    checked = 0
    for section in VOCABULARY["concepts"].values():
        for entries in section.values():
            for entry in entries if isinstance(entries, list) else []:
                if entry.get("source") in (None, "derived"):
                    continue
                text = (project_root() / VOCABULARY["sources"][entry["source"]]["file"]).read_text(encoding="utf-8")
                assert entry["passage"] in text.split("\n---\n", 1)[-1], (entry["source"], entry["passage"][:60])
                checked += 1
    assert checked > 300


def test_context_triggers_are_quoted_text():
    from bot.safety import context

    context._context.cache_clear()
    rules = yaml.safe_load((SAFETY / "context.yml").read_text(encoding="utf-8"))["rules"]
    for directions in rules.values():
        for spec in directions.values():
            assert all(isinstance(t, str) for t in spec["triggers"])


SAFETY_NET = "If you're worried about symptoms now, call your cancer team's 24-hour number, or 999 in an emergency."
# ... and the crisis line: a crisis the check misses (61% of crises were caught on a held-back set of
# other people's words, 2026-12-01) most often ends in one of these replies.
CRISIS_NET = "If you're feeling desperate or thinking of harming yourself, Samaritans are free on 116 123, day or night."
# Replies that end a turn without urgent advice: each carries the safety-net line once. Out-of-scope and the
# second miss are always followed by a helpline offer (data/rules.yml, actions/helpline.py), which carries it.
WITH_THE_NET = ["utter_helpline_open", "utter_helpline_closed", "utter_helpline_open_no_callback",
                "utter_helpline_closed_no_callback", "utter_clarify_topic", "utter_clarify_no_topic",
                "utter_ask_rephrase", "utter_english_only", "utter_english_only_answering", "utter_alternative_claim"]
FOLLOWED_BY_A_HELPLINE_OFFER = ["utter_out_of_scope", "utter_default", "utter_not_covered"]


def test_the_check_back_also_gives_the_crisis_line():
    """The statistical detector alone, or a sign it is unsure of, gets the check-back: often a crisis the
    signs did not name ("everyone would be happier without me"), so it carries the crisis line too."""
    assert all(variant["text"].count(CRISIS_NET) == 1 for variant in DOMAIN["responses"]["utter_safety_check"])


@pytest.mark.parametrize("name", WITH_THE_NET)
def test_fallback_and_helpline_replies_carry_the_safety_net_once(name):
    assert all(variant["text"].count(SAFETY_NET) == 1 for variant in DOMAIN["responses"][name]), name
    assert all(variant["text"].count(CRISIS_NET) == 1 for variant in DOMAIN["responses"][name]), name


@pytest.mark.parametrize("name", FOLLOWED_BY_A_HELPLINE_OFFER)
def test_replies_before_a_helpline_offer_do_not_repeat_the_net(name):
    assert all(SAFETY_NET not in variant["text"] for variant in DOMAIN["responses"][name]), name
    assert all(CRISIS_NET not in variant["text"] for variant in DOMAIN["responses"][name]), name


def test_the_readme_counts_the_register_as_it_is():
    """The README's "N passages from M archived pages" is the register's own count."""
    import re

    passages = sum(1 for kind in VOCABULARY["concepts"].values() for entries in kind.values()
                   for entry in entries if "passage" in entry)
    pages = len(list((content_dir() / "sources" / "safety").glob("*.txt")))
    said = re.search(r"\((\d+) passages from (\d+) archived pages", (project_root() / "README.md").read_text(encoding="utf-8"))
    assert said and (int(said[1]), int(said[2])) == (passages, pages), (said and said.groups(), passages, pages)


def test_no_trigger_is_both_a_pseudo_and_a_real_trigger():
    """A phrase listed as PSEUDO of one category and as a trigger of another ("not sure") gives two modifiers
    on the same words; medspaCy keeps one of them by match order, which changes as rules are added, so the
    reply would change with unrelated edits (2026-12-04). The real trigger's longer span already stops the
    shorter one inside it, so the PSEUDO entry is never needed."""
    data = yaml.safe_load((SAFETY / "context.yml").read_text(encoding="utf-8"))
    pseudo, real = set(), set()
    for directions in data["rules"].values():
        for key, spec in directions.items():
            (pseudo if spec.get("direction", key) == "PSEUDO" else real).update(spec["triggers"])
    assert not pseudo & real, sorted(pseudo & real)
