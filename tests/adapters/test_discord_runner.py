"""Starting and stopping the adapter the way ``briefbot run`` does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace

import discord
import pytest

from adapters.discord import run_discord, start_discord
from bot.config import BotConfig, Config, DiscordConfig, Secrets
from bot.errors import ConfigError
from tests.adapters.test_discord_client import StubRouter
from tests.fakes.discord_fake import GUILD_ID, TOKEN, FakeDiscord


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield server
    await server.close()


def app_for(fake: FakeDiscord, token: str | None = TOKEN) -> SimpleNamespace:
    """The parts of ``bot.app.App`` the adapter reads: router, config, secrets."""
    config = Config(bot=BotConfig(language="en"), discord=DiscordConfig(
        guild_id=int(GUILD_ID), api_base_url=fake.api_base, gateway_url=fake.gateway_url))
    return SimpleNamespace(router=StubRouter(), config=config,
                           secrets=Secrets(discord_token=token))


async def test_start_points_the_client_at_the_config(fake: FakeDiscord) -> None:
    runner = await start_discord(app_for(fake), guild_ready_timeout=0.01)
    try:
        await asyncio.wait_for(runner.wait_ready(), 10)
        assert fake.api_base == discord.http.Route.BASE
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
        assert runner.publisher.platform == "discord"
    finally:
        await runner.stop()
    assert runner.client.is_closed()
    await asyncio.wait_for(runner.wait_closed(), 10)  # returns once stopped


async def test_bad_token_is_a_config_error(fake: FakeDiscord) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await start_discord(app_for(fake, token="bm9wZQ.bad.token"))
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await start_discord(app_for(fake, token=None))


async def test_run_discord_returns_when_the_gateway_gives_up(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    task = asyncio.create_task(run_discord(app_for(fake), TOKEN, guild_ready_timeout=0.01))
    await asyncio.wait_for(fake.identified.get(), 10)
    await asyncio.wait_for(fake.ws_ready.wait(), 10)
    with caplog.at_level(logging.ERROR):
        await fake.close_gateway(4004)  # "authentication failed": not resumable
        await asyncio.wait_for(task, 10)
    assert "gateway connection ended" in caplog.text
