"""Live posts: each item once per channel, never a feed's backlog, edits not reposted, the same
article from two feeds once, bursts within max_posts_per_hour and 429s (nothing lost, nothing
twice), a dead poster's batch taken over."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import multiprocessing
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Config, FeedConfig
from bot.delivery.audience import Audiences
from bot.delivery.live import LiveDelivery
from bot.errors import TransientPublishError
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from bot.storage.items import NewItem
from bot.storage.live import LiveStore
from bot.storage.sources import SourceRow
from tests.adapters.test_golden import bot_words, label_words
from tests.conftest import FixedClock
from tests.delivery import live_worker
from tests.fakes.delivery import Post, RecordingPublisher, read_posts
from tests.fakes.engines import Crash, Interrupting, crash
from tests.storage.pg import fresh_database

SPAWN = multiprocessing.get_context("spawn")

_hashes = itertools.count()


class Feeds:
    """Stores items as a poll would, and queues them as the ingest hook does."""

    def __init__(self, storage: Storage, clock: FixedClock) -> None:
        self.storage, self.clock = storage, clock

    async def feed(self, url: str, name: str, *, parsed: bool = True) -> SourceRow:
        row = await self.storage.sources.ensure("feed", url, name, self.clock.now())
        if parsed:  # its first poll is over
            await self.storage.sources.record_success(row.id, self.clock.now(), etag=None,
                                                      last_modified=None, next_poll=None)
        return row

    async def poll(self, source: SourceRow, *items: tuple[str, str, str | None],
                   text: str = "Body text.") -> list[int]:
        now = self.clock.now()
        ids = []
        for key, title, url in items:
            item_id, _ = await self.storage.items.upsert(source.id, NewItem(
                key, title, url, now, "de", f"{title}. {text}", f"h{next(_hashes)}",
                bullets=("A summary bullet.",)), now)
            ids.append(item_id)
        await self.storage.live.queue(ids, now)
        return ids


def live_sub(clock: FixedClock, **changes: object) -> SubscriptionRow:
    base = SubscriptionRow(id="live1", platform="discord", channel="C1", time="", timezone="UTC",
                           topic=None, quiet="line", origin="config", created_by=None,
                           created_at=clock.now(), mode="live")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def feeds(storage: Storage, clock: FixedClock) -> Feeds:
    return Feeds(storage, clock)


@pytest.fixture
def live(storage: Storage, publisher: RecordingPublisher, clock: FixedClock) -> LiveDelivery:
    return LiveDelivery(storage, {"discord": publisher}, clock, owner="p1")


def titles(publisher: RecordingPublisher) -> list[str]:
    return [p.reply.title for p in publisher.posts]


async def test_each_item_once_across_ticks_and_processes(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock))
    heise = await feeds.feed("http://127.0.0.1:1/heise", "heise")
    clock.current += timedelta(minutes=1)
    await feeds.poll(heise, ("a", "Erster Artikel", "http://127.0.0.1:1/a"))
    other = LiveDelivery(storage, {"discord": publisher}, clock, owner="p2")
    assert await live.tick() == 1
    assert await other.tick() == 0  # another process sees it claimed and sent
    clock.current += timedelta(minutes=1)
    await feeds.poll(heise, ("b", "Zweiter Artikel", "http://127.0.0.1:1/b"))
    await feeds.poll(heise, ("a", "Erster Artikel", "http://127.0.0.1:1/a"), text="Edited.")
    assert await other.tick() == 1
    assert await live.tick() == 0
    assert titles(publisher) == ["Erster Artikel", "Zweiter Artikel"]
    section = publisher.posts[0].reply.sections[0]
    assert section.links[0].url == "http://127.0.0.1:1/a"
    assert section.text is not None and section.text.startswith("heise")


async def test_first_parse_and_items_before_the_subscription_are_never_posted(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    old = await feeds.feed("http://127.0.0.1:1/old", "old")
    await feeds.poll(old, ("x", "Vor dem Abo", "http://127.0.0.1:1/x"))
    clock.current += timedelta(minutes=1)
    await storage.deliveries.upsert_subscription(live_sub(clock))
    new = await feeds.feed("http://127.0.0.1:1/new", "new", parsed=False)
    clock.current += timedelta(minutes=1)
    await feeds.poll(new, *[(f"n{i}", f"Backlog {i}", f"http://127.0.0.1:1/n{i}")
                            for i in range(20)])  # the first parse: not queued
    assert await live.tick() == 0
    assert publisher.posts == []


async def test_same_article_in_two_feeds_is_posted_once(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock))
    one = await feeds.feed("http://127.0.0.1:1/one", "one")
    two = await feeds.feed("http://127.0.0.1:1/two", "two")
    clock.current += timedelta(minutes=1)
    await feeds.poll(one, ("g1", "Dieselbe Meldung", "https://127.0.0.1:1/story/"))
    await feeds.poll(two, ("other-guid", "Dieselbe Meldung (Agentur)", "http://127.0.0.1:1/story"))
    assert await live.tick() == 1
    assert titles(publisher) == ["Dieselbe Meldung"]


async def test_a_new_title_is_posted_once_as_an_update(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("a", "Alter Titel", "http://127.0.0.1:1/a"))
    await live.tick()
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("a", "Neuer Titel", "http://127.0.0.1:1/a"))
    assert await live.tick() == 1
    await feeds.poll(feed, ("a", "Neuer Titel", "http://127.0.0.1:1/a"), text="Edited again.")
    assert await live.tick() == 0
    assert titles(publisher) == ["Alter Titel", "Updated: Neuer Titel"]


async def test_filters_feeds_and_words(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(
        clock, feeds=("heise",), include=("DeepSeek", "Überwachung"), exclude=("Börse",)))
    heise = await feeds.feed("http://127.0.0.1:1/heise", "Heise")
    other = await feeds.feed("http://127.0.0.1:1/other", "other")
    clock.current += timedelta(minutes=1)
    await feeds.poll(heise, ("1", "DEEPSEEK stellt R2 vor", "http://127.0.0.1:1/1"),
                     ("2", "Neue Regeln zur Uberwachung", "http://127.0.0.1:1/2"),
                     ("3", "DeepSeek lässt die borse fallen", "http://127.0.0.1:1/3"),
                     ("4", "Wetter in Kiel", "http://127.0.0.1:1/4"))
    await feeds.poll(other, ("5", "DeepSeek anywhere else", "http://127.0.0.1:1/5"))
    await live.tick()
    assert sorted(titles(publisher)) == ["DEEPSEEK stellt R2 vor", "Neue Regeln zur Uberwachung"]


async def test_batch_minutes_sends_one_message_when_the_batch_closes(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock, batch_minutes=10))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("a", "A", "http://127.0.0.1:1/a"))
    clock.current += timedelta(minutes=5)
    await feeds.poll(feed, ("b", "B", "http://127.0.0.1:1/b"), ("c", "C", "http://127.0.0.1:1/c"))
    assert await live.tick() == 0  # open for 5 more minutes
    clock.current += timedelta(minutes=5)
    assert await live.tick() == 1
    assert titles(publisher) == ["3 new items"]
    assert [s.heading for s in publisher.posts[0].reply.sections] == ["A", "B", "C"]


async def test_max_posts_per_hour_holds_the_rest_back_without_losing_any(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock, max_posts_per_hour=2))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, *[(k, k.upper(), f"http://127.0.0.1:1/{k}") for k in "abcde"])
    assert await live.tick() == 2
    assert "3 item(s) wait for the next hour" in caplog.text
    clock.current += timedelta(minutes=30)
    assert await live.tick() == 0
    clock.current += timedelta(minutes=31)
    assert await live.tick() == 2
    clock.current += timedelta(minutes=61)
    assert await live.tick() == 1
    assert titles(publisher) == ["A", "B", "C", "D", "E"]


async def test_a_429_burst_loses_nothing_and_posts_nothing_twice(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock, max_posts_per_hour=100))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, *[(f"k{i}", f"T{i}", f"http://127.0.0.1:1/{i}") for i in range(6)])
    publisher.failures["C1"] = [TransientPublishError("429 rate limited", retry_after=30)
                                for _ in range(3)]
    for _ in range(8):
        await live.tick()
        clock.current += timedelta(seconds=31)
    assert sorted(titles(publisher)) == sorted(f"T{i}" for i in range(6))
    assert len(publisher.calls) == 6 + 3


async def test_a_dead_posters_batch_is_checked_and_taken_over(
        storage: Storage, feeds: Feeds, publisher: RecordingPublisher, clock: FixedClock) -> None:
    await storage.deliveries.upsert_subscription(live_sub(clock))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("a", "A", "http://127.0.0.1:1/a"))
    dead = LiveDelivery(storage, {"discord": publisher}, clock, owner="dead")
    publisher.after_post_failures["C1"] = [KeyboardInterrupt()]  # posted, then the process died
    with pytest.raises(KeyboardInterrupt):
        await dead.tick()
    survivor = LiveDelivery(storage, {"discord": publisher}, clock, owner="alive")
    assert await survivor.tick() == 0  # the lease still holds
    clock.current += timedelta(minutes=6)
    assert await survivor.tick() == 1  # found on the platform, recorded as sent
    assert titles(publisher) == ["A"]


def test_sigkill_after_posting_and_a_restart_post_each_item_exactly_once(tmp_path: Path) -> None:
    """Real processes: the first is SIGKILLed right after its first post reached "the platform"
    (before it could record it); the restart takes the batch over after the lease, finds the post,
    and posts the other items; a third process posts nothing."""
    db, posts = tmp_path / "live.db", tmp_path / "posts.jsonl"
    start = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

    async def setup() -> None:
        storage = await Storage.open(db)
        try:
            clock = FixedClock(start)
            await storage.deliveries.upsert_subscription(live_sub(clock))
            feeds = Feeds(storage, clock)
            feed = await feeds.feed("http://127.0.0.1:1/f", "f")
            clock.current += timedelta(minutes=1)
            await feeds.poll(feed, *[(k, f"Meldung {k}", f"http://127.0.0.1:1/{k}")
                                     for k in "abc"])
        finally:
            await storage.close()

    asyncio.run(setup())

    def child(now: datetime, who: str, kill: bool) -> int | None:
        process = SPAWN.Process(target=live_worker.tick,
                                args=(str(db), str(posts), now.isoformat(), who, kill))
        process.start()
        process.join(60)
        return process.exitcode

    assert child(start + timedelta(minutes=2), "first", True) == -signal.SIGKILL
    assert [p["title"] for p in read_posts(posts)] == ["Meldung a"]
    assert child(start + timedelta(minutes=3), "early", False) == 0  # posts b, c; a is leased
    assert child(start + timedelta(minutes=8), "second", False) == 0
    assert child(start + timedelta(minutes=9), "third", False) == 0
    titles = [p["title"] for p in read_posts(posts)]
    assert sorted(titles) == ["Meldung a", "Meldung b", "Meldung c"]


async def test_posts_in_the_language_of_each_community_without_the_other_languages_words(
        storage: Storage, feeds: Feeds, clock: FixedClock) -> None:
    """A German guild (the config's language) and an English workspace (/language) follow one
    config feed: batches, single posts and updates carry only their own language's words."""
    config = Config(feeds=(FeedConfig("http://127.0.0.1:1/f", "heise"),))
    discord, slack = RecordingPublisher("discord"), RecordingPublisher("slack")
    live = LiveDelivery(storage, {"discord": discord, "slack": slack}, clock,
                        audiences=Audiences(config, storage))
    await storage.deliveries.upsert_subscription(live_sub(clock, id="de", batch_minutes=5))
    await storage.deliveries.upsert_subscription(live_sub(clock, id="en", platform="slack",
                                                          channel="C2"))
    await storage.community_subscriptions.tag("de", "discord:G1")
    await storage.community_subscriptions.tag("en", "slack:T1")
    await storage.communities.set_language("slack", "T1", "en", clock.now())
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("a", "Alter Titel", "http://127.0.0.1:1/a"),
                     ("b", "Zweite Meldung", "http://127.0.0.1:1/b"))
    clock.current += timedelta(minutes=6)
    await live.tick()
    await feeds.poll(feed, ("a", "Neuer Titel", "http://127.0.0.1:1/a"))
    clock.current += timedelta(minutes=6)
    await live.tick()
    assert titles(discord) == ["2 neue Meldungen", "Aktualisiert: Neuer Titel"]
    assert titles(slack) == ["Alter Titel", "Zweite Meldung", "Updated: Neuer Titel"]
    assert discord.posts[0].reply.sections[0].text == "heise · 10.01.2026, 12:01 UTC"
    assert slack.posts[0].reply.sections[0].text == "heise · 2026-01-10 12:01 UTC"
    for publisher, other in ((discord, "en"), (slack, "de")):
        foreign = label_words(other)
        for post in publisher.posts:  # the article's titles are its own words
            title = post.reply.title
            for own in ("Alter Titel", "Zweite Meldung", "Neuer Titel"):
                title = title.replace(own, "")
            text = bot_words(dataclasses.replace(post.reply, title=title))
            assert not {w for w in re.findall(r"[^\W\d_]{4,}", text)
                        if w.casefold() in foreign}, text


