"""The REST channel sends one JSON item per bot message (``channels.rest.OneItemPerMessage``):
the whole text, its buttons and its custom data together, and never an item with nothing to read."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel

from channels.rest import OneItemPerMessage
from tests.factories import domain_dict, make_tracker
from tests.rasa_side import is_empty, run_turn, visible


@pytest.fixture(autouse=True)
def _closed(store, monkeypatch, tmp_path):
    monkeypatch.setattr("bot.content.answers.default_store", lambda: store)
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "handoffs.db"))
    monkeypatch.setenv("BOT_CLOCK", "2026-11-28T11:00:00")


def _collect(collector, messages):
    async def send():
        for message in messages:
            await collector.send_response("me", dict(message))
    asyncio.run(send())
    return collector.messages


def _answer_messages(question: str = "How long is recovery after kyphoplasty?"):
    from actions.actions import ActionAnswerTopic

    said, _, _ = run_turn([ActionAnswerTopic()], make_tracker(question, "ask_kyphoplasty"), domain_dict())
    return [visible(e) for e in said]


def test_a_topic_answer_is_one_item_with_its_text_buttons_and_parts():
    [item] = _collect(OneItemPerMessage(), _answer_messages())
    assert item["recipient_id"] == "me"
    assert item["text"].startswith("Balloon kyphoplasty is") and "\n\n" in item["text"]  # not split at paragraphs
    assert item["text"].count("The nurse helpline is closed now.") == 1
    assert [b["payload"] for b in item["buttons"]] == ["/request_callback", "/deny"]
    assert item["custom"]["topic"] == "kyphoplasty" and item["custom"]["answer"]["gaps"]


def test_rasa_s_own_collector_would_split_it_and_send_the_parts_alone():
    """Why the channel has its own collector: Rasa's makes an item of each paragraph and another
    of the custom data, with no text (the empty last message of issue 21)."""
    items = _collect(CollectingOutputChannel(), _answer_messages("what is balloon kyphoplasty?"))
    assert len(items) > 2 and is_empty(items[-1]) and "custom" in items[-1]


def test_a_message_with_nothing_to_read_or_press_is_not_sent():
    items = _collect(OneItemPerMessage(), [{"text": "", "custom": {"topic": "x"}}, {"text": "  "},
                                           {"text": "", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                                           {"text": "Hello.\n\nWhat would you like to know?"}])
    assert items == [{"recipient_id": "me", "text": "", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                     {"recipient_id": "me", "text": "Hello.\n\nWhat would you like to know?"}]
