"""The ledger step after ingest: merge claims reported by several items, link contradictions.

Runs after new or updated items (``IngestService`` hook). Idempotent: running it again on the same
items merges nothing new and adds no link twice. Ids stay stable: a merge keeps the id of the entry
seen first (ties: the smaller id), and ids are hashes of claimant and message, so re-ingesting the
same items into a fresh database gives the same ids.

A new claim is compared only with the stored claims sharing a comparison key (``claim_keys``), not
with every claim. The keys are exact filters for ``bot.claims.compare``: every pair those functions
accept shares a key, so the result is the one comparing with everything would give.

- ``same_claim`` needs a word overlap of at least 60% (Jaccard) or the same figures and a shared
  named thing (key ``f:<figures>|<name>``). Every word is a key ``w:``; a word set that similar to
  one of ``n`` words shares a word with any ``n - floor(0.6 * n) + 1`` of them, so a new claim looks
  up only its rarest words (by stored count): the lists it reads stay short as the store grows,
  instead of the lists of common words, which grow with it.
- ``dispute_reason`` needs a shared named thing, and either two figures on the same subject (key
  ``t:<name>|<subject>``) or a doubting claim (key ``d:<name>``). A doubting claim itself looks up
  every claim naming the same thing (``e:<name>``).
"""

from __future__ import annotations

import hashlib
import heapq
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache

from bot.claims import compare
from bot.claims.compare import (
    DOUBT,
    ClaimView,
    _entities,
    dispute_reason,
    entities,
    figures,
    same_claim,
    words,
)
from bot.claims.merge import fold_claims, merge_rows
from bot.model import DisputeCode
from bot.storage import Storage
from bot.storage.claims import ClaimRow
from bot.text.pacing import pace

KEYS_VERSION = "2"  # bump when the keys below change: stored keys are rebuilt
_ANY = "_"  # every claim has it, so "has no keys yet" is one indexed query
# claims read per query, and key rows written per statement: the rows of one query are converted
# on the event loop, so a step over thousands of claims reads them in pieces (``bot.text.pacing``)
_READ = 200
_WRITE = 5000
# a claim's items are counted up to this many to tell which of two claims has fewer: past it,
# either side costs more than a bounded question
_COUNTED = 256


def view(row: ClaimRow) -> ClaimView:
    return ClaimView(row.id, row.claimant, row.text, row.cue, row.hedged, row.kind)


def _needed(count: int) -> int:
    """How many of ``count`` words must be looked up to find every 60% Jaccard match."""
    overlap = max(1, (3 * count) // 5)  # at most the shared words a 60% Jaccard match needs
    return count - overlap + 1


def _figure_set(text: str) -> str | None:
    found = sorted({round(v, 3) for v, _ in figures(text)})
    return repr(found) if found else None


def _doubts(c: ClaimView) -> bool:
    return c.kind == "denial" or bool(DOUBT.search(c.text) or DOUBT.search(c.cue or ""))


def claim_keys(row: ClaimRow) -> set[str]:
    """What ``row`` is stored under in ``claim_keys``."""
    c = view(row)
    out = {_ANY, *(f"w:{w}" for w in words(c.text)), *_figure_keys(c.text)}
    names = _entities(c)
    subjects = {t for _, t in figures(c.text) if t}
    out.update(f"e:{n}" for n in names)
    out.update(f"t:{n}|{s}" for n in names for s in subjects)
    if _doubts(c):
        out.update(f"d:{n}" for n in names)
    return out


def _figure_keys(text: str) -> set[str]:
    fig = _figure_set(text)
    return set() if fig is None else {f"f:{fig}|{name}" for name in entities(text)}


def merge_lookup(row: ClaimRow, counts: dict[str, int]) -> set[str]:
    """Keys of the claims ``same_claim`` might accept with ``row``: its rarest words (``counts``:
    claims per key; ties by the word) and its figure keys."""
    ws = sorted((f"w:{w}" for w in words(row.text)), key=lambda k: (counts.get(k, 0), k))
    return set(ws[: _needed(len(ws))]) | _figure_keys(row.text)


def word_keys(row: ClaimRow) -> set[str]:
    return {f"w:{w}" for w in words(row.text)}


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
    """A claim as the ledger compares it: its row and the stored claims whose mentions are its
    items (itself, and those merged into it during this step: ``fold_claims`` writes the merges at
    the end). The items themselves are not read: a claim of a common text has thousands, and
    whether two claims share one is asked of the store, for the few pairs that need it."""

    row: ClaimRow
    members: frozenset[str]

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.row.first_seen, self.row.id)

    @cached_property
    def view(self) -> ClaimView:
        """Built once: an entry is compared with many candidates."""
        return view(self.row)


