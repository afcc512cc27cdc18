"""The topic briefing (/deepseek): the state of the story from every stored item on the topic.

Overview: with one story, that story's own bullets (up to five); with several, the lead bullet of
each of the top five stories. Key figures: value, what it measures, who says so (the speaker, else
the item's title with its link). Latest developments: newest items with dates and links. Top claims:
the ledger's ranking, disputed and evidence-free first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.briefing.digest import lead_item, rank
from bot.briefing.stories import cluster
from bot.config import TopicConfig
from bot.i18n import label
from bot.model import Claim, Figure, Item, Link, Reply, Section
from bot.topics import item_relevance

MAX_BULLETS = 5
MAX_FIGURES = 6
MAX_LATEST = 5
MAX_CLAIMS = 5
MAX_ITEMS = 300  # the state of the story: the newest items are enough


def build_topic_briefing(
    topic: TopicConfig,
    items: Sequence[Item],
    figures: Mapping[int, Sequence[Figure]],
    claims: Sequence[Claim],
    language: str,
    *,
    now: datetime | None = None,
    topic_scores: Mapping[int, int] | None = None,
) -> Reply:
    """``claims``: already ranked (bot.answers.rank_claims); the first five are shown."""
    title = f"{label('briefing', language)}: {topic.description or topic.name}"
    on_topic = sorted((i for i in items if item_relevance(topic, i, topic_scores) > 0),
                      key=lambda i: (_when(i), i.id), reverse=True)[:MAX_ITEMS]
    if not on_topic:
        return Reply(title=title, sections=(Section(label("overview", language),
                                                    text=label("no_items", language)),))
    until = now or max(_when(i) for i in on_topic)
    ranked = rank(cluster(on_topic), until, language, topic, topic_scores)
    if len(ranked) == 1:
        overview = lead_item(ranked[0].items, language).bullets[:MAX_BULLETS]
    else:
        overview = tuple(r.story.bullets[0] for r in ranked if r.story.bullets)[:MAX_BULLETS]
    sections = [Section(label("overview", language), bullets=tuple(overview))]
    key_figures = _figures([i for r in ranked[:MAX_BULLETS] for i in r.items], figures,
                           overview, language)
    if key_figures:
        sections.append(Section(label("key_figures", language), figures=tuple(key_figures)))
    newest = sorted(on_topic, key=lambda i: (_when(i), i.id), reverse=True)[:MAX_LATEST]
    sections.append(Section(label("latest", language),
                            links=tuple(Link(i.title, i.url, _when(i)) for i in newest)))
    top = [c for c in claims if not c.topics or topic.name in c.topics][:MAX_CLAIMS]
    if top:
        sections.append(Section(label("top_claims", language), claims=tuple(top)))
    count = "source_one" if len(on_topic) == 1 else "sources_count"
    footer = f"{len(on_topic)} {label(count, language)}"
    return Reply(title=title, sections=tuple(sections), footer=footer)


def _figures(
    items: Sequence[Item], figures: Mapping[int, Sequence[Figure]], overview: Sequence[str],
    language: str = "en",
) -> list[Figure]:
    """Distinct values; those the overview carries first (they are the facts the briefing rests
    on), then in story order. Each says who says so: the claimant stored with it, else the
    article (named by its title when the briefing draws on several)."""
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
                source = f.source or (_short(item.title) if several else label("article", language))
                pool.append(dataclasses.replace(f, url=f.url or item.url, source=source))
    text = " ".join(overview)
    # stable: story order within each group
    pool.sort(key=lambda f: (f.value not in text, f.value not in claimed))
    return pool[:MAX_FIGURES]


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + " …"


def _when(item: Item) -> datetime:
    return item.published or item.ingested_at
