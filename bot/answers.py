"""The answers behind the commands, read from what ingest stored (never computed from scratch)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.config import Config
from bot.errors import CommandError
from bot.i18n import label
from bot.model import Claim, Digest, DisputeReason, Item, Link, Reply, Section, User
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.claims import ClaimRow

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
        self._ready_at: object = None
        self._ledger: tuple[object, list[Claim]] | None = None

    # --- claims -----------------------------------------------------------------------------------

    async def ready(self) -> None:
        """Make sure the derived tables match this config before reading them: rebuilt in full
        only when the topics config or the deriving code changed (normally at app start), and
        filled in for items some other ingest stored without them."""
        from bot.ingest import prepare_storage
        from bot.topics import topics_fingerprint

        version = (await self.storage.db.version(), self.config.topics)
        if self._ready_at == version:
            return  # nothing written since the last check
        fingerprint = topics_fingerprint(self.config.topics)
        if (await self.storage.prepared.meta("topics") != fingerprint
                or await self.storage.prepared.unprepared_items()):
            await prepare_storage(self.storage, self.config.topics)
        self._ready_at = (await self.storage.db.version(), self.config.topics)

    async def ledger(self) -> list[Claim]:
        """Every claim as a ledger entry with its sources, topics and dispute links: read from the
        claims, their items' titles and links and the stored item topics (never the item texts).
        Kept until the database changes (``Database.version``)."""
        await self.ready()
        version = (await self.storage.db.version(), self.config.topics, self.language)
        if self._ledger is not None and self._ledger[0] == version:
            return list(self._ledger[1])
        claims = await self._read_ledger()
        if await self.storage.db.version() == version[0]:  # nothing written while reading
            self._ledger = (version, claims)
        return list(claims)

    async def _read_ledger(self) -> list[Claim]:
        rows = await self.storage.claims.entries()
        refs, links_of = await self.storage.claims.sources()
        disputes = await self.storage.claims.disputes()
        order = {t.name: i for i, t in enumerate(self.config.topics)}
        item_topics = {
            item_id: sorted((n for n in scores if n in order), key=order.__getitem__)
            for item_id, scores in (await self.storage.prepared.item_topics()).items()
        }
        by_id = {row.id: row for row in rows}

        def other_side(other_id: str, reason: str) -> DisputeReason:
            # say who stands on the other side, so a reader sees the two positions at once
            parsed = DisputeReason.parse(reason)
            other = by_id.get(other_id)
            if other is None:
                return parsed
            words = other.text.split()
            snippet = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
            return replace(parsed, counterpart=other.claimant, counterpart_text=snippet)

        links: dict[str, list[tuple[str, DisputeReason]]] = {}
        for d in disputes:
            links.setdefault(d.claim_id, []).append((d.other_id, other_side(d.other_id, d.reason)))
            links.setdefault(d.other_id, []).append((d.claim_id, other_side(d.claim_id, d.reason)))

        def list_order(row: ClaimRow) -> tuple[int, int]:  # as ClaimStore.list() orders
            mine = refs.get(row.id, ())
            return (min((item for item, _ in mine), default=0),
                    min((position for _, position in mine), default=0))

        rows.sort(key=list_order)
        return [self._claim(row, [item for item, _ in refs.get(row.id, ())], links_of,
                            item_topics, links.get(row.id, []))
                for row in rows]

    def _claim(
        self, row: ClaimRow, item_ids: Sequence[int], links_of: dict[int, Link],
        item_topics: dict[int, list[str]], links: Sequence[tuple[str, DisputeReason]],
    ) -> Claim:
        topics: list[str] = []
        for item_id in item_ids:
            for name in item_topics.get(item_id, ()):
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
            sources=tuple(links_of[i] for i in item_ids if i in links_of),
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
        names = sorted(set(await self.storage.claims.claimants()))
        needle = prefix.casefold()
        return [n for n in names if needle in n.casefold()]

    # --- briefings and digests --------------------------------------------------------------------

    async def topic_items(self, topic: str, *, newest: int | None = None) -> list[Item]:
        """The items stored as matching ``topic``, newest first (then the more relevant).

        ``newest``: only the newest so many by publication time, as the briefing takes them.
        """
        from bot.topics import remember

        config = self.config.topic(topic)
        if config is None:
            raise CommandError(f"unknown topic {topic!r}")
        await self.ready()
        if newest is None:
            scored = await self.storage.items.on_topic(topic)
        else:
            scored = await self.storage.items.on_topic(topic, by="published", limit=newest)
        for item, value in scored:
            remember(config, item.title, item.text, value)  # what ingest computed, not again
        scored.sort(key=lambda p: (p[0].published or p[0].ingested_at, p[1]), reverse=True)
        return [item for item, _ in scored]

    async def topic_briefing(self, topic: str) -> Reply:
        from bot.briefing import topic as briefing

        limit = getattr(briefing, "MAX_ITEMS", None)  # it reads no more than the newest so many
        items = await self.topic_items(topic, newest=limit if isinstance(limit, int) else None)
        await self._remember_keys(items)
        figures = await self.storage.items.figures_many([i.id for i in items])
        claims = await self.filtered_claims(topic=topic)
        return briefing.build_topic_briefing(
            self.config.topic(topic), items, figures, claims,  # type: ignore[arg-type]
            self.language, now=self.clock.now())

    async def _remember_keys(self, items: Sequence[Item]) -> None:
        """Seed the story keys memo from what ingest stored, so clustering reads no texts."""
        from bot.briefing.stories import is_remembered, remember

        missing = [i for i in items if not is_remembered(i)]
        if not missing:
            return
        stored = await self.storage.prepared.item_keys([i.id for i in missing])
        for item in missing:
            if item.id in stored:
                remember(item, stored[item.id])

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
        await self.ready()
        span = window.until - window.since
        previous = await self.storage.items.window(since=window.since - span, until=window.since)
        both = [*window.items, *previous]
        await self._remember_keys(both)
        if config is not None:
            from bot.topics import remember

            stored = await self.storage.prepared.topic_scores(config.name, [i.id for i in both])
            for item in both:
                remember(config, item.title, item.text, stored.get(item.id, 0))
        figures = await self.storage.items.figures_many([i.id for i in both])
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
