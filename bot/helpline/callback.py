"""Understanding the answers to the call-back form: name, contact (UK phone or email), a good
time, who it is about, which answer to change, and "stop". Returns clean values or None; the
words the person sees are in ``domain.yml``.

>>> parse_contact("call me on 07911 123456 please")
Contact(kind='phone', value='+447911123456', display='07911 123456')
>>> parse_contact("sue.smith@example.org").kind
'email'
>>> clean_name("my name is sue")
'Sue'
>>> about_whom("it's for my husband")
'someone_else'
>>> field_to_change("can I change the phone number")
'callback_contact'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

SLOTS = ("callback_name", "callback_contact", "callback_time", "callback_about", "callback_consent")
MAX_NAME = 40
MAX_TIME = 100
_EMAIL = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+\.[^\s@<>(),;:\"']+")
_NAME_PREFIX = re.compile(r"^(?:hi|hello)?[\s,]*(?:my name is|my name's|name is|i am|i'm|im|it's|its|call me|this is)\s+",
                          re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+){0,3}$")
_BEFORE_CONTACT = re.compile(r",|\band\b|\bmy (?:number|phone|mobile|email)\b|[+\d]|\S+@", re.IGNORECASE)
_SELF = re.compile(r"\b(?:me|myself|mine|i am|i'm|im|for me|my own|about me|self)\b", re.IGNORECASE)
_OTHER = re.compile(
    r"\b(?:my\s+(?:mum|mom|mam|mother|dad|father|husband|wife|partner|son|daughter|brother|sister|nan|gran|"
    r"grandad|grandma|grandpa|friend|aunt|uncle|child|parent|boyfriend|girlfriend)|someone(?: else)?|somebody|"
    r"him|her|them|they|a relative|a friend|someone i care for|i care for|carer|caring for|look after)\b",
    re.IGNORECASE,
)
_FIELDS = [
    ("callback_contact", r"\b(?:phone|number|mobile|email|e-mail|address|contact|landline)\b"),
    ("callback_name", r"\bname\b"),
    ("callback_time", r"\b(?:time|when|day|morning|afternoon)\b"),
    ("callback_about", r"\b(?:about|who|for whom|myself|someone)\b"),
]
_CANCEL = re.compile(
    r"^\s*(?:stop|cancel|quit|exit|end|no stop|stop it|stop this|cancel (?:it|that|this|the call ?back|my request)|"
    r"never ?mind|forget it|forget about it|i don'?t want (?:a|the|to be) call(?:ed)? ?back|no call ?back|"
    r"don'?t call me|i changed my mind)\s*[.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Contact:
    """How to reach the person: ``kind`` is phone or email; ``value`` normalised (E.164 for
    phones); ``display`` as a nurse would write it."""

    kind: str
    value: str
    display: str


def parse_phone(text: str) -> Contact | None:
    """The first valid UK phone number in ``text`` (07..., 01/02/03..., +44 or 0044), else None.

    >>> parse_phone("+44 (0)20 7946 0958").display
    '020 7946 0958'
    >>> parse_phone("999") is None, parse_phone("0770090") is None, parse_phone("+1 212 555 0100") is None
    (True, True, True)
    """
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        number = match.number
        if number.country_code == 44 and phonenumbers.is_valid_number(number):
            kind = phonenumbers.number_type(number)
            if kind in (phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST):
                continue
            return Contact(
                "phone",
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
            )
    return None


def parse_email(text: str) -> Contact | None:
    """The first syntactically valid email address in ``text``, else None (no DNS lookup).

    >>> parse_email("sue@@example") is None, parse_email("Sue <sue@example.co.uk>").value
    (True, 'sue@example.co.uk')
    """
    for candidate in _EMAIL.findall(text):
        try:
            valid = validate_email(candidate.strip("."), check_deliverability=False)
        except EmailNotValidError:
            continue
        return Contact("email", valid.normalized, valid.normalized)
    return None


def parse_contact(text: str) -> Contact | None:
    """An email address or a UK phone number found in ``text``, else None."""
    return parse_email(text) or parse_phone(text)


def clean_name(text: str) -> str | None:
    """A first name from the reply ("I'm sue" -> "Sue"), or None if it does not look like one."""
    name = _NAME_PREFIX.sub("", text.strip()).strip(" .!,")
    if not name or len(name) > MAX_NAME or not _NAME.match(name):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split())


def name_in_answer(text: str) -> str | None:
    """The name in an answer that may also hold a contact ("Sue, 07911 123456" -> "Sue").

    >>> name_in_answer("it's Jo, you can text me on 07911 123456"), name_in_answer("Sue and my email is s@x.org")
    ('Jo', 'Sue')
    """
    return clean_name(_BEFORE_CONTACT.split(text)[0] if parse_contact(text) else text)


def clean_time(text: str) -> str | None:
    """The person's own words for a good time, trimmed; None when empty or too long.

    >>> clean_time("  weekday mornings "), clean_time(" ")
    ('weekday mornings', None)
    """
    text = " ".join(text.split())
    if not text or len(text) > MAX_TIME or parse_contact(text) or not re.search(r"[^\W\d_]", text):
        return None
    return text


def about_whom(text: str) -> str | None:
    """"self" or "someone_else" from the reply, None when it is unclear.

    >>> about_whom("me"), about_whom("my mum"), about_whom("banana")
    ('self', 'someone_else', None)
    """
    if _OTHER.search(text):
        return "someone_else"
    if _SELF.search(text) or text.strip().lower() in {"i", "myself", "me"}:
        return "self"
    return None


def field_to_change(text: str) -> str | None:
    """Which form answer the person wants to change, by the words they use; None if unclear."""
    for slot, pattern in _FIELDS:
        if re.search(pattern, text, re.IGNORECASE):
            return slot
    return None


def is_cancel(text: str) -> bool:
    """True for short "stop"/"cancel"/"never mind" replies, whatever the classifier thinks.

    >>> is_cancel("Stop"), is_cancel("cancel the call back"), is_cancel("stop taking zometa?")
    (True, True, False)
    """
    return bool(_CANCEL.match(text or ""))
