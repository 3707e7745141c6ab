"""What a channel passes on to Rasa from a person's message.

- Not text, empty or only spaces/control characters: nothing (the channel ignores it kindly).
- Longer than the cap (``BOT_MAX_MESSAGE_CHARS``, default 4000 characters, about 4 KB of
  text): the intent ``/message_too_long``, so the assistant says so in words from domain.yml.
- Control characters go (new lines and tabs stay); emoji, other scripts, HTML stay as text.
- A message that looks like a Rasa intent payload is passed on only when it is exactly one
  (``/ask_denosumab``, as buttons send); anything else starting with "/" has the slashes
  removed, so it goes through language understanding and the red-flag check like any message.

>>> incoming("  what is denosumab?\\x00 "), incoming("   "), incoming(42)
('what is denosumab?', None, None)
>>> incoming("x" * 5000), incoming("/ask_kyphoplasty"), incoming('/ask_x{"a": 1} numb legs')
('/message_too_long', '/ask_kyphoplasty', 'ask_x{"a": 1} numb legs')
"""
from __future__ import annotations

import re
import unicodedata

from bot import settings

TOO_LONG = "/message_too_long"
PAYLOAD = re.compile(r"/[a-z][a-z0-9_]{0,60}")


def max_chars() -> int:
    """The cap on a message's length, from ``BOT_MAX_MESSAGE_CHARS`` (default 4000)."""
    return settings.integer("BOT_MAX_MESSAGE_CHARS")


def incoming(raw: object, limit: int | None = None) -> str | None:
    """The text to hand to Rasa for ``raw``, or None when there is nothing to answer."""
    if not isinstance(raw, str):
        return None
    if len(raw) > (limit or max_chars()):
        return TOO_LONG
    text = "".join(ch for ch in raw if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.strip()
    if not text:
        return None
    if text.startswith("/") and not PAYLOAD.fullmatch(text):
        return text.lstrip("/").strip() or None
    return text
