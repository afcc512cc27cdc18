"""From parsed entries to articles: identity, in-feed dedupe, digest eligibility, full text."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.feeds.fulltext import ArticlePages, is_teaser
from bot.feeds.identity import canonical_url, entry_key
from bot.feeds.parse import ParsedEntry, ParsedFeed
from bot.ingest import RawArticle
from bot.storage import Storage
from bot.storage.sources import SourceRow
from bot.text.clean import HEADLINE_MAX, headline_from, is_headline
from bot.text.pacing import pace

log = logging.getLogger(__name__)

FIRST_POLL_NEWEST = 5  # a new feed brings at most this many items into digests


@dataclass(frozen=True)
class EntryPlan:
    key: str
    entry: ParsedEntry
    title: str
    eligible: bool
    unchanged: bool = False  # teaser-only entry whose title and teaser are as stored
    stored_hash: str | None = None  # content hash of the stored item with this key


def entry_title(entry: ParsedEntry) -> str:
    """The item's headline by the title rule of ``bot.text.clean``: a feed title longer than a
    headline is body text (``to_article`` keeps it whole), and the headline is its first words."""
    if entry.title:
        return entry.title if is_headline(entry.title) else headline_from(entry.title, HEADLINE_MAX)
    text = entry.content or entry.summary
    if text.strip():
        return headline_from(text)
    return entry.link or "(untitled)"


async def plan_entries(
    storage: Storage,
    source: SourceRow,
    parsed: ParsedFeed,
    *,
    now: datetime,
    max_age: timedelta,
    first_poll: bool,
    full_text: bool = True,
) -> tuple[list[EntryPlan], int]:
    """Plans for the feed's entries (first occurrence of each key) and the number skipped.

    An entry is kept out of digests when it is older than ``max_age``, or, on a feed's first
    poll, when it is not among its newest few: subscribing to a feed must not flood a digest.
    """
    cutoff = now - max_age
    ranked = sorted(parsed.entries, key=lambda e: (
        -e.published.timestamp() if e.published else float("inf"), e.position))
    newest = {e.position for e in ranked[:FIRST_POLL_NEWEST]}
    keyed: list[tuple[str, ParsedEntry]] = []
    seen: set[str] = set()
    skipped = 0
    for entry in parsed.entries:
        await pace()  # hundreds of entries: the loop gets its turns (bot.text.pacing)
        key = entry_key(source.id, guid=entry.guid, link=entry.link, title=entry.title,
                        published=entry.published)
        if key is None:
            skipped += 1
        elif key not in seen:
            seen.add(key)
            keyed.append((key, entry))
    states = await storage.items.feed_states([key for key, _ in keyed], source_id=source.id)
    plans: list[EntryPlan] = []
    for key, entry in keyed:
        await pace()
        too_old = entry.published is not None and entry.published < cutoff
        eligible = not too_old and (not first_poll or entry.position in newest)
        title = entry_title(entry)
        state = states.get(key)
        unchanged = bool(full_text and state is not None and is_teaser(entry)
                         and state[2] == title and (state[3] or "") == entry.summary)
        plans.append(EntryPlan(key, entry, title, eligible, unchanged,
                               state[1] if state else None))
    return plans, skipped


async def to_article(
    plan: EntryPlan, pages: ArticlePages | None, *, max_chars: int | None = None
) -> tuple[RawArticle, str | None]:
    """The article for a plan; for a teaser-only entry (with ``pages``), the linked page's body.

    Returns the article and a warning when the page could not be used (the teaser stands in).
    Texts longer than ``max_chars`` are cut there, with a line in the log.
    """
    entry = plan.entry
    warning = None
    teaser: str | None = entry.summary or None
    if entry.content:
        text = entry.content
        if teaser == text:
            teaser = None
    elif pages is not None and entry.link and is_teaser(entry):
        full, warning = await pages.text(entry.link)
        text = full if len(full) > len(entry.summary) else entry.summary
    else:
        text, teaser = entry.summary, None
    if entry.title and not is_headline(entry.title) and not text.startswith(entry.title):
        text = f"{entry.title}\n\n{text}" if text.strip() else entry.title  # the title is body
    if not text.strip():
        text = plan.title
    link = canonical_url(entry.link) if entry.link else None
    return RawArticle(
        key=plan.key,
        title=plan.title,
        text=_bounded(text, max_chars, plan.key),
        url=link or entry.link,
        published=entry.published,
        teaser=_bounded(teaser, max_chars, plan.key) if teaser else None,
        digest_eligible=plan.eligible,
    ), warning


def _bounded(text: str, max_chars: int | None, key: str) -> str:
    """``text`` cut at ``max_chars`` (at a paragraph or word end when one is near)."""
    if max_chars is None or len(text) <= max_chars:
        return text
    head = text[:max_chars]
    for mark in ("\n\n", " "):
        at = head.rfind(mark)
        if at > max_chars * 0.9:
            head = head[:at]
            break
    log.warning("feed item %s: text of %d characters cut at %d ([text] max_chars)", key,
                len(text), len(head))
    return head
