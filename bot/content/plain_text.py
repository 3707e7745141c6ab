"""Replies for a messaging app (WhatsApp): plain text, buttons as numbered options.

A turn's bot messages are joined into one text (WhatsApp does not keep separate messages in
order), **bold** becomes WhatsApp's *bold*, links stay as they are, and the buttons are listed
as "1. Title" lines followed by ``content/messaging.yml``'s ``choose_by_number``. The person
answers with the number (or the option's words) and ``chosen_payload`` finds the button.

>>> text = as_plain_text([{"text": "Which did you mean?", "buttons": [
...     {"title": "Vertebroplasty", "payload": "/ask_vertebroplasty"},
...     {"title": "Kyphoplasty", "payload": "/ask_kyphoplasty"}]}])
>>> print(text)
Which did you mean?
<BLANKLINE>
1. Vertebroplasty
2. Kyphoplasty
<BLANKLINE>
Reply with the number of your choice.
>>> chosen_payload(" 2 ", [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}])
'/b'
"""
from __future__ import annotations

import functools
import re

import yaml

from bot.paths import content_dir

WHATSAPP_LIMIT = 1600  # characters in one message body (Twilio's limit)
BOLD = re.compile(r"\*\*(.+?)\*\*")


@functools.lru_cache(maxsize=1)
def messaging_words() -> dict:
    return yaml.safe_load((content_dir() / "messaging.yml").read_text(encoding="utf-8"))


def buttons_of(messages: list[dict]) -> list[dict]:
    """Every button in ``messages``, in order (the options of the turn)."""
    return [b for m in messages for b in (m.get("buttons") or []) if isinstance(b, dict)]


def as_plain_text(messages: list[dict]) -> str:
    """One plain text for a turn's bot messages ('' when there is nothing to say)."""
    parts = [BOLD.sub(r"*\1*", str(m["text"]).strip()) for m in messages if str(m.get("text") or "").strip()]
    buttons = buttons_of(messages)
    if buttons:
        parts.append("\n".join(f"{n}. {b.get('title', '')}" for n, b in enumerate(buttons, 1)))
        parts.append(messaging_words()["choose_by_number"])
    return "\n\n".join(parts)


def chosen_payload(text: str, buttons: list[dict]) -> str | None:
    """The payload of the option ``text`` picks: its number, or its title; None if neither.

    >>> options = [{"title": "Ask for a call back", "payload": "/request_callback"}]
    >>> chosen_payload("1.", options), chosen_payload("ask for a call back", options), chosen_payload("3", options)
    ('/request_callback', '/request_callback', None)
    """
    answer = text.strip().rstrip(".)").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(buttons):
        return buttons[int(answer) - 1].get("payload")
    for button in buttons:
        if answer.casefold() == str(button.get("title", "")).strip().casefold():
            return button.get("payload")
    return None


def split_message(text: str, limit: int = WHATSAPP_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, broken between paragraphs, then lines,
    then words where it must.

    >>> [len(p) for p in split_message("a" * 10 + "\\n\\n" + "b" * 10, limit=12)]
    [10, 10]
    """
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:
            cut = max(paragraph.rfind("\n", 0, limit), paragraph.rfind(" ", 0, limit))
            cut = cut if cut > 0 else limit
            pieces.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current:
        pieces.append(current)
    return pieces
