"""The rank rows kept up batch by batch (each batch re-ranks the claims it touched, their dispute
partners now and when last ranked) equal the rows a full rebuild makes from the same ledger: a
re-rank that skips a partner or leaves a gone claim's rows makes them differ."""

from __future__ import annotations

import dataclasses

from bot.app import App, build_app
from bot.claims.ranks import rebuild
from bot.config import Config, FeedConfig
from bot.ingest import RawArticle
from bot.model import Item
from tests.answers.test_claims import CONFIG_URL, _ingest, _shared_item, _sources
from tests.conftest import FixedClock

_TABLES = {
    "claim_ranks": "scope, claim_id, score, last_seen, first_seen, claimant, disputed, "
                   "no_evidence, hedged, sources, stamp, shadows",
    "claim_rank_topics": "scope, topic, claim_id, score, last_seen, first_seen",
    "claim_rank_refs": "claim_id, item_id, source_id, url",
    "claim_rank_partners": "claim_id, other_id",
}


async def _rows(app: App) -> dict[str, list[tuple[object, ...]]]:
    """Every rank table's rows, in one order."""
    out = {}
    for table, columns in _TABLES.items():
        rows = await app.storage.db.fetch_all(f"SELECT {columns} FROM {table}")
        out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def _disputed_item(app: App) -> Item:
    """An item reporting a claim in a dispute: rewritten, the dispute goes."""
    for item in await app.storage.items.window(limit=None):
        ids = await app.storage.claims.ids_for_items([item.id])
        if ids and await app.storage.claim_reads.disputes_of(ids):
            return item
    raise AssertionError("no dispute")


async def _changed_ledger(app: App, clock: FixedClock) -> None:
    """Many batches: every fixture in five feeds (claims in several feeds and scopes, disputes
    found), then an item rewritten so its claims go (a claim deleted, disputes removed, a
    claim losing a source), a late item adding a mention and a dispute."""
    await _ingest(app, clock, await _sources(app, clock))
    for item in (await _shared_item(app), await _disputed_item(app)):
        source = next(s for s in await app.storage.sources.list() if s.id == item.source_id)
        clock.advance(minutes=5)
        await app.ingest.ingest_article(source, RawArticle(
            key=item.url or "", title=item.title, text="Nothing was said today.", url=item.url,
            published=clock.now(), language="en"))
    late = await app.storage.sources.get_by_url(CONFIG_URL)
    assert late is not None
    for n, text in enumerate(("Sam Altman said the model was ready.",
                              "Sam Altman denied that the model was ready.")):
        clock.advance(minutes=5)
        await app.ingest.ingest_article(late, RawArticle(
            key=f"late-{n}", title="Late news", text=text, url=f"http://127.0.0.1:9/late-{n}",
            published=clock.now(), language="en"))


async def _incremental_and_rebuilt(config: Config, clock: FixedClock
                                   ) -> tuple[dict[str, list[tuple[object, ...]]],
                                              dict[str, list[tuple[object, ...]]]]:
    config = dataclasses.replace(config, feeds=(FeedConfig(CONFIG_URL, "konfig"),))
    app = await build_app(config, clock=clock)
    try:
        await _changed_ledger(app, clock)
        kept = await _rows(app)
        answers = app.answers.claim_ledger
        await rebuild(app.storage, topics=answers.topics, scopes=await answers.audiences.scopes())
        return kept, await _rows(app)
    finally:
        await app.close()


async def test_rows_kept_batch_by_batch_equal_a_rebuild(config: Config,
                                                        clock: FixedClock) -> None:
    kept, rebuilt = await _incremental_and_rebuilt(config, clock)
    assert len(kept["claim_rank_refs"]) > 40 and kept["claim_rank_partners"]
    assert any(r[0] != "" for r in kept["claim_ranks"])  # overlays as well as the base
    assert kept == rebuilt
