"""Daily slots across daylight saving time: one per local date, at a well-defined instant."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.delivery.slots import Schedule
from bot.errors import ConfigError


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_ordinary_days_follow_the_local_offset() -> None:
    berlin = Schedule.parse("08:00", "Europe/Berlin")
    assert berlin.instant(date(2026, 1, 15)) == utc(2026, 1, 15, 7, 0)  # CET, UTC+1
    assert berlin.instant(date(2026, 7, 15)) == utc(2026, 7, 15, 6, 0)  # CEST, UTC+2


def test_nonexistent_time_moves_forward_by_the_gap() -> None:
    # 2026-03-29: Berlin clocks jump from 02:00 to 03:00, so 02:30 does not exist.
    s = Schedule.parse("02:30", "Europe/Berlin")
    instant = s.instant(date(2026, 3, 29))
    assert instant == utc(2026, 3, 29, 1, 30)
    assert instant.astimezone(s.zone).strftime("%H:%M %Z") == "03:30 CEST"
    ny = Schedule.parse("02:15", "America/New_York")  # 2026-03-08, 02:00 -> 03:00
    assert ny.instant(date(2026, 3, 8)).astimezone(ny.zone).strftime("%H:%M") == "03:15"


def test_repeated_time_takes_the_first() -> None:
    # 2026-10-25: Berlin clocks fall back from 03:00 to 02:00, so 02:30 happens twice.
    s = Schedule.parse("02:30", "Europe/Berlin")
    assert s.instant(date(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)  # CEST, not 01:30 UTC (CET)
    ny = Schedule.parse("01:30", "America/New_York")  # 2026-11-01, 02:00 -> 01:00
    assert ny.instant(date(2026, 11, 1)) == utc(2026, 11, 1, 5, 30)  # EDT, UTC-4


def test_one_slot_per_local_date_on_transition_days() -> None:
    for hhmm in ("02:30", "02:00", "03:00", "00:00", "23:59"):
        s = Schedule.parse(hhmm, "Europe/Berlin")
        for start in (utc(2026, 3, 27), utc(2026, 10, 23)):
            days = s.between(start, start + timedelta(days=5))
            assert days == [days[0] + timedelta(days=i) for i in range(len(days))], (hhmm, days)
            assert 4 <= len(days) <= 6  # 5 x 24 h holds 4 to 6 slots around a 23 or 25 h day
            assert {date(2026, 3, 29), date(2026, 10, 25)} & set(days)
            instants = [s.instant(d) for d in days]
            assert instants == sorted(instants)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                  "America/Santiago", "Pacific/Auckland", "UTC"])
@pytest.mark.parametrize("hhmm", ["00:00", "00:30", "01:30", "02:00", "02:30", "08:00", "23:45"])
def test_every_day_of_a_year_has_exactly_one_slot_on_its_own_date(zone: str, hhmm: str) -> None:
    s = Schedule.parse(hhmm, zone)
    days = s.between(utc(2025, 12, 30), utc(2027, 1, 2))
    assert days[0] <= date(2026, 1, 1) and days[-1] >= date(2026, 12, 31)
    assert [(b - a).days for a, b in itertools.pairwise(days)] == [1] * (len(days) - 1)
    previous = None
    for day in days:
        instant = s.instant(day)
        assert s.local_date(instant) == day  # the slot's instant lies on its own local date
        assert s.latest(instant) == day
        assert s.latest(instant - timedelta(seconds=1)) == day - timedelta(days=1)
        assert s.next(instant - timedelta(seconds=1)) == day
        if previous is not None:
            assert timedelta(hours=22) <= instant - previous <= timedelta(hours=26)
        previous = instant


def test_windows_are_23_and_25_hours_on_transition_days() -> None:
    s = Schedule.parse("08:00", "Europe/Berlin")
    since, until = s.window(date(2026, 3, 29))
    assert until - since == timedelta(hours=23)
    since, until = s.window(date(2026, 10, 25))
    assert until - since == timedelta(hours=25)
    assert s.window(date(2026, 10, 26))[0] == until  # windows tile time: no gap, no overlap


def test_bad_time_or_zone_is_refused() -> None:
    with pytest.raises(ConfigError, match="HH:MM"):
        Schedule.parse("25:00", "UTC")
    with pytest.raises(ConfigError, match="IANA"):
        Schedule.parse("08:00", "Mars/Olympus")
