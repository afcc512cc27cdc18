"""One routing rule for every answer and every post (``bot.delivery.audience``): a community reads
the config's feeds, the shared imports and its own feeds, never another community's; a
subscription reads its community's, narrowed to the feeds it names, in its community's language."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import App, build_app
from bot.config import Config, FeedConfig
from bot.delivery.audience import EVERYONE, Audiences
from bot.ingest import RawArticle
from bot.model import CommandRequest, Reply, User
from bot.storage.communities_feeds import SHARED
from bot.storage.deliveries import SubscriptionRow
from bot.storage.sources import SourceRow
from tests.conftest import FixedClock
from tests.fakes.delivery import RecordingPublisher

CONFIG_URL, SHARED_URL = "http://127.0.0.1:9/config.rss", "http://127.0.0.1:9/shared.rss"
A_URL, B_URL = "http://127.0.0.1:9/a.rss", "http://127.0.0.1:9/b.rss"
A, B = "discord:G1", "discord:G2"
ARTICLES = {  # feed -> (title, text with a claim)
    CONFIG_URL: ("Konfig-Meldung zu DeepSeek",
                 "DeepSeek hat ein neues Modell vorgestellt. Sam Altman sagte, DeepSeek habe die "
                 "Kosten um 90 Prozent gesenkt."),
    SHARED_URL: ("Gemeinsame Meldung zu DeepSeek",
                 "DeepSeek wächst weiter. Marc Andreessen sagte, DeepSeek sei ein Weckruf."),
    A_URL: ("Meldung nur für Gilde A zu DeepSeek",
            "DeepSeek und Nvidia im Fokus: Nvidia hat am Dienstag in Santa Clara neue Zahlen für "
            "das vergangene Quartal vorgelegt. Der Umsatz stieg im Jahresvergleich um 78 Prozent "
            "auf 39 Milliarden Dollar. Das Rechenzentrumsgeschäft wuchs dabei besonders stark. "
            "Jensen Huang erklärte, die Nachfrage nach Chips bleibe sehr stark. Colette Kress "
            "sagte, die Marge werde im nächsten Quartal leicht sinken. Pat Gelsinger behauptete, "
            "Intel habe den Rückstand bei der Fertigung längst aufgeholt."),
    B_URL: ("Geheime Meldung der Gilde B zu DeepSeek",
            "DeepSeek und die Börse. Lisa Su sagte, die Geheimzahl für DeepSeek laute 4711."),
}


@pytest.fixture
async def routed(config: Config, clock: FixedClock) -> AsyncIterator[App]:
    """An app with one config feed, one shared import and one feed of each of two guilds, one
    article each (stored as a poll would)."""
    config = dataclasses.replace(config, feeds=(FeedConfig(CONFIG_URL, "konfig"),))
    app = await build_app(config, clock=clock)
    try:
        for url, owner in ((CONFIG_URL, None), (SHARED_URL, SHARED), (A_URL, A), (B_URL, B)):
            row = await app.storage.sources.ensure("feed", url, url, clock.now())
            await app.storage.sources.record_success(row.id, clock.now(), etag=None,
                                                     last_modified=None, next_poll=None)
            if owner is not None:
                await app.storage.feed_owners.add(owner, row.id, f"feed-{owner}", None,
                                                  clock.now())
            title, text = ARTICLES[url]
            await app.ingest.ingest_article(row, RawArticle(
                key=url, title=title, text=text, url=url.replace(".rss", "/1"),
                published=clock.now(), language="de"))
        yield app
    finally:
        await app.close()


async def source(app: App, url: str) -> SourceRow:
    row = await app.storage.sources.get_by_url(url)
    assert row is not None
    return row


async def test_a_community_reads_the_config_the_shared_and_its_own_feeds(routed: App) -> None:
    audiences = Audiences(routed.config, routed.storage)
    ids = {url: (await source(routed, url)).id for url in ARTICLES}
    a = await audiences.of(A)
    assert {url for url, sid in ids.items() if a.sees(sid)} == {CONFIG_URL, SHARED_URL, A_URL}
    unknown = await audiences.of(None)  # a config subscription: what every community reads
    assert {url for url, sid in ids.items() if unknown.sees(sid)} == {CONFIG_URL, SHARED_URL}
    assert all(EVERYONE.sees(sid) for sid in ids.values())
    named = a.named(["FEED-discord:G1", "konfig", "feed-discord:G2"])  # B's name means nothing
    assert {url for url, sid in ids.items() if named.sees(sid)} == {CONFIG_URL, A_URL}
    assert a.name_of(ids[A_URL]) == "feed-discord:G1" and a.name_of(ids[CONFIG_URL]) == "konfig"


async def test_without_community_feeds_everyone_reads_everything(routed: App) -> None:
    for follow in await routed.storage.feed_owners.followed():
        await routed.storage.feed_owners.remove(follow.community, follow.source.id)
    audiences = Audiences(dataclasses.replace(routed.config, feeds=tuple(
        FeedConfig(url) for url in ARTICLES)), routed.storage)
    assert (await audiences.of(A)).everything


def words(reply: Reply) -> str:
    return "\n".join([reply.title, *(part for s in reply.sections for part in (
        s.heading, s.text or "", *s.bullets, *(link.title for link in s.links),
        *(f"{c.claimant}: {c.text} {c.sources} {c.dispute_reasons}" for c in s.claims)))])


def ask(command: str, community: str, **options: str | int) -> CommandRequest:
    return CommandRequest(command, dict(options), User("m", "member"), "discord", "C1",
                          community.split(":")[1])


@pytest.mark.parametrize("command", ["digest", "deepseek", "claims"])
async def test_commands_show_no_other_communitys_items(routed: App, command: str) -> None:
    mine = words(await routed.router.handle(ask(command, A)))
    theirs = words(await routed.router.handle(ask(command, B)))
    assert "Gilde B" not in mine and "4711" not in mine and "Lisa Su" not in mine, mine
    assert "Gilde A" not in theirs and "Jensen Huang" not in theirs, theirs
    if command == "claims":
        assert "Sam Altman" in mine and "Jensen Huang" in mine and "Lisa Su" in theirs
    else:
        assert "Gilde A" in mine and "Konfig-Meldung" in mine and "Gilde B" in theirs
    operator = words(await routed.answers.digest(topic=None))  # the CLI reads everything
    assert "Gilde A" in operator and "Gilde B" in operator


async def test_sources_names_only_the_communitys_disabled_subscriptions(routed: App) -> None:
    subs = routed.answers.channel_digests
    admin = User("a", "admin", is_admin=True)
    for guild, channel in (("G1", "CA"), ("G2", "CB")):
        await subs.subscribe(platform="discord", channel=channel, time="08:00", timezone="UTC",
                             topic=None, user=admin, community=guild)
    for sub in await routed.storage.deliveries.subscriptions():
        await routed.storage.deliveries.disable_subscription(sub.id, "Missing Access",
                                                             routed.clock.now())
    shown = words(await routed.router.handle(ask("sources", A)))
    assert "Kanal CA" in shown and "CB" not in shown


def digest_sub(sub_id: str, **changes: object) -> SubscriptionRow:
    base = SubscriptionRow(id=sub_id, platform="discord", channel="C-" + sub_id, time="08:00",
                           timezone="UTC", topic=None, quiet="line", origin="command",
                           created_by=None, created_at=FixedClock().now() - timedelta(days=1))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_scheduled_digests_per_community_and_language(routed: App) -> None:
    """Two guilds on one instance, one reading German (the config's), one English (/language)."""
    store = routed.storage
    await store.communities.set_language("discord", "G2", "en", routed.clock.now())
    subs = {"a": digest_sub("a"), "b": digest_sub("b"), "cfg": digest_sub("cfg", origin="config"),
            "a-named": digest_sub("a-named", feeds=("feed-discord:G1",))}
    for sub in subs.values():
        await store.deliveries.upsert_subscription(sub)
    await store.community_subscriptions.tag("a", A)
    await store.community_subscriptions.tag("a-named", A)
    await store.community_subscriptions.tag("b", B)
    now = routed.clock.now() + timedelta(minutes=1)
    since = now - timedelta(days=1)
    build = routed.answers.digests.for_subscription
    got = {name: await build(sub, since, now) for name, sub in subs.items()}
    text = {name: words(reply) if reply else "" for name, reply in got.items()}
    assert "Gilde A" in text["a"] and "Konfig" in text["a"] and "Gilde B" not in text["a"]
    assert "Gilde B" in text["b"] and "Gilde A" not in text["b"]
    assert "Konfig" in text["cfg"] and "Gilde" not in text["cfg"]
    assert "Gilde A" in text["a-named"] and "Konfig" not in text["a-named"]
    assert got["a"] and got["b"] and got["a"].language == "de" and got["b"].language == "en"
    assert got["a"].title.startswith("Tagesüberblick") and got["b"].title.startswith("Daily")


async def test_quiet_line_and_live_post_in_the_communitys_language(routed: App) -> None:
    store, clock = routed.storage, routed.clock
    await store.communities.set_language("discord", "G2", "en", clock.now())
    publisher = RecordingPublisher("discord")
    routed.publishers.connect(publisher)
    live = {name: digest_sub(name, mode="live", time="", created_at=clock.now())
            for name in ("live-a", "live-b")}
    for name, sub in live.items():
        await store.deliveries.upsert_subscription(sub)
        await store.community_subscriptions.tag(sub.id, A if name == "live-a" else B)
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=5)
    for url in (A_URL, B_URL, CONFIG_URL):  # new items after the subscriptions were made
        title, text = ARTICLES[url]
        await routed.ingest.ingest_article(await source(routed, url), RawArticle(
            key=url + "#2", title="Neu: " + title, text=text, url=url.replace(".rss", "/2"),
            published=clock.now(), language="de"))
    assert routed.delivery.live is not None
    await routed.delivery.live.tick()
    by_channel: dict[str, list[Reply]] = {}
    for post in publisher.posts:
        by_channel.setdefault(post.target.channel, []).append(post.reply)
    german, english = by_channel.pop("C-live-a"), by_channel.pop("C-live-b")
    assert not by_channel
    assert sorted(r.title for r in german) == ["Neu: Konfig-Meldung zu DeepSeek",
                                               "Neu: Meldung nur für Gilde A zu DeepSeek"]
    assert sorted(r.title for r in english) == ["Neu: Geheime Meldung der Gilde B zu DeepSeek",
                                                "Neu: Konfig-Meldung zu DeepSeek"]
    assert {r.language for r in german} == {"de"} and {r.language for r in english} == {"en"}
    assert german[0].sections[0].text == "feed-discord:G1 · 10.01.2026, 12:05 UTC"
    assert english[0].sections[0].text == "feed-discord:G2 · 2026-01-10 12:05 UTC"
    claims = {c.claimant for r in german for s in r.sections for c in s.claims}
    # claims the summary does not already say, as ledger entries (the compact claim line)
    assert "Colette Kress" in claims and "Lisa Su" not in claims, claims
    quiet = await routed.delivery.service.build(digest_sub("b"), clock.now(), clock.now())
    assert quiet is not None and quiet.title.startswith("Tagesüberblick")  # untagged: config's


