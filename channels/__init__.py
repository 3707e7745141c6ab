"""Rasa input channels of this assistant: strict REST, the web widget (socket.io), WhatsApp via Twilio.

The Rasa server imports the channels (credentials.yml) before any conversation, so this is also
where its logs start being scrubbed of personal details (``bot/log_privacy.py``).
"""
from bot import log_privacy

log_privacy.install()
