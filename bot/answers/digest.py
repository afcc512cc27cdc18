"""``/digest`` and the scheduled digest: the items of a window, their stories and what changed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.answers.claims import ClaimAnswers
from bot.answers.prepared import seed_story_keys
from bot.briefing.digest import build_digest
from bot.config import Config, TopicConfig
from bot.errors import CommandError
from bot.feeds.health import failure_notices
from bot.i18n import label
from bot.model import Digest, Item, Reply, Section
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow


@dataclass(frozen=True)
class DigestWindow:
    since: datetime
    until: datetime
    items: list[Item]
    description: str


class DigestAnswers:
    def __init__(self, config: Config, storage: Storage, clock: Clock, claims: ClaimAnswers) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.claims = claims
        self.language = config.bot.language

    async def window(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> DigestWindow:
        """From ``since`` by publication time; else the last 24 hours of ingest; else the newest
        ten items."""
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
        window = await self.window()
        return digest_reply(await self.build(window, topic=topic), self.language)

    async def for_subscription(
        self, sub: SubscriptionRow, since: datetime, until: datetime
    ) -> Reply | None:
        """The scheduled digest of a slot's window (None on a quiet day): what the delivery
        service posts."""
        items = await self.storage.items.window(since=since, until=until)
        window = DigestWindow(since, until, items,
                              f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC")
        digest = await self.build(window, topic=sub.topic)
        return None if digest.empty else digest_reply(digest, self.language)

    async def build(self, window: DigestWindow, *, topic: str | None) -> Digest:
        """Stories, ranking and what changed since the previous window: bot.briefing.digest."""
        config = self._topic(topic)
        span = window.until - window.since
        previous = await self.storage.items.window(since=window.since - span, until=window.since)
        both = [*window.items, *previous]
        await seed_story_keys(self.storage, both)
        stored = (await self.storage.prepared.topic_scores(config.name, [i.id for i in both])
                  if config is not None else None)
        figures = await self.storage.items.figures_many([i.id for i in both])
        found = {frozenset((d.claim_id, d.other_id)) for d in await self.storage.claims.disputes()
                 if window.since <= d.found_at <= window.until}
        digest = build_digest(
            items=window.items, figures=figures, claims=await self.claims.ledger(),
            since=window.since, until=window.until, window=window.description,
            language=self.language, topic=config, topic_scores=stored, previous_items=previous,
            window_disputes=found,
        )
        # one line per feed whose failure episode began in this window: windows follow each other,
        # so each episode is mentioned once per subscription
        notices = await failure_notices(self.storage, since=window.since, config=self.config)
        return dataclasses.replace(digest, notices=(*digest.notices, *notices)) if notices else digest

    def _topic(self, topic: str | None) -> TopicConfig | None:
        if topic is None:
            return None
        config = self.config.topic(topic)
        if config is None:
            raise CommandError(f"unknown topic {topic!r}")
        return config


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
