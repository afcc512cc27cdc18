"""Live posts end to end: the real app (poller, ingest, live delivery) fetching two feeds from a
loopback feed server, posting through the real discord.py client to the fake Discord. The feeds
gain items over time; each appears exactly once; a first poll posts nothing; an edited item is not
reposted; the same article in both feeds is posted once; a restarted app posts nothing again."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.config import Config, FeedConfig, SubscriptionConfig
from tests.adapters.test_discord_client import StubRouter
from tests.adapters.test_discord_e2e import final_messages, text_of
from tests.conftest import FixedClock
from tests.fakes.discord_fake import CHANNEL_ID, GUILD_ID, running_bot
from tests.feeds.conftest import FeedServer, serving

START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def rss(server: FeedServer, items: list[tuple[str, str, str, str]]) -> bytes:
    """``items``: (guid, title, path of the article, text)."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{server.url(path)}</link>"
        f"<pubDate>{format_datetime(START)}</pubDate><description>{text}</description></item>"
        for guid, title, path, text in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>{server.base}</link><description>d</description>{entries}</channel></rss>"
            ).encode()


def serve(server: FeedServer, path: str, items: list[tuple[str, str, str, str]]) -> None:
    server.bodies[path] = (rss(server, items), "application/rss+xml; charset=utf-8")


TEXT = "DeepSeek hat ein neues Modell vorgestellt. Es ist billiger als die Konkurrenz, sagt die Firma."


