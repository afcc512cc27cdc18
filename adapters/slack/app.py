"""The Slack adapter: a slack-bolt ``AsyncApp`` over Socket Mode (default) or HTTP.

Slack wants every slash command acknowledged within 3 seconds. The answer is computed in a task; when
it is ready within ``ack_budget`` it goes out in the ack itself, otherwise the ack says "working on
it" and the answer follows through ``response_url`` (which takes 5 posts, so at most 6 messages).
The few sentences the adapter writes itself follow ``[bot] language`` (``bot.i18n``).

Several processes may hold Socket Mode connections; Slack sends each envelope over one of them.
When Slack sends one again (it missed the ack), another process may get it: ``once`` (a claim
on the command's ``trigger_id`` in the shared database, ``bot.delivery.leader.once_among_workers``)
makes sure one of them answers; the other acks without a word.

At start a rejected token is one line naming the variable (exit 2). Slack not reachable (a bot
started before the network is up) is not an error: the token check and the Socket Mode connection
are retried in the background with backoff, one log line per attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters import CoreParts
from adapters.slack.publisher import SlackPublisher, make_client
from adapters.slack.render import Message, render
from bot.commands import CommandRouter
from bot.config import Secrets, SlackConfig
from bot.errors import BriefbotError, CommandError, ConfigError
from bot.i18n import label
from bot.model import CommandRequest, Reply, User

log = logging.getLogger(__name__)

ACK_BUDGET = 2.0  # seconds; Slack allows 3 for the ack, the rest is network
ONCE_BUDGET = 0.5  # seconds for the claim of a command; unanswered is worse than twice
Once = Callable[[str], Awaitable[bool]]  # True for the one process that answers a command
RESPONSE_URL_POSTS = 5
ADMIN_CACHE_SECONDS = 300.0
EVENTS_PATH = "/slack/events"
RETRY_FIRST = 1.0  # seconds before the second attempt to reach Slack; doubled each time
RETRY_MAX = 60.0
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


class SlackCommands:
    """Turns Slack slash commands into router requests and replies into Block Kit."""

    def __init__(self, router: CommandRouter, config: SlackConfig, client: AsyncWebClient,
                 publisher: SlackPublisher, *, ack_budget: float = ACK_BUDGET,
                 once: Once | None = None) -> None:
        self.router = router
        self.once = once
        self.config = config
        self.client = client
        self.publisher = publisher
        self.ack_budget = ack_budget
        self._admins: dict[str, tuple[bool, float]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def language(self) -> str:
        """The configured ``[bot] language``, for the few sentences the adapter writes itself."""
        return str(getattr(self.router, "language", "en"))

    def register(self, app: AsyncApp) -> None:
        for spec in self.router.commands():
            app.command("/" + spec.name)(self.on_command)
        # last: a command still in the Slack app after its topic left the config gets the help
        app.command(re.compile(r"^/.+"))(self.on_command)

    def _track(self, task: asyncio.Task[Any] | None) -> None:
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        self._track(asyncio.current_task())  # stop() waits for the follow-up posts too
        if not await self._ours(command):
            await ack()  # another process answers it: Slack only needs to stop resending
            return
        task = asyncio.create_task(self.answer(command))
        self._track(task)
        done, _ = await asyncio.wait({task}, timeout=self.ack_budget)
        if task not in done:
            await ack(text=label("working", self.language), response_type="ephemeral")
            messages, response_type = await task
            await _respond_all(respond, messages, response_type)
            return
        messages, response_type = task.result()
        first = messages[0]
        await ack(text=first.text, blocks=first.blocks, response_type=response_type)
        await _respond_all(respond, messages[1:], response_type)

    async def _ours(self, command: Mapping[str, Any]) -> bool:
        """Whether this process answers the command (always, without ``once`` or a trigger id;
        also when the claim fails or is slow: a rare second answer beats none)."""
        trigger = str(command.get("trigger_id") or "")
        if self.once is None or not trigger:
            return True
        try:
            return await asyncio.wait_for(self.once(trigger), ONCE_BUDGET)
        except (TimeoutError, BriefbotError) as e:
            log.warning("could not claim Slack command %s (%s); answering it here",
                        command.get("command"), e or "timed out")
            return True

    async def answer(self, command: Mapping[str, Any]) -> tuple[list[Message], str]:
        """Never raises: Slack shows a bare timeout for an unanswered command."""
        try:
            reply = await self.reply(command)
            messages = render(reply, language=reply.language or self.language)
        except Exception:
            log.exception("answering %s failed", command.get("command"))
            reply = Reply(title=label("answer_failed", self.language), ephemeral=True,
                          is_error=True)
            messages = render(reply, language=self.language)
        if len(messages) > RESPONSE_URL_POSTS + 1:
            note = f"_{label('rest_truncated', self.language)}_"
            messages = [*messages[:RESPONSE_URL_POSTS], Message(
                text=note.strip("_"),
                blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}],
            )]
        return messages, "ephemeral" if reply.ephemeral or reply.is_error else "in_channel"

    async def reply(self, command: Mapping[str, Any]) -> Reply:
        name = str(command.get("command", "")).lstrip("/")
        channel = str(command.get("channel_id") or "") or None
        user_id = str(command.get("user_id", ""))
        team = str(command.get("team_id") or "") or None
        spec = self.router.spec(name)
        language = self.language
        try:
            language = await self.router.language_for(
                CommandRequest(name, platform="slack", channel=channel, community=team))
            admin = False
            if spec is not None and (spec.admin_only
                                     or any(sub.admin_only for sub in spec.subcommands)):
                admin = await self.is_admin(user_id)
            user = User(id=user_id, name=str(command.get("user_name", "")), is_admin=admin)
            request = self.router.parse_text(str(command.get("text") or ""), user=user,
                                             platform="slack", channel=channel, command=name,
                                             community=team, language=language)
            if name == "subscribe" and admin and channel:
                problem = await self.posting_problem(channel, language)
                if problem:
                    return Reply(title=problem, ephemeral=True, is_error=True, language=language)
        except CommandError as e:
            return Reply(title=str(e), ephemeral=True, is_error=True, language=language)
        except BriefbotError as e:
            log.warning("/%s failed before routing: %s", name, e)
            return Reply(title=str(e), ephemeral=True, is_error=True, language=language)
        return await self.router.handle(request)

    async def is_admin(self, user_id: str) -> bool:
        """Workspace admins and owners (``users.info``), plus ``[slack] admins``."""
        if user_id in self.config.admins:
            return True
        cached = self._admins.get(user_id)
        if cached and time.monotonic() - cached[1] < ADMIN_CACHE_SECONDS:
            return cached[0]
        try:
            response = await self.client.users_info(user=user_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as e:
            log.warning("users.info for %s failed: %s", user_id, e)
            return False
        info = response.get("user") or {}
        admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        self._admins[user_id] = (admin, time.monotonic())
        return admin

    async def posting_problem(self, channel: str, language: str | None = None) -> str | None:
        language = language or self.language
        if channel.startswith("D"):
            return label("subscribe_in_channel", language)
        problem = await self.publisher.can_post(channel)
        if problem == "not_in_channel":
            return label("bot_not_in_channel", language)
        if problem:
            return label("bot_cannot_see_channel", language)
        return None

    async def drain(self) -> None:
        """Let answers in progress finish (a stop must not drop a reply half-sent)."""
        pending = self._tasks - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending, timeout=10)


async def _respond_all(respond: Any, messages: list[Message], response_type: str) -> None:
    for message in messages:
        try:
            await respond(text=message.text, blocks=message.blocks, response_type=response_type,
                          replace_original=False)
        except Exception as e:  # the webhook client raises plain aiohttp/OS errors
            log.warning("response_url post failed: %s", e)
            return


def build_bolt_app(router: CommandRouter, config: SlackConfig, client: AsyncWebClient, *,
                   signing_secret: str | None, publisher: SlackPublisher,
                   ack_budget: float = ACK_BUDGET,
                   once: Once | None = None) -> tuple[AsyncApp, SlackCommands]:
    http = config.mode == "http"
    bolt_log = logging.getLogger("briefbot.slack.bolt")
    bolt_log.addFilter(_NOT_TOKEN_UNUSED)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=http,
        ignoring_self_events_enabled=False,
        logger=bolt_log,
    )
    commands = SlackCommands(router, config, client, publisher, ack_budget=ack_budget, once=once)
    commands.register(app)
    return app, commands


class _NotTokenUnused(logging.Filter):
    """bolt warns that SLACK_BOT_TOKEN "will be unused" whenever it is in the environment and a
    client is given (the client carries that very token); slack_sdk logs each failed Socket Mode
    reconnect with a traceback, where one line says as much."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "will be unused" in str(record.msg):
            return False
        if record.exc_info and str(record.msg).startswith("Failed to connect"):
            record.exc_info = None
            record.exc_text = None
        return True


