"""Keep personal details out of the logs of every process (Rasa server, action server, tools).

The code logs error types, not people's words; this is the safety net under that rule. ``install()``
wraps the logging record factory so every log record, whichever logger or handler it goes to, is
rendered once and scrubbed of phone numbers, email addresses and NHS numbers before any handler
sees it, exception tracebacks included. Installed by ``actions/__init__.py`` (action server) and
``components/__init__.py`` (Rasa server).

>>> redact("call Sue on 07700 900123 or sue@example.org, NHS 943 476 5919")
'call Sue on [phone] or [email], NHS [nhs-number]'
"""
from __future__ import annotations

import logging
import re
import traceback

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# NHS numbers: 10 digits, often written 3-3-4 with spaces or dashes.
NHS_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d|\.\d)")
# UK and international phone numbers: +44 / 0 followed by 9-10 more digits, spaces, dashes, brackets.
PHONE = re.compile(r"(?<![0-9A-Za-z.])(?:\+\d{1,3}[\s-]?|\(?0)\d[\d\s()-]{7,}\d(?!\d|\.\d)")

_installed = False


def redact(text: str) -> str:
    """``text`` with emails, NHS numbers and phone numbers replaced by ``[email]`` and so on."""
    text = EMAIL.sub("[email]", text)
    text = NHS_NUMBER.sub("[nhs-number]", text)
    return PHONE.sub("[phone]", text)


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