async def test_a_window_that_closed_while_no_process_ran_keeps_its_items_alone(
        storage: Storage, feeds: Feeds, live: LiveDelivery, publisher: RecordingPublisher,
        clock: FixedClock) -> None:
    """The restarted process polls before its first tick: the item it finds belongs to a window
    of its own, not to the one that closed while no process ran."""
    await storage.deliveries.upsert_subscription(live_sub(clock, batch_minutes=1))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("s", "Zweite", "http://127.0.0.1:1/s"),
                     ("t", "Dritte", "http://127.0.0.1:1/t"))
    clock.current += timedelta(minutes=3)
    await feeds.poll(feed, ("f", "Vierte", "http://127.0.0.1:1/f4"))
    assert await live.tick() == 1
    assert titles(publisher) == ["2 new items"]
    clock.current += timedelta(seconds=59)
    assert await live.tick() == 0  # the fourth's window is still open
    clock.current += timedelta(seconds=1)
    assert await live.tick() == 1
    assert titles(publisher) == ["2 new items", "Vierte"]


async def test_a_stale_batch_waits_for_its_platform_to_connect_after_a_restart(
        storage: Storage, feeds: Feeds, clock: FixedClock) -> None:
    """The restarted process ticks before Slack has connected: the batch its predecessor left
    is neither dropped nor split; it goes out whole once Slack is there."""
    slack = RecordingPublisher("slack")
    await storage.deliveries.upsert_subscription(live_sub(clock, platform="slack",
                                                          batch_minutes=1))
    feed = await feeds.feed("http://127.0.0.1:1/f", "f")
    clock.current += timedelta(minutes=1)
    await feeds.poll(feed, ("s", "Zweite", "http://127.0.0.1:1/s"),
                     ("t", "Dritte", "http://127.0.0.1:1/t"))
    clock.current += timedelta(minutes=1)
    slack.failures["C1"] = [KeyboardInterrupt()]  # the process dies in the publish call
    with pytest.raises(KeyboardInterrupt):
        await LiveDelivery(storage, {"slack": slack}, clock, owner="dead").tick()
    publishers: dict[str, RecordingPublisher] = {}  # Slack not connected yet
    restarted = LiveDelivery(storage, publishers, clock, owner="restarted")
    clock.current += timedelta(minutes=6)
    assert await restarted.tick() == 0
    publishers["slack"] = slack
    assert await restarted.tick() == 1
    assert titles(slack) == ["2 new items"]
    assert await restarted.tick() == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def fresh(backend: str, folder: Path, name: str) -> Iterator[Path | str]:
    if backend == "sqlite":
        yield folder / f"{name}.db"
        return
    with fresh_database() as url:
        yield url


