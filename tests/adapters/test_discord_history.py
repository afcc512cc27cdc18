"""Finding a posted digest again in Discord channel history (the key in the embed footer).

Discord's nonce only deduplicates within a few minutes and is not stored with a message, so after a
crash the publisher reads recent history for the bot's own messages carrying the key. A "restarted
process" here is a fresh ``DiscordPublisher`` on the same client; "the nonce window passed" is the
fake forgetting its nonces.
"""

from __future__ import annotations

import pytest

from adapters.discord.publisher import HISTORY_PAGE, HISTORY_PAGES, DiscordPublisher
from adapters.discord.render import marker_text, read_marker
from bot.errors import PermanentPublishError
from bot.model import Receipt, Target
from tests.adapters.test_discord_client import StubRouter
from tests.adapters.test_discord_publisher import digest_reply
from tests.fakes.discord_fake import BOT_USER, CHANNEL_ID, READER, FakeDiscord, running_bot

TARGET = Target("discord", CHANNEL_ID)
KEY = "bb0123456789abcdef0123456"


def footers(fake: FakeDiscord) -> list[str]:
    return [m["embeds"][-1]["footer"]["text"] for m in fake.channel_messages[CHANNEL_ID]]


def restarted(runner: object) -> DiscordPublisher:
    """A new process: nothing remembered in memory, only what Discord stores."""
    return DiscordPublisher(runner.client, language="en")  # type: ignore[attr-defined]


async def history(runner: object) -> list[dict]:
    client = runner.client  # type: ignore[attr-defined]
    return list(await client.http.logs_from(int(CHANNEL_ID), 100))


async def test_every_message_carries_the_key_and_its_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        await runner.publisher.publish(TARGET, digest_reply(60), idempotency_key=KEY)
        marks = [read_marker(f) for f in footers(fake)]
        parts = len(marks)
        assert parts > 1 and fake.rejected == []
        assert [(m.key, m.part, m.parts) for m in marks if m] == [
            (KEY, i, parts) for i in range(parts)]
        assert footers(fake)[-1].startswith("Window: last 24 hours · ")  # the reply's own footer
        assert footers(fake)[0] == f"briefbot · {KEY} · 1/{parts}"


async def test_a_post_is_found_after_a_crash_beyond_the_nonce_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        posted = await runner.publisher.publish(TARGET, digest_reply(60), idempotency_key=KEY)
        fake.add_message(CHANNEL_ID, {"content": "later chatter"})
        fake.nonces.clear()  # minutes later: Discord no longer deduplicates by nonce
        found = await restarted(runner).find_existing(TARGET, KEY)
        assert found == posted and found is not None and found.extra_ids
        # history answers carry no nonce, so the footer is what matched
        assert all(m["nonce"] is None for m in await history(runner))


async def test_not_found_for_another_key_or_another_author(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        await runner.publisher.publish(TARGET, digest_reply(), idempotency_key="bbother")
        # someone else (a user, another bot, a webhook) showing the very same footer text
        fake.add_message(CHANNEL_ID, {"embeds": [
            {"title": "copy", "footer": {"text": marker_text(KEY, 0, 1)}}]}, author=READER)
        assert await restarted(runner).find_existing(TARGET, KEY) is None
        # the same footer from the bot itself is a match: the filter is the author, not the text
        own = fake.add_message(CHANNEL_ID, {"embeds": [
            {"title": "digest", "footer": {"text": marker_text(KEY, 0, 1)}}]}, author=BOT_USER)
        assert await restarted(runner).find_existing(TARGET, KEY) == Receipt(own["id"])
        reads = fake.history_reads
        assert reads and all(r["limit"] == str(HISTORY_PAGE) for r in reads)


async def test_reading_history_forbidden_means_cannot_tell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        fake.history_forbidden.add(CHANNEL_ID)  # invited without Read Message History
        await runner.publisher.publish(TARGET, digest_reply(), idempotency_key=KEY)
        with pytest.raises(NotImplementedError, match="Read Message History"):
            await restarted(runner).find_existing(TARGET, KEY)
        fake.forbidden_channels.add("1300000000000000099")  # cannot see the channel at all
        with pytest.raises(NotImplementedError):
            await runner.publisher.find_existing(Target("discord", "1300000000000000099"), KEY)
        with pytest.raises(PermanentPublishError):  # deleted channel: that is permanent
            await runner.publisher.find_existing(Target("discord", "1300000000000000098"), KEY)
        with pytest.raises(PermanentPublishError):
            await runner.publisher.find_existing(Target("discord", "general"), KEY)


@pytest.mark.parametrize("chatter", [150, 250])
async def test_history_is_read_a_bounded_number_of_pages(
    monkeypatch: pytest.MonkeyPatch, chatter: int,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        posted = await runner.publisher.publish(TARGET, digest_reply(), idempotency_key=KEY)
        for i in range(chatter):
            fake.add_message(CHANNEL_ID, {"content": f"message {i}"})
        found = await restarted(runner).find_existing(TARGET, KEY)
        reads = fake.history_reads
        assert len(reads) == HISTORY_PAGES and "before" in reads[1]
        if chatter < HISTORY_PAGE * HISTORY_PAGES:
            assert found == posted  # on the second page
        else:
            assert found is None  # too far back: treated as not posted (a known limit)


async def test_a_split_digest_cut_short_sends_only_the_missing_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
        reply = digest_reply(60)
        await runner.publisher.publish(TARGET, reply, idempotency_key=KEY)
        messages = fake.channel_messages[CHANNEL_ID]
        parts = len(messages)
        assert parts >= 2
        del messages[1:]  # the process died after part 1 of n reached Discord
        fake.nonces.clear()
        publisher = restarted(runner)
        assert await publisher.find_existing(TARGET, KEY) is None  # incomplete: not posted
        receipt = await publisher.publish(TARGET, reply, idempotency_key=KEY)
        marks = [read_marker(f) for f in footers(fake)]
        assert sorted(m.part for m in marks if m) == list(range(parts))  # nothing twice
        assert [receipt.message_id, *receipt.extra_ids] == [
            m["id"] for m in fake.channel_messages[CHANNEL_ID]]
        assert await restarted(runner).find_existing(TARGET, KEY) == receipt
