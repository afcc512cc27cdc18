"""Article pages of teaser items: the address rule after normalisation (issue 14, case 1), their own
deadline and concurrency limit (case 7), and the text bound (case 9), on the loopback servers."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.app import App, build_app
from bot.config import Config, FeedConfig, TextConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import ingest_once
from tests.conftest import FixedClock
from tests.feeds.conftest import RSS, FeedServer, NoDNS, disguised_loopback, teasers, with_feeds

LOOPBACK = ipaddress.ip_address("127.0.0.1")
MakeApp = Callable[..., Awaitable[App]]


@pytest.fixture
async def make_app(config: Config, clock: FixedClock, server: FeedServer
                   ) -> AsyncIterator[MakeApp]:
    """Apps whose fetcher trusts only the feed server's own port (the rule stays on elsewhere)."""
    apps: list[App] = []

    async def make(*paths: str, text: TextConfig | None = None, **fetch: object) -> App:
        cfg = with_feeds(config, *(server.url(p) for p in paths), **fetch)
        if text is not None:
            cfg = dataclasses.replace(cfg, text=text)
        assert server.server is not None
        fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS(),
                              trusted=[(LOOPBACK, server.server.port)])
        app = await build_app(cfg, clock=clock, fetcher=fetcher)
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.close()


async def test_teaser_link_to_disguised_loopback_not_fetched(
    server: FeedServer, target: FeedServer, make_app: MakeApp
) -> None:
    assert target.server is not None
    links = [url + "article.html" for url in disguised_loopback(target.server.port).values()]
    server.bodies["/t.rss"] = (teasers(*links), RSS)
    app = await make_app("/t.rss", allow_private_networks=False)
    (result,) = await ingest_once(app)
    assert result.new == len(links), result.line()
    assert "kept without full text (article page not fetched: refused:" in result.line()
    assert "is not a public address" in result.line()
    assert target.requests == []
    assert all("Bernstein" not in item.text for item in await app.storage.items.all())


async def test_teaser_link_to_loopback_fetched_when_private_networks_allowed(
    server: FeedServer, target: FeedServer, make_app: MakeApp
) -> None:
    assert target.server is not None
    (url,) = list(disguised_loopback(target.server.port).values())[:1]
    server.bodies["/t.rss"] = (teasers(url + "article.html"), RSS)
    app = await make_app("/t.rss", allow_private_networks=True)
    (result,) = await ingest_once(app)
    assert result.error is None and not result.warnings, result.line()
    assert target.hits("/article.html") == 1
    (stored,) = await app.storage.items.all()
    assert "Bernstein" in stored.text


async def test_slow_article_page_gives_up_at_its_own_deadline(
    server: FeedServer, make_app: MakeApp
) -> None:
    """A page sending a byte every 0.1 s never trips the read deadline; the page deadline ends it
    (the fetch's own total of 10 s would have let it run on)."""
    server.bodies["/t.rss"] = (teasers(server.url("/trickle/1?pause=0.1")), RSS)
    app = await make_app("/t.rss", read_timeout=5.0, full_text_timeout=0.5)
    (result,) = await ingest_once(app)
    assert result.new == 1
    assert "it took longer than 0.5 s ([fetch] full_text_timeout)" in result.line(), result.line()
    (stored,) = await app.storage.items.all()
    assert stored.text.startswith("Analysts question")  # the teaser stands in
    assert server.trickling == []


async def test_article_pages_at_once_are_limited_over_all_feeds(
    server: FeedServer, make_app: MakeApp
) -> None:
    """full_text_concurrency = 2: two pages at once in all, one feed holding at most one."""
    for feed in ("a", "b"):
        server.bodies[f"/{feed}.rss"] = (teasers(*(
            server.url(f"/trickle/{feed}{n}?pause=0.05") for n in range(3)), feed=feed), RSS)
    app = await make_app("/a.rss", "/b.rss", read_timeout=5.0, full_text_timeout=0.4,
                         full_text_concurrency=2)
    results = await ingest_once(app)
    assert [r.new for r in results] == [3, 3]
    assert len([r for r in server.requests if r.path.startswith("/trickle/")]) == 6
    assert server.most_trickling <= 2, server.most_trickling
    per_feed = {r.path[len("/trickle/"):][0] for r in server.requests if r.path.startswith("/trickle")}
    assert per_feed == {"a", "b"}


async def test_article_page_text_cut_at_max_chars_with_a_log_line(
    server: FeedServer, make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    paragraph = ("DeepSeek said the model was trained on 2,048 chips over two months, and analysts "
                 "at Bernstein said the figure covered only the final run. ")
    page = ("<html><body><article>" + "".join(f"<p>Part {n}. {paragraph * 3}</p>" for n in range(60))
            + "</article></body></html>")
    server.bodies["/long.html"] = (page.encode(), "text/html; charset=utf-8")
    server.bodies["/t.rss"] = (teasers(server.url("/long.html")), RSS)
    app = await make_app("/t.rss", text=TextConfig(max_chars=5_000))
    with caplog.at_level(logging.WARNING):
        (result,) = await ingest_once(app)
    assert result.new == 1
    (stored,) = await app.storage.items.all()
    assert 4_500 <= len(stored.text) <= 5_000
    assert any("cut at" in r.getMessage() and "[text] max_chars" in r.getMessage()
               for r in caplog.records)


async def test_feed_item_text_cut_at_max_chars(server: FeedServer, make_app: MakeApp) -> None:
    body = "Die Bundesregierung hat am Montag ein neues Gesetz beschlossen. " * 200
    server.bodies["/f.rss"] = ((
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
        f"<item><title>Lang</title><guid>f-1</guid><description>{body}</description></item>"
        "</channel></rss>").encode(), RSS)
    app = await make_app("/f.rss", text=TextConfig(max_chars=3_000))
    (result,) = await ingest_once(app)
    assert result.new == 1, result.line()
    (stored,) = await app.storage.items.all()
    assert len(stored.text) <= 3_000 and stored.text.startswith("Die Bundesregierung")


def test_feed_config_types() -> None:
    """The test helper names real keys (a typo would silently test nothing)."""
    assert {"full_text_timeout", "full_text_concurrency"} <= {
        f.name for f in dataclasses.fields(with_feeds(Config(), "http://127.0.0.1/").fetch)}
    assert FeedConfig(url="x").interval is None
