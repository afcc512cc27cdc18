"""Posting scheduled digests exactly once, across processes, crashes and restarts.

For each subscription and local date (a slot) the delivery log holds one row. The path of a slot:

1. claim: insert the row (``claimed``, owner, lease). The database lets one process win.
2. count the attempt (``attempts + 1``) *before* calling the platform, so a successor knows whether
   a post may exist;
3. publish with an idempotency key derived from (subscription, slot);
4. mark ``sent`` with the message id.

A process that dies leaves a ``claimed`` row whose lease runs out; only then does another process (or
the restarted one) take it over. With ``attempts == 0`` nothing can have been posted, so it posts.
Otherwise it asks the platform (``find_existing``) and posts only when nothing is there; when the
platform cannot tell, it posts and records a possible duplicate, because a lost digest is worse.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime, timedelta

from bot.config import DeliveryConfig
from bot.delivery.attempts import Outcome, OutcomeState, SlotAttempts, idempotency_key
from bot.delivery.audience import Audiences
from bot.delivery.slots import Schedule, slot_key
from bot.delivery.subscriptions import SubscriptionService, describe_target, schedule_of
from bot.errors import (
    PermanentPublishError,
    TransientPublishError,
    UnknownOutcomeError,
)
from bot.i18n import label
from bot.model import Reply, Target
from bot.ports import Clock, Publisher
from bot.storage.deliveries import CLAIMED, FAILED, SENT, SKIPPED, DeliveryRow, SubscriptionRow

log = logging.getLogger(__name__)

DigestResult = Reply | None
BuildDigest = Callable[[SubscriptionRow, datetime, datetime],
                       DigestResult | Awaitable[DigestResult]]
Sleep = Callable[[float], Awaitable[None]]

LOOKBACK = timedelta(days=14)  # how far back missed slots are looked for (and logged as skipped)
KEEP_LOG = timedelta(days=90)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class DeliveryService:
    def __init__(
        self,
        subscriptions: SubscriptionService,
        publishers: Mapping[str, Publisher],
        build_digest: BuildDigest,
        clock: Clock,
        *,
        settings: DeliveryConfig | None = None,
        sleep: Sleep = asyncio.sleep,
        owner: str | None = None,
        language: str = "en",
        backoff_base: float = 30.0,
        backoff_cap: float = 900.0,
        audiences: Audiences | None = None,
    ) -> None:
        """``audiences``: the language of each subscription's community (the quiet-day line);
        without it every digest's own words are in ``language``."""
        settings = settings or DeliveryConfig()
        self.subscriptions = subscriptions
        self.store = subscriptions.store
        self.publishers = publishers  # not copied: platforms may connect later
        self.build_digest = build_digest
        self.clock = clock
        self.grace = timedelta(hours=settings.grace_hours)
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.max_attempts = max(1, settings.max_attempts)
        self.sleep = sleep
        self.owner = owner or new_owner()
        self.language = language
        self.audiences = audiences
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._tasks: dict[str, asyncio.Task[list[Outcome]]] = {}
        self._stopping = asyncio.Event()
        self._warned: set[str] = set()

    # --- entry points -----------------------------------------------------------------------------

    async def deliver_due(self, now: datetime | None = None) -> list[Outcome]:
        """Serve every enabled subscription's due slots; one task per subscription (after the one
        already running for it, if any)."""
        return await self._gather(await self.start_due(now, skip_busy=False))

    async def catch_up(self, now: datetime | None = None) -> list[Outcome]:
        """At start: slots missed while down are posted within the grace period, else skipped."""
        now = now or self.clock.now()
        await self.store.prune(slot_key((now - KEEP_LOG).date()))
        outcomes = await self.deliver_due(now)
        for o in outcomes:
            level = logging.WARNING if o.state in (FAILED, SKIPPED) or o.possible_duplicate \
                else logging.INFO
            log.log(level, "catch-up: %s", o.line())
        return outcomes

    async def start_due(
        self, now: datetime | None = None, *, skip_busy: bool = True
    ) -> list[asyncio.Task[list[Outcome]]]:
        """Start (without waiting) a task per subscription; the sweep skips those being served."""
        if self._stopping.is_set():
            return []
        now = now or self.clock.now()
        return [self._spawn(sub, now) for sub in await self.subscriptions.enabled()
                if not (skip_busy and sub.id in self._tasks)]

    async def deliver_subscription(
        self, subscription_id: str, now: datetime | None = None
    ) -> list[Outcome]:
        """What a subscription's cron job runs (after a sweep already serving it, if any)."""
        sub = await self.store.subscription(subscription_id)
        if sub is None or not sub.enabled or self._stopping.is_set():
            return []
        return await self._gather([self._spawn(sub, now or self.clock.now())])

    async def stop(self) -> None:
        """Stop starting work; sends in progress finish, retries waiting on a backoff hand their
        slot back (lease released at once) so the next start resumes them."""
        self._stopping.set()
        await self._gather(list(self._tasks.values()))

    def _spawn(self, sub: SubscriptionRow, now: datetime) -> asyncio.Task[list[Outcome]]:
        """One task per subscription at a time: a new one waits for the running one."""
        previous = self._tasks.get(sub.id)

        async def run() -> list[Outcome]:
            if previous is not None:
                await asyncio.wait({previous})
            if self._stopping.is_set():
                return []
            return await self._serve(sub, now)

        task = asyncio.get_running_loop().create_task(run(), name=f"digest {sub.id}")
        self._tasks[sub.id] = task

        def forget(done: asyncio.Task[list[Outcome]]) -> None:
            if self._tasks.get(sub.id) is done:
                del self._tasks[sub.id]

        task.add_done_callback(forget)
        return task

    @staticmethod
    async def _gather(tasks: Iterable[asyncio.Task[list[Outcome]]]) -> list[Outcome]:
        results = await asyncio.gather(*tasks)
        return [o for outcomes in results for o in outcomes]

    # --- one subscription -------------------------------------------------------------------------

    async def _serve(self, sub: SubscriptionRow, now: datetime) -> list[Outcome]:
        """Never raises: a failure here must not touch any other subscription."""
        try:
            outcomes = await self._serve_unsafe(sub, now)
        except Exception as e:
            log.exception("digest %s: unexpected error", sub.id)
            return [Outcome(sub.id, "", OutcomeState.FAILED, f"internal error: {e}")]
        for outcome in outcomes:
            log.info("digest: %s", outcome.line())
        return outcomes

    async def _serve_unsafe(self, sub: SubscriptionRow, now: datetime) -> list[Outcome]:
        publisher = self.publishers.get(sub.platform)
        if publisher is None:
            if sub.id not in self._warned:
                self._warned.add(sub.id)
                log.warning("digest to %s: %s is not connected in this process; its slots stay "
                            "open for a process that is", describe_target(sub), sub.platform)
            return [Outcome(sub.id, "", OutcomeState.NO_PUBLISHER, f"{sub.platform} is not connected")]
        schedule = schedule_of(sub)
        start = max(sub.created_at, now - LOOKBACK)
        days = schedule.between(start, now)
        logged = {r.slot: r for r in await self.store.deliveries(
            sub.id, since_slot=slot_key(schedule.local_date(now - LOOKBACK)))}
        outcomes = []
        # an interrupted claim on a day before the candidates (e.g. created_at moved) still counts
        stale = [date.fromisoformat(s) for s, r in logged.items() if r.state == CLAIMED]
        for day in sorted(set(days) | set(stale)):
            key = slot_key(day)
            row = logged.get(key)
            if row is not None and row.state != CLAIMED:
                continue
            newest = day == days[-1] if days else False
            if row is None and not newest:
                reason = (f"missed: the bot was not running at {_hm(schedule.instant(day))}, and "
                          "a newer digest was due too (only the newest is posted)")
                if now - schedule.instant(day) > self.grace:
                    reason = self._late_reason(schedule, day)
                if await self.store.record_skipped(sub.id, key, reason=reason, now=now):
                    log.warning("digest to %s, %s: %s", describe_target(sub), key, reason)
                    outcomes.append(Outcome(sub.id, key, OutcomeState.SKIPPED, reason))
                continue
            outcomes.append(await self._deliver(sub, schedule, day, row=row, publisher=publisher,
                                                now=now))
        return outcomes

    def _late_reason(self, schedule: Schedule, day: date) -> str:
        hours = self.grace.total_seconds() / 3600
        return (f"missed: due at {_hm(schedule.instant(day))} while the bot was not running, and "
                f"it came back later than the grace period of {hours:g} h")

    async def _deliver(
        self, sub: SubscriptionRow, schedule: Schedule, day: date, *, row: DeliveryRow | None,
        publisher: Publisher, now: datetime,
    ) -> Outcome:
        key = slot_key(day)
        since, until = schedule.window(day)
        if row is None:
            won = await self.store.claim(sub.id, key, owner=self.owner, now=self.clock.now(),
                                         lease_expires=self.clock.now() + self.lease,
                                         window_since=since, window_until=until)
            if not won:
                return Outcome(sub.id, key, OutcomeState.BUSY, "claimed by another process")
            posted_before = False
        else:
            if row.lease_expires is not None and row.lease_expires > now:
                return Outcome(sub.id, key, OutcomeState.BUSY, f"claimed by {row.owner} until "
                                                    f"{_hm(row.lease_expires)}")
            if not await self.store.take_over(sub.id, key, owner=self.owner,
                                              now=self.clock.now(),
                                              lease_expires=self.clock.now() + self.lease):
                return Outcome(sub.id, key, OutcomeState.BUSY, "taken over by another process")
            log.warning("digest to %s, %s: resuming a delivery interrupted in %s (%d attempt(s))",
                        describe_target(sub), key, row.owner, row.attempts)
            since, until = row.window_since or since, row.window_until or until
            posted_before = row.attempts > 0
        late = self.clock.now() - until > self.grace
        return await SlotAttempts(self, sub, key, publisher=publisher, since=since, until=until,
                               check_first=posted_before, late=late,
                               late_reason=self._late_reason(schedule, day)).run()

    async def pause(self, seconds: float) -> bool:
        """Back off; False when the bot is stopping (then the slot is handed back)."""
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        stopper = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (sleeper, stopper):
                f.cancel()
        return not self._stopping.is_set()

    def backoff(self, attempt: int, error: TransientPublishError | None) -> float:
        if error is not None and error.retry_after is not None:
            return max(0.0, float(error.retry_after))
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    async def _quiet_or(self, sub: SubscriptionRow, result: DigestResult) -> Reply | None:
        if result is not None and result.sections:
            return result
        if sub.quiet == "skip":
            return None
        language = (await self.audiences.language_of(sub) if self.audiences is not None
                    else self.language)
        title = label("digest", language) + (f": {sub.topic}" if sub.topic else "")
        return Reply(title=f"{title} — {label('quiet', language)}", language=language)

    async def build(self, sub: SubscriptionRow, since: datetime, until: datetime) -> Reply | None:
        result = self.build_digest(sub, since, until)
        if inspect.isawaitable(result):
            result = await result
        return await self._quiet_or(sub, result)

    # --- posting now (for testing a setup) ----------------------------------------------------------

    async def post_now(
        self, subs: Iterable[SubscriptionRow] | None = None, *, window: timedelta = timedelta(
            hours=24)
    ) -> list[Outcome]:
        """Post the digest of the last ``window`` to each subscription now, outside the log.

        For users testing their setup: one attempt each, nothing is claimed, and the scheduled
        digest still comes at its time.
        """
        subs = list(subs) if subs is not None else await self.subscriptions.all()
        now = self.clock.now()

        async def one(sub: SubscriptionRow) -> Outcome:
            publisher = self.publishers.get(sub.platform)
            if publisher is None:
                return Outcome(sub.id, "now", OutcomeState.NO_PUBLISHER, f"{sub.platform} is not connected")
            reply = await self.build(sub, now - window, now)
            if reply is None:
                return Outcome(sub.id, "now", OutcomeState.SKIPPED, "quiet: nothing new (quiet = \"skip\")")
            try:
                receipt = await publisher.publish(
                    Target(sub.platform, sub.channel), reply,
                    idempotency_key="bn" + secrets.token_hex(11))
            except (TransientPublishError, PermanentPublishError, UnknownOutcomeError) as e:
                return Outcome(sub.id, "now", OutcomeState.FAILED, f"{type(e).__name__}: {e}")
            return Outcome(sub.id, "now", OutcomeState.SENT, describe_target(sub), receipt.message_id)

        return list(await asyncio.gather(*(one(s) for s in subs)))


def _hm(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment.utcoffset() == timedelta(0) else \
        moment.isoformat(timespec="minutes")


__all__ = ["FAILED", "SENT", "SKIPPED", "DeliveryService", "Outcome", "idempotency_key"]
