"""Claim identity and the merging of two reports of one claim: one rule each.

Identity: a claim is its canonical claimant and the words of its message (``claim_id``), so the
same claim re-ingested, or reported by another item, keeps its id.

Merging (``merge_rows``), the same whether an item reports a stored claim again or the ledger folds
two equal claims into one: the time range widens, the strongest evidence status wins
(``none_given`` over ``cited`` over ``unstated``: an explicit "no evidence" is the finding a reader
must not miss), a claim hedged anywhere stays hedged, and the hedges are the union, in order.
Storage only writes the merged values.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from bot.claims.answers import answer_disputes
from bot.model import ExtractedClaim
from bot.storage import Storage
from bot.storage.claims import ClaimMention, ClaimRow

EVIDENCE_RANK = {"none_given": 2, "cited": 1, "unstated": 0}


def normalize_claim_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'„“”‚‘’»«]", "", text)
    return re.sub(r"\W+", " ", text).strip()


def claim_id(claimant: str | None, text: str) -> str:
    """Stable across re-ingest: depends only on the canonical claimant and the message's words."""
    basis = f"{(claimant or '').casefold()}|{normalize_claim_text(text)}"
    return "c" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:11]


def stronger_evidence(first: str, second: str) -> str:
    """The evidence status that wins when two reports of one claim meet (ties: ``first``)."""
    return max((first, second), key=lambda e: EVIDENCE_RANK.get(e, 0))


def merge_rows(kept: ClaimRow, other: ClaimRow) -> ClaimRow:
    """``kept`` with ``other`` folded in; ``kept``'s wording, claimant, kind and figures stay."""
    hedges = list(kept.hedges) + [h for h in other.hedges if h not in kept.hedges]
    return ClaimRow(
        id=kept.id, claimant=kept.claimant, text=kept.text, kind=kept.kind, cue=kept.cue,
        hedged=kept.hedged or other.hedged, hedges=tuple(hedges),
        evidence=stronger_evidence(kept.evidence, other.evidence), figures=kept.figures,
        first_seen=min(kept.first_seen, other.first_seen),
        last_seen=max(kept.last_seen, other.last_seen), mentions=(),
    )


def as_row(claim: ExtractedClaim, seen_at: datetime) -> ClaimRow:
    return ClaimRow(
        id=claim_id(claim.claimant, claim.text), claimant=claim.claimant, text=claim.text,
        kind=claim.kind, cue=claim.cue, hedged=claim.hedged, hedges=claim.hedges,
        evidence=claim.evidence, figures=claim.figures, first_seen=seen_at, last_seen=seen_at,
        mentions=(),
    )


async def replace_item_claims(
    storage: Storage, item_id: int, claims: Sequence[ExtractedClaim], seen_at: datetime, *,
    new_item: bool = False,
) -> list[str]:
    """Make ``claims`` the claims of this item, each merged with its stored report (if any);
    claims no item reports any more are removed. Returns the claim ids in order. ``new_item``:
    the item was just inserted, so it has no claims to replace.

    Raises:
        StorageError: the database could not be read or written.
    """
    fresh: dict[str, tuple[ClaimRow, ExtractedClaim, int]] = {}
    ids_in_order = []
    for position, claim in enumerate(claims):
        row = as_row(claim, seen_at)
        fresh.setdefault(row.id, (row, claim, position))
        ids_in_order.append(row.id)
    async with storage.db.transaction():
        stored = {r.id: r for r in await storage.claims.entries(fresh)}
        mentions = [
            ClaimMention(merge_rows(stored[cid], row) if cid in stored else row, position,
                         claim.spans)
            for cid, (row, claim, position) in fresh.items()
        ]
        ids = await storage.claims.replace_for_item(item_id, mentions, seen_at,
                                                    new_item=new_item)
        await storage.claims.add_disputes(
            [(denial, answered, reason.stored())
             for denial, answered, reason in answer_disputes(list(claims), ids_in_order)],
            seen_at)
        return ids


async def merge_claims(storage: Storage, into: str, source: str) -> None:
    """Fold claim ``source`` into ``into`` (its mentions, one per item, and ``merge_rows``), then
    delete it; its dispute links go with it and are recomputed by the ledger. Nothing happens when
    either is gone.

    Raises:
        StorageError: the database could not be read or written.
    """
    async with storage.db.transaction():
        rows = {r.id: r for r in await storage.claims.entries([into, source])}
        if into in rows and source in rows:
            await fold_claim(storage, rows[into], rows[source])


async def fold_claim(storage: Storage, kept: ClaimRow, other: ClaimRow) -> None:
    """``merge_claims`` for a caller holding both rows as stored: no read-back, the same writes.

    Raises:
        StorageError: the database could not be written.
    """
    await fold_claims(storage, [(kept, other)])


async def fold_claims(storage: Storage, merges: Sequence[tuple[ClaimRow, ClaimRow]]) -> None:
    """``fold_claim`` for each (kept, other) in turn, written in a few statements for all of
    them (the ledger's step collects its merges: the rows it holds are the stored ones). In a
    chain (A into B, then B into C) each ``kept`` row is the one its merge saw.

    Raises:
        StorageError: the database could not be written.
    """
    await storage.claims.merge_many([(merge_rows(kept, other), other.id)
                                     for kept, other in merges])
