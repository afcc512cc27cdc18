"""Polling end to end on the local server: store, dedupe, update, no flood, full text, health."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.app import App, build_app
from bot.config import Config, FeedConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.health import SourceHealth, failure_notices, source_health
from bot.feeds.poller import FeedPoller, FeedResult, ingest_once
from tests.conftest import FixedClock
from tests.feeds.conftest import RSS, FeedServer, NoDNS, with_feeds

MakeApp = Callable[..., Awaitable[App]]


@pytest.fixture
async def make_app(config: Config, clock: FixedClock) -> AsyncIterator[MakeApp]:
    apps: list[App] = []

    async def make(*urls: str, **fetch: object) -> App:
        cfg = with_feeds(config, *urls, **fetch)
        fetcher = HttpFetcher(cfg.fetch, inner_resolver=NoDNS())
        app = await build_app(cfg, clock=clock, fetcher=fetcher)
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.close()


def rss(*items: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>M</title>'
            + "".join(items) + "</channel></rss>").encode()


def item(n: int, *, text: str = "", date: str = "Tue, 28 Jan 2025 08:00:00 GMT",
         link: str | None = None, guid: bool = True) -> str:
    body = text or (f"Item {n} says that DeepSeek released a model, analysts said. " * 12)
    return (f"<item><title>Item {n}</title><link>{link or f'https://m.example/{n}'}</link>"
            + (f"<guid isPermaLink='false'>m-{n}</guid>" if guid else "")
            + f"<pubDate>{date}</pubDate><description>{body}</description></item>")


async def test_good_feeds_then_a_second_ingest_adds_nothing(
    server: FeedServer, make_app: MakeApp
) -> None:
    app = await make_app(server.url("/good.rss"), server.url("/good.atom"),
                         server.url("/feed.json"))
    first = await ingest_once(app)
    assert [(r.status, r.new) for r in first] == [("new", 3), ("new", 2), ("new", 2)]
    assert await app.storage.items.count() == 7
    stored = {i.title: i for i in await app.storage.items.all()}
    nvidia = stored["Nvidia shares fall after DeepSeek release"]
    assert nvidia.url == "https://news.example/nvidia"  # tracking parameters gone
    assert "600 billion dollars" in nvidia.text and "<" not in nvidia.text
    second = await ingest_once(app)
    assert [(r.new, r.updated, r.unchanged) for r in second] == [(0, 0, 3), (0, 0, 2), (0, 0, 2)]
    assert all(r.line().endswith("0 new, 0 updated, 3 unchanged") for r in second[:1])
    assert await app.storage.items.count() == 7


async def test_conditional_get_on_the_next_poll(server: FeedServer, make_app: MakeApp) -> None:
    app = await make_app(server.url("/etag.rss"))
    await ingest_once(app)
    (again,) = await ingest_once(app)
    assert again.not_modified and "not modified" in again.line()
    assert server.requests[-1].headers.get("If-None-Match") == '"v1"'


async def test_updated_item_is_updated_not_duplicated(
    server: FeedServer, make_app: MakeApp, clock: FixedClock
) -> None:
    server.bodies["/m.rss"] = (rss(item(1), item(2)), RSS)
    app = await make_app(server.url("/m.rss"))
    await ingest_once(app)
    before = {i.key: i for i in await app.storage.items.all()}
    clock.advance(hours=1)
    server.bodies["/m.rss"] = (rss(item(1, text="Item 1 was corrected: the CEO said so. " * 10),
                                   item(2)), RSS)
    (result,) = await ingest_once(app)
    assert (result.new, result.updated, result.unchanged) == (0, 1, 1)
    after = {i.key: i for i in await app.storage.items.all()}
    assert after.keys() == before.keys()
    changed = after["guid:1:m-1"]
    assert "corrected" in changed.text
    assert changed.ingested_at == before["guid:1:m-1"].ingested_at  # never a second digest entry
    assert changed.id == before["guid:1:m-1"].id


async def test_same_article_in_two_feeds_is_one_item_per_feed(server: FeedServer,
                                                              make_app: MakeApp) -> None:
    """Identity is per source (issue 14, case 3): the story clustering groups the two items."""
    server.bodies["/a.rss"] = (rss(item(7, link="https://m.example/7?utm_source=a", guid=False)),
                               RSS)
    server.bodies["/b.rss"] = (rss(item(7, link="HTTPS://M.example/7?utm_campaign=b#top",
                                        guid=False)), RSS)
    app = await make_app(server.url("/a.rss"), server.url("/b.rss"))
    results = await ingest_once(app)
    assert sorted((r.new, r.unchanged) for r in results) == [(1, 0), (1, 0)]
    stored = await app.storage.items.all()
    assert len(stored) == 2 and len({i.source_id for i in stored}) == 2
    assert len({i.key for i in stored}) == 1  # one article: the same canonical link


async def test_new_feed_does_not_flood_digests(server: FeedServer, make_app: MakeApp,
                                               clock: FixedClock) -> None:
    recent = [item(n, date=f"Tue, 28 Jan 2025 0{n}:00:00 GMT") for n in range(8, 0, -1)]
    old = [item(n, date="Fri, 24 Jan 2025 08:00:00 GMT") for n in (20, 21)]
    server.bodies["/flood.rss"] = (rss(*recent, *old), RSS)
    app = await make_app(server.url("/flood.rss"))
    (result,) = await ingest_once(app)
    assert (result.new, result.held_back) == (10, 5)
    eligible = await app.storage.items.window()
    assert sorted(i.title for i in eligible) == [f"Item {n}" for n in (4, 5, 6, 7, 8)]
    since = clock.now() - timedelta(days=7)
    assert len(await app.storage.items.published_window(since=since)) == 10  # --since sees all
    clock.advance(minutes=30)
    server.bodies["/flood.rss"] = (rss(item(9, date="Tue, 28 Jan 2025 09:15:00 GMT"), *recent),
                                   RSS)
    (later,) = await ingest_once(app)
    assert (later.new, later.held_back) == (1, 0)


async def test_teaser_item_gets_the_article_page(server: FeedServer, make_app: MakeApp) -> None:
    app = await make_app(server.url("/teaser.rss"))
    (result,) = await ingest_once(app)
    assert result.new == 1, result.line()
    (stored,) = await app.storage.items.all()
    assert "Bernstein" in stored.text and "2,048 Nvidia H800 chips" in stored.text
    assert "Copyright" not in stored.text and "Markets" not in stored.text
    state = (await app.storage.items.feed_states([stored.key], source_id=stored.source_id))[
        stored.key]
    assert state[3] is not None and state[3].startswith("Analysts question")
    (again,) = await ingest_once(app)
    assert again.unchanged == 1 and server.hits("/article.html") == 1


async def test_website_url_resolved_to_its_feed(server: FeedServer, make_app: MakeApp) -> None:
    app = await make_app(server.url("/page_with_feed.html"), server.url("/page_without_feed.html"))
    poller = FeedPoller.from_app(app, app.fetcher)  # type: ignore[arg-type]
    found, missing = await poller.poll_all()
    assert found.new == 3 and found.error is None
    assert found.line().endswith(f"(feed found at {server.url('/good.rss')})")
    (again, _) = await poller.poll_all()
    assert again.unchanged == 3 and server.hits("/page_with_feed.html") == 1  # remembered
    assert missing.error == "an HTML page, not a feed, and it links to no feed"


async def test_hostile_and_malformed_feeds(server: FeedServer, make_app: MakeApp) -> None:
    app = await make_app(server.url("/laughs.xml"), server.url("/xxe.xml"),
                         server.url("/truncated.xml"), server.url("/latin1_declared_utf8.xml"))
    laughs, xxe, truncated, latin1 = await ingest_once(app)
    texts = " ".join(i.title + i.text for i in await app.storage.items.all())
    assert "TOP-SECRET" not in texts and "lollollol" not in texts
    assert server.hits("/secret") == 0 and server.hits("/secret.dtd") == 0
    assert truncated.new >= 1 and "recovered" in truncated.line()
    assert latin1.new == 3 and "encoding" in latin1.line()
    assert "Exportkontrollen für Chips: Überprüfung" in texts
    assert laughs.error is None and xxe.error is None


BROKEN = ["/429", "/500", "/404", "/loop-a", "/slow", "/endless", "/empty",
          "/page_without_feed.html", "/hop0", "/to-file", "/ua"]


async def test_a_dozen_broken_feeds_beside_a_good_one(
    server: FeedServer, make_app: MakeApp
) -> None:
    urls = [server.url(p) for p in BROKEN] + ["http://127.0.0.1:1/closed.rss",
                                               server.url("/good.rss")]
    app = await make_app(*urls, max_bytes=30_000, max_redirects=3)
    results = await ingest_once(app)
    *broken, good = results
    assert good.new == 3 and good.error is None
    assert len(broken) == 12 and all(r.error for r in broken)
    reasons = {r.url.rsplit("/", 1)[-1]: r.error for r in broken}
    assert reasons["429"] == "HTTP 429 Too Many Requests (retry after 7200 s)"
    assert reasons["500"] == "HTTP 500 Internal Server Error"
    assert reasons["loop-a"] == "redirect loop"
    assert reasons["slow"] is not None and reasons["slow"].startswith("timed out")
    assert reasons["endless"] is not None and "size limit" in reasons["endless"]
    assert reasons["empty"] == "the server sent an empty body"
    assert reasons["hop0"] == "more than 3 redirects"
    assert reasons["to-file"] is not None and "only http and https" in reasons["to-file"]
    assert reasons["ua"] == "not a feed (neither RSS, Atom nor JSON Feed)"
    assert reasons["closed.rss"] is not None and "cannot connect" in reasons["closed.rss"]
    for r in results:
        line = r.line()
        assert "\n" not in line and "Traceback" not in line and r.url in line


async def test_backoff_retry_after_health_and_notices(
    server: FeedServer, make_app: MakeApp, clock: FixedClock
) -> None:
    server.bodies["/flaky.rss"] = (b"", RSS)
    app = await make_app(server.url("/flaky.rss"), server.url("/429"))
    start = clock.now()
    poller = FeedPoller.from_app(app, app.fetcher)  # type: ignore[arg-type]
    await poller.poll_all()
    flaky, limited = await app.storage.sources.list()
    assert limited.next_poll is not None and limited.next_poll - start >= timedelta(hours=2)
    first_delay = flaky.next_poll - start  # type: ignore[operator]
    assert timedelta(minutes=15) <= first_delay <= timedelta(minutes=17)
    clock.current = flaky.next_poll  # type: ignore[assignment]
    assert [r.url for r in await poller.poll_due()] == [flaky.url]  # the 429 feed is not due
    flaky2 = (await app.storage.sources.list())[0]
    assert flaky2.consecutive_failures == 2
    assert flaky2.next_poll - clock.now() >= 2 * first_delay * 0.9  # type: ignore[operator]
    assert flaky2.failing_since == start  # the episode began with the first failure
    health = {h.url: h for h in await source_health(app.storage, app.config)}
    assert "failing since 2025-01-28 09:00 UTC (2 times in a row)" in health[flaky.url].line()
    # one notice per episode: in the digest after it began, not in the next one
    notices = await failure_notices(app.storage, since=start - timedelta(days=1))
    assert len(notices) == 2 and "the server sent an empty answer" in notices[0]
    assert await failure_notices(app.storage, since=clock.now()) == []
    server.bodies["/flaky.rss"] = (rss(item(1)), RSS)
    clock.advance(hours=1)
    (ok,) = [r for r in await poller.poll_due() if r.url == flaky.url]
    assert ok.new == 1
    healed = (await app.storage.sources.list())[0]
    assert healed.consecutive_failures == 0 and healed.failing_since is None
    assert "ok, last success" in SourceHealth.from_row(healed).line()


async def test_internal_error_in_one_feed_does_not_stop_others(
    server: FeedServer, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.bodies["/x.rss"] = (rss(item(1)), RSS)
    app = await make_app(server.url("/x.rss"), server.url("/good.atom"))
    import bot.feeds.poller as poller_module

    real = poller_module.parse_feed

    def broken(body: bytes, headers: object, url: str) -> object:
        if url.endswith("/x.rss"):
            raise RuntimeError("bug")
        return real(body, headers, url)  # type: ignore[arg-type]

    monkeypatch.setattr(poller_module, "parse_feed", broken)
    bad, good = await ingest_once(app)
    assert bad.error == "internal error (RuntimeError: bug)" and good.new == 2


def test_result_lines() -> None:
    r = FeedResult(name="Heise", url="https://heise.example/rss", new=2, held_back=1, unchanged=3,
                   warnings=["malformed feed (syntax error); 5 items recovered"])
    assert r.line() == ("feed Heise (https://heise.example/rss): 2 new (1 kept out of digests as "
                        "old), 0 updated, 3 unchanged — warning: malformed feed (syntax error); "
                        "5 items recovered")
    assert FeedResult(name="u", url="u", error="timed out").line() == "feed u: error — timed out"


async def test_named_feed_in_health(server: FeedServer, make_app: MakeApp,
                                    config: Config) -> None:
    app = await make_app(server.url("/good.rss"))
    app = dataclasses.replace(app, config=dataclasses.replace(  # the App is frozen: a renamed copy
        app.config, feeds=(FeedConfig(server.url("/good.rss"), name="Good"),)))
    await ingest_once(app)
    (health,) = await source_health(app.storage, app.config)
    assert health.name == "Good" and health.ok and "Good (" in health.line()


async def test_cli_ingest_once_with_broken_feeds(
    server: FeedServer, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """``briefbot ingest --once``: exit 0, one line per feed, reasons, never a traceback."""
    import asyncio
    from pathlib import Path

    from bot.cli import main
    from tests.conftest import SEEDS

    base = Path(str(tmp_path))
    feeds = "".join(f'[[feeds]]\nurl = "{server.url(p)}"\n\n' for p in [*BROKEN, "/good.rss"])
    config = base / "config.toml"
    config.write_text(
        f'[storage]\ndatabase = "{base / "db.sqlite"}"\n\n[seeds]\ndirectory = "{SEEDS}"\n\n'
        "[fetch]\nallow_private_networks = true\nread_timeout = 0.3\nmax_bytes = 30000\n"
        f"max_redirects = 3\n\n{feeds}"
    )
    code = await asyncio.to_thread(main, ["--config", str(config), "ingest", "--once"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("feed ")]
    assert len(lines) == len(BROKEN) + 1
    assert sum(": error — " in line for line in lines) == len(BROKEN)
    assert ": 3 new (3 kept out of digests as old), 0 updated" in lines[-1]  # wall clock: old
    assert "Traceback" not in out + err


async def test_retention_prunes_old_feed_items(server: FeedServer, make_app: MakeApp,
                                               clock: FixedClock) -> None:
    from bot.run import ingest_everything

    server.bodies["/r.rss"] = (rss(item(1), item(2)), RSS)
    app = await make_app(server.url("/r.rss"))
    await ingest_once(app)
    clock.advance(days=app.config.storage.keep_days + 1)
    server.bodies["/r.rss"] = (rss(item(3, date="Sat, 01 Mar 2025 08:00:00 GMT")), RSS)
    lines = await ingest_everything(app)
    assert any(line.startswith("retention: 2 feed items") for line in lines), lines
    assert [i.title for i in await app.storage.items.all() if i.key.startswith("guid:")] == [
        "Item 3"]


async def test_poll_due_polls_nothing_before_its_time(
    server: FeedServer, make_app: MakeApp, clock: FixedClock
) -> None:
    app = await make_app(server.url("/good.rss"))
    from bot.feeds.poller import poller_for

    poller = poller_for(app)
    assert [r.new for r in await poller.poll_due()] == [3]
    clock.advance(minutes=5)
    assert await poller.poll_due() == []
    clock.advance(minutes=15)
    assert [r.unchanged for r in await poller.poll_due()] == [3]
