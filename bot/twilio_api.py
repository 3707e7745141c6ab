"""Sending WhatsApp messages through Twilio's Messages API, with retries.

The wire format is Twilio's: ``POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json``,
form fields ``To``, ``From``, ``Body``, HTTP basic auth with the account SID and auth token; a
201 answer carries the message ``sid``. ``api_base`` is ``https://api.twilio.com`` unless
``TWILIO_API_BASE`` says otherwise (the tests point it at a local fake).

Rate limits (429) and server errors (5xx) and network failures are retried with a growing
pause; other refusals (a bad number, 4xx) are not. What still fails raises ``DeliveryError``
naming the status/error type only (never the text or the number).
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

RETRY_STATUSES = {429, 500, 502, 503, 504}


class DeliveryError(Exception):
    """A message Twilio did not accept after the retries."""


@dataclass(frozen=True)
class TwilioConfig:
    """What the channel needs to receive and send."""

    account_sid: str
    auth_token: str
    from_address: str
    webhook_url: str = ""
    api_base: str = "https://api.twilio.com"
    attempts: int = 3
    backoff_s: float = 0.5

    @classmethod
    def from_settings(cls, settings: dict | None = None,
                      environ: Mapping[str, str] | None = None) -> "TwilioConfig | None":
        """From ``TWILIO_*`` variables of ``environ`` (default: the environment) over ``settings``
        (credentials.yml); None when the account, token or sender is missing.

        >>> TwilioConfig.from_settings({}, environ={}) is None
        True
        >>> TwilioConfig.from_settings({"account_sid": "AC1", "auth_token": "t"}, environ={
        ...     "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"}).messages_url
        'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json'
        """
        settings = settings or {}
        environ = os.environ if environ is None else environ

        def value(env: str, key: str, default: str = "") -> str:
            return environ.get(env) or str(settings.get(key) or default)

        config = cls(
            account_sid=value("TWILIO_ACCOUNT_SID", "account_sid"),
            auth_token=value("TWILIO_AUTH_TOKEN", "auth_token"),
            from_address=value("TWILIO_WHATSAPP_FROM", "whatsapp_from"),
            webhook_url=value("TWILIO_WEBHOOK_URL", "webhook_url"),
            api_base=value("TWILIO_API_BASE", "api_base", "https://api.twilio.com").rstrip("/"),
            attempts=int(value("TWILIO_SEND_ATTEMPTS", "send_attempts", "3")),
        )
        return config if config.account_sid and config.auth_token and config.from_address else None

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


async def send_message(config: TwilioConfig, to: str, body: str, session: aiohttp.ClientSession) -> str:
    """Send ``body`` to ``to``; returns Twilio's message sid. Raises ``DeliveryError``."""
    problem = "no attempt"
    for attempt in range(config.attempts):
        if attempt:
            await asyncio.sleep(config.backoff_s * 2 ** (attempt - 1))
        try:
            async with session.post(
                config.messages_url,
                data={"To": to, "From": config.from_address, "Body": body},
                auth=aiohttp.BasicAuth(config.account_sid, config.auth_token),
                timeout=aiohttp.ClientTimeout(total=10),
            ) as resp:
                if resp.status in (200, 201):
                    return str((await resp.json(content_type=None)).get("sid", ""))
                problem = f"HTTP {resp.status}"
                if resp.status not in RETRY_STATUSES:
                    break
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            problem = type(exc).__name__
    raise DeliveryError(problem)