_NOT_TOKEN_UNUSED = _NotTokenUnused()


@dataclass
class SlackRunner:
    """A running Slack adapter: ``publisher`` for the delivery service, ``stop()`` for SIGTERM."""

    publisher: SlackPublisher
    commands: SlackCommands
    bolt: AsyncApp
    socket: AsyncSocketModeHandler | None = None
    web_runner: web.AppRunner | None = None
    port: int | None = None
    _closed: asyncio.Event | None = None
    failure: ConfigError | None = None  # a token rejected once Slack was reached
    _reaching: asyncio.Task[None] | None = None

    async def wait_closed(self) -> None:
        """Returns when stopped; raises the ConfigError of a token rejected after a retry."""
        assert self._closed is not None
        await self._closed.wait()
        if self.failure is not None:
            raise self.failure

    async def stop(self) -> None:
        if self._reaching is not None:
            self._reaching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaching
        await self.commands.drain()
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]  # slack-bolt is untyped here
        if self.web_runner is not None:
            await self.web_runner.cleanup()
        await _close_client_session(self.publisher.client)
        if self._closed is not None:
            self._closed.set()

    def reach_later(self, config: SlackConfig, *, retry_first: float, retry_max: float) -> None:
        self._reaching = asyncio.create_task(
            self._reach_later(config, retry_first, retry_max), name="slack-reach")

    async def _reach_later(self, config: SlackConfig, delay: float, retry_max: float) -> None:
        while True:
            await asyncio.sleep(delay)
            try:
                await _check_token(self.publisher.client)
                if self.socket is not None:
                    await _connect_socket(self.socket)
                break
            except ConfigError as e:
                log.error("%s", e)
                self.failure = e
                if self._closed is not None:
                    self._closed.set()
                return
            except NETWORK_ERRORS as e:
                delay = min(delay * 2, retry_max)
                log.warning("%s; retrying in %g s", unreachable(config, e, again=True), delay)
        log.warning("Slack reached: %s", "connected" if self.socket is not None else "token OK")


