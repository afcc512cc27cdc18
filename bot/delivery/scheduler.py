"""APScheduler 3 wiring: a cron job per subscription, a sweep, and the feed poller's interval jobs.

APScheduler decides *when to look*; the delivery log decides *what to post*. So a job that fires
twice (the repeated hour in autumn), late (after a stalled event loop, within ``misfire_grace_time``)
or not at all (a crash) can neither duplicate nor lose a digest: the cron job and the minutely sweep
both end in ``DeliveryService``, which serves whatever slot is due and not yet logged. The sweep also
picks up claims whose lease ran out, and slots a stalled loop let APScheduler skip.

``misfire_grace_time`` is the delivery grace period: APScheduler's default of 1 s would drop a run
after any one-second stall of the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.service import DeliveryService
from bot.delivery.subscriptions import schedule_of
from bot.errors import StorageBusy

log = logging.getLogger(__name__)

SWEEP_ID = "digest-sweep"
DIGEST_PREFIX = "digest:"


class DigestScheduler:
    def __init__(
        self,
        service: DeliveryService,
        *,
        grace: timedelta | None = None,
        sweep_seconds: float = 60.0,
    ) -> None:
        self.service = service
        self._shut_down = False
        self.grace = grace if grace is not None else service.grace
        # given to every job explicitly too: jobs added before start() lack the defaults
        self.job_options: dict[str, Any] = {
            "misfire_grace_time": max(1, int(self.grace.total_seconds())),
            "coalesce": True,
            "max_instances": 1,
            "replace_existing": True,
        }
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            k: v for k, v in self.job_options.items() if k != "replace_existing"})
        self.scheduler.add_job(self._sweep, IntervalTrigger(seconds=sweep_seconds),
                               id=SWEEP_ID, name="digest sweep", **self.job_options)

    async def sync(self) -> None:
        """Make the cron jobs match the enabled subscriptions (call after any change)."""
        subs = {s.id: s for s in await self.service.subscriptions.enabled()}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(DIGEST_PREFIX) and job.id[len(DIGEST_PREFIX):] not in subs:
                job.remove()
        for sub in subs.values():
            schedule = schedule_of(sub)
            trigger = CronTrigger(hour=schedule.hour, minute=schedule.minute,
                                  timezone=schedule.zone)
            self.scheduler.add_job(self._fire, trigger, args=(sub.id,),
                                   id=DIGEST_PREFIX + sub.id, name=f"digest {sub.id}",
                                   **self.job_options)

    def add_interval_job(
        self,
        func: Callable[..., Awaitable[Any]],
        *,
        seconds: float,
        job_id: str,
        args: tuple[Any, ...] = (),
        run_now: bool = False,
    ) -> None:
        """A coroutine run every ``seconds`` (feed polling), with the same misfire/coalesce rules."""
        kwargs = dict(self.job_options)
        if run_now:
            kwargs["next_run_time"] = datetime.now(UTC)  # APScheduler runs on wall time
        self.scheduler.add_job(_stops_quietly(func, job_id), IntervalTrigger(seconds=seconds),
                               args=args, id=job_id, name=job_id, **kwargs)

    def start(self) -> None:
        """Start inside the running event loop."""
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop firing jobs; running ones are awaited by ``DeliveryService.stop``. A second call
        does nothing (APScheduler's asyncio shutdown completes only on the next loop turn)."""
        if self.scheduler.running and not self._shut_down:
            self._shut_down = True
            self.scheduler.shutdown(wait=False)

    async def _fire(self, subscription_id: str) -> None:
        try:
            await self.service.deliver_subscription(subscription_id)
        except asyncio.CancelledError:
            log.debug("digest %s stopped mid-run (shutting down)", subscription_id)
        except StorageBusy as e:  # another process writes for long: the sweep retries the slot
            log.warning("digest %s postponed: %s", subscription_id, e)

    async def _sweep(self) -> None:
        try:
            await self.service.start_due()
        except asyncio.CancelledError:
            log.debug("digest sweep stopped mid-run (shutting down)")
        except StorageBusy as e:
            log.warning("digest sweep postponed: %s", e)


def _stops_quietly(
    func: Callable[..., Awaitable[None]], job_id: str
) -> Callable[..., Awaitable[None]]:
    """``func`` as a job that, cancelled because the bot is stopping, ends without APScheduler's
    "job raised an exception" traceback: a run cut short at shutdown is not an error (the delivery
    log and feed state make the next run pick up what it did not finish)."""

    async def job(*args: Any) -> None:
        try:
            await func(*args)
        except asyncio.CancelledError:
            log.debug("%s stopped mid-run (shutting down)", job_id)

    return job
