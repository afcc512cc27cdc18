"""Live posts of a real ``briefbot run`` process on the fake Discord and the fake Slack at once
(real discord.py and slack-bolt in the child), SIGKILLed right after a post and restarted: each
item appears exactly once per channel, batched as configured (Discord one post per item, Slack a
batch of one minute: the two items one poll found are one message, also when the SIGKILL came
while their batch was open), also across the crash; an edited item is not reposted; the feeds'
first poll posts nothing; the same article in both followed feeds is posted once; on Slack the
claims go into the post's thread.

No clock override exists in ``briefbot run``: the feed job runs every 60 s ([fetch] interval = 1
minute), so the test takes five to eight minutes. Every wait is on an event (a feed request, a
post) with a bound; nothing sleeps, nothing is timed.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.e2e.conftest import clean_env
from tests.e2e.test_live_e2e import CLAIM_A  # claims beyond the summary: shown as claim lines
from tests.e2e.test_workers_e2e import Changes, stop_processes
from tests.fakes.discord_fake import CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord
from tests.fakes.slack_fake import FakeSlack, all_text
from tests.feeds.conftest import FeedServer, serving

SLACK_CHANNEL = "C0GENERAL"
# seconds a step may take: a feed is due every 60 s +-10 % and the feed job runs every 60 s, so a
# change is fetched within two jobs; one more for Slack's one-minute batch, and room for a start
STEP = 240.0
OLD, FIRST, SECOND, THIRD, FOURTH = ("Alte Meldung", "Erste neue Meldung",
                                      "Zweite neue Meldung", "Dritte neue Meldung",
                                      "Vierte neue Meldung")
PLAIN = "Der Stadtrat hat den Haushalt beschlossen. Er finanziert drei Schulen und eine Bibliothek."

Entry = tuple[str, str, str, str]  # guid, title, path of the article, text


class Feeds:
    """The two feeds as the loopback server serves them now; every request wakes the test."""

    def __init__(self, server: FeedServer, changes: Changes) -> None:
        self.server, self.changes = server, changes
        self.entries: dict[str, list[Entry]] = {}
        self.hits: Counter[str] = Counter()

    def serve(self, path: str, entries: list[Entry]) -> None:
        self.entries[path] = entries
        self.server.overrides[path] = self._answer

    def _answer(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        self.changes.poke()
        now = format_datetime(datetime.now(UTC), usegmt=True)
        items = "".join(
            f"<item><guid>{guid}</guid><title>{title}</title><link>{self.server.url(path)}</link>"
            f"<pubDate>{now}</pubDate><description>{text}</description></item>"
            for guid, title, path, text in self.entries[request.path])
        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{request.path}</title><link>{self.server.base}</link>"
                f"<description>d</description>{items}</channel></rss>")
        return web.Response(body=body.encode(),
                            headers={"Content-Type": "application/rss+xml; charset=utf-8"})


def write_config(home: Path, feeds: FeedServer, discord: FakeDiscord, slack: FakeSlack) -> None:
    (home / "seeds").mkdir()
    (home / "config.toml").write_text(f"""