async def test_live_subscription_end_to_end_on_the_fake_discord(
        tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(START)
    async with serving(FeedServer(tmp_path / "secret")) as server:
        heise, dpa = "/heise.rss", "/dpa.rss"
        old = [("h1", "Alte Meldung eins", "/h1", TEXT), ("h2", "Alte Meldung zwei", "/h2", TEXT)]
        serve(server, heise, old)
        serve(server, dpa, [("d1", "Alte dpa-Meldung", "/d1", TEXT)])
        config = dataclasses.replace(
            config,
            fetch=dataclasses.replace(config.fetch, allow_private_networks=True, full_text=False,
                                      interval=15),
            feeds=(FeedConfig(url=server.url(heise), name="heise"),
                   FeedConfig(url=server.url(dpa), name="dpa")),
            subscriptions=(SubscriptionConfig(platform="discord", channel=CHANNEL_ID,
                                              mode="live", feeds=("heise", "dpa")),),
        )
        async with running_bot(StubRouter(), monkeypatch) as (fake, runner):
            posted = fake.channel_messages[CHANNEL_ID]

            async def step(minutes: int) -> None:
                clock.current += timedelta(minutes=minutes)
                app = await build_app(config, clock=clock, publishers=[runner.publisher])
                try:  # a fresh app each step: a restart between polls changes nothing
                    await app.delivery.subscriptions.sync_config(config.all_subscriptions)
                    await app.poller.poll_due()
                    assert app.delivery.live is not None
                    await app.delivery.live.tick()
                finally:
                    await app.close()

            await step(0)  # the first poll of both feeds: nothing live
            assert posted == []
            serve(server, heise, [*old, ("h3", "DeepSeek stellt R2 vor", "/story", TEXT)])
            serve(server, dpa, [("d1", "Alte dpa-Meldung", "/d1", TEXT),
                                ("dpa-99", "DeepSeek stellt R2 vor (dpa)", "/story", TEXT)])
            await step(30)  # the same article in both feeds: one post (whichever feed came first)
            (story,) = posted  # steps of 30 min: each feed (15 min, with jitter) is due again
            assert story["embeds"][0]["title"].startswith("DeepSeek stellt R2 vor")
            edited = [("h1", "Alte Meldung eins", "/h1", TEXT + " Nachtrag."), *old[1:]]
            serve(server, heise, [*edited, ("h3", "DeepSeek stellt R2 vor", "/story", TEXT),
                                  ("h4", "Nvidia antwortet", "/h4", TEXT)])
            await step(30)
            serve(server, heise, [*edited, ("h3", "DeepSeek stellt R2 vor", "/story", TEXT),
                                  ("h4", "Nvidia antwortet", "/h4", TEXT + " Mehr."),
                                  ("h5", "Exportkontrollen verschärft", "/h5", TEXT)])
            await step(30)
            await step(30)  # nothing new: nothing posted
            assert sorted(m["embeds"][0]["title"] for m in posted[1:]) == [
                "Exportkontrollen verschärft", "Nvidia antwortet"]  # the edits were not reposted


GUILD_B = "1200000000000000077"
CHANNEL_A, CHANNEL_B = CHANNEL_ID, "1300000000000000088"
CLAIM_A = (  # claims beyond the summary: shown as claim lines
    "Nvidia hat am Dienstag in Santa Clara neue Zahlen für das vergangene Quartal vorgelegt. "
    "Der Umsatz des Chipherstellers stieg demnach im Jahresvergleich um 78 Prozent auf 39 "
    "Milliarden Dollar. Das Rechenzentrumsgeschäft wuchs dabei besonders stark und machte mehr "
    "als vier Fünftel der Erlöse aus. Jensen Huang erklärte, die Nachfrage nach Chips bleibe "
    "sehr stark. Colette Kress sagte, die Marge werde im nächsten Quartal leicht sinken. Mark "
    "Papermaster betonte, AMD wolle im kommenden Jahr deutlich aufholen. Pat Gelsinger "
    "behauptete, Intel habe den Rückstand bei der Fertigung längst aufgeholt.")
CLAIM_B = "Lisa Su sagte, die Geheimzahl für DeepSeek laute 4711."


def embed_text(message: dict[str, Any]) -> str:
    return "\n".join(str(e.get(k) or "") for e in message.get("embeds") or []
                     for k in ("title", "description"))


async def test_two_guilds_read_only_their_own_feeds_in_their_own_language(
        tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guild A (German, the config's) and guild B (English by /language) each add a feed and a
    live subscription from chat; the config feed is both's. Each channel gets only its guild's and
    the config's items, in its language; /digest and /claims of A never show B's feed."""
    clock = FixedClock(START)
    async with serving(FeedServer(tmp_path / "secret")) as server:
        shared, alpha, beta = "/konfig.rss", "/alpha.rss", "/beta.rss"
        for path in (shared, alpha, beta):
            serve(server, path, [(path + "0", "Alte Meldung " + path, path + "/0", TEXT)])
        config = dataclasses.replace(
            config,
            fetch=dataclasses.replace(config.fetch, allow_private_networks=True, full_text=False,
                                      interval=15),
            feeds=(FeedConfig(url=server.url(shared), name="konfig"),))
        app = await build_app(config, clock=clock)
        try:
            async with running_bot(app.router, monkeypatch) as (fake, runner):
                app.publishers.connect(runner.publisher)
                fake.channel_messages[CHANNEL_B] = []

                async def ask(command: str, guild: str, channel: str, *, sub: str | None = None,
                              **options: Any) -> str:
                    interaction = await fake.send_command(command, options, subcommand=sub,
                                                          admin=True, guild_id=guild,
                                                          channel_id=channel)
                    return "\n".join(text_of(m) for m in await final_messages(interaction))

                assert "English" in await ask("language", GUILD_B, CHANNEL_B, language="en")
                for guild, channel, path, name in ((GUILD_ID, CHANNEL_A, alpha, "alpha"),
                                                   (GUILD_B, CHANNEL_B, beta, "beta")):
                    assert name in await ask("feeds", guild, channel, sub="add",
                                             url=server.url(path), name=name)
                    assert "live" in (await ask("subscribe", guild, channel, mode="live")).lower()
                await app.poller.poll_due()  # the config feed's first poll: nothing live
                assert app.delivery.live is not None
                await app.delivery.live.tick()
                assert fake.channel_messages[CHANNEL_A] == fake.channel_messages[CHANNEL_B] == []

                serve(server, shared, [("k1", "Konfig: DeepSeek R2", "/k1", TEXT)])
                serve(server, alpha, [("a1", "Alpha: Nvidia antwortet", "/a1", CLAIM_A)])
                serve(server, beta, [("b1", "Beta: Geheimes aus Gilde B", "/b1", CLAIM_B)])
                clock.current += timedelta(minutes=30)
                await app.poller.poll_due()
                await app.delivery.live.tick()
                got_a = [embed_text(m) for m in fake.channel_messages[CHANNEL_A]]
                got_b = [embed_text(m) for m in fake.channel_messages[CHANNEL_B]]
                assert sorted(t.split("\n")[0] for t in got_a) == [
                    "Alpha: Nvidia antwortet", "Konfig: DeepSeek R2"]
                assert sorted(t.split("\n")[0] for t in got_b) == [
                    "Beta: Geheimes aus Gilde B", "Konfig: DeepSeek R2"]
                print("\n--- guild A (de) ---\n" + "\n".join(got_a))
                print("--- guild B (en) ---\n" + "\n".join(got_b))
                # the compact claim line of every answer: who — „quote" (tags), no ids
                assert "**Colette Kress** — „die Marge werde im nächsten Quartal leicht sinken“" \
                    in "\n".join(got_a)
                assert "01.2026, 12:00" in "\n".join(got_a)
                assert "2026-01-10" in "\n".join(got_b)
                for command, options in (("digest", {}), ("claims", {})):
                    mine = await ask(command, GUILD_ID, CHANNEL_A, **options)
                    assert "Gilde B" not in mine and "Lisa Su" not in mine, mine
                    assert "Gilde B" in await ask(command, GUILD_B, CHANNEL_B, **options) or \
                        "Lisa Su" in await ask(command, GUILD_B, CHANNEL_B, **options)
                listing = await ask("feeds", GUILD_B, CHANNEL_B, sub="list")
                assert "beta" in listing and "alpha" not in listing and "next poll" in listing
                german = await ask("feeds", GUILD_ID, CHANNEL_A, sub="list")
                assert "nächster Abruf" in german and "next poll" not in german
                print("--- /feeds list, guild A ---\n" + german)
                assert fake.rejected == []
        finally:
            await app.close()
