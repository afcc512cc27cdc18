"""The topic briefing (/deepseek): what the daily digest does not carry, from every stored item
on the topic.

The digest tells the day's stories; the briefing adds the rest instead of repeating it. Key
figures: value, what it measures, who says so (the speaker, else the item's title). Top claims:
the ledger's ranking, disputed and evidence-free first. Timeline: the newest items by their
publication date ("date unknown" when the source gave none; never the day briefbot stored it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.briefing.digest import lead_item, rank
from bot.briefing.placement import group_by_story
from bot.briefing.stories import StoryMemo, cluster
from bot.config import TopicConfig
from bot.i18n import label
from bot.model import Claim, Figure, Item, Link, Reply, Section
from bot.topics import item_relevance

MAX_BULLETS = 5
MAX_FIGURES = 6
MAX_LATEST = 5
MAX_CLAIMS = 5
MAX_ITEMS = 300  # the state of the story: the newest items are enough


@dataclass(frozen=True)
class BriefingParts:
    """A topic briefing as data, before its words and its claims: what ingest prepares and
    stores (``bot.answers.prepared``); ``briefing_of`` renders it with the claims of the moment."""

    count: int  # items on the topic
    figures: tuple[Figure, ...] = ()
    newest: tuple[Link, ...] = ()  # the timeline's items: title, address, publication date


def build_topic_briefing(
    topic: TopicConfig,
    items: Sequence[Item],
    figures: Mapping[int, Sequence[Figure]],
    claims: Sequence[Claim],
    language: str,
    *,
    now: datetime | None = None,
    topic_scores: Mapping[int, int] | None = None,
    memo: StoryMemo | None = None,
    story_of: Mapping[int, str] | None = None,
) -> Reply:
    """``claims``: already ranked (bot.answers.rank_claims); the first five are shown;
    ``story_of``: item id -> the story ingest placed it in (None: the items are clustered here)."""
    parts = prepare_topic_briefing(topic, items, figures, language, now=now,
                                   topic_scores=topic_scores, memo=memo, story_of=story_of)
    return briefing_of(parts, topic, claims, language)


def prepare_topic_briefing(
    topic: TopicConfig,
    items: Sequence[Item],
    figures: Mapping[int, Sequence[Figure]],
    language: str,
    *,
    now: datetime | None = None,
    topic_scores: Mapping[int, int] | None = None,
    memo: StoryMemo | None = None,
    story_of: Mapping[int, str] | None = None,
) -> BriefingParts:
    """``build_topic_briefing`` without words and claims: pure and CPU-bound, so it may run off
    the event loop."""
    on_topic = sorted((i for i in items if item_relevance(topic, i, topic_scores) > 0),
                      key=lambda i: (_when(i), i.id), reverse=True)[:MAX_ITEMS]
    if not on_topic:
        return BriefingParts(count=0)
    until = now or max(_when(i) for i in on_topic)
    grouped = (group_by_story(on_topic, story_of) if story_of is not None
               else cluster(on_topic, memo=memo))
    ranked = rank(grouped, until, language, topic, topic_scores)
    if len(ranked) == 1:
        overview = lead_item(ranked[0].items, language).bullets[:MAX_BULLETS]
    else:
        overview = tuple(r.story.bullets[0] for r in ranked if r.story.bullets)[:MAX_BULLETS]
    key_figures = _figures([i for r in ranked[:MAX_BULLETS] for i in r.items], figures,
                           overview, language)
    newest = sorted(on_topic, key=lambda i: (_when(i), i.id), reverse=True)[:MAX_LATEST]
    return BriefingParts(count=len(on_topic), figures=tuple(key_figures),
                         newest=tuple(Link(i.title, i.url, i.published) for i in newest))


def briefing_of(parts: BriefingParts, topic: TopicConfig, claims: Sequence[Claim],
                language: str) -> Reply:
    """The briefing of prepared ``parts`` and the ranked ``claims``, its words in ``language``."""
    title = f"{label('briefing', language)}: {topic.display_name(language)}"
    if not parts.count:
        return Reply(title=title, sections=(Section("", text=label("no_items", language)),),
                     language=language)
    sections: list[Section] = []
    if parts.figures:
        sections.append(Section(label("key_figures", language), figures=parts.figures))
    top = [c for c in claims if not c.topics or topic.name in c.topics][:MAX_CLAIMS]
    if top:
        sections.append(Section(label("top_claims", language), claims=tuple(top)))
    sections.append(Section(label("timeline", language),
                            links=tuple(timeline_link(link, language) for link in parts.newest)))
    count = "source_one" if parts.count == 1 else "sources_count"
    footer = f"{parts.count} {label(count, language)} · {label('more_in_digest', language)}"
    return Reply(title=title, sections=tuple(sections), footer=footer, language=language)


def timeline_link(item: Item | Link, language: str) -> Link:
    """An item in the timeline: dated by publication; an undated one says so in its title."""
    if item.published is not None:
        return Link(item.title, item.url, item.published)
    return Link(f"({label('date_unknown', language)}) {item.title}", item.url, None)


def _figures(
    items: Sequence[Item], figures: Mapping[int, Sequence[Figure]], overview: Sequence[str],
    language: str = "en",
) -> list[Figure]:
    """Distinct values; those the overview carries first (they are the facts the briefing rests
    on), then in story order. Each says who says so: the claimant stored with it, else the
    article's title when the briefing draws on several (one article needs no name)."""
    pool: list[Figure] = []
    seen: set[str] = set()
    several = len({i.id for i in items if figures.get(i.id)}) > 1
    claimed: set[str] = set()  # values a named claimant stated: checkable, so next in line
    for item in items:
        for f in figures.get(item.id, ()):
            key = " ".join(f.value.casefold().split())
            if key not in seen:
                seen.add(key)
                if f.source:
                    claimed.add(f.value)
                # the article's own figures name no source: the briefing is told from it
                source = f.source or (_short(item.title) if several else None)
                pool.append(dataclasses.replace(f, url=f.url or item.url, source=source))
    text = " ".join(overview)
    # stable: story order within each group
    pool.sort(key=lambda f: (f.value not in text, f.value not in claimed))
    return pool[:MAX_FIGURES]


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + " …"


def _when(item: Item) -> datetime:
    return item.published or item.ingested_at
