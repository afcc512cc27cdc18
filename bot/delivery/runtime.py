"""Scheduled digests and feed polling for ``briefbot run``: built by ``bot.app.build_app``, started
and stopped by the entry point.

Start order matters: the config's ``[[digests]]`` are copied in first, the cron jobs follow them,
and catch-up (missed slots, interrupted claims) runs in the background so a failing channel's
retries never hold up the bot's start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.config import Config
from bot.delivery.attempts import Outcome, OutcomeState
from bot.delivery.audience import Audiences
from bot.delivery.feed_alerts import FeedAlerts
from bot.delivery.live import LIVE_JOB_ID, LIVE_TICK_SECONDS, LiveDelivery
from bot.delivery.scheduler import DigestScheduler
from bot.delivery.service import BuildDigest, DeliveryService, Sleep
from bot.delivery.subscriptions import SubscriptionService, describe_target
from bot.feeds.poller import FeedPoller
from bot.ports import Clock, Publisher
from bot.storage import Storage

log = logging.getLogger(__name__)

FEED_POLL_SECONDS = 60.0  # how often feeds are checked for being due (each has its own interval)
FEED_JOB_ID = "feeds"

PollFeeds = Callable[[], Awaitable[None]]


def feed_poll_job(poller: FeedPoller, alerts: FeedAlerts | None = None,
                  live: LiveDelivery | None = None) -> PollFeeds:
    """The scheduler's feed job: poll the due feeds, one log line per feed; then announce feeds
    failing too long (or working again) in their channels, and post live items at once rather
    than at the next live tick."""

    async def poll() -> None:
        for result in await poller.poll_due():
            log.info("%s", result.line())
        if alerts is not None:
            await alerts.run()
        if live is not None:
            await live_job(live)()

    return poll


def live_job(live: LiveDelivery) -> PollFeeds:
    """The scheduler's live job: resume handed-back batches, post what is due."""

    async def tick() -> None:
        sent = await live.tick()
        if sent:
            log.info("live: %d message(s) posted", sent)

    return tick


@dataclass(frozen=True)
class DeliveryRuntime:
    subscriptions: SubscriptionService
    service: DeliveryService
    scheduler: DigestScheduler
    config: Config
    live: LiveDelivery | None = None

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
        poll_feeds: PollFeeds | None = None,
        live: LiveDelivery | None = None,
    ) -> DeliveryRuntime:
        subscriptions = SubscriptionService(storage.deliveries, clock,
                                            language=config.bot.language)
        service = DeliveryService(subscriptions, publishers, build_digest, clock,
                                  settings=config.delivery, sleep=sleep,
                                  language=config.bot.language,
                                  audiences=Audiences(config, storage))
        scheduler = DigestScheduler(service, sweep_seconds=sweep_seconds)
        subscriptions.on_change = scheduler.sync
        if poll_feeds is not None:
            scheduler.add_interval_job(poll_feeds, seconds=FEED_POLL_SECONDS, job_id=FEED_JOB_ID,
                                       run_now=True)
        if live is not None:
            scheduler.add_interval_job(live_job(live), seconds=LIVE_TICK_SECONDS,
                                       job_id=LIVE_JOB_ID)
        return cls(subscriptions, service, scheduler, config, live)

    async def start(self, *, wait_for_catch_up: bool = False) -> list[Outcome]:
        """Sync config subscriptions, schedule them, start the scheduler, then catch up."""
        await self.subscriptions.sync_config(self.config.all_subscriptions)
        await self.scheduler.sync()
        self.scheduler.start()
        log.info("scheduled digests: %d subscription(s); grace %g h",
                 len(await self.subscriptions.enabled()), self.config.delivery.grace_hours)
        if wait_for_catch_up:
            return await self.service.catch_up()
        await self.service.start_due()
        return []

    async def stop(self) -> None:
        """Stop firing jobs, let sends in progress finish, hand back slots waiting on a retry."""
        self.scheduler.shutdown()
        await self.service.stop()

    async def post_now(self) -> list[str]:
        """``briefbot digest --post``: each configured digest posted now, one line per target.

        Outside the delivery log (the scheduled digest still comes). Platforms not connected in
        this command are reported, not silently skipped.
        """
        subs = await self.subscriptions.sync_config(self.config.all_subscriptions)
        if not subs:
            return ["no digest subscriptions configured ([[subscriptions]]): nothing to post"]
        by_id = {s.id: s for s in subs}
        lines = []
        for outcome in await self.service.post_now(subs):
            where = describe_target(by_id[outcome.subscription_id])
            if outcome.state is OutcomeState.SENT:
                lines.append(f"posted to {where}: message {outcome.message_id}")
            elif outcome.state is OutcomeState.NO_PUBLISHER:
                lines.append(f"not posted to {where}: {outcome.detail} in this command "
                             "(`briefbot run` connects it)")
            else:
                lines.append(f"{outcome.state} for {where}: {outcome.detail}")
        return lines
