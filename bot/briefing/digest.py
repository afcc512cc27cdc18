"""The daily digest: stories of a window, ranked, plus what changed since the previous digest.

Pure functions over stored items, figures and claims, so that the CLI, the console, the scheduler
and the tests build the same digest. "What changed" compares with the stories of the previous window
(items before ``since``), which needs no extra state: a new figure in a continuing story, a figure
revised (same measure, different amount), a dispute found since the last digest.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.briefing.placement import group_by_story
from bot.briefing.stories import _KIND_WEIGHT as KIND_WEIGHT
from bot.briefing.stories import Cluster, StoryMemo, cluster, item_keys, to_story
from bot.config import TopicConfig
from bot.i18n import label
from bot.model import Claim, Digest, Figure, Item, Story
from bot.text.entities import parse_number
from bot.topics import item_relevance

MAX_STORIES = 10
MAX_BULLETS = 5
MAX_CLAIMS = 5
MAX_CHANGES = 8
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class RankedStory:
    story: Story
    items: tuple[Item, ...]
    score: float


def topic_items(
    items: Sequence[Item], topic: TopicConfig | None, scores: Mapping[int, int] | None = None
) -> list[Item]:
    """A topic's digest holds only items matching its terms (``scores``: as ingest stored them,
    ``bot.topics.item_relevance``)."""
    if topic is None:
        return list(items)
    return [i for i in items if item_relevance(topic, i, scores) > 0]


def rank(
    clusters: Sequence[Cluster], until: datetime, language: str, topic: TopicConfig | None,
    scores: Mapping[int, int] | None = None,
) -> list[RankedStory]:
    """More sources first, then fresher, then more on-topic; ties broken by headline and id so the
    same items always give the same order."""
    out = []
    for c in clusters:
        sources = len({(i.url or i.title) for i in c.items})
        age = max(0.0, (until - c.latest).total_seconds() / 3600)
        recency = max(0.0, 1.0 - age / 48)
        rel = max((item_relevance(topic, i, scores) for i in c.items), default=0) if topic else 0
        score = sources + recency + 0.5 * math.log1p(rel)
        out.append(RankedStory(to_story(c, language), tuple(c.items), score))
    out.sort(key=lambda r: (-round(r.score, 6), r.story.headline, min(i.id for i in r.items)))
    return out


def briefing_bullets(ranked: Sequence[RankedStory], language: str) -> tuple[str, ...]:
    """The briefing: the lead bullet of each story in rank order, then second bullets, and so on,
    up to five; one story alone gives its whole summary."""
    lists = [list(lead_item(r.items, language).bullets) for r in ranked]
    out: list[str] = []
    depth = 0
    while len(out) < MAX_BULLETS and any(depth < len(b) for b in lists):
        out.extend(b[depth] for b in lists if depth < len(b))
        depth += 1
    return tuple(out[:MAX_BULLETS])


def lead_item(items: Sequence[Item], language: str) -> Item:
    """The source a story is told from: one in the bot's language if it has a summary."""
    return next((i for i in items if i.language == language and i.bullets), None) or next(
        (i for i in items if i.bullets), items[0])


@dataclass(frozen=True)
class Change:
    """A "what changed" line as a code and its arguments: the words come from the label table
    when it is rendered, so a digest prepared once reads in every reader's language."""

    code: str  # revised_figure (old, new, measures, headline), new_figure (value, measures,
    # headline), new_dispute (who, text)
    args: tuple[str, ...]

    def render(self, language: str) -> str:
        if self.code == "revised_figure":
            old, new, measures, headline = self.args
            return _short(f"{label('revised_figure', language)}: {old} → {new} — {measures} "
                          f"({headline})", 300)
        if self.code == "new_figure":
            value, measures, headline = self.args
            return _short(f"{label('new_figure', language)}: {value} — {measures} ({headline})",
                          300)
        who, text = self.args
        return _short(f"{label('new_dispute', language)}: {who}{text}")


@dataclass(frozen=True)
class DigestParts:
    """A digest as data, before the words of its title, window and change lines: what ingest
    prepares and stores (``bot.answers.prepared``) and a command renders with ``digest_of``."""

    bullets: tuple[str, ...]
    stories: tuple[Story, ...]
    new_claims: tuple[Claim, ...] = ()
    changes: tuple[Change, ...] = ()
    topic: str | None = None


