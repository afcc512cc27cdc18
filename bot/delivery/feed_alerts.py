"""Feed health where people look: a feed failing for longer than ``[fetch] alert_after_hours`` is
announced once in the channels that get its items, and once when it works again.

"Once" goes through the delivery log, as digests do: each announcement is a slot of the
subscription, ``feed-down:<source id>:<episode start>`` or ``feed-up:<source id>:<episode start>``
(the episode start is ``sources.last_error_at``, which identifies one failure episode), claimed
with ``INSERT ... ON CONFLICT DO NOTHING`` so that two processes never both post it. A recovery is
announced only where the failure was. The channels: the subscriptions that read the feed by the
one routing rule (``bot.delivery.audience``): for a feed of the config or a shared import every
community's, for a feed added from chat only the following communities' (its name and address
stay inside those), each narrowed to the feeds it names; each in its community's language. A
crash between claim and post loses that one announcement rather than repeating it (at most once;
the state is in ``/feeds list`` anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.config import Config
from bot.delivery.attempts import idempotency_key
from bot.delivery.audience import Audiences
from bot.errors import PublishError
from bot.i18n import fetch_error, phrase, when
from bot.model import Reply, Target
from bot.ports import Clock, Publisher
from bot.storage import Storage
from bot.storage._util import ts
from bot.storage.deliveries import FAILED, SENT, SubscriptionRow
from bot.storage.sources import SourceRow

log = logging.getLogger(__name__)

OWNER = "feed-alerts"
LEASE = timedelta(minutes=5)


class FeedAlerts:
    def __init__(self, config: Config, storage: Storage, clock: Clock,
                 publishers: Mapping[str, Publisher]) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.publishers = publishers
        self.language = config.bot.language
        self.audiences = Audiences(config, storage)
        self.after = timedelta(hours=config.fetch.alert_after_hours)

    async def run(self) -> int:
        """Post the announcements that are due; returns how many were posted. Raises only
        ``StorageError`` (a failed post is logged and recorded as failed, never retried)."""
        subs = [s for s in await self.storage.deliveries.subscriptions() if s.enabled]
        if not subs:
            return 0
        now = self.clock.now()
        sent = await self.storage.community_subscriptions.alert_slots()
        failing = [row for row in await self.storage.sources.list("feed")
                   if row.last_error_at is not None]
        posted = 0
        for sub in subs if failing else ():
            audience = await self.audiences.of_subscription(sub)  # the channels of its items
            mine = [row for row in failing if audience.sees(row.id)]
            language = await self.audiences.language_of(sub) if mine else self.language
            for row in mine:
                posted += await self._one(row, sub, now, sent, language=language,
                                          name=audience.name_of(row.id) or row.name or row.url)
        return posted

    async def _one(self, row: SourceRow, sub: SubscriptionRow, now: datetime,
                   sent: set[tuple[str, str]], *, language: str, name: str) -> int:
        episode = ts(row.last_error_at)
        down = f"feed-down:{row.id}:{episode}"
        if row.consecutive_failures:
            if row.last_error_at is None or now - row.last_error_at < self.after:
                return 0
            slot, key = down, "feed_down"
        else:
            if (sub.id, down) not in sent:
                return 0
            slot, key = f"feed-up:{row.id}:{episode}", "feed_up"
        if (sub.id, slot) in sent or sub.platform not in self.publishers:
            return 0
        if not await self.storage.deliveries.claim(sub.id, slot, owner=OWNER, now=now,
                                                   lease_expires=now + LEASE, window_since=now,
                                                   window_until=now):
            return 0
        text = phrase(key, language, name=name, since=when(row.last_error_at, language),
                      error=fetch_error(row.last_error, language))
        try:
            receipt = await self.publishers[sub.platform].publish(
                Target(sub.platform, sub.channel), Reply(title=text, language=language),
                idempotency_key=idempotency_key(sub.id, slot))
        except PublishError as e:
            log.warning("feed alert %s to %s:%s failed: %s", slot, sub.platform, sub.channel, e)
            await self.storage.deliveries.finish(sub.id, slot, owner=OWNER, state=FAILED,
                                                 now=self.clock.now(), error=str(e))
            return 0
        await self.storage.deliveries.finish(
            sub.id, slot, owner=OWNER, state=SENT, now=self.clock.now(),
            message_id=receipt.message_id)
        return 1
