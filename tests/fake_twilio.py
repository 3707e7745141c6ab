"""A local stand-in for Twilio, speaking its wire format, for the WhatsApp channel tests.

- The Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic
  auth (account SID + auth token) and form fields ``To``, ``From``, ``Body``. Answers 201 with a
  message resource (``sid`` "SM..." and the fields Twilio returns), 401 with Twilio's error
  body for wrong credentials, 400 (code 21604) without ``To``. ``fail_next(n, status)`` makes
  the next ``n`` sends fail, as a Twilio outage or rate limit would.
- Incoming messages: ``webhook_form`` builds the form Twilio posts for a WhatsApp message, and
  ``signature`` signs it the way Twilio does (``X-Twilio-Signature``: HMAC-SHA1 of the URL and
  the sorted parameters, base64), using the twilio library's own validator.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator


class FakeTwilio:
    """Runs on 127.0.0.1:``port`` in a thread; ``sent`` holds every accepted message."""

    def __init__(self, port: int, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent: list[dict] = []
        self.refused: list[int] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures = [status] * count

    def messages_to(self, address: str) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if m["to"] == address]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
            self.refused.clear()
            self._failures.clear()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str) -> None:
                fake.refused.append(status)
                self._reply(status, {"code": code, "message": message, "status": status,
                                     "more_info": f"https://www.twilio.com/docs/errors/{code}"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                path = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                if self.path != path:
                    return self._error(404, 20404, "The requested resource was not found")
                expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._error(401, 20003, "Authenticate")
                with fake._lock:
                    failure = fake._failures.pop(0) if fake._failures else None
                if failure:
                    return self._error(failure, 20429 if failure == 429 else 20500, "Service unavailable")
                if not form.get("To"):
                    return self._error(400, 21604, "A 'To' phone number is required.")
                sid = "SM" + secrets.token_hex(16)
                message = {
                    "sid": sid, "account_sid": fake.account_sid, "to": form["To"], "from": form.get("From"),
                    "body": form.get("Body", ""), "status": "queued", "num_segments": "1", "num_media": "0",
                    "direction": "outbound-api", "api_version": "2010-04-01", "price": None, "error_code": None,
                    "error_message": None, "date_created": formatdate(usegmt=True),
                    "date_updated": formatdate(usegmt=True), "date_sent": None, "messaging_service_sid": None,
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
                }
                with fake._lock:
                    fake.sent.append(message)
                self._reply(201, message)

        return Handler


def webhook_form(account_sid: str, sender: str, to: str, body: str, profile_name: str = "Jo") -> dict[str, str]:
    """The form Twilio posts to the webhook for an incoming WhatsApp text."""
    sid = "SM" + secrets.token_hex(16)
    return {
        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": profile_name, "MessageType": "text",
        "SmsSid": sid, "WaId": sender.removeprefix("whatsapp:+"), "SmsStatus": "received", "Body": body,
        "To": to, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": account_sid,
        "From": sender, "ApiVersion": "2010-04-01",
    }


def signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """``X-Twilio-Signature`` for posting ``form`` to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, form)
