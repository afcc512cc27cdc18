"""Polling feeds: fetch, parse, identify, store; backoff and health per feed.

One broken feed never stops the others: every per-feed problem becomes a FeedResult with a reason.
Only storage errors escape (the caller cannot go on without its database). Fetches run concurrently;
storing is serialized so that two feeds carrying the same article never race on its key.

Nor does a slow feed delay the others: under ``poll_due`` every feed poll is its own task, and a
feed still being polled (say, its article pages trickle in) is simply not started again while the
other feeds keep their schedule. Article pages go through ``ArticlePages``: their own deadline and
their own limit over all feeds.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.config import Config, FeedConfig
from bot.errors import FeedError, StorageBusy, StorageError
from bot.feeds.discover import find_feed_links
from bot.feeds.entries import EntryPlan, plan_entries, to_article
from bot.feeds.fetch import HTTPStatusError
from bot.feeds.fulltext import ArticlePages
from bot.feeds.leases import kept_leased, worker_id
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.schedule import failure_delay, success_delay
from bot.ingest import IngestService, RawArticle, Stored, content_hash
from bot.ports import Clock, Fetcher, FetchResponse
from bot.storage import Storage
from bot.storage.sources import SourceRow
from bot.text.pacing import pace
from bot.text.pool import WorkerDied


class PollerParts(Protocol):
    """What a poller is built from (``bot.app.App`` has them): a protocol, so feeds never import
    the composition root above them."""

    @property
    def config(self) -> Config: ...
    @property
    def storage(self) -> Storage: ...
    @property
    def ingest(self) -> IngestService: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def fetcher(self) -> Fetcher: ...

log = logging.getLogger(__name__)


@dataclass
class FeedResult:
    """What one poll of one feed did, for ``briefbot ingest --once`` and the logs."""

    name: str
    url: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    held_back: int = 0  # new items kept out of digests (old, or beyond the newest few)
    not_modified: bool = False
    discovered: str | None = None  # the feed a website URL named
    title: str | None = None  # the feed's own title, when it was parsed
    entries: int = 0  # entries the parsed feed carried
    incomplete: bool = False  # some new items were not stored (an analysis process died)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "new" if self.new else "updated" if self.updated else "unchanged"

    def line(self) -> str:
        label = self.name if self.name == self.url else f"{self.name} ({self.url})"
        if self.error:
            return f"feed {label}: error — {self.error}"
        if self.not_modified:
            text = "unchanged (not modified since the last poll)"
        else:
            new = f"{self.new} new"
            if self.held_back:
                new += f" ({self.held_back} kept out of digests as old)"
            text = f"{new}, {self.updated} updated, {self.unchanged} unchanged"
        if self.discovered:
            text += f" (feed found at {self.discovered})"
        if self.warnings:
            text += " — warning: " + "; ".join(self.warnings)
        return f"feed {label}: {text}"


class FeedPoller:
    def __init__(
        self,
        config: Config,
        storage: Storage,
        ingest: IngestService,
        clock: Clock,
        fetcher: Fetcher,
        *,
        rng: random.Random | None = None,
        concurrency: int = 4,
        wait_seconds: float = 30.0,
        worker: str | None = None,
        lease: timedelta | None = None,
    ) -> None:
        self.config = config
        self.storage = storage
        self.ingest = ingest
        self.clock = clock
        self.fetcher = fetcher
        self.rng = rng or random.Random()
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.worker = worker or worker_id()  # the name its feed leases and ``polled_by`` carry
        self.lease = lease or timedelta(seconds=config.workers.feed_lease_seconds)  # renewed
        self.batch = 2 * concurrency  # feeds leased and in flight at once (fetching or queued)
        self.pages = ArticlePages(fetcher, timeout=config.fetch.full_text_timeout,
                                  concurrency=config.fetch.full_text_concurrency)
        self._discovered: dict[str, str] = {}  # website URL -> the feed it names
        self._store_lock = asyncio.Lock()
        self._gate = asyncio.Semaphore(concurrency)
        self._running: dict[int, asyncio.Task[FeedResult]] = {}  # source id -> its poll under way
        self._leases_reclaimed = False  # leases of this worker id's previous life, ended once

    @classmethod
    def from_app(cls, app: PollerParts, fetcher: Fetcher) -> FeedPoller:
        return cls(app.config, app.storage, app.ingest, app.clock, fetcher)

    async def _sources(self) -> list[tuple[FeedConfig, SourceRow]]:
        pairs: dict[str, tuple[FeedConfig, SourceRow]] = {}
        now = self.clock.now()
        for feed in self.config.feeds:
            if feed.url not in pairs:
                name = feed.name or feed.url
                row = await self.storage.sources.ensure("feed", feed.url, name, now)
                pairs[feed.url] = (feed, row)
        for owned in await self.storage.feed_owners.followed():  # added from chat or OPML
            if owned.source.url not in pairs:
                pairs[owned.source.url] = (FeedConfig(owned.source.url, owned.name), owned.source)
        return list(pairs.values())

    async def poll_all(self) -> list[FeedResult]:
        """Every configured feed once, whatever its schedule (``briefbot ingest --once``)."""
        return await self._poll_many(await self._sources())

    async def poll_due(self, now: datetime | None = None) -> list[FeedResult]:
        """Start the feeds whose next poll is due; call it periodically (e.g. every minute).

        A feed whose previous poll is still running is not started twice. Waits at most
        ``wait_seconds`` for the polls under way and returns those that finished since the last
        call (each result once); slower polls go on and come with a later call. A storage error
        of a finished poll is raised.
        """
        try:
            if not self._leases_reclaimed:
                await self.storage.leases.release_all(self.worker)  # nothing of ours runs yet
                self._leases_reclaimed = True
            pairs = await self._sources()  # new feeds in the config are due at once
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.wait_seconds
            while await self._lease_more(pairs, now or self.clock.now()):
                in_flight = [t for t in self._running.values() if not t.done()]
                remaining = deadline - loop.time()
                if not in_flight or remaining <= 0:
                    break
                await asyncio.wait(in_flight, timeout=remaining,
                                   return_when=asyncio.FIRST_COMPLETED)
            remaining = deadline - loop.time()
            if self._running and remaining > 0:
                await asyncio.wait(list(self._running.values()), timeout=remaining)
            finished = [(sid, task) for sid, task in self._running.items() if task.done()]
            for sid, _ in finished:
                del self._running[sid]
            return self._collect([task for _, task in finished])
        except StorageBusy as e:  # another process writes for long: the next run tries again
            log.warning("feed polling postponed: %s", e)
            return []

    async def close(self) -> None:
        """Cancel the polls still under way (the process is stopping)."""
        tasks = list(self._running.values())
        self._running.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _lease_more(self, pairs: list[tuple[FeedConfig, SourceRow]], now: datetime) -> bool:
        """Lease due feeds up to ``batch`` polls in flight and start them; False when none was
        leased. A few at a time, so that the workers sharing a database share the due feeds
        instead of the first one leasing them all (``bot.storage.leases``)."""
        free = self.batch - sum(1 for t in self._running.values() if not t.done())
        if free <= 0:
            return True  # full: wait for one to end, then lease again
        leased = {row.id: row for row in await self.storage.leases.claim_due(
            self.worker, now, until=now + self.lease, limit=free)}
        started = 0
        for feed, row in pairs:
            if row.id in leased and row.id not in self._running:
                self._running[row.id] = asyncio.create_task(
                    self._poll_leased(feed, leased[row.id]), name=f"poll {feed.url}")
                started += 1
        # a leased feed the config no longer lists keeps its lease until it lapses, so that it
        # is not leased again at once
        return started > 0

    async def _poll_leased(self, feed: FeedConfig, row: SourceRow) -> FeedResult:
        """Poll a feed leased to this worker, then release it (next_poll is stored by then, so
        no other worker finds it due before its interval)."""
        try:
            async with kept_leased(self.storage.leases, row.id, self.worker, self.clock,
                                   self.lease):
                return await self._poll_gated(feed, row)
        finally:
            await self.storage.leases.release(row.id, self.worker)

    async def _poll_gated(self, feed: FeedConfig, row: SourceRow) -> FeedResult:
        async with self._gate:
            return await self.poll_feed(feed, row)

    async def _poll_many(self, pairs: list[tuple[FeedConfig, SourceRow]]) -> list[FeedResult]:
        tasks = [asyncio.ensure_future(self._poll_gated(f, r)) for f, r in pairs]
        if tasks:
            await asyncio.wait(tasks)
        return self._collect(tasks)

    @staticmethod
    def _collect(tasks: list[asyncio.Task[FeedResult]]) -> list[FeedResult]:
        results: list[FeedResult] = []
        for task in tasks:
            if task.cancelled():
                continue
            error = task.exception()
            if error is not None:
                raise error  # only storage errors get here
            results.append(task.result())
        return results

    async def poll_feed(self, feed: FeedConfig, row: SourceRow) -> FeedResult:
        result = FeedResult(name=feed.name or feed.url, url=feed.url)
        interval = timedelta(minutes=feed.interval or self.config.fetch.interval)
        try:
            response, parsed = await self._fetch(feed, row)
            now = self.clock.now()
            if response.status == 304:
                result.not_modified = True
                await self.storage.sources.record_success(
                    row.id, now, etag=row.etag, last_modified=row.last_modified,
                    next_poll=now + success_delay(interval, response.headers, self.rng),
                    warning=row.warning, parsed=False,
                )
                return result
            assert parsed is not None
            result.discovered = self._discovered.get(feed.url)
            result.title, result.entries = parsed.title or None, len(parsed.entries)
            await self._store(row, parsed, result)
            # an incomplete poll keeps no validators: the next one fetches the whole feed again
            await self.storage.sources.record_success(
                row.id, now, etag=None if result.incomplete else response.headers.get("ETag"),
                last_modified=None if result.incomplete else response.headers.get("Last-Modified"),
                next_poll=now + success_delay(interval, response.headers, self.rng),
                warning="; ".join(result.warnings) or None,
            )
        except FeedError as e:
            self._discovered.pop(feed.url, None)  # find the feed afresh next time
            result.error = e.reason
            retry_after = e.retry_after if isinstance(e, HTTPStatusError) else None
            await self._record_failure(row, interval, e.stored, retry_after)
        except StorageError:
            raise
        except Exception as e:  # a bug must not stop the other feeds, nor print a traceback
            log.debug("feed %s failed", feed.url, exc_info=True)
            result.error = f"internal error ({type(e).__name__}: {e})"
            await self._record_failure(row, interval, result.error, None)
        return result

    async def _record_failure(
        self, row: SourceRow, interval: timedelta, reason: str, retry_after: float | None
    ) -> None:
        now = self.clock.now()
        delay = failure_delay(interval, row.consecutive_failures + 1, retry_after, self.rng)
        await self.storage.sources.record_failure(row.id, now, reason, next_poll=now + delay)
        log.warning("feed %s: %s", row.url, reason)

    async def _fetch(
        self, feed: FeedConfig, row: SourceRow
    ) -> tuple[FetchResponse, ParsedFeed | None]:
        url = self._discovered.get(feed.url, feed.url)
        response = await self.fetcher.fetch(url, etag=row.etag, last_modified=row.last_modified)
        if response.status == 304 and not (row.etag or row.last_modified):
            # nothing was asked conditionally: a cache's wrong answer, not "unchanged"
            response = await self.fetcher.fetch(url)
            if response.status == 304:
                raise FeedError("answered 304 Not Modified to a request without validators",
                                code="bad_not_modified")
        if response.status == 304:
            return response, None
        self._check_size(response)
        parsed = await asyncio.to_thread(parse_feed, response.body, response.headers, response.url)
        if parsed.is_feed:
            return response, parsed
        content_type = str(response.headers.get("Content-Type", "")).lower()
        if not (parsed.looks_like_html or "html" in content_type):
            raise FeedError("not a feed (neither RSS, Atom nor JSON Feed)", code="not_a_feed")
        links = find_feed_links(response.body, response.url)
        if not links:
            raise FeedError("an HTML page, not a feed, and it links to no feed", code="no_feed_found")
        response = await self.fetcher.fetch(links[0])
        self._check_size(response)
        parsed = await asyncio.to_thread(parse_feed, response.body, response.headers, response.url)
        if not parsed.is_feed:
            raise FeedError(f"the page names {links[0]} as its feed, but that is not a feed",
                            code="linked_not_feed", args={"url": links[0]})
        self._discovered[feed.url] = links[0]
        return response, parsed

    def _check_size(self, response: FetchResponse) -> None:
        """A feed cut at the size cap is refused whole: a partial parse would store fragments."""
        if response.truncated:
            raise FeedError(f"larger than the size limit of {self.config.fetch.max_bytes:,} bytes "
                            "([fetch] max_bytes)", code="too_large",
                            args={"bytes": self.config.fetch.max_bytes})

    async def _store(self, row: SourceRow, parsed: ParsedFeed, result: FeedResult) -> None:
        now = self.clock.now()
        max_age = timedelta(hours=self.config.fetch.max_age)
        plans, skipped = await plan_entries(
            self.storage, row, parsed, now=now, max_age=max_age,
            first_poll=row.first_parsed is None, full_text=self.config.fetch.full_text)
        if parsed.warning:
            result.warnings.append(parsed.warning)
        if skipped:
            result.warnings.append(f"{skipped} entries without guid, link or title skipped")
        result.unchanged += sum(1 for p in plans if p.unchanged)
        articles = await self._articles([p for p in plans if not p.unchanged], result)
        fresh = [(plan, article) for plan, article in articles
                 if plan.stored_hash != content_hash(article.title, article.text)]
        result.unchanged += len(articles) - len(fresh)  # known already: skip ingest's lookups
        async with self._store_lock:
            try:
                stored = await self.ingest.ingest_articles(row, [a for _, a in fresh])
            except WorkerDied as e:
                # the items stored before it stay; the others are new again at the next poll,
                # which must fetch the whole feed to see them (no validators stored)
                log.warning("feed %s: %s", row.url, e)
                result.warnings.append(str(e))
                result.incomplete = True
                return
            changed = self._count(row, fresh, stored, result)
            if changed:
                try:
                    await self.ingest.run_hooks(changed, now)
                except StorageError:
                    raise
                except Exception as e:  # the items are stored; only the ledger update failed
                    log.debug("hooks failed for %s", row.url, exc_info=True)
                    result.warnings.append(f"claims ledger not updated ({type(e).__name__}: {e})")

    @staticmethod
    def _count(row: SourceRow, fresh: list[tuple[EntryPlan, RawArticle]], stored: list[Stored],
               result: FeedResult) -> list[int]:
        """Count what ``ingest_articles`` did into ``result``; the ids of new or changed items."""
        changed: list[int] = []
        failed = 0
        for (plan, article), outcome in zip(fresh, stored, strict=True):
            if outcome.item_id is None or outcome.status is None:
                log.warning("feed %s: item %s skipped: %s", row.url, plan.key, outcome.error)
                failed += 1
                continue
            if outcome.status == "new":
                result.new += 1
                result.held_back += not article.digest_eligible
            elif outcome.status == "updated":
                result.updated += 1
            else:
                result.unchanged += 1
            if outcome.status != "unchanged":
                changed.append(outcome.item_id)
        if failed:
            result.warnings.append(f"{failed} items could not be analysed")
        return changed

    async def _articles(
        self, plans: list[EntryPlan], result: FeedResult
    ) -> list[tuple[EntryPlan, RawArticle]]:
        """Articles oldest first (so newer items get higher ids), full text fetched for teasers."""
        gate = asyncio.Semaphore(self.pages.per_feed)
        pages = self.pages if self.config.fetch.full_text else None
        problems: list[str] = []

        async def build(plan: EntryPlan) -> tuple[EntryPlan, RawArticle]:
            await pace()  # all start at once; most never wait for a page (bot.text.pacing)
            async with gate:
                article, warning = await to_article(plan, pages,
                                                    max_chars=self.config.text.max_chars)
            if warning:
                problems.append(warning)
            return plan, article

        built = await asyncio.gather(*(build(p) for p in reversed(plans)))
        if problems:
            result.warnings.append(
                f"{len(problems)} teaser{'s' if len(problems) > 1 else ''} kept without full "
                f"text ({problems[0]})")
        return list(built)


def poller_for(app: PollerParts) -> FeedPoller:
    """The poller for a long-running process, on the app's fetcher (closed with the app).
    Schedule ``poller.poll_due`` every minute or so."""
    return FeedPoller.from_app(app, app.fetcher)


async def ingest_once(app: PollerParts) -> list[FeedResult]:
    """Fetch and process every configured feed once. Raises only StorageError."""
    return await FeedPoller.from_app(app, app.fetcher).poll_all()
