"""A message a channel refuses (over the rate limit, over the length cap) is still read by the
red-flag check first (channels/refused.py, bot/safety/refusals.py)."""
from __future__ import annotations

import asyncio

import pytest

from channels.refused import advice_for_refused


@pytest.mark.parametrize("message, response", [
    ("my legs have gone weak", "utter_emergency_spinal_cord"),
    ("I want to end it all", "utter_crisis"),
    ("I think I might have a fever", "utter_safety_now"),  # no follow-up question on a refused message
    ("what is denosumab?", None),
    (None, None),
])
def test_refused_messages_get_the_urgent_advice_first(tmp_path, monkeypatch, message, response):
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "h.db"))
    advice = asyncio.run(advice_for_refused(message, "conv-1", "rest"))
    assert (advice.response if advice else None) == response
    if response:
        from bot.records.handoff_store import list_handoffs

        assert [h["conversation_id"] for h in list_handoffs(tmp_path / "h.db")] == ["conv-1"]


def test_a_refused_message_with_a_crisis_beside_a_physical_sign_gets_both_replies(tmp_path, monkeypatch):
    from bot.safety.refusals import response

    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "h.db"))
    advice = asyncio.run(advice_for_refused("my legs have gone weak and I want to end it all", "conv-1", "rest"))
    assert advice.response == "utter_emergency_spinal_cord"
    assert advice.text == response("utter_emergency_spinal_cord").text + "\n\n" + response("utter_crisis").text
