"""Feeds from chat, per community, on the local feed server: add, list, remove, limits, sharing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.config import Config, FeedConfig, LimitsConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.manage import community_key
from bot.feeds.opml import parse_opml
from bot.feeds.poller import ingest_once
from bot.i18n import label
from bot.model import Reply, User
from bot.storage.communities_feeds import SHARED
from tests.conftest import FixedClock
from tests.feeds.conftest import FeedServer, NoDNS, with_feeds

ADMIN = User("a1", "admin", is_admin=True)
READER = User("r1", "reader")


@pytest.fixture
async def app(config: Config, clock: FixedClock, server: FeedServer) -> AsyncIterator[App]:
    cfg = dataclasses.replace(with_feeds(config), feeds=(FeedConfig(server.url("/good.atom"),
                                                                    "Atom fixture"),),
                              limits=LimitsConfig(feeds_per_community=2))
    application = await build_app(cfg, clock=clock,
                                  fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    yield application
    await application.close()


async def ask(app: App, line: str, *, user: User = ADMIN, community: str = "g1") -> Reply:
    request = app.router.parse_text(line, user=user, platform="discord", channel="c1",
                                    community=community)
    return await app.router.handle(request)


def text(reply: Reply) -> str:
    return "\n".join([reply.title, *(b for s in reply.sections for b in s.bullets)])


async def test_add_list_remove_in_one_community(app: App, server: FeedServer) -> None:
    url = server.url("/good.rss")
    added = await ask(app, f"/feeds add url:{url} name:goodfeed")
    assert not added.is_error, added.title
    assert "goodfeed" in added.title and "3" in added.title  # the fixture's three items
    assert server.hits("/good.rss") == 2  # checked once, then fetched and stored by the poller
    again = await ask(app, f"/feeds add url:{url}")
    assert "goodfeed" in again.title and not again.is_error  # named, not added twice
    listing = text(await ask(app, "/feeds list"))
    assert "goodfeed" in listing and "Atom fixture" in listing
    assert "in Ordnung" in listing.split("goodfeed", 1)[1].split("\n")[0]  # its health (de)
    removed = await ask(app, "/feeds remove name:goodfeed")
    assert not removed.is_error and "goodfeed" in removed.title
    assert "goodfeed" not in text(await ask(app, "/feeds list"))


async def test_second_community_neither_sees_nor_removes(app: App, server: FeedServer) -> None:
    url = server.url("/good.rss")
    assert not (await ask(app, f"/feeds add url:{url} name:goodfeed")).is_error
    assert "goodfeed" not in text(await ask(app, "/feeds list", community="g2"))
    refused = await ask(app, "/feeds remove name:goodfeed", community="g2")
    assert refused.is_error
    # the same URL followed by the second community is still one source, polled once
    assert not (await ask(app, f"/feeds add url:{url} name:mine", community="g2")).is_error
    assert [r.url for r in await app.storage.sources.list("feed")].count(url) == 1
    followed = await app.storage.feed_owners.followed()
    assert sorted(o.community for o in followed) == [community_key("discord", "g1"),
                                                      community_key("discord", "g2")]
    hits = server.hits("/good.rss")
    results = await ingest_once(app)
    assert server.hits("/good.rss") == hits + 1 and len(results) == 2  # config feed + this one


async def test_non_admin_is_refused_and_list_is_open(app: App, server: FeedServer) -> None:
    refused = await ask(app, f"/feeds add url:{server.url('/good.rss')}", user=READER)
    assert refused.is_error and server.hits("/good.rss") == 0
    assert not (await ask(app, "/feeds list", user=READER)).is_error


async def test_config_feed_is_named_and_not_removable(app: App, server: FeedServer) -> None:
    added = await ask(app, f"/feeds add url:{server.url('/good.atom')}")
    assert "Atom fixture" in added.title and added.is_error
    removed = await ask(app, "/feeds remove name:\"Atom fixture\"")
    assert removed.is_error and "Atom fixture" in removed.title


async def test_errors_are_exact_and_the_limit_holds(app: App, server: FeedServer) -> None:
    failed = await ask(app, f"/feeds add url:{server.url('/404')}")
    assert failed.is_error and "404" in failed.title
    nofeed = await ask(app, f"/feeds add url:{server.url('/page_without_feed.html')}")
    assert nofeed.is_error and "auf einen verweist" in nofeed.title  # German, from its code
    assert (await ask(app, "/feeds add url:ftp://127.0.0.1/x")).is_error
    website = await ask(app, f"/feeds add url:{server.url('/page_with_feed.html')} name:site")
    assert not website.is_error and server.url("/good.rss") in text(website)  # discovered
    assert not (await ask(app, f"/feeds add url:{server.url('/feed.json')} name:json")).is_error
    limited = await ask(app, f"/feeds add url:{server.url('/rss10.rdf')}")
    assert limited.is_error and "2" in limited.title
    assert await app.storage.feed_owners.count(community_key("discord", "g1")) == 2


async def test_shared_import_is_listed_everywhere_and_removable(app: App) -> None:
    document = parse_opml(b'<opml version="2.0"><body><outline text="Shared one" '
                          b'xmlUrl="http://127.0.0.1:9/shared.xml"/></body></opml>')
    report = await app.feeds.import_opml(SHARED, document)
    assert report.added == ["Shared one"]
    for community in ("g1", "g2"):
        listing = text(await ask(app, "/feeds list", community=community))
        assert "Shared one" in listing and "OPML" in listing
    assert (await ask(app, '/feeds remove name:"Shared one"', user=READER)).is_error
    assert not (await ask(app, '/feeds remove name:"Shared one"', community="g2")).is_error
    assert "Shared one" not in text(await ask(app, "/feeds list"))


async def test_subscriptions_per_community_limit(config: Config, clock: FixedClock) -> None:
    cfg = dataclasses.replace(config, limits=LimitsConfig(subscriptions_per_community=1))
    application = await build_app(cfg, clock=clock)
    try:
        first = await ask(application, "/subscribe time:08:00")
        assert not first.is_error, first.title
        again = await ask(application, "/subscribe time:09:00")  # a reschedule is not a new one
        assert not again.is_error, again.title
        request = application.router.parse_text("/subscribe time:08:00", user=ADMIN,
                                                platform="discord", channel="c2", community="g1")
        refused = await application.router.handle(request)
        assert refused.is_error and "subscriptions_per_community" in refused.title
        other = application.router.parse_text("/subscribe time:08:00", user=ADMIN,
                                              platform="discord", channel="c3", community="g2")
        assert not (await application.router.handle(other)).is_error
        assert await application.storage.community_subscriptions.count("discord:g1") == 1
    finally:
        await application.close()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_help_and_manifest_list_feeds(config: Config, clock: FixedClock,
                                            language: str) -> None:
    from adapters.slack.manifest import manifest_for_config  # an adapter: only this test

    cfg = dataclasses.replace(config, bot=dataclasses.replace(config.bot, language=language))
    application = await build_app(cfg, clock=clock)
    try:
        help_text = text(await ask(application, "/help"))
    finally:
        await application.close()
    assert ("/feeds add url:URL [name:NAME] | /feeds remove name:NAME | /feeds list — "
            f"{label('cmd_feeds', language)}") in help_text
    commands = manifest_for_config(cfg)["features"]["slash_commands"]
    assert "/feeds" in [c["command"] for c in commands]
