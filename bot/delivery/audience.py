"""Who reads what, and in which language: the one routing rule of every answer and every post.

A community (``bot.feeds.manage.community_key``: ``discord:<guild>``, ``slack:<team>``,
``console``) reads the items of the config file's feeds and of the seeds, of the shared OPML
imports, and of the feeds it follows itself: never those of a feed only another community follows
(its name and address stay inside that community). A subscription reads what its community reads,
narrowed to the feeds it names; a subscription whose community is unknown (one of the config file)
reads only what every community reads. Its language is its community's ``/language``, else
``[bot] language``.

Everything is read from storage on each use (a few small queries), never kept: another process
of the same instance may have added a feed or changed a language a moment ago.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Sequence
from dataclasses import dataclass

from bot.claims.ranks import EVERYTHING, Scopes, visible
from bot.config import Config
from bot.i18n import LANGUAGES
from bot.model import Claim
from bot.storage import Storage
from bot.storage.communities_feeds import SHARED, OwnedFeed
from bot.storage.deliveries import SubscriptionRow
from bot.storage.sources import SourceRow


@dataclass(frozen=True)
class Audience:
    """The sources one reader may see, and the names it knows them by (for a ``feeds`` list)."""

    sources: frozenset[int] | None = None  # None: every source (the operator at the CLI)
    names: tuple[tuple[int, str], ...] = ()  # (source id, a name or address it is known by)

    @property
    def everything(self) -> bool:
        return self.sources is None

    def sees(self, source_id: int) -> bool:
        return self.sources is None or source_id in self.sources

    def name_of(self, source_id: int) -> str:
        """The name the reader knows the source by ("" when none)."""
        return next((name for sid, name in self.names if sid == source_id), "")

    def named(self, feeds: Sequence[str]) -> Audience:
        """Only the sources called one of ``feeds`` (names or addresses, case-insensitive)."""
        if not feeds:
            return self
        wanted = {f.strip().casefold() for f in feeds}
        chosen = frozenset(sid for sid, name in self.names
                           if name.casefold() in wanted and self.sees(sid))
        return dataclasses.replace(self, sources=chosen)


EVERYONE = Audience()


def split_community(key: str) -> tuple[str, str | None]:
    """``discord:123`` -> ("discord", "123"); ``console`` -> ("console", None)."""
    platform, _, community = key.partition(":")
    return platform, community or None


class Audiences:
    """Builds the :class:`Audience` and the language of a community or a subscription."""

    def __init__(self, config: Config | None, storage: Storage) -> None:
        """``config`` None (tests of one part): every source is everyone's, in English."""
        self.config = config
        self.storage = storage

    async def of(self, community: str | None) -> Audience:
        """What ``community`` (a ``community_key``) reads; None: a reader whose community is
        unknown, who reads only what everyone reads."""
        configured = {f.url: f.name or f.url for f in self.config.feeds} if self.config else {}
        rows = await self.storage.sources.list()
        follows = await self.storage.feed_owners.followed()
        names: list[tuple[int, str]] = []
        for row in rows:
            if _everyones(None if self.config is None else configured, row):
                names += [(row.id, configured.get(row.url, row.name)), (row.id, row.url)]
        for follow in follows:
            if _follows(follow, community):
                names += [(follow.source.id, follow.name), (follow.source.id, follow.source.url)]
        return Audience(_visible(self.config, rows, follows, community), tuple(names))

    async def reader(self, community: str | None) -> Audience:
        """What a command's reader sees: a community's sources; None (the operator at the
        command line) everything."""
        return EVERYONE if community is None else await self.of(community)

    async def community_of(self, sub: SubscriptionRow) -> str | None:
        """The community a chat subscription was made in (None for the config's)."""
        return (await self.storage.community_subscriptions.communities()).get(sub.id)

    async def of_subscription(self, sub: SubscriptionRow) -> Audience:
        """What the subscription's channel reads: its community's sources, narrowed to the
        subscription's ``feeds``."""
        return (await self.of(await self.community_of(sub))).named(sub.feeds)

    async def subscriber(self, sub: SubscriptionRow) -> tuple[Audience, str]:
        """``of_subscription`` and ``language_of`` with one look-up of the community."""
        community = await self.community_of(sub)
        return (await self.of(community)).named(sub.feeds), await self.language(community)

    async def language(self, community: str | None) -> str:
        """The community's ``/language``, else ``[bot] language``."""
        if community is not None:
            platform, community_id = split_community(community)
            if community_id is not None:
                chosen = await self.storage.communities.language(platform, community_id)
                if chosen in LANGUAGES:
                    return chosen
        return self.config.bot.language if self.config else "en"

    async def language_of(self, sub: SubscriptionRow) -> str:
        return await self.language(await self.community_of(sub))

    async def claims(self, audience: Audience, claims: list[Claim]) -> list[Claim]:
        """The claims an item the audience sees reports, each with only those items' links and
        only the disputes with claims the audience may read as well (``bot.claims.ranks.visible``;
        reads every mention: the whole ledger's path, when no ranks are ready)."""
        if audience.everything:
            return claims
        return visible(claims, await self.storage.claims.mention_sources(), audience.sees)

    async def scopes(self) -> Scopes:
        """The audiences claims are ranked for (``bot.claims.ranks``): what a reader of no
        community sees, and each community that follows feeds of its own, and the operator."""
        rows = await self.storage.sources.list()
        follows = await self.storage.feed_owners.followed()
        base = _visible(self.config, rows, follows, None)
        overlays: dict[str, frozenset[int] | None] = {}
        if base is not None:
            overlays[EVERYTHING] = None
            for community in sorted({f.community for f in follows} - {SHARED}):
                seen = _visible(self.config, rows, follows, community)
                if seen is not None and seen not in (base, *overlays.values()):
                    overlays[community] = seen  # one overlay per distinct set of sources
        return Scopes(base, overlays)


def _everyones(configured: Container[str] | None, row: SourceRow) -> bool:
    """Whether every community reads the source: a seed or a feed of the config file
    (``configured``: its addresses; None, no config: every source)."""
    return configured is None or row.kind == "seed" or row.url in configured


def _follows(follow: OwnedFeed, community: str | None) -> bool:
    """Whether ``community`` reads a followed feed: its own, or a shared import."""
    return follow.community in (SHARED, community)


def _visible(config: Config | None, rows: Sequence[SourceRow], follows: Sequence[OwnedFeed],
             community: str | None) -> frozenset[int] | None:
    """The source ids ``community`` reads (None: every source): the one rule of ``Audiences.of``
    and of the scopes claims are ranked for."""
    configured = None if config is None else {f.url for f in config.feeds}
    seen = {row.id for row in rows if _everyones(configured, row)}
    seen |= {f.source.id for f in follows if _follows(f, community)}
    return None if seen >= {row.id for row in rows} else frozenset(seen)
