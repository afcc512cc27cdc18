"""The real DeliveryService with the real Discord publisher against the fake Discord.

Crash recovery beyond the nonce window (the post is found in history, or, without Read Message
History, posted again and reported), and a payload Discord keeps refusing (400: retried up to
``max_attempts``, then reported as failed, the subscription staying enabled).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.discord.render import read_marker
from bot.app import App
from bot.config import DeliveryConfig, DigestConfig
from bot.delivery.service import DeliveryService, idempotency_key
from bot.delivery.subscriptions import SubscriptionService
from bot.model import Reply, Target
from bot.storage.deliveries import SubscriptionRow
from tests.adapters.test_discord_client import StubRouter
from tests.adapters.test_discord_history import restarted
from tests.adapters.test_discord_publisher import digest_reply
from tests.conftest import FixedClock
from tests.fakes.discord_fake import CHANNEL_ID, running_bot

TARGET = Target("discord", CHANNEL_ID)


class Sleeps:
    """Backoff without waiting: records each delay and moves the clock by it."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.current += timedelta(seconds=seconds)


async def subscription(app: App, clock: FixedClock) -> tuple[SubscriptionService, SubscriptionRow]:
    subs = SubscriptionService(app.storage.deliveries, clock)
    (sub,) = await subs.sync_config([DigestConfig(platform="discord", channel=CHANNEL_ID,
                                                  time="08:00")])
    return subs, sub


async def build(sub: object, since: datetime, until: datetime) -> Reply:
    return digest_reply(40)  # several messages: every part has to be found


@pytest.mark.parametrize("can_read_history", [True, False])
async def test_a_post_of_a_crashed_process_is_found_not_repeated(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, can_read_history: bool,
) -> None:
    subs, sub = await subscription(app, clock)
    slot = clock.advance(days=1).date().isoformat()
    slot_at = clock.current.replace(hour=8, minute=0)
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        if not can_read_history:
            fake.history_forbidden.add(CHANNEL_ID)
        # a process claimed the slot, counted its attempt, posted ... and died before recording
        store = subs.store
        assert await store.claim(sub.id, slot, owner="dead", now=slot_at,
                                 lease_expires=slot_at + timedelta(minutes=5),
                                 window_since=slot_at - timedelta(days=1), window_until=slot_at)
        assert await store.start_attempt(sub.id, slot, owner="dead",
                                         lease_expires=slot_at + timedelta(minutes=5))
        posted = await restarted(runner).publish(
            TARGET, await build(sub, slot_at, slot_at), idempotency_key=idempotency_key(sub.id,
                                                                                         slot))
        parts = 1 + len(posted.extra_ids)
        assert parts > 1
        fake.nonces.clear()  # the lease ran out long after Discord's nonce window

        service = DeliveryService(subs, {"discord": runner.publisher}, build, clock,
                                  sleep=Sleeps(clock))
        (outcome,) = await service.deliver_due()
        stored = fake.channel_messages[CHANNEL_ID]
        row = await store.delivery(sub.id, slot)
        assert outcome.state == "sent" and outcome.reconciled, outcome.line()
        assert row is not None and row.state == "sent"
        if can_read_history:
            assert outcome.message_id == posted.message_id and not outcome.possible_duplicate
            assert len(stored) == parts  # nothing posted twice
            assert not row.possible_duplicate
        else:  # cannot tell: posted again, and the log says so
            assert outcome.possible_duplicate and row.possible_duplicate
            assert len(stored) == 2 * parts
            assert outcome.message_id == stored[parts]["id"]
        marks = [read_marker(m["embeds"][-1]["footer"]["text"]) for m in stored]
        assert {m.key for m in marks if m} == {idempotency_key(sub.id, slot)}


async def test_a_refused_payload_is_retried_up_to_max_attempts_then_reported(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    subs, sub = await subscription(app, clock)
    slot = clock.advance(days=1).date().isoformat()
    sleeps = Sleeps(clock)
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        fake.refused_channels.add(CHANNEL_ID)
        service = DeliveryService(subs, {"discord": runner.publisher}, build, clock,
                                  sleep=sleeps, settings=DeliveryConfig(max_attempts=3))
        (outcome,) = await service.deliver_due()
        posts = [p for m, p, _ in fake.requests
                 if m == "POST" and p.endswith(f"/channels/{CHANNEL_ID}/messages")]
        assert outcome.state == "failed", outcome.line()
        assert "gave up after 3 attempts" in outcome.detail and "(400)" in outcome.detail
        assert len(posts) == 3 and len(fake.rejected) == 3  # one refused first part per attempt
        assert sleeps.delays == [30.0, 60.0]  # no pause after the last attempt
        row = await subs.store.delivery(sub.id, slot)
        assert row is not None and row.state == "failed" and row.attempts == 3
        fresh = await subs.store.subscription(sub.id)
        assert fresh is not None and fresh.enabled and not fresh.disabled_reason
        status = " ".join(await subs.status_lines(fresh, clock.current))
        assert f"failed {slot}: gave up after 3 attempts" in status
        assert fake.channel_messages[CHANNEL_ID] == []

        # still subscribed: the next day's digest goes out once Discord accepts it again
        fake.refused_channels.clear()
        clock.advance(days=1)
        (outcome,) = await service.deliver_due()
        assert outcome.state == "sent" and fake.channel_messages[CHANNEL_ID]