[bot]
language = "de"
[logging]
level = "INFO"
[fetch]
interval = 1
full_text = false
allow_private_networks = true
[delivery]
lease_seconds = 30
[discord]
guild_id = {GUILD_ID}
api_base_url = "{discord.api_base}"
gateway_url = "{discord.gateway_url}"
[slack]
api_base_url = "{slack.api_url}"
[[feeds]]
url = "{feeds.url('/alpha.rss')}"
name = "alpha"
[[feeds]]
url = "{feeds.url('/beta.rss')}"
name = "beta"
[[subscriptions]]
platform = "discord"
channel = "{CHANNEL_ID}"
mode = "live"
feeds = ["alpha", "beta"]
batch_minutes = 0
[[subscriptions]]
platform = "slack"
channel = "{SLACK_CHANNEL}"
mode = "live"
feeds = ["alpha", "beta"]
batch_minutes = 1
""", encoding="utf-8")


async def watch(queue: asyncio.Queue[Any], changes: Changes) -> None:
    """Wake the test on every post a fake records."""
    while True:
        await queue.get()
        changes.poke()


async def ended(process: asyncio.subprocess.Process, changes: Changes) -> None:
    """Wake the test when a ``briefbot run`` ends (a start that fails ends the wait at once)."""
    await process.wait()
    changes.poke()


def discord_posts(fake: FakeDiscord) -> list[str]:
    return ["\n".join(str(e.get(k) or "") for e in m.get("embeds") or []
                      for k in ("title", "description"))
            for m in fake.channel_messages[CHANNEL_ID]]


def slack_posts(fake: FakeSlack) -> tuple[list[str], list[str]]:
    """(the channel's posts, the thread replies)."""
    messages = fake.history[SLACK_CHANNEL]
    return ([all_text(m) for m in messages if "thread_ts" not in m],
            [all_text(m) for m in messages if "thread_ts" in m])


def with_title(posts: list[str], title: str) -> int:
    return sum(title in post for post in posts)


async def start(home: Path, env: dict[str, str], name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=home, env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(home / f"{name}.log", "w"))  # noqa: ASYNC230


async def test_live_posts_survive_a_sigkill_on_discord_and_slack(tmp_path: Path) -> None:
    changes = Changes()
    discord, slack = FakeDiscord(), FakeSlack()
    await discord.start()
    await slack.start()
    watchers = [asyncio.create_task(watch(discord.channel_posts, changes)),
                asyncio.create_task(watch(slack.posted, changes))]
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with serving(FeedServer(tmp_path / "secret")) as server:
            feeds = Feeds(server, changes)
            alpha: list[Entry] = [("a0", OLD + " Alpha", "/a0", PLAIN)]
            beta: list[Entry] = [("b0", OLD + " Beta", "/b0", PLAIN)]
            feeds.serve("/alpha.rss", alpha)
            feeds.serve("/beta.rss", beta)
            write_config(tmp_path, server, discord, slack)
            env = clean_env() | {"DISCORD_TOKEN": TOKEN, "SLACK_BOT_TOKEN": slack.bot_token,
                                 "SLACK_APP_TOKEN": slack.app_token,
                                 "PYTHONASYNCIODEBUG": "1"}  # a step blocking the loop is logged
            processes.append(await start(tmp_path, env, "first"))
            watchers.append(asyncio.create_task(ended(processes[-1], changes)))

            async def until(condition: Any, what: str) -> None:
                running = processes[-1]
                await changes.until(lambda: condition() or running.returncode is not None, STEP)
                if running.returncode is not None or not condition():
                    print(logs(tmp_path))  # in full: an assertion message would be cut
                    raise AssertionError(f"{what}: not within {STEP:g} s (logs above)")

            await until(lambda: feeds.hits["/alpha.rss"] and feeds.hits["/beta.rss"],
                        "the feeds' first poll")
            # 1: a new item (the first poll posted nothing: the old items never appear below);
            # on Slack it is a batch of one once its minute is over
            alpha.append(("a1", FIRST, "/story1", CLAIM_A))
            feeds.serve("/alpha.rss", alpha)
            await until(lambda: with_title(discord_posts(discord), FIRST)
                        and with_title(slack_posts(slack)[0], FIRST), "the first item")
            # 2: the first item edited, two new ones in one feed, so one poll finds both: one
            # Slack batch (from two feeds, polled independently, they could come a minute apart,
            # and then rightly as two batches)
            alpha[1] = ("a1", FIRST, "/story1", CLAIM_A + " Nachtrag: die Aktie stieg.")
            alpha += [("a2", SECOND, "/story2", PLAIN), ("a3", THIRD, "/story3", PLAIN)]
            feeds.serve("/alpha.rss", alpha)
            await until(lambda: with_title(discord_posts(discord), THIRD), "the second batch")
            # 3: SIGKILL right after a post (the log may not know yet that it went out; Slack's
            # batch of the two is open, or claimed, or posted), restart: the batch goes out once,
            # whole, from whichever process
            processes[0].send_signal(signal.SIGKILL)
            assert await processes[0].wait() == -signal.SIGKILL
            processes.append(await start(tmp_path, env, "second"))
            watchers.append(asyncio.create_task(ended(processes[-1], changes)))
            await until(lambda: with_title(slack_posts(slack)[0], THIRD),
                        "the Slack batch after the restart")
            # 4: a fourth item, and the second article again in the other feed (its own guid and
            # title, the same link): the fourth once, the copy never
            alpha.append(("a4", FOURTH, "/story4", PLAIN))
            beta.append(("dpa-2", SECOND + " (dpa)", "/story2", PLAIN))
            polled = feeds.hits["/alpha.rss"], feeds.hits["/beta.rss"]
            feeds.serve("/alpha.rss", alpha)
            feeds.serve("/beta.rss", beta)
            await until(lambda: all(with_title(posts, FOURTH) for posts in (
                discord_posts(discord), slack_posts(slack)[0])), "the fourth after the restart")
            # a repost would come with the feed job that fetched the copy (or the fourth again):
            # each feed's second poll since is in a later job, so that job's posts are all out
            await until(lambda: feeds.hits["/alpha.rss"] >= polled[0] + 2
                        and feeds.hits["/beta.rss"] >= polled[1] + 2, "two polls after the copy")
            await changes.until(lambda: False, 5)  # the last job's posts, if any
    finally:
        await stop_processes(processes)
        for task in watchers:
            task.cancel()
        await discord.close()
        await slack.stop()
    on_discord = discord_posts(discord)
    on_slack, threads = slack_posts(slack)
    print("\n--- Discord ---\n" + "\n\n".join(on_discord))
    print("--- Slack ---\n" + "\n\n".join(on_slack) + "\n--- Slack threads ---\n" +
          "\n\n".join(threads))
    for posts in (on_discord, on_slack):
        assert with_title(posts, OLD) == 0  # a first poll posts nothing
        for title in (FIRST, SECOND, THIRD, FOURTH):  # once each, the edit not again
            assert with_title(posts, title) == 1, (title, posts, logs(tmp_path))
        assert with_title(posts, "(dpa)") == 0  # the copy from the other feed: never
        assert not any("Aktualisiert" in post for post in posts)
    assert len(on_discord) == 4  # batch_minutes = 0: one post per item
    # batch_minutes = 1: the first alone, the second and third (the batch the SIGKILL left
    # open) as one message, also after the restart, the fourth alone
    assert len(on_slack) == 3, on_slack
    (batch,) = [post for post in on_slack if "2 neue Meldungen" in post]
    assert SECOND in batch and THIRD in batch
    first = next(post for post in on_discord if FIRST in post)
    assert "Colette Kress" in first  # Discord: the claims in the post
    (slack_first,) = [post for post in on_slack if FIRST in post]
    assert "Colette Kress" not in slack_first  # Slack: the claims in the post's thread
    assert any("Colette Kress" in reply for reply in threads)
    assert discord.rejected == [] and slack.rejected == []


def logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-12000:]}"
                     for p in sorted(folder.glob("*.log")))
