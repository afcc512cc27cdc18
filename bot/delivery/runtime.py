"""Scheduled digests assembled for ``briefbot run``: build, start, stop.

Start order matters: the config's ``[[digests]]`` are copied in first, the cron jobs follow them,
and catch-up (missed slots, interrupted claims) runs in the background so a failing channel's
retries never hold up the bot's start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.delivery.scheduler import DigestScheduler
from bot.delivery.service import BuildDigest, DeliveryService, Outcome, Sleep
from bot.delivery.subscriptions import SubscriptionService, describe_target
from bot.model import Reply
from bot.ports import Clock, Fetcher, Publisher
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

FEED_POLL_SECONDS = 60.0  # how often feeds are checked for being due (each has its own interval)


@dataclass
class DeliveryRuntime:
    subscriptions: SubscriptionService
    service: DeliveryService
    scheduler: DigestScheduler
    config: Config

    @classmethod
    def build(
        cls,
        config: Config,
        storage: Storage,
        clock: Clock,
        publishers: Mapping[str, Publisher],
        build_digest: BuildDigest,
        *,
        sleep: Sleep = asyncio.sleep,
        sweep_seconds: float = 60.0,
    ) -> DeliveryRuntime:
        subscriptions = SubscriptionService(storage.deliveries, clock,
                                            language=config.bot.language)
        service = DeliveryService(subscriptions, publishers, build_digest, clock,
                                  settings=config.delivery, sleep=sleep,
                                  language=config.bot.language)
        scheduler = DigestScheduler(service, sweep_seconds=sweep_seconds)
        subscriptions.on_change = scheduler.sync
        return cls(subscriptions, service, scheduler, config)

    async def start(self, *, wait_for_catch_up: bool = False) -> list[Outcome]:
        """Sync config subscriptions, schedule them, start the scheduler, then catch up."""
        await self.subscriptions.sync_config(self.config.digests)
        await self.scheduler.sync()
        self.scheduler.start()
        if wait_for_catch_up:
            return await self.service.catch_up()
        await self.service.start_due()
        return []

    async def stop(self) -> None:
        """Stop firing jobs, let sends in progress finish, hand back slots waiting on a retry."""
        self.scheduler.shutdown()
        await self.service.stop()


# --- glue for bot/run.py and bot/cli.py -----------------------------------------------------------


def app_build_digest(app: App) -> BuildDigest:
    """``app.extras["build_digest"]`` when the app provides one, else the core digest of the
    items ingested in the slot's window (None on a quiet day)."""
    custom = app.extras.get("build_digest")
    if custom is not None:
        return custom  # type: ignore[no-any-return]

    async def build(sub: SubscriptionRow, since: datetime, until: datetime) -> Reply | None:
        from bot.answers import DigestWindow, digest_reply

        items = await app.storage.items.window(since=since, until=until)
        window = DigestWindow(since, until, items,
                              f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC")
        digest = await app.answers.build_digest(window, topic=sub.topic)
        return None if digest.empty else digest_reply(digest, app.config.bot.language)

    return build


def _console_publisher(app: App) -> Publisher:
    from adapters.console_publisher import ConsolePublisher

    journal = app.config.storage.database.parent / "console-posted.tsv"
    return ConsolePublisher(journal=journal)


@dataclass
class Background:
    """What ``start_background`` started; ``stop()`` ends it gracefully."""

    runtime: DeliveryRuntime
    fetcher: Fetcher | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def stop(self) -> None:
        await self.runtime.stop()
        if "poller" in self.extras:
            await self.extras["poller"].close()
        if self.fetcher is not None:
            await self.fetcher.close()


async def start_background(app: App, *, console: bool) -> Background:
    """Scheduled digests and feed polling for ``briefbot run``.

    Publishers are read from ``app.publishers`` (the same dict, so platforms connected later
    count); a console publisher is added when none is there. Sets ``app.answers.delivery`` so
    /subscribe, /unsubscribe and /subscriptions work.
    """
    if "console" not in app.publishers:
        app.publishers["console"] = _console_publisher(app)
    runtime = DeliveryRuntime.build(app.config, app.storage, app.clock, app.publishers,
                                    app_build_digest(app))
    app.answers.delivery = runtime.subscriptions
    background = Background(runtime)
    if app.config.feeds:
        from bot.feeds.fetch import HttpFetcher
        from bot.feeds.poller import FeedPoller

        fetcher = app.fetcher
        if fetcher is None:
            fetcher = background.fetcher = HttpFetcher(app.config.fetch)
        poller = FeedPoller.from_app(app, fetcher)
        background.extras["poller"] = poller  # stopped first: its polls use the fetcher

        async def poll() -> None:
            for result in await poller.poll_due():
                log.info("%s", result.line())

        runtime.scheduler.add_interval_job(poll, seconds=FEED_POLL_SECONDS, job_id="feeds",
                                           run_now=True)
    await runtime.start()
    log.info("scheduled digests: %d subscription(s); grace %g h",
             len(await runtime.subscriptions.enabled()), app.config.delivery.grace_hours)
    return background


async def post_now_all(app: App) -> list[str]:
    """``briefbot digest --post``: each configured digest posted now, one line per target.

    Outside the delivery log (the scheduled digest still comes). Platforms not connected in this
    command are reported, not silently skipped.
    """
    if "console" not in app.publishers:
        app.publishers["console"] = _console_publisher(app)
    subscriptions = SubscriptionService(app.storage.deliveries, app.clock,
                                        language=app.config.bot.language)
    service = DeliveryService(subscriptions, app.publishers, app_build_digest(app), app.clock,
                              settings=app.config.delivery, language=app.config.bot.language)
    subs = await subscriptions.sync_config(app.config.digests)
    if not subs:
        return ["no [[digests]] configured: nothing to post"]
    by_id = {s.id: s for s in subs}
    lines = []
    for outcome in await service.post_now(subs):
        where = describe_target(by_id[outcome.subscription_id])
        if outcome.state == "sent":
            lines.append(f"posted to {where}: message {outcome.message_id}")
        elif outcome.state == "no_publisher":
            lines.append(f"not posted to {where}: {outcome.detail} in this command "
                         "(`briefbot run` connects it)")
        else:
            lines.append(f"{outcome.state} for {where}: {outcome.detail}")
    return lines
