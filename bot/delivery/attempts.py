"""The retry loop of one claimed slot: check, build, count, publish, record.

Split from ``service`` to keep each module short; ``DeliveryService`` is its only user.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.delivery.subscriptions import describe_target
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.model import Receipt, Reply, Target
from bot.ports import Clock, Publisher
from bot.storage.deliveries import FAILED, SENT, SKIPPED, SubscriptionRow
from bot.storage.protocols import DeliveriesStorage


class AttemptSettings(Protocol):
    """What a retry loop reads from ``bot.delivery.service.DeliveryService`` (its only user): a
    protocol, so the two modules do not import each other."""

    store: DeliveriesStorage
    clock: Clock
    owner: str
    lease: timedelta
    max_attempts: int

    async def build(self, sub: SubscriptionRow, since: datetime, until: datetime) -> Reply | None:
        ...

    def backoff(self, attempt: int, error: TransientPublishError | None) -> float: ...

    async def pause(self, seconds: float) -> bool: ...

log = logging.getLogger("bot.delivery.service")


def idempotency_key(subscription_id: str, slot: str) -> str:
    """25 characters, the most a Discord nonce may have; the same for every retry of a slot."""
    return "bb" + hashlib.sha256(f"{subscription_id}|{slot}".encode()).hexdigest()[:23]


class OutcomeState(StrEnum):
    """What happened to one slot in this process. The first three are also the delivery log's
    final states (``bot.storage.deliveries``)."""

    SENT = SENT
    SKIPPED = SKIPPED
    FAILED = FAILED
    BUSY = "busy"  # another process holds the slot
    STOPPED = "stopped"  # shutdown during retries: the next start resumes
    LOST = "lost"  # our lease was taken over
    NO_PUBLISHER = "no_publisher"  # the platform is not connected in this process


@dataclass(frozen=True)
class Outcome:
    """What happened to one slot in this process."""

    subscription_id: str
    slot: str
    state: OutcomeState
    detail: str = ""
    message_id: str | None = None
    possible_duplicate: bool = False
    reconciled: bool = False

    def line(self) -> str:
        text = f"{self.subscription_id} {self.slot}: {self.state}"
        if self.message_id:
            text += f" (message {self.message_id})"
        if self.detail:
            text += f" — {self.detail}"
        if self.possible_duplicate:
            text += " — POSSIBLE DUPLICATE"
        return text


class SlotAttempts:
    """The retry loop of one claimed slot (an object, so its state is named, not threaded)."""

    def __init__(self, service: AttemptSettings, sub: SubscriptionRow, slot: str, *,
                 publisher: Publisher, since: datetime, until: datetime, check_first: bool,
                 late: bool, late_reason: str) -> None:
        self.s = service
        self.sub, self.slot, self.publisher = sub, slot, publisher
        self.since, self.until = since, until
        self.target = Target(sub.platform, sub.channel)
        self.key = idempotency_key(sub.id, slot)
        self.check = check_first  # ask the platform before posting (a post may exist)
        self.late, self.late_reason = late, late_reason
        self.possible_duplicate = False
        self.reconciled = check_first
        self._reply: Reply | None = None
        self._built = False  # the digest is built once, on the first attempt that needs it

    def outcome(
        self, state: OutcomeState, detail: str = "", message_id: str | None = None
    ) -> Outcome:
        return Outcome(self.sub.id, self.slot, state, detail, message_id,
                       self.possible_duplicate, self.reconciled)

    async def finish(self, state: str, *, error: str | None = None,
                     receipt: Receipt | None = None) -> Outcome:
        s = self.s
        ok = await s.store.finish(self.sub.id, self.slot, owner=s.owner, state=state,
                                  now=s.clock.now(), error=error,
                                  message_id=receipt.message_id if receipt else None,
                                  possible_duplicate=self.possible_duplicate)
        if not ok:
            log.error("digest %s %s: lost the claim before recording %s", self.sub.id, self.slot,
                      state)
            return self.outcome(OutcomeState.LOST, f"{state} but the claim had been taken over",
                                receipt.message_id if receipt else None)
        return self.outcome(OutcomeState(state), error or "", receipt.message_id if receipt else None)

    async def run(self) -> Outcome:
        s = self.s
        attempt = 0
        while True:
            attempt += 1
            error: TransientPublishError | None = None
            try:
                return await self._attempt()
            except PermanentPublishError as e:
                reason = f"{s.clock.now():%Y-%m-%d %H:%M} UTC: {e}"
                await s.store.disable_subscription(self.sub.id, reason, s.clock.now())
                log.error("digest to %s disabled: %s", describe_target(self.sub), e)
                return await self.finish(FAILED, error=f"permanent error, subscription "
                                                       f"disabled: {e}")
            except UnknownOutcomeError as e:
                self.check = True  # ask before the next attempt
                error = TransientPublishError(str(e), retry_after=0 if attempt == 1 else None)
            except TransientPublishError as e:
                error = e
            if attempt >= s.max_attempts:
                log.error("digest to %s, %s: giving up after %d attempts: %s",
                          describe_target(self.sub), self.slot, attempt, error)
                return await self.finish(FAILED, error=f"gave up after {attempt} attempts: "
                                                       f"{error}")
            delay = s.backoff(attempt, error)
            until = s.clock.now() + timedelta(seconds=delay) + s.lease
            if not await s.store.renew(self.sub.id, self.slot, owner=s.owner,
                                       lease_expires=until, error=str(error)):
                return self.outcome(OutcomeState.LOST, "the claim was taken over by another process")
            log.warning("digest to %s, %s: %s; retrying in %.0f s", describe_target(self.sub),
                        self.slot, error, delay)
            if not await s.pause(delay):
                await s.store.renew(self.sub.id, self.slot, owner=s.owner,
                                    lease_expires=s.clock.now(),
                                    error=f"stopped while waiting to retry: {error}")
                return self.outcome(OutcomeState.STOPPED, "handed back for the next start")

    async def _attempt(self) -> Outcome:
        """One attempt: ask the platform first when a post may exist, skip a late slot, build
        the digest once, post it. Raises what ``Publisher.publish`` raises."""
        if self.check:
            found = await self._find_existing()
            if found is not None:
                log.info("digest %s %s: already posted (message %s); recorded as sent",
                         self.sub.id, self.slot, found.message_id)
                return await self.finish(SENT, receipt=found)
            self.check = False
        if self.late:
            return await self._skip_late()
        if not self._built:
            self._reply, self._built = await self.s.build(self.sub, self.since, self.until), True
        if self._reply is None:
            return await self.finish(SKIPPED, error="quiet day: nothing new")
        lease = self.s.clock.now() + self.s.lease
        if not await self.s.store.start_attempt(self.sub.id, self.slot, owner=self.s.owner,
                                                lease_expires=lease):
            return self.outcome(OutcomeState.LOST, "the claim was taken over by another process")
        receipt = await self.publisher.publish(self.target, self._reply, idempotency_key=self.key)
        if self.possible_duplicate:
            log.warning("digest to %s, %s: posted, possibly twice (the platform cannot "
                        "tell whether an interrupted attempt went through)",
                        describe_target(self.sub), self.slot)
        return await self.finish(SENT, receipt=receipt)

    async def _skip_late(self) -> Outcome:
        reason = self.late_reason
        if self.possible_duplicate:  # posted or not, nobody can tell: say so
            self.possible_duplicate = False
            reason += "; an interrupted attempt may have posted it"
        log.warning("digest to %s, %s: %s", describe_target(self.sub), self.slot, reason)
        return await self.finish(SKIPPED, error=reason)

    async def _find_existing(self) -> Receipt | None:
        try:
            return await self.publisher.find_existing(self.target, self.key)
        except NotImplementedError:
            self.possible_duplicate = True
            return None
