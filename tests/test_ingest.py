from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Config, TopicConfig, load_config
from bot.errors import ConfigError
from bot.ingest import ENGINE_META, ENGINE_PROGRESS_META, ENGINE_VERSION, RawArticle, derive, read_seed
from bot.model import Item
from tests.conftest import FixedClock


async def test_seed_ingest_twice_adds_nothing(app: App) -> None:
    first = await app.ingest.ingest_seeds(app.config.seeds.directory)
    assert [r.status for r in first] == ["new"]
    items = await app.storage.items.all()
    claims = await app.storage.claims.list()
    assert len(items) == 1 and items[0].title.startswith("KI-Wettlauf")
    assert items[0].bullets, "the summary is computed at ingest and stored"
    second = await app.ingest.ingest_seeds(app.config.seeds.directory)
    assert [r.status for r in second] == ["unchanged"]
    assert await app.storage.items.count() == 1
    assert [c.id for c in await app.storage.claims.list()] == [c.id for c in claims]


async def test_updated_article_replaces_text_and_claims_in_place(app: App) -> None:
    source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x",
                                              app.clock.now())
    article = RawArticle(key="k1", title="T", text='„Wir bauen das größte Rechenzentrum der Welt“, '
                         "sagt Elon Musk.", language="de")
    item_id, status = await app.ingest.ingest_article(source, article)
    assert status == "new"
    changed = RawArticle(key="k1", title="T", text="Ein ganz anderer Text ohne Zitat.",
                         language="de")
    item_id2, status2 = await app.ingest.ingest_article(source, changed)
    assert (item_id2, status2) == (item_id, "updated")
    assert await app.storage.items.count() == 1
    stored = await app.storage.items.get(item_id)
    assert stored is not None and stored.text == changed.text
    assert await app.storage.claims.list() == []


async def test_broken_seed_file_is_reported_and_others_go_on(app: App, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "empty.txt").write_text("Only a headline\n", encoding="utf-8")
    (seeds / "good.txt").write_text(
        "Headline\nDie Bundesregierung hat am Montag ein neues Gesetz beschlossen. Es tritt im "
        "Januar in Kraft.\n", encoding="utf-8")
    results = {r.path.name: r for r in await app.ingest.ingest_seeds(seeds)}
    assert results["empty.txt"].status == "error"
    assert "no article text" in (results["empty.txt"].error or "")
    assert results["good.txt"].status == "new"


async def test_a_fresh_database_is_marked_with_this_engine(app: App) -> None:
    assert not await app.ingest.stale()
    assert await app.storage.prepared.meta(ENGINE_META) == ENGINE_VERSION
    assert await app.ingest.rederive_stale() == 0


async def test_items_of_another_engine_are_rederived_and_read_the_same(seeded_app: App) -> None:
    app = seeded_app
    before = await app.storage.items.all()
    claims = await app.answers.filtered_claims()
    async with app.storage.db.transaction():
        await app.storage.prepared.set_meta(ENGINE_META, "0")  # as an older engine left it
    async with app.storage.db.transaction():  # and its analysis differed
        older = app.pipeline.analyze(before[0].text, before[0].language)
        await app.storage.items.replace_analysis(before[0].id,
                                                 dataclasses.replace(older, bullets=("Old.",)))
    assert (await app.storage.items.all())[0].bullets == ("Old.",)
    assert await app.ingest.stale()
    assert await app.ingest.rederive_stale() == len(before)
    assert await app.storage.prepared.meta(ENGINE_META) == ENGINE_VERSION
    assert [i.bullets for i in await app.storage.items.all()] == [i.bullets for i in before]
    assert await app.answers.filtered_claims() == claims
    assert await app.ingest.rederive_stale() == 0


async def _stale_items_marked_old(app: App, texts: list[str]) -> list[int]:
    """Items of ``texts`` stored as an older engine left them: engine meta "0", bullets "Old."."""
    source = await app.storage.sources.ensure("feed", "http://127.0.0.1:9/feed", "x",
                                              app.clock.now())
    ids = [(await app.ingest.ingest_article(
        source, RawArticle(key=f"k{n}", title=f"T{n}", text=text, language="de")))[0]
        for n, text in enumerate(texts)]
    async with app.storage.db.transaction():
        await app.storage.prepared.set_meta(ENGINE_META, "0")
        for item in await app.storage.items.by_ids(ids):
            older = app.pipeline.analyze(item.text, item.language)
            await app.storage.items.replace_analysis(item.id,
                                                     dataclasses.replace(older, bullets=("Old.",)))
    return ids


STALE_TEXTS = ["„Die Preise steigen weiter“, sagte die Ministerin am Montag in Berlin.",
               "Der Verband rechnet nach eigenen Angaben mit 300 neuen Stellen im Jahr.",
               "Laut dem Bericht sank der Absatz im dritten Quartal um vier Prozent."]


async def test_a_rederivation_stopped_halfway_goes_on_where_it_stopped(app: App) -> None:
    ids = await _stale_items_marked_old(app, STALE_TEXTS)
    async with app.storage.db.transaction():  # as a bot stopped after its first chunk left it
        await app.storage.prepared.set_meta(ENGINE_PROGRESS_META, f"{ENGINE_VERSION}:{ids[0]}")
    assert await app.ingest.rederive_stale(batch=1) == 2
    bullets = [i.bullets for i in await app.storage.items.by_ids(ids)]
    assert bullets[0] == ("Old.",), "the item done before the stop is not analysed again"
    assert all(b != ("Old.",) for b in bullets[1:])
    assert await app.storage.prepared.meta(ENGINE_META) == ENGINE_VERSION
    assert await app.ingest.rederive_stale() == 0


