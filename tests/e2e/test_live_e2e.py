"""Live posts end to end: the real app (poller, ingest, live delivery) fetching two feeds from a
loopback feed server, posting through the real discord.py client to the fake Discord. The feeds
gain items over time; each appears exactly once; a first poll posts nothing; an edited item is not
reposted; the same article in both feeds is posted once; a restarted app posts nothing again."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import Config, FeedConfig, SubscriptionConfig
from tests.adapters.test_discord_client import StubRouter
from tests.conftest import FixedClock
from tests.fakes.discord_fake import CHANNEL_ID, running_bot
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
