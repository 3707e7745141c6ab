"""Keep personal details out of the logs of every process (Rasa server, action server, tools).

The code logs error types, not people's words; this is the safety net under that rule. ``install()``
wraps the logging record factory so every log record, whichever logger or handler it goes to, is
rendered once and scrubbed of phone numbers, email addresses, NHS numbers, postcodes and dates
(of birth, as people write them) before any handler sees it, exception tracebacks included.
Installed by ``actions/__init__.py`` (action server) and ``components/__init__.py`` (Rasa server).

Phone numbers are found by ``phonenumbers``' own matcher (Google's libphonenumber rules: UK
numbers with or without the leading 0 or +, WhatsApp's ``447...`` ids, dots, brackets, dashes),
keeping only matches of 9 digits or more so that counts, ports and ids stay readable; a pattern
catches the long digit runs the matcher leaves.

>>> redact("call Sue on 07700 900123 or sue@example.org, NHS 943 476 5919")
'call Sue on [phone] or [email], NHS [nhs-number]'
>>> redact("WaId 447700900123, born 12/03/1961 at LS1 4AP")
'WaId [phone], born [date] at [postcode]'
"""
from __future__ import annotations

import logging
import re
import traceback

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# NHS numbers: 10 digits, often written 3-3-4 with spaces or dashes.
NHS_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d|\.\d)")
# UK and international phone numbers: +44 / 0 followed by 9-10 more digits, spaces, dashes, brackets.
PHONE = re.compile(r"(?<![0-9A-Za-z.])(?:\+\d{1,3}[\s-]?|\(?0)\d[\d\s()-]{7,}\d(?!\d|\.\d)")

# UK postcodes (outward code, space optional, inward code), e.g. LS1 4AP, SW1A 1AA, m11ae.
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# Dates as people write them: 12/03/1961, 03.07.58, 12-03-1961, 12th March 1961, March 12 1961.
# (ISO dates, 2026-11-23, are what log lines themselves are made of, and stay.)
DATE = re.compile(
    rf"(?<![\d.])(?:\d{{1,2}}([/-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}})"  # 12/3/61, 12-03-1961
    rf"|\d{{2}}\.\d{{2}}\.(?:\d{{4}}|\d{{2}})|\d{{1,2}}\.\d{{1,2}}\.\d{{4}})(?![\d.]\d)"  # not 3.6.21 (versions)
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s*,?\s*\d{{2,4}}\b"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s*\d{{4}}\b",
    re.IGNORECASE)
MIN_PHONE_DIGITS = 9
_DECIMAL = re.compile(r"\d+\.\d+")  # 0.123456789 s is a duration, not a number to ring

_installed = False


def _phones(text: str) -> str:
    """``text`` with every phone number ``phonenumbers`` finds (GB rules first) as ``[phone]``."""
    if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
        return text
    pieces, end = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        touching_a_dot = text[max(0, match.start - 1):match.start] == "." or text[match.end:match.end + 1] == "."
        if sum(c.isdigit() for c in match.raw_string) >= MIN_PHONE_DIGITS and not (
                touching_a_dot or _DECIMAL.fullmatch(match.raw_string)):
            pieces += [text[end:match.start], "[phone]"]
            end = match.end
    return "".join(pieces) + text[end:]


def redact(text: str) -> str:
    """``text`` with emails, NHS numbers, phone numbers, postcodes and dates replaced by
    ``[email]``, ``[nhs-number]``, ``[phone]``, ``[postcode]`` and ``[date]``."""
    text = EMAIL.sub("[email]", text)
    text = NHS_NUMBER.sub("[nhs-number]", text)
    text = DATE.sub("[date]", text)
    text = _phones(text)
    text = PHONE.sub("[phone]", text)
    return POSTCODE.sub("[postcode]", text)


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what the logger was given, as text
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        record.exc_info = None  # formatters would render it again, unscrubbed
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Scrub every log record made from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def scrubbed_record(*args, **kwargs) -> logging.LogRecord:
        return _scrub(make_record(*args, **kwargs))

    logging.setLogRecordFactory(scrubbed_record)
    _installed = True
