"""The APScheduler wiring: a cron job per subscription with the grace as misfire_grace_time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.delivery.scheduler import DigestScheduler
from bot.delivery.service import DeliveryService
from bot.delivery.slots import Schedule
from bot.delivery.subscriptions import SubscriptionService
from tests.conftest import FixedClock
from tests.fakes.delivery import RecordingPublisher


@pytest.fixture
async def scheduler(service: DeliveryService, subs: SubscriptionService
                    ) -> AsyncIterator[DigestScheduler]:
    s = DigestScheduler(service)
    subs.on_change = s.sync
    yield s
    s.shutdown()


async def test_one_cron_job_per_subscription_with_zone_grace_and_coalescing(
    scheduler: DigestScheduler, subs: SubscriptionService,
) -> None:
    a, _ = await subs.subscribe(platform="discord", channel="1", time="02:30",
                                timezone="Europe/Berlin", topic=None)
    b, _ = await subs.subscribe(platform="discord", channel="2", time="18:05", timezone="UTC",
                                topic=None)
    jobs = {j.id: j for j in scheduler.scheduler.get_jobs()}
    assert set(jobs) == {"digest-sweep", f"digest:{a.id}", f"digest:{b.id}"}
    job = jobs[f"digest:{a.id}"]
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger.timezone) == "Europe/Berlin"
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("2", "30")
    for j in jobs.values():
        assert j.misfire_grace_time == 6 * 3600  # not APScheduler's default of 1 s
        assert j.coalesce is True
    await subs.unsubscribe(platform="discord", channel="1", topic=None)
    assert f"digest:{a.id}" not in {j.id for j in scheduler.scheduler.get_jobs()}


def test_cron_fires_at_the_slot_instants_across_dst() -> None:
    """The cron job fires at each slot's instant; extra fires (the repeated hour) are harmless."""
    schedule = Schedule.parse("02:30", "Europe/Berlin")
    trigger = CronTrigger(hour=2, minute=30, timezone=schedule.zone)
    for start in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        fires: list[datetime] = []
        now, previous = start, None
        for _ in range(20):
            if now >= start + timedelta(days=4):
                break
            fire = trigger.get_next_fire_time(previous, now)
            assert fire is not None
            if fires and fire.astimezone(UTC) <= fires[-1]:
                now += timedelta(hours=1)  # APScheduler 3 can repeat a fire time in autumn
                continue
            fires.append(fire.astimezone(UTC))
            previous, now = fire, fire + timedelta(minutes=1)
        slots = [schedule.instant(d) for d in schedule.between(start, fires[-1])]
        assert set(slots) <= set(fires)
        assert {schedule.local_date(f) for f in fires} == {
            d for d in (start.date() + timedelta(days=i) for i in range(6))
            if schedule.instant(d) <= fires[-1]} - {date(2026, 3, 26)}


async def test_a_late_fire_within_the_grace_still_delivers(
    scheduler: DigestScheduler, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    """Real AsyncIOScheduler dispatch: the job is an hour overdue (a stalled loop) and still runs."""
    clock.current = datetime(2026, 1, 9, 12, tzinfo=UTC)
    sub, _ = await subs.subscribe(platform="discord", channel="c1", time="08:00",
                                  timezone="UTC", topic=None)
    clock.current = datetime(2026, 1, 10, 9, tzinfo=UTC)  # the service's view of now
    scheduler.start()
    overdue = datetime.now(UTC) - timedelta(hours=1)
    scheduler.scheduler.modify_job(f"digest:{sub.id}", next_run_time=overdue)
    scheduler.scheduler.wakeup()
    await asyncio.wait_for(publisher.posted["c1"].wait(), 5)
    assert len(publisher.posts) == 1
    job = scheduler.scheduler.get_job(f"digest:{sub.id}")
    assert job is not None and job.next_run_time > datetime.now(UTC)


async def test_interval_jobs_for_the_feed_poller(
    scheduler: DigestScheduler,
) -> None:
    ran = asyncio.Event()
    calls: list[str] = []

    async def poll(name: str) -> None:
        calls.append(name)
        ran.set()

    scheduler.add_interval_job(poll, seconds=900, job_id="feed:1", args=("feed-1",))
    job = scheduler.scheduler.get_job("feed:1")
    assert job is not None and job.misfire_grace_time == 6 * 3600 and job.coalesce
    scheduler.start()
    # overdue after a stall of more than one second: runs anyway (within the grace)
    scheduler.scheduler.modify_job("feed:1", next_run_time=datetime.now(UTC) - timedelta(
        seconds=600))
    scheduler.scheduler.wakeup()
    await asyncio.wait_for(ran.wait(), 5)
    assert calls == ["feed-1"]
