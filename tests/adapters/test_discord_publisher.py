"""The Discord publisher against the fake: nonce idempotency, splitting, rate limits, failures."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.publisher import nonce_for
from bot.errors import PermanentPublishError, TransientPublishError
from bot.model import Claim, Reply, Section, Target
from tests.adapters.test_discord_client import StubRouter
from tests.fakes.discord_fake import CHANNEL_ID, running_bot

TARGET = Target("discord", CHANNEL_ID)


def digest_reply(n_claims: int = 3) -> Reply:
    claims = tuple(
        Claim(id=f"c{i}", claimant=f"Person {i}", text=f"Statement {i} " * 20, kind="quote",
              cue="sagt", hedged=i % 2 == 0, hedges=("vielleicht",), evidence="none_given")
        for i in range(n_claims)
    )
    return Reply(title="Daily digest", footer="Window: last 24 hours", sections=(
        Section("DeepSeek @everyone", bullets=("R1 is cheap",)),
        Section("New claims", claims=claims)))


async def test_publish_posts_digest_with_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        receipt = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="k1")
        posted = fake.channel_messages[CHANNEL_ID]
        assert [m["id"] for m in posted] == [receipt.message_id] and receipt.extra_ids == ()
        body = next(b for m, p, b in fake.requests if m == "POST" and p.endswith("/messages"))
        assert body["nonce"] == nonce_for("k1", 0) and body["enforce_nonce"] is True
        assert body["allowed_mentions"] == {"parse": []}
        text = body["embeds"][0]["description"]
        assert "Person 2" in text and "@\u200beveryone" in text
        # the key rides in the footer: Discord stores no nonce, history lookups need a trace
        assert body["embeds"][-1]["footer"]["text"] == "Window: last 24 hours · briefbot · k1"


async def test_same_key_twice_posts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        first = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="slot-1")
        again = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="slot-1")
        other = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="slot-2")
        assert again == first and other.message_id != first.message_id
        assert len(fake.channel_messages[CHANNEL_ID]) == 2


async def test_long_digest_is_split_into_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        receipt = await runner.publisher.publish(TARGET, digest_reply(60), idempotency_key="long")
        posted = fake.channel_messages[CHANNEL_ID]
        assert len(posted) > 1 and fake.rejected == []
        assert [receipt.message_id, *receipt.extra_ids] == [m["id"] for m in posted]
        assert len({m["nonce"] for m in posted}) == len(posted)
        text = "\n".join(e["description"] for m in posted for e in m["embeds"])
        assert all(f"Person {i}" in text for i in range(60))


async def test_rate_limit_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        fake.rate_limits.append((r"/channels/\d+/messages", 0.05))
        receipt = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="rl")
        assert len(fake.rate_limited) == 1  # the first try got 429 + Retry-After
        assert [m["id"] for m in fake.channel_messages[CHANNEL_ID]] == [receipt.message_id]


async def test_long_rate_limit_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(StubRouter(), monkeypatch, max_ratelimit_timeout=30) as (fake, runner):
        fake.rate_limits.append((r"/channels/\d+/messages", 120.0))
        with pytest.raises(TransientPublishError) as info:
            await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="rl2")
        assert info.value.retry_after == 120.0
        assert fake.channel_messages[CHANNEL_ID] == []


@pytest.mark.parametrize("channel", ["forbidden", "missing", "general"])
async def test_forbidden_or_missing_channel_is_permanent(
    monkeypatch: pytest.MonkeyPatch, channel: str
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        fake.forbidden_channels.add("1300000000000000099")
        target = {"forbidden": "1300000000000000099", "missing": "1300000000000000098",
                  "general": "general"}[channel]
        with pytest.raises(PermanentPublishError):
            await runner.publisher.publish(Target("discord", target), digest_reply(),
                                           idempotency_key="p")


async def test_fake_refuses_messages_that_could_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's rule is real: a message that parses mentions is refused (so tests can fail)."""
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        channel = runner.client.get_partial_messageable(int(CHANNEL_ID))
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("hello", allowed_mentions=discord.AllowedMentions.all())
        assert info.value.status == 400
        with pytest.raises(discord.HTTPException):
            await channel.send(embed=discord.Embed(title="x" * 257),
                               allowed_mentions=discord.AllowedMentions.none())
        assert fake.channel_messages[CHANNEL_ID] == [] and len(fake.rejected) == 2


def test_nonce_fits_discord() -> None:
    long_key = "digest:discord:1300000000000000003:2025-01-28T08:00+01:00:deepseek"
    assert len(nonce_for(long_key, 0)) <= 25
    assert nonce_for(long_key, 0) == nonce_for(long_key, 0) != nonce_for(long_key, 1)
