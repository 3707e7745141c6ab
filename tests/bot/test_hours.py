"""Helpline hours with a fixed clock: Europe/London, weekends, England & Wales bank holidays."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.helpline.hours import CLOCK_ENV, LONDON, helpline_status, now


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    "moment, is_open, next_open, said",
    [
        ("2026-11-27T16:59", True, None, ""),                                   # Friday, one minute to go
        ("2026-11-27T17:00", False, "2026-11-30T09:00", "on Monday at 9am"),    # Friday, closed
        ("2026-11-28T11:00", False, "2026-11-30T09:00", "on Monday at 9am"),    # Saturday
        ("2026-11-29T20:00", False, "2026-11-30T09:00", "tomorrow at 9am"),     # Sunday evening
        ("2026-11-30T08:59", False, "2026-11-30T09:00", "today at 9am"),        # Monday, early
        ("2026-11-30T09:00", True, None, ""),                                   # Monday, opening
        ("2026-08-31T10:00", False, "2026-09-01T09:00", "tomorrow at 9am"),     # late summer bank holiday Monday
        ("2026-05-04T12:00", False, "2026-05-05T09:00", "tomorrow at 9am"),     # early May bank holiday Monday
        ("2026-12-25T10:00", False, "2026-12-29T09:00", "on Tuesday at 9am"),   # Christmas (Friday), Boxing Day observed Monday
        ("2026-12-24T16:30", True, None, ""),                                   # Christmas Eve is a working day
        ("2026-12-24T17:30", False, "2026-12-29T09:00", "on Tuesday at 9am"),
        ("2027-12-24T18:00", False, "2027-12-29T09:00", "on Wednesday at 9am"),  # both days observed in 2027
        ("2026-04-02T17:00", False, "2026-04-07T09:00", "on Tuesday at 9am"),   # Easter: Good Friday to Easter Monday
        ("2026-03-29T10:00", False, "2026-03-30T09:00", "tomorrow at 9am"),     # the Sunday the clocks go forward
    ],
)
def test_open_or_next_opening(moment, is_open, next_open, said):
    status = helpline_status(at(moment))
    assert status.is_open is is_open
    assert (status.next_open and status.next_open.replace(tzinfo=None).isoformat(timespec="minutes")) == next_open
    assert status.next_open_text == said
    assert status.phone == "0808 800 4040"


def test_next_opening_a_week_or_more_away_names_the_date():
    # a made-up run of closures is not possible with real holidays, so ask from 8 days before
    from bot.helpline.hours import next_open_text

    assert next_open_text(at("2026-12-07T09:00"), at("2026-11-29T12:00")) == "on Monday 7 December at 9am"


def test_london_time_whatever_the_zone_of_the_input():
    # 16:30 in New York on a Friday in November is 21:30 in London: closed
    new_york = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert helpline_status(new_york).is_open is False
    # 08:30 UTC in British Summer Time is 09:30 in London: open
    assert helpline_status(dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.timezone.utc)).is_open is True


def test_the_clock_can_be_fixed_by_environment(monkeypatch):
    monkeypatch.setenv(CLOCK_ENV, "2026-12-25T10:00:00")
    assert now() == at("2026-12-25T10:00")
    assert helpline_status().is_open is False
