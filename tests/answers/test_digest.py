from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.app import build_app
from bot.config import Config, FeedConfig
from tests.conftest import FixedClock


async def test_failing_feed_is_named_once_in_the_next_digest(config: Config,
                                                             clock: FixedClock) -> None:
    url = "https://feeds.example.org/broken.xml"
    config = dataclasses.replace(config, feeds=(FeedConfig(url=url, name="Broken"),))
    app = await build_app(config, clock=clock)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
        source = await app.storage.sources.ensure("feed", url, "Broken", clock.now())
        await app.storage.sources.record_failure(source.id, clock.now(), "HTTP 500 from server",
                                                 next_poll=None)
        clock.advance(hours=1)
        window = await app.answers.digests.window()
        digest = await app.answers.digests.build(window, topic=None)
        assert len(digest.notices) == 1 and "Broken" in digest.notices[0]
        # the next window starts after the episode began: not mentioned again
        clock.advance(hours=25)
        later = await app.answers.digests.window(since=clock.now() - timedelta(hours=24))
        assert (await app.answers.digests.build(later, topic=None)).notices == ()
        sources = await app.answers.sources()
        assert any("Broken" in b and "500" in b for b in sources.sections[0].bullets)
    finally:
        await app.close()
