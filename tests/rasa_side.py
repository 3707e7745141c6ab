"""What Rasa 3.6 does with a custom action's messages, with Rasa's own code: each message the
action server returns becomes a ``BotUttered`` (a response name is filled from the domain by
Rasa's ``TemplatedNaturalLanguageGenerator``, as ``RemoteAction._utter_responses`` does), whose
``message()`` is what the output channels get and whose ``as_dict()`` is what the tracker
store keeps. Lets a test run a whole turn's actions in order, each seeing the bot events of the
ones before, as on the server."""
from __future__ import annotations

import asyncio
import copy

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.factories import domain_dict


def bot_uttered(messages: list[dict], responses: dict, slots: dict, channel: str = "rest") -> list:
    """The ``BotUttered`` events Rasa makes of an action's ``messages`` (``RemoteAction._utter_responses``)."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    nlg = TemplatedNaturalLanguageGenerator(responses)
    uttered = []
    for message in copy.deepcopy(messages):
        name = message.pop("response", None)
        if name:
            draft = nlg.generate_from_slots(name, dict(slots), channel, **message)
            if not draft:
                continue
            draft["utter_action"] = name
        else:
            draft = {}
        buttons = message.pop("buttons", []) or []
        if buttons:
            draft.setdefault("buttons", [])
            draft["buttons"].extend(buttons)
        draft.update({k: v for k, v in message.items() if v})
        uttered.append(create_bot_utterance(draft))
    return uttered


def run_turn(actions: list, tracker: Tracker, domain: dict | None = None, channel: str = "rest"):
    """Run ``actions`` in order on ``tracker``'s latest message, as the server runs a turn's
    actions; returns ``(bot event dicts, event dicts of the whole tracker, slots)``."""
    domain = domain or domain_dict()
    events = list(tracker.events)
    slots = dict(tracker.slots)
    said: list[dict] = []
    for action in actions:
        current = Tracker(tracker.sender_id, dict(slots), tracker.latest_message, list(events), False, None,
                          {}, events[-1].get("name") if events and events[-1].get("event") == "action" else None)
        dispatcher = CollectingDispatcher()
        returned = action.run(dispatcher, current, domain)
        if asyncio.iscoroutine(returned):
            returned = asyncio.run(returned)
        events.append({"event": "action", "name": action.name()})
        for event in bot_uttered(dispatcher.messages, domain["responses"], slots, channel):
            data = event.as_dict()
            said.append(data)
            events.append(data)
        for event in returned or []:
            events.append(dict(event))
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
    return said, events, slots


def visible(event: dict) -> dict:
    """What an output channel is given for a stored bot event (``BotUttered.message()``)."""
    from rasa.shared.core.events import BotUttered

    return BotUttered(event.get("text"), event.get("data") or {}, event.get("metadata") or {}).message()


def is_empty(message: dict) -> bool:
    """Nothing a person could read or press."""
    return not str(message.get("text") or "").strip() and not message.get("buttons")
