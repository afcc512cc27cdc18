"""Starting and stopping the Discord adapter inside ``briefbot run``.

``start_discord`` logs in (a bad token fails here, loudly) and connects in a background task, so the
caller can register ``runner.publisher`` with the delivery service before the gateway is up.
``stop()`` closes the client, which ends the gateway connection and the HTTP session; it is what the
SIGTERM handler calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord

from adapters import CoreParts
from adapters.discord.client import BriefbotClient, Router, configure_endpoints
from adapters.discord.publisher import DiscordPublisher
from bot.config import DiscordConfig
from bot.errors import ConfigError

log = logging.getLogger(__name__)


class DiscordRunner:
    def __init__(self, client: BriefbotClient) -> None:
        self.client = client
        self.publisher: DiscordPublisher = client.publisher
        self._task: asyncio.Task[None] | None = None

    async def start(self, token: str) -> None:
        try:
            await self.client.login(token)
        except discord.LoginFailure as e:
            await self.client.close()
            raise ConfigError("Discord rejected the token; copy it again from the Developer "
                              "Portal (Bot -> Reset Token)", key="DISCORD_TOKEN") from e
        self._task = asyncio.create_task(self._connect(), name="discord-gateway")

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except Exception:
            log.exception("the Discord gateway connection ended with an error")
        finally:
            if not self.client.is_closed():
                await self.client.close()

    async def wait_ready(self) -> None:
        await self.client.wait_until_ready()

    async def wait_closed(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def make_client(router: Router, config: DiscordConfig, *, language: str = "en",
                **options: Any) -> BriefbotClient:
    configure_endpoints(config)
    return BriefbotClient(router, config=config, language=language, **options)


async def start_discord(
    app: CoreParts, token: str | None = None, **options: Any
) -> DiscordRunner:
    """Log in and connect in the background."""
    token = token or app.secrets.discord_token
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set", key="DISCORD_TOKEN")
    client = make_client(app.router, app.config.discord, language=app.config.bot.language,
                         **options)
    runner = DiscordRunner(client)
    await runner.start(token)
    return runner


async def run_discord(app: CoreParts, token: str, **options: Any) -> None:
    """Run until the client is closed (``runner.stop()``, e.g. from a SIGTERM handler)."""
    runner = await start_discord(app, token, **options)
    try:
        await runner.wait_closed()
    finally:
        await runner.stop()
