"""Subscriptions from the config file and from /subscribe, and what /subscriptions shows."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import DigestConfig, SubscriptionConfig
from bot.delivery.subscriptions import SubscriptionService, config_ids
from bot.errors import CommandError
from bot.model import User
from bot.storage import Storage
from tests.conftest import FixedClock


def test_config_ids_are_stable_and_ignore_the_time_unless_needed() -> None:
    a = DigestConfig(platform="discord", channel="1", time="08:00", timezone="Europe/Berlin")
    moved = DigestConfig(platform="discord", channel="1", time="09:00", timezone="UTC")
    other_topic = DigestConfig(platform="discord", channel="1", time="08:00", topic="deepseek")
    assert config_ids([a]) == config_ids([moved])  # rescheduling keeps the delivery log
    assert len(set(config_ids([a, other_topic]))) == 2
    evening = DigestConfig(platform="discord", channel="1", time="18:00")
    twice = config_ids([a, evening])
    assert len(set(twice)) == 2 and config_ids([evening, a]) == twice[::-1]  # order-independent
    assert all(i.startswith("cfg:") for i in twice)


async def test_sync_config_adds_updates_and_removes(subs: SubscriptionService) -> None:
    a = DigestConfig(platform="slack", channel="C1", time="08:00", timezone="Europe/Berlin")
    b = DigestConfig(platform="discord", channel="2", time="07:30", quiet="skip")
    rows = await subs.sync_config([a, b])
    assert sorted((r.platform, r.channel, r.time, r.origin) for r in rows) == [
        ("discord", "2", "07:30", "config"), ("slack", "C1", "08:00", "config")]
    rows = await subs.sync_config([DigestConfig(platform="slack", channel="C1", time="09:15",
                                                timezone="Europe/Berlin")])
    assert [(r.channel, r.time) for r in rows] == [("C1", "09:15")]


async def test_config_sync_re_enables_a_disabled_config_subscription(
    subs: SubscriptionService, clock: FixedClock,
) -> None:
    a = DigestConfig(platform="slack", channel="C1")
    (row,) = await subs.sync_config([a])
    await subs.store.disable_subscription(row.id, "channel_not_found", clock.now())
    assert await subs.enabled() == []
    clock.advance(days=1)
    (again,) = await subs.sync_config([a])
    assert again.id == row.id and again.enabled and again.created_at == clock.now()


async def test_subscribe_reschedule_unsubscribe(subs: SubscriptionService) -> None:
    user = User(id="U1", name="ada")
    reply = await subs.subscribe_reply(platform="discord", channel="42", time="7:05",
                                       timezone="Europe/Berlin", topic=None, user=user)
    assert reply.title.startswith("Subscribed: the daily digest every day at 07:05 Europe/Berlin")
    reply = await subs.subscribe_reply(platform="discord", channel="42", time="08:00",
                                       timezone="UTC", topic=None, user=user)
    assert reply.title.startswith("Rescheduled")
    (row,) = await subs.all()
    assert (row.time, row.timezone, row.origin, row.created_by) == ("08:00", "UTC", "command", "U1")
    reply = await subs.unsubscribe_reply(platform="discord", channel="42", topic=None)
    assert reply.title.startswith("Unsubscribed") and await subs.all() == []
    reply = await subs.unsubscribe_reply(platform="discord", channel="42", topic=None)
    assert reply.is_error and "no subscription" in reply.title


async def test_bad_time_and_zone_get_clear_sentences(subs: SubscriptionService) -> None:
    with pytest.raises(CommandError, match=r"'8 Uhr' is not a time; write HH:MM"):
        await subs.subscribe(platform="discord", channel="1", time="8 Uhr", timezone="UTC",
                             topic=None)
    with pytest.raises(CommandError, match=r"'Berlin' is not an IANA time zone"):
        await subs.subscribe(platform="discord", channel="1", time="08:00", timezone="Berlin",
                             topic=None)


async def test_config_subscriptions_cannot_be_removed_or_shadowed_from_chat(
    subs: SubscriptionService,
) -> None:
    await subs.sync_config([DigestConfig(platform="discord", channel="9", topic="deepseek")])
    with pytest.raises(CommandError, match="comes from the config file"):
        await subs.unsubscribe(platform="discord", channel="9", topic="deepseek")
    with pytest.raises(CommandError, match="from the config file"):
        await subs.subscribe(platform="discord", channel="9", time="10:00", timezone="UTC",
                             topic="deepseek")
    # another topic in the same channel is fine
    sub, new = await subs.subscribe(platform="discord", channel="9", time="10:00",
                                    timezone="UTC", topic=None)
    assert new and sub.origin == "command"


async def test_subscriptions_lists_next_time_and_last_result(
    subs: SubscriptionService, clock: FixedClock,
) -> None:
    clock.current = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    sub, _ = await subs.subscribe(platform="discord", channel="5", time="02:30",
                                  timezone="Europe/Berlin", topic=None,
                                  user=User(id="U9", name="x"))
    reply = await subs.subscriptions_reply(platform="discord", channel="5")
    (section,) = reply.sections
    assert section.heading == "Discord channel 5 (all topics)"
    assert section.bullets == (
        "every day at 02:30 Europe/Berlin, subscribed by U9",
        "next: 2026-03-29 03:30 CEST (01:30 UTC)",  # 02:30 does not exist that night
        "last: none yet",
    )
    await subs.store.claim(sub.id, "2026-03-29", owner="o", now=clock.now(), lease_expires=clock.now(),
                           window_since=clock.now(), window_until=clock.now())
    await subs.store.finish(sub.id, "2026-03-29", owner="o", state="sent", now=clock.now(),
                            message_id="123")
    reply = await subs.subscriptions_reply(platform="discord", channel="5")
    assert reply.sections[0].bullets[-1].startswith("last: sent for 2026-03-29")
    other = await subs.subscriptions_reply(platform="discord", channel="6")
    assert "No scheduled digests here" in (other.sections[0].text or "")
    everything = await subs.subscriptions_reply(platform="console", channel=None)
    assert len(everything.sections) == 1


async def test_live_and_digest_in_one_channel_are_two_subscriptions(
        subs: SubscriptionService, storage: Storage) -> None:
    digest = DigestConfig(platform="discord", channel="1", time="08:00")
    live = DigestConfig(platform="discord", channel="1", mode="live", feeds=("heise",),
                        include=("DeepSeek",), batch_minutes=5)
    enabled = await subs.sync_config([digest, live])
    assert [s.mode for s in enabled] == ["digest"]  # the digest scheduler sees only digests
    (stored,) = [s for s in await storage.deliveries.subscriptions() if s.mode == "live"]
    assert (stored.feeds, stored.include, stored.batch_minutes) == (("heise",), ("DeepSeek",), 5)
    assert config_ids([digest]) == config_ids([digest, live])[:1]  # the digest keeps its id


def test_every_subscription_key_is_in_the_readme_and_the_example_config() -> None:
    """A key added to ``[[subscriptions]]`` without its documentation fails here."""
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    example = (root / "config.example.toml").read_text(encoding="utf-8")
    keys = [field.name for field in dataclasses.fields(SubscriptionConfig)]
    assert {"batch_minutes", "max_posts_per_hour", "thread", "mention"} <= set(keys)
    for key in keys:
        assert re.search(rf"^# {key} += ", example, re.MULTILINE), (key, "config.example.toml")
        assert f"`{key}`" in readme or re.search(rf"^{key} += ", readme, re.MULTILINE), \
            (key, "README.md")
