"""The answers behind the commands, read from what ingest stored (never computed from scratch)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.errors import CommandError
from bot.i18n import label
from bot.model import Claim, Digest, Item, Link, Reply, Section, User
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.claims import ClaimRow
from bot.topics import item_topics, relevance

PER_PAGE = 10


@dataclass(frozen=True)
class DigestWindow:
    since: datetime
    until: datetime
    items: list[Item]
    description: str


class CoreAnswers:
    def __init__(self, config: Config, storage: Storage, clock: Clock) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.language = config.bot.language
        self.delivery: Any = None  # the delivery service, set by build_app when scheduling runs

    # --- claims -----------------------------------------------------------------------------------

    async def ledger(self) -> list[Claim]:
        """Every claim as a ledger entry with its sources, topics and dispute links."""
        rows = await self.storage.claims.list()
        disputes = await self.storage.claims.disputes()
        items = {item.id: item for item in await self.storage.items.all()}
        by_id = {row.id: row for row in rows}

        def other_side(other_id: str, reason: str) -> str:
            # say who stands on the other side, so a reader sees the two positions at once
            other = by_id.get(other_id)
            if other is None:
                return reason
            who = other.claimant or label("article", self.language)
            words = other.text.split()
            snippet = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
            return f"{who} („{snippet}“): {reason}"

        links: dict[str, list[tuple[str, str]]] = {}
        for d in disputes:
            links.setdefault(d.claim_id, []).append((d.other_id, other_side(d.other_id, d.reason)))
            links.setdefault(d.other_id, []).append((d.claim_id, other_side(d.claim_id, d.reason)))
        return [self._claim(row, items, links.get(row.id, [])) for row in rows]

    def _claim(
        self, row: ClaimRow, items: dict[int, Item], links: Sequence[tuple[str, str]]
    ) -> Claim:
        sources: list[Link] = []
        topics: list[str] = []
        for mention in row.mentions:
            item = items.get(mention.item_id)
            if item is None:
                continue
            sources.append(Link(item.title, item.url, item.published))
            for name in item_topics(self.config.topics, item):
                if name not in topics:
                    topics.append(name)
        return Claim(
            id=row.id,
            claimant=row.claimant,
            text=row.text,
            kind=row.kind,
            cue=row.cue,
            hedged=row.hedged,
            hedges=row.hedges,
            evidence=row.evidence,  # type: ignore[arg-type]
            disputes=tuple(other for other, _ in links),
            dispute_reasons=tuple(reason for _, reason in links),
            topics=tuple(topics),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            sources=tuple(sources),
        )

    async def filtered_claims(
        self, *, claimant: str | None = None, status: str | None = None, topic: str | None = None
    ) -> list[Claim]:
        from bot.claims.query import filter_claims

        claims = filter_claims(await self.ledger(), claimant=claimant, topic=topic, status=status)
        return rank_claims(claims)

    async def claims(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int
    ) -> Reply:
        claims = await self.filtered_claims(claimant=claimant, status=status, topic=topic)
        pages = max(1, -(-len(claims) // PER_PAGE))
        if page > pages:
            raise CommandError(f"there are only {pages} page(s) of claims")
        shown = claims[(page - 1) * PER_PAGE : page * PER_PAGE]
        filters = ", ".join(
            f"{k}: {v}" for k, v in (("claimant", claimant), ("status", status), ("topic", topic))
            if v
        )
        title = label("claims", self.language) + (f" ({filters})" if filters else "")
        section = Section(
            heading=f"{len(claims)} · {label('page', self.language)} {page}/{pages}",
            claims=tuple(shown),
            text=None if shown else label("no_claims", self.language),
        )
        return Reply(title=title, sections=(section,), page=page, pages=pages)

    async def complete(self, source: str, prefix: str) -> list[str]:
        if source != "claimant":
            return []
        names = sorted({row.claimant for row in await self.storage.claims.list() if row.claimant})
        needle = prefix.casefold()
        return [n for n in names if needle in n.casefold()]

    # --- briefings and digests --------------------------------------------------------------------

    async def topic_items(self, topic: str) -> list[Item]:
        config = self.config.topic(topic)
        if config is None:
            raise CommandError(f"unknown topic {topic!r}")
        scored = [
            (relevance(config, item.title, item.text), item)
            for item in await self.storage.items.all()
        ]
        scored = [pair for pair in scored if pair[0] > 0]
        scored.sort(key=lambda p: (p[1].published or p[1].ingested_at, p[0]), reverse=True)
        return [item for _, item in scored]

    async def topic_briefing(self, topic: str) -> Reply:
        from bot.briefing.topic import build_topic_briefing

        items = await self.topic_items(topic)
        figures = {i.id: await self.storage.items.figures(i.id) for i in items}
        claims = await self.filtered_claims(topic=topic)
        return build_topic_briefing(self.config.topic(topic), items, figures, claims,  # type: ignore[arg-type]
                                    self.language, now=self.clock.now())

    async def digest_window(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> DigestWindow:
        now = self.clock.now()
        until = until or now
        if since is not None:
            items = await self.storage.items.published_window(since=since, until=until)
            return DigestWindow(since, until, items, f"{_fmt(since)} – {_fmt(until)}")
        day_ago = until - timedelta(hours=24)
        items = await self.storage.items.window(since=day_ago, until=until + timedelta(seconds=1))
        if items:
            return DigestWindow(day_ago, until, items, f"{_fmt(day_ago)} – {_fmt(until)}")
        items = await self.storage.items.window(limit=10)
        oldest = min((i.ingested_at for i in items), default=until)
        return DigestWindow(oldest, until, items, f"newest {len(items)} items")

    async def digest(self, *, topic: str | None) -> Reply:
        window = await self.digest_window()
        return digest_reply(await self.build_digest(window, topic=topic), self.language)

    async def build_digest(self, window: DigestWindow, *, topic: str | None) -> Digest:
        """Stories, ranking and what changed since the previous window: bot.briefing.digest."""
        from bot.briefing.digest import build_digest

        config = self.config.topic(topic) if topic is not None else None
        if topic is not None and config is None:
            raise CommandError(f"unknown topic {topic!r}")
        span = window.until - window.since
        previous = await self.storage.items.window(since=window.since - span, until=window.since)
        figures = {i.id: await self.storage.items.figures(i.id)
                   for i in [*window.items, *previous]}
        found = {frozenset((d.claim_id, d.other_id)) for d in await self.storage.claims.disputes()
                 if window.since <= d.found_at <= window.until}
        digest = build_digest(
            items=window.items, figures=figures, claims=await self.ledger(),
            since=window.since, until=window.until, window=window.description,
            language=self.language, topic=config, previous_items=previous,
            window_disputes=found,
        )
        # one line per feed whose failure episode began in this window: windows follow each other,
        # so each episode is mentioned once per subscription
        from bot.feeds.health import failure_notices

        notices = await failure_notices(self.storage, since=window.since, config=self.config)
        return dataclasses.replace(digest, notices=(*digest.notices, *notices)) if notices else digest

    # --- sources and subscriptions ----------------------------------------------------------------

    async def sources(self) -> Reply:
        from bot.feeds.health import source_health

        bullets = [h.line() for h in await source_health(self.storage, self.config)]
        sections = [Section(label("sources", self.language), bullets=tuple(bullets))]
        from bot.delivery.subscriptions import disabled_notices

        disabled = tuple(await disabled_notices(self.storage.deliveries))
        if disabled:
            sections.append(Section(label("subscriptions", self.language), bullets=disabled))
        return Reply(title=label("sources", self.language), sections=tuple(sections))

    def _require_delivery(self) -> Any:
        if self.delivery is None:
            raise CommandError("scheduled digests are not running in this process")
        return self.delivery

    async def subscriptions(self, *, platform: str, channel: str | None) -> Reply:
        return await self._require_delivery().subscriptions_reply(platform=platform,
                                                                  channel=channel)

    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User,
    ) -> Reply:
        return await self._require_delivery().subscribe_reply(
            platform=platform, channel=channel, time=time, timezone=timezone, topic=topic,
            user=user,
        )

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None) -> Reply:
        return await self._require_delivery().unsubscribe_reply(
            platform=platform, channel=channel, topic=topic
        )


def rank_claims(claims: list[Claim]) -> list[Claim]:
    """Most important first; the scoring is documented in bot.claims.query."""
    from bot.claims.query import rank

    return rank(claims)


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def topic_digest_reply(digest: Digest, briefing: Reply, language: str) -> Reply:
    """``digest --topic``: the topic briefing (overview, key figures, latest, top claims) plus what
    only the digest window knows (what changed, failing feeds), without saying anything twice."""
    sections = list(briefing.sections)
    if digest.changes:
        sections.append(Section(label("changes", language), bullets=digest.changes))
    if digest.notices:
        sections.append(Section(label("sources", language), bullets=digest.notices))
    return Reply(title=digest.title, sections=tuple(sections),
                 footer=f"{label('window', language)}: {digest.window}")


def digest_reply(digest: Digest, language: str) -> Reply:
    """Render a digest as a neutral reply."""
    footer = f"{label('window', language)}: {digest.window}"
    if digest.empty:
        return Reply(title=digest.title, sections=(Section(label("top_stories", language),
                                                           text=label("quiet", language)),),
                     footer=footer)
    sections = [Section(label("overview", language), bullets=digest.bullets)]
    shown = set(digest.bullets)
    for story in digest.stories:
        # a story whose bullets the overview already carries is shown by headline and links only
        fresh = tuple(b for b in story.bullets if b not in shown)
        shown.update(fresh)
        sections.append(Section(heading=story.headline, bullets=fresh, links=story.sources))
    if digest.new_claims:
        sections.append(Section(label("new_claims", language), claims=digest.new_claims))
    if digest.changes:
        sections.append(Section(label("changes", language), bullets=digest.changes))
    if digest.notices:
        sections.append(Section(label("sources", language), bullets=digest.notices))
    return Reply(title=digest.title, sections=tuple(sections), footer=footer)
