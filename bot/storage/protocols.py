"""What each domain store promises, in the style of lemon24/reader's ``StorageType``.

The stores of ``bot.storage`` implement these on any :class:`~bot.storage.engine.Engine`. Every
method may raise :class:`~bot.errors.StorageError` (``StorageBusy`` when another writer kept the
lock beyond the bounded wait); no method raises a driver's own exception.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol

from bot.model import Analysis, Figure, Item, Link
from bot.storage.claim_reads import ClaimRef, Mentions, RankFilter, RankRow
from bot.storage.claims import ClaimMention, ClaimRow, DisputeRow
from bot.storage.deliveries import DeliveryRow, SubscriptionRow
from bot.storage.items import NewItem, UpsertStatus
from bot.storage.live import LivePostRow, QueuedItem
from bot.storage.sources import SourceRow
from bot.storage.stories import StoryMember


class SourcesStorage(Protocol):
    async def ensure(self, kind: str, url: str, name: str, now: datetime) -> SourceRow:
        """The source of this URL, created if new (its name updated if not)."""
        ...

    async def get_by_url(self, url: str) -> SourceRow | None:
        """The source of this URL, None if unknown."""
        ...

    async def list(self, kind: str | None = None) -> builtins.list[SourceRow]:
        """Every source (of ``kind``), by id."""
        ...

    async def record_success(self, source_id: int, now: datetime, *, etag: str | None,
                             last_modified: str | None, next_poll: datetime | None,
                             warning: str | None = None, parsed: bool = True) -> None:
        """A poll that worked; ``parsed=False`` for a 304, which sets no ``first_parsed``."""
        ...

    async def record_failure(self, source_id: int, now: datetime, error: str, *,
                             next_poll: datetime | None) -> int:
        """Store the error; returns the new count of consecutive failures."""
        ...

    async def due(self, now: datetime) -> builtins.list[SourceRow]:
        """Feeds whose next poll is due (or never scheduled), by id."""
        ...

    async def failing(self) -> builtins.list[SourceRow]:
        """Feeds whose last poll failed, by id."""
        ...


class LeasesStorage(Protocol):
    """Which worker polls a feed now (feed leases) and who holds a named role (``leases``)."""

    async def claim_due(self, worker: str, now: datetime, *, until: datetime,
                        limit: int = 1000) -> builtins.list[SourceRow]:
        """Lease every due feed that no live lease holds to ``worker`` until ``until`` and
        return them (by id); a feed another worker leased at the same moment is not returned.

        Raises:
            StorageError: the claim failed. StorageBusy: the write lock was not had in time.
        """
        ...

    async def release(self, source_id: int, worker: str) -> bool:
        """End ``worker``'s lease of a feed it polled and record it as the feed's last poller;
        False when the lease had lapsed and another worker took the feed.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def renew(self, source_id: int, worker: str, *, until: datetime) -> bool:
        """Extend ``worker``'s lease of a feed it is still polling to ``until``; False when the
        lease is no longer ``worker``'s (it lapsed and another worker took the feed).

        Raises:
            StorageError: the write failed. StorageBusy: the write lock was not had in time.
        """
        ...

    async def release_all(self, worker: str) -> int:
        """End every feed lease ``worker`` holds, how many there were: a worker that starts
        again under its own id (``BRIEFBOT_WORKER_ID``) takes back at once the feeds its previous
        life held when it died, instead of waiting for the leases to lapse.

        Raises:
            StorageError: the write failed. StorageBusy: the write lock was not had in time.
        """
        ...

    async def held(self, worker: str, now: datetime) -> int:
        """How many feed leases ``worker`` holds now.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def take(self, name: str, owner: str, now: datetime, *, until: datetime) -> bool:
        """Take or renew the named lease: True when it is ``owner``'s until ``until`` (it was
        free, expired or already ``owner``'s); False while another owner's lease runs.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def take_once(self, name: str, owner: str, now: datetime, *, until: datetime) -> bool:
        """Take the named lease only when nobody holds it, ``owner`` included: True exactly once
        per name until it expires (a job that must run once across the workers, e.g. answering
        one Slack command). Expired leases of the same kind (``kind:…``) are dropped first.

        Raises:
            StorageError: the write failed. StorageBusy: the write lock was not had in time.
        """
        ...

    async def give_up(self, name: str, owner: str) -> None:
        """Drop ``owner``'s named lease (a clean stop), so another can take it at once.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def holder(self, name: str, now: datetime) -> str | None:
        """The owner of a named lease that has not expired, None when it is free.

        Raises:
            StorageError: the read failed.
        """
        ...


class ItemsStorage(Protocol):
    """An item's identity is (source, key): the same key in two sources is two items."""

    async def find(self, key: str, *, source_id: int) -> tuple[int, str] | None:
        """(id, content_hash) of the source's item with this key, if stored."""
        ...

    async def feed_states(self, keys: list[str], *,
                          source_id: int) -> dict[str, tuple[int, str, str, str | None]]:
        """key -> (id, content_hash, title, teaser) of the source's stored items among ``keys``."""
        ...

    async def upsert(self, source_id: int, item: NewItem, now: datetime, *,
                     looked_up: bool = False) -> tuple[int, UpsertStatus]:
        """Insert a new item, or update the source's item whose content hash changed; an update
        keeps id, ``ingested_at`` and digest eligibility (no second digest entry).
        ``looked_up``: the caller just found no such item (the insert is tried first)."""
        ...

    async def get(self, item_id: int) -> Item | None: ...

    async def window(self, *, since: datetime | None = None, until: datetime | None = None,
                     eligible_only: bool = True, limit: int | None = None,
                     sources: Iterable[int] | None = None) -> list[Item]:
        """Items ingested in [since, until), newest first (ties: higher id first); ``sources``:
        only items of these sources (None: of every source)."""
        ...

    async def published_window(self, *, since: datetime | None = None,
                               until: datetime | None = None,
                               sources: Iterable[int] | None = None) -> list[Item]:
        """Items by publication time (ingest time where unknown), digest-ineligible ones too;
        ``sources`` as in ``window``."""
        ...

    async def all(self) -> list[Item]: ...

    async def ids_after(self, after: int, *, limit: int) -> list[int]:
        """Up to ``limit`` item ids greater than ``after``, ascending: a walk over every item that
        holds one page in memory and can go on from where an earlier walk stopped."""
        ...

    async def replace_analysis(self, item_id: int, analysis: Analysis) -> None:
        """What a newer engine derived from the item's unchanged text (``bot.ingest``)."""
        ...

    async def count(self) -> int: ...

    async def figures(self, item_id: int) -> list[Figure]: ...

    async def figures_many(self, item_ids: list[int]) -> dict[int, list[Figure]]:
        """item id -> its figures, for every id asked (unknown ids: [])."""
        ...

    async def by_ids(self, item_ids: list[int]) -> list[Item]:
        """The stored ones among ``item_ids``, by id."""
        ...

    async def texts(self) -> list[tuple[int, str, str]]:
        """(id, title, text) of every item, by id: what topic matching reads."""
        ...

    async def on_topic(self, topic: str, *, by: Literal["ingested", "published"] = "ingested",
                       limit: int | None = None,
                       sources: Iterable[int] | None = None) -> list[tuple[Item, int]]:
        """(item, score) of the items stored as matching ``topic``, newest first, ties by id;
        ``sources`` as in ``window``."""
        ...

    async def prune(self, older_than: datetime) -> int:
        """Delete feed items ingested before ``older_than`` (their mentions by cascade, claims no
        item reports any more); returns the number of items deleted."""
        ...