def build_digest(
    *,
    items: Sequence[Item],
    figures: Mapping[int, Sequence[Figure]],
    claims: Sequence[Claim],
    since: datetime,
    until: datetime,
    window: str,
    language: str,
    topic: TopicConfig | None = None,
    topic_scores: Mapping[int, int] | None = None,
    previous_items: Sequence[Item] = (),
    window_disputes: set[frozenset[str]] | None = None,
    title: str | None = None,
    max_stories: int = MAX_STORIES,
    memo: StoryMemo | None = None,
    story_of: Mapping[int, str] | None = None,
) -> Digest:
    """``previous_items``: what the previous digest covered (for "what changed");
    ``window_disputes``: the dispute pairs found within the window (None: the disputes of claims
    first seen in the window); ``topic_scores``: the items' stored scores for ``topic``;
    ``story_of``: item id -> the story ingest placed it in (None: the items are clustered here)."""
    parts = prepare_digest(
        items=items, figures=figures, claims=claims, since=since, until=until, language=language,
        topic=topic, topic_scores=topic_scores, previous_items=previous_items,
        window_disputes=window_disputes, max_stories=max_stories, memo=memo, story_of=story_of)
    return digest_of(parts, since=since, until=until, window=window, language=language,
                     title=title)


def prepare_digest(
    *,
    items: Sequence[Item],
    figures: Mapping[int, Sequence[Figure]],
    claims: Sequence[Claim],
    since: datetime,
    until: datetime,
    language: str,
    topic: TopicConfig | None = None,
    topic_scores: Mapping[int, int] | None = None,
    previous_items: Sequence[Item] = (),
    window_disputes: set[frozenset[str]] | None = None,
    max_stories: int = MAX_STORIES,
    memo: StoryMemo | None = None,
    story_of: Mapping[int, str] | None = None,
) -> DigestParts:
    """``build_digest`` without the words: pure and CPU-bound, so it may run off the event loop."""

    def stories_of(chosen: Sequence[Item]) -> list[Cluster]:
        if story_of is not None:
            return group_by_story(chosen, story_of)
        return cluster(chosen, memo=memo)

    chosen = topic_items(items, topic, topic_scores)
    ranked = rank(stories_of(chosen), until, language, topic, topic_scores)[:max_stories]
    bullets = briefing_bullets(ranked, language)
    before = (stories_of(topic_items(previous_items, topic, topic_scores))
              if previous_items else [])
    changes = figure_change_codes(ranked, before, figures, memo)
    fresh, disputes = claim_change_codes(claims, since=since, until=until, topic=topic,
                                         window_disputes=window_disputes)
    return DigestParts(bullets=bullets, stories=tuple(r.story for r in ranked),
                       new_claims=tuple(fresh), changes=tuple(changes + disputes),
                       topic=topic.name if topic else None)


def digest_of(parts: DigestParts, *, since: datetime, until: datetime, window: str,
              language: str, title: str | None = None) -> Digest:
    """The digest of prepared ``parts``, its words in ``language``."""
    heading = title or label("digest", language) + (f": {parts.topic}" if parts.topic else "")
    return Digest(
        title=heading, since=since, until=until, window=window, bullets=parts.bullets,
        stories=parts.stories, new_claims=parts.new_claims,
        changes=tuple(change.render(language) for change in parts.changes), topic=parts.topic,
    )


def figure_changes(
    ranked: Sequence[RankedStory],
    before: Sequence[Cluster],
    figures: Mapping[int, Sequence[Figure]],
    language: str,
    memo: StoryMemo | None = None,
) -> list[str]:
    """New and revised figures of stories the previous digest already had, in ``language``."""
    return [c.render(language) for c in figure_change_codes(ranked, before, figures, memo)]


def figure_change_codes(
    ranked: Sequence[RankedStory],
    before: Sequence[Cluster],
    figures: Mapping[int, Sequence[Figure]],
    memo: StoryMemo | None = None,
) -> list[Change]:
    """``figure_changes`` as codes: revised figures first, at most MAX_CHANGES."""
    if not before:
        return []
    now_keys = [keys_of(r.items, memo) for r in ranked]
    old_keys = [keys_of(c.items, memo) for c in before]
    df: Counter[str] = Counter()
    for k in now_keys + old_keys:
        df.update(k)
    n = len(now_keys) + len(old_keys)
    idf = {k: math.log(1 + n / c) for k, c in df.items()}
    lines: list[Change] = []
    for r, (score, match) in zip(ranked, best_matches(now_keys, old_keys, idf), strict=True):
        if score < 0.2:
            continue  # a new story: the top stories section covers it
        old = before[match]
        old_figs = [_Known.of(f) for i in old.items for f in figures.get(i.id, ())]
        old_values = {k.value for k in old_figs}
        seen: set[str] = set()
        for item in r.items:
            lang = item.language
            for f in figures.get(item.id, ()):
                value = _norm(f.value)
                if value in old_values or value in seen:
                    continue
                seen.add(value)
                revised = _revised(f, old_figs, lang)
                if revised is not None:
                    lines.append(Change("revised_figure", (revised.value, f.value, f.measures,
                                                           r.story.headline)))
                else:
                    lines.append(Change("new_figure", (f.value, f.measures, r.story.headline)))
    lines.sort(key=lambda change: change.code != "revised_figure")
    return lines[:MAX_CHANGES]


