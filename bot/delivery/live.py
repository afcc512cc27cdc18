"""Live subscriptions: each new item posted once per channel, as it arrives, never a flood.

The ingest hook (``queue_hook``) queues what a poll stored or retitled after the feed's first
successful parse, so a new feed's backlog never reaches a live channel. Each tick
(``LiveDelivery.tick``) claims post keys in the live delivery log (``bot.storage.live``) before
posting (the keys of one message together or not at all, so no crash or second poster splits a
batch). The key is the item's canonical link, so the same article from two followed feeds is
claimed once per channel; an edit that keeps the title keeps the key (not posted again), a new
title gets its own key (posted once, as an update). A batch whose poster died is taken over when
its lease runs out and checked with the platform before it is posted again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.claims.query import rank
from bot.claims.ranks import visible_by_id
from bot.delivery.attempts import idempotency_key
from bot.delivery.audience import Audience, Audiences
from bot.delivery.filters import WordFilter, fold
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.i18n import label, phrase, when
from bot.ingest import AfterItems
from bot.model import Claim, Item, Link, Reply, Section, Target
from bot.ports import Clock, Publisher
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from bot.storage.live import FAILED, SENT, LivePostRow, QueuedItem

log = logging.getLogger(__name__)

MAX_CLAIMS = 3  # claims shown per item
MAX_ITEMS_PER_MESSAGE = 10  # a batch beyond this goes out as several messages
KEEP_LOG = timedelta(days=30)  # finished log rows and queue entries older than this are forgotten
LIVE_JOB_ID = "live"
LIVE_TICK_SECONDS = 30.0


def post_key(item: Item) -> str:
    """Canonical link (scheme and trailing slash ignored) or, without one, source and identity."""
    if item.url:
        link = item.url.split("://", 1)[-1].rstrip("/").casefold()
        return "url:" + link
    return f"item:{item.source_id}:{item.key}"


def update_key(base: str, title: str) -> str:
    return f"{base}#{hashlib.sha256(title.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Pending:
    item: Item
    key: str
    is_update: bool


class LiveDelivery:
    """Posts the live subscriptions' items through the publishers, exactly once per channel."""

    def __init__(self, storage: Storage, publishers: Mapping[str, Publisher], clock: Clock, *,
                 lease: timedelta = timedelta(minutes=5), owner: str | None = None,
                 retry_seconds: float = 60.0, audiences: Audiences | None = None) -> None:
        """``audiences``: who reads which feeds in which language (the app passes the config's;
        without one every feed is every channel's, in English)."""
        self.storage = storage
        self.audiences = audiences or Audiences(None, storage)
        self.publishers = publishers
        self.clock = clock
        self.lease = lease
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.retry_seconds = retry_seconds

    async def tick(self) -> int:
        """Resume batches whose lease ran out, then post what is due; returns messages sent."""
        await self.storage.live.prune(self.clock.now() - KEEP_LOG)
        sent = await self.resume_stale()
        subs = [s for s in await self.storage.deliveries.subscriptions()
                if s.mode == "live" and s.enabled]
        for sub in subs:
            if sub.platform in self.publishers:
                sent += await self.deliver(sub)
        return sent

    async def deliver(self, sub: SubscriptionRow) -> int:
        """Claim and post this subscription's due messages, within its hourly budget."""
        now = self.clock.now()
        groups = _messages(await self.pending(sub, await self.audiences.of_subscription(sub)),
                           sub.batch_minutes, now)
        if not groups:
            return 0  # nothing new, or its batch is still open
        budget = sub.max_posts_per_hour - await self.storage.live.messages_since(
            sub.id, now - timedelta(hours=1))
        if budget < len(groups):
            waiting = sum(len(g) for g in groups[max(budget, 0):])
            log.warning("live %s: %d item(s) wait for the next hour (max_posts_per_hour = %d)",
                        sub.id, waiting, sub.max_posts_per_hour)
        sent = 0
        for group in groups[:max(budget, 0)]:
            batch = await self._claim(sub, group)
            if batch is None:
                continue  # another poster has (some of) it: the next look sees what is left
            ok = await self._post(sub, batch, group, check_first=False)
            if not ok:
                break  # rate limited or failing: the rest waits for the next tick
            sent += 1
        return sent

    async def pending(self, sub: SubscriptionRow,
                      audience: Audience) -> list[tuple[QueuedItem, Pending]]:
        """Queued items of the feeds the subscription reads that its channel has not had (or
        had with an older title, as an update)."""
        queued = [q for q in await self.storage.live.queued(stored_after=sub.created_at)
                  if audience.sees(q.source_id)]
        if not queued:
            return []
        items = {i.id: i for i in await self.storage.items.by_ids([q.item_id for q in queued])}
        if sub.topic:
            scores = await self.storage.prepared.topic_scores(sub.topic, list(items))
            items = {i: item for i, item in items.items() if scores.get(i, 0) > 0}
        words = WordFilter.of(sub.include, sub.exclude)
        chosen = [(q, items[q.item_id]) for q in queued if q.item_id in items
                  and words.allows(items[q.item_id].title, items[q.item_id].text)]
        keys = [post_key(item) for _, item in chosen]
        keys += [update_key(post_key(item), item.title) for _, item in chosen]
        logged = {r.post_key: r for r in await self.storage.live.posts(sub.platform, sub.channel,
                                                                         keys)}
        out: list[tuple[QueuedItem, Pending]] = []
        seen: set[str] = set()
        for q, item in chosen:
            base = post_key(item)
            first = logged.get(base)
            if first is None:
                key, is_update = base, False
            elif first.item_id == item.id and first.title != item.title:
                key, is_update = update_key(base, item.title), True
            else:
                continue  # posted already (maybe from another feed), or an edit of the text
            if key in logged or key in seen:
                continue
            seen.add(key)
            out.append((q, Pending(item, key, is_update)))
        return out

    async def _claim(self, sub: SubscriptionRow, group: Sequence[Pending]) -> str | None:
        """The batch id of the message, claimed whole, or None (claimed by another: nothing)."""
        now = self.clock.now()
        batch = uuid.uuid4().hex
        rows = [LivePostRow(sub.platform, sub.channel, p.key, sub.id, p.item.id, p.item.title,
                            p.is_update, batch, "claimed", self.owner, now + self.lease, False, 0,
                            None, None) for p in group]
        return batch if await self.storage.live.claim_batch(rows, now=now) else None

    async def resume_stale(self) -> int:
        """Batches a dead or rate-limited poster left: take each over and post it whole (asking
        the platform first when a publish call may have gone through). A batch for a platform
        not connected in this process (yet: Slack connects after the first tick) is left to
        wait, never dropped."""
        sent = 0
        for batch in await self.storage.live.stale_batches(self.clock.now()):
            sub = await self._subscription_of(batch)
            if sub is not None and sub.enabled and sub.platform not in self.publishers:
                continue
            now = self.clock.now()
            if not await self.storage.live.take_over(batch, owner=self.owner, now=now,
                                                     lease_expires=now + self.lease):
                continue
            if sub is None or not sub.enabled:
                await self._drop(batch, "its subscription is gone or disabled")
                continue
            rows = await self.storage.live.batch(batch)  # as its last owner left it
            items = {i.id: i for i in await self.storage.items.by_ids([r.item_id for r in rows])}
            group = [Pending(items[r.item_id], r.post_key, r.is_update) for r in rows
                     if r.item_id in items]
            if not group:
                await self._drop(batch, "its items are gone")
                continue
            sent += await self._post(sub, batch, group,
                                     check_first=any(r.maybe_posted for r in rows))
        return sent

    async def _subscription_of(self, batch: str) -> SubscriptionRow | None:
        rows = await self.storage.live.batch(batch)
        return await self.storage.deliveries.subscription(rows[0].subscription_id) \
            if rows else None

    async def _drop(self, batch: str, why: str) -> None:
        await self.storage.live.finish(batch, owner=self.owner, state=FAILED,
                                       now=self.clock.now(), error=why)
        log.warning("live batch %s dropped: %s", batch, why)

    async def _post(self, sub: SubscriptionRow, batch: str, group: Sequence[Pending], *,
                    check_first: bool) -> bool:
        """One publish of a claimed batch; False when it has to wait (handed back)."""
        live = self.storage.live
        publisher = self.publishers[sub.platform]
        target, key = Target(sub.platform, sub.channel), idempotency_key(sub.id, batch)
        if check_first:
            try:
                found = await publisher.find_existing(target, key)
            except NotImplementedError:
                found = None
                log.warning("live %s: batch %s may have been posted before a crash; the "
                            "platform cannot tell, so it is posted (possibly twice)", sub.id, batch)
            if found is not None:
                await live.finish(batch, owner=self.owner, state=SENT, now=self.clock.now(),
                                  message_id=found.message_id)
                return True
        if not await live.start_attempt(batch, owner=self.owner,
                                        lease_expires=self.clock.now() + self.lease):
            return False
        reply = await self.render(sub, group)
        try:
            receipt = await publisher.publish(target, reply, idempotency_key=key)
        except TransientPublishError as e:
            wait = e.retry_after if e.retry_after is not None else self.retry_seconds
            await live.release(batch, owner=self.owner, error=str(e), not_posted=True,
                               retry_at=self.clock.now() + timedelta(seconds=wait))
            log.warning("live %s: %s; %d item(s) wait %.0f s", sub.id, e, len(group), wait)
            return False
        except UnknownOutcomeError as e:
            await live.release(batch, owner=self.owner, error=str(e), not_posted=False,
                               retry_at=self.clock.now())
            log.warning("live %s: %s; checked and retried next tick", sub.id, e)
            return False
        except PermanentPublishError as e:
            await live.finish(batch, owner=self.owner, state=FAILED, now=self.clock.now(),
                              error=str(e))
            await self.storage.deliveries.disable_subscription(sub.id, str(e), self.clock.now())
            log.error("live %s disabled: %s (%d item(s) not posted)", sub.id, e, len(group))
            return False
        await live.finish(batch, owner=self.owner, state=SENT, now=self.clock.now(),
                          message_id=receipt.message_id)
        return True

    async def render(self, sub: SubscriptionRow, group: Sequence[Pending]) -> Reply:
        """Headline linked to the article, source and date, summary and claims (the compact
        claim line every answer uses): a section per item, in the language of the
        subscription's community. On Slack the claims go into a thread reply
        (``Reply.replies``), one section per item that has any."""
        audience, language = await self.audiences.subscriber(sub)
        claims = await self._claims(audience, [p.item.id for p in group])
        in_thread = sub.platform == "slack"
        sections, replies = [], []
        for p in group:
            # one item: the title is its headline, not printed again above its summary
            section = _section(p, audience.name_of(p.item.source_id), language,
                               headed=len(group) > 1)
            mine = _untold(claims.get(p.item.id, ()), section.bullets)[:MAX_CLAIMS]
            if in_thread:
                sections.append(section)
                if mine:
                    replies.append(Section(heading=section.heading or p.item.title, claims=mine))
            else:
                sections.append(dataclasses.replace(section, claims=mine))
        first = group[0].item.title
        title = (phrase("live_updated", language, title=first) if group[0].is_update else first) \
            if len(group) == 1 else phrase("live_new_items", language, n=len(group))
        return Reply(title=title, sections=tuple(sections), notify=sub.mention,
                     thread=sub.thread and sub.platform == "discord", replies=tuple(replies),
                     language=language)

    async def _claims(self, audience: Audience,
                      item_ids: list[int]) -> dict[int, tuple[Claim, ...]]:
        """Item id -> its claims as ledger entries, most important first, with only what the
        audience may read (sources, disputes)."""
        mentioned = await self.storage.claims.mention_items(
            await self.storage.claims.ids_for_items(item_ids))
        if not mentioned:
            return {}
        # only these items' claims and their dispute partners are read (bot.claims.ranks)
        ranked = rank(await visible_by_id(self.storage, sorted(mentioned),
                                          None if audience.everything else audience.sees))
        return {item_id: tuple(c for c in ranked if item_id in mentioned[c.id])
                for item_id in item_ids}


