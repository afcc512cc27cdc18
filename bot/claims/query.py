"""Reading the ledger for ``/claims``, ``briefbot claims --json`` and the digest's "new claims".

Ranking, most important first:
    score = 4 if disputed (+1 per further dispute link, at most +2)
          + 3 if the text says no evidence was given
          + 1 if hedged
          + 2 * log2(number of sources)      (widely reported claims rise)
ties: most recently seen first, then first seen, then id (stable pages).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.claims.compare import same_claimant
from bot.errors import CommandError
from bot.model import Claim, DisputeReason, Item, Link
from bot.storage import Storage
from bot.storage.claims import ClaimRow, DisputeRow

TopicOf = Callable[[Item], Sequence[str]]
STATUSES = {
    "disputed": "disputed", "no_evidence": "no_evidence", "no-evidence": "no_evidence",
    "none_given": "no_evidence", "unsupported": "no_evidence", "hedged": "hedged",
}


@dataclass(frozen=True)
class ClaimPage:
    claims: tuple[Claim, ...]
    page: int
    pages: int
    total: int


async def ledger_claims(storage: Storage, *, topic_of_item: TopicOf | None = None) -> list[Claim]:
    """Every ledger entry with its sources, topics and dispute links (unranked)."""
    rows = await storage.claims.list()
    disputes = await storage.claims.disputes()
    items = {item.id: item for item in await storage.items.all()}
    return build_claims(rows, disputes, items, topic_of_item)


def build_claims(
    rows: list[ClaimRow], disputes: list[DisputeRow], items: dict[int, Item],
    topic_of_item: TopicOf | None = None,
) -> list[Claim]:
    links: dict[str, list[tuple[str, str]]] = {}
    for d in sorted(disputes, key=lambda d: (d.claim_id, d.other_id)):
        links.setdefault(d.claim_id, []).append((d.other_id, d.reason))
        links.setdefault(d.other_id, []).append((d.claim_id, d.reason))
    out = []
    for row in rows:
        sources: list[Link] = []
        topics: list[str] = []
        for mention in row.mentions:
            item = items.get(mention.item_id)
            if item is None:
                continue
            sources.append(Link(item.title, item.url, item.published))
            for name in topic_of_item(item) if topic_of_item else ():
                if name not in topics:
                    topics.append(name)
        mine = links.get(row.id, [])
        out.append(Claim(
            id=row.id, claimant=row.claimant, text=row.text, kind=row.kind, cue=row.cue,
            hedged=row.hedged, hedges=row.hedges, evidence=row.evidence,  # type: ignore[arg-type]
            disputes=tuple(o for o, _ in mine),
            dispute_reasons=tuple(DisputeReason.parse(r) for _, r in mine),
            topics=tuple(topics), first_seen=row.first_seen, last_seen=row.last_seen,
            sources=tuple(sources),
        ))
    return out


def score(claim: Claim) -> float:
    value = 0.0
    if claim.disputes:
        value += 4 + min(len(claim.disputes) - 1, 2)
    if claim.evidence == "none_given":
        value += 3
    if claim.hedged:
        value += 1
    return value + 2 * math.log2(max(1, len(claim.sources)))


def rank(claims: list[Claim]) -> list[Claim]:
    def when(value: datetime | None) -> float:
        return value.timestamp() if value else 0.0

    return sorted(claims, key=lambda c: (-score(c), -when(c.last_seen), -when(c.first_seen), c.id))


def filter_claims(
    claims: list[Claim], *, claimant: str | None = None, topic: str | None = None,
    status: str | None = None, since: datetime | None = None,
) -> list[Claim]:
    """Raises CommandError for an unknown status."""
    wanted = None
    if status:
        wanted = STATUSES.get(status.strip().casefold())
        if wanted is None:
            raise CommandError(
                f"unknown status {status!r}; use one of: disputed, no_evidence, hedged")
    out = []
    for c in claims:
        if claimant and not _claimant_matches(claimant, c.claimant):
            continue
        if topic and topic.casefold() not in (t.casefold() for t in c.topics):
            continue
        if wanted == "disputed" and not c.disputes:
            continue
        if wanted == "no_evidence" and c.evidence != "none_given":
            continue
        if wanted == "hedged" and not c.hedged:
            continue
        if since is not None and (c.first_seen is None or c.first_seen < since):
            continue
        out.append(c)
    return out


def _claimant_matches(query: str, claimant: str | None) -> bool:
    if claimant is None:
        return query.strip().casefold() in ("none", "null", "article", "-")
    return query.casefold() in claimant.casefold() or same_claimant(query, claimant)


async def query_claims(
    storage: Storage, *, claimant: str | None = None, topic: str | None = None,
    status: str | None = None, page: int = 1, per_page: int = 10,
    topic_of_item: TopicOf | None = None, since: datetime | None = None,
) -> ClaimPage:
    """One page of ranked, filtered claims. Raises CommandError for a bad status or page."""
    claims = rank(filter_claims(await ledger_claims(storage, topic_of_item=topic_of_item),
                                claimant=claimant, topic=topic, status=status, since=since))
    pages = max(1, -(-len(claims) // per_page))
    if page < 1 or page > pages:
        raise CommandError(f"there are only {pages} page(s) of claims")
    shown = claims[(page - 1) * per_page: page * per_page]
    return ClaimPage(tuple(shown), page, pages, len(claims))


async def new_claims_since(
    storage: Storage, since: datetime, *, topic: str | None = None,
    topic_of_item: TopicOf | None = None, limit: int = 10,
) -> list[Claim]:
    """For the daily digest: entries first seen at or after ``since``, most important first."""
    claims = await ledger_claims(storage, topic_of_item=topic_of_item)
    return rank(filter_claims(claims, topic=topic, since=since))[:limit]


def claims_json(claims: list[Claim]) -> list[dict[str, Any]]:
    """The ``briefbot claims --json`` contract."""
    from bot.contracts import claim_json

    return [claim_json(c) for c in claims]
