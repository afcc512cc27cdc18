"""``briefbot run`` and the other long-lived or multi-part commands: ingest, post, platform helpers.

This is the process level: it decides which adapters start (by the tokens in the environment),
hands their publishers to the app, starts feed polling and the digest scheduler (``app.delivery``,
built by ``bot.app.build_app``), and shuts down cleanly on SIGTERM. The Discord and Slack adapters
are imported where they start: each costs seconds to import, which no other command should pay.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Protocol

from adapters.console import run_console
from adapters.console_publisher import ConsolePublisher
from bot.app import App, build_app, default_pipeline
from bot.config import Config, Secrets, Shards, discord_shards
from bot.delivery.leader import GATEWAY_ROLE, GatewayLeader, once_among_workers
from bot.delivery.service import Sleep
from bot.errors import BriefbotError, ConfigError
from bot.feeds.poller import ingest_once
from bot.model import Platform
from bot.ports import Publisher
from bot.storage.leader import role_lock

log = logging.getLogger(__name__)

REDERIVE_ROLE = "rederive-stale"  # the role lock of the worker that re-derives stored items
RETENTION_ROLE = "retention"  # the role lock of the worker that deletes old items
RETENTION_EVERY = timedelta(hours=6)


class PlatformRunner(Protocol):
    """What ``start_discord`` and ``start_slack`` return."""

    @property
    def publisher(self) -> Publisher: ...
    async def wait_closed(self) -> None: ...
    async def stop(self) -> None: ...


class GatewayRunner(PlatformRunner, Protocol):
    """What ``start_discord(..., connect=False)`` returns: REST now, the gateway on request."""

    def connect_gateway(self) -> None: ...


def console_publisher(config: Config) -> ConsolePublisher:
    """Console digests print (journalled next to the database) rather than dangle."""
    return ConsolePublisher(journal=config.storage.database.parent / "console-posted.tsv")


async def open_app(
    config: Config, *, secrets: Secrets | None = None, publishers: tuple[Publisher, ...] = ()
) -> App:
    """The app of one process: its pipeline, and the console publisher unless one is given."""
    if not any(p.platform == Platform.CONSOLE for p in publishers):
        publishers = (*publishers, console_publisher(config))
    return await build_app(config, secrets=secrets or Secrets.from_env(), publishers=publishers,
                           pipeline=default_pipeline(config.briefing.summary_words))


def missing_tokens(config: Config, secrets: Secrets) -> list[str]:
    """Scheduled digests whose platform has no token: each names the variable to set."""
    problems = []
    platforms = {d.platform for d in config.digests}
    if Platform.DISCORD in platforms and not secrets.discord_token:
        problems.append("[[digests]] posts to Discord but DISCORD_TOKEN is not set")
    if Platform.SLACK in platforms:
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
    pruned = await retention(app)
    if pruned:
        lines.append(f"retention: {pruned} feed items older than {app.config.storage.keep_days} "
                     "days deleted")
    return lines


async def retention(app: App) -> int:
    """Delete feed items older than ``[storage] keep_days`` (seeds stay); the claims that lost
    items are ranked again and no prepared digest built before is current. Returns how many."""
    cutoff = app.clock.now() - timedelta(days=app.config.storage.keep_days)
    pruned = await app.storage.items.prune(cutoff)
    if pruned:
        await app.answers.claim_ledger.after_prune()
        await app.answers.digests.expire_prepared()
    return pruned


async def _retention_loop(app: App, *, sleep: Sleep = asyncio.sleep) -> None:
    """``retention`` at start and every RETENTION_EVERY while the bot runs (before, only
    ``ingest --once`` deleted old items, so a bot that only ran kept every item forever). One
    worker at a time: two prunes at once would both take the deleted keys off the hour counts."""
    lease = timedelta(seconds=app.config.workers.leader_lease_seconds)
    lock = role_lock(app.storage.db, app.storage.leases, RETENTION_ROLE, app.worker, lease=lease)
    while True:
        try:
            if await lock.hold(app.clock.now()):
                pruned = await retention(app)
                if pruned:
                    log.info("retention: %d feed items older than %d days deleted", pruned,
                             app.config.storage.keep_days)
        except BriefbotError as e:  # the items stay; the next round tries again
            log.warning("retention stopped: %s", e)
        finally:
            await lock.release()
        await sleep(RETENTION_EVERY.total_seconds())


async def _ingest_feeds_once(app: App) -> list[str]:
    if not app.config.feeds:
        return ["no [[feeds]] configured"]
    return [result.line() for result in await ingest_once(app)]


async def post_digests_now(app: App) -> list[str]:
    """``briefbot digest --post``: post the current digest to every configured subscription."""
    platforms = {d.platform for d in app.config.digests}
    runners: list[PlatformRunner] = []
    if Platform.DISCORD in platforms and app.secrets.discord_token:
        from adapters.discord import start_discord  # noqa: PLC0415 - see the module docstring

        discord = await start_discord(app, connect=False)  # posting needs REST only
        runners.append(discord)
        app.publishers.connect(discord.publisher)
    if Platform.SLACK in platforms and app.secrets.slack_bot_token:
        from adapters.slack import make_publisher  # noqa: PLC0415 - see the module docstring

        app.publishers.connect(make_publisher(
            app.secrets.slack_bot_token, app.config.slack.api_base_url,
            language=app.config.bot.language,
        ))
    try:
        return await app.delivery.post_now()
    finally:
        for runner in runners:
            await runner.stop()


async def run(config: Config, secrets: Secrets, *, console: bool = False) -> int:
    problems = missing_tokens(config, secrets)
    if problems:
        raise ConfigError("; ".join(problems) + " (set it in the environment, or remove the "
                          "[[digests]] entry)")
    discord_shards(config)  # a bad BRIEFBOT_SHARD_IDS: one line before anything starts
    platforms: list[Platform] = []
    if not console:
        if secrets.discord_token:
            platforms.append(Platform.DISCORD)
        if secrets.slack_bot_token:
            platforms.append(Platform.SLACK)
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


async def worker_line(app: App, *, gateway: str = "none") -> str:
    """What this process is among the workers on one database: worker id, backend, its part of
    the Discord gateway (``gateway``: its shards, "gateway leader" or "REST only") and the feed
    leases it holds (left by an earlier run of the same id)."""
    held = await app.storage.leases.held(app.worker, app.clock.now())
    schema = await app.storage.db.schema_version()
    return (f"worker {app.worker} on {app.storage.db.description} (schema {schema}), discord: "
            f"{gateway}, feed leases held: {held}")


def gateway_leader(app: App) -> GatewayLeader:
    """The election of the one process that holds the Discord gateway (no shard settings)."""
    workers = app.config.workers
    lease = timedelta(seconds=workers.leader_lease_seconds)
    lock = role_lock(app.storage.db, app.storage.leases, GATEWAY_ROLE, app.worker, lease=lease)
    return GatewayLeader(lock, app.clock, retry=workers.leader_retry_seconds,
                         renew=min(workers.leader_retry_seconds, lease.total_seconds() / 3))


def gateway_part(shards: Shards | None, leader: GatewayLeader | None) -> str:
    """The start line's words for this process's part of the Discord gateway."""
    if shards is not None:
        return shards.line()
    if leader is None:
        return "none"
    if leader.leader:
        return "gateway leader"
    return f"REST only (another worker holds the gateway; trying every {leader.retry:g} s)"


@contextlib.asynccontextmanager
async def background(app: App) -> AsyncIterator[None]:
    """While the adapters run: scheduled digests, feed polling (``app.delivery``) and the
    re-derivation of items an older engine analysed (``IngestService.rederive_stale``) and the
    deletion of old items (``retention``)."""
    # what start-up built (modules, adapters, the app) lives as long as the process: a full
    # collection, which stops the event loop, then scans only what came since (40-125 ms less)
    gc.freeze()
    rederive = asyncio.create_task(_rederive(app), name="rederive-stale")
    retain = asyncio.create_task(_retention_loop(app), name="retention")
    await app.delivery.start()
    try:
        yield
    finally:
        await app.delivery.stop()
        for task in (rederive, retain):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _rederive(app: App) -> None:
    """One worker among those on a database re-derives (the others would redo the same items);
    a worker that finds the role held leaves it, and the next start of any worker goes on from
    the stored progress if the holder stopped."""
    if not await app.ingest.stale():
        return
    lease = timedelta(seconds=app.config.workers.leader_lease_seconds)
    lock = role_lock(app.storage.db, app.storage.leases, REDERIVE_ROLE, app.worker, lease=lease)
    try:
        if not await lock.hold(app.clock.now()):
            log.info("another worker is re-deriving the stored items")
            return
        await app.ingest.rederive_stale(still_ours=lambda: lock.hold(app.clock.now()))
    except BriefbotError as e:  # the old analyses stay; the next start goes on
        log.warning("re-deriving stored items stopped: %s", e)
    finally:
        await lock.release()


async def _run_console(app: App) -> int:
    log.info("briefbot: %s", await worker_line(app, gateway="none (console)"))
    first = await app.answers.digest(topic=None)
    async with background(app):
        return await run_console(app.router, first=first)


async def _run_platforms(app: App, platforms: list[Platform]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    runners: list[PlatformRunner] = []
    shards = discord_shards(app.config)
    leader: GatewayLeader | None = None
    watchers: list[asyncio.Task[None]] = []
    if Platform.DISCORD in platforms:
        from adapters.discord import start_discord  # noqa: PLC0415 - see the module docstring

        if shards is not None:
            runners.append(await start_discord(app, shards=shards))
        else:
            leader = gateway_leader(app)
            discord = await start_discord(app, connect=await leader.try_now())
            runners.append(discord)
            watchers.append(asyncio.create_task(_lead(leader, discord), name="gateway-leader"))
    if Platform.SLACK in platforms:
        from adapters.slack import start_slack  # noqa: PLC0415 - see the module docstring

        # Slack sends a command it got no ack for again, maybe to another worker: one answers
        runners.append(await start_slack(app, once=once_among_workers(
            app.storage.leases, app.worker, app.clock, "slack-command")))
    for runner in runners:
        app.publishers.connect(runner.publisher)
    worker = await worker_line(app, gateway=gateway_part(shards, leader))
    try:
        async with background(app):
            failure = await _serve(platforms, runners, stop, worker, watchers)
    finally:
        for runner in runners:
            await runner.stop()
        if leader is not None:
            await leader.release()
    if failure is not None:
        raise failure
    return 0


async def _lead(leader: GatewayLeader, discord: GatewayRunner) -> None:
    """Connect to the gateway when this process is (or becomes) the leader; raises
    ``LeadershipLost`` when it stops being it."""

    async def elected() -> None:
        discord.connect_gateway()

    await leader.follow(elected)


async def _serve(
    platforms: list[Platform], runners: list[PlatformRunner], stop: asyncio.Event, worker: str,
    watchers: list[asyncio.Task[None]],
) -> BaseException | None:
    """Until SIGTERM/Ctrl-C, a platform connection ends or a watcher (the gateway leader) fails;
    the error it ended with, if any."""
    print(f"briefbot: running on {', '.join(platforms)} (SIGTERM or Ctrl-C stops); {worker}",
          file=sys.stderr)
    waiters = [asyncio.create_task(stop.wait())] + [
        asyncio.create_task(r.wait_closed()) for r in runners
    ] + watchers
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    # a platform that ended with an error (a token rejected on a retried login) is raised by
    # the caller once everything is stopped: one line, exit 2
    failed = [w.exception() for w in waiters[1:] if w.done() and not w.cancelled()]
    for w in waiters:
        w.cancel()
    # leaving ``background`` lets sends in progress finish; then the platforms close
    return next((error for error in failed if error is not None), None)


async def discord_invite(config: Config, secrets: Secrets) -> str:
    from adapters.discord.invite import invite_url  # noqa: PLC0415 - see the module docstring

    return await invite_url(config, secrets)


def slack_manifest(config: Config) -> dict[str, Any]:
    from adapters.slack.manifest import manifest_for_config  # noqa: PLC0415 - see the docstring

    return manifest_for_config(config)
