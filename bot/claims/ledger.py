"""The ledger step after ingest: merge claims reported by several items, link contradictions.

Runs after new or updated items (``IngestService`` hook). Idempotent: running it again on the same
items merges nothing new and adds no link twice. Ids stay stable: a merge keeps the id of the entry
seen first (ties: the smaller id), and ids are hashes of claimant and message, so re-ingesting the
same items into a fresh database gives the same ids.

A new claim is compared only with the stored claims sharing a comparison key (``claim_keys``), not
with every claim. The keys are exact filters for ``bot.claims.compare``: every pair those functions
accept shares a key, so the result is the one comparing with everything would give.

- ``same_claim`` needs the same figures (key ``f:`` with the figure set) or a word overlap of at
  least 60% (Jaccard). Two word sets that similar share a word among the first
  ``len - floor(0.6 * len) + 1`` words of each in one global order (prefix filtering): keys ``w:``.
- ``dispute_reason`` needs a shared named thing, and either two figures on the same subject (key
  ``t:<name>|<subject>``) or a doubting claim (key ``d:<name>``). A doubting claim itself looks up
  every claim naming the same thing (``e:<name>``).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from bot.claims import compare
from bot.claims.compare import DOUBT, ClaimView, _entities, dispute_reason, figures, same_claim, words
from bot.claims.merge import merge_claims
from bot.storage import Storage
from bot.storage.claims import ClaimRow

KEYS_VERSION = "1"  # bump when the keys below change: stored keys are rebuilt
_ANY = "_"  # every claim has it, so "has no keys yet" is one indexed query


def view(row: ClaimRow) -> ClaimView:
    return ClaimView(row.id, row.claimant, row.text, row.cue, row.hedged, row.kind)


def _order(word: str) -> str:
    return hashlib.sha1(word.encode("utf-8")).hexdigest()


def _word_prefix(text: str) -> list[str]:
    ws = sorted(words(text), key=_order)
    if not ws:
        return []
    overlap = max(1, (3 * len(ws)) // 5)  # at most the shared words a 60% Jaccard match needs
    return ws[: len(ws) - overlap + 1]


def _figure_set(text: str) -> str | None:
    found = sorted({round(v, 3) for v, _ in figures(text)})
    return repr(found) if found else None


def _doubts(c: ClaimView) -> bool:
    return c.kind == "denial" or bool(DOUBT.search(c.text) or DOUBT.search(c.cue or ""))


def claim_keys(row: ClaimRow) -> set[str]:
    """What ``row`` is stored under in ``claim_keys``."""
    c = view(row)
    out = {_ANY, *(f"w:{w}" for w in _word_prefix(c.text))}
    fig = _figure_set(c.text)
    if fig is not None:
        out.add(f"f:{fig}")
    names = _entities(c)
    subjects = {t for _, t in figures(c.text) if t}
    out.update(f"e:{n}" for n in names)
    out.update(f"t:{n}|{s}" for n in names for s in subjects)
    if _doubts(c):
        out.update(f"d:{n}" for n in names)
    return out


def merge_lookup(row: ClaimRow) -> set[str]:
    """Keys of the claims ``same_claim`` might accept with ``row``."""
    out = {f"w:{w}" for w in _word_prefix(row.text)}
    fig = _figure_set(row.text)
    if fig is not None:
        out.add(f"f:{fig}")
    return out


def dispute_lookup(row: ClaimRow) -> set[str]:
    """Keys of the claims ``dispute_reason`` might link with ``row``."""
    c = view(row)
    names = _entities(c)
    if _doubts(c):
        return {f"e:{n}" for n in names}
    subjects = {t for _, t in figures(c.text) if t}
    return {f"d:{n}" for n in names} | {f"t:{n}|{s}" for n in names for s in subjects}


@lru_cache(maxsize=1)
def keys_fingerprint() -> str:
    """This version plus the comparison code's sources: keys built by other code are rebuilt."""
    digest = hashlib.sha256(KEYS_VERSION.encode())
    for module in (compare, sys.modules[__name__]):
        try:
            digest.update(inspect.getsource(module).encode("utf-8"))
        except (OSError, TypeError):
            digest.update(module.__name__.encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    """A claim as the ledger compares it: its row and the items reporting it."""

    row: ClaimRow
    items: frozenset[int]

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.row.first_seen, self.row.id)


