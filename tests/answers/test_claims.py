"""The claims ranked at ingest (``bot.claims.ranks``) give every reader what the whole-ledger
computation gives (``ledger_claims`` -> ``Audiences.claims`` -> ``filter_claims`` -> ``rank``):
every ``/claims`` filter and page for every community, the claimant autocomplete, a topic's top
claims, the digest's new claims and a live post's claims, on SQLite and (with
BRIEFBOT_TEST_BACKEND=postgresql) on PostgreSQL. Rows are made claim by claim as items arrive, and
made again after an item changes and after a feed is followed."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

import bot.answers.claims as claims_module
from bot.answers.claims import ClaimAnswers, _View
from bot.app import App, build_app
from bot.briefing.digest import claim_changes
from bot.claims.query import ledger_claims, rank
from bot.claims.ranks import Scopes
from bot.config import Config, FeedConfig
from bot.delivery.audience import EVERYONE, Audience
from bot.errors import CommandError
from bot.feeds.manage import AddOutcome
from bot.ingest import RawArticle
from bot.model import Claim, Item, Reply, User
from bot.storage.communities_feeds import SHARED
from bot.storage.sources import SourceRow
from tests.conftest import FixedClock

TEXTS = sorted((Path(__file__).parent.parent / "data" / "claims").glob("*.txt"))
CONFIG_URL, SHARED_URL = "http://127.0.0.1:9/config.rss", "http://127.0.0.1:9/shared.rss"
A_URL, B_URL = "http://127.0.0.1:9/a.rss", "http://127.0.0.1:9/b.rss"
B2_URL = "http://127.0.0.1:9/b2.rss"
A, B, NOBODY = "discord:G1", "discord:G2", "discord:G3"
OWNERS = {CONFIG_URL: None, SHARED_URL: SHARED, A_URL: A, B_URL: B, B2_URL: B}
COMMUNITIES = (None, A, B, NOBODY)
FILTERS = (
    {}, {"status": "disputed"}, {"status": "no_evidence"}, {"status": "hedged"},
    {"topic": "deepseek"}, {"topic": "DeepSeek", "status": "no-evidence"}, {"topic": "nothing"},
    {"claimant": "wang"}, {"claimant": "altman"}, {"claimant": "article"},
    {"claimant": "musk", "status": "hedged"}, {"claimant": "trump", "topic": "deepseek"},
)


class WholeLedger(ClaimAnswers):
    """Today's reads: never the ranks, always the whole ledger."""

    async def _view(self, audience: Audience) -> _View | None:
        return None

    async def _ready_scopes(self) -> Scopes | None:
        return None


def _placement(i: int) -> list[tuple[str, str]]:
    """(feed, item link) of text ``i``: most in one feed, some in two, one link in two feeds."""
    feeds = list(OWNERS)
    first = feeds[i % len(feeds)]
    out = [(first, f"http://127.0.0.1:9/{i}")]
    if i % 3 == 0:
        out.append((feeds[(i + 1) % len(feeds)], f"http://127.0.0.1:9/{i}-again"))
    if i % 5 == 1:
        out.append((feeds[(i + 2) % len(feeds)], f"http://127.0.0.1:9/{i}"))  # same link
    return out


async def _sources(app: App, clock: FixedClock) -> dict[str, SourceRow]:
    rows = {}
    for url, owner in OWNERS.items():
        row = await app.storage.sources.ensure("feed", url, url, clock.now())
        if owner is not None:
            await app.storage.feed_owners.add(owner, row.id, url.rsplit("/", 1)[1], None,
                                              clock.now())
        rows[url] = row
    return rows


async def _ingest(app: App, clock: FixedClock, rows: dict[str, SourceRow]) -> None:
    for i, path in enumerate(TEXTS):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        for feed, link in _placement(i):
            clock.advance(minutes=37)
            await app.ingest.ingest_article(rows[feed], RawArticle(
                key=link, title=title, text=body, url=link, published=clock.now(),
                language=path.name[:2]))


@pytest.fixture
async def ledger_app(config: Config, clock: FixedClock) -> AsyncIterator[App]:
    """Every claim fixture, in five feeds (config, shared, guild A's, guild B's two), some in two;
    ranked item by item as they arrive."""
    config = dataclasses.replace(config, feeds=(FeedConfig(CONFIG_URL, "konfig"),))
    app = await build_app(config, clock=clock)
    try:
        await _ingest(app, clock, await _sources(app, clock))
        yield app
    finally:
        await app.close()


async def _pages(answers: ClaimAnswers, community: str | None,
                 filters: dict[str, str]) -> list[Reply | str]:
    """Every page (and the error past the last) of /claims with ``filters``."""
    out: list[Reply | str] = []
    page = 1
    while True:
        try:
            reply = await answers.page(claimant=filters.get("claimant"),
                                       status=filters.get("status"), topic=filters.get("topic"),
                                       page=page, community=community)
        except CommandError as e:
            out.append(str(e))
            return out
        out.append(reply)
        page += 1


