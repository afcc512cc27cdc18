"""Daily slots: one per local calendar date, whatever daylight saving time does to the clock.

A slot is named by the subscription's *local date* (``2026-03-29``), not by an instant, so a day
whose local time is skipped (spring forward) or repeated (fall back) still has exactly one slot, and
the delivery log's key (subscription, date) cannot see the same day twice. The instant of a slot:

- a time that does not exist that day (02:30 when clocks jump from 02:00 to 03:00) moves forward by
  the length of the gap (03:30), which is also when APScheduler's ``CronTrigger`` fires;
- a time that happens twice (02:30 when clocks fall back from 03:00 to 02:00) is the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import check_time, check_timezone


@dataclass(frozen=True)
class Schedule:
    """A daily local time in an IANA zone."""

    hour: int
    minute: int
    zone: ZoneInfo

    @classmethod
    def parse(cls, hhmm: str, timezone: str) -> Schedule:
        """Raises ConfigError for a malformed time or an unknown zone."""
        hour, minute = check_time(hhmm)
        return cls(hour, minute, check_timezone(timezone))

    def instant(self, day: date) -> datetime:
        """The UTC instant of the slot on local date ``day``."""
        # fold=0 is PEP 495's "earlier" reading: for a repeated time it is the first occurrence;
        # for a nonexistent time it uses the offset from before the jump, which lands after it.
        local = datetime.combine(day, time(self.hour, self.minute), tzinfo=self.zone)
        return local.replace(fold=0).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def latest(self, now: datetime) -> date:
        """The last slot whose instant is at or before ``now``."""
        day = self.local_date(now)
        while self.instant(day) > now:
            day -= timedelta(days=1)
        return day

    def next(self, now: datetime) -> date:
        """The first slot whose instant is after ``now``."""
        day = self.latest(now) + timedelta(days=1)
        while self.instant(day) <= now:  # only when an instant equals ``now`` at a DST edge
            day += timedelta(days=1)
        return day

    def between(self, after: datetime, until: datetime) -> list[date]:
        """Slots with ``after < instant <= until``, oldest first."""
        out: list[date] = []
        if until <= after:
            return out
        day = self.latest(until)
        while self.instant(day) > after:
            out.append(day)
            day -= timedelta(days=1)
        return out[::-1]

    def window(self, day: date) -> tuple[datetime, datetime]:
        """What the digest of ``day`` covers: from the previous slot to this one (23-25 hours)."""
        return self.instant(day - timedelta(days=1)), self.instant(day)


def slot_key(day: date) -> str:
    return day.isoformat()


def parse_slot(key: str) -> date:
    return date.fromisoformat(key)
