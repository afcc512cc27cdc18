"""The ledger step after ingest: merge claims reported by several items, link contradictions.

Runs after new or updated items (``IngestService`` hook). Idempotent: running it again on the same
items merges nothing new and adds no link twice. Ids stay stable: a merge keeps the id of the entry
seen first (ties: the smaller id), and ids are hashes of claimant and message, so re-ingesting the
same items into a fresh database gives the same ids.
"""

from __future__ import annotations

from datetime import datetime

from bot.claims.compare import ClaimView, dispute_reason, same_claim
from bot.storage import Storage
from bot.storage.claims import ClaimRow


def view(row: ClaimRow) -> ClaimView:
    return ClaimView(row.id, row.claimant, row.text, row.cue, row.hedged, row.kind)


async def update_ledger(storage: Storage, item_ids: list[int], now: datetime) -> None:
    touched = await storage.claims.ids_for_items(item_ids)
    if not touched:
        return
    touched |= await _merge(storage, touched)
    rows = await storage.claims.list()
    by_id = {r.id: r for r in rows}
    for cid in sorted(touched):
        row = by_id.get(cid)
        if row is None:
            continue
        mine = {m.item_id for m in row.mentions}
        for other in rows:
            if other.id == cid:
                continue
            reason = dispute_reason(view(row), view(other))
            if reason is None:
                continue
            same_item = bool(mine & {m.item_id for m in other.mentions})
            where = "same item" if same_item else "another item"
            await storage.claims.add_dispute(cid, other.id, f"{reason} ({where})", now)


async def _merge(storage: Storage, touched: set[str]) -> set[str]:
    """Merge each touched claim with an equal one; returns the ids that absorbed others."""
    absorbed: set[str] = set()
    changed = True
    while changed:
        changed = False
        rows = await storage.claims.list()
        order = sorted(rows, key=lambda r: (r.first_seen, r.id))
        for row in order:
            if row.id not in touched and row.id not in absorbed:
                continue
            items = {m.item_id for m in row.mentions}
            for other in order:
                if other.id == row.id or items & {m.item_id for m in other.mentions}:
                    continue
                if not same_claim(view(row), view(other)):
                    continue
                keep, drop = sorted((row, other), key=lambda r: (r.first_seen, r.id))
                await storage.claims.merge(keep.id, drop.id)
                absorbed.add(keep.id)
                touched.discard(drop.id)
                changed = True
                break
            if changed:
                break
    return absorbed