def _section(p: Pending, source: str, language: str, *, headed: bool) -> Section:
    """An item's section without its claims: headline (``headed``), link, summary, source and
    date (once: in the text, not again beside the link)."""
    item = p.item
    heading = (phrase("live_updated", language, title=item.title) if p.is_update
               else item.title) if headed else ""
    published = when(item.published, language) if item.published else \
        label("date_unknown", language)
    link = Link(label("story_source", language) if not headed else item.title, item.url)
    return Section(heading=heading, links=(link,) if item.url else (),
                   bullets=tuple(item.bullets),
                   text=" · ".join(part for part in (source, published) if part))


def _untold(claims: Sequence[Claim], bullets: Sequence[str]) -> tuple[Claim, ...]:
    """The claims whose words the summary does not already say (a disputed one always: its
    tag is news)."""
    told = fold(" ".join(bullets))
    return tuple(c for c in claims if c.disputes or fold(c.text) not in told)


def _messages(pending: Sequence[tuple[QueuedItem, Pending]], batch_minutes: int,
              now: datetime) -> list[list[Pending]]:
    """The messages due ``now``, oldest first. Without ``batch_minutes`` one per item. With it,
    a window opens at the oldest item waiting and holds what was queued in the next
    ``batch_minutes``; it is due when they are over, and the next item waiting opens the next
    window. So a window's items depend only on when they were queued, never on when a tick ran
    (late, after a restart, beside another process): a window that closed while no process ran
    does not take in what the first poll after the restart finds. Messages hold at most
    ``MAX_ITEMS_PER_MESSAGE`` items."""
    if not batch_minutes:
        return [[p] for _, p in pending]
    span = timedelta(minutes=batch_minutes)
    windows: list[tuple[datetime, list[Pending]]] = []
    for queued, p in sorted(pending, key=lambda pair: pair[0].queued_at):
        if not windows or queued.queued_at >= windows[-1][0] + span:
            windows.append((queued.queued_at, []))
        windows[-1][1].append(p)
    return [items[i:i + MAX_ITEMS_PER_MESSAGE] for opened, items in windows
            if opened + span <= now for i in range(0, len(items), MAX_ITEMS_PER_MESSAGE)]


def queue_hook(storage: Storage) -> AfterItems:
    """The ingest hook that queues a poll's new and retitled items for live subscriptions."""

    async def hook(item_ids: list[int], now: datetime) -> None:
        await storage.live.queue(item_ids, now)

    return hook


__all__ = ["LiveDelivery", "post_key", "queue_hook"]
