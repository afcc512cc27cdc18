"""End to end: the real core (build_app on a temporary database with the seed) behind the real
discord.py client, against the fake Discord. Expected content comes from the core's own replies,
so these tests check the adapter carries everything through, escaped and within limits."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

import pytest

from adapters.discord.invite import invite_url
from adapters.discord.render import escape
from bot.app import App
from bot.config import Config, DiscordConfig, Secrets
from bot.model import CommandRequest, Reply, Target, User
from tests.fakes.claim_text import claim_start
from tests.fakes.discord_fake import (
    APP_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    TOKEN,
    FakeDiscord,
    running_bot,
)

TIMEOUT = 10


async def final_messages(interaction: Any) -> list[dict[str, Any]]:
    """The visible message(s) of an answered command, whether answered at once or deferred."""
    kind, body = await asyncio.wait_for(interaction.events.get(), TIMEOUT)
    assert kind == "callback"
    if body["type"] == 5:
        kind, edited = await asyncio.wait_for(interaction.events.get(), TIMEOUT)
        return [edited]
    return [body["data"]]


def text_of(payload: dict[str, Any]) -> str:
    parts = [payload.get("content") or ""]
    for e in payload.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
    return "\n".join(parts)


async def core_reply(app: App, command: str, **options: Any) -> Reply:
    return await app.router.handle(CommandRequest(command, options, User("u", "u"), "discord",
                                                  CHANNEL_ID))


async def test_topic_briefing_carries_key_figures(seeded_app: App,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    expected = await core_reply(seeded_app, "deepseek")
    figures = [f for s in expected.sections for f in s.figures]
    claims = [c for s in expected.sections for c in s.claims]
    assert figures and claims, "the seed should give the briefing key figures and claims"
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        (message,) = await final_messages(await fake.send_command("deepseek"))
        assert fake.rejected == []
    text = text_of(message)
    assert escape(expected.title)[:256].rstrip("…") in text
    for f in figures:
        assert escape(f.value) in text and escape(f.measures) in text
    for c in claims:
        assert claim_start(c, escape) in text and c.id not in text


async def test_claims_lists_every_claimant(seeded_app: App,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    expected = await core_reply(seeded_app, "claims")
    claimants = {c.claimant for s in expected.sections for c in s.claims if c.claimant}
    assert claimants
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        (message,) = await final_messages(await fake.send_command("claims"))
        interaction = await fake.send_command("claims", {"claimant": sorted(claimants)[0][:2]},
                                              interaction_type=4, focused="claimant")
        _kind, body = await asyncio.wait_for(interaction.events.get(), TIMEOUT)
    text = text_of(message)
    for name in claimants:
        assert f"**{escape(name)}**" in text
    assert body["type"] == 8 and sorted(claimants)[0] in [c["value"]
                                                           for c in body["data"]["choices"]]


@pytest.mark.parametrize(("typed", "claimant"), [("Sam Altman", "Sam Altman"),
                                                 ("andreesen", "Marc Andreessen")])
async def test_claims_by_a_claimant_as_people_type_it(
    seeded_app: App, monkeypatch: pytest.MonkeyPatch, typed: str, claimant: str
) -> None:
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        (message,) = await final_messages(await fake.send_command("claims", {"claimant": typed}))
        assert fake.rejected == []
    text = text_of(message)
    names = set(re.findall(r"\*\*([^*]+)\*\* —", text))
    assert names == {claimant}, text


@pytest.mark.parametrize("command", ["digest", "sources", "subscriptions", "help"])
async def test_other_commands_round_trip(seeded_app: App, monkeypatch: pytest.MonkeyPatch,
                                         command: str) -> None:
    expected = await core_reply(seeded_app, command)
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        messages = await final_messages(await fake.send_command(command))
    text = text_of(messages[0])
    assert escape(expected.title)[:200] in text
    for section in expected.sections:
        for bullet in section.bullets[:3]:
            assert escape(bullet)[:200] in text


async def test_subscribe_refused_to_non_admin(seeded_app: App,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        (message,) = await final_messages(await fake.send_command("subscribe", {"time": "08:00"}))
    assert message["flags"] & EPHEMERAL and not message.get("embeds")
    assert "admin" in message["content"].lower()
    synced = {c["name"]: c for scope in fake.commands.values() for c in scope}
    assert int(synced["subscribe"]["default_member_permissions"]) == 1 << 5
    assert int(synced["unsubscribe"]["default_member_permissions"]) == 1 << 5


async def test_invite_url() -> None:
    from bot.config import default_config

    url = await invite_url(default_config(), Secrets(discord_token=TOKEN))
    assert url.startswith("https://discord.com/oauth2/authorize?")
    assert f"client_id={APP_ID}" in url and "scope=bot+applications.commands" in url
    # View Channel, Send Messages, Embed Links, Read Message History (the number in README.md)
    assert f"permissions={(1 << 10) | (1 << 11) | (1 << 14) | (1 << 16)}" in url
    assert "permissions=84992" in url


async def test_briefbot_run_answers_deepseek_and_claims(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``briefbot run`` with DISCORD_TOKEN and [discord] endpoints pointed at the fake."""
    import discord

    import adapters.discord as package
    from bot.run import run

    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    config = dataclasses.replace(config, discord=DiscordConfig(
        guild_id=int(GUILD_ID), api_base_url=fake.api_base, gateway_url=fake.gateway_url))
    started: asyncio.Queue[tuple[Any, Any]] = asyncio.Queue()
    original = package.start_discord

    async def start_and_capture(app: App, *args: Any, **kwargs: Any) -> Any:
        runner = await original(app, *args, guild_ready_timeout=0.01, **kwargs)
        await started.put((app, runner))
        return runner

    monkeypatch.setattr(package, "start_discord", start_and_capture)
    task = asyncio.create_task(run(config, Secrets(discord_token=TOKEN)))
    try:
        app, runner = await asyncio.wait_for(started.get(), 60)
        await asyncio.wait_for(runner.wait_ready(), TIMEOUT)
        assert app.publishers["discord"] is runner.publisher  # registered for the delivery service
        (briefing,) = await final_messages(await fake.send_command("deepseek"))
        (claims,) = await final_messages(await fake.send_command("claims"))
        expected = await core_reply(app, "deepseek")
        figures = [f.value for s in expected.sections for f in s.figures]
        assert figures and all(escape(v) in text_of(briefing) for v in figures)
        expected = await core_reply(app, "claims")
        names = {c.claimant for s in expected.sections for c in s.claims if c.claimant}
        assert names and all(escape(n) in text_of(claims) for n in names)
        await runner.stop()
        assert await asyncio.wait_for(task, TIMEOUT) == 0
    finally:
        task.cancel()
        await fake.close()


