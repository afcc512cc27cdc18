"""The storage contract on both backends (``storage`` of tests/storage/conftest.py is an SQLite file
and a fresh PostgreSQL database), and the same answers from both for the same input."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import Config
from bot.contracts import claim_json, digest_json
from bot.ingest import RawArticle
from bot.storage import Storage
from bot.storage.deliveries import SubscriptionRow
from bot.storage.items import NewItem
from tests.conftest import DATA, FixedClock
from tests.storage.pg import fresh_database

NOW = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)


def _item(key: str, text: str = "body", digest_eligible: bool = True) -> NewItem:
    return NewItem(key=key, title=f"title {key}", url=f"http://127.0.0.1/{key}", published=NOW,
                   language="en", text=text, content_hash=str(hash(text)),
                   bullets=("one", "zwei ü"), sentences=((0, 4),), digest_eligible=digest_eligible)


async def test_sources_health_and_due(storage: Storage) -> None:
    feed = await storage.sources.ensure("feed", "http://127.0.0.1/f", "F", NOW)
    again = await storage.sources.ensure("feed", "http://127.0.0.1/f", "F2", NOW)
    assert again.id == feed.id and again.name == "F2"
    assert [s.id for s in await storage.sources.due(NOW)] == [feed.id]
    assert await storage.sources.record_failure(feed.id, NOW, "HTTP 500",
                                                next_poll=NOW + timedelta(minutes=5)) == 1
    assert await storage.sources.record_failure(feed.id, NOW + timedelta(minutes=5), "HTTP 502",
                                                next_poll=NOW + timedelta(minutes=15)) == 2
    failing = await storage.sources.failing()
    assert [s.failing_since for s in failing] == [NOW]  # the episode's first failure
    assert await storage.sources.due(NOW + timedelta(minutes=10)) == []
    await storage.sources.record_success(feed.id, NOW + timedelta(minutes=20), etag='"e1"',
                                         last_modified=None, next_poll=None)
    row = await storage.sources.get_by_url("http://127.0.0.1/f")
    assert row is not None and row.etag == '"e1"' and row.consecutive_failures == 0
    assert row.polls == 3


async def test_items_upsert_windows_and_prune(storage: Storage) -> None:
    feed = await storage.sources.ensure("feed", "http://127.0.0.1/f", "F", NOW)
    first_id, status = await storage.items.upsert(feed.id, _item("a"), NOW)
    assert status == "new"
    assert await storage.items.upsert(feed.id, _item("a"), NOW) == (first_id, "unchanged")
    assert await storage.items.upsert(feed.id, _item("a", "new body"),
                                      NOW + timedelta(hours=1)) == (first_id, "updated")
    later_id, _ = await storage.items.upsert(feed.id, _item("b", digest_eligible=False),
                                             NOW + timedelta(hours=2))
    item = await storage.items.get(first_id)
    assert item is not None and item.text == "new body" and item.bullets == ("one", "zwei ü")
    assert item.ingested_at == NOW  # an update keeps the ingest time
    assert [i.id for i in await storage.items.window()] == [first_id]
    assert [i.id for i in await storage.items.window(eligible_only=False)] == [later_id, first_id]
    states = await storage.items.feed_states(["a", "b", "zz"], source_id=feed.id)
    assert sorted(states) == ["a", "b"]
    assert await storage.items.count() == 2
    assert await storage.items.prune(NOW + timedelta(hours=1)) == 1
    assert [i.id for i in await storage.items.all()] == [later_id]


async def test_deliveries_claim_once_take_over_and_finish(storage: Storage) -> None:
    sub = SubscriptionRow(id="cfg:x", platform="console", channel="c", time="08:00",
                          timezone="UTC", topic=None, quiet="line", origin="config",
                          created_by=None, created_at=NOW)
    await storage.deliveries.upsert_subscription(sub)
    lease = NOW + timedelta(minutes=5)
    args = {"now": NOW, "lease_expires": lease, "window_since": NOW - timedelta(days=1),
            "window_until": NOW}
    assert await storage.deliveries.claim("cfg:x", "2025-01-28", owner="w1", **args)
    assert not await storage.deliveries.claim("cfg:x", "2025-01-28", owner="w2", **args)
    assert not await storage.deliveries.take_over("cfg:x", "2025-01-28", owner="w2", now=NOW,
                                                  lease_expires=lease)
    later = lease + timedelta(seconds=1)
    assert await storage.deliveries.take_over("cfg:x", "2025-01-28", owner="w2", now=later,
                                              lease_expires=later + timedelta(minutes=5))
    assert not await storage.deliveries.start_attempt("cfg:x", "2025-01-28", owner="w1",
                                                      lease_expires=later)
    assert await storage.deliveries.start_attempt("cfg:x", "2025-01-28", owner="w2",
                                                  lease_expires=later + timedelta(minutes=5))
    assert await storage.deliveries.finish("cfg:x", "2025-01-28", owner="w2", state="sent",
                                           now=later, message_id="m1")
    row = await storage.deliveries.delivery("cfg:x", "2025-01-28")
    assert row is not None and (row.state, row.message_id, row.attempts) == ("sent", "m1", 1)
    assert await storage.deliveries.record_skipped("cfg:x", "2025-01-29", reason="missed",
                                                   now=later)
    assert [d.slot for d in await storage.deliveries.deliveries("cfg:x")] == \
        ["2025-01-28", "2025-01-29"]
    assert await storage.deliveries.prune("2025-01-29") == 1


async def test_meta_and_prepared_rows(storage: Storage) -> None:
    feed = await storage.sources.ensure("feed", "http://127.0.0.1/f", "F", NOW)
    item_id, _ = await storage.items.upsert(feed.id, _item("a"), NOW)
    await storage.prepared.set_meta("k", "v1")
    await storage.prepared.set_meta("k", "v2")
    assert await storage.prepared.meta("k") == "v2"
    assert await storage.prepared.unprepared_items() == [item_id]
    await storage.prepared.set_item_topics(item_id, {"deepseek": 3, "other": 0})
    await storage.prepared.set_item_keys(item_id, {"k2", "k1"})
    assert await storage.prepared.item_topics() == {item_id: {"deepseek": 3}}
    assert await storage.prepared.item_keys([item_id]) == {item_id: frozenset({"k1", "k2"})}
    assert await storage.prepared.unprepared_items() == []


async def test_a_transaction_rolls_back_on_either_backend(storage: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with storage.db.transaction():
            await storage.sources.ensure("feed", "http://127.0.0.1/gone", "", NOW)
            raise RuntimeError("stop")
    assert await storage.sources.get_by_url("http://127.0.0.1/gone") is None
    before = await storage.db.version()
    await storage.sources.ensure("feed", "http://127.0.0.1/kept", "", NOW)
    assert await storage.db.version() != before


async def _answers(config: Config, clock: FixedClock) -> tuple[object, object]:
    app = await build_app(config, clock=clock)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
        source = await app.storage.sources.ensure("feed", "http://127.0.0.1/feed", "local",
                                                  clock.now())
        for path in sorted((DATA / "claims").glob("en_*.txt"))[:4]:
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            await app.ingest.ingest_article(source, RawArticle(key=path.name, title=title,
                                                               text=body, language="en"))
        claims = [claim_json(c) for c in await app.answers.filtered_claims()]
        window = await app.answers.digests.window(since=None)
        digest = digest_json(await app.answers.digests.build(window, topic=None))
        return claims, digest
    finally:
        await app.close()


@pytest.mark.postgres
async def test_the_same_answers_from_both_backends(config: Config, tmp_path: Path) -> None:
    """Seeds and four articles ingested into each: ``claims --json`` and ``digest --json``
    are equal (ids, order, evidence, disputes, stories)."""
    lite = dataclasses.replace(config, storage=dataclasses.replace(
        config.storage, database=tmp_path / "lite.db", url=None))
    sqlite_answers = await _answers(lite, FixedClock(NOW))
    with fresh_database() as url:
        on_postgres = dataclasses.replace(config, storage=dataclasses.replace(
            config.storage, url=url))
        postgres_answers = await _answers(on_postgres, FixedClock(NOW))
    assert sqlite_answers[0]  # claims were found, so the comparison says something
    assert postgres_answers == sqlite_answers
