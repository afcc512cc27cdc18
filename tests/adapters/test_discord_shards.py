"""The Discord client sharded (``AutoShardedClient``) and REST only, against the fake Discord."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from adapters.discord.client import ShardedBriefbotClient
from bot.config import Shards
from bot.model import Reply, Target
from tests.adapters.test_discord_client import StubRouter
from tests.fakes.discord_fake import CHANNEL_ID, guild_on_shard, running_bot

TIMEOUT = 10


async def test_one_process_runs_all_shards_each_guild_over_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def at_once(self: object, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py waits 5 s between identifies (Discord's limit); the fake has none

    monkeypatch.setattr(ShardedBriefbotClient, "before_identify_hook", at_once)
    router = StubRouter()
    router.replies["deepseek"] = Reply(title="DeepSeek briefing")
    guilds = [guild_on_shard(shard, 3) for shard in range(3)]
    async with running_bot(router, monkeypatch, guild_id=None, guilds=guilds,
                           shards=Shards(count=3, ids=(0, 1, 2))) as (fake, runner):
        identified = [await asyncio.wait_for(fake.identified.get(), TIMEOUT) for _ in range(3)]
        assert sorted(i["shard"] for i in identified) == [[0, 3], [1, 3], [2, 3]]
        assert fake.most_open == 3
        assert sorted(runner.client.shards) == [0, 1, 2]
        assert {g.id for g in runner.client.guilds} == {int(g) for g in guilds}
        for guild in guilds:
            interaction = await asyncio.wait_for(
                fake.send_command("deepseek", guild_id=guild), TIMEOUT)
            kind, body = await asyncio.wait_for(interaction.events.get(), TIMEOUT)
            assert kind == "callback"
            assert body["data"]["embeds"][0]["title"] == "DeepSeek briefing"
            assert fake.delivered[interaction.id] == fake.shard_of(guild)
        assert [r.community for r in router.requests] == guilds


async def test_rest_only_posts_without_a_gateway_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch, connect=False) as (fake, runner):
        receipt = await runner.publisher.publish(Target("discord", CHANNEL_ID),
                                                 Reply(title="Digest"), idempotency_key="k1")
        assert [m["id"] for m in fake.channel_messages[CHANNEL_ID]] == [receipt.message_id]
        assert fake.connections == 0 and not runner.connected
        runner.connect_gateway()  # elected: connects now
        await asyncio.wait_for(fake.identified.get(), TIMEOUT)
        assert runner.connected and fake.connections == 1


async def test_the_fake_answers_gateway_bot_with_its_shard_advice() -> None:
    from tests.fakes.discord_fake import FakeDiscord

    fake = FakeDiscord()
    fake.recommended_shards = 4
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session, session.get(
                f"{fake.api_base}/gateway/bot") as response:
            data = await response.json()
    finally:
        await fake.close()
    assert data["shards"] == 4 and data["url"] == fake.gateway_url

