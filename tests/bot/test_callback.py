"""Understanding the call-back form's answers (bot/helpline/callback.py), as tables of examples."""
from __future__ import annotations

import pytest

from bot.helpline.callback import (
    about_whom,
    clean_name,
    clean_time,
    field_to_change,
    is_cancel,
    parse_contact,
)


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("07911 123456", "phone", "07911 123456"),
        ("07911123456", "phone", "07911 123456"),
        ("+44 7911 123456", "phone", "07911 123456"),
        ("0044 7911 123456", "phone", "07911 123456"),
        ("+44 (0)20 7946 0958", "phone", "020 7946 0958"),
        ("0161 496 0000", "phone", "0161 496 0000"),
        ("(0113) 496 0000", "phone", "0113 496 0000"),
        ("07911-123-456", "phone", "07911 123456"),
        ("you can ring me on 07911 123456 after 2", "phone", "07911 123456"),
        ("sue.smith@example.org", "email", "sue.smith@example.org"),
        ("Email me: Sue.Smith+nurse@Example.co.uk.", "email", "Sue.Smith+nurse@example.co.uk"),
    ],
)
def test_valid_contacts(text, kind, value):
    contact = parse_contact(text)
    assert contact is not None and (contact.kind, contact.display) == (kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "", "hello", "999", "111", "0791112345",      # too short
        "079111234567",                                # too long
        "07700 900123",                                # Ofcom's drama range: not a real number
        "+1 212 555 0100",                             # not a UK number
        "09098 790000",                                # premium rate
        "sue@", "@example.com", "sue@@example.com", "sue@example", "sue example.com",
        "<script>alert(1)</script>@x",
    ],
)
def test_invalid_contacts(text):
    assert parse_contact(text) is None


@pytest.mark.parametrize(
    "text, name",
    [
        ("sue", "Sue"), ("My name is Sue", "Sue"), ("I'm Mary-Jane", "Mary-Jane"), ("it's Siobhán", "Siobhán"),
        ("Jean Paul", "Jean Paul"), ("O'Neill", "O'Neill"), ("call me Bob.", "Bob"),
        ("07911 123456", None), ("", None), ("what is denosumab and is it safe for my mum?", None),
        ("<b>Sue</b>", None), ("x" * 41, None),
    ],
)
def test_names(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize(
    "text, value",
    [("weekday mornings", "weekday mornings"), ("any time", "any time"), ("after 2pm", "after 2pm"),
     ("   ", None), ("12345", None), ("07911 123456", None), ("x" * 101, None)],
)
def test_good_times(text, value):
    assert clean_time(text) == value


@pytest.mark.parametrize(
    "text, about",
    [("me", "self"), ("About me", "self"), ("myself", "self"), ("it's for me", "self"),
     ("someone I care for", "someone_else"), ("my mum", "someone_else"), ("it's about my husband", "someone_else"),
     ("him", "someone_else"), ("my dad", "someone_else"), ("banana", None), ("", None)],
)
def test_about_whom(text, about):
    assert about_whom(text) == about


@pytest.mark.parametrize(
    "text, slot",
    [("change the name", "callback_name"), ("the number is wrong", "callback_contact"),
     ("use my email instead", "callback_contact"), ("change the time", "callback_time"),
     ("change who it is about", "callback_about"), ("no", None), ("hmm", None)],
)
def test_which_answer_to_change(text, slot):
    assert field_to_change(text) == slot


@pytest.mark.parametrize(
    "text, cancel",
    [("stop", True), ("STOP!", True), ("cancel", True), ("never mind", True), ("nevermind", True),
     ("forget it", True), ("cancel the call back", True), ("I don't want a call back", True),
     ("I changed my mind", True),
     ("stop taking zometa?", False), ("can I stop denosumab", False), ("sue", False), ("cancer", False)],
)
def test_cancel(text, cancel):
    assert is_cancel(text) is cancel
