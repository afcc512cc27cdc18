"""Feed alerts: announced once after [fetch] alert_after_hours of failure, once on recovery, only in
the channels of the communities that follow the feed (all channels for config feeds)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import App, build_app
from bot.config import Config, FeedConfig
from bot.delivery.feed_alerts import FeedAlerts
from bot.delivery.publishers import Publishers
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from bot.model import User
from tests.adapters.test_golden import label_words
from tests.conftest import FixedClock
from tests.fakes.delivery import RecordingPublisher
from tests.feeds.conftest import RSS, FeedServer, NoDNS, serving, with_feeds

ADMIN = User("a1", "admin", is_admin=True)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FeedServer]:
    async with serving(FeedServer(tmp_path / "secret.txt")) as feeds:
        yield feeds


@pytest.fixture
async def setup(config: Config, clock: FixedClock,
                server: FeedServer) -> AsyncIterator[tuple[App, RecordingPublisher]]:
    server.bodies["/flaky.rss"] = (server.fixture("good.rss"), RSS)
    cfg = dataclasses.replace(with_feeds(config),
                              feeds=(FeedConfig(server.url("/flaky.rss"), "Flaky"),))
    publisher = RecordingPublisher("discord")
    app = await build_app(cfg, clock=clock, publishers=[publisher],
                          fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    yield app, publisher
    await app.close()


async def subscribe(app: App, channel: str, community: str) -> None:
    request = app.router.parse_text("/subscribe time:08:00", user=ADMIN, platform="discord",
                                    channel=channel, community=community)
    assert not (await app.router.handle(request)).is_error


async def failing_for_a_day(app: App, clock: FixedClock,
                            publisher: RecordingPublisher) -> FeedAlerts:
    """Polls now and 25 hours later (past alert_after_hours), then the alerts to run."""
    await ingest_once(app)
    clock.advance(hours=25)
    await ingest_once(app)
    return FeedAlerts(app.config, app.storage, clock, Publishers([publisher]))


async def test_down_once_then_up_once(setup: tuple[App, RecordingPublisher], clock: FixedClock,
                                      server: FeedServer) -> None:
    app, publisher = setup
    await subscribe(app, "c1", "g1")
    await subscribe(app, "c2", "g2")
    await ingest_once(app)
    server.overrides["/flaky.rss"] = lambda request: web.Response(status=500, text="boom")
    await ingest_once(app)
    alerts = FeedAlerts(app.config, app.storage, clock, Publishers([publisher]))
    assert await alerts.run() == 0  # failing, but not for 24 hours yet
    clock.advance(hours=25)
    await ingest_once(app)
    assert await alerts.run() == 2  # the config feed's items go to both channels
    assert await alerts.run() == 0
    second = FeedAlerts(app.config, app.storage, clock, Publishers([publisher]))
    assert await second.run() == 0  # another process: the delivery log says it is done
    assert sorted(p.target.channel for p in publisher.posts) == ["c1", "c2"]
    assert all("Flaky" in p.reply.title and "500" in p.reply.title for p in publisher.posts)
    del server.overrides["/flaky.rss"]
    clock.advance(hours=1)
    await ingest_once(app)
    assert await alerts.run() == 2 and await second.run() == 0
    assert len(publisher.posts) == 4


async def test_chat_feed_is_announced_only_in_its_community(
        setup: tuple[App, RecordingPublisher], clock: FixedClock, server: FeedServer) -> None:
    app, publisher = setup
    await subscribe(app, "c1", "g1")
    await subscribe(app, "c2", "g2")
    server.bodies["/own.rss"] = (server.fixture("good.rss"), RSS)
    request = app.router.parse_text(f"/feeds add url:{server.url('/own.rss')} name:own",
                                    user=ADMIN, platform="discord", channel="c1", community="g1")
    assert not (await app.router.handle(request)).is_error
    server.overrides["/own.rss"] = lambda request: web.Response(status=404, text="gone")
    alerts = await failing_for_a_day(app, clock, publisher)
    assert await alerts.run() == 1
    assert [p.target.channel for p in publisher.posts] == ["c1"]
    assert "own" in publisher.posts[0].reply.title


async def test_alerts_are_written_in_each_communitys_language(
        setup: tuple[App, RecordingPublisher], clock: FixedClock, server: FeedServer) -> None:
    app, publisher = setup
    await subscribe(app, "c1", "g1")  # the config's language: de
    await subscribe(app, "c2", "g2")
    await app.answers.set_language("discord", "g2", "en")
    await ingest_once(app)
    server.overrides["/flaky.rss"] = lambda request: web.Response(status=500, text="boom")
    alerts = await failing_for_a_day(app, clock, publisher)
    assert await alerts.run() == 2
    said = {p.target.channel: p.reply for p in publisher.posts}
    assert said["c1"].language == "de" and "schlägt seit 10.01.2026" in said["c1"].title
    assert said["c2"].language == "en" and "failing since 2026-01-10" in said["c2"].title
    (row,) = await app.storage.sources.failing()
    assert row.last_error and "HTTP 500" in row.last_error  # the fetcher's detail, for the log
    # the error in the community's words too, from its stored code
    assert "der Server antwortete mit HTTP 500" in said["c1"].title
    assert "the server answered HTTP 500" in said["c2"].title
    for reply, other in ((said["c1"], "en"), (said["c2"], "de")):
        assert not leaked(reply.title, other), reply.title


def leaked(text: str, language: str) -> set[str]:
    """Label words of ``language`` in ``text`` (the leak check of tests/adapters/test_golden)."""
    foreign = label_words(language)
    return {w for w in re.findall(r"[^\W\d_]{4,}", text) if w.casefold() in foreign}
