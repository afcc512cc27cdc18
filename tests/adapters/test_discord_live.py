"""Live posts through the real discord.py client against the fake Discord: each item once, the
opted-in role and nothing else, a thread per post, a 429 burst without loss or repeat."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.discord.invite import minimal_permissions, permissions_for
from bot.config import Config, SubscriptionConfig
from bot.delivery.live import LiveDelivery
from bot.storage import Storage
from tests.adapters.test_discord_client import StubRouter
from tests.conftest import FixedClock
from tests.delivery.test_live import Feeds, live_sub
from tests.fakes.discord_fake import CHANNEL_ID, running_bot

ROLE = "424242424242424242"


def message_posts(fake: object) -> list[dict[str, object]]:
    return [b for m, p, b in fake.requests  # type: ignore[attr-defined]
            if m == "POST" and p.endswith(f"/channels/{CHANNEL_ID}/messages")]


async def test_live_posts_on_discord_mention_only_the_role_and_open_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    storage = await Storage.open(tmp_path / "live.db")
    try:
        async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
            fake.allowed_roles = frozenset({ROLE})
            live = LiveDelivery(storage, {"discord": runner.publisher}, clock)
            await storage.deliveries.upsert_subscription(live_sub(
                clock, channel=CHANNEL_ID, mention=ROLE, thread=True))
            feeds = Feeds(storage, clock)
            feed = await feeds.feed("http://127.0.0.1:1/f", "heise")
            clock.current += timedelta(minutes=1)
            await feeds.poll(feed, ("a", "DeepSeek @everyone <@&999> stellt vor",
                                    "http://127.0.0.1:1/a"))
            assert await live.tick() == 1
            assert await live.tick() == 0
            (body,) = message_posts(fake)
            assert body["allowed_mentions"] == {"parse": [], "roles": [int(ROLE)]}
            assert body["content"] == f"<@&{ROLE}>"
            embed_text = str(body["embeds"])
            assert "@everyone" not in embed_text.replace("@\u200beveryone", "")
            assert "<@&999>" not in embed_text  # feed text cannot mention a role
            assert [t["name"] for t in fake.threads] == ["DeepSeek @everyone <@&999> stellt vor"]
    finally:
        await storage.close()


async def test_a_429_burst_on_discord_posts_each_item_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    storage = await Storage.open(tmp_path / "live.db")
    try:
        async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
            live = LiveDelivery(storage, {"discord": runner.publisher}, clock)
            await storage.deliveries.upsert_subscription(live_sub(
                clock, channel=CHANNEL_ID, max_posts_per_hour=50))
            feeds = Feeds(storage, clock)
            feed = await feeds.feed("http://127.0.0.1:1/f", "tagesschau")
            clock.current += timedelta(minutes=1)
            await feeds.poll(feed, *[(f"k{i}", f"Meldung {i}", f"http://127.0.0.1:1/{i}")
                                     for i in range(5)])
            # discord.py waits out short limits itself; long ones come back as transient errors
            fake.rate_limits = [(f"/channels/{CHANNEL_ID}/messages", 120.0)] * 2
            for _ in range(6):
                await live.tick()
                clock.current += timedelta(seconds=121)
            titles = [m["embeds"][0]["title"] for m in fake.channel_messages[CHANNEL_ID]]
            assert sorted(titles) == [f"Meldung {i}" for i in range(5)]
            assert len(fake.rate_limited) == 2
    finally:
        await storage.close()


def test_invite_asks_for_thread_and_mention_permissions_only_when_used() -> None:
    live = SubscriptionConfig(platform="discord", channel="1", mode="live")
    plain = Config(subscriptions=(live,))
    assert permissions_for(plain) == minimal_permissions()
    threads = permissions_for(Config(subscriptions=(dataclasses.replace(live, thread=True),)))
    assert threads.create_public_threads and threads.send_messages_in_threads
    assert not threads.mention_everyone
    mentions = permissions_for(Config(subscriptions=(dataclasses.replace(live, mention="42"),)))
    assert mentions.mention_everyone and not mentions.create_public_threads