async def test_progress_left_by_another_engine_is_not_taken_for_this_one(app: App) -> None:
    ids = await _stale_items_marked_old(app, STALE_TEXTS)
    async with app.storage.db.transaction():
        await app.storage.prepared.set_meta(ENGINE_PROGRESS_META, f"0:{ids[-1]}")
    assert await app.ingest.rederive_stale(batch=2) == len(ids)
    assert all(i.bullets != ("Old.",) for i in await app.storage.items.by_ids(ids))


async def test_a_rederivation_reads_the_store_a_chunk_at_a_time(app: App,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    ids = await _stale_items_marked_old(app, STALE_TEXTS)
    asked: list[int] = []
    by_ids = app.storage.items.by_ids

    async def counted(item_ids: list[int]) -> list[Item]:
        asked.append(len(item_ids))
        return await by_ids(item_ids)

    monkeypatch.setattr(app.storage.items, "by_ids", counted)
    assert await app.ingest.rederive_stale(batch=2) == len(ids)
    assert asked == [2, 1]


@pytest.mark.parametrize("text", ["[ingest]\nprocesses = -1\n", "[ingest]\nprocesses = 65\n"])
def test_processes_out_of_range_is_one_clear_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ingest\.processes.*between 0 .* and 64") as raised:
        load_config(path)
    assert "\n" not in str(raised.value)


def test_processes_default_to_the_cpus_less_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[ingest]\n", encoding="utf-8")
    assert load_config(path).ingest.worker_processes == max(1, len(os.sched_getaffinity(0)) - 1)
    path.write_text("[ingest]\nprocesses = 0\n", encoding="utf-8")
    assert load_config(path).ingest.worker_processes == 0


async def test_a_feed_batch_is_stored_as_single_articles_would_be(
    app: App, config: Config, clock: FixedClock
) -> None:
    """``ingest_articles`` (the poller's path, chunks through the pool) stores what
    ``ingest_article`` stores one by one: the same items, bullets, claims and topics."""
    articles = [read_seed(p) for p in sorted(config.seeds.directory.glob("*.txt"))]
    articles += [RawArticle(key=f"k{n}", title=f"T{n}", text=f"„Das ist Satz {n}“, sagte Anna "
                            "Berger am Dienstag in Berlin.", language="de") for n in range(10)]
    source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x", clock.now())
    stored = await app.ingest.ingest_articles(source, articles)
    assert [s.status for s in stored] == ["new"] * len(articles)
    again = await app.ingest.ingest_articles(source, articles)
    assert [(s.item_id, s.status) for s in again] == [(s.item_id, "unchanged") for s in stored]
    single = await build_app(dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, database=config.storage.database
                                            .with_name("single.db"))), clock=clock)
    try:
        other = await single.storage.sources.ensure("feed", "https://example.org/feed", "x",
                                                    clock.now())
        for article in articles:
            await single.ingest.ingest_article(other, article, run_hooks=False)
        assert ([(i.key, i.bullets, i.language) for i in await app.storage.items.all()]
                == [(i.key, i.bullets, i.language) for i in await single.storage.items.all()])
        assert ([(c.id, c.text) for c in await app.storage.claims.list()]
                == [(c.id, c.text) for c in await single.storage.claims.list()])
        # topic scores and story keys: from the analysis process here, the bot's there
        assert await derived_by_key(app) == await derived_by_key(single)
    finally:
        await single.close()


async def derived_by_key(app: App) -> dict[str, tuple[dict[str, int], frozenset[str]]]:
    items = await app.storage.items.all()
    topics = await app.storage.prepared.item_topics()
    keys = await app.storage.prepared.item_keys([i.id for i in items])
    return {i.key: (topics.get(i.id, {}), keys.get(i.id, frozenset())) for i in items}


async def test_a_feed_batch_gets_the_topics_and_story_keys_of_its_stored_items(
    config: Config, clock: FixedClock
) -> None:
    """The analysis process derives them from the job (title, text) and the analysis (language,
    bullets): the same as ``derive`` on the stored item, which a wrong field would change."""
    topics = (TopicConfig("bahn", ("Bahn", "Streik")), TopicConfig("energie", ("Windkraft",)))
    app = await build_app(dataclasses.replace(
        config, topics=topics, ingest=dataclasses.replace(config.ingest, processes=1)),
        clock=clock)
    try:
        articles = [RawArticle(key=f"k{n}", title=f"Streik bei der Bahn, Tag {n}",
                               text=f"„Der Streik dauert {n} Tage“, sagte Anna Berger am Dienstag "
                               "in Berlin. Die Bahn widersprach.", language="de")
                    for n in range(3)]
        source = await app.storage.sources.ensure("feed", "https://example.org/feed", "x",
                                                  clock.now())
        await app.ingest.ingest_articles(source, articles)
        derived = await derived_by_key(app)
        for item in await app.storage.items.all():
            assert derived[item.key] == derive(topics, item)
            assert derived[item.key][0] == {"bahn": 8}  # 2 terms: 3 x 2 in the title, 2 in the text
    finally:
        await app.close()
