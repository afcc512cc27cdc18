"""``briefbot run`` and the other long-lived or multi-part commands: ingest, post, platform helpers.

This is the process-level composition: it decides which adapters start (by the tokens in the
environment), starts feed polling and the digest scheduler, and shuts down cleanly on SIGTERM.
Platform adapters are imported lazily so the core never depends on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from datetime import timedelta
from typing import Any

from bot.app import App, build_app
from bot.config import Config, Secrets
from bot.errors import ConfigError
from bot.ports import Publisher

log = logging.getLogger(__name__)


async def open_app(
    config: Config, *, secrets: Secrets | None = None, publishers: tuple[Publisher, ...] = ()
) -> App:
    return await build_app(config, secrets=secrets or Secrets.from_env(), publishers=publishers)


def missing_tokens(config: Config, secrets: Secrets) -> list[str]:
    """Scheduled digests whose platform has no token: each names the variable to set."""
    problems = []
    platforms = {d.platform for d in config.digests}
    if "discord" in platforms and not secrets.discord_token:
        problems.append("[[digests]] posts to Discord but DISCORD_TOKEN is not set")
    if "slack" in platforms:
        if not secrets.slack_bot_token:
            problems.append("[[digests]] posts to Slack but SLACK_BOT_TOKEN is not set")
        elif config.slack.mode == "socket" and not secrets.slack_app_token:
            problems.append("[slack] mode is socket but SLACK_APP_TOKEN is not set")
        elif config.slack.mode == "http" and not secrets.slack_signing_secret:
            problems.append("[slack] mode is http but SLACK_SIGNING_SECRET is not set")
    return problems


async def ingest_everything(app: App) -> list[str]:
    """Seeds, then every feed once, then retention. One line per source."""
    lines = []
    for result in await app.ingest.ingest_seeds(app.config.seeds.directory):
        detail = result.error if result.status == "error" else result.title
        lines.append(f"seed {result.path.name}: {result.status} — {detail}")
    lines.extend(await _ingest_feeds_once(app))
    cutoff = app.clock.now() - timedelta(days=app.config.storage.keep_days)
    pruned = await app.storage.items.prune(cutoff)
    if pruned:
        lines.append(f"retention: {pruned} feed items older than {app.config.storage.keep_days} "
                     "days deleted")
    return lines


async def _ingest_feeds_once(app: App) -> list[str]:
    if not app.config.feeds:
        return ["no [[feeds]] configured"]
    from bot.feeds.poller import ingest_once

    return [result.line() for result in await ingest_once(app)]


async def post_digests_now(app: App) -> list[str]:
    """``briefbot digest --post``: post the current digest to every configured subscription."""
    from bot.delivery.service import post_now_all

    platforms = {d.platform for d in app.config.digests}
    runners = []
    if "discord" in platforms and app.secrets.discord_token:
        from adapters.discord import start_discord

        runner = await start_discord(app)
        runners.append(runner)
        app.publishers["discord"] = runner.publisher
    if "slack" in platforms and app.secrets.slack_bot_token:
        from adapters.slack import make_publisher

        app.publishers["slack"] = make_publisher(
            app.secrets.slack_bot_token, app.config.slack.api_base_url,
            language=app.config.bot.language,
        )
    try:
        return await post_now_all(app)
    finally:
        for runner in runners:
            await runner.stop()


async def run(config: Config, secrets: Secrets, *, console: bool = False) -> int:
    problems = missing_tokens(config, secrets)
    if problems:
        raise ConfigError("; ".join(problems) + " (set it in the environment, or remove the "
                          "[[digests]] entry)")
    platforms = []
    if not console:
        if secrets.discord_token:
            platforms.append("discord")
        if secrets.slack_bot_token:
            platforms.append("slack")
    app = await open_app(config, secrets=secrets)
    try:
        results = await app.ingest.ingest_seeds(config.seeds.directory)
        for r in results:
            if r.status == "error":
                print(f"briefbot: seed {r.path.name} skipped: {r.error}", file=sys.stderr)
        if not platforms:
            if not (secrets.discord_token or secrets.slack_bot_token):
                print("briefbot: no DISCORD_TOKEN or SLACK_BOT_TOKEN set: running the console "
                      "adapter (type /help; end with Ctrl-D)", file=sys.stderr)
            return await _run_console(app)
        return await _run_platforms(app, platforms)
    finally:
        await app.close()


async def _run_console(app: App) -> int:
    from adapters.console import run_console

    first = await app.answers.digest(topic=None)
    background = await _start_background(app, console=True)
    try:
        return await run_console(app.router, first=first)
    finally:
        await _stop_background(background)


async def _start_background(app: App, *, console: bool) -> Any:
    """Feed polling and scheduled digests, when their modules are present."""
    try:
        from bot.delivery.runtime import start_background
    except ImportError:
        return None
    return await start_background(app, console=console)


async def _stop_background(background: Any) -> None:
    if background is not None:
        await background.stop()


async def _run_platforms(app: App, platforms: list[str]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    runners: list[Any] = []
    if "discord" in platforms:
        from adapters.discord import start_discord

        runners.append(await start_discord(app))
    if "slack" in platforms:
        from adapters.slack import start_slack

        runners.append(await start_slack(app))
    for runner in runners:
        app.publishers[runner.publisher.platform] = runner.publisher
    background = await _start_background(app, console=False)
    print(f"briefbot: running on {', '.join(platforms)} (SIGTERM or Ctrl-C stops)",
          file=sys.stderr)
    waiters = [asyncio.create_task(stop.wait())] + [
        asyncio.create_task(r.wait_closed()) for r in runners
    ]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    # a platform that ended with an error (a token rejected on a retried login) says so, exit 2
    failed = [w.exception() for w in waiters[1:] if w.done() and not w.cancelled()]
    # let sends in progress finish, then close the platforms
    await _stop_background(background)
    for runner in runners:
        await runner.stop()
    for w in waiters:
        w.cancel()
    for error in failed:
        if error is not None:
            raise error
    return 0


async def discord_invite(config: Config, secrets: Secrets) -> str:
    from adapters.discord.invite import invite_url

    return await invite_url(config, secrets)


def slack_manifest(config: Config) -> dict[str, Any]:
    from adapters.slack.manifest import manifest_for_config

    return manifest_for_config(config)