async def start_slack_runner(
    router: CommandRouter, config: SlackConfig, secrets: Secrets, *, host: str = "0.0.0.0",
    port: int | None = None, ack_budget: float = ACK_BUDGET, retry_first: float = RETRY_FIRST,
    retry_max: float = RETRY_MAX, once: Once | None = None,
) -> SlackRunner:
    """Connect (Socket Mode) or listen (HTTP) and return at once; ``stop()`` ends it.

    Raises ConfigError for a missing or rejected token; Slack not reachable is retried in the
    background (see ``SlackRunner.reach_later``).
    """
    bot_token = secrets.slack_bot_token
    signing_secret = secrets.slack_signing_secret
    app_token = secrets.slack_app_token
    if not bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set (it starts with xoxb-)")
    if config.mode == "http" and not signing_secret:
        raise ConfigError("[slack] mode is http but SLACK_SIGNING_SECRET is not set")
    if config.mode == "socket" and not app_token:
        raise ConfigError("[slack] mode is socket but SLACK_APP_TOKEN is not set "
                          "(an app-level token starting with xapp-)")
    client = make_client(bot_token, config.api_base_url)
    try:
        await _check_token(client)
        problem: BaseException | None = None
    except NETWORK_ERRORS as e:
        problem = e
    except ConfigError:
        await _close_client_session(client)
        raise
    publisher = SlackPublisher(client, language=router.language)
    bolt, commands = build_bolt_app(router, config, client, signing_secret=signing_secret,
                                    publisher=publisher, ack_budget=ack_budget, once=once)
    runner = SlackRunner(publisher=publisher, commands=commands, bolt=bolt,
                         _closed=asyncio.Event())
    if config.mode == "http":
        await _listen(runner, bolt, host, config.port if port is None else port)
    else:
        runner.socket = AsyncSocketModeHandler(bolt, app_token=app_token)
        if problem is None:
            try:
                await _connect_socket(runner.socket)
            except NETWORK_ERRORS as e:
                problem = e
            except ConfigError:
                await runner.stop()
                raise
    if problem is not None:
        log.warning("%s; retrying in %g s", unreachable(config, problem), retry_first)
        runner.reach_later(config, retry_first=retry_first, retry_max=retry_max)
    return runner


