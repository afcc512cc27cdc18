"""Feed health where people look: a feed failing for longer than ``[fetch] alert_after_hours`` is
announced once in the channels that get its items, and once when it works again.

"Once" goes through the delivery log, as digests do: each announcement is a slot of the
subscription, ``feed-down:<source id>:<episode start>`` or ``feed-up:<source id>:<episode start>``
(the episode start is ``sources.last_error_at``, which identifies one failure episode), claimed
with ``INSERT ... ON CONFLICT DO NOTHING`` so that two processes never both post it. A recovery is
announced only where the failure was. The channels: every subscription for a feed of the config
or a shared import; only the following communities' subscriptions for a feed added from chat (its
name and address stay inside those communities). A crash between claim and post loses that one
announcement rather than repeating it (at most once; the state is in ``/feeds list`` anyway).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.config import Config
from bot.delivery.attempts import idempotency_key
from bot.errors import PublishError
from bot.i18n import label
from bot.model import Reply, Target
from bot.ports import Clock, Publisher
from bot.storage import Storage
from bot.storage._util import ts
from bot.storage.communities_feeds import SHARED
from bot.storage.deliveries import FAILED, SENT, SubscriptionRow
from bot.storage.sources import SourceRow

log = logging.getLogger(__name__)

OWNER = "feed-alerts"
LEASE = timedelta(minutes=5)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


class FeedAlerts:
    def __init__(self, config: Config, storage: Storage, clock: Clock,
                 publishers: Mapping[str, Publisher]) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.publishers = publishers
        self.language = config.bot.language
        self.after = timedelta(hours=config.fetch.alert_after_hours)

    async def run(self) -> int:
        """Post the announcements that are due; returns how many were posted. Raises only
        ``StorageError`` (a failed post is logged and recorded as failed, never retried)."""
        subs = [s for s in await self.storage.deliveries.subscriptions() if s.enabled]
        if not subs:
            return 0
        now = self.clock.now()
        sent = await self.storage.community_subscriptions.alert_slots()
        communities = await self.storage.community_subscriptions.communities()
        owners: dict[int, set[str]] = defaultdict(set)
        for follow in await self.storage.feed_owners.followed():
            owners[follow.source.id].add(follow.community)
        configured = {feed.url for feed in self.config.feeds}
        posted = 0
        for row in await self.storage.sources.list("feed"):
            if row.last_error_at is None or (row.url not in configured and row.id not in owners):
                continue
            everyone = row.url in configured or SHARED in owners[row.id]
            for sub in subs:
                if not everyone and communities.get(sub.id) not in owners[row.id]:
                    continue
                posted += await self._one(row, sub, now, sent)
        return posted

    async def _one(self, row: SourceRow, sub: SubscriptionRow, now: datetime,
                   sent: set[tuple[str, str]]) -> int:
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
        text = label(key, self.language).format(name=row.name or row.url,
                                                since=_when(row.last_error_at),
                                                error=row.last_error or "?")
        try:
            receipt = await self.publishers[sub.platform].publish(
                Target(sub.platform, sub.channel), Reply(title=text),
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
