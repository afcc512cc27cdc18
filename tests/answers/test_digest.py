from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import render_reply
from bot.answers.digest import DIGEST_BUDGET, digest_reply, once
from bot.app import App, build_app
from bot.config import Config, FeedConfig
from bot.ingest import RawArticle
from bot.model import Claim, Item
from bot.storage.sources import SourceRow
from tests.briefing.facts import carried
from tests.conftest import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data"


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


@pytest.mark.parametrize("language", ["de", "en"])
async def test_seed_digest_within_budget_with_its_key_facts(seeded_app: App, language: str) -> None:
    """The issue's bar: at most 1,500 characters, no line over 400, the headline once, and every
    required fact of tests/data/seed.digest.json on one line of what people read."""
    reply = await seeded_app.answers.digest(topic=None, language=language)
    text = render_reply(reply, language=language)
    assert len(text) <= DIGEST_BUDGET, len(text)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 400
    headline = (await seeded_app.storage.items.all())[0].title
    assert text.count(headline) == 1
    spec = json.loads((DATA / "seed.digest.json").read_text(encoding="utf-8"))
    missing = [name for name, groups in spec["required"].items() if not carried(lines, groups)]
    assert missing == [], text


def test_a_claim_whose_words_the_overview_has_is_not_quoted_again() -> None:
    told = Claim(id="a", claimant="Wang", text="DeepSeek habe 50.000 H100", kind="indirect",
                 cue=None, hedged=False, hedges=(), evidence="unstated", disputes=("b",))
    other = dataclasses.replace(told, id="b", claimant=None, text="Etwas anderes", disputes=("a",))
    plain = dataclasses.replace(told, id="c", disputes=())
    overview = ["Laut Wang: DeepSeek habe 50.000 H100 Chips."]
    # b's line already says that it contradicts Wang: a adds nothing, plain says nothing new
    assert [(c.id, c.text) for c in once([told, other, plain], overview)] == [
        ("b", "Etwas anderes")]
    # with its other side not shown, a keeps who and tags (the dispute is news)
    assert [(c.id, c.text) for c in once([told, plain], overview)] == [("a", "")]


@pytest.mark.parametrize(("language", "said"), [("de", "neueste 1 Meldungen"),
                                                ("en", "newest 1 items")])
async def test_a_quiet_days_window_is_said_in_the_readers_language(
        seeded_app: App, clock: FixedClock, language: str, said: str) -> None:
    """Nothing new for a day: the digest falls back to the newest items and says so in the
    language of whoever asked, not the config's."""
    clock.advance(hours=30)
    reply = await seeded_app.answers.digest(topic=None, language=language)
    assert said in render_reply(reply, language=language)


