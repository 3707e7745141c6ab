"""Rasa's REST channel (``/webhooks/rest/webhook``), stricter (``channels.rest.StrictRestInput``).

- A request must be a JSON object with a ``sender`` (1-128 letters, digits, ``_.:@-``): without
  one it is refused with 400, never merged into one shared "default" conversation.
- REST senders have a namespace of their own: a sender that is another channel's conversation id
  (a messaging pseudonym such as ``wa-<32 hex>``, anything starting ``wa-``, or a web session id
  of 32 hex digits) is refused with 403, so knowing a patient's id (staff see them) is not enough
  to post into their conversation and have the call-back summary repeat their name and contact.
  REST is for our own tools and tests; the reverse proxy does not forward it (README, "Deploying").
- One JSON item per bot message (``OneItemPerMessage``): text, buttons and custom data together.
- The message goes through the channel pipeline (``channels/pipeline.py``: size cap, control
  characters, empty -> 400; per-sender and per-address rate limits -> 429 with a kind message; the
  red-flag check first for what is refused; never silent).
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

from bot.rate_limit import ChannelLimits
from channels.addresses import client_address
from channels.pipeline import admit, fallback, run_turn, slow_down
from serving.server_start import settle_after_start

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


class OneItemPerMessage(CollectingOutputChannel):
    """Rasa's collector, but one JSON item per bot message: its whole text (Rasa's splits it at
    every blank line), its buttons and its custom data together (Rasa's sends the custom data as
    an item of its own, with no text: an empty message to whoever shows the list). A message with
    neither text nor buttons is not sent, as on the web widget's channel."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        item = _message(recipient_id, str(message.get("text") or "").strip(), message.get("buttons") or ())
        if isinstance(message.get("custom"), dict) and message["custom"]:
            item["custom"] = message["custom"]
        if item["text"] or item.get("buttons"):
            await self._persist_message(item)


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
            admitted = await admit(body.get("message"), sender, self.name(),
                                   lambda: self.limits.allow(sender, client_address(request)))
            if admitted.text is None:
                return response.json({"error": "the 'message' is empty"}, status=400)
            first = [_message(sender, admitted.advice.text, admitted.advice.buttons)] if admitted.advice else []
            if admitted.limited:
                return response.json(first + [{"recipient_id": sender, "text": slow_down()}], status=429)
            collector = OneItemPerMessage()
            collector.messages.extend(first)  # a too-long message's urgent advice, before the "too long" reply
            await run_turn(self.name(), lambda: on_new_message(UserMessage(
                admitted.text, collector, sender, input_channel=self.name(), metadata=self.get_metadata(request))))
            messages = collector.messages or [{"recipient_id": sender, "text": fallback()}]
            return response.json(messages)

        return rest