async def _readers(app: App) -> list[Audience]:
    audiences = app.answers.claim_ledger.audiences
    narrowed = (await audiences.of(A)).named(["a.rss", "konfig"])
    return [EVERYONE, *[await audiences.of(c) for c in COMMUNITIES[1:]], narrowed]


async def _assert_same_reads(app: App) -> None:
    ranked = app.answers.claim_ledger
    whole = WholeLedger(app.config, app.storage)
    for community in COMMUNITIES:
        assert await ranked._view(await ranked.audiences.reader(community)) is not None
        for filters in FILTERS:
            assert await _pages(ranked, community, filters) == \
                await _pages(whole, community, filters), (community, filters)
        for typed in ("", "a", "wa", "Altmann", "zzz"):
            assert await ranked.complete_claimant(typed, community=community) == \
                await whole.complete_claimant(typed, community=community)
    for audience in await _readers(app):
        assert await _filtered_differences(app, audience) == [], audience
        await _assert_same_window_claims(app, ranked, whole, audience)
        assert await _live_claims(app, audience) == await _live_claims_whole(app, audience)


async def _filtered_differences(app: App, audience: Audience) -> list[tuple[object, ...]]:
    """The filters and limits for which ``filtered`` (a topic's top claims, ``claims --json``)
    differs between the ranks and the whole ledger. The ranked side never reads the whole ledger
    (a narrowed reader too: it reads the widest scope's rows), so it cannot agree by reading it."""
    ranked = app.answers.claim_ledger
    whole = WholeLedger(app.config, app.storage)

    async def no_whole_ledger() -> list[Claim]:
        raise AssertionError("the ranked read fell back to the whole ledger")

    out: list[tuple[object, ...]] = []
    for filters in FILTERS:
        for limit in (1, 5, None):
            expected = await whole.filtered(**filters, audience=audience, limit=limit)
            ranked._whole_ledger = no_whole_ledger  # type: ignore[method-assign]
            try:
                got = await ranked.filtered(**filters, audience=audience, limit=limit)
            finally:
                del ranked._whole_ledger
            if got != expected:
                out.append((filters, limit, [c.id for c in got], [c.id for c in expected]))
    return out


async def _assert_same_window_claims(app: App, ranked: ClaimAnswers, whole: ClaimAnswers,
                                     audience: Audience) -> None:
    disputes = await app.storage.claims.disputes()
    first = min(d.found_at for d in disputes)
    for since, hours in ((first - timedelta(hours=3), 6), (first, 48), (first, 1000)):
        until = since + timedelta(hours=hours)
        found = {frozenset((d.claim_id, d.other_id)) for d in disputes
                 if since <= d.found_at <= until}
        for topic in (None, app.config.topics[0]):
            name = topic.name if topic else None
            got = await ranked.window_claims(audience, since=since, until=until, topic=name,
                                             disputes=found)
            assert claim_changes(got, since=since, until=until, topic=topic,
                                 window_disputes=found, language="en") == \
                claim_changes(await whole.ledger(audience), since=since, until=until,
                              topic=topic, window_disputes=found, language="en")


async def _live_claims(app: App, audience: Audience) -> dict[int, tuple[Claim, ...]]:
    items = [item.id for item in await app.storage.items.window(limit=6)]
    assert app.delivery.live is not None
    return await app.delivery.live._claims(audience, items)


async def _live_claims_whole(app: App, audience: Audience) -> dict[int, tuple[Claim, ...]]:
    """``LiveDelivery._claims`` as it was: the whole ledger, then the item's claims."""
    items = [item.id for item in await app.storage.items.window(limit=6)]
    mentioned = await app.storage.claims.mention_items(
        await app.storage.claims.ids_for_items(items))
    if not mentioned:
        return {}
    ledger = await app.answers.claim_ledger.audiences.claims(audience, [
        c for c in await ledger_claims(app.storage) if c.id in mentioned])
    return {item_id: tuple(c for c in rank(ledger) if item_id in mentioned[c.id])
            for item_id in items}


