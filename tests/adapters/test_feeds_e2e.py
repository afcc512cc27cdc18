"""End to end: /feeds add, list and remove through real discord.py and slack-bolt against the fakes,
with a loopback feed server (127.0.0.1, an ephemeral port; [fetch] allow_private_networks)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import start_slack_runner
from bot.app import App, build_app
from bot.config import Config, Secrets, SlackConfig
from bot.feeds.fetch import HttpFetcher
from tests.adapters.test_discord_e2e import final_messages, text_of
from tests.conftest import FixedClock
from tests.fakes.slack_fake import FakeSlack, all_text
from tests.feeds.conftest import FeedServer, NoDNS, serving, with_feeds

SECRETS = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")


@pytest.fixture
async def feed_server(tmp_path: Path) -> AsyncIterator[FeedServer]:
    async with serving(FeedServer(tmp_path / "secret.txt")) as server:
        yield server


@pytest.fixture
async def feeds_app(config: Config, clock: FixedClock) -> AsyncIterator[App]:
    cfg = dataclasses.replace(with_feeds(config), bot=dataclasses.replace(config.bot,
                                                                          language="en"))
    app = await build_app(cfg, clock=clock, fetcher=HttpFetcher(cfg.fetch, inner_resolver=NoDNS()))
    yield app
    await app.close()


async def test_feeds_on_the_fake_discord(feeds_app: App, feed_server: FeedServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.discord_fake import running_bot  # imports discord.py: only for this test

    url = feed_server.url("/good.rss")
    async with running_bot(feeds_app.router, monkeypatch) as (fake, _):
        synced = {c["name"]: c for scope in fake.commands.values() for c in scope}
        assert {o["name"] for o in synced["feeds"]["options"]} == {"add", "remove", "list"}

        async def ask(sub: str, options: dict[str, Any] | None = None, **kw: Any) -> str:
            interaction = await fake.send_command("feeds", options, subcommand=sub, **kw)
            return "\n".join(text_of(m) for m in await final_messages(interaction))

        refused = await ask("add", {"url": url})
        assert "admins" in refused and feed_server.hits("/good.rss") == 0
        added = await ask("add", {"url": url, "name": "Good news"}, admin=True)
        assert "Good news" in added and "3 items" in added
        listing = await ask("list")
        assert "Good news" in listing and "ok, last success" in listing
        assert "next poll" in listing
        other_guild = await ask("list", guild_id="1300000000000000099")
        assert "Good news" not in other_guild
        not_theirs = await ask("remove", {"name": "Good news"}, admin=True,
                               guild_id="1300000000000000099")
        assert "No feed called" in not_theirs
        removed = await ask("remove", {"name": "Good news"}, admin=True)
        assert "Removed Good news" in removed
        assert "Good news" not in await ask("list")
        assert fake.rejected == []


async def test_feeds_on_the_fake_slack(feeds_app: App, feed_server: FeedServer,
                                       fake_slack: FakeSlack) -> None:
    url = feed_server.url("/good.rss")
    runner = await start_slack_runner(feeds_app.router,
                                      SlackConfig(api_base_url=fake_slack.api_url), SECRETS)
    try:
        fake_slack.add_user("U0ADMIN", admin=True)
        fake_slack.add_user("U0PLAIN", admin=False)
        refused = all_text(await fake_slack.send_command("/feeds", f"add url:{url}",
                                                         user_id="U0PLAIN"))
        assert "admins" in refused and feed_server.hits("/good.rss") == 0
        added = all_text(await fake_slack.send_command("/feeds", f'add url:{url} name:"Good news"',
                                                       user_id="U0ADMIN"))
        assert "Good news" in added and "3 items" in added
        listing = all_text(await fake_slack.send_command("/feeds", "list"))
        assert "Good news" in listing and "ok, last success" in listing
        fake_slack.team_id = "T0OTHER"
        assert "Good news" not in all_text(await fake_slack.send_command("/feeds", "list"))
        fake_slack.team_id = "T0001"
        removed = all_text(await fake_slack.send_command("/feeds", 'remove name:"Good news"',
                                                         user_id="U0ADMIN"))
        assert "Removed Good news" in removed
        assert "Good news" not in all_text(await fake_slack.send_command("/feeds", "list"))
        assert fake_slack.rejected == []
    finally:
        await runner.stop()
    await asyncio.sleep(0)