def best_matches(
    rows: Sequence[frozenset[str]], cols: Sequence[frozenset[str]], idf: dict[str, float]
) -> list[tuple[float, int]]:
    """For each row, the highest ``similarities`` value and the first column with it ((0.0, -1)
    when no column shares a key): only columns sharing a key are compared (an inverted index),
    with the same sums as ``similarities``, so a busy day's previous window is not compared
    pair by pair."""

    def w(k: str) -> float:
        return KIND_WEIGHT[k[0]] * idf.get(k, 1.0)

    index: dict[str, list[int]] = {}
    for j, c in enumerate(cols):
        for k in c:
            index.setdefault(k, []).append(j)
    totals: dict[int, tuple[float, set[str]]] = {}
    out = []
    for a in rows:
        a_total = sum(w(k) for k in a)
        mine = {k for k in a if k[0] == "n"}
        best = (0.0, -1)
        for j in sorted({j for k in a for j in index.get(k, ())}):
            b = cols[j]
            if j not in totals:
                totals[j] = (sum(w(k) for k in b), {k for k in b if k[0] == "n"})
            b_total, theirs = totals[j]
            shared = sum(w(k) for k in a & b)
            if not shared:
                continue
            result = shared / math.sqrt(a_total * b_total)
            if mine and theirs and not mine & theirs:
                result *= 0.75
            if result > best[0]:
                best = (result, j)
        out.append(best)
    return out


def keys_of(items: Sequence[Item], memo: StoryMemo | None = None) -> frozenset[str]:
    return frozenset().union(*(item_keys(i, memo) for i in items))


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", value.casefold()).strip()


def _unit(value: str) -> str:
    return re.sub(r"[\d.,\s]+", " ", value.casefold()).strip()


@dataclass(frozen=True)
class _Known:
    """A figure of the previous window's story, with what ``_revised`` compares parsed once
    (a busy day's story has hundreds of figures, each compared with every new one)."""

    figure: Figure
    value: str  # normalised, as ``_norm``
    unit: str
    words: frozenset[str]
    digits: str

    @classmethod
    def of(cls, figure: Figure) -> _Known:
        return cls(figure, _norm(figure.value), _unit(figure.value),
                   frozenset(w.casefold() for w in _WORD.findall(figure.measures)),
                   re.sub(r"[^\d.,]", "", figure.value) or "0")


def _revised(new: Figure, old: Sequence[_Known], language: str) -> Figure | None:
    """An old figure in the same unit whose context shares most words with the new one's and whose
    amount is close (a correction, not another quantity)."""
    words = {w.casefold() for w in _WORD.findall(new.measures)}
    number = parse_number(re.sub(r"[^\d.,]", "", new.value) or "0", language) or 0.0
    unit = _unit(new.value)
    best: tuple[float, Figure] | None = None
    for known in old:
        if known.unit != unit:
            continue
        theirs = known.words
        if not words or not theirs:
            continue
        overlap = len(words & theirs) / min(len(words), len(theirs))
        other = parse_number(known.digits, language) or 0.0
        close = other > 0 and 0.5 <= number / other <= 2.0
        if overlap >= 0.34 and close and (best is None or overlap > best[0]):
            best = (overlap, known.figure)
    return best[1] if best else None


def claim_changes(
    claims: Sequence[Claim],
    *,
    since: datetime,
    until: datetime,
    topic: TopicConfig | None,
    window_disputes: set[frozenset[str]] | None,
    language: str,
) -> tuple[list[Claim], list[str]]:
    """Claims first seen in the window, and claims with a dispute the previous digest did not have
    (listed first, and as change lines in ``language``)."""
    fresh, changes = claim_change_codes(claims, since=since, until=until, topic=topic,
                                        window_disputes=window_disputes)
    return fresh, [c.render(language) for c in changes]


def claim_change_codes(
    claims: Sequence[Claim],
    *,
    since: datetime,
    until: datetime,
    topic: TopicConfig | None,
    window_disputes: set[frozenset[str]] | None,
) -> tuple[list[Claim], list[Change]]:
    """``claim_changes`` with the change lines as codes."""
    pool = [c for c in claims if topic is None or topic.name in c.topics]
    fresh: list[Claim] = []
    lines: list[Change] = []
    for c in pool:
        new_disputes = [
            other for other in c.disputes
            if (frozenset((c.id, other)) in window_disputes if window_disputes is not None
                else (c.first_seen is not None and since <= c.first_seen <= until))
        ]
        is_new = c.first_seen is not None and since <= c.first_seen <= until
        if new_disputes and not is_new:
            # an older claim disputed since the last digest is a change; a new claim shows its
            # disputes in the claims section anyway
            who = f"{c.claimant}: " if c.claimant else ""
            lines.append(Change("new_dispute", (who, c.text)))
        if new_disputes or is_new:
            fresh.append(c)
    fresh.sort(key=lambda c: (-int(bool(c.disputes)), -int(c.evidence == "none_given"),
                              -len(c.sources), c.id))
    return fresh[:MAX_CLAIMS], lines[:MAX_CHANGES]


def _short(line: str, limit: int = 200) -> str:
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + " …"
