"""DeliveryService with a controllable clock: DST, missed slots, retries, isolation, reconciliation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery.service import DeliveryService, idempotency_key
from bot.delivery.subscriptions import SubscriptionService
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from tests.conftest import FixedClock
from tests.delivery.conftest import FakeSleep
from tests.fakes.delivery import RecordingPublisher


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def add(subs: SubscriptionService, clock: FixedClock, *, channel: str = "c1",
              time: str = "08:00", tz: str = "UTC", at: datetime | None = None,
              topic: str | None = None, quiet: str = "line") -> SubscriptionRow:
    saved = clock.current
    clock.current = at or utc(2026, 1, 9, 12)
    sub, _ = await subs.subscribe(platform="discord", channel=channel, time=time, timezone=tz,
                                  topic=topic, quiet=quiet)
    clock.current = saved
    return sub


async def run_at(service: DeliveryService, clock: FixedClock, when: datetime) -> list[str]:
    clock.current = when
    return [o.state for o in await service.deliver_due(when)]


# --- DST ------------------------------------------------------------------------------------------


async def test_spring_forward_posts_once_at_the_shifted_time(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    await add(subs, clock, time="02:30", tz="Europe/Berlin", at=utc(2026, 3, 27, 12))
    assert await run_at(service, clock, utc(2026, 3, 28, 1, 30)) == ["sent"]  # 02:30 CET
    # 2026-03-29 has no 02:30: the slot is 03:30 CEST = 01:30 UTC, not a minute earlier
    assert await run_at(service, clock, utc(2026, 3, 29, 1, 29, 59)) == []
    assert await run_at(service, clock, utc(2026, 3, 29, 1, 30)) == ["sent"]
    for minute in (31, 45):  # the sweep and a late cron fire find nothing more to do
        assert await run_at(service, clock, utc(2026, 3, 29, 1, minute)) == []
    assert await run_at(service, clock, utc(2026, 3, 30, 0, 30)) == ["sent"]  # 02:30 CEST
    assert len(publisher.posts) == 3
    keys = {p.key for p in publisher.posts}
    assert len(keys) == 3
    row = await subs.store.delivery((await subs.all())[0].id, "2026-03-29")
    assert row is not None and row.state == "sent"
    assert row.window_until == utc(2026, 3, 29, 1, 30)
    # 02:30 CET to the shifted 03:30 CEST: 24 h, and each window starts where the last one ended
    assert row.window_since == utc(2026, 3, 28, 1, 30)


async def test_fall_back_posts_once_although_the_time_happens_twice(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    await add(subs, clock, time="02:30", tz="Europe/Berlin", at=utc(2026, 10, 23, 12))
    assert await run_at(service, clock, utc(2026, 10, 24, 0, 30)) == ["sent"]
    assert await run_at(service, clock, utc(2026, 10, 25, 0, 29)) == []
    assert await run_at(service, clock, utc(2026, 10, 25, 0, 30)) == ["sent"]  # first 02:30
    # APScheduler's CronTrigger fires again at the second 02:30 (01:30 UTC): nothing is posted
    assert await run_at(service, clock, utc(2026, 10, 25, 1, 30)) == []
    assert await run_at(service, clock, utc(2026, 10, 25, 23, 0)) == []
    assert await run_at(service, clock, utc(2026, 10, 26, 1, 30)) == ["sent"]  # 02:30 CET
    assert len(publisher.posts) == 3
    sub_id = (await subs.all())[0].id
    row = await subs.store.delivery(sub_id, "2026-10-25")
    assert row is not None and row.window_since == utc(2026, 10, 24, 0, 30)
    after = await subs.store.delivery(sub_id, "2026-10-26")
    assert after is not None and after.window_since == row.window_until
    assert after.window_until is not None and after.window_since is not None
    assert after.window_until - after.window_since == timedelta(hours=25)


# --- missed slots ---------------------------------------------------------------------------------


async def test_missed_slot_within_grace_is_posted_once_on_return(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock, time="08:00", tz="Europe/Berlin", at=utc(2026, 1, 8, 12))
    assert await run_at(service, clock, utc(2026, 1, 9, 7, 0)) == ["sent"]
    # down from before 08:00 on the 10th until 12:59 local (within 6 h)
    clock.current = utc(2026, 1, 10, 11, 59)
    outcomes = await service.catch_up(clock.current)
    assert [(o.slot, o.state) for o in outcomes] == [("2026-01-10", "sent")]
    assert await service.catch_up(clock.current) == []
    assert len(publisher.posts) == 2
    row = await subs.store.delivery(sub.id, "2026-01-10")
    assert row is not None and (row.window_since, row.window_until) == (
        utc(2026, 1, 9, 7), utc(2026, 1, 10, 7))
    assert "sent for 2026-01-10" in " ".join(await subs.status_lines(sub, clock.current))


async def test_missed_slot_beyond_grace_is_skipped_and_logged(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock, time="08:00", tz="Europe/Berlin", at=utc(2026, 1, 8, 12))
    assert await run_at(service, clock, utc(2026, 1, 9, 7, 0)) == ["sent"]
    clock.current = utc(2026, 1, 10, 13, 1)  # 6 h 1 min after the slot
    outcomes = await service.catch_up(clock.current)
    assert [(o.slot, o.state) for o in outcomes] == [("2026-01-10", "skipped")]
    assert "grace period of 6 h" in outcomes[0].detail
    assert len(publisher.posts) == 1
    row = await subs.store.delivery(sub.id, "2026-01-10")
    assert row is not None and row.state == "skipped" and row.attempts == 0
    lines = " ".join(await subs.status_lines(sub, clock.current))
    assert "skipped 2026-01-10: missed" in lines
    assert await run_at(service, clock, utc(2026, 1, 11, 7, 0)) == ["sent"]  # next day as usual


async def test_several_missed_days_post_only_the_newest_within_grace(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock, time="08:00", at=utc(2026, 1, 5, 12))
    assert await run_at(service, clock, utc(2026, 1, 6, 8, 0)) == ["sent"]
    clock.current = utc(2026, 1, 10, 9, 0)  # down for four days
    outcomes = await service.catch_up(clock.current)
    assert [(o.slot, o.state) for o in outcomes] == [
        ("2026-01-07", "skipped"), ("2026-01-08", "skipped"), ("2026-01-09", "skipped"),
        ("2026-01-10", "sent")]
    assert len(publisher.posts) == 2
    assert [r.state for r in await subs.store.deliveries(sub.id)] == [
        "sent", "skipped", "skipped", "skipped", "sent"]


async def test_a_new_subscription_does_not_post_for_a_time_already_past(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    await add(subs, clock, time="08:00", at=utc(2026, 1, 10, 9, 0))
    assert await run_at(service, clock, utc(2026, 1, 10, 9, 1)) == []
    assert await run_at(service, clock, utc(2026, 1, 11, 8, 0)) == ["sent"]


async def test_quiet_day_posts_one_line_or_nothing(
    storage: Storage, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher, sleep: FakeSleep,
) -> None:
    line = await add(subs, clock, channel="line", quiet="line")
    skip = await add(subs, clock, channel="skip", quiet="skip")
    service = DeliveryService(subs, {"discord": publisher}, lambda *a: None, clock, sleep=sleep)
    await run_at(service, clock, utc(2026, 1, 10, 8, 0))
    assert [(p.target.channel, p.reply.sections) for p in publisher.posts] == [("line", ())]
    assert "Nothing new" in publisher.posts[0].reply.title
    row = await storage.deliveries.delivery(skip.id, "2026-01-10")
    assert row is not None and row.state == "skipped" and "quiet" in (row.last_error or "")
    assert (await storage.deliveries.delivery(line.id, "2026-01-10")).state == "sent"  # type: ignore[union-attr]


# --- retries and isolation ------------------------------------------------------------------------


async def test_a_failing_channel_never_delays_the_others(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher, sleep: FakeSleep,
) -> None:
    for channel in ("slow", "ok1", "ok2"):
        await add(subs, clock, channel=channel)
    publisher.failures["slow"] = [TransientPublishError("503"), TransientPublishError("503")]
    sleep.gate = asyncio.Event()  # the backoff of "slow" does not end until we say so
    clock.current = utc(2026, 1, 10, 8, 0)
    run = asyncio.create_task(service.deliver_due(clock.current))
    await sleep.waiting.wait()
    await asyncio.wait_for(asyncio.gather(publisher.posted["ok1"].wait(),
                                          publisher.posted["ok2"].wait()), 5)
    assert sorted(publisher.channels()) == ["ok1", "ok2"] and not run.done()
    sleep.gate.set()
    outcomes = await run
    assert sorted((o.state, o.detail) for o in outcomes) == [("sent", "")] * 3
    assert sleep.delays == [30.0, 60.0]  # exponential backoff
    assert publisher.calls.count("slow") == 3


async def test_a_channel_that_raises_something_unexpected_is_isolated_too(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    await add(subs, clock, channel="broken")
    await add(subs, clock, channel="fine")
    publisher.failures["broken"] = [RuntimeError("adapter bug")]
    states = sorted(await run_at(service, clock, utc(2026, 1, 10, 8, 0)))
    assert states == ["failed", "sent"]
    assert publisher.channels() == ["fine"]


async def test_retry_after_is_honoured_and_attempts_are_bounded(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher, sleep: FakeSleep,
) -> None:
    sub = await add(subs, clock)
    publisher.failures["c1"] = [TransientPublishError("429", retry_after=7)]
    publisher.failures["c1"] += [TransientPublishError("503")] * 10
    outcomes = await service.deliver_due(utc(2026, 1, 10, 8, 0))
    assert [o.state for o in outcomes] == ["failed"]
    assert sleep.delays == [7.0, 60.0, 120.0]  # max_attempts = 4; 30 s doubling per attempt
    row = await subs.store.delivery(sub.id, "2026-01-10")
    assert row is not None and row.state == "failed" and row.attempts == 4
    assert "gave up after 4 attempts" in (row.last_error or "")
    assert (await subs.store.subscription(sub.id)).enabled  # type: ignore[union-attr]


async def test_permanent_error_disables_the_subscription_and_says_so(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    gone = await add(subs, clock, channel="gone")
    await add(subs, clock, channel="fine")
    publisher.failures["gone"] = [PermanentPublishError("Missing Access (50001)")]
    assert sorted(await run_at(service, clock, utc(2026, 1, 10, 8, 0))) == ["failed", "sent"]
    row = await subs.store.subscription(gone.id)
    assert row is not None and not row.enabled and "Missing Access" in (row.disabled_reason or "")
    reply = await subs.subscriptions_reply(platform="discord", channel="gone")
    text = " ".join(b for s in reply.sections for b in s.bullets)
    assert "DISABLED" in text and "Missing Access" in text
    assert any("Missing Access" in n for n in await subs.notices())
    assert await run_at(service, clock, utc(2026, 1, 11, 8, 0)) == ["sent"]  # only "fine"
    assert publisher.channels() == ["fine", "fine"]
    # subscribing again re-enables it, from now on
    await subs.subscribe(platform="discord", channel="gone", time="08:00", timezone="UTC",
                         topic=None)
    assert sorted(await run_at(service, clock, utc(2026, 1, 12, 8, 0))) == ["sent", "sent"]


async def test_unknown_outcome_checks_the_platform_before_posting_again(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock)
    publisher.after_post_failures["c1"] = [UnknownOutcomeError("connection reset")]
    outcomes = await service.deliver_due(utc(2026, 1, 10, 8, 0))
    assert [(o.state, o.message_id, o.possible_duplicate) for o in outcomes] == [
        ("sent", "m1", False)]
    assert len(publisher.posts) == 1
    assert (await subs.store.delivery(sub.id, "2026-01-10")).message_id == "m1"  # type: ignore[union-attr]


async def test_unknown_outcome_on_a_platform_that_cannot_tell_posts_and_reports(
    subs: SubscriptionService, clock: FixedClock, sleep: FakeSleep,
) -> None:
    from tests.fakes.delivery import build_digest

    blind = RecordingPublisher("discord", can_tell=False)
    service = DeliveryService(subs, {"discord": blind}, build_digest, clock, sleep=sleep)
    sub = await add(subs, clock)
    blind.after_post_failures["c1"] = [UnknownOutcomeError("timeout after sending")]
    outcomes = await service.deliver_due(utc(2026, 1, 10, 8, 0))
    assert [(o.state, o.possible_duplicate) for o in outcomes] == [("sent", True)]
    assert len(blind.posts) == 2  # never silently lost: posted again, and said so
    row = await subs.store.delivery(sub.id, "2026-01-10")
    assert row is not None and row.possible_duplicate
    assert "possibly posted twice" in " ".join(await subs.status_lines(sub, clock.current))


# --- leases ---------------------------------------------------------------------------------------


async def test_only_expired_leases_are_reconciled(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock)
    slot_at = utc(2026, 1, 10, 8, 0)
    since = slot_at - timedelta(days=1)
    # another process claimed the slot and started posting, then went quiet
    assert await subs.store.claim(sub.id, "2026-01-10", owner="other", now=slot_at,
                                  lease_expires=slot_at + timedelta(minutes=5),
                                  window_since=since, window_until=slot_at)
    assert await subs.store.start_attempt(sub.id, "2026-01-10", owner="other",
                                          lease_expires=slot_at + timedelta(minutes=5))
    outcomes = await service.deliver_due(slot_at + timedelta(minutes=4))
    assert [o.state for o in outcomes] == ["busy"] and not publisher.calls
    clock.current = slot_at + timedelta(minutes=5, seconds=1)
    outcomes = await service.deliver_due(clock.current)
    assert [(o.state, o.reconciled) for o in outcomes] == [("sent", True)]
    assert len(publisher.posts) == 1 and publisher.posts[0].key == idempotency_key(
        sub.id, "2026-01-10")


async def test_reconciling_finds_the_post_of_a_dead_owner(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    sub = await add(subs, clock)
    slot_at = utc(2026, 1, 10, 8, 0)
    await subs.store.claim(sub.id, "2026-01-10", owner="dead", now=slot_at,
                           lease_expires=slot_at + timedelta(minutes=5),
                           window_since=slot_at - timedelta(days=1), window_until=slot_at)
    await subs.store.start_attempt(sub.id, "2026-01-10", owner="dead",
                                   lease_expires=slot_at + timedelta(minutes=5))
    from bot.model import Reply, Target

    # the dead owner's post reached the platform under the slot's key
    await publisher.publish(Target("discord", "c1"), Reply(title="x"),
                            idempotency_key=idempotency_key(sub.id, "2026-01-10"))
    outcomes = await service.deliver_due(slot_at + timedelta(minutes=6))
    assert [(o.state, o.message_id) for o in outcomes] == [("sent", "m1")]
    assert len(publisher.posts) == 1


async def test_stop_during_backoff_hands_the_slot_back_for_the_next_start(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher, sleep: FakeSleep,
) -> None:
    sub = await add(subs, clock)
    publisher.failures["c1"] = [TransientPublishError("503")]
    sleep.gate = asyncio.Event()  # a long backoff
    clock.current = utc(2026, 1, 10, 8, 0)
    await service.start_due(clock.current)
    await sleep.waiting.wait()
    await service.stop()
    row = await subs.store.delivery(sub.id, "2026-01-10")
    assert row is not None and row.state == "claimed" and row.attempts == 1
    assert row.lease_expires is not None and row.lease_expires <= clock.current
    assert await service.start_due() == []  # stopped: starts nothing
    # the next process takes over at once (no lease wait) and checks the platform first
    from tests.fakes.delivery import build_digest

    successor = DeliveryService(subs, {"discord": publisher}, build_digest, clock,
                                sleep=FakeSleep(clock))
    outcomes = await successor.catch_up(clock.current)
    assert [(o.state, o.reconciled) for o in outcomes] == [("sent", True)]
    assert len(publisher.posts) == 1


async def test_post_now_posts_to_every_subscription_outside_the_log(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    a = await add(subs, clock, channel="a")
    await add(subs, clock, channel="b")
    clock.current = utc(2026, 1, 10, 7, 0)
    outcomes = await service.post_now()
    assert sorted((o.state, o.detail) for o in outcomes) == [
        ("sent", "discord channel a (all topics)"), ("sent", "discord channel b (all topics)")]
    assert await subs.store.deliveries(a.id) == []
    assert len({p.key for p in publisher.posts}) == 2
    # the scheduled digest still comes
    assert await run_at(service, clock, utc(2026, 1, 10, 8, 0)) == ["sent", "sent"]


async def test_a_platform_not_connected_leaves_the_slot_open(
    subs: SubscriptionService, clock: FixedClock, sleep: FakeSleep,
    publisher: RecordingPublisher,
) -> None:
    from tests.fakes.delivery import build_digest

    sub = await add(subs, clock)
    console_only = DeliveryService(subs, {}, build_digest, clock, sleep=sleep)
    outcomes = await console_only.deliver_due(utc(2026, 1, 10, 8, 0))
    assert [o.state for o in outcomes] == ["no_publisher"]
    assert await subs.store.deliveries(sub.id) == []
    with_discord = DeliveryService(subs, {"discord": publisher}, build_digest, clock, sleep=sleep)
    assert [o.state for o in await with_discord.deliver_due(utc(2026, 1, 10, 9, 0))] == ["sent"]


async def test_a_claim_waiting_to_retry_keeps_its_lease(
    service: DeliveryService, subs: SubscriptionService, clock: FixedClock,
    publisher: RecordingPublisher, sleep: FakeSleep,
) -> None:
    """Another process must not take over a slot only because its owner is backing off."""
    from tests.fakes.delivery import build_digest

    await add(subs, clock)
    publisher.failures["c1"] = [TransientPublishError("429", retry_after=600)]
    sleep.gate = asyncio.Event()
    clock.current = utc(2026, 1, 10, 8, 0)
    first = asyncio.create_task(service.deliver_due(clock.current))
    await sleep.waiting.wait()
    clock.current += timedelta(seconds=700)  # past the 300 s lease, inside the renewed one
    other = DeliveryService(subs, {"discord": publisher}, build_digest, clock,
                            sleep=FakeSleep(clock), owner="other")
    assert [o.state for o in await other.deliver_due(clock.current)] == ["busy"]
    sleep.gate.set()
    assert [o.state for o in await first] == ["sent"]
    assert len(publisher.posts) == 1
