"""Feeds managed from chat and from OPML files, per community.

A community is a Discord server or a Slack workspace (``community_key``). Each follows feeds under
its own names; the same URL followed by two communities is one source, fetched once. Config feeds
belong to nobody and cannot be removed here. Outcomes are data (a status and its arguments); the
words are chosen by the answer that renders them (``bot.answers.feeds``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from bot.config import Config, FeedConfig
from bot.errors import FeedError
from bot.feeds.discover import find_feed_links
from bot.feeds.health import SourceHealth
from bot.feeds.opml import OPMLDocument, OPMLProblem
from bot.feeds.parse import parse_feed
from bot.feeds.poller import FeedPoller
from bot.ports import Clock, Fetcher
from bot.storage import Storage
from bot.storage.communities_feeds import SHARED
from bot.storage.sources import SourceRow

HTTP_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)

AddStatus = Literal["added", "already", "config", "limit", "failed", "name_taken", "bad_url"]
RemoveStatus = Literal["removed", "config", "unknown"]
Origin = Literal["config", "community", "shared"]


def community_key(platform: str, community: str | None) -> str:
    """``discord:<guild id>``, ``slack:<team id>``; a platform without communities (the console)
    is one community of its own."""
    return f"{platform}:{community}" if community else platform


@dataclass(frozen=True)
class AddOutcome:
    status: AddStatus
    url: str
    name: str = ""
    title: str | None = None
    entries: int = 0
    error: str | None = None
    limit: int = 0
    discovered: bool = False  # a website URL whose feed was found through its links


@dataclass(frozen=True)
class RemoveOutcome:
    status: RemoveStatus
    name: str
    url: str = ""


@dataclass(frozen=True)
class ListedFeed:
    name: str
    origin: Origin
    health: SourceHealth


@dataclass
class ImportReport:
    """What ``import_opml`` did: feeds added, feeds skipped (line, reason), outlines unusable."""

    added: list[str] = dataclasses.field(default_factory=list)
    skipped: list[OPMLProblem] = dataclasses.field(default_factory=list)
    problems: list[OPMLProblem] = dataclasses.field(default_factory=list)


class FeedManager:
    """``/feeds add``, ``remove`` and ``list`` for one community at a time, and OPML imports."""

    def __init__(self, config: Config, storage: Storage, clock: Clock, fetcher: Fetcher,
                 poller: FeedPoller) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.fetcher = fetcher
        self.poller = poller

    async def resolve(self, url: str) -> tuple[str, bool]:
        """The feed URL for ``url`` (a feed, or a website naming its feed) and whether it was
        discovered through the page's links.

        Raises:
            FeedError: the address is refused, unreachable, or neither a feed nor a page linking one.
        """
        response = await self.fetcher.fetch(url)
        parsed = await asyncio.to_thread(parse_feed, response.body, response.headers, response.url)
        if parsed.is_feed:
            return url, False
        links = find_feed_links(response.body, response.url)
        if not links:
            raise FeedError("neither a feed (RSS, Atom, JSON Feed) nor a page that links to one",
                            code="no_feed_found")
        return links[0], True

    def _config_feed(self, *urls: str) -> FeedConfig | None:
        return next((f for f in self.config.feeds if f.url in urls), None)

    async def add(self, community: str, url: str, name: str | None,
                  added_by: str | None) -> AddOutcome:
        """Follow a feed: checked, fetched once now (its items stored), then polled with the rest.
        Never raises for a bad feed (the outcome carries the reason); only ``StorageError``."""
        url = url.strip().strip("<>")
        if not HTTP_URL.match(url):
            return AddOutcome("bad_url", url)
        limit = self.config.limits.feeds_per_community
        if community != SHARED and await self.storage.feed_owners.count(community) >= limit:
            return AddOutcome("limit", url, limit=limit)
        try:
            feed_url, discovered = await self.resolve(url)
        except FeedError as e:
            return AddOutcome("failed", url, error=e.stored)
        configured = self._config_feed(url, feed_url)
        if configured is not None:
            return AddOutcome("config", feed_url, name=configured.name or configured.url)
        existing = await self.storage.sources.get_by_url(feed_url)
        if existing is not None:
            owned = await self.storage.feed_owners.of_source(community, existing.id)
            if owned is not None:
                return AddOutcome("already", feed_url, name=owned.name)
        if name and await self.storage.feed_owners.find(community, name) is not None:
            return AddOutcome("name_taken", feed_url, name=name)
        row = existing or await self.storage.sources.ensure("feed", feed_url, name or feed_url,
                                                            self.clock.now())
        result = await self.poller.poll_feed(FeedConfig(feed_url, name or row.name), row)
        if result.error:  # the poll stored the error with its code: chat words it from that
            failed = await self.storage.sources.get_by_url(feed_url)
            error = failed.last_error if failed and failed.last_error else result.error
            return AddOutcome("failed", feed_url, error=error, discovered=discovered)
        chosen = await self._free_name(community, name or result.title or feed_url)
        await self.storage.feed_owners.add(community, row.id, chosen, added_by, self.clock.now())
        return AddOutcome("added", feed_url, name=chosen, title=result.title,
                          entries=result.entries, discovered=discovered)

    async def _free_name(self, community: str, wanted: str) -> str:
        """``wanted``, or ``wanted (2)``... when the community uses it for another feed."""
        candidate, number = wanted.strip()[:100] or "feed", 1
        while await self.storage.feed_owners.find(community, candidate) is not None:
            number += 1
            candidate = f"{wanted.strip()[:95]} ({number})"
        return candidate

    async def remove(self, community: str, name: str) -> RemoveOutcome:
        """Stop following the community's (or a shared) feed called ``name``. Config feeds stay."""
        owned = await self.storage.feed_owners.find(community, name)
        if owned is None:
            configured = next((f for f in self.config.feeds
                               if (f.name or f.url).lower() == name.lower() or f.url == name), None)
            if configured is not None:
                return RemoveOutcome("config", configured.name or configured.url, configured.url)
            return RemoveOutcome("unknown", name)
        await self.storage.feed_owners.remove(owned.community, owned.source.id)
        return RemoveOutcome("removed", owned.name, owned.source.url)

    async def listing(self, community: str) -> list[ListedFeed]:
        """The config's feeds, then the community's own and the shared ones, each with health."""
        listed: list[ListedFeed] = []
        configured = set()
        for feed in self.config.feeds:
            configured.add(feed.url)
            row = await self.storage.sources.get_by_url(feed.url)
            name = feed.name or feed.url
            health = SourceHealth.from_row(row) if row else _unfetched(name, feed.url)
            listed.append(ListedFeed(name, "config", health))
        for owned in await self.storage.feed_owners.visible(community):
            if owned.source.url in configured:
                continue
            health = SourceHealth.from_row(_named(owned.source, owned.name))
            listed.append(ListedFeed(owned.name, "shared" if owned.shared else "community",
                                     health))
        return listed

    async def import_opml(self, community: str, document: OPMLDocument,
                          added_by: str | None = "opml") -> ImportReport:
        """Follow the document's feeds for ``community`` (``SHARED`` by default at the CLI). Nothing
        is fetched now: the feeds are due at the next poll. The operator imports, so the
        community's limit does not apply. Duplicates (the file's, the config's, feeds the
        community follows already) are skipped and reported."""
        report = ImportReport(problems=list(document.problems))
        now = self.clock.now()
        for feed in document.feeds:
            if self._config_feed(feed.url) is not None:
                report.skipped.append(OPMLProblem(feed.line, f"{feed.url} is a feed of the "
                                                             "config file"))
                continue
            row = await self.storage.sources.get_by_url(feed.url)
            if row is not None:
                owned = await self.storage.feed_owners.of_source(community, row.id)
                if owned is not None and owned.community == community:
                    report.skipped.append(OPMLProblem(
                        feed.line, f"{feed.url} is followed already (as {owned.name})"))
                    continue
            row = row or await self.storage.sources.ensure("feed", feed.url, feed.name, now)
            name = await self._free_name(community, feed.name)
            await self.storage.feed_owners.add(community, row.id, name, added_by, now)
            report.added.append(name)
        return report

    async def export(self, community: str | None) -> list[tuple[str, str]]:
        """(name, url) of every feed once: the config's, then the followed ones (of
        ``community`` and the shared ones when given, else of everyone), by name."""
        feeds = [(f.name or f.url, f.url) for f in self.config.feeds]
        seen = {url for _, url in feeds}
        owned = (await self.storage.feed_owners.visible(community) if community
                 else await self.storage.feed_owners.followed())
        for follow in sorted(owned, key=lambda o: (o.name.lower(), o.community)):
            if follow.source.url not in seen:
                seen.add(follow.source.url)
                feeds.append((follow.name, follow.source.url))
        return feeds


def _unfetched(name: str, url: str) -> SourceHealth:
    return SourceHealth(name=name, url=url, kind="feed", last_success=None, last_error=None,
                        failing_since=None, consecutive_failures=0, next_poll=None)


def _named(row: SourceRow, name: str) -> SourceRow:
    """The source under the community's own name for it."""
    return dataclasses.replace(row, name=name)
