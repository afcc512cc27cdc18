"""Data prepared at ingest (migration 2): item topics, story keys, claim comparison keys."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.app import build_app, default_pipeline
from bot.briefing.stories import features, keys
from bot.claims.compare import dispute_reason, same_claim
from bot.claims.ledger import claim_keys, dispute_lookup, merge_lookup, view
from bot.claims.merge import claim_id
from bot.config import Config, FeedConfig, TopicConfig
from bot.ingest import RawArticle
from bot.model import CommandRequest
from bot.storage import Storage
from bot.storage.claims import ClaimRow
from bot.storage.schema import MIGRATIONS, statements
from tests.conftest import DATA, SEEDS, FixedClock

CHIPS = (DATA / "claims" / "en_chips.txt").read_text(encoding="utf-8")
CLAIM_TEXT = "DeepSeek has access to about 50,000 Nvidia H100 chips"


def _v1_database(path: Path) -> None:
    """A database as briefbot with only migration 1 left it, holding one item and its claim."""
    conn = sqlite3.connect(path)
    for statement in statements(MIGRATIONS[0]):  # type: ignore[arg-type]
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sources (id, kind, url, name, created_at) VALUES "
                 "(1, 'feed', 'https://example.org/feed', 'x', '2025-01-27T08:00:00+00:00')")
    conn.execute(
        "INSERT INTO items (id, source_id, key, title, url, published, ingested_at, updated_at, "
        "language, text, content_hash, bullets) VALUES (1, 1, 'k1', 'Nvidia shares slide', "
        "'https://example.org/1', NULL, '2025-01-27T08:00:00+00:00', "
        "'2025-01-27T08:00:00+00:00', 'en', ?, 'h', '[\"Nvidia fell.\"]')", (CHIPS,))
    cid = claim_id("Alexandr Wang", CLAIM_TEXT)
    conn.execute(
        "INSERT INTO claims (id, claimant, text, kind, hedged, evidence, first_seen, last_seen) "
        "VALUES (?, 'Alexandr Wang', ?, 'indirect', 0, 'none_given', "
        "'2025-01-27T08:00:00+00:00', '2025-01-27T08:00:00+00:00')", (cid, CLAIM_TEXT))
    conn.execute(
        "INSERT INTO claim_mentions (claim_id, item_id, position, message_start, message_end, "
        "seen_at) VALUES (?, 1, 0, 0, 10, '2025-01-27T08:00:00+00:00')", (cid,))
    conn.commit()
    conn.close()


def _with_topics(config: Config, *topics: TopicConfig) -> Config:
    return dataclasses.replace(config, topics=topics)


async def _rows(storage: Storage, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await storage.db.fetch_all(sql)]


@pytest.mark.sqlite_only  # builds a v1 SQLite file by hand
async def test_migration_2_on_a_v1_file_keeps_data_and_derives_what_commands_read(
    config: Config, clock: FixedClock
) -> None:
    path = Path(config.storage.database)
    _v1_database(path)
    cfg = dataclasses.replace(  # the old file's feed is still configured: every community reads it
        _with_topics(config, TopicConfig("chips", ("Nvidia",), "Chips")),
        feeds=(FeedConfig("https://example.org/feed", "x"),))
    app = await build_app(cfg, clock=clock)
    try:
        assert await _rows(app.storage, "PRAGMA user_version") == [(len(MIGRATIONS),)]
        assert await _rows(app.storage, "SELECT id, title FROM items") == [(1, "Nvidia shares slide")]
        # topics, story keys and claim keys of the old data were derived at start
        assert await _rows(app.storage, "SELECT item_id, topic FROM item_topics") == [(1, "chips")]
        stored = await app.storage.prepared.item_keys([1])
        item = await app.storage.items.get(1)
        assert item is not None and stored[1] == keys(features(item))
        cid = claim_id("Alexandr Wang", CLAIM_TEXT)
        assert (cid,) in await _rows(app.storage, "SELECT DISTINCT claim_id FROM claim_keys")
        claims = await app.answers.filtered_claims()
        assert [(c.id, c.topics, c.sources[0].title) for c in claims] == [
            (cid, ("chips",), "Nvidia shares slide")]
        reply = await app.router.handle(CommandRequest("chips"))
        assert not reply.is_error and reply.footer is not None and reply.footer.startswith("1 ")
    finally:
        await app.close()


@pytest.mark.sqlite_only  # builds a v1 SQLite file by hand
async def test_claims_from_before_the_migration_merge_with_new_ones(
    config: Config, clock: FixedClock
) -> None:
    """The old claim gets its comparison keys at start, so a new report of it is found."""
    _v1_database(Path(config.storage.database))
    app = await build_app(config, clock=clock)
    try:
        source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x",
                                                  clock.now())
        await app.ingest.ingest_article(source, RawArticle(
            key="k2", title="Wang repeats chip claim", language="en",
            text="Alexandr Wang said that DeepSeek has access to about 50,000 Nvidia H100 "
                 "chips, again without evidence."))
        old = claim_id("Alexandr Wang", CLAIM_TEXT)
        entry = next(c for c in await app.answers.filtered_claims() if c.id == old)
        assert [s.title for s in entry.sources] == ["Nvidia shares slide",
                                                    "Wang repeats chip claim"]
    finally:
        await app.close()


async def test_item_topics_are_rebuilt_only_when_the_topics_config_changes(
    config: Config, clock: FixedClock
) -> None:
    first = _with_topics(config, TopicConfig("chips", ("Nvidia",)),
                         TopicConfig("musk", ("Colossus",)))
    app = await build_app(first, clock=clock)
    source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x", clock.now())
    item_id, _ = await app.ingest.ingest_article(
        source, RawArticle(key="k", title="Chips", text=CHIPS, language="en"))
    scores = (await app.storage.prepared.item_topics())[item_id]
    assert set(scores) == {"chips", "musk"} and scores["chips"] > scores["musk"] > 0
    # a marker: a row only a rebuild would remove
    await app.storage.db.execute("DELETE FROM item_topics WHERE topic = 'musk'")
    await app.close()

    app = await build_app(first, clock=clock)  # the same topics: nothing rebuilt
    assert set((await app.storage.prepared.item_topics())[item_id]) == {"chips"}
    await app.close()

    changed = _with_topics(config, TopicConfig("chips", ("Nvidia",)),
                           TopicConfig("musk", ("Colossus",)), TopicConfig("trump", ("Trump",)))
    app = await build_app(changed, clock=clock)
    try:
        assert set((await app.storage.prepared.item_topics())[item_id]) == {"chips", "musk",
                                                                           "trump"}
        claims = await app.answers.filtered_claims(topic="trump")
        assert claims and all("trump" in c.topics for c in claims)
    finally:
        await app.close()


async def test_an_app_reading_with_other_topics_than_the_table_rebuilds_before_reading(
    config: Config, clock: FixedClock
) -> None:
    """Two apps on one file with different topics: each reads topics of its own config."""
    one = await build_app(_with_topics(config, TopicConfig("chips", ("Nvidia",))), clock=clock)
    other = await build_app(_with_topics(config, TopicConfig("chips", ("Colossus",))),
                            clock=clock)
    try:
        source = await one.storage.sources.ensure("feed", "https://example.org/f", "x",
                                                  clock.now())
        await one.ingest.ingest_article(source, RawArticle(key="k", title="t", text=CHIPS,
                                                           language="en"))
        nvidia = CHIPS.count("Nvidia")
        assert (await one.storage.prepared.item_topics())[1]["chips"] == nvidia
        await other.ingest.prepare()  # what its start does
        assert (await other.storage.prepared.item_topics())[1]["chips"] == CHIPS.count("Colossus")
        await one.ingest.prepare()
        assert (await one.storage.prepared.item_topics())[1]["chips"] == nvidia
    finally:
        await other.close()
        await one.close()


async def test_story_keys_are_stored_at_ingest_and_rebuilt_when_stale(
    config: Config, clock: FixedClock
) -> None:
    app = await build_app(config, clock=clock)
    source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x", clock.now())
    item_id, _ = await app.ingest.ingest_article(
        source, RawArticle(key="k", title="Chips", text=CHIPS, language="en"))
    item = await app.storage.items.get(item_id)
    assert item is not None
    assert (await app.storage.prepared.item_keys([item_id]))[item_id] == keys(features(item))
    # keys built by other feature code are dropped and derived again
    await app.storage.prepared.set_item_keys(item_id, ["w:stale"])
    await app.storage.prepared.set_meta("item_keys", "other code")
    await app.close()
    app = await build_app(config, clock=clock)
    try:
        assert (await app.storage.prepared.item_keys([item_id]))[item_id] == keys(features(item))
    finally:
        await app.close()


async def test_an_update_replaces_the_items_topics_and_keys(
    config: Config, clock: FixedClock
) -> None:
    cfg = _with_topics(config, TopicConfig("chips", ("Nvidia",)))
    app = await build_app(cfg, clock=clock)
    try:
        source = await app.storage.sources.ensure("feed", "https://example.org/f", "x",
                                                  clock.now())
        item_id, _ = await app.ingest.ingest_article(
            source, RawArticle(key="k", title="t", text=CHIPS, language="en"))
        assert 1 in await app.storage.prepared.item_topics()
        _, status = await app.ingest.ingest_article(
            source, RawArticle(key="k", title="t", text="Rain is expected on Monday.",
                               language="en"))
        assert status == "updated"
        assert item_id not in await app.storage.prepared.item_topics()
        item = await app.storage.items.get(item_id)
        assert item is not None
        assert (await app.storage.prepared.item_keys([item_id]))[item_id] == keys(features(item))
    finally:
        await app.close()


async def test_transactions_nest_within_a_task_and_queue_across_tasks(config: Config) -> None:
    storage = await Storage.open(config.storage.database)
    try:
        db = storage.db
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await storage.prepared.set_meta("a", "1")
                async with db.transaction():  # joins: no second BEGIN
                    await storage.prepared.set_meta("b", "1")
                raise RuntimeError("roll back both")
        assert await storage.prepared.meta("a") is None
        assert await storage.prepared.meta("b") is None
        inside = asyncio.Event()
        release = asyncio.Event()

        async def first() -> None:
            async with db.transaction():
                await storage.prepared.set_meta("a", "first")
                inside.set()
                await release.wait()

        async def second() -> None:
            await inside.wait()
            async with db.transaction():  # waits for first's commit, then begins its own
                await storage.prepared.set_meta("a", "second")

        task_one, task_two = asyncio.create_task(first()), asyncio.create_task(second())
        await inside.wait()
        release.set()
        await asyncio.gather(task_one, task_two)
        assert await storage.prepared.meta("a") == "second"
    finally:
        await storage.close()


def _fixture_claims() -> list[ClaimRow]:
    """Every claim the extractor finds in the fixture and seed texts, as stored rows."""
    from datetime import UTC, datetime

    pipeline = default_pipeline()
    paths = [*sorted((DATA / "claims").rglob("*.txt")), *sorted(SEEDS.glob("*.txt"))[:6]]
    rows: dict[str, ClaimRow] = {}
    when = datetime(2025, 1, 27, tzinfo=UTC)
    for path in paths:
        for c in pipeline.analyze(path.read_text(encoding="utf-8")).claims:
            cid = claim_id(c.claimant, c.text)
            rows[cid] = ClaimRow(cid, c.claimant, c.text, c.kind, c.cue, c.hedged, c.hedges,
                                 c.evidence, c.figures, when, when, ())
    return list(rows.values())


def test_comparison_keys_find_every_pair_the_comparisons_accept() -> None:
    """The ledger compares a claim only with claims sharing a key: no accepted pair may lack one.
    Variants (other figures, doubt, another claimant) give disputes and merges to find."""
    base = _fixture_claims()
    variants = []
    for row in base[:40]:
        variants.append(dataclasses.replace(row, id=row.id + "f", text=row.text.replace("5", "9")))
        variants.append(dataclasses.replace(row, id=row.id + "d", claimant="Bernstein",
                                            text="In fact, " + row.text))
        variants.append(dataclasses.replace(row, id=row.id + "w", text=row.text + " today"))
    rows = base + variants
    assert len(rows) > 60
    stored = {r.id: claim_keys(r) for r in rows}
    counts = Counter(k for keys in stored.values() for k in keys)
    # the rarest words first, and the commonest: any choice of that many words must be exact
    orders = (counts, {k: -n for k, n in counts.items()})
    merges = disputes = 0
    for a in rows:
        for b in rows:
            if a.id == b.id:
                continue
            if same_claim(view(a), view(b)):
                merges += 1
                for order in orders:
                    assert merge_lookup(a, order) & stored[b.id], (a.text, b.text)
            if dispute_reason(view(a), view(b)) is not None:
                disputes += 1
                assert dispute_lookup(a) & stored[b.id], (a.text, b.text)
    assert merges and disputes  # the property was exercised both ways


async def test_the_kept_ledger_is_rebuilt_after_any_write_on_any_connection(
    config: Config, clock: FixedClock
) -> None:
    app = await build_app(config, clock=clock)
    try:
        source = await app.storage.sources.ensure("feed", "https://example.org/f", "x",
                                                  clock.now())
        await app.ingest.ingest_article(source, RawArticle(key="k1", title="t1", text=CHIPS,
                                                           language="en"))
        before = {c.id for c in await app.answers.filtered_claims()}
        assert before
        await app.ingest.ingest_article(source, RawArticle(
            key="k2", title="t2", language="en",
            text="Ada Park said the chip ban would be lifted within two weeks."))
        after = {c.id for c in await app.answers.filtered_claims()}
        assert after - before == {claim_id("Ada Park", "the chip ban would be lifted within "
                                                      "two weeks")}
        # a write by another connection (another process sharing the file) is seen too
        other = await Storage.from_config(config)  # the app's database, on either backend
        try:
            await other.db.execute("DELETE FROM claims")
        finally:
            await other.close()
        assert await app.answers.filtered_claims() == []
    finally:
        await app.close()
