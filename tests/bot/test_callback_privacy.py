"""'I haven't kept your details' is true (issue 22): a call-back request that ends unsent (consent
refused, "stop", or it could not be stored) leaves none of the name, contact or good time in the
conversation store - checked on the stored rows themselves, SQLite and PostgreSQL - while a request
that was sent, and the rest of the conversation, stay as they were."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

import rasa36

rasa36.apply()  # as the Rasa server's launcher does; forgetting unsent details works with them off too
from bot.helpline.callback_privacy import REMOVED, details_to_forget
from tests.conftest import new_postgres_db

NAME, PHONE, TIME = "Philippa", "07700 900461", "after 4pm on weekdays"
CANARIES = (NAME, PHONE, "900461", TIME)


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    from bot.paths import project_root

    return Domain.load(str(project_root() / "domain.yml"))


def _user(text, intent):
    from rasa.shared.core.events import UserUttered

    return UserUttered(text, {"name": intent, "confidence": 0.9},
                       parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text})


def _bot(text, response):
    from rasa.shared.core.events import BotUttered

    return BotUttered(text, metadata={"utter_action": response})


def _form_turns(ending: str):
    """A conversation with a call-back form, turn by turn; ``ending``: no_consent, stop, failed, sent."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet

    listen = ActionExecuted("action_listen")
    turns = [
        [_user("what is denosumab?", "ask_denosumab"), _bot("Denosumab is a targeted drug.", "utter_topic"), listen],
        [_user(f"can a nurse ring me on {PHONE}", "request_callback"), ActionExecuted("callback_form"),
         ActiveLoop("callback_form"), SlotSet("callback_contact", PHONE), SlotSet("requested_slot", "callback_name"),
         _bot("What's your first name?", "utter_ask_callback_name"), listen],
        [_user(f"I'm {NAME}", "inform"), SlotSet("callback_name", NAME), SlotSet("requested_slot", "callback_time"),
         _bot(f"Thanks {NAME}. When is a good time?", "utter_ask_callback_time"), listen],
        [_user(TIME, "inform"), SlotSet("callback_time", TIME), SlotSet("requested_slot", "callback_consent"),
         _bot(f"I'll ask a nurse to call {NAME} on {PHONE}, {TIME}. Is that OK?", "utter_ask_callback_consent"),
         listen],
    ]
    end_text, response = {
        "no_consent": ("no", "utter_callback_no_consent"), "stop": ("stop", "utter_callback_cancelled"),
        "failed": ("yes", "utter_callback_failed"), "sent": ("yes", "utter_callback_sent_closed"),
    }[ending]
    clear = [SlotSet(slot, None) for slot in ("callback_name", "callback_contact", "callback_time")]
    turns.append([_user(end_text, "deny" if end_text == "no" else end_text), ActionExecuted("action_submit_callback"),
                  _bot("That's fine. I haven't kept your details." if ending != "sent" else f"Thanks {NAME}.", response),
                  *clear, ActiveLoop(None), listen])
    turns.append([_user("thank you", "thank"), _bot("You're welcome.", "utter_thanks"), listen])
    return turns


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, domain, tmp_path):
    from rasa36.sql_tracker_store import TunedSQLTrackerStore

    if request.param == "sqlite":
        made = TunedSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    else:
        url = sa.engine.make_url(new_postgres_db(request.getfixturevalue("postgres")))
        made = TunedSQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                                    username=url.username, password=url.password)
    yield made
    made.engine.dispose()


def _converse(store, domain, turns, sender="conv-privacy"):
    """What a Rasa process does each turn: read the conversation, add the turn's events, save."""
    from rasa.shared.core.trackers import DialogueStateTracker

    for turn in turns:
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
        for event in turn:
            tracker.update(event)
        asyncio.run(store.save(tracker))
    return asyncio.run(store.retrieve(sender))


def _stored_text(store) -> str:
    with store.engine.connect() as connection:
        return "\n".join(row[0] for row in connection.execute(sa.text("SELECT data FROM events ORDER BY id")))


@pytest.mark.parametrize("ending", ["no_consent", "stop", "failed"])
def test_an_unsent_request_leaves_no_details_in_the_store(store, domain, ending):
    turns = _form_turns(ending)
    tracker = _converse(store, domain, turns)
    stored = _stored_text(store)
    assert [c for c in CANARIES if c in stored] == []
    assert "what is denosumab?" in stored and "thank you" in stored  # the rest stays
    assert len(tracker.events) == sum(len(turn) for turn in turns)  # nothing lost, nothing doubled
    assert REMOVED in stored


def test_a_sent_request_is_kept_as_it_was(store, domain):
    _converse(store, domain, _form_turns("sent"))
    assert all(c in _stored_text(store) for c in CANARIES)


def test_later_turns_still_work_and_nothing_comes_back(store, domain):
    turns = _form_turns("stop") + [[_user("what is zoledronic acid?", "ask_bisphosphonates")]]
    tracker = _converse(store, domain, turns)
    assert [c for c in CANARIES if c in _stored_text(store)] == []
    assert tracker.latest_message.text == "what is zoledronic acid?"


@pytest.mark.parametrize("events, expected", [
    # no form at all: nothing to forget
    ([{"event": "user", "text": "hello"}, {"event": "bot", "text": "Hi", "metadata": {"utter_action": "utter_greet"}}],
     {}),
    # a form still going on (not ended): nothing yet
    ([{"event": "user", "text": "call me"}, {"event": "active_loop", "name": "callback_form"},
      {"event": "user", "text": "Sue"}, {"event": "slot", "name": "callback_name", "value": "Sue"}], {}),
    # an earlier unsent form is forgotten, a later sent one is kept
    ([{"event": "user", "text": "call me"}, {"event": "active_loop", "name": "callback_form"},
      {"event": "slot", "name": "callback_name", "value": "Sue"},
      {"event": "bot", "text": "Cancelled", "metadata": {"utter_action": "utter_callback_cancelled"}},
      {"event": "user", "text": "call me after all"}, {"event": "active_loop", "name": "callback_form"},
      {"event": "user", "text": "Kim"}, {"event": "slot", "name": "callback_name", "value": "Kim"},
      {"event": "bot", "text": "Sent, Kim", "metadata": {"utter_action": "utter_callback_sent_open"}}],
     {0: "[removed]", 2: "[removed]"}),
])
def test_what_is_forgotten(events, expected):
    changed = details_to_forget(events)
    assert {i: (e.get("text") or e.get("value")) for i, e in changed.items()} == expected


# ---- the same through the real servers

@pytest.mark.servers
@pytest.mark.parametrize("ending", ["/deny", "stop"])
def test_through_the_assistant_nothing_typed_into_an_unsent_request_is_kept(assistant, ending):
    import json
    import uuid

    phone = "07911 123456"  # the form checks the number (the 07700 900 range is for drama only)
    sender = f"privacy-{uuid.uuid4().hex[:10]}"
    assistant.send(sender, "can a nurse call me back?")
    assistant.send(sender, "/request_callback")
    assistant.send(sender, NAME)
    assistant.send(sender, phone)
    if ending == "/deny":
        assistant.send(sender, TIME)
        assistant.send(sender, "someone I care for")
    last = " ".join(m.get("text") or "" for m in assistant.send(sender, ending))
    assert "kept" in last  # "I haven't kept your details" / "kept none of the details"
    stored = json.dumps(assistant.tracker(sender)["events"], ensure_ascii=False)
    assert [c for c in (NAME, phone, phone.replace(" ", ""), TIME) if c in stored] == []
    assert REMOVED in stored
