"""Is the nurse helpline open now, and if not, when does it next open?

Hours live in ``content/helpline.yml``; bank holidays for England & Wales come from the
maintained ``holidays`` library. Times are in Europe/London whatever the server's zone.

>>> import datetime as dt
>>> friday_late = dt.datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)
>>> status = helpline_status(friday_late)
>>> status.is_open, status.next_open.isoformat(), status.next_open_text
(False, '2026-11-30T09:00:00+00:00', 'on Monday at 9am')
>>> helpline_status(dt.datetime(2026, 11, 27, 16, 59, tzinfo=LONDON)).is_open
True
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import yaml

from bot import settings
from bot.paths import content_dir

LONDON = ZoneInfo("Europe/London")
CLOCK_ENV = "BOT_CLOCK"  # an ISO time that stands in for "now" (tests and demos only)


@dataclass(frozen=True)
class HelplineStatus:
    """``is_open`` now; ``next_open`` (aware, London) when closed, else None; its phrase."""

    is_open: bool
    next_open: dt.datetime | None
    next_open_text: str
    phone: str


@lru_cache(maxsize=1)
def helpline_config() -> dict:
    """``content/helpline.yml`` as a dict."""
    return yaml.safe_load((content_dir() / "helpline.yml").read_text(encoding="utf-8"))


def now() -> dt.datetime:
    """The current time in London, or the time in ``$BOT_CLOCK`` when it is set.

    >>> import os
    >>> os.environ[CLOCK_ENV] = "2026-12-25T10:00:00"
    >>> now().isoformat()
    '2026-12-25T10:00:00+00:00'
    >>> del os.environ[CLOCK_ENV]
    """
    fixed = settings.text(CLOCK_ENV)
    if fixed:
        moment = dt.datetime.fromisoformat(fixed)
        return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment.astimezone(LONDON)
    return dt.datetime.now(LONDON)


@lru_cache(maxsize=4)
def _bank_holidays(year: int):
    """England & Wales bank holidays of ``year`` and the next (built once per year: it is slow)."""
    config = helpline_config()["bank_holidays"]
    return holidays.country_holidays(config["country"], subdiv=config["subdivision"], years=[year, year + 1])


def is_working_day(day: dt.date) -> bool:
    """A weekday the helpline works that is not an England & Wales bank holiday.

    >>> is_working_day(dt.date(2026, 12, 28))  # Boxing Day (observed)
    False
    """
    return day.strftime("%A") in helpline_config()["days"] and day not in _bank_holidays(day.year)


def _clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _say_time(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    minutes = f".{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def next_open_text(moment: dt.datetime, current: dt.datetime) -> str:
    """How the assistant says ``moment`` relative to ``current``: "on Monday at 9am"."""
    phrases = helpline_config()["next_open"]
    days_ahead = (moment.date() - current.date()).days
    key = "today" if days_ahead == 0 else "tomorrow" if days_ahead == 1 else "this_week" if days_ahead < 7 else "later"
    return phrases[key].format(
        time=_say_time(moment), weekday=moment.strftime("%A"), date=f"{moment.day} {moment.strftime('%B')}"
    )


def helpline_status(current: dt.datetime | None = None) -> HelplineStatus:
    """Open or closed at ``current`` (default: now), and the next opening time when closed."""
    config = helpline_config()
    current = (current or now()).astimezone(LONDON)
    opens, closes = _clock(config["opens"]), _clock(config["closes"])
    if is_working_day(current.date()) and opens <= current.time() < closes:
        return HelplineStatus(True, None, "", config["phone"])
    day = current.date()
    if not (is_working_day(day) and current.time() < opens):
        day += dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
    moment = dt.datetime.combine(day, opens, tzinfo=LONDON)
    return HelplineStatus(False, moment, next_open_text(moment, current), config["phone"])