async def test_ranked_reads_equal_the_whole_ledger(ledger_app: App,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = await ledger_claims(ledger_app.storage)
    assert len(ledger) > 30 and any(c.disputes for c in ledger)  # several pages, disputes
    await _assert_same_reads(ledger_app)
    # a narrowed reader reads the widest rows a batch at a time and stops early: as right
    monkeypatch.setattr(claims_module, "NARROWED_BATCH", 1)
    narrowed = (await _readers(ledger_app))[-1]
    assert narrowed.sources is not None
    assert await _filtered_differences(ledger_app, narrowed) == []


async def test_ranks_follow_a_changed_item_and_a_new_follow(ledger_app: App,
                                                            clock: FixedClock) -> None:
    app = ledger_app
    item = await _shared_item(app)
    source = next(s for s in await app.storage.sources.list() if s.id == item.source_id)
    clock.advance(minutes=5)
    await app.ingest.ingest_article(source, RawArticle(  # the same item, its claims gone
        key=item.url or "", title=item.title, text="Nothing was said today.", url=item.url,
        published=clock.now(), language="en"))
    await _assert_same_reads(app)
    b = await app.storage.sources.get_by_url(B_URL)
    assert b is not None
    await app.storage.feed_owners.add(A, b.id, "b-too", None, clock.now())  # A reads a B feed
    assert await app.answers.claim_ledger._view(
        await app.answers.claim_ledger.audiences.of(A)) is None  # not ranked for that yet
    await _assert_same_reads_when_ready(app, clock, source)


async def _shared_item(app: App) -> Item:
    """An item with a claim another item reports too: changed, the claim loses a source."""
    for item in await app.storage.items.window(limit=None):
        refs = (await app.storage.claim_reads.mentions_of(
            await app.storage.claims.ids_for_items([item.id]))).refs
        if any(r.item_id != item.id for r in refs):
            return item
    raise AssertionError("no claim is reported twice")


async def _assert_same_reads_when_ready(app: App, clock: FixedClock, source: SourceRow) -> None:
    clock.advance(minutes=5)
    await app.ingest.ingest_article(source, RawArticle(
        key="late", title="Late news", text="Sam Altman said the model was ready.",
        url="http://127.0.0.1:9/late", published=clock.now(), language="en"))
    await _assert_same_reads(app)



async def test_a_read_of_more_claims_than_the_entry_cache_keeps_gets_them_all(
    ledger_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache of entries is trimmed after a read takes what it needs: ``filtered`` without a
    limit (``briefbot claims``) once came back short by every claim over ``ENTRIES_KEPT``."""
    monkeypatch.setattr(claims_module, "ENTRIES_KEPT", 3)
    ranked = ledger_app.answers.claim_ledger
    whole = WholeLedger(ledger_app.config, ledger_app.storage)
    everything = await whole.filtered()
    assert len(everything) > 30
    assert await ranked.filtered() == everything
    assert len(ranked._entry_cache) == 3


async def test_the_comparison_fails_when_a_re_rank_is_skipped(
    ledger_app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: one ledger step whose ranks are not made leaves every
    reader's ranked ``filtered`` short of the new claim, the narrowed reader's too."""
    async def skipped(*_: object, **__: object) -> None:
        return None

    app = ledger_app
    monkeypatch.setattr(claims_module, "update_ranks", skipped)
    source = await app.storage.sources.get_by_url(CONFIG_URL)
    assert source is not None
    clock.advance(minutes=5)
    await app.ingest.ingest_article(source, RawArticle(
        key="unranked", title="DeepSeek news",
        text="Zora Quill said the DeepSeek lab hired 417 new engineers in Hangzhou.",
        url="http://127.0.0.1:9/unranked", published=clock.now(), language="en"))
    for audience in await _readers(app):
        assert await _filtered_differences(app, audience) != [], audience


async def test_a_follow_and_an_unfollow_keep_the_community_on_the_ranks(
    ledger_app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/feeds add`` and ``/feeds remove`` rank the community's overlay again at once: its reads
    stay on the ranks (not the whole ledger until the next ledger step) and stay right."""
    app = ledger_app
    b = await app.storage.sources.get_by_url(B_URL)
    assert b is not None

    async def follow(community: str, url: str, name: str | None,
                     added_by: str | None) -> AddOutcome:  # the feed's fetch is not the point
        await app.storage.feed_owners.add(community, b.id, name or url, added_by, clock.now())
        return AddOutcome("added", url, name=name)

    monkeypatch.setattr(app.feeds, "add", follow)
    admin = User(id="u", name="u", is_admin=True)
    feeds = app.answers.community_feeds
    added = await feeds.feeds(action="add", url=B_URL, name="b-too", user=admin,
                              platform="discord", community=A.split(":")[1])
    assert not added.is_error
    await _assert_same_reads(app)  # every community on the ranks: asserted inside
    removed = await feeds.feeds(action="remove", url=None, name="a.rss", user=admin,
                                platform="discord", community=A.split(":")[1])
    assert not removed.is_error, removed.title
    await _assert_same_reads(app)


async def test_claims_that_lost_items_to_a_prune_are_ranked_again(ledger_app: App) -> None:
    """A prune deletes old items: a claim that lost some of its items (not all) is ranked again
    with the links left (``ClaimAnswers.after_prune``, run by ``ingest --once`` after retention),
    not left with its old source count until something touches it."""
    app = ledger_app
    when = {item.id: item.ingested_at for item in await app.storage.items.window(limit=None)}
    mentions = await app.storage.claim_reads.mentions_of(
        [c.id for c in await ledger_claims(app.storage)])
    # the earliest time that parts a claim's items: older ones pruned, a newer one kept
    cutoff = min(max(when[item] for item, _ in found) for found in mentions.positions.values()
                 if len({when[item] for item, _ in found}) > 1)
    before = {c.id: len(c.sources) for c in await ledger_claims(app.storage)}
    assert await app.storage.items.prune(cutoff) > 0
    after = {c.id: len(c.sources) for c in await ledger_claims(app.storage)}
    assert any(after[cid] < count for cid, count in before.items() if cid in after)
    await app.answers.claim_ledger.after_prune()
    await _assert_same_reads(app)