class _Entries:
    """Entries read once per ledger step; forgotten after each merge (which changes two)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.known: dict[str, Entry | None] = {}
        self.postings: dict[str, set[str]] = {}

    async def with_keys(self, keys: set[str]) -> set[str]:
        """Ids of the claims having any of ``keys``."""
        missing = keys - self.postings.keys()
        if missing:
            self.postings.update(await self.storage.claims.postings(missing))
        return set().union(*(self.postings[k] for k in keys))

    async def prefetch(self, entries: list[Entry], lookup: Callable[[ClaimRow], set[str]]) -> None:
        """The postings of every key the entries will look up, in one query."""
        await self.with_keys(set().union(*(lookup(e.row) for e in entries)))

    async def get(self, ids: set[str]) -> list[Entry]:
        missing = ids - self.known.keys()
        if missing:
            rows = await self.storage.claims.entries(missing)
            items = await self.storage.claims.mention_items(r.id for r in rows)
            self.known.update(dict.fromkeys(missing))
            self.known.update((r.id, Entry(r, frozenset(items.get(r.id, ())))) for r in rows)
        return [e for i in ids if (e := self.known[i]) is not None]

    def forget(self) -> None:
        self.known.clear()
        self.postings.clear()


async def index_claims(storage: Storage, ids: set[str] | None = None) -> None:
    """Store the keys of the given claims (None: every claim without keys; all of them when the
    stored keys were built by other code)."""
    fingerprint = keys_fingerprint()
    stale = await storage.prepared.meta("claim_keys") != fingerprint
    wanted = set(await storage.claims.unkeyed()) if ids is None and not stale else ids
    if not stale and not wanted:
        return
    async with storage.db.transaction():
        if stale:
            await storage.claims.clear_keys()
            await storage.prepared.set_meta("claim_keys", fingerprint)
            wanted = None
        rows = await storage.claims.entries(wanted)
        await storage.claims.add_keys((r.id, k) for r in rows for k in claim_keys(r))


async def update_ledger(storage: Storage, item_ids: list[int], now: datetime) -> None:
    async with storage.db.transaction():  # one commit for the whole step
        touched = await storage.claims.ids_for_items(item_ids)
        if not touched:
            return
        await index_claims(storage, touched)
        cache = _Entries(storage)
        touched |= await _merge(storage, touched, cache)
        entries = await cache.get(touched)
        await cache.prefetch(entries, dispute_lookup)
        lookups = {e.id: await cache.with_keys(dispute_lookup(e.row)) for e in entries}
        others = {e.id: e for e in await cache.get(set().union(*lookups.values()))}
        # the order every claim was compared in before (ClaimStore.list()): it is the order the
        # links are stored in, and so the order a claim lists its disputes
        place = await storage.claims.list_order(others)
        for entry in sorted(entries, key=lambda e: e.id):
            for oid in sorted(lookups[entry.id] & place.keys(), key=place.__getitem__):
                other = others.get(oid)
                if other is None or other.id == entry.id:
                    continue
                reason = dispute_reason(view(entry.row), view(other.row))
                if reason is None:
                    continue
                located = replace(reason, same_item=bool(entry.items & other.items))
                await storage.claims.add_dispute(entry.id, other.id, located.stored(), now)


async def _merge(storage: Storage, touched: set[str], cache: _Entries) -> set[str]:
    """Merge each touched claim with an equal one; returns the ids that absorbed others."""
    absorbed: set[str] = set()
    changed = True
    while changed:
        changed = False
        entries = sorted(await cache.get(touched | absorbed), key=lambda e: e.order)
        await cache.prefetch(entries, merge_lookup)
        for entry in entries:
            candidates = await cache.with_keys(merge_lookup(entry.row))
            candidates.discard(entry.id)
            for other in sorted(await cache.get(candidates), key=lambda e: e.order):
                if entry.items & other.items:
                    continue
                if not same_claim(view(entry.row), view(other.row)):
                    continue
                keep, drop = sorted((entry, other), key=lambda e: e.order)
                await merge_claims(storage, keep.id, drop.id)
                cache.forget()
                absorbed.add(keep.id)
                touched.discard(drop.id)
                changed = True
                break
            if changed:
                break
    return absorbed
