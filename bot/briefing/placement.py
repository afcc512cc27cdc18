"""Stories kept at ingest: each new item joins or starts a story by index lookups on its story
keys (``bot.briefing.stories.keys``), so that commands read stories instead of grouping items.

The placement is average-link clustering one item at a time (``choose_story``), with the
similarity and rarity weights of ``bot.briefing.stories``, over the items within WINDOW of the
new one: on the fixtures it gives the stories clustering all items at once gives
(tests/briefing/test_stories.py). It lives apart from ``bot.briefing.stories`` because the
stored keys are fingerprinted by that module's source (``keys_fingerprint``): changing how
stories are placed must not make every stored item's keys be computed again.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Protocol

from bot.briefing.stories import _KIND_WEIGHT, THRESHOLD, Cluster, _when
from bot.model import Item
from bot.storage import Storage
from bot.storage.stories import StoryMember, nearest

# A new item is compared with the items of this much time either side of it (beyond 150 hours
# the time penalty alone keeps any pair under THRESHOLD)...
WINDOW = timedelta(hours=48)
# ...and key rarity is counted over at least this many items, so that the first items of a fresh
# store do not weigh a word every item has like a name only two share (with a handful of items
# every key looks rare and the weights barely differ).
MIN_ITEMS = 50
MAX_NEAR = 32  # items a new one is compared with at most (the most alike by shared rarer keys)
MAX_PAIRS = 512  # joining up two stories compares at most this many member pairs
MAX_JOINS = 4  # stories one item may join up, at most
_FOREVER = 2**62  # a time after every item's (epoch seconds)


def group_by_story(items: Sequence[Item], story_of: Mapping[int, str]) -> list[Cluster]:
    """The stored stories of ``items`` (``assign_story`` placed them at ingest), each restricted
    to the given items, ordered as ``cluster`` orders its clusters (by first member); an item not
    placed yet is a story of its own."""
    ordered = sorted(items, key=lambda i: (_when(i), i.id))
    groups: dict[str, Cluster] = {}
    for item in ordered:
        groups.setdefault(story_of.get(item.id, f"item:{item.id}"), Cluster()).items.append(item)
    return list(groups.values())


@dataclass(frozen=True)
class Placed:
    """A stored item as ``choose_story`` sees it: its story keys and time (epoch seconds)."""

    item_id: int
    keys: frozenset[str]
    at: int


@lru_cache(maxsize=8192)
def _amounts(keys: frozenset[str]) -> frozenset[str]:
    """The amount keys of a key set (remembered: the memory index hands the same sets again,
    found by identity)."""
    return frozenset(k for k in keys if k[0] == "n")


class _Weights(dict[str, float]):
    """key -> its weight in ``similarity`` (kind weight times idf); a key without an idf weighs
    its kind's weight, as ``similarity``'s ``idf.get(k, 1.0)``."""

    def __missing__(self, key: str) -> float:
        return _KIND_WEIGHT[key[0]]


class _Likeness:
    """``similarity`` for many pairs under one idf: each key's weight and each item's total
    weight and amounts computed once (sums over C-level maps: a busy window's items have
    hundreds of keys each)."""

    def __init__(self, idf: dict[str, float]) -> None:
        self.weight = _Weights({k: _KIND_WEIGHT[k[0]] * v for k, v in idf.items()})
        self._totals: dict[int, tuple[float, frozenset[str]]] = {}

    def _total(self, placed: Placed) -> tuple[float, frozenset[str]]:
        found = self._totals.get(placed.item_id)
        if found is None:
            found = (sum(map(self.weight.__getitem__, placed.keys)), _amounts(placed.keys))
            self._totals[placed.item_id] = found
        return found

    def __call__(self, a: Placed, b: Placed) -> float:
        shared = sum(map(self.weight.__getitem__, a.keys & b.keys))
        if not shared:
            return 0.0
        (a_total, a_amounts), (b_total, b_amounts) = self._total(a), self._total(b)
        value = shared / math.sqrt(a_total * b_total)
        if a_amounts and b_amounts and not a_amounts & b_amounts:
            value *= 0.75
        hours = abs(a.at - b.at) / 3600
        if hours > 36:
            value *= 36 / hours
        return value


def choose_story(
    new: Placed, near: Mapping[str, Sequence[Placed]], sizes: Mapping[str, int],
    idf: dict[str, float],
) -> list[str]:
    """The stored stories a new item belongs with: the one whose members it is most like on
    average (at least THRESHOLD), then every other story it is as like and whose average
    likeness to that story plus the item reaches THRESHOLD, best first (average-link
    clustering, one item at a time: two stories apart before the item came can only be joined
    through it when it is like both).

    ``near``: story id -> its members sharing a rarer key with the item (as ``cluster`` links
    only such pairs, every other member counts as 0); ``sizes``: story id -> its members in the
    window. Returns the ids to make one story, the one to keep first (the story with the
    earliest member); [] when the item starts a story of its own.
    """
    alike = _Likeness(idf)

    def size(story_id: str) -> int:
        return max(sizes.get(story_id, 1), len(near[story_id]))

    averages = {story_id: sum(alike(new, m) for m in near[story_id]) / size(story_id)
                for story_id in sorted(near)}
    joinable = sorted((sid for sid, avg in averages.items() if avg >= THRESHOLD),
                      key=lambda sid: (-averages[sid], sid))[:MAX_JOINS]
    if not joinable:
        return []
    chosen = [joinable[0]]
    mine = [*near[joinable[0]], new]
    mine_size = size(joinable[0]) + 1
    while True:
        found: tuple[float, str] | None = None
        for story_id in joinable:
            theirs = near[story_id]
            if story_id in chosen or len(mine) * len(theirs) > MAX_PAIRS:
                continue  # two large stories stay apart rather than cost a quadratic step
            total = sum(alike(a, b) for a in mine for b in theirs)
            average = total / (mine_size * size(story_id))
            if average >= THRESHOLD and (found is None or average > found[0]):
                found = (average, story_id)
        if found is None:
            break
        chosen.append(found[1])
        mine.extend(near[found[1]])
        mine_size += size(found[1])
    return sorted(chosen, key=lambda sid: min((m.at, m.item_id) for m in near[sid]))


class StoryIndex(Protocol):
    """What ``assign_story`` reads and writes: the stored stories (``StoredStories``), or the same
    in memory while the stories of a whole existing store are placed at start (``MemoryStories``).
    Times are epoch seconds; ranges [since, until] include both ends."""

    async def index_keys(self, item_id: int, at: int, keys: Iterable[str]) -> None: ...

    async def count_between(self, since: int, until: int) -> int: ...

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]: ...

    async def items_with_keys(self, keys: Iterable[str], since: int,
                              until: int) -> dict[int, tuple[int, int]]: ...

    async def nearest_items(self, keys: Collection[str], since: int, until: int, at: int,
                            limit: int) -> dict[int, tuple[int, int]]: ...

    async def stories_of(self, item_ids: Sequence[int]) -> dict[int, str]: ...

    async def sizes(self, story_ids: Iterable[str], since: int, until: int) -> dict[str, int]: ...

    async def members(self, story_ids: Iterable[str], since: int,
                      until: int) -> list[StoryMember]: ...

    async def place(self, members: Sequence[StoryMember], headline: str) -> None: ...

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]: ...


class StoredStories:
    """:class:`StoryIndex` on the database (``storage.stories`` and the stored item keys)."""

    def __init__(self, storage: Storage) -> None:
        self.stories = storage.stories
        self.prepared = storage.prepared

    async def index_keys(self, item_id: int, at: int, keys: Iterable[str]) -> None:
        await self.stories.index_keys(item_id, at, keys)

    async def count_between(self, since: int, until: int) -> int:
        return await self.stories.count_between(since, until)

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]:
        return await self.stories.key_counts(keys, since, until)

    async def items_with_keys(self, keys: Iterable[str], since: int,
                              until: int) -> dict[int, tuple[int, int]]:
        return await self.stories.items_with_keys(keys, since, until)

    async def nearest_items(self, keys: Collection[str], since: int, until: int, at: int,
                            limit: int) -> dict[int, tuple[int, int]]:
        return await self.stories.nearest_items(keys, since, until, at, limit)

    async def stories_of(self, item_ids: Sequence[int]) -> dict[int, str]:
        return await self.stories.stories_of(item_ids)

    async def sizes(self, story_ids: Iterable[str], since: int, until: int) -> dict[str, int]:
        return await self.stories.sizes(story_ids, since, until)

    async def members(self, story_ids: Iterable[str], since: int,
                      until: int) -> list[StoryMember]:
        return await self.stories.members(story_ids, since, until)

    async def place(self, members: Sequence[StoryMember], headline: str) -> None:
        await self.stories.place(members, headline)

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        return await self.prepared.item_keys(item_ids)


class MemoryStories:
    """:class:`StoryIndex` in memory, with the database's semantics (the tests compare the two),
    so that the stories of a whole existing store are placed without a statement per item and
    then written in a few bulk statements (``place_unplaced``)."""

    def __init__(self) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = {}  # key -> sorted (at, item id)
        self.keys: dict[int, frozenset[str]] = {}
        self.at: dict[int, int] = {}
        self.placed: list[tuple[int, int]] = []  # sorted (at, item id) of placed items
        self.story: dict[int, str] = {}
        self.story_members: dict[str, list[tuple[int, int]]] = {}
        self.headlines: dict[str, str] = {}

    async def index_keys(self, item_id: int, at: int, keys: Iterable[str]) -> None:
        for key in self.keys.get(item_id, frozenset()):
            self.postings[key].remove((self.at[item_id], item_id))
        self.keys[item_id], self.at[item_id] = frozenset(keys), at
        for key in self.keys[item_id]:
            insort(self.postings.setdefault(key, []), (at, item_id))

    async def count_between(self, since: int, until: int) -> int:
        return _in_range(self.placed, since, until)

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]:
        return {k: _in_range(self.postings.get(k, []), since, until) for k in sorted(set(keys))}

    async def items_with_keys(self, keys: Iterable[str], since: int,
                              until: int) -> dict[int, tuple[int, int]]:
        found: dict[int, tuple[int, int]] = {}
        for key in sorted(set(keys)):
            posting = self.postings.get(key, [])
            start = bisect_left(posting, (since, -1))
            for at, item_id in posting[start:bisect_right(posting, (until, _FOREVER))]:
                found[item_id] = (at, found.get(item_id, (at, 0))[1] + 1)
        return found

    async def nearest_items(self, keys: Collection[str], since: int, until: int, at: int,
                            limit: int) -> dict[int, tuple[int, int]]:
        return dict(nearest(await self.items_with_keys(keys, since, until), at)[:limit])

    async def stories_of(self, item_ids: Sequence[int]) -> dict[int, str]:
        return {i: self.story[i] for i in item_ids if i in self.story}

    async def sizes(self, story_ids: Iterable[str], since: int, until: int) -> dict[str, int]:
        counts = {sid: _in_range(self.story_members.get(sid, []), since, until)
                  for sid in set(story_ids)}
        return {sid: n for sid, n in counts.items() if n}

    async def members(self, story_ids: Iterable[str], since: int,
                      until: int) -> list[StoryMember]:
        out = []
        for sid in set(story_ids):
            posting = self.story_members.get(sid, [])
            start = bisect_left(posting, (since, -1))
            out += [StoryMember(item_id, sid, at)
                    for at, item_id in posting[start:bisect_right(posting, (until, _FOREVER))]]
        return sorted(out, key=lambda m: (m.at, m.item_id))

    async def place(self, members: Sequence[StoryMember], headline: str) -> None:
        for m in members:
            old = self.story.get(m.item_id)
            if old is not None:
                self.story_members[old].remove((m.at, m.item_id))
                if not self.story_members[old]:
                    del self.story_members[old]
                    self.headlines.pop(old, None)
            else:
                insort(self.placed, (m.at, m.item_id))
            self.story[m.item_id] = m.story_id
            insort(self.story_members.setdefault(m.story_id, []), (m.at, m.item_id))
            self.headlines.setdefault(m.story_id, headline)

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        return {i: self.keys[i] for i in item_ids if i in self.keys}


def _in_range(posting: list[tuple[int, int]], since: int, until: int) -> int:
    return bisect_right(posting, (until, _FOREVER)) - bisect_left(posting, (since, -1))


async def assign_story(index: StoryIndex, item: Item, keys_: frozenset[str]) -> str:
    """Place a stored item in a story at ingest: it joins (and may join up) the stories of the
    items within WINDOW that share one of its rarer keys, found through the story-key index (at
    most MAX_NEAR of them: those sharing the most rarer keys, then the nearest in time), or
    starts its own. Every read is an index range over the window, never over the whole store,
    and the work per item is bounded by MAX_NEAR. Returns the item's story id. On the database
    (``StoredStories``), run it inside the transaction that stores the item's keys."""
    at = int(_when(item).timestamp())
    since, until = at - int(WINDOW.total_seconds()), at + int(WINDOW.total_seconds())
    await index.index_keys(item.id, at, keys_)
    n = max(await index.count_between(since, until) + 1, MIN_ITEMS)
    df = await index.key_counts(keys_, since, until)
    rare = max(8, n // 8)
    # the item itself is among them (it has every one of its keys, at its own time: it comes
    # first), so one more than MAX_NEAR are read
    found = await index.nearest_items([k for k in keys_ if df[k] <= rare], since, until, at,
                                      MAX_NEAR + 1)
    found.pop(item.id, None)
    near_ids = [i for i, _ in nearest(found, at)][:MAX_NEAR]
    story_of = await index.stories_of(near_ids)
    sizes = await index.sizes(set(story_of.values()), since, until)
    stored_keys = await index.item_keys(list(story_of))
    others = frozenset().union(*stored_keys.values()) - keys_
    counts = {**df, **await index.key_counts(others, since, until)}
    idf = {k: math.log(1 + n / c) for k, c in counts.items() if c > 0}  # a drifted count: none
    near: dict[str, list[Placed]] = {}
    for item_id, story_id in sorted(story_of.items()):
        near.setdefault(story_id, []).append(
            Placed(item_id, stored_keys.get(item_id, frozenset()), found[item_id][0]))
    chosen = choose_story(Placed(item.id, keys_, at), near, sizes, idf)
    story_id = chosen[0] if chosen else f"{item.id}"
    moved = [StoryMember(m.item_id, story_id, m.at)
             for m in await index.members(chosen[1:], 0, _FOREVER)]
    await index.place([StoryMember(item.id, story_id, at), *moved], item.title)
    return story_id


async def place_unplaced(storage: Storage, *, batch: int = 500) -> int:
    """Place every item that has story keys but no story (stored before migration 8, or after
    the keying code changed), oldest first as ingest would have. Run once at start. When no
    item is placed yet (the upgrade), the placement runs in memory and is written in bulk
    statements; else item by item on the database. Returns how many were placed."""
    missing = await storage.stories.unplaced()
    if not missing:
        return 0
    fresh = await storage.stories.placed_count() == 0
    index: StoryIndex = MemoryStories() if fresh else StoredStories(storage)
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        stored = await storage.prepared.item_keys(chunk)
        items = sorted(await storage.items.by_ids(chunk), key=lambda i: (_when(i), i.id))
        if fresh:
            for item in items:
                await assign_story(index, item, stored.get(item.id, frozenset()))
            continue
        async with storage.db.transaction():
            for item in items:
                await assign_story(index, item, stored.get(item.id, frozenset()))
    if isinstance(index, MemoryStories):
        await _write_placed(storage, index)
    return len(missing)


async def _write_placed(storage: Storage, memory: MemoryStories) -> None:
    rows = [(key, at, item_id) for key, posting in memory.postings.items()
            for at, item_id in posting]
    members = [StoryMember(item_id, sid, at) for sid, posting in memory.story_members.items()
               for at, item_id in posting]
    async with storage.db.transaction():
        await storage.stories.index_many(rows)
        await storage.stories.place_many(members, memory.headlines)
