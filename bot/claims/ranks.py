"""Claims ranked at ingest for each audience, so a command reads a page with a LIMIT.

At the end of the ledger step the claims a batch touched (and their dispute partners, and the
claims they were ranked from before) get their rank rows again (``bot.storage.claim_reads``): one
per scope whose readers see them. What a reader sees is decided here as ``Audiences.claims``
decides it (``visible``): the same entries, so the same score (``bot.claims.query.score``).

Scopes (``Scopes``): the base ``''`` is what a reader of no community reads (seeds, the config's
feeds, shared imports); every community with feeds of its own, and the operator (``'*'``), read
more. Their rows are overlays: only the claims an extra source of theirs reports, or whose dispute
partner one reports, rank differently there. The scopes and topics the rows were made for are kept
in ``meta``; when they differ from the current ones the rows are made again (at the next ledger
step) and readers meanwhile fall back to the whole ledger (``ready``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.claims.query import dispute_links, ledger_entry, score, topic_names
from bot.model import Claim
from bot.storage import Storage
from bot.storage.claim_reads import BASE, ClaimRef, RankRow
from bot.storage.claims import DisputeRow
from bot.text.pacing import pace

RANKS_VERSION = "3"  # bump when ``score``, ``visible`` or the rows change: rows are made again
RANKS_META = "claim_ranks"
EVERYTHING = "*"
CHUNK = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scopes:
    """``base``: the sources every reader sees (None: every source); ``overlays``: scope key ->
    the sources its readers see (None: every source), each a superset of ``base``."""

    base: frozenset[int] | None = None
    overlays: dict[str, frozenset[int] | None] = field(default_factory=dict)

    def overlay_of(self, sources: frozenset[int] | None) -> str | None:
        """The overlay scope of readers of ``sources`` (None: the base's readers).

        Raises:
            KeyError: no scope has these readers (a subscription narrowed to some feeds).
        """
        if sources == self.base:
            return None
        for key, seen in self.overlays.items():
            if seen == sources:
                return key
        raise KeyError("no scope")

    def extra(self, key: str) -> Callable[[int], bool]:
        """Whether a source is one the overlay's readers see beyond the base."""
        seen, base = self.overlays[key], self.base

        def beyond(source_id: int) -> bool:
            return base is not None and source_id not in base and (seen is None or source_id in seen)

        return beyond

    def marker(self, topics: Sequence[str], topics_meta: str | None) -> str:
        """What the rows were made for: compared at each read (``ready``)."""
        def listed(sources: frozenset[int] | None) -> list[int] | None:
            return None if sources is None else sorted(sources)

        return json.dumps({"version": RANKS_VERSION, "topics": list(topics),
                           "item_topics": topics_meta, "base": listed(self.base),
                           "overlays": {k: listed(v) for k, v in sorted(self.overlays.items())}},
                          sort_keys=True)


def sees_of(sources: frozenset[int] | None) -> Callable[[int], bool] | None:
    return None if sources is None else sources.__contains__


def visible(claims: Sequence[Claim], refs: dict[str, list[tuple[int, str | None]]],
            sees: Callable[[int], bool] | None) -> list[Claim]:
    """The claims an item of a visible source reports, each with only those items' links and
    only the disputes with claims visible as well. ``refs``: claim id -> (source id, link) of its
    items, for these claims and their dispute partners; ``sees`` None: every source."""
    if sees is None:
        return list(claims)
    readable = {cid for cid, found in refs.items() if any(sees(sid) for sid, _ in found)}
    out = []
    for claim in claims:
        if claim.id not in readable:
            continue
        mine = refs[claim.id]
        hidden = {url for sid, url in mine if not sees(sid)} - {url for sid, url in mine
                                                                if sees(sid)}
        whole = len(claim.dispute_reasons) == len(claim.disputes)
        reasons = claim.dispute_reasons if whole else (None,) * len(claim.disputes)
        kept = [(other, reason) for other, reason in zip(claim.disputes, reasons, strict=True)
                if other in readable]
        out.append(replace(
            claim, sources=tuple(s for s in claim.sources if s.url not in hidden),
            disputes=tuple(o for o, _ in kept),
            dispute_reasons=tuple(r for _, r in kept if r is not None)
            if whole else claim.dispute_reasons))
    return out


def by_claim(refs: Iterable[ClaimRef]) -> dict[str, list[tuple[int, str | None]]]:
    out: dict[str, list[tuple[int, str | None]]] = {}
    for ref in refs:
        out.setdefault(ref.claim_id, []).append((ref.source_id, ref.url))
    return out


async def entries_and_refs(
    storage: Storage, ids: Sequence[str], *, topics: Sequence[str],
    disputes: Sequence[DisputeRow] | None = None,
) -> tuple[list[Claim], list[ClaimRef]]:
    """The entries of ``ids`` and the refs of them and their dispute partners (four reads, three
    when ``disputes``, the links of these claims and more, were read before)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    reads = storage.claim_reads
    mine = set(wanted)
    if disputes is None:
        disputes = await reads.disputes_of(wanted)
    else:
        disputes = [d for d in disputes if d.claim_id in mine or d.other_id in mine]
    partners = {d.other_id for d in disputes} | {d.claim_id for d in disputes}
    rows = {row.id: row for row in await storage.claims.entries(mine | partners)}
    mentions = await reads.mentions_of(mine | partners)
    item_ids = sorted({item for cid in wanted for item, _ in mentions.positions.get(cid, ())})
    item_topics = topic_names(await reads.item_topics_of(item_ids), topics)
    links = dispute_links(list(rows.values()), disputes)
    claims = [ledger_entry(rows[cid], [item for item, _ in mentions.positions.get(cid, ())],
                           mentions.links, item_topics, links.get(cid, []))
              for cid in wanted if cid in rows]
    return claims, mentions.refs


async def visible_by_id(storage: Storage, ids: Sequence[str], sees: Callable[[int], bool] | None,
                        *, topics: Sequence[str] = ()) -> list[Claim]:
    """``entries_and_refs`` as a reader who sees ``sees`` reads them."""
    claims, refs = await entries_and_refs(storage, ids, topics=topics)
    return claims if sees is None else visible(claims, by_claim(refs), sees)


def stamp(claim: Claim, refs: Sequence[tuple[int, str | None]]) -> str:
    """A hash of a whole entry and who may see it: a reader keeps entries by it."""
    return hashlib.sha256(repr((claim, tuple(refs))).encode()).hexdigest()[:16]


def rank_row(scope: str, claim: Claim, stamped: str = "") -> RankRow:
    assert claim.first_seen is not None and claim.last_seen is not None  # stored claims have both
    return RankRow(scope=scope, claim_id=claim.id, score=score(claim), last_seen=claim.last_seen,
                   first_seen=claim.first_seen, claimant=claim.claimant,
                   disputed=bool(claim.disputes), no_evidence=claim.evidence == "none_given",
                   hedged=claim.hedged, sources=len(claim.sources), topics=claim.topics,
                   stamp=stamped)


def scope_rows(claims: Sequence[Claim], refs: dict[str, list[tuple[int, str | None]]],
               scopes: Scopes) -> list[RankRow]:
    """Every rank row of these claims: the base's, and an overlay's where it differs."""
    stamps = {c.id: stamp(c, refs.get(c.id, ())) for c in claims}
    rows = [rank_row(BASE, c, stamps[c.id])
            for c in visible(claims, refs, sees_of(scopes.base))]
    in_base = {row.claim_id for row in rows}
    for key in sorted(scopes.overlays):
        beyond = scopes.extra(key)

        def differs(claim: Claim, beyond: Callable[[int], bool] = beyond) -> bool:
            return any(beyond(sid) for cid in (claim.id, *claim.disputes)
                       for sid, _ in refs.get(cid, ()))

        changed = [c for c in claims if differs(c)]
        rows += [replace(rank_row(key, c, stamps[c.id]), shadows=c.id in in_base)
                 for c in visible(changed, refs, sees_of(scopes.overlays[key]))]
    return rows


async def rerank(storage: Storage, claim_ids: Iterable[str], *, topics: Sequence[str],
                 scopes: Scopes) -> None:
    """Make the rows of these claims again (and of their dispute partners, now and when last
    ranked: their disputes' visibility changes with them); a claim gone loses its rows. The
    links are read once for all (not again per chunk)."""
    wanted = set(claim_ids)
    if not wanted:
        return
    reads = storage.claim_reads
    partners = {cid for d in await reads.disputes_of(wanted) for cid in (d.claim_id, d.other_id)}
    partners |= await reads.ranked_partners(wanted)
    wanted |= partners
    await _rank_chunks(storage, sorted(wanted), topics=topics, scopes=scopes,
                       disputes=await reads.disputes_of(wanted))


async def _rank_chunks(storage: Storage, ordered: Sequence[str], *, topics: Sequence[str],
                       scopes: Scopes, disputes: Sequence[DisputeRow] | None) -> None:
    """``replace`` the rows of ``ordered`` a chunk at a time (``disputes``: every link of them,
    None: read per chunk)."""
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        claims, found = await entries_and_refs(storage, chunk, topics=topics, disputes=disputes)
        refs = by_claim(found)
        mine = {c.id for c in claims}
        await storage.claim_reads.replace(
            chunk, scope_rows(claims, refs, scopes), [r for r in found if r.claim_id in mine],
            sorted({(c.id, other) for c in claims for other in c.disputes}))
        await pace()


async def update_ranks(storage: Storage, item_ids: Sequence[int], *, topics: Sequence[str],
                       scopes: Scopes) -> None:
    """The end of the ledger step: rows again for the claims these items report now or reported
    when last ranked, for the claims merged away, and for the claims of the feeds a community
    followed or left since the rows were made. One transaction; when more changed (topics, the
    code, what every reader reads) every row is made again, in chunks (``rebuild``)."""
    marker = scopes.marker(topics, await storage.prepared.meta("topics"))
    if await storage.prepared.meta(RANKS_META) != marker and not await follows_changed(
            storage, topics=topics, scopes=scopes):
        await rebuild(storage, topics=topics, scopes=scopes)
        return
    if not item_ids:  # nothing else changed: no read of the ledger
        return
    async with storage.db.transaction():
        touched = await storage.claim_reads.claims_of_items(item_ids)
        touched |= await storage.claim_reads.merged_away(touched)
        await rerank(storage, touched, topics=topics, scopes=scopes)


async def after_prune(storage: Storage, *, topics: Sequence[str], scopes: Scopes) -> int:
    """After old items were deleted (``ItemsStorage.prune``): the claims that lost items but not
    all of them are ranked again now (those that lost all went with their rows), so their
    source counts are not stale until something touches them. Returns how many were."""
    async with storage.db.transaction():
        stale = await storage.claim_reads.ranked_from_gone_items()
        await rerank(storage, stale, topics=topics, scopes=scopes)
    return len(stale)


async def follows_changed(storage: Storage, *, topics: Sequence[str], scopes: Scopes) -> bool:
    """After a community followed or left feeds (``/feeds add``, ``/feeds remove``, an import
    for a community): only the claims of the feeds it gained or lost rank differently there
    (and their partners), so only those are ranked again, now. False when more than the
    overlays changed (the rows are left as they are: ``rebuild`` makes them again)."""
    marker = scopes.marker(topics, await storage.prepared.meta("topics"))
    async with storage.db.transaction():
        stored = await storage.prepared.meta(RANKS_META)
        if stored == marker:
            return True
        changed = _changed_sources(stored, marker)
        if changed is None:
            return False
        keys, sources = changed
        for key in keys:
            await storage.claim_reads.drop_scope(key)
        await rerank(storage, await storage.claim_reads.reported_by(sources), topics=topics,
                     scopes=scopes)
        await storage.prepared.set_meta(RANKS_META, marker)
    return True


async def rebuild(storage: Storage, *, topics: Sequence[str], scopes: Scopes,
                  chunk_claims: int = 2000) -> int:
    """Every row again (after an upgrade, a change of topics or of what every reader reads):
    ``chunk_claims`` claims per transaction, so the ledger step and commands are never held
    for the whole of it, with a log line of progress (a first start after an upgrade is slow
    and says why). Readers read the whole ledger until the last chunk sets the marker.
    Returns how many claims were ranked."""
    marker = scopes.marker(topics, await storage.prepared.meta("topics"))
    async with storage.db.transaction():
        await storage.prepared.set_meta(RANKS_META, "")  # not ready until the last chunk
        await storage.claim_reads.clear()
    ids = await storage.claim_reads.all_claim_ids()
    if len(ids) > chunk_claims:
        log.warning("ranking %d claims for /claims and the digest (once after an upgrade or a "
                    "change of topics or shared feeds)", len(ids))
    started = time.monotonic()
    for start in range(0, len(ids), chunk_claims):
        part = ids[start:start + chunk_claims]
        async with storage.db.transaction():
            await _rank_chunks(storage, part, topics=topics, scopes=scopes,
                               disputes=await storage.claim_reads.disputes_of(part))
        if len(ids) > chunk_claims:
            log.warning("ranked %d of %d claims (%.0f s)", start + len(part), len(ids),
                        time.monotonic() - started)
    async with storage.db.transaction():
        await storage.prepared.set_meta(RANKS_META, marker)
    return len(ids)


def _changed_sources(stored: str | None, marker: str) -> tuple[list[str], set[int]] | None:
    """The overlays that differ between two markers and the sources beyond the base they gained
    or lost; None when more than overlays differ (or nothing was stored)."""
    if stored is None:
        return None
    try:
        old, new = json.loads(stored), json.loads(marker)
    except ValueError:
        return None
    if not isinstance(old, dict) or {k: v for k, v in old.items() if k != "overlays"} != \
            {k: v for k, v in new.items() if k != "overlays"}:
        return None
    before, after = old.get("overlays", {}), new["overlays"]
    if before.get(EVERYTHING, "") != after.get(EVERYTHING, ""):
        return None
    base = set(new["base"] or ())
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    sources = {sid for k in keys for sid in (*(before.get(k) or ()), *(after.get(k) or ()))}
    return keys, sources - base


async def ready(storage: Storage, *, topics: Sequence[str], scopes: Scopes) -> bool:
    """Whether the stored rows were made for these scopes and topics (else read the ledger)."""
    marker = scopes.marker(topics, await storage.prepared.meta("topics"))
    return await storage.prepared.meta(RANKS_META) == marker