class _Entries:
    """Entries read once per ledger step, kept up to date by each merge (which changes two), and
    the merges to write (``folds``: (kept, dropped) rows as each merge saw them)."""

    def __init__(self, storage: Storage, reported: Mapping[str, set[int]]) -> None:
        self.storage = storage
        self.reported = reported  # claim id -> the step's items reporting it
        self.known: dict[str, Entry | None] = {}
        self.postings: dict[str, set[str]] = {}
        self.folds: list[tuple[ClaimRow, ClaimRow]] = []
        self.mentions: dict[str, int] = {}  # stored claim id -> its items (as the step began)

    async def with_keys(self, keys: set[str]) -> set[str]:
        """Ids of the claims having any of ``keys``."""
        missing = keys - self.postings.keys()
        if missing:
            self.postings.update(await self.storage.claims.postings(missing))
        return set().union(*(self.postings[k] for k in keys))

    async def prefetch(self, entries: list[Entry],
                       lookup: Callable[[ClaimRow], set[str]]) -> dict[str, set[str]]:
        """The keys each entry looks up (by id), their postings read in one query."""
        keys: dict[str, set[str]] = {}
        for entry in entries:
            await pace()
            keys[entry.id] = lookup(entry.row)
        await self.with_keys(set().union(set(), *keys.values()))
        return keys

    async def get(self, ids: set[str]) -> list[Entry]:
        missing = sorted(ids - self.known.keys())
        for start in range(0, len(missing), _READ):
            chunk = missing[start:start + _READ]
            rows = await self.storage.claims.entries(chunk)
            self.known.update(dict.fromkeys(chunk))
            self.known.update((r.id, Entry(r, frozenset((r.id,)))) for r in rows)
        return [e for i in ids if (e := self.known[i]) is not None]

    def entry(self, claim: str) -> Entry:
        found = self.known[claim]
        assert found is not None, claim
        return found

    async def share_item(self, first: Entry, second: Entry) -> bool:
        """Whether an item reports both: asked of the store, led by the entry with fewer items
        (the question then costs its items' index lookups, not those of a claim every item of a
        common text reports). Two claims one of the step's items reports need no question: the
        near-equal claims of one item, which never merge, meet in every step."""
        if self._step_items(first) & self._step_items(second):
            return True
        unknown = (first.members | second.members) - self.mentions.keys()
        if unknown:
            self.mentions.update(await self.storage.claims.mention_counts(unknown, _COUNTED))
        smaller, larger = sorted((first.members, second.members),
                                 key=lambda ids: sum(self.mentions.get(i, 0) for i in ids))
        return await self.storage.claims.share_item(smaller, larger)

    def _step_items(self, entry: Entry) -> set[int]:
        return set().union(*(self.reported.get(m, ()) for m in entry.members))

    def merged(self, keep: Entry, drop: Entry) -> None:
        """What ``fold_claim`` will do: the kept claim takes the dropped one's items and dates
        (its text and keys stay), the dropped one is gone."""
        self.folds.append((keep.row, drop.row))
        self.known[keep.id] = Entry(merge_rows(keep.row, drop.row), keep.members | drop.members)
        self.known[drop.id] = None  # postings may still name it: ``get`` leaves it out


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
            wanted = set(await storage.claims.unkeyed())  # now every claim
        assert wanted is not None
        ordered = sorted(wanted)
        pairs: list[tuple[str, str]] = []
        for start in range(0, len(ordered), _READ):
            for row in await storage.claims.entries(ordered[start:start + _READ]):
                await pace()
                pairs.extend((row.id, key) for key in claim_keys(row))
                if len(pairs) >= _WRITE:
                    await storage.claims.add_keys(pairs)
                    pairs = []
        await storage.claims.add_keys(pairs)


async def update_ledger(storage: Storage, item_ids: list[int], now: datetime) -> None:
    async with storage.db.transaction():  # one commit for the whole step
        reported = await storage.claims.items_reporting(item_ids)
        touched = set(reported)
        if not touched:
            return
        await index_claims(storage, touched)
        cache = _Entries(storage, reported)
        touched |= await _merge(storage, touched, cache)
        await _link_disputes(storage, await cache.get(touched), cache, now)


