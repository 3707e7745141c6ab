"""What the channels pass to Rasa (bot/incoming.py) and how replies look on WhatsApp
(bot/content/plain_text.py), as tables of examples."""
from __future__ import annotations

import pytest

from bot.content.plain_text import as_plain_text, chosen_payload, split_message
from bot.incoming import TOO_LONG, incoming

OPTIONS = [{"title": "Vertebroplasty", "payload": "/ask_vertebroplasty"},
           {"title": "Kyphoplasty", "payload": "/ask_kyphoplasty"},
           {"title": "Something else", "payload": "/out_of_scope"}]


@pytest.mark.parametrize("raw, expected", [
    ("what is denosumab?", "what is denosumab?"),
    ("  spaces around  ", "spaces around"),
    ("", None),
    ("   \n\t ", None),
    (None, None),
    (["a list"], None),
    ({"text": "a dict"}, None),
    ("\x00\x07\x1b", None),                                   # only control characters
    ("numb\x00 legs\x1b[31m", "numb legs[31m"),              # control characters removed
    ("line one\nline two", "line one\nline two"),             # new lines kept
    ("is zometa safe? 🙏❤️", "is zometa safe? 🙏❤️"),           # emoji kept
    ("ما هو الدينوسوماب؟", "ما هو الدينوسوماب؟"),              # right-to-left script kept
    ("\u202eevil\u202c", "\u202eevil\u202c"),                 # bidi controls are format characters: kept as text
    ("¿Qué es el denosumab?", "¿Qué es el denosumab?"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # HTML is just text to Rasa
    ('denosumab OR "bisphosphonates" AND site:nhs.uk', 'denosumab OR "bisphosphonates" AND site:nhs.uk'),
    ("x" * 4000, "x" * 4000),
    ("x" * 4001, TOO_LONG),
    ("/ask_denosumab", "/ask_denosumab"),                     # a button's payload
    ("/restart", "/restart"),
    ('/ask_denosumab{"x": 1}', 'ask_denosumab{"x": 1}'),     # not a bare payload: read as words
    ("/ my back hurts and my legs are numb", "my back hurts and my legs are numb"),
    ("//", None),
])
def test_incoming(raw, expected):
    assert incoming(raw) == expected


def test_the_cap_is_configurable(monkeypatch):
    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "10")
    assert incoming("x" * 11) == TOO_LONG and incoming("x" * 10) == "x" * 10


@pytest.mark.parametrize("answer, payload", [
    ("1", "/ask_vertebroplasty"), (" 2 ", "/ask_kyphoplasty"), ("3.", "/out_of_scope"), ("2)", "/ask_kyphoplasty"),
    ("kyphoplasty", "/ask_kyphoplasty"), ("SOMETHING ELSE", "/out_of_scope"),
    ("0", None), ("4", None), ("-1", None), ("1 2", None), ("one", None), ("what is kyphoplasty?", None), ("", None),
])
def test_numbered_answers_pick_the_right_button(answer, payload):
    assert chosen_payload(answer, OPTIONS) == payload


def test_no_buttons_means_no_choice():
    assert chosen_payload("1", []) is None


def test_a_turn_becomes_one_plain_text_with_numbered_options():
    text = as_plain_text([
        {"text": "**Denosumab** is a drug.\n\n- one\n- two", "buttons": []},
        {"text": 'Source: Cancer Research UK, "Strengthening painful bones". https://www.cancerresearchuk.org/x'},
        {"text": "Which did you mean?", "buttons": OPTIONS},
    ])
    assert text.startswith("*Denosumab* is a drug.\n\n- one\n- two\n\nSource: Cancer Research UK")
    assert "https://www.cancerresearchuk.org/x" in text
    assert text.endswith("1. Vertebroplasty\n2. Kyphoplasty\n3. Something else\n\nReply with the number of your choice.")
    assert as_plain_text([]) == "" and as_plain_text([{"text": "  "}]) == ""


@pytest.mark.parametrize("text, limit", [
    ("short", 1600),
    ("para one\n\n" * 300, 1600),
    ("word " * 1000, 1600),
    ("x" * 5000, 1600),
    ("a\n\n" + "b " * 700 + "\n\nc", 100),
])
def test_long_replies_are_split_without_losing_anything(text, limit):
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
