"""WhatsApp through Twilio, for carers: Rasa 3.6's Twilio channel, extended.

Configured in ``credentials.yml`` as ``channels.whatsapp.WhatsAppInput``; secrets from the
environment (``bot/twilio_api.py``). Webhook: ``POST /webhooks/whatsapp/webhook``.

- **Every webhook's signature is checked** (``X-Twilio-Signature``, Twilio's own
  ``RequestValidator`` over ``TWILIO_WEBHOOK_URL``, the URL Twilio calls) and its
  ``AccountSid`` must be ours; anything else gets 403 and is not processed.
- **Conversation ids do not reveal phone numbers**: ``wa-`` + a keyed hash of the sender.
- **Plain text**: a turn's replies go as one message (split at 1,600 characters), buttons as
  numbered options; "2" (or the option's words) picks the second button of the last turn.
- **Nothing lost silently**: sending retries rate limits and server errors; what still fails is
  logged (error type only) and kept in the ``undelivered`` table for ``python -m bot undelivered
  --retry``. If the assistant gives no reply (a fault, the action server down), the person gets a
  short "something went wrong" with the helpline and emergency numbers (``content/messaging.yml``).
- **Twilio's retries of one webhook are processed once**: the ``MessageSid`` is noted in the
  handoffs database for a day (``bot/records/seen_webhooks.py``), so any process drops a repeat. When
  Twilio and the database both fail, the reply waits in this node's pending file
  (``bot/records/undelivered.py``); only if even that fails does the webhook answer 500 (Twilio retries it).
- A per-sender rate limit (``bot/rate_limit.py``) with a kind reply.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from twilio.request_validator import RequestValidator

from bot.content.plain_text import (
    as_plain_text,
    buttons_of,
    chosen_payload,
    split_message,
)
from bot.rate_limit import ChannelLimits
from bot.twilio_api import DeliveryError, TwilioConfig, send_message
from channels.pipeline import admit, fallback, run_turn, slow_down
from serving.server_start import settle_after_start

logger = logging.getLogger(__name__)

SEEN_CHECK_SECONDS = 2.0
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class WhatsAppOutput(OutputChannel):
    """Collects a turn's bot messages; the webhook sends them together afterwards."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append({"text": message.get("text") or "", "buttons": message.get("buttons") or []})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text, "buttons": []})


async def offered_buttons(agent, conversation_id: str) -> list[dict]:
    """The buttons the assistant's last turn offered in this conversation (from the tracker store,
    so any Rasa process can resolve "2")."""
    from rasa.shared.core.events import BotUttered, UserUttered

    tracker = await agent.tracker_store.retrieve(conversation_id) if agent else None
    turn: list[dict] = []
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            turn.insert(0, {"buttons": (event.data or {}).get("buttons") or []})
    return buttons_of(turn)


class WhatsAppInput(InputChannel):
    """Twilio WhatsApp webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TwilioConfig.from_settings(credentials))

    def __init__(self, config: TwilioConfig | None) -> None:
        self.config = config
        self.limits = ChannelLimits("whatsapp")
        if config is None:
            logger.warning("whatsapp: TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN/TWILIO_WHATSAPP_FROM not set; "
                           "the webhook will answer 503")

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppOutput()

    def _signed(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        url = self.config.webhook_url or request.url
        return (bool(signature) and request.form.get("AccountSid") == self.config.account_sid
                and RequestValidator(self.config.auth_token).validate(url, request.form, signature))

    async def _deliver(self, conversation_id: str, address: str, text: str) -> bool:
        """Send the reply; what cannot be sent is kept (database, else this node's pending file,
        off the event loop). False only when a piece could be neither sent nor kept."""
        from bot.records.undelivered import keep

        pieces = split_message(text)
        async with aiohttp.ClientSession() as session:
            for number, piece in enumerate(pieces):
                try:
                    await send_message(self.config, address, piece, session)
                except DeliveryError as exc:
                    logger.error("whatsapp: a reply could not be delivered (%s); kept for retry", exc)
                    loop, kept = asyncio.get_running_loop(), True
                    for left in pieces[number:]:  # keep the order: this piece and all after it
                        kept &= await loop.run_in_executor(None, keep, conversation_id, self.name(), address,
                                                           left, str(exc), self.config.attempts)
                    if not kept:
                        logger.critical("WHATSAPP REPLY LOST: it could be neither sent nor kept")
                    return kept
        return True

    async def _first_time(self, message_id: str) -> bool:
        """True unless another webhook with this ``MessageSid`` was processed (by any process:
        ``bot/records/seen_webhooks.py``, off the event loop, at most ``SEEN_CHECK_SECONDS``)."""
        from bot.records.seen_webhooks import first_time

        if not message_id:
            return True
        try:
            return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, first_time, message_id),
                                          SEEN_CHECK_SECONDS)
        except asyncio.TimeoutError:
            logger.error("whatsapp: the check for a repeated webhook timed out; processing it")
            return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot.web_session import pseudonym, session_secret

        secret = session_secret()
        whatsapp = settle_after_start(Blueprint("whatsapp_webhook", __name__))

        @whatsapp.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok" if self.config else "not configured"})

        @whatsapp.route("/webhook", methods=["POST"])
        async def webhook(request: Request):
            if self.config is None:
                return response.text("WhatsApp is not configured", status=503)
            if not self._signed(request):
                logger.warning("whatsapp: refused a webhook without a valid Twilio signature")
                return response.text("invalid signature", status=403)
            address = request.form.get("From") or ""
            if not address:
                return response.text(EMPTY_TWIML, content_type="text/xml")
            if not await self._first_time(request.form.get("MessageSid") or ""):
                logger.info("whatsapp: a repeated webhook (same MessageSid) was not processed again")
                return response.text(EMPTY_TWIML, content_type="text/xml")
            conversation_id = pseudonym(secret, address, "wa-")
            admitted = await admit(request.form.get("Body"), conversation_id, self.name(),
                                   lambda: self.limits.per_sender.allow(conversation_id))
            if admitted.text is None:  # a picture or a sticker with no words: nothing to answer
                return response.text(EMPTY_TWIML, content_type="text/xml")
            if admitted.limited:
                first = f"{admitted.advice.text}\n\n" if admitted.advice else ""
                await self._deliver(conversation_id, address, first + slow_down())
                return response.text(EMPTY_TWIML, content_type="text/xml")
            text = admitted.text
            if not admitted.too_long:
                text = chosen_payload(text, await offered_buttons(request.app.ctx.agent, conversation_id)) or text
            out = WhatsAppOutput()
            if admitted.advice:
                out.messages.append({"text": admitted.advice.text, "buttons": []})
            await run_turn(self.name(), lambda: on_new_message(
                UserMessage(text, out, conversation_id, input_channel=self.name())))
            # never silent: with no reply (a fault, the action server down) the person gets the numbers
            reply = as_plain_text(out.messages) or fallback()
            if not await self._deliver(conversation_id, address, reply):  # Twilio tries the webhook again
                from bot.records.seen_webhooks import forget_seen

                await asyncio.get_running_loop().run_in_executor(None, forget_seen, request.form.get("MessageSid"))
                return response.text("the reply could not be kept", status=500)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return whatsapp
