"""``/digest`` and the scheduled digest: the items of a window, their stories and what changed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from bot.answers.claims import ClaimAnswers
from bot.answers.prepared import (
    NEVER,
    AnswerKey,
    Built,
    PreparedAnswers,
    digest_parts_data,
    parse_digest_parts,
    seed_story_keys,
)
from bot.briefing.digest import DigestParts, digest_of, prepare_digest
from bot.briefing.stories import StoryMemo
from bot.claims.query import fold
from bot.config import Config, TopicConfig
from bot.delivery.audience import EVERYONE, Audience
from bot.errors import CommandError
from bot.feeds.health import failure_notices
from bot.i18n import label, phrase
from bot.model import Claim, Digest, Figure, Item, Link, Reply, Section
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.claims import DisputeRow
from bot.storage.deliveries import SubscriptionRow


@dataclass(frozen=True)
class DigestWindow:
    since: datetime
    until: datetime
    items: list[Item]
    description: str
    newest: int | None = None  # the "newest so many items" window (no item in the last day)


@dataclass(frozen=True)
class _Gathered:
    """What a digest is built from, read from the database on the loop."""

    previous: list[Item]
    figures: dict[int, list[Figure]]
    claims: list[Claim]
    disputes: list[DisputeRow]
    topic_scores: dict[int, int] | None
    story_of: dict[int, str]


class DigestAnswers:
    def __init__(self, config: Config, storage: Storage, clock: Clock, claims: ClaimAnswers,
                 memo: StoryMemo, *, prepared: PreparedAnswers | None = None) -> None:
        """``prepared``: where ``/digest`` reads its prepared rows (None: built on each call)."""
        self.config = config
        self.memo = memo
        self.storage = storage
        self.clock = clock
        self.claims = claims
        self.language = config.bot.language
        self.prepared = prepared
        if prepared is not None:
            prepared.register("digest", self._prepare)

    async def window(
        self, *, since: datetime | None = None, until: datetime | None = None,
        audience: Audience = EVERYONE, language: str | None = None,
    ) -> DigestWindow:
        """From ``since`` by publication time; else the last 24 hours of ingest; else the newest
        ten items (of the sources ``audience`` sees), said in ``language``."""
        now = self.clock.now()
        until = until or now
        sources = audience.sources  # the reader's sources, filtered in SQL (None: every one)
        if since is not None:
            items = await self.storage.items.published_window(since=since, until=until,
                                                               sources=sources)
            return DigestWindow(since, until, items, f"{_fmt(since)} – {_fmt(until)}")
        day_ago = until - timedelta(hours=24)
        items = await self._items_between(day_ago, until + timedelta(seconds=1), sources)
        if items:
            return DigestWindow(day_ago, until, items, f"{_fmt(day_ago)} – {_fmt(until)}")
        items = await self.storage.items.window(limit=10, sources=sources)
        oldest = min((i.ingested_at for i in items), default=until)
        return DigestWindow(oldest, until, items,
                            phrase("window_newest", language or self.language, n=len(items)),
                            newest=len(items))

    async def digest(self, *, topic: str | None, language: str | None = None,
                     community: str | None = None) -> Reply:
        """The last day's digest of what the reader sees: its prepared row (``prepared``)."""
        language = language or self.language
        audience = await self.claims.audiences.reader(community)
        self._topic(topic)  # an unknown topic is an error before anything is read
        if self.prepared is None:
            window = await self.window(audience=audience, language=language)
            return digest_reply(await self.build(window, topic=topic, language=language,
                                                 audience=audience), language)
        answer = await self.prepared.read(AnswerKey("digest", audience.sources, topic, language))
        data = json.loads(answer.body)
        if answer.current:  # the same items as a window ending now: it is said so
            until = self.clock.now()
            since = until - timedelta(hours=24) if data["newest"] is None else _parsed(
                data["since"])
        else:  # the window it covers, which ended before now
            since, until = _parsed(data["since"]), _parsed(data["until"])
        description = (f"{_fmt(since)} – {_fmt(until)}" if data["newest"] is None
                       else phrase("window_newest", language, n=data["newest"]))
        digest = digest_of(parse_digest_parts(data["parts"]), since=since, until=until,
                           window=description, language=language)
        return digest_reply(await self._with_notices(digest, since, language), language)

    async def expire_prepared(self) -> None:
        """After items were deleted (retention): no prepared answer built before is current."""
        if self.prepared is not None:
            await self.prepared.expire()

    async def _prepare(self, key: AnswerKey, now: datetime) -> Built:
        """The prepared row of ``key``: the window ending ``now`` as data, and until when no
        item or claim of it leaves it by time alone."""
        audience = Audience(sources=key.sources)
        window = await self.window(until=now, audience=audience, language=key.language)
        parts, valid_until = await self._parts(window, self._topic(key.topic), key.language,
                                               audience)
        body = {"since": window.since.isoformat(), "until": window.until.isoformat(),
                "newest": window.newest, "parts": digest_parts_data(parts)}
        if window.newest is not None:
            valid_until = NEVER  # only a new item changes them
        return Built(json.dumps(body, ensure_ascii=False), max(valid_until, now))

    async def for_subscription(
        self, sub: SubscriptionRow, since: datetime, until: datetime
    ) -> Reply | None:
        """The scheduled digest of a slot's window (None on a quiet day): what the delivery
        service posts, of what the subscription's community reads, in its language."""
        audience = await self.claims.audiences.of_subscription(sub)
        language = await self.claims.audiences.language_of(sub)
        items = await self._items_between(since, until, audience.sources)
        window = DigestWindow(since, until, items,
                              f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC")
        digest = await self.build(window, topic=sub.topic, language=language, audience=audience)
        return None if digest.empty else digest_reply(digest, language)

    async def build(
        self, window: DigestWindow, *, topic: str | None, language: str | None = None,
        audience: Audience = EVERYONE,
    ) -> Digest:
        """Stories, ranking and what changed since the previous window: bot.briefing.digest
        (the CPU-bound part in a thread, so a busy day's window does not stall the loop)."""
        language = language or self.language
        parts, _ = await self._parts(window, self._topic(topic), language, audience)
        digest = digest_of(parts, since=window.since, until=window.until,
                           window=window.description, language=language)
        return await self._with_notices(digest, window.since, language)

    async def _with_notices(self, digest: Digest, since: datetime, language: str) -> Digest:
        # one line per feed whose failure episode began in this window: windows follow each other,
        # so each episode is mentioned once per subscription
        notices = await failure_notices(self.storage, since=since, config=self.config,
                                        language=language)
        return dataclasses.replace(digest, notices=(*digest.notices, *notices)) if notices else digest

    async def _parts(self, window: DigestWindow, config: TopicConfig | None, language: str,
                     audience: Audience) -> tuple[DigestParts, datetime]:
        """The digest of ``window`` as data, and the first time an item, claim or dispute of it
        would leave it (or the previous window) as the clock moves on."""
        gathered = await self._gather(window, config, audience)
        parts = await asyncio.to_thread(
            prepare_digest, items=window.items, figures=gathered.figures, claims=gathered.claims,
            since=window.since, until=window.until, language=language, topic=config,
            topic_scores=gathered.topic_scores, previous_items=gathered.previous,
            window_disputes={frozenset((d.claim_id, d.other_id)) for d in gathered.disputes},
            memo=self.memo, story_of=gathered.story_of)
        span = window.until - window.since
        leaving = [i.ingested_at + span for i in window.items]
        leaving += [i.ingested_at + 2 * span for i in gathered.previous]
        # an older claim shown because it was disputed in the window leaves with its dispute (its
        # first_seen + span is past: the row would be born out of date, every read a rebuild)
        leaving += [c.first_seen + span for c in parts.new_claims
                    if c.first_seen is not None and c.first_seen >= window.since]
        leaving += [d.found_at + span for d in gathered.disputes]
        return parts, min(leaving, default=window.until + span)

    async def _gather(self, window: DigestWindow, config: TopicConfig | None,
                      audience: Audience) -> _Gathered:
        previous = await self._previous(window, audience.sources)
        both = [*window.items, *previous]
        ids = [i.id for i in both]
        for part in _slices(both):
            await seed_story_keys(self.storage, part, self.memo)
        stored = (await self.storage.prepared.topic_scores(config.name, ids)
                  if config is not None else None)
        figures: dict[int, list[Figure]] = {}
        for part_ids in _slices(ids):
            figures.update(await self.storage.items.figures_many(list(part_ids)))
        disputes = await self.storage.claim_reads.disputes_found_between(window.since,
                                                                         window.until)
        found = {frozenset((d.claim_id, d.other_id)) for d in disputes}
        claims = await self.claims.window_claims(  # only the claims claim_changes can show
            audience, since=window.since, until=window.until,
            topic=config.name if config else None, disputes=found)
        story_of: dict[int, str] = {}
        for part_ids in _slices(ids):
            story_of.update(await self.storage.stories.stories_of(part_ids))
        return _Gathered(previous, figures, claims, disputes, stored, story_of)

    async def _previous(self, window: DigestWindow,
                        sources: frozenset[int] | None) -> list[Item]:
        """What "what changed" compares the window with: the span as long before it, or, for the
        newest so many items of a quiet day, as many items before them. (That window runs from
        its oldest item to now; the span as long before it was the whole store: 9,270 items and
        7.7 s read for one /digest of a 10,000-item store, its process from 57 to 211 MiB.)"""
        if window.newest is not None:
            return await self.storage.items.window(until=window.since, limit=window.newest,
                                                   sources=sources)
        span = window.until - window.since
        return await self._items_between(window.since - span, window.since, sources)

    async def _items_between(self, since: datetime, until: datetime,
                             sources: frozenset[int] | None) -> list[Item]:
        """``items.window(since, until)`` read an hour at a time, newest first (the same list):
        turning a busy day's rows into items at once would hold the event loop for a few
        hundred milliseconds; between the hours other tasks run."""
        out: list[Item] = []
        end = until
        while end > since:
            start = max(since, end - READ_SLICE)
            out += await self.storage.items.window(since=start, until=end, sources=sources)
            end = start
        return out

    async def prepared_close(self) -> None:
        """Wait for the rebuilds of prepared answers under way (the app is closing)."""
        if self.prepared is not None:
            await self.prepared.close()

    def _topic(self, topic: str | None) -> TopicConfig | None:
        if topic is None:
            return None
        config = self.config.topic(topic)
        if config is None:
            raise CommandError(f"unknown topic {topic!r}")
        return config


_T = TypeVar("_T")
READ_SLICE = timedelta(hours=1)  # of a window's items read at once (see ``_items_between``)
ROWS_AT_ONCE = 250  # figures, keys and stories of so many items per read (the loop runs between)


def _slices(values: Sequence[_T]) -> list[Sequence[_T]]:
    return [values[k:k + ROWS_AT_ONCE] for k in range(0, len(values), ROWS_AT_ONCE)]


def _parsed(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


DIGEST_BUDGET = 1500  # characters of a digest as people read it (headings and tags included)
DIGEST_CLAIMS = 5


def topic_digest_reply(digest: Digest, briefing: Reply, language: str) -> Reply:
    """``digest --topic``: the topic briefing (key figures, top claims, timeline) plus what only
    the digest window knows (what changed, failing feeds), without saying anything twice."""
    sections = list(briefing.sections)
    if digest.changes:
        sections.append(Section(label("changes", language), bullets=digest.changes))
    if digest.notices:
        sections.append(Section(label("sources", language), bullets=digest.notices))
    return Reply(title=digest.title, sections=tuple(sections),
                 footer=f"{label('window', language)}: {digest.window}", language=language)


def digest_reply(digest: Digest, language: str, *, budget: int = DIGEST_BUDGET) -> Reply:
    """Render a digest as a neutral reply of at most ``budget`` characters: the overview and the
    story headlines always, then new claims, changes and notices while they fit. A fact is shown
    once: a story's bullets the overview has are left out, a claim whose words the overview
    quotes is shown by who and its tags only (or not at all when it has no tag that matters)."""
    footer = f"{label('window', language)}: {digest.window}"
    if digest.empty:
        return Reply(title=digest.title, sections=(Section("", text=label("quiet", language)),),
                     footer=footer, language=language)
    # one story: its headline first, the overview under it (else the headline would stand
    # under its own summary, looking like a second story without a word)
    single = len(digest.stories) == 1
    sections = [] if single else [Section("", bullets=digest.bullets)]
    shown: set[str] = set() if single else set(digest.bullets)
    for story in digest.stories:
        fresh = tuple(b for b in (digest.bullets if single else story.bullets) if b not in shown)
        shown.update(fresh)
        sections.append(Section(heading=story.headline, bullets=fresh,
                                links=story_links(story.headline, story.sources, language)))
    reply = Reply(title=digest.title, sections=tuple(sections), footer=footer, language=language)
    claims = once(digest.new_claims, shown)[:DIGEST_CLAIMS]
    extra = [Section(label("new_claims", language), claims=claims)] if claims else []
    if digest.changes:
        extra.append(Section(label("changes", language), bullets=digest.changes))
    if digest.notices:
        extra.append(Section(label("sources", language), bullets=digest.notices))
    for section in extra:
        reply = _fit(reply, section, budget)
    return reply


def story_links(headline: str, sources: Sequence[Link], language: str) -> tuple[Link, ...]:
    """A story's sources under its headline: a source titled like the headline is shown as
    "Source" (the headline is not printed twice); one without an address or date says nothing."""
    out = []
    for link in sources:
        if link.title.strip() != headline.strip():
            out.append(link)
        elif link.url:
            out.append(dataclasses.replace(link, title=label("story_source", language)))
    return tuple(out)


def once(claims: Sequence[Claim], shown: Iterable[str]) -> tuple[Claim, ...]:
    """Claims not yet told: one whose words a shown bullet carries keeps only who and its tags,
    and only when it is disputed, unsupported or hedged (else it would say nothing new)."""
    text = fold(" ".join(shown))
    out = [claim if fold(claim.text) not in text else dataclasses.replace(claim, text="")
           for claim in claims]
    quoted_ids = {c.id for c in out if c.text}
    # a claim told by who and tags only says something new when a tag is not already said by
    # another line: a dispute with a claim not in the list, or no evidence given
    return tuple(c for c in out if c.text or c.evidence == "none_given"
                 or any(other not in quoted_ids for other in c.disputes))


def _fit(reply: Reply, section: Section, budget: int) -> Reply:
    """``reply`` with as much of ``section`` as fits ``budget`` (whole lines, in order)."""
    def with_(part: Section) -> Reply:
        return dataclasses.replace(reply, sections=(*reply.sections, part))

    claims, bullets = list(section.claims), list(section.bullets)
    while claims or bullets:
        candidate = with_(dataclasses.replace(section, claims=tuple(claims),
                                              bullets=tuple(bullets)))
        if reading_length(candidate) <= budget:
            return candidate
        if claims:
            claims.pop()
        else:
            bullets.pop()
    return reply


def reading_length(reply: Reply) -> int:
    """About the characters a person reads: the texts plus the words every renderer adds per
    claim (who, tags, quotation marks) and per line."""
    lines = sum(len(s.bullets) + len(s.links) + len(s.claims) + len(s.figures) + 2
                for s in reply.sections)
    tags = sum(70 for s in reply.sections for _ in s.claims)
    links = sum(len(link.url or "") for s in reply.sections for link in s.links)
    return reply.plain_length() - links + 4 * lines + tags