async def test_claimant_autocomplete_offers_only_names_the_community_reads(routed: App) -> None:
    mine = await routed.router.autocomplete("claimant", "", platform="discord", community="G1")
    theirs = await routed.router.autocomplete("claimant", "", platform="discord", community="G2")
    operator = await routed.router.autocomplete("claimant", "")  # the command line: everything
    assert "Lisa Su" not in mine and "Jensen Huang" in mine and "Sam Altman" in mine
    assert "Jensen Huang" not in theirs and "Lisa Su" in theirs
    assert {"Lisa Su", "Jensen Huang"} <= set(operator)
    # a misspelt name of the other guild is not offered as "closest" either
    assert "Lisa Su" not in await routed.router.autocomplete(
        "claimant", "lisa", platform="discord", community="G1")


async def test_claims_are_ranked_for_every_reader_a_community_can_be(routed: App) -> None:
    """The scopes of bot.claims.ranks: what every community reads, the operator, and each guild
    with a feed of its own (a guild reading only what everyone reads has none)."""
    await routed.storage.feed_owners.add("discord:G9", (await source(routed, SHARED_URL)).id,
                                         "shared-too", None, routed.clock.now())
    scopes = await Audiences(routed.config, routed.storage).scopes()
    ids = {url: (await source(routed, url)).id for url in ARTICLES}
    assert scopes.base == {ids[CONFIG_URL], ids[SHARED_URL]}
    assert scopes.overlays == {"*": None, A: scopes.base | {ids[A_URL]},
                               B: scopes.base | {ids[B_URL]}}
    for community in (None, A, B, "discord:G9"):
        audience = await Audiences(routed.config, routed.storage).reader(community)
        key = scopes.overlay_of(audience.sources)
        assert key == {None: "*", A: A, B: B, "discord:G9": None}[community]