async def _listen(runner: SlackRunner, bolt: AsyncApp, host: str, port: int) -> None:
    web_runner = web.AppRunner(bolt.web_app(path=EVENTS_PATH))
    await web_runner.setup()
    site = web.TCPSite(web_runner, host, port)
    await site.start()
    runner.web_runner = web_runner
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    runner.port = sockets[0].getsockname()[1] if sockets else port
    log.info("Slack HTTP mode listening on %s:%s%s", host, runner.port, EVENTS_PATH)


async def _connect_socket(socket: AsyncSocketModeHandler) -> None:
    """Open the Socket Mode connection; a rejected app token is a ConfigError.

    slack_sdk's own connect loop retries every error for ever, a traceback each time, a rejected
    token included: so the token is tried here first, with one call that fails cleanly.
    """
    try:
        await socket.client.web_client.apps_connections_open(app_token=socket.client.app_token)
    except SlackApiError as e:
        error = e.response.get("error") if e.response is not None else None
        raise ConfigError(f"Slack refused the app-level token ({error}); create one with the "
                          "connections:write scope under Basic Information -> App-Level Tokens",
                          key="SLACK_APP_TOKEN") from e
    await socket.connect_async()  # type: ignore[no-untyped-call]  # slack-bolt is untyped here


async def _check_token(client: AsyncWebClient) -> None:
    """Fail at start with a clear message rather than on the first command."""
    try:
        await client.auth_test()
    except SlackApiError as e:
        error = e.response.get("error") if e.response is not None else None
        raise ConfigError(f"Slack refused the token ({error}); copy the Bot User OAuth "
                          "Token (xoxb-...) from the app's OAuth & Permissions page",
                          key="SLACK_BOT_TOKEN") from e


def unreachable(config: SlackConfig, error: BaseException, *, again: bool = False) -> str:
    """One log line. It names ``[slack] api_base_url`` only when the config sets it: a user who
    never wrote that key is not told to look at it."""
    where = ""
    if config.api_base_url != SlackConfig().api_base_url:
        where = f" at {config.api_base_url} ([slack] api_base_url)"
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = f"cannot connect to {error.host}:{error.port}: {error.os_error.strerror or error}"
    elif isinstance(error, TimeoutError):
        reason = "timed out"
    else:
        reason = f"{type(error).__name__}: {error}"
    return f"Slack is {'still ' if again else ''}not reachable{where} ({reason})"


async def start_slack(app: CoreParts, **kwargs: Any) -> SlackRunner:
    """``briefbot run`` entry."""
    return await start_slack_runner(app.router, app.config.slack, app.secrets, **kwargs)


async def run_slack(router: CommandRouter, config: SlackConfig, secrets: Secrets) -> None:
    """Run until cancelled (SIGTERM handling cancels this task); stops cleanly either way."""
    runner = await start_slack_runner(router, config, secrets)
    try:
        await runner.wait_closed()
    finally:
        await runner.stop()


async def _close_client_session(client: AsyncWebClient) -> None:
    session = getattr(client, "session", None)
    if session is not None and not session.closed:
        with contextlib.suppress(Exception):
            await session.close()