async def test_a_quiet_days_digest_compares_its_items_with_as_many_before_not_the_store(
        config: Config, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The newest ten of a quiet day run from the oldest of them to now: "what changed" looks at
    the ten before them, not at everything stored in as long a span before."""
    app, a, _ = await _two_feeds(config, clock)
    try:
        for n in range(25):
            await app.ingest.ingest_article(a, _article(f"k{n}", f"Report number {n}",
                                                        clock.now()))
            clock.advance(hours=2)
        clock.advance(hours=48)  # a quiet day: the window is the newest ten
        read: list[int] = []
        window = app.storage.items.window

        async def counted(**kwargs: object) -> list[Item]:
            items = await window(**kwargs)  # type: ignore[arg-type]
            read.append(len(items))
            return items

        monkeypatch.setattr(app.storage.items, "window", counted)
        text = await _digest_text(app)
        assert "Report number 24" in text
        assert sum(read) <= 20, read
    finally:
        await app.close()


# --- prepared rows (bot.answers.prepared): what a reader sees follows the items ------------------

FEED_A = "http://127.0.0.1:9/a.xml"
FEED_B = "http://127.0.0.1:9/b.xml"


def _article(key: str, title: str, when: datetime) -> RawArticle:
    body = (f"{title} was reported on Monday. The company said the plan would cost 12 million "
            "euros and take two years. Critics said the timeline was too short.")
    return RawArticle(key=key, title=title, text=body, url=f"http://127.0.0.1:9/{key}",
                      published=when, language="en")


async def _two_feeds(config: Config, clock: FixedClock) -> tuple[App, SourceRow, SourceRow]:
    config = dataclasses.replace(config, feeds=(FeedConfig(FEED_A, "A"), FeedConfig(FEED_B, "B")))
    app = await build_app(config, clock=clock)
    a = await app.storage.sources.ensure("feed", FEED_A, "A", clock.now())
    b = await app.storage.sources.ensure("feed", FEED_B, "B", clock.now())
    return app, a, b


async def _digest_text(app: App, community: str | None = None) -> str:
    return render_reply(await app.answers.digest(topic=None, language="en", community=community),
                        language="en")


async def test_a_new_item_is_in_the_first_digest_after_its_ingest(config: Config,
                                                                  clock: FixedClock) -> None:
    app, a, _ = await _two_feeds(config, clock)
    try:
        await app.ingest.ingest_article(a, _article("one", "Harbour bridge closes", clock.now()))
        assert "Harbour bridge closes" in await _digest_text(app)
        row = await app.storage.answers.get("digest|all||en")
        assert row is not None and row.items_seen == await app.storage.answers.newest_item()
        clock.advance(minutes=3)
        await app.ingest.ingest_article(a, _article("two", "Tram strike ends", clock.now()))
        row = await app.storage.answers.get("digest|all||en")  # prepared by the ingest itself
        assert row is not None and row.items_seen == await app.storage.answers.newest_item()
        assert "Tram strike ends" in row.body
        text = await _digest_text(app)
        assert "Tram strike ends" in text and "Harbour bridge closes" in text
    finally:
        await app.close()


async def test_an_item_that_left_the_window_is_gone_from_the_digest(config: Config,
                                                                   clock: FixedClock) -> None:
    app, a, _ = await _two_feeds(config, clock)
    try:
        await app.ingest.ingest_article(a, _article("old", "Harbour bridge closes", clock.now()))
        clock.advance(hours=23)
        await app.ingest.ingest_article(a, _article("new", "Tram strike ends", clock.now()))
        assert "Harbour bridge closes" in await _digest_text(app)
        clock.advance(hours=2)  # the first item is 25 hours old; no ingest since
        text = await _digest_text(app)
        assert "Harbour bridge closes" not in text and "Tram strike ends" in text
    finally:
        await app.close()


async def test_a_communitys_digest_never_shows_another_communitys_sources(
        config: Config, clock: FixedClock) -> None:
    app, a, b = await _two_feeds(config, clock)
    config_a = dataclasses.replace(app.config, feeds=(FeedConfig(FEED_A, "A"),))
    await app.close()
    app = await build_app(config_a, clock=clock)  # B is no longer everyone's: G2 follows it
    try:
        await app.storage.feed_owners.add("discord:G2", b.id, "b", None, clock.now())
        await app.ingest.ingest_article(a, _article("a1", "Harbour bridge closes", clock.now()))
        await app.ingest.ingest_article(b, _article("b1", "Secret guild news", clock.now()))
        first = await _digest_text(app, "discord:G1")
        assert "Harbour bridge closes" in first and "Secret guild news" not in first
        assert "Secret guild news" in await _digest_text(app, "discord:G2")
        assert "Secret guild news" in await _digest_text(app)  # the operator sees every source
        clock.advance(minutes=3)
        await app.ingest.ingest_article(b, _article("b2", "More guild news", clock.now()))
        again = await _digest_text(app, "discord:G1")
        assert "guild news" not in again and "Harbour bridge closes" in again
        assert "More guild news" in await _digest_text(app, "discord:G2")
    finally:
        await app.close()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_prepared_digest_is_the_one_built_at_the_command(seeded_app: App,
                                                                   language: str) -> None:
    """The same reply as building it there and then (the way every digest was built before)."""
    prepared = await seeded_app.answers.digest(topic=None, language=language)
    again = await seeded_app.answers.digest(topic=None, language=language)  # from the row
    window = await seeded_app.answers.digests.window(language=language)
    built = digest_reply(await seeded_app.answers.digests.build(window, topic=None,
                                                                language=language), language)
    assert prepared == built and again == built
    topic = await seeded_app.answers.digest(topic="deepseek", language=language)
    assert topic == digest_reply(await seeded_app.answers.digests.build(
        window, topic="deepseek", language=language), language)


async def test_a_row_built_before_the_newest_item_is_not_read(config: Config,
                                                              clock: FixedClock) -> None:
    """Another worker stored an item and has not prepared the rows yet: the row that does not
    know that item is built again, not answered."""
    app, a, _ = await _two_feeds(config, clock)
    try:
        await app.ingest.ingest_article(a, _article("one", "Harbour bridge closes", clock.now()))
        await _digest_text(app)
        before = await app.storage.answers.get("digest|all||en")
        assert before is not None
        clock.advance(minutes=3)
        await app.ingest.ingest_article(a, _article("two", "Tram strike ends", clock.now()))
        await app.storage.answers.put(before)  # as if this ingest had prepared nothing
        assert "Tram strike ends" in await _digest_text(app)
    finally:
        await app.close()


async def test_a_digest_showing_an_old_claim_disputed_today_is_current_when_built(
        config: Config, clock: FixedClock) -> None:
    """An older claim is shown because a dispute of it was found in the window: the row leaves
    its window with that dispute, not at the claim's first sighting (long past), so it is
    current when built and read without a rebuild."""
    app, a, b = await _two_feeds(config, clock)
    try:
        for source, key, text in (
                (a, "berg", "Mayor Anna Berg said the harbour bridge would reopen in May."),
                (b, "lind", "Engineer Tom Lind said the harbour bridge would stay closed for "
                            "another year.")):
            await app.ingest.ingest_article(source, RawArticle(
                key=key, title=key, text=text, url=f"http://127.0.0.1:9/{key}",
                published=clock.now(), language="en"))
        old = await app.storage.claims.list()
        assert len(old) == 2
        clock.advance(hours=30)
        await app.ingest.ingest_article(a, _article("new", "Tram strike ends", clock.now()))
        async with app.storage.db.transaction():
            await app.storage.claims.add_disputes([(old[0].id, old[1].id, "{}")], clock.now())
        await app.answers.claim_ledger.update_ranks([])
        await app.storage.answers.expire_all()
        await _digest_text(app)
        row = await app.storage.answers.get("digest|all||en")
        assert row is not None
        body = json.loads(row.body)
        shown = {c["id"] for c in body["parts"].get("new_claims", [])}
        assert shown & {c.id for c in old}, "the disputed old claim is among the digest's claims"
        assert row.valid_until > row.prepared_at, "born current, not already out of its window"
    finally:
        await app.close()


async def test_retention_leaves_no_prepared_digest_current(config: Config,
                                                           clock: FixedClock) -> None:
    """Deleting items changes no newest id: the rows built before are marked out of date."""
    app, a, _ = await _two_feeds(config, clock)
    try:
        await app.ingest.ingest_article(a, _article("one", "Harbour bridge closes", clock.now()))
        assert "Harbour bridge closes" in await _digest_text(app)
        await app.answers.digests.expire_prepared()
        row = await app.storage.answers.get("digest|all||en")
        assert row is not None and row.items_seen != await app.storage.answers.newest_item()
    finally:
        await app.close()