async def test_core_digest_is_published(seeded_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = await seeded_app.answers.digest(topic=None)
    bullets = [b for s in digest.sections for b in s.bullets]
    assert bullets
    async with running_bot(seeded_app.router, monkeypatch) as (fake, runner):
        target = Target("discord", CHANNEL_ID)
        receipt = await runner.publisher.publish(target, digest, idempotency_key="d:2025-01-28")
        repeat = await runner.publisher.publish(target, digest, idempotency_key="d:2025-01-28")
    posted = fake.channel_messages[CHANNEL_ID]
    assert repeat == receipt and [m["id"] for m in posted] == [receipt.message_id,
                                                               *receipt.extra_ids]
    text = "\n".join(text_of(m) for m in posted)
    assert escape(digest.title) in text and all(escape(b) in text for b in bullets)


async def test_commands_carry_both_languages(seeded_app: App,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Discord localisations: a German client reads German descriptions, an English one English,
    whatever ``[bot] language`` is (here de)."""
    async with running_bot(seeded_app.router, monkeypatch) as (fake, _):
        await asyncio.wait_for(fake.synced.wait(), TIMEOUT)
        synced = {c["name"]: c for scope in fake.commands.values() for c in scope}
    claims = synced["claims"]
    assert claims["description"].startswith("Wer behauptet was")
    assert claims["description_localizations"]["en-US"].startswith("Who claims what")
    assert claims["description_localizations"]["de"] == claims["description"]
    page = next(o for o in claims["options"] if o["name"] == "page")
    assert page["description_localizations"]["en-GB"] == "Page number"
    assert "language" in synced and synced["language"]["default_member_permissions"] is not None
