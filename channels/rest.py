"""Rasa's REST channel (``/webhooks/rest/webhook``), stricter (``channels.rest.StrictRestInput``).

- A request must be a JSON object with a ``sender`` (1-128 letters, digits, ``_.:@-``): without
  one it is refused with 400, never merged into one shared "default" conversation.
- REST senders have a namespace of their own: a sender that is another channel's conversation id
  (a messaging pseudonym such as ``wa-<32 hex>``, anything starting ``wa-``, or a web session id
  of 32 hex digits) is refused with 403, so knowing a patient's id (staff see them) is not enough
  to post into their conversation and have the call-back summary repeat their name and contact.
  REST is for our own tools and tests; the reverse proxy does not forward it (README, "Deploying").
- The message goes through ``bot/incoming.py`` (size cap, control characters, empty -> 400).
- Per-sender and per-address rate limits (``bot/rate_limit.py``): 429 with a kind message.
- Never silent: a turn that produced no reply (the action server down or too slow) is answered
  with ``content/messaging.yml``'s ``something_went_wrong`` (helpline and emergency numbers).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request

from bot.content.plain_text import messaging_words
from bot.incoming import TOO_LONG, incoming
from bot.rate_limit import ChannelLimits
from channels.addresses import client_address
from channels.refused import advice_for_refused
from channels.server_start import settle_after_start
from channels.turns import process_turns

logger = logging.getLogger(__name__)

SENDER = re.compile(r"[\w.:@-]{1,128}")
# Conversation ids the other channels make: WhatsApp pseudonyms (channels/whatsapp.py: "wa-" + 32
# hex), any future "<channel>-<32 hex>" pseudonym, web session ids (bot/web_session.py: 32 hex).
OTHER_CHANNELS = re.compile(r"wa-.*|([a-z]+-)?[0-9a-f]{32}", re.IGNORECASE)


def is_rest_sender(sender: object) -> bool:
    """Whether ``sender`` may be used on the REST channel: well-formed and not in another channel's
    namespace.

    >>> [is_rest_sender(s) for s in ("terminal-42", "eval-0a1b2c3d4e5f", "wa-" + "0" * 32, "f" * 32, "WA-x", "")]
    [True, True, False, False, False, False]
    """
    return isinstance(sender, str) and bool(SENDER.fullmatch(sender)) and not OTHER_CHANNELS.fullmatch(sender)


def _message(recipient_id: str, text: str, buttons=()) -> dict:
    message = {"recipient_id": recipient_id, "text": text}
    if buttons:
        message["buttons"] = list(buttons)
    return message


class StrictRestInput(InputChannel):
    """See the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self.limits = ChannelLimits("rest")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = settle_after_start(Blueprint("strict_rest_webhook", __name__))

        @rest.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "send a JSON object with 'sender' and 'message'"}, status=400)
            sender = body.get("sender")
            if not isinstance(sender, str) or not SENDER.fullmatch(sender):
                return response.json({"error": "a 'sender' is required: 1-128 letters, digits or _.:@-"},
                                     status=400)
            if not is_rest_sender(sender):
                logger.warning("rest: refused a sender in another channel's namespace")
                return response.json({"error": "this 'sender' is another channel's conversation id: REST senders "
                                               "may not start with 'wa-' or be 32 hex digits"}, status=403)
            raw = body.get("message")
            text = incoming(raw)
            if text is None:
                return response.json({"error": "the 'message' is empty"}, status=400)
            if not await self.limits.allow(sender, client_address(request)):
                advice = await advice_for_refused(raw, sender, self.name())  # checked before it is refused
                first = [_message(sender, advice.text, advice.buttons)] if advice else []
                return response.json(first + [{"recipient_id": sender, "text": messaging_words()["slow_down"]}],
                                     status=429)
            collector = CollectingOutputChannel()
            if text == TOO_LONG:  # not read by the assistant, but checked for red flags first
                advice = await advice_for_refused(raw, sender, self.name())
                if advice:
                    collector.messages.append(_message(sender, advice.text, advice.buttons))
            try:
                async with process_turns().turn():
                    await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                     metadata=self.get_metadata(request)))
            except Exception as exc:
                logger.error("rest: the assistant failed on a message (%s)", type(exc).__name__)
            messages = collector.messages or [
                {"recipient_id": sender, "text": messaging_words()["something_went_wrong"]}]
            return response.json(messages)

        return rest