async def _link_disputes(storage: Storage, entries: list[Entry], cache: _Entries,
                         now: datetime) -> None:
    """Link each touched claim with the claims it contradicts. A pair linked already is passed
    over (its link would be kept as it is: ``add_disputes`` adds a pair once), so the step asks
    the store whether two claims share an item only for the pairs it links now."""
    keys = await cache.prefetch(entries, dispute_lookup)
    lookups = {e.id: await cache.with_keys(keys[e.id]) for e in entries}
    others = {e.id: e for e in await cache.get(set().union(set(), *lookups.values()))}
    linked = await storage.claims.linked_pairs(e.id for e in entries)
    found: dict[str, list[tuple[str, str]]] = {}
    for entry in sorted(entries, key=lambda e: e.id):
        for oid in sorted(lookups[entry.id] & others.keys()):
            if oid == entry.id or tuple(sorted((entry.id, oid))) in linked:
                continue
            await pace()
            reason = dispute_reason(entry.view, others[oid].view)
            if reason is None:
                continue
            located = replace(reason, same_item=await cache.share_item(entry, others[oid]))
            if located.code == DisputeCode.DENIAL and located.same_item:
                continue  # in its item a denial disputes the claim it answers (answers.py)
            found.setdefault(entry.id, []).append((oid, located.stored()))
    # the order every claim was compared in before (ClaimStore.list()): it is the order the
    # links are stored in, and so the order a claim lists its disputes
    place = await storage.claims.list_order({oid for pairs in found.values() for oid, _ in pairs})
    links = [(claim, oid, reason) for claim in sorted(found)
             for oid, reason in sorted(found[claim], key=lambda pair: place[pair[0]])
             if oid in place]
    await storage.claims.add_disputes(links, now)


async def _merge(storage: Storage, touched: set[str], cache: _Entries) -> set[str]:
    """Merge each touched claim with an equal one; returns the ids that absorbed others.

    The claims are visited in ledger order (``Entry.order``), each with its candidates in that
    order, as a scan restarted after every merge would visit them: a merge changes only the two
    claims involved (the kept one keeps its text, claimant and keys; its items grow, which can
    only forbid merges), so earlier claims cannot gain a match and the scan goes on where it was.
    A kept claim that was not touched joins the queue. The work is the touched claims' lookups.

    The merges are written at the end, a few statements for all (``fold_claims``): the step
    decides from the rows it holds, and the store's rows of the claims no merge touched are
    the same before and after. What the step still reads meanwhile cannot tell: postings and
    key counts may name a claim already merged away, which the step knows is gone, and which
    word keys a claim looks up does not change what it finds (see the module's docstring).
    """
    first = await cache.get(touched)
    counts = await storage.claims.key_counts(set().union(*(word_keys(e.row) for e in first)))
    lookups = await cache.prefetch(first, lambda row: merge_lookup(row, counts))
    queue = [(e.order, e.id) for e in first]
    heapq.heapify(queue)
    absorbed: set[str] = set()
    while queue:
        await pace()
        _, claim = heapq.heappop(queue)
        if cache.known.get(claim) is None:
            continue  # merged into a claim visited before it
        if claim not in lookups:  # a kept claim that was not touched
            row = (await cache.get({claim}))[0].row
            counts.update(await storage.claims.key_counts(word_keys(row) - counts.keys()))
            lookups[claim] = merge_lookup(row, counts)
        kept = await _merge_one(storage, claim, lookups[claim], cache)
        for keep, drop in kept:
            absorbed.add(keep)
            absorbed.discard(drop)
            touched.discard(drop)
            if keep != claim:
                heapq.heappush(queue, (cache.entry(keep).order, keep))
    await fold_claims(storage, cache.folds)
    return absorbed


async def _merge_one(
    storage: Storage, claim: str, keys: set[str], cache: _Entries
) -> list[tuple[str, str]]:
    """Merge ``claim`` with each equal candidate in order until it is merged away; the
    (kept, dropped) pairs."""
    merges: list[tuple[str, str]] = []
    entry = cache.entry(claim)
    candidates = await cache.with_keys(keys)
    candidates.discard(claim)
    # the texts and claimants compared never change in a step (a kept claim keeps its own), so
    # the equal candidates are picked out first and only they are put in order
    equal = []
    for turn, other in enumerate(await cache.get(candidates)):
        if turn % 16 == 0:  # a comparison is short: pacing each would cost more than it
            await pace()
        if same_claim(entry.view, other.view):
            equal.append(other)
    for other in sorted(equal, key=lambda e: e.order):
        if cache.known.get(other.id) is None:
            continue  # merged away meanwhile
        if await cache.share_item(entry, other):
            continue  # reported by one item: two claims of it, not one claim twice
        keep, drop = sorted((entry, other), key=lambda e: e.order)
        cache.merged(keep, drop)  # written at the end of the step
        merges.append((keep.id, drop.id))
        if keep.id != claim:
            break
        entry = cache.entry(claim)
    return merges