INTERRUPTIONS = {
    "dies": "the poster dies there (SIGKILL); a restarted process ticks after the lease",
    "another-process-ticks": "a second process, on its own connection, runs a whole tick there",
    "its-other-job-ticks": "the same process's other job (the feed job ticks after each poll, "
                           "beside the 30 s live job) runs a whole tick there",
}


async def a_batch_interrupted(target: Path | str, at: int,
                              interruption: str) -> tuple[bool, list[Post]]:
    """A batch of two is due; a poster is interrupted before its ``at``-th statement of the live
    log (``INTERRUPTIONS``), then the other poster ticks after the lease, three times. Returns
    (whether it was interrupted, the posts)."""
    clock = FixedClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    storage = await Storage.open(target)
    own_connection = interruption != "its-other-job-ticks"
    poster_storage = await Storage.open(target) if own_connection else Storage(storage.db)
    publisher = RecordingPublisher("slack")
    try:
        await storage.deliveries.upsert_subscription(live_sub(clock, platform="slack",
                                                              batch_minutes=1))
        feeds = Feeds(storage, clock)
        feed = await feeds.feed("http://127.0.0.1:1/f", "f")
        clock.current += timedelta(minutes=1)
        await feeds.poll(feed, ("s", "Zweite", "http://127.0.0.1:1/s"),
                         ("t", "Dritte", "http://127.0.0.1:1/t"))
        clock.current += timedelta(minutes=1, seconds=1)
        other = LiveDelivery(storage, {"slack": publisher}, clock, owner="other")

        async def other_ticks() -> None:
            await other.tick()

        engine = Interrupting(poster_storage.db, at=at,
                              action=crash if interruption == "dies" else other_ticks)
        poster_storage.live = LiveStore(engine)
        poster = LiveDelivery(poster_storage, {"slack": publisher}, clock, owner="poster")
        with suppress(Crash):
            await poster.tick()
        if own_connection:
            await poster_storage.close()
        for _ in range(3):
            clock.current += timedelta(minutes=6)
            await other.tick()
        return engine.fired, publisher.posts
    finally:
        if own_connection:
            await poster_storage.close()
        await storage.close()


@pytest.mark.parametrize("interruption", list(INTERRUPTIONS))
async def test_a_due_batch_goes_out_once_whole_whatever_interrupts_its_poster(
        database_target: str, tmp_path: Path, interruption: str) -> None:
    """At every point between two statements of the live log (after the queue read, the claim,
    the attempt, the post), whatever ``INTERRUPTIONS`` names: the batch is one message with both
    items, posted once."""
    for at in itertools.count(1):
        with fresh(database_target, tmp_path, f"at{at}") as target:
            interrupted, posts = await a_batch_interrupted(target, at, interruption)
        messages = [[link.url for s in post.reply.sections for link in s.links] for post in posts]
        assert messages == [["http://127.0.0.1:1/s", "http://127.0.0.1:1/t"]], (at, messages)
        assert posts[0].reply.title == "2 new items"
        if not interrupted:
            break
    assert at > 5  # the points were tried: the queue read, the claim, the attempt, the post
    assert at > 5  # every point was tried: the queue read, the claim, the attempt, the post
