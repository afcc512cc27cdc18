from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.app import App
from bot.ingest import ENGINE_META, ENGINE_VERSION, RawArticle


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
