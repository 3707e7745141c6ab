"""The web widget's channel: Rasa's socket.io channel, made safe for a patients' website.

What it changes from Rasa 3.6's ``SocketIOInput`` (configured in ``credentials.yml`` as
``channels.webchat.WebChatInput``):

- **Origins**: only the configured site may connect (``allowed_origins``, or the environment's
  ``BOT_WEB_ORIGINS``, comma-separated). A connection without an allowed ``Origin`` is refused.
- **Sessions nobody can take over**: the server makes each session id and gives the browser a
  signed token (``bot/web_session.py``); a reload resumes only with a matching pair. Messages
  go to the session this socket was given, whatever session id the message names.
- **One bot message, one event**: text, buttons, the response's name (``kind``) and custom data
  together (the topic, for "was this helpful?"; an answer's parts, ``actions/reply.py``, which the
  widget lays out: body, sources and review date styled apart, gaps, the helpline offer).
- **Feedback**: the widget's ``feedback`` event is stored by ``bot/records/feedback.py``.
- Each message goes through the channel pipeline (``channels/pipeline.py``: too long, empty,
  control characters; the rate limits; the red-flag check first for what is refused; never
  silent). Rate limits are per session and per client address (``bot/rate_limit.py``; the address
  is the real client's, ``channels/addresses.py``), on messages, new sessions and feedback.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from socketio import AsyncServer

from bot import settings
from bot.rate_limit import ChannelLimits
from channels.addresses import environ_address
from channels.pipeline import admit, fallback, run_turn, slow_down
from serving.server_start import settle_after_start

logger = logging.getLogger(__name__)


class WebChatOutput(SocketIOOutput):
    """Sends each bot message as one ``bot_uttered`` event to the session's room."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def say(self, recipient_id: str, text: str, kind: str, buttons=()) -> None:
        """A message the channel sends itself (``content/messaging.yml``, or urgent advice from
        ``domain.yml`` for a message it refused), not through the assistant."""
        event: dict[str, Any] = {"text": text, "kind": kind}
        if buttons:
            event["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons]
        await self.sio.emit(self.bot_message_evt, event, room=recipient_id)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        event: dict[str, Any] = {"text": message.get("text") or "", "kind": message.get("utter_action") or ""}
        if message.get("buttons"):
            event["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                for b in message["buttons"]]
        if isinstance(message.get("custom"), dict):
            event["custom"] = message["custom"]
        if event["text"] or event.get("buttons"):
            self.sent += 1
            await self.sio.emit(self.bot_message_evt, event, room=recipient_id)


class WebChatInput(InputChannel):
    """socket.io input for the web widget (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        origins = settings.text("BOT_WEB_ORIGINS")
        allowed = [o.strip() for o in origins.split(",") if o.strip()] if origins else credentials.get("allowed_origins")
        return cls(allowed_origins=list(allowed or []),
                   socketio_path=credentials.get("socketio_path", "/socket.io"))

    def __init__(self, allowed_origins: list[str], socketio_path: str = "/socket.io") -> None:
        self.allowed_origins = allowed_origins
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None
        self.bot_message_evt = "bot_uttered"
        self.limits = ChannelLimits("webchat")

    def get_output_channel(self) -> WebChatOutput | None:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot.web_session import is_valid, new_session, session_secret

        secret = session_secret()
        # python-engineio refuses a browser whose Origin is not listed; connect() below also
        # refuses clients that send no Origin at all.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins)
        self.sio = sio
        webchat = settle_after_start(SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__))

        @webchat.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if environ.get("HTTP_ORIGIN") not in self.allowed_origins:
                logger.warning("webchat: refused a connection from an origin that is not allowed")
                return False
            await sio.save_session(sid, {"address": environ_address(environ)})
            return True

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            if is_valid(secret, data.get("session_id"), data.get("token")):
                session = {"session_id": data["session_id"], "token": data["token"]}
            else:
                address = (await sio.get_session(sid) or {}).get("address") or ""
                if not await self.limits.sessions_per_address.allow(address):
                    logger.warning("webchat: refused a new session (too many from one address)")
                    await sio.emit(self.bot_message_evt, {"text": slow_down(), "kind": "slow_down"},
                                   room=sid)
                    return
                session = new_session(secret)
            for room in sio.rooms(sid):
                if room != sid:
                    await sio.leave_room(sid, room)
            await sio.enter_room(sid, session["session_id"])
            async with sio.session(sid) as saved:
                saved["session_id"] = session["session_id"]
            await sio.emit("session_confirm", session, room=sid)

        async def _session_id(sid: str) -> str | None:
            return (await sio.get_session(sid) or {}).get("session_id")

        @sio.on("user_uttered")
        async def handle_message(sid: str, data: Any = None) -> None:
            saved = await sio.get_session(sid) or {}
            session_id = saved.get("session_id")
            raw = data.get("message") if isinstance(data, dict) else None
            if session_id is None:
                return
            admitted = await admit(raw, session_id, self.name(),
                                   lambda: self.limits.allow(session_id, saved.get("address") or ""))
            if admitted.text is None:
                return
            out = WebChatOutput(sio, self.bot_message_evt)
            if admitted.advice:
                await out.say(session_id, admitted.advice.text, admitted.advice.response, admitted.advice.buttons)
            if admitted.limited:
                await out.say(session_id, slow_down(), "slow_down")
                return
            await run_turn(self.name(), lambda: on_new_message(
                UserMessage(admitted.text, out, session_id, input_channel=self.name())))
            if not out.sent:  # never silent: the action server was down or too slow
                await out.say(session_id, fallback(), "fault")

        @sio.on("feedback")
        async def feedback(sid: str, data: Any = None) -> None:
            from bot.content.store import default_store
            from bot.records.feedback import FeedbackError, record_feedback

            session_id = await _session_id(sid)
            if session_id is None or not isinstance(data, dict):
                return
            if not await self.limits.feedback_per_sender.allow(session_id):
                logger.info("webchat: ignored feedback over the limit")
                return
            try:
                await asyncio.get_running_loop().run_in_executor(None, lambda: record_feedback(
                    session_id, data.get("topic"), data.get("helpful"), channel=self.name(),
                    known_topics=set(default_store().topic_ids())))
            except FeedbackError:
                logger.info("webchat: ignored feedback that names no topic or is not yes/no")
            except Exception as exc:  # a lost "was this helpful?" must not break the chat
                logger.error("webchat: could not store feedback (%s)", type(exc).__name__)

        return webchat
