"""When a prepared answer is current (``bot.answers.prepared``): a window that moved less than
GRACE ago is answered as it was, saying which window it covers, while it is built again; later
readers get the moved window; a row of another configuration is never read."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

from adapters.console import render_reply
from bot.answers.prepared import GRACE, NEVER, AnswerKey, Built, PreparedAnswers
from bot.app import App, build_app
from bot.config import Config, FeedConfig, TopicConfig
from bot.ingest import RawArticle
from tests.conftest import FixedClock

FEED = "http://127.0.0.1:9/a.xml"


def _article(key: str, title: str, clock: FixedClock) -> RawArticle:
    body = (f"{title} was reported on Monday. The company said the plan would cost 12 million "
            "euros and take two years.")
    return RawArticle(key=key, title=title, text=body, url=f"http://127.0.0.1:9/{key}",
                      published=clock.now(), language="en")


async def _app(config: Config, clock: FixedClock) -> App:
    return await build_app(dataclasses.replace(config, feeds=(FeedConfig(FEED, "A"),)),
                           clock=clock)


async def _text(app: App) -> str:
    return render_reply(await app.answers.digest(topic=None, language="en"), language="en")


async def test_a_window_that_just_moved_is_answered_as_it_was_then_built_again(
        config: Config, clock: FixedClock) -> None:
    app = await _app(config, clock)
    try:
        source = await app.storage.sources.ensure("feed", FEED, "A", clock.now())
        await app.ingest.ingest_article(source, _article("old", "Harbour bridge closes", clock))
        built_at = clock.now()
        await _text(app)  # a reader asked: ingest keeps this row prepared from now on
        clock.advance(hours=20)
        await app.ingest.ingest_article(source, _article("new", "Tram strike ends", clock))
        clock.current = built_at + timedelta(hours=24) + GRACE / 2  # the old item just left
        stale = await _text(app)
        assert "Harbour bridge closes" in stale  # as built at the last ingest...
        assert f"{built_at + timedelta(hours=20):%Y-%m-%d %H:%M} UTC" in stale  # ...and says so
        await app.answers.digests.prepared.settle()  # the rebuild started by that read
        row = await app.storage.answers.get(AnswerKey("digest", None, None, "en").row_key)
        assert row is not None and "Harbour bridge closes" not in row.body
        moved = await _text(app)
        assert "Harbour bridge closes" not in moved and "Tram strike ends" in moved
        assert f"{clock.now():%Y-%m-%d %H:%M} UTC" in moved
    finally:
        await app.close()


async def test_rows_of_another_configuration_are_not_read(config: Config,
                                                          clock: FixedClock) -> None:
    app = await _app(config, clock)
    try:
        source = await app.storage.sources.ensure("feed", FEED, "A", clock.now())
        await app.ingest.ingest_article(source, _article("one", "Harbour bridge closes", clock))
        assert "Harbour bridge closes" in await _text(app)
    finally:
        await app.close()
    topics = (*config.topics, TopicConfig("harbour", ("harbour",)))
    other = await build_app(dataclasses.replace(config, feeds=(FeedConfig(FEED, "A"),),
                                                topics=topics), clock=clock)
    try:
        row = await other.storage.answers.get(AnswerKey("digest", None, None, "en").row_key)
        assert row is not None and row.made_with != other.answers.digests.prepared.made_with
        topic = render_reply(await other.answers.digest(topic="harbour", language="en"),
                             language="en")
        assert "Harbour bridge closes" in topic
        assert "Harbour bridge closes" in await _text(other)  # built again with this one
        mine = await other.storage.answers.get(AnswerKey("digest", None, None, "en").row_key)
        assert mine is not None and mine.made_with == other.answers.digests.prepared.made_with
    finally:
        await other.close()


async def test_batches_stored_during_a_pass_share_the_next_pass(config: Config,
                                                               clock: FixedClock) -> None:
    """Feeds polled at once: five batches announced together build each row twice, not five
    times (the first pass, and one after it for the batches that came meanwhile)."""
    app = await _app(config, clock)
    try:
        prepared = PreparedAnswers(app.storage, clock, "test")
        builds: list[AnswerKey] = []

        async def builder(key: AnswerKey, now: datetime) -> Built:
            builds.append(key)
            await asyncio.sleep(0)  # as a real build waits on the database
            return Built("{}", NEVER)

        prepared.register("digest", builder)
        key = AnswerKey("digest", None, None, "en")
        await prepared.read(key)  # a reader asked for it: one build
        await asyncio.gather(*(prepared.after_items([n], clock.now()) for n in range(5)))
        assert len(builds) == 3
        await prepared.after_items([9], clock.now())
        assert len(builds) == 4
    finally:
        await app.close()
