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
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache

from bot.claims.compare import same_claimant
from bot.errors import CommandError
from bot.i18n import label, phrase
from bot.model import Claim, DisputeReason, Link
from bot.storage import Storage
from bot.storage.claims import ClaimRow, DisputeRow

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


async def ledger_claims(
    storage: Storage, *, topics: Sequence[str] = (), language: str = "en"
) -> list[Claim]:
    """Every claim as a ledger entry with its sources, topics and dispute links, unranked, in the
    order ``ClaimStore.list()`` gives (first item, first position): the one read of the ledger.

    Read from prepared data only (the claims, their items' titles and links, the stored item
    topics), never the item texts. ``topics``: the configured topic names, in config order (an
    entry's topics follow it); ``language`` is kept for callers: dispute reasons are codes, worded
    by ``bot.i18n`` when rendered.
    """
    rows = await storage.claims.entries()
    refs, links_of = await storage.claims.sources()
    disputes = await storage.claims.disputes()
    item_topics = topic_names(await storage.prepared.item_topics(), topics)
    links = dispute_links(rows, disputes)

    def list_order(row: ClaimRow) -> tuple[int, int]:
        mine = refs.get(row.id, ())
        return (min((item for item, _ in mine), default=0),
                min((position for _, position in mine), default=0))

    rows.sort(key=list_order)
    return [ledger_entry(row, [item for item, _ in refs.get(row.id, ())], links_of, item_topics,
                   links.get(row.id, []))
            for row in rows]


def topic_names(item_topics: Mapping[int, Iterable[str]],
                topics: Sequence[str]) -> dict[int, list[str]]:
    """item id -> the configured names among its topics, in config order: the order an entry's
    topics follow (the ledger's read and the ranked one alike)."""
    order = {name: i for i, name in enumerate(topics)}
    return {item_id: sorted((n for n in names if n in order), key=order.__getitem__)
            for item_id, names in item_topics.items()}


def dispute_links(
    rows: Sequence[ClaimRow], disputes: Sequence[DisputeRow]
) -> dict[str, list[tuple[str, DisputeReason]]]:
    """claim id -> (other claim id, reason) of each dispute, both ways round; the reason is the
    stored code with the other side added (who, the start of its text), words come at render time."""
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
    return links


def ledger_entry(
    row: ClaimRow, item_ids: Sequence[int], links_of: dict[int, Link],
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
        language=next((links_of[i].language for i in item_ids if i in links_of), None),
    )


def score(claim: Claim) -> float:
    value = 0.0
    if claim.disputes:
        value += 4 + min(len(claim.disputes) - 1, 2)
    if claim.evidence == "none_given":
        value += 3
    if claim.hedged:
        value += 1
    return value + 2 * math.log2(max(1, len(claim.sources)))


def rank_key(claim: Claim) -> tuple[float, float, float, str]:
    """Most important first: the score, then last seen, first seen, id (stable pages)."""
    def when(value: datetime | None) -> float:
        return value.timestamp() if value else 0.0

    return (-score(claim), -when(claim.last_seen), -when(claim.first_seen), claim.id)


def rank(claims: list[Claim]) -> list[Claim]:
    return sorted(claims, key=rank_key)


def filter_claims(
    claims: list[Claim], *, claimant: str | None = None, topic: str | None = None,
    status: str | None = None, since: datetime | None = None, language: str = "en",
) -> list[Claim]:
    """Raises CommandError for an unknown status (in ``language``)."""
    wanted = status_code(status, language)
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


def status_code(status: str | None, language: str = "en") -> str | None:
    """The status code a typed status names (``no-evidence`` -> ``no_evidence``); None for none.

    Raises:
        CommandError: an unknown status (in ``language``).
    """
    if not status:
        return None
    wanted = STATUSES.get(status.strip().casefold())
    if wanted is None:
        raise CommandError(phrase("err_unknown_status", language, status=repr(status)))
    return wanted


_ARTICLE_WORDS = ("none", "null", "article", "artikel", "-")


