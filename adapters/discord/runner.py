"""Starting and stopping the Discord adapter inside ``briefbot run``.

``start_discord`` logs in (a rejected token fails here: one line naming DISCORD_TOKEN, exit 2) and
connects in a background task, so the caller can register ``runner.publisher`` with the delivery
service before the gateway is up. When Discord cannot be reached at all (a bot started by systemd
before the network is up), the login is retried in that background task with backoff, one log line
per attempt, until it works or the process is stopped. ``stop()`` closes the client, which ends the
gateway connection and the HTTP session; it is what the SIGTERM handler calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import discord
from discord.utils import MISSING

from adapters import CoreParts
from adapters.discord.client import (
    BriefbotClient,
    Router,
    ShardedBriefbotClient,
    configure_endpoints,
)
from adapters.discord.publisher import DiscordPublisher
from bot.config import DiscordConfig, Shards
from bot.errors import ConfigError

log = logging.getLogger(__name__)

RETRY_FIRST = 1.0  # seconds before the second login attempt; doubled each time
RETRY_MAX = 60.0
# Discord not reachable (network down, DNS, refused, reset, timed out, 5xx): worth retrying.
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError,
                  discord.GatewayNotFound)


def rejected_token() -> ConfigError:
    return ConfigError("Discord rejected the token (401 Unauthorized); copy it again from the "
                       "Developer Portal (Bot -> Reset Token)", key="DISCORD_TOKEN")


def network_reason(error: BaseException) -> str:
    """One line for the log: what failed, without a traceback."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"cannot connect to {error.host}:{error.port} ({error.os_error.strerror or error})"
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__}: {error}".rstrip(": ")


class DiscordRunner:
    """A logged-in client, connected to the gateway at once or only when ``connect_gateway()``
    is called (a follower among the workers posts through REST until it becomes the leader)."""

    def __init__(self, client: BriefbotClient, *, retry_first: float = RETRY_FIRST,
                 retry_max: float = RETRY_MAX) -> None:
        self.client = client
        self.publisher: DiscordPublisher = client.publisher
        self.failure: ConfigError | None = None  # a token rejected after a retried login
        self._task: asyncio.Task[None] | None = None
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._connecting = False  # the gateway connection was started (else: REST only so far)
        self._gateway = asyncio.Event()  # set: connect once logged in
        self._own_connector = client.http.connector is MISSING

    async def start(self, token: str, *, connect: bool = True) -> None:
        """Log in, then (with ``connect``, else after ``connect_gateway()``) connect in the
        background; raises ConfigError for a rejected token."""
        if connect:
            self._gateway.set()
        try:
            await self._login(token)
        except NETWORK_ERRORS as e:
            await self._reset_http()
            log.warning("Discord is not reachable (%s); retrying in %g s", network_reason(e),
                        self._retry_first)
            self._task = asyncio.create_task(self._login_later(token), name="discord-login")
            return
        self._task = asyncio.create_task(self._connect_when_wanted(), name="discord-gateway")

    def connect_gateway(self) -> None:
        """Connect to the gateway (at once when logged in, else right after the login)."""
        self._gateway.set()

    @property
    def connected(self) -> bool:
        """The gateway connection was started (False: this process posts through REST only)."""
        return self._connecting

    async def _login(self, token: str) -> None:
        try:
            await self.client.login(token)
        except discord.LoginFailure as e:
            await self.client.close()
            raise rejected_token() from e

    async def _reset_http(self) -> None:
        """Close the HTTP session a failed login left open, so the next one starts afresh."""
        await self.client.http.close()
        if self._own_connector:
            self.client.http.connector = MISSING

    async def _login_later(self, token: str) -> None:
        delay = self._retry_first
        while True:
            await asyncio.sleep(delay)
            try:
                await self._login(token)
                break
            except ConfigError as e:
                log.error("%s", e)
                self.failure = e
                return
            except NETWORK_ERRORS as e:
                await self._reset_http()
                delay = min(delay * 2, self._retry_max)
                log.warning("Discord is still not reachable (%s); retrying in %g s",
                            network_reason(e), delay)
        log.warning("Discord reached: logged in")
        await self._connect_when_wanted()

    async def _connect_when_wanted(self) -> None:
        await self._gateway.wait()
        self._connecting = True
        await self._connect()

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
        """Returns when the client has closed; raises the ConfigError of a token rejected on a
        retried login (so ``briefbot run`` exits 2 then too)."""
        if self._task is not None:
            await asyncio.shield(self._task)
        if self.failure is not None:
            raise self.failure

    async def stop(self) -> None:
        if self._task is not None and not self._connecting:
            self._task.cancel()  # still waiting to retry the login, or to be the leader
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def make_client(router: Router, config: DiscordConfig, *, language: str = "en",
                shards: Shards | None = None, **options: Any) -> BriefbotClient:
    """The client of this process: sharded (``AutoShardedClient``) when ``shards`` is given."""
    configure_endpoints(config)
    # briefbot has no voice: discord.py's warnings about missing voice libraries mean nothing here
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    logging.getLogger("discord.client").addFilter(ONE_LINE_RECONNECT)
    if shards is not None:
        return ShardedBriefbotClient(router, config=config, language=language,
                                     shard_count=shards.count, shard_ids=list(shards.ids),
                                     **options)
    return BriefbotClient(router, config=config, language=language, **options)


class _OneLineReconnect(logging.Filter):
    """discord.py logs each gateway reconnect with a full traceback; one line says as much."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Attempting a reconnect"):
            error = record.exc_info[1]
            record.msg = f"{record.msg} ({network_reason(error) if error else 'error'})"
            record.exc_info = None
            record.exc_text = None
        return True


ONE_LINE_RECONNECT = _OneLineReconnect()


async def start_discord(
    app: CoreParts, token: str | None = None, *, shards: Shards | None = None,
    connect: bool = True, **options: Any
) -> DiscordRunner:
    """Log in and connect in the background (without ``connect``: REST only, until
    ``runner.connect_gateway()``); with ``shards``, to those shards only."""
    token = token or app.secrets.discord_token
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set", key="DISCORD_TOKEN")
    retry = {k: options.pop(k) for k in ("retry_first", "retry_max") if k in options}
    client = make_client(app.router, app.config.discord, language=app.config.bot.language,
                         shards=shards, **options)
    runner = DiscordRunner(client, **retry)
    await runner.start(token, connect=connect)
    return runner


async def run_discord(app: CoreParts, token: str, **options: Any) -> None:
    """Run until the client is closed (``runner.stop()``, e.g. from a SIGTERM handler)."""
    runner = await start_discord(app, token, **options)
    try:
        await runner.wait_closed()
    finally:
        await runner.stop()
