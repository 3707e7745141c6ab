"""The custom actions: the exact messages (response names and values, or the one composed answer) and
events they return."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerTopic, ActionAskWhichTopic
from tests.factories import domain_dict, make_tracker


@pytest.fixture(autouse=True)
def _use_test_store(store, monkeypatch, tmp_path):
    monkeypatch.setattr("bot.content.answers.default_store", lambda: store)
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "handoffs.db"))
    monkeypatch.setenv("BOT_CLOCK", "2026-11-28T11:00:00")  # a Saturday: the helpline is closed


def _run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain_dict())
    if asyncio.iscoroutine(events):  # the actions that read or write handoffs are asynchronous
        events = asyncio.run(events)
    return dispatcher.messages, events


def test_answer_sends_body_sources_review_date_as_one_message_and_sets_topic():
    messages, events = _run(ActionAnswerTopic(), make_tracker("what is vertebroplasty", "ask_vertebroplasty"))
    [message] = messages  # one message: its words from domain.yml, filled in by the action
    assert message.get("response") is None and not message.get("buttons")
    custom, answer = message["custom"], message["custom"]["answer"]
    assert custom["responses"] == ["utter_source", "utter_source", "utter_source", "utter_written_unreviewed"]
    assert message["text"].startswith("Vertebroplasty is a form of cementoplasty")
    assert message["text"] == "\n\n".join([answer["body"], "\n".join(s["text"] for s in answer["sources"]),
                                            answer["reviewed_line"]])
    first, study = answer["sources"][0], answer["sources"][2]
    assert first["section"] == "Vertebroplasty" and first["citation"].startswith("Cancer Research UK")
    assert first["dated"] == "page last reviewed by Cancer Research UK on 30 January 2024"
    assert first["url"].startswith("https://www.cancerresearchuk.org/")
    assert first["text"] == (f'Source: {first["citation"]}, section "Vertebroplasty" ({first["dated"]}). {first["url"]}')
    assert study["url"] == "https://doi.org/10.3892/etm.2021.10159"
    # no clinician has signed it off (content/signoff.yml), so nothing claims a review
    assert answer["written"] == "1 December 2026" and answer["reviewed_on"] == ""
    assert answer["reviewed_line"].startswith("Written in plain English for this service on 1 December 2026")
    assert answer["reviewed_response"] == "utter_written_unreviewed"
    assert answer["gaps"] == [] and answer["offer"] is None
    # the keys other readers use (insight, feedback, the call-back summary, `ask`) are where they were
    assert custom["topic"] == "vertebroplasty" and custom["clinically_reviewed"] is False
    assert custom["label"] == "vertebroplasty" and custom["written"] == "1 December 2026"
    assert custom["where_from"][0][0]["section"] == "Vertebroplasty"
    assert [s["source"] for s in custom["sources"]] == ["cruk_2024", "lo_bianco_2022", "xu_2021"]
    assert set(custom["sources"][0]) == {"source", "title", "publisher", "section", "url"}
    assert events == [SlotSet("last_topic", "vertebroplasty"), SlotSet("last_subject", "vertebroplasty")]


def test_answer_says_what_it_does_not_cover_and_offers_the_helpline_once_in_the_same_message():
    messages, events = _run(
        ActionAnswerTopic(), make_tracker("How long is recovery after kyphoplasty?", "ask_kyphoplasty")
    )
    [message] = messages
    assert message["custom"]["responses"] == [
        "utter_source", "utter_source", "utter_written_unreviewed", "utter_not_covered", "utter_helpline_closed"]
    answer = message["custom"]["answer"]
    assert "balloon" in answer["body"].lower()
    assert [g["what"] for g in answer["gaps"]] == ["how long recovery takes or what recovery is like"]
    assert answer["gaps"][0]["text"] == ("This information does not cover how long recovery takes or what recovery "
                                         "is like. Your care team can tell you about that, or our nurses can.")
    offer = answer["offer"]
    assert offer["response"] == "utter_helpline_closed"
    assert "opens again on Monday at 9am, on freephone 0808 800 4040" in offer["text"]
    assert message["buttons"] == offer["buttons"] == [{"title": "Ask for a call back", "payload": "/request_callback"},
                                                     {"title": "No, thank you", "payload": "/deny"}]
    assert message["text"].endswith(offer["text"]) and message["text"].count(offer["text"]) == 1
    assert events == [SlotSet("last_topic", "kyphoplasty"), SlotSet("last_subject", "kyphoplasty")]


def test_answer_for_a_non_topic_intent_falls_back_to_the_helpline_response():
    messages, events = _run(ActionAnswerTopic(), make_tracker("hello", "greet"))
    assert [m.get("response") for m in messages] == ["utter_default"]
    assert events == []


def test_clarify_offers_likely_topics_then_something_else():
    ranking = [
        {"name": "nlu_fallback", "confidence": 1.0},
        {"name": "ask_kyphoplasty", "confidence": 0.32},
        {"name": "ask_vertebroplasty", "confidence": 0.30},
        {"name": "greet", "confidence": 0.1},
    ]
    tracker = make_tracker("back cement balloon thing", "nlu_fallback", 1.0, ranking)
    messages, events = _run(ActionAskWhichTopic(), tracker)
    assert len(messages) == 1 and events == []
    assert messages[0]["text"].startswith("I'm not sure I understood. Which of these did you mean?")
    buttons = messages[0]["buttons"]
    assert buttons[:2] == [
        {"title": "Balloon kyphoplasty", "payload": "/ask_kyphoplasty"},
        {"title": "Vertebroplasty", "payload": "/ask_vertebroplasty"},
    ]
    assert buttons[-1] == {"title": "Something else", "payload": "/out_of_scope"}
    assert len(buttons) <= 4
    assert messages[0]["custom"]["clarify"] == [b["payload"][5:] for b in buttons[:-1]]  # how `ask` tells it apart


def test_clarify_with_no_likely_topic_offers_the_main_subjects_and_a_nurse():
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "greet", "confidence": 0.2}]
    messages, events = _run(ActionAskWhichTopic(), make_tracker("hmm", "nlu_fallback", 1.0, ranking))
    assert events == []
    assert [(m["response"], m["custom"]) for m in messages] == [("utter_clarify_no_topic", {"clarify": []})]
    payloads = [b["payload"] for b in domain_dict()["responses"]["utter_clarify_no_topic"][0]["buttons"]]
    assert payloads == ["/ask_cementoplasty", "/ask_bone_strengthening_medicines", "/ask_nice_access",
                        "/ask_helpline", "/out_of_scope"]


@pytest.mark.parametrize(
    "text, urgency, reasons",
    [
        ("my legs have gone weak", "emergency", ["mscc_limb_weakness", "mscc_off_legs"]),
        ("my dad says he'll end it", "crisis", ["crisis_suicidal"]),
        ("I'm on zometa and my jaw is really sore", "urgent", ["jaw_pain_on_bone_drugs", "check_jaw_pain"]),
    ],
)
def test_record_handoff_stores_urgency_and_flags_but_not_the_words(tmp_path, monkeypatch, text, urgency, reasons):
    import json

    from actions.actions import ActionRecordHandoff
    from bot.records.handoff_store import list_handoffs

    messages, events = _run(ActionRecordHandoff(), make_tracker(text, "emergency_general", 1.0))
    assert messages == [] and events == []
    [record] = list_handoffs(tmp_path / "handoffs.db")
    assert record["urgency"] == urgency and json.loads(record["red_flags"]) == reasons
    assert json.loads(record["reasons"]) == ["red_flag"]
    assert record["conversation_id"] == "test-user" and record["status"] == "new"
    assert text.lower() not in json.dumps(record).lower()


@pytest.mark.parametrize("text, also, flags, urgency", [
    ("my legs have gone weak and I want to end it all", ["utter_crisis"], ["mscc_limb_weakness", "crisis_suicidal"],
     "emergency"),
    ("my legs have gone weak", [], ["mscc_limb_weakness"], "emergency"),
    # the crisis reply first (its rule), then the jaw advice; the nurses see a crisis
    ("I'm on zometa and my jaw is really sore and I want to end it all", ["utter_urgent_jaw"],
     ["crisis_suicidal", "jaw_pain_on_bone_drugs"], "crisis"),
])
def test_record_handoff_gives_the_second_reply_beside_a_sign(tmp_path, monkeypatch, text, also, flags, urgency):
    import json

    from actions.actions import ActionRecordHandoff
    from bot.records.handoff_store import list_handoffs

    messages, _ = _run(ActionRecordHandoff(), make_tracker(text, "emergency_spinal_cord", 1.0))
    assert [m["response"] for m in messages] == also
    [record] = list_handoffs(tmp_path / "handoffs.db")
    assert record["urgency"] == urgency
    assert [f for f in json.loads(record["red_flags"]) if f in flags] == flags


@pytest.mark.parametrize("said_before, answer, intent, stored", [
    (["utter_safety_check"], "yes", "affirm", ("emergency", ["confirmed_happening_now"])),
    (["utter_safety_check"], "yes it is", "safety_now", ("emergency", ["confirmed_happening_now"])),  # tapped
    (["utter_safety_check"], "no", "deny", None),
    (["utter_anything_else"], "yes", "affirm", None),  # a yes to something else is no emergency
])
def test_a_typed_yes_to_the_check_back_is_an_emergency_handoff(tmp_path, said_before, answer, intent, stored):
    import json

    from actions.actions import ActionRecordHandoff
    from bot.records.handoff_store import list_handoffs

    tracker = make_tracker(answer, intent, 1.0)
    tracker.events[:0] = [{"event": "user", "text": "I think I might have a fever"}, {"event": "action", "name": "action_listen"}
                          ] + [{"event": "bot", "text": "...", "metadata": {"utter_action": name}}
                               for name in said_before]
    _run(ActionRecordHandoff(), tracker)
    records = list_handoffs(tmp_path / "handoffs.db")
    assert [(r["urgency"], json.loads(r["red_flags"])) for r in records] == ([stored] if stored else [])


COLLAPSED = ("I have myeloma and two vertebrae have partly collapsed, turning over in bed is unbearable. How many people "
             "does vertebroplasty help?")
VERTEBROPLASTY = {"choice": "answer", "topic": "vertebroplasty"}


@pytest.mark.parametrize("text, intent, understood, with_nurse, in_form, topic", [
    (COLLAPSED, "urgent_spinal_pain", VERTEBROPLASTY, False, False, "vertebroplasty"),
    ("my legs have gone numb, can vertebroplasty help?", "emergency_spinal_cord", VERTEBROPLASTY, False, False, None),
    # while a nurse has the conversation, or inside the call-back form: the advice alone (review 2026-12-04)
    (COLLAPSED, "urgent_spinal_pain", VERTEBROPLASTY, True, False, None),
    (COLLAPSED, "urgent_spinal_pain", VERTEBROPLASTY, False, True, None),
])
def test_a_question_about_a_named_treatment_is_answered_after_urgent_advice(tmp_path, monkeypatch, text, intent,
                                                                           understood, with_nurse, in_form, topic):
    from actions.actions import ActionRecordHandoff
    from bot.records.handoff_store import list_handoffs

    async def nurse(tracker):
        return with_nurse

    monkeypatch.setattr("actions.actions.with_nurse", nurse)
    tracker = make_tracker(text, intent, 1.0)
    tracker.latest_message["understanding"] = understood
    tracker.active_loop = {"name": "callback_form"} if in_form else {}
    messages, events = _run(ActionRecordHandoff(), tracker)
    assert len(list_handoffs(tmp_path / "handoffs.db")) == 1  # the handoff is written either way
    assert events == []  # the answer does not become the subject of the next turn ("is that serious?")
    if topic is None:
        assert messages == []
        return
    bridge, answer = messages
    assert bridge["response"] == "utter_answer_after_urgent_advice"
    assert answer["custom"]["topic"] == topic and answer["text"]
    assert not answer.get("buttons") and answer["custom"]["answer"]["offer"] is None  # no helpline offer beside it


def test_record_handoff_failure_is_logged_not_raised(monkeypatch, caplog):
    from actions.actions import ActionRecordHandoff

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("actions.red_flag_handoff.save_or_spool", broken)
    messages, events = _run(ActionRecordHandoff(), make_tracker("my legs have gone weak", "emergency_general", 1.0))
    assert messages == [] and events == []
    assert "could not store a handoff" in caplog.text


def test_followup_names_the_gap_for_the_last_topic():
    from actions.actions import ActionAnswerFollowup

    tracker = make_tracker("how long is recovery?", "followup_question", slots={"last_topic": "kyphoplasty"})
    messages, events = _run(ActionAnswerFollowup(), tracker)
    [message] = messages
    assert message["custom"]["responses"] == ["utter_followup_not_covered", "utter_helpline_closed"]
    assert message["text"].startswith("The information I have on \"Balloon kyphoplasty\" does not cover how long "
                                      "recovery takes or what recovery is like.")
    answer = message["custom"]["answer"]
    assert answer["kind"] == "followup" and answer["topic"] == "kyphoplasty" and answer["body"] == ""
    assert [g["what"] for g in answer["gaps"]] == ["how long recovery takes or what recovery is like"]
    assert "topic" not in message["custom"]  # not counted as a topic answered, no "was this helpful?"
    assert message["buttons"][0]["payload"] == "/request_callback"
    assert events == []


def test_followup_without_a_gap_gives_the_topic_again():
    from actions.actions import ActionAnswerFollowup

    tracker = make_tracker("tell me more", "followup_question", slots={"last_topic": "denosumab"})
    messages, events = _run(ActionAnswerFollowup(), tracker)
    [message] = messages
    assert message["custom"]["responses"] == ["utter_source", "utter_source", "utter_written_unreviewed"]
    assert message["custom"]["topic"] == "denosumab" and message["text"].startswith("Denosumab is")
    assert events == [SlotSet("last_topic", "denosumab")]


@pytest.mark.parametrize("slots, text, topic", [
    ({"last_topic": "bisphosphonates", "last_subject": "bisphosphonates"}, "how is it given?", "how_medicines_are_given"),
    ({"last_topic": "bisphosphonates", "last_subject": "bisphosphonates"}, "is it safe?", "side_effects"),
    ({"last_topic": "denosumab", "last_subject": "denosumab"}, "any side effects?", "side_effects"),
    ({"last_topic": "kyphoplasty", "last_subject": "kyphoplasty"}, "can I get it on the NHS?", "nice_access"),
    # the subject stays after an answer about an aspect: NHS access of the medicine, then its side effects
    ({"last_topic": "nice_access", "last_subject": "denosumab"}, "what are the side effects?", "side_effects"),
    # the aspect's topic again; an aspect no other topic answers: the follow-up as before
    ({"last_topic": "side_effects", "last_subject": "denosumab"}, "is it safe?", "side_effects"),
    ({"last_topic": "kyphoplasty", "last_subject": "kyphoplasty"}, "is it safe?", "kyphoplasty"),
])
def test_a_followup_asking_an_aspect_of_the_subject_gets_that_aspect_s_topic(slots, text, topic):
    from actions.actions import ActionAnswerFollowup

    messages, events = _run(ActionAnswerFollowup(), make_tracker(text, "followup_question", slots=slots))
    [message] = messages
    assert message["custom"]["topic"] == topic, message["text"][:80]
    assert SlotSet("last_topic", topic) in events and not any(e.get("name") == "last_subject" for e in events)


@pytest.mark.parametrize("action, intent", [("ActionAnswerTopic", "ask_bisphosphonates"),
                                            ("ActionAnswerFollowup", "followup_question")])
@pytest.mark.parametrize("last_topic, text, topic", [
    ("nice_access", "and zoledronic acid?", "nice_access"),
    ("side_effects", "what about zometa?", "side_effects"),
])
def test_only_a_new_subject_after_an_aspect_keeps_asking_that_aspect(action, intent, last_topic, text, topic):
    import actions.actions as module

    slots = {"last_topic": last_topic, "last_subject": "denosumab"}
    messages, events = _run(getattr(module, action)(), make_tracker(text, intent, slots=slots))
    [message] = messages
    assert message["custom"]["topic"] == topic, message["text"][:80]
    assert SlotSet("last_subject", "bisphosphonates") in events  # the new subject, for the next follow-up


def test_followup_with_no_topic_yet_asks_which_topic():
    from actions.actions import ActionAnswerFollowup

    tracker = make_tracker("how long is recovery?", "followup_question", ranking=[], slots={})
    messages, events = _run(ActionAnswerFollowup(), tracker)
    assert messages[0]["text"].startswith("I'm not sure I understood. Which of these did you mean?")
    assert messages[0]["buttons"][-1]["payload"] == "/out_of_scope"


def test_followup_on_an_unfamiliar_subject_is_a_kind_no():
    from actions.actions import ActionAnswerFollowup

    tracker = make_tracker("is it contagious?", "followup_question", slots={"last_topic": "kyphoplasty"})
    messages, events = _run(ActionAnswerFollowup(), tracker)
    [message] = messages
    assert message["custom"] == {"responses": ["utter_out_of_scope", "utter_helpline_closed"]}
    assert message["text"].startswith("I'm sorry, I can't help with that here.")
    assert "The nurse helpline is closed now." in message["text"] and len(message["buttons"]) == 2
    assert events == [SlotSet("handoff_reason", "out_of_scope")]


def test_a_followup_with_nothing_before_it_that_names_a_topic_is_answered_as_a_new_question():
    from actions.actions import ActionAnswerFollowup

    ranking = [{"name": "followup_question", "confidence": 0.6}, {"name": "ask_denosumab", "confidence": 0.3}]
    tracker = make_tracker("and how is Xgeva given?", "followup_question", ranking=ranking, slots={})
    messages, events = _run(ActionAnswerFollowup(), tracker)
    [message] = messages
    assert message["custom"]["topic"] == "denosumab"
    assert SlotSet("last_topic", "denosumab") in events


def test_a_followup_after_a_topic_still_follows_it_whatever_it_names():
    from actions.actions import ActionAnswerFollowup

    ranking = [{"name": "followup_question", "confidence": 0.6}, {"name": "ask_denosumab", "confidence": 0.3}]
    tracker = make_tracker("how long is recovery?", "followup_question", ranking=ranking, slots={"last_topic": "kyphoplasty"})
    messages, _ = _run(ActionAnswerFollowup(), tracker)
    assert messages[0]["custom"]["answer"]["topic"] == "kyphoplasty"


def test_cement_told_in_the_back_is_kept_as_the_vertebroplasty_subject():
    """"they want to inject cement into her back" is answered about vertebroplasty (question.where_the_cement_goes),
    and the subject kept for a follow-up is the same (2026-12-07)."""
    messages, events = _run(
        ActionAnswerTopic(), make_tracker("they want to inject cement into her back, what happens?", "ask_vertebroplasty"))
    assert SlotSet("last_subject", "vertebroplasty") in events
