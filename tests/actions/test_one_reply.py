"""One reply per answer (issue 21): every topic answer and follow-up answer is one bot message, the
helpline offer is said once a turn, and no action or response sends an empty message.

The turns run as on the server: the actions data/rules.yml gives the intent, in order, each seeing
the bot events of the ones before, and every message goes through Rasa's own response filling
(``tests/rasa_side.py``)."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.paths import project_root
from tests.factories import domain_dict, make_tracker
from tests.rasa_side import is_empty, run_turn, visible

DOMAIN = domain_dict()
RESPONSES = DOMAIN["responses"]
SATURDAY, MONDAY_MORNING = "2026-11-28T11:00:00", "2026-11-30T10:00:00"  # closed, open
# the first sentence of each helpline offer: said once wherever the helpline is offered
OFFER_OPENINGS = {name: RESPONSES[name][0]["text"].split(".")[0].split(":")[0]
                  for name in ("utter_helpline_open", "utter_helpline_closed")}
QUESTIONS = {
    "plain": "tell me about it",
    "one gap (every topic)": "is it right for me?",
    "several gaps": "how long is recovery, how much pain is there after it, and is it right for me?",
}


@pytest.fixture(autouse=True)
def _use_test_store(store, monkeypatch, tmp_path):
    monkeypatch.setattr("bot.content.answers.default_store", lambda: store)
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "handoffs.db"))
    monkeypatch.setenv("BOT_CLOCK", SATURDAY)


def _actions() -> dict:
    from actions.actions import (
        ActionAnswerFollowup,
        ActionAnswerTopic,
        ActionAskWhichTopic,
        ActionRecordHandoff,
    )
    from actions.callback import ActionCancelCallback, ActionSubmitCallback
    from actions.helpline import ActionDefaultFallback, ActionNotCovered, ActionOfferHelpline

    actions = [ActionAnswerTopic(), ActionAnswerFollowup(), ActionAskWhichTopic(), ActionRecordHandoff(),
               ActionOfferHelpline(), ActionDefaultFallback(), ActionNotCovered(), ActionCancelCallback(),
               ActionSubmitCallback()]
    return {a.name(): a for a in actions}


def _rule_actions(intent: str) -> list[str]:
    """The actions data/rules.yml runs after ``intent`` (its rule with no conditions)."""
    rules = yaml.safe_load((project_root() / "data" / "rules.yml").read_text())["rules"]
    for rule in rules:
        steps = rule.get("steps") or []
        first = steps[0] if steps else {}
        intents = {first.get("intent")} | {s.get("intent") for s in first.get("or") or []}
        if intent in intents and not rule.get("condition"):
            return [s["action"] for s in steps[1:] if "action" in s]
    raise AssertionError(f"no rule for {intent}")


def _turn(text: str, intent: str, slots: dict | None = None):
    actions = _actions()
    names = _rule_actions(intent)
    tracker = make_tracker(text, intent, slots=slots or {})
    said, _, _ = run_turn([actions[n] for n in names if n in actions], tracker, DOMAIN)
    return names, said


def _topic_ids():
    from bot.content.store import default_store

    return sorted(default_store().topic_ids())


@pytest.mark.parametrize("clock", [SATURDAY, MONDAY_MORNING], ids=["closed", "open"])
@pytest.mark.parametrize("question", list(QUESTIONS), ids=list(QUESTIONS))
@pytest.mark.parametrize("topic_id", _topic_ids())
def test_every_topic_answer_is_one_message_with_the_offer_once(topic_id, question, clock, monkeypatch):
    from bot.content.answers import answer_for

    monkeypatch.setenv("BOT_CLOCK", clock)
    text = QUESTIONS[question]
    answer = answer_for(topic_id, text)
    names, said = _turn(text, f"ask_{topic_id}")
    answered = [e for e in said if e.get("text") and answer.body.split("\n")[0] in e["text"]]
    # the answer is one message; the helpline topic's rule runs action_offer_helpline after it, silent
    assert len(said) == 1 and answered == said, [e.get("text", "")[:60] for e in said]
    [message] = [visible(e) for e in said]
    turn_text = message["text"]
    offered = bool(answer.gaps) or topic_id == "helpline"
    opening = OFFER_OPENINGS["utter_helpline_closed" if clock == SATURDAY else "utter_helpline_open"]
    assert turn_text.count(opening) == int(offered), turn_text
    assert sum(b["payload"] == "/request_callback" for b in message.get("buttons") or []) == int(offered)
    assert "{" not in turn_text and "}" not in turn_text  # every placeholder filled
    # reading order: body, sources, written/reviewed line, gaps, offer
    custom = message["custom"]
    parts = custom["answer"]
    order = [parts["body"], *(s["text"] for s in parts["sources"]), parts["reviewed_line"],
             *(g["text"] for g in parts["gaps"]), *([parts["offer"]["text"]] if parts["offer"] else [])]
    places = [turn_text.index(p) for p in order]
    assert places == sorted(places) and all(turn_text.count(p) == 1 for p in order)
    assert [g["what"] for g in parts["gaps"]] == answer.gaps
    assert custom["topic"] == topic_id and custom["label"] == answer.label and "clinically_reviewed" in custom


def test_the_helpline_topic_answer_is_one_message_and_the_rule_s_offer_adds_nothing():
    names = _rule_actions("ask_helpline")
    actions = _actions()
    said, _, slots = run_turn([actions[n] for n in names], make_tracker("can I talk to a nurse?", "ask_helpline"))
    assert names == ["action_answer_topic", "action_offer_helpline"]
    assert slots["handoff_reason"] == "talk_to_nurse"  # still noted for the call-back, as before
    [message] = [visible(e) for e in said]
    assert message["text"].count("The nurse helpline is closed now.") == 1
    assert [b["title"] for b in message["buttons"]] == ["Ask for a call back", "No, thank you"]


@pytest.mark.parametrize("text, intent, english_line", [
    ("Cimentoplastie en cas de métastases osseuses : qu'est-ce que c'est ?", "ask_cementoplasty", True),
    ("¿Qué es el denosumab y cómo se administra?", "ask_denosumab", True),
    ("what is cementoplasty?", "ask_cementoplasty", False),
])
def test_a_question_in_another_language_that_names_a_subject_is_answered_after_a_line_saying_so(
        text, intent, english_line):
    """Before, the question got only "this service is only in English": now the English answer follows."""
    names, said = _turn(text, intent)
    lines = [visible(e) for e in said]
    assert (lines[0]["text"] == RESPONSES["utter_english_only_answering"][0]["text"]) is english_line
    assert len(lines) == 1 + english_line and lines[-1]["custom"]["topic"] == intent[len("ask_"):]


def test_while_waiting_for_a_nurse_the_helpline_question_gets_one_message():
    from bot.records import handoffs

    handoffs.save_handoff("test-user", "routine", "callback", with_nurse=True)
    _, said = _turn("can I talk to a nurse?", "ask_helpline")
    assert [e["metadata"].get("utter_action") for e in said] == ["utter_with_nurse"]


@pytest.mark.parametrize("text, slots, kind", [
    ("how long is recovery?", {"last_topic": "kyphoplasty"}, "gap"),
    ("how long is recovery and is it right for me?", {"last_topic": "vertebroplasty"}, "gap"),
    ("tell me more", {"last_topic": "denosumab"}, "answer"),
    ("tell me more", {"last_topic": "helpline"}, "answer"),
    ("is it contagious?", {"last_topic": "kyphoplasty"}, "out_of_scope"),
])
def test_every_followup_answer_is_one_message_with_the_offer_once(text, slots, kind):
    from bot.content.answers import followup

    assert followup(slots["last_topic"], text).kind == kind
    _, said = _turn(text, "followup_question", slots)
    [message] = [visible(e) for e in said]
    offered = kind != "answer" or slots["last_topic"] == "helpline"
    assert message["text"].count(OFFER_OPENINGS["utter_helpline_closed"]) == int(offered)
    assert len(message.get("buttons") or []) == (2 if offered else 0)


@pytest.mark.parametrize("clock", [SATURDAY, MONDAY_MORNING], ids=["closed", "open"])
@pytest.mark.parametrize("intent, action, first", [
    ("out_of_scope", "action_not_covered", "utter_out_of_scope"),  # the rule for a question not covered
    ("nlu_fallback", "action_default_fallback", "utter_default"),  # the second miss of the two-stage fallback
])
def test_not_covered_and_the_second_miss_are_one_message_with_the_offer_once(intent, action, first, clock,
                                                                           monkeypatch):
    monkeypatch.setenv("BOT_CLOCK", clock)
    if intent == "out_of_scope":
        assert _rule_actions(intent) == [action]
    said, _, slots = run_turn([_actions()[action]], make_tracker("what's the best chemo for bowel cancer?", intent),
                              DOMAIN)
    [message] = [visible(e) for e in said]
    offer = "utter_helpline_closed" if clock == SATURDAY else "utter_helpline_open"
    assert message["custom"]["responses"] == [first, offer]
    assert message["text"].startswith(RESPONSES[first][0]["text"])
    assert message["text"].count(OFFER_OPENINGS[offer]) == 1
    assert [b["payload"] for b in message["buttons"]][0] == "/request_callback"
    assert slots["handoff_reason"] == ("out_of_scope" if intent == "out_of_scope" else "second_miss")


def test_not_covered_while_a_nurse_is_asked_says_so_instead_of_offering_again():
    from bot.records import handoffs

    handoffs.save_handoff("test-user", "routine", "callback", with_nurse=True)
    said, _, slots = run_turn([_actions()["action_not_covered"]], make_tracker("is it contagious?", "out_of_scope"),
                              DOMAIN)
    [message] = [visible(e) for e in said]
    assert message["custom"]["responses"] == ["utter_out_of_scope", "utter_callback_already"]
    assert not message.get("buttons") and "handoff_reason" not in {k for k, v in slots.items() if v}


# ------------------------------------------------------------------ no empty message anywhere

@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_no_domain_response_is_empty(name):
    for variation in RESPONSES[name]:
        assert str(variation.get("text") or "").strip() or variation.get("buttons") or variation.get("custom"), name


def _situations():
    """(action, text, intent, slots): every custom action, in the situations it meets."""
    yield from (("action_answer_topic", q, f"ask_{t}", {}) for t in _topic_ids() for q in QUESTIONS.values())
    yield ("action_answer_topic", "hello", "greet", {})
    for text, topic in [("how long is recovery?", "kyphoplasty"), ("tell me more", "denosumab"),
                        ("is it contagious?", "kyphoplasty"), ("how long is recovery?", None)]:
        yield ("action_answer_followup", text, "followup_question", {"last_topic": topic} if topic else {})
    yield ("action_default_ask_affirmation", "back cement balloon thing", "nlu_fallback", {})
    yield ("action_default_ask_affirmation", "hmm", "nlu_fallback", {})
    for intent in ("ask_helpline", "out_of_scope", "urgent_jaw"):
        yield ("action_offer_helpline", "a question", intent, {})
    yield ("action_default_fallback", "qwfp arst", "nlu_fallback", {})
    yield ("action_not_covered", "what's the best chemo for bowel cancer?", "out_of_scope", {})
    yield ("action_cancel_callback", "stop", "stop", {})
    yield ("action_submit_callback", "no", "deny", {"callback_consent": False})
    yield ("action_record_handoff", "my legs have gone weak", "emergency_general", {})


@pytest.mark.parametrize("clock", [SATURDAY, MONDAY_MORNING], ids=["closed", "open"])
def test_no_action_sends_an_empty_message(clock, monkeypatch):
    monkeypatch.setenv("BOT_CLOCK", clock)
    actions = _actions()
    for name, text, intent, slots in _situations():
        ranking = [{"name": intent, "confidence": 0.9}, {"name": "ask_kyphoplasty", "confidence": 0.3}]
        if text == "hmm":
            ranking = [{"name": "nlu_fallback", "confidence": 1.0}]
        said, _, _ = run_turn([actions[name]], make_tracker(text, intent, ranking=ranking, slots=slots), DOMAIN)
        for event in said:
            message = visible(event)
            assert not is_empty(message), (name, text, message)
            assert not re.search(r"{\w+}", message.get("text") or ""), (name, text, message["text"])


# ------------------------------------------------------------------ the readers of an answer

def _stored_turn(text: str, intent: str, slots: dict | None = None) -> list[dict]:
    """The events the tracker store keeps for one turn: the user's message, then the actions'."""
    actions = _actions()
    tracker = make_tracker(text, intent, slots=slots or {})
    _, events, _ = run_turn([actions[n] for n in _rule_actions(intent) if n in actions], tracker, DOMAIN)
    return events


def test_insight_reads_topics_and_gaps_from_the_one_message():
    from bot.insight.figures import Turn, add_bot_event

    turn = Turn("s", 0.0, "rest", "How long is recovery after kyphoplasty?", "ask_kyphoplasty")
    for event in _stored_turn(turn.text, turn.intent):
        if event["event"] == "bot":
            add_bot_event(turn, event)
    assert turn.topics == ["kyphoplasty"] and turn.gaps == ["how long recovery takes or what recovery is like"]

    followup = Turn("s", 0.0, "rest", "how long is recovery?", "followup_question")
    for event in _stored_turn(followup.text, followup.intent, {"last_topic": "kyphoplasty"}):
        if event["event"] == "bot":
            add_bot_event(followup, event)
    assert followup.topics == [] and followup.gaps == ["how long recovery takes or what recovery is like"]

    kind_no = Turn("s", 0.0, "rest", "is it contagious?", "followup_question")
    for event in _stored_turn(kind_no.text, kind_no.intent, {"last_topic": "kyphoplasty"}):
        if event["event"] == "bot":
            add_bot_event(kind_no, event)
    assert kind_no.out_of_scope and not kind_no.gaps


def test_ask_reports_the_responses_and_the_handoff_of_the_one_message():
    from tools.conversation import ask_one

    class Assistant:  # what ask_one uses of tools.servers.RunningAssistant, over the events above
        def send(self, sender, message):
            self.events = _stored_turn(message, "ask_kyphoplasty")
            return [visible(e) for e in self.events if e["event"] == "bot"]

        def tracker(self, sender):
            return {"events": self.events, "latest_message": self.events[1]["parse_data"]}

    reply = ask_one(Assistant(), "How long is recovery after kyphoplasty?")
    assert reply.label == "kyphoplasty" and reply.topic == "kyphoplasty" and reply.handoff_offered
    assert reply.responses == ["utter_source", "utter_source", "utter_written_unreviewed", "utter_not_covered",
                               "utter_helpline_closed"]
    assert [s["section"] for s in reply.sources] == ["Kyphoplasty", "3.5. Surgical and Interventional Treatments"]
    assert reply.text.count("The nurse helpline is closed now.") == 1


def test_the_call_back_summary_still_names_the_answer_given():
    from actions.callback import conversation_topics

    events = _stored_turn("what is balloon kyphoplasty?", "ask_kyphoplasty")
    assert conversation_topics(events)[1] == ["kyphoplasty: cruk_2024, Kyphoplasty; lo_bianco_2022, "
                                              "3.5. Surgical and Interventional Treatments"]


@pytest.mark.parametrize("first, intent, slots, answer, expected", [
    ("How long is recovery after kyphoplasty?", "ask_kyphoplasty", {}, "affirm", "callback_form"),  # offer: a gap
    ("How long is recovery after kyphoplasty?", "ask_kyphoplasty", {}, "deny", "utter_anything_else"),
    ("can I talk to a nurse?", "ask_helpline", {}, "affirm", "callback_form"),
    ("what's the best chemo for bowel cancer?", "out_of_scope", {}, "affirm", "callback_form"),
    ("what's the best chemo for bowel cancer?", "out_of_scope", {}, "deny", "utter_anything_else"),
    ("how long is recovery?", "followup_question", {"last_topic": "kyphoplasty"}, "affirm", "callback_form"),
    ("tell me about it", "ask_denosumab", {}, "affirm", "utter_anything_else"),  # nothing was offered
    ("tell me about it", "ask_denosumab", {}, "deny", "utter_goodbye"),
])
def test_yes_to_the_offer_in_the_last_message_starts_the_call_back(first, intent, slots, answer, expected):
    from rasa_sdk import Tracker

    from actions.helpline import ActionAnswerYesOrNo

    events = _stored_turn(first, intent, slots)
    reply = {"text": "yes please" if answer == "affirm" else "no thanks", "intent": {"name": answer, "confidence": 1.0},
             "entities": []}
    events += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": reply["text"], "parse_data": reply}]
    tracker = Tracker("test-user", slots, reply, events, False, None, {}, "action_listen")
    said, after, _ = run_turn([ActionAnswerYesOrNo()], tracker, DOMAIN)
    got = [e.get("name") for e in after[len(events):] if e.get("event") == "followup"]
    got += [(e.get("metadata") or {}).get("utter_action") for e in said]
    assert got == [expected]


@pytest.mark.parametrize("answer, expected, followup", [
    ("affirm", "utter_safety_now", ["action_record_handoff"]),
    ("deny", "utter_safety_typed_no", []),
])
def test_a_typed_answer_to_a_check_back_an_action_sent_is_answered(answer, expected, followup):
    """The check-back beside the crisis reply is sent by action_record_handoff, so no rule sees it."""
    from rasa_sdk import Tracker

    from actions.helpline import ActionAnswerYesOrNo

    events = [{"event": "user", "text": "I don't think I can breathe", "parse_data": {}},
              {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_crisis"}},
              {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_safety_check"}}]
    reply = {"text": "yes" if answer == "affirm" else "no", "intent": {"name": answer, "confidence": 1.0},
             "entities": []}
    events += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": reply["text"], "parse_data": reply}]
    tracker = Tracker("test-user", {}, reply, events, False, None, {}, "action_listen")
    said, after, _ = run_turn([ActionAnswerYesOrNo()], tracker, DOMAIN)
    assert [(e.get("metadata") or {}).get("utter_action") for e in said] == [expected]
    assert [e.get("name") for e in after[len(events):] if e.get("event") == "followup"] == followup


def test_yes_to_an_offer_while_a_request_is_with_the_nurses_is_no_second_form(monkeypatch):
    from rasa_sdk import Tracker

    from actions.helpline import ActionAnswerYesOrNo

    async def asked(tracker):
        return True

    monkeypatch.setattr("actions.helpline.with_nurse", asked)
    events = _stored_turn("can I talk to a nurse?", "ask_helpline", {})
    reply = {"text": "yes please", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    events += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": reply["text"], "parse_data": reply}]
    tracker = Tracker("test-user", {}, reply, events, False, None, {}, "action_listen")
    said, after, _ = run_turn([ActionAnswerYesOrNo()], tracker, DOMAIN)
    assert [e for e in after[len(events):] if e.get("event") == "followup"] == []
    assert [(e.get("metadata") or {}).get("utter_action") for e in said] == ["utter_callback_already"]


# ------------------------------------------------------------------ filling responses as Rasa does

@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_responses_are_filled_as_rasa_fills_them(name):
    from rasa.core.nlg.interpolator import interpolate_text

    from bot.content.replies import fill

    values = {"phone": "0808 800 4040", "next_open": "on Monday at 9am", "citation": "C", "section": "S",
              "dated": "D", "url": "https://example.org/", "written": "1 December 2026", "reviewed_on": "",
              "reviewed_by": "", "gap": "doses", "title": "Denosumab", "callback_name": "Sue",
              "callback_contact": "07911 123456", "callback_time": "mornings", "callback_contact_kind": "phone"}
    for variation in RESPONSES[name]:
        template = variation["text"]
        assert fill(template, values) == interpolate_text(template, values)
        assert fill(template, {}) == interpolate_text(template, {})