def matching_claimants(query: str, known: Sequence[str]) -> list[str | None]:
    """The known names ``query`` matches as ``filter_claims`` matches them (None: claims without
    a claimant, when the query says "none" or "article")."""
    names: list[str | None] = [name for name in known if _claimant_matches(query, name)]
    if _claimant_matches(query, None):
        names.append(None)
    return names


@lru_cache(maxsize=65536)
def _claimant_matches(query: str, claimant: str | None) -> bool:
    """Kept per (query, name): a page, its count and the autocomplete ask the same pairs, and
    after an ingest only names new since are compared again (difflib is most of the cost)."""
    if claimant is None:
        return fold(query) in _ARTICLE_WORDS
    return name_matches(query, claimant) or same_claimant(query, claimant)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents and extra spaces: ``Müller`` and ``muller`` fold alike (ß as ss,
    ä as a), so people type names as their keyboard lets them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def _close(typed: str, word: str) -> bool:
    """One typed word against one word of a name: the same, a beginning (3 letters or more), or a
    small misspelling (``andreesen`` for ``andreessen``)."""
    if typed == word or (len(typed) >= 3 and word.startswith(typed)):
        return True
    return len(typed) >= 4 and SequenceMatcher(None, typed, word).ratio() >= 0.8


@lru_cache(maxsize=65536)
def name_matches(query: str, name: str) -> bool:
    """Whether ``query`` names ``name``: the folded text inside it, or every typed word close to
    a word of the name (``sam altman``, ``Altman``, ``andreesen`` for Marc Andreessen)."""
    typed, full = fold(query), fold(name)
    if not typed:
        return False
    if typed in full:
        return True
    words = full.replace("-", " ").split()
    return all(any(_close(t, w) for w in words) for t in typed.replace("-", " ").split())


def closest_names(query: str, names: Sequence[str], limit: int = 3) -> list[str]:
    """The known names most like ``query`` (each word of a name counts), best first; none below
    half alike."""
    typed = fold(query)

    def likeness(name: str) -> float:
        folded = fold(name)
        parts = [folded, *folded.split()]
        return max(SequenceMatcher(None, typed, part).ratio() for part in parts)

    scored = sorted(((likeness(n), n) for n in set(names)), key=lambda p: (-p[0], p[1]))
    return [name for score, name in scored if score >= 0.5][:limit]


def page_of(
    claims: Sequence[Claim], page: int, per_page: int = 10, *, language: str = "en"
) -> ClaimPage:
    """One page of ``claims`` (already filtered and ranked).

    Raises:
        CommandError: a page past the last (in ``language``).
    """
    pages = page_count(len(claims), page, per_page, language=language)
    shown = claims[(page - 1) * per_page: page * per_page]
    return ClaimPage(tuple(shown), page, pages, len(claims))


def page_count(total: int, page: int, per_page: int = 10, *, language: str = "en") -> int:
    """How many pages ``total`` claims make.

    Raises:
        CommandError: ``page`` is past the last (in ``language``).
    """
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise CommandError(label("err_pages", language) if pages == 1
                           else phrase("err_pages_many", language, pages=pages))
    return pages


async def query_claims(
    storage: Storage, *, claimant: str | None = None, topic: str | None = None,
    status: str | None = None, page: int = 1, per_page: int = 10,
    topics: Sequence[str] = (), since: datetime | None = None,
) -> ClaimPage:
    """One page of ranked, filtered claims. Raises CommandError for a bad status or page."""
    claims = rank(filter_claims(await ledger_claims(storage, topics=topics),
                                claimant=claimant, topic=topic, status=status, since=since))
    return page_of(claims, page, per_page)


async def new_claims_since(
    storage: Storage, since: datetime, *, topic: str | None = None,
    topics: Sequence[str] = (), limit: int = 10,
) -> list[Claim]:
    """Entries first seen at or after ``since``, most important first."""
    claims = await ledger_claims(storage, topics=topics)
    return rank(filter_claims(claims, topic=topic, since=since))[:limit]