class ClaimsStorage(Protocol):
    """Rows only: identity and merge rules are ``bot.claims.merge``'s."""

    async def replace_for_item(self, item_id: int, mentions: Sequence[ClaimMention],
                               seen_at: datetime, *, new_item: bool = False
                               ) -> builtins.list[str]:
        """Make ``mentions`` the item's claims (their rows written as given); claims no item
        reports any more are removed. Returns the claim ids in order. ``new_item``: the item
        was just inserted (it has no mentions to replace)."""
        ...

    async def list(self) -> builtins.list[ClaimRow]:
        """Every claim with its mentions, by first item id and position."""
        ...

    async def entries(self, ids: Iterable[str] | None = None) -> builtins.list[ClaimRow]:
        """Claims (all, or the given ones) without mentions, in insertion order."""
        ...

    async def merge(self, merged: ClaimRow, source: str) -> None:
        """Write ``merged`` over its row, move ``source``'s mentions to it (one per item), delete
        ``source`` and its dispute links."""
        ...

    async def merge_many(self, merges: Sequence[tuple[ClaimRow, str]]) -> None:
        """``merge`` for each (merged, source) in turn, in a few statements for all."""
        ...

    async def add_dispute(self, claim_id_: str, other_id: str, reason: str,
                          now: datetime) -> bool:
        """Link two claims (stored once, in id order); True when the link is new."""
        ...

    async def add_disputes(self, links: Sequence[tuple[str, str, str]], now: datetime) -> None:
        """``add_dispute`` for each (claim, other, reason), in order."""
        ...

    async def disputes(self) -> builtins.list[DisputeRow]:
        """Every link, by when it was found, then by ids (``DISPUTE_ORDER``)."""
        ...

    async def clear_disputes(self) -> None: ...

    async def ids_for_items(self, item_ids: builtins.list[int]) -> set[str]:
        """Ids of the claims these items report."""
        ...

    async def items_reporting(self, item_ids: builtins.list[int]) -> dict[str, set[int]]:
        """claim id -> which of these items report it."""
        ...

    async def sources(self) -> tuple[dict[str, builtins.list[tuple[int, int]]], dict[int, Link]]:
        """(claim id -> its (item id, position) mentions in that order, item id -> its link)."""
        ...

    async def claimants(self) -> builtins.list[str]: ...

    async def mention_items(self, ids: Iterable[str]) -> dict[str, set[int]]:
        """claim id -> ids of the items reporting it."""
        ...

    async def mention_counts(self, ids: Iterable[str], cap: int) -> dict[str, int]:
        """claim id -> how many items report it (0 for none), at most ``cap``."""
        ...

    async def share_item(self, first: Collection[str], second: Collection[str]) -> bool:
        """Whether one item reports a claim of ``first`` and one of ``second`` (the work is the
        items of ``first``: give the side with fewer)."""
        ...

    async def linked_pairs(self, ids: Iterable[str]) -> set[tuple[str, str]]:
        """The stored dispute links (claim id, other id; the pair sorted) of the given claims."""
        ...

    async def mention_sources(self) -> dict[str, builtins.list[tuple[int, str | None]]]:
        """claim id -> (source id, item link) of each item reporting it: which community may
        read the claim (``bot.delivery.audience``)."""
        ...

    async def list_order(self, ids: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """claim id -> where ``list()`` puts it: (first item id, first position, insertion)."""
        ...

    async def add_keys(self, pairs: Iterable[tuple[str, str]]) -> None:
        """(claim id, key) pairs; existing ones are kept."""
        ...

    async def clear_keys(self) -> None: ...

    async def unkeyed(self) -> builtins.list[str]:
        """Ids of the claims without comparison keys."""
        ...

    async def key_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """key -> how many claims have it, for each of ``keys`` (absent keys: 0)."""
        ...

    async def postings(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """key -> ids of the claims having it, for each of ``keys`` (absent keys: set())."""
        ...


class ClaimReadsStorage(Protocol):
    """Claims ranked at ingest per scope and the reads of given claims a page of them needs
    (``bot.storage.claim_reads``): a page is an index walk with a LIMIT, the rest goes by id.

    Every method raises :class:`~bot.errors.StorageError` (``StorageBusy`` for a write lock that
    could not be had) and nothing else.
    """

    async def replace(self, claim_ids: Iterable[str], ranks: Sequence[RankRow],
                      refs: Sequence[ClaimRef], partners: Sequence[tuple[str, str]]) -> None:
        """Make these the rows of these claims (every scope; none for a claim left out).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def drop_scope(self, scope: str) -> None:
        """Forget one scope's ranks.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def clear(self) -> None:
        """Forget every row (they are made again).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def claims_of_items(self, item_ids: Sequence[int]) -> set[str]:
        """Ids of the claims these items report, and of those last ranked from them.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def ranked_partners(self, claim_ids: Iterable[str]) -> set[str]:
        """The dispute partners these claims had when last ranked.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def merged_away(self, claim_ids: Iterable[str]) -> set[str]:
        """Ids of claims gone (merged into one of these, or deleted) that were ranked from an
        item one of these claims reports.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def ranked_from_gone_items(self) -> set[str]:
        """Ids of claims ranked from an item that is gone (after a prune): a whole-table read,
        once per prune, never per ledger step.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def reported_by(self, source_ids: Iterable[int]) -> set[str]:
        """Ids of ranked claims an item of these sources reports.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def all_claim_ids(self) -> builtins.list[str]:
        """Every claim's id (all rows made again; never a command).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def page(self, where: RankFilter, *, limit: int | None,
                   offset: int = 0) -> builtins.list[str]:
        """Claim ids matching ``where``, best rank first, ``limit`` of them (None: all) from
        ``offset``.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def count(self, where: RankFilter) -> int:
        """How many claims match ``where``.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def claimants(self, overlay: str | None) -> builtins.list[str]:
        """The names of the claimants the readers of ``overlay`` (None: the base) see, sorted.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def first_seen_between(self, overlay: str | None, since: datetime, until: datetime, *,
                                 topic: str | None,
                                 limit: int | None) -> builtins.list[str]:
        """Ids of claims first seen in [since, until] (of ``topic``), the digest's order: disputed
        first, then those giving no evidence, then the most reported, then by id.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def stamps(self, claim_ids: Iterable[str]) -> dict[str, str]:
        """claim id -> the stamp of its entry when ranked, for these claims and their dispute
        partners (claims without rows left out).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def mentions_of(self, claim_ids: Iterable[str]) -> Mentions:
        """The mentions of these claims with their items' links and sources (one read).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def disputes_of(self, claim_ids: Iterable[str]) -> builtins.list[DisputeRow]:
        """Every dispute link with one of these claims on either side, in the order
        ``ClaimsStorage.disputes`` gives (``bot.storage.claims.DISPUTE_ORDER``).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def disputes_found_between(self, since: datetime,
                                     until: datetime) -> builtins.list[DisputeRow]:
        """Dispute links found in [since, until].

        Raises:
            StorageError: the read failed.
        """
        ...

    async def item_topics_of(self, item_ids: Sequence[int]) -> dict[int, builtins.list[str]]:
        """item id -> the names of the topics it matches (items matching none left out).

        Raises:
            StorageError: the read failed.
        """
        ...


class DeliveriesStorage(Protocol):
    """Each write is one statement whose ``WHERE`` states what the writer believes (owner,
    state, lease); a ``bool`` result says whether it held."""

    async def subscriptions(self, *, platform: str | None = None,
                            channel: str | None = None) -> list[SubscriptionRow]: ...

    async def subscription(self, subscription_id: str) -> SubscriptionRow | None: ...

    async def upsert_subscription(self, sub: SubscriptionRow) -> None:
        """Insert, or update the schedule of an existing id; re-enables it."""
        ...

    async def delete_subscription(self, subscription_id: str) -> bool: ...

    async def delete_config_subscriptions_except(self, keep: Iterable[str]) -> list[str]:
        """Remove config subscriptions not in ``keep``; returns the removed ids."""
        ...

    async def disable_subscription(self, subscription_id: str, reason: str,
                                   now: datetime) -> None: ...

    async def claim(self, subscription_id: str, slot: str, *, owner: str, now: datetime,
                    lease_expires: datetime, window_since: datetime,
                    window_until: datetime) -> bool:
        """Claim a slot; True only for the one caller whose row was inserted."""
        ...

    async def take_over(self, subscription_id: str, slot: str, *, owner: str, now: datetime,
                        lease_expires: datetime) -> bool:
        """Take a claim whose lease has expired; compare-and-set."""
        ...

    async def start_attempt(self, subscription_id: str, slot: str, *, owner: str,
                            lease_expires: datetime) -> bool:
        """Count a publish call before making it; False: the lease is lost."""
        ...

    async def renew(self, subscription_id: str, slot: str, *, owner: str,
                    lease_expires: datetime, error: str | None = None) -> bool: ...

    async def finish(self, subscription_id: str, slot: str, *, owner: str, state: str,
                     now: datetime, message_id: str | None = None, error: str | None = None,
                     possible_duplicate: bool = False) -> bool:
        """Close a claim as sent, skipped or failed."""
        ...

    async def record_skipped(self, subscription_id: str, slot: str, *, reason: str,
                             now: datetime) -> bool: ...

    async def delivery(self, subscription_id: str, slot: str) -> DeliveryRow | None: ...

    async def deliveries(self, subscription_id: str, *,
                         since_slot: str = "") -> list[DeliveryRow]: ...

    async def last_delivery(self, subscription_id: str) -> DeliveryRow | None: ...

    async def prune(self, before_slot: str) -> int: ...


class MetaStorage(Protocol):
    async def meta(self, key: str) -> str | None:
        """The stored value (fingerprints of derived tables), None if never set."""
        ...

    async def set_meta(self, key: str, value: str) -> None: ...


class PreparedStorage(MetaStorage, Protocol):
    """Derived at ingest so that commands only read."""

    async def set_item_topics(self, item_id: int, scores: Mapping[str, int]) -> None:
        """Replace the item's topics with those of positive score."""
        ...

    async def clear_item_topics(self) -> None: ...

    async def item_topics(self) -> dict[int, dict[str, int]]:
        """item id -> {topic: score} of every item matching a topic."""
        ...

    async def topic_scores(self, topic: str, item_ids: Sequence[int]) -> dict[int, int]: ...

    async def set_item_keys(self, item_id: int, keys: Iterable[str]) -> None: ...

    async def clear_item_keys(self) -> None: ...

    async def item_keys(self, item_ids: Sequence[int]) -> dict[int, frozenset[str]]: ...

    async def unprepared_items(self) -> list[int]:
        """Ids of items stored without their derived rows, by id."""
        ...


class LiveStorage(Protocol):
    """The live queue and the live delivery log (``bot.storage.live``). Every write after a claim
    names the batch and its owner; a ``bool`` result says whether it held.

    Every method raises :class:`~bot.errors.StorageError` (``StorageBusy`` for a write lock that
    could not be had) and nothing else.
    """

    async def queue(self, item_ids: Sequence[int], now: datetime) -> int:
        """Queue the feed items a poll stored or retitled after the feed's first parse.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def queued(self, *, stored_after: datetime) -> list[QueuedItem]:
        """Queued items first stored after ``stored_after``, oldest first.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def posts(self, platform: str, channel: str, keys: Sequence[str]) -> list[LivePostRow]:
        """The log rows of these post keys in one channel.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def claim_batch(self, rows: Sequence[LivePostRow], *, now: datetime) -> bool:
        """Claim the post keys of one message, all or none; True for the one caller whose rows
        were inserted (False, and nothing claimed, when another had any of the keys).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def batch(self, batch: str) -> list[LivePostRow]:
        """The rows of one message.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def stale_batches(self, now: datetime) -> list[str]:
        """Claimed batches whose lease ran out.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def take_over(self, batch: str, *, owner: str, now: datetime,
                        lease_expires: datetime) -> bool:
        """Take a batch whose lease expired (compare-and-set).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def start_attempt(self, batch: str, *, owner: str, lease_expires: datetime) -> bool:
        """Count a publish call before making it; False: the lease is lost.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def release(self, batch: str, *, owner: str, retry_at: datetime, error: str,
                      not_posted: bool) -> bool:
        """Hand a batch back until ``retry_at``.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def finish(self, batch: str, *, owner: str, state: str, now: datetime,
                     message_id: str | None = None, error: str | None = None) -> bool:
        """Close a batch as sent or failed.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def messages_since(self, subscription_id: str, since: datetime) -> int:
        """Messages sent since ``since`` or under way.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def prune(self, before: datetime) -> int:
        """Forget old queue entries and finished log rows.

        Raises:
            StorageError: the write failed.
        """
        ...


class StoriesStorage(Protocol):
    """Stories kept at ingest (``bot.briefing.stories.assign_story``). Times are epoch seconds;
    every read is an index range (keys within a time range, a window, given stories), so its cost
    follows the window, never the number of stored items.

    Every method raises :class:`~bot.errors.StorageError` (``StorageBusy`` for a write lock that
    could not be had) and nothing else.
    """

    async def index_keys(self, item_id: int, at: int, keys: Iterable[str]) -> None:
        """Make ``keys`` the item's entries in the story-key index, at time ``at``.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def key_counts(self, keys: Iterable[str], since: int, until: int) -> dict[str, int]:
        """key -> how many indexed items within [since, until] have it (absent keys: 0).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def items_with_keys(self, keys: Iterable[str], since: int,
                              until: int) -> dict[int, tuple[int, int]]:
        """item id -> (its time, how many of ``keys`` it has), of the indexed items within
        [since, until] having any of ``keys``.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def nearest_items(self, keys: Collection[str], since: int, until: int, at: int,
                            limit: int) -> dict[int, tuple[int, int]]:
        """``items_with_keys`` cut to the ``limit`` items having the most of ``keys``, then the
        nearest to ``at``, then the smallest ids.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def sizes(self, story_ids: Iterable[str], since: int, until: int) -> dict[str, int]:
        """story id -> how many of its members lie within [since, until] (none: left out).

        Raises:
            StorageError: the read failed.
        """
        ...

    async def count_between(self, since: int, until: int) -> int:
        """How many items placed in a story lie within [since, until].

        Raises:
            StorageError: the read failed.
        """
        ...

    async def stories_of(self, item_ids: Sequence[int]) -> dict[int, str]:
        """item id -> its story id, for the placed ones among ``item_ids``.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def members(self, story_ids: Iterable[str], since: int,
                      until: int) -> builtins.list[StoryMember]:
        """The members within [since, until] of the given stories, by time then item id.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def place(self, members: Sequence[StoryMember], headline: str) -> None:
        """Put each item into the story named with it (out of the one it was in); keeps the
        ``stories`` rows' first and latest times, deletes stories left without members;
        ``headline``: for a story created here.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def window(self, since: int, until: int) -> builtins.list[StoryMember]:
        """Every placed item within [since, until], by time then item id.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def unplaced(self) -> builtins.list[int]:
        """Ids of items with story keys but no story (stored before migration 8), oldest first
        (publication, else ingest time; then id): read once at start, never by a command.

        Raises:
            StorageError: the read failed.
        """
        ...

    async def clear(self) -> None:
        """Forget every story and the key index (the keying code changed: all are rebuilt).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def index_many(self, rows: Sequence[tuple[str, int, int]]) -> None:
        """Add (key, at, item id) rows to the story-key index (items not indexed yet).

        Raises:
            StorageError: the write failed.
        """
        ...

    async def place_many(self, members: Sequence[StoryMember],
                         headlines: Mapping[str, str]) -> None:
        """Place items that are in no story yet, each in the story named with it; ``headlines``:
        story id -> headline of a story created here.

        Raises:
            StorageError: the write failed.
        """
        ...

    async def placed_count(self) -> int:
        """How many items are placed in a story.

        Raises:
            StorageError: the read failed.
        """
        ...
