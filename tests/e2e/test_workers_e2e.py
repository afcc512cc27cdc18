"""Three ``briefbot run`` processes on one PostgreSQL database share the work: each feed is
fetched at most once per interval and each digest is posted once, also after one worker is
SIGKILLed mid-run.

Real processes, a real PostgreSQL (BRIEFBOT_TEST_POSTGRES_URL; ``.ci/run`` starts one), 30 feeds on
a loopback HTTP server at a 1-minute interval, two digest subscriptions on the fake Discord (real
discord.py in the workers). No clock override exists in ``briefbot run``: the test uses the real
1-minute interval and the next whole minute as the digest time, so it takes about two minutes;
every wait is bounded in time. Without shard settings one worker (the leader) holds the Discord
gateway and the others post through REST: never more than one gateway connection is open.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import clean_env
from tests.fakes.discord_fake import GUILD_ID, TOKEN, FakeDiscord
from tests.storage.pg import fresh_database

pytestmark = pytest.mark.postgres

FEEDS = 30
WORKERS = 3
CHANNELS = ("1300000000000000011", "1300000000000000012")
INTERVAL = 60.0  # seconds: [fetch] interval = 1 (minute)
EARLIEST_REFETCH = INTERVAL * 0.9 - 1  # the schedule's jitter is +-10 %; 1 s for clock rounding
DEADLINE = 170.0  # seconds for the whole run


class FeedServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.hits: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.changes: Changes | None = None  # woken after every request

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path].append(time.monotonic())
        if self.server.changes is not None:
            self.server.changes.poke_threadsafe()
        now = format_datetime(datetime.now(UTC), usegmt=True)
        number = self.path.strip("/").removesuffix(".rss")
        items = "".join(
            f"<item><title>Feed {number} story {n}: the council approved a new budget</title>"
            f"<link>http://127.0.0.1:{self.server.port}/{number}/{n}</link>"
            f"<guid>feed-{number}-{n}</guid><pubDate>{now}</pubDate>"
            f"<description>The council approved the budget of feed {number}, story {n}. It "
            "funds three schools and a library.</description></item>"
            for n in range(2))
        body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>'
                f"{items}</channel></rss>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _config(home: Path, feeds: FeedServer, fake: FakeDiscord, slot: datetime) -> Path:
    lines = ['[bot]\nlanguage = "en"\n',
             "[fetch]\ninterval = 1\nfull_text = false\nallow_private_networks = true\n",
             f'[discord]\nguild_id = {GUILD_ID}\napi_base_url = "{fake.api_base}"\n'
             f'gateway_url = "{fake.gateway_url}"\n']
    lines += [f'[[feeds]]\nurl = "http://127.0.0.1:{feeds.port}/{n}.rss"\nname = "Feed {n}"\n'
              for n in range(FEEDS)]
    lines += [f'[[digests]]\nplatform = "discord"\nchannel = "{channel}"\n'
              f'time = "{slot:%H:%M}"\ntimezone = "UTC"\nquiet = "line"\n' for channel in CHANNELS]
    path = home / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Changes:
    """Wakes the test whenever the feed server (its own thread) or the fake Discord records
    something, so the test waits on events instead of sleeping between looks."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def poke(self) -> None:
        self.event.set()

    def poke_threadsafe(self) -> None:
        self.loop.call_soon_threadsafe(self.event.set)

    async def until(self, condition: Callable[[], bool], seconds: float) -> bool:
        """True as soon as ``condition()`` holds; False when it still does not after ``seconds``."""
        end = self.loop.time() + seconds
        while not condition():
            self.event.clear()
            remaining = end - self.loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.event.wait(), remaining)
            except TimeoutError:
                return condition()
        return True


class Posts(list[dict[str, Any]]):
    """A fake Discord channel's message list that wakes ``Changes`` on every post."""

    def __init__(self, changes: Changes) -> None:
        super().__init__()
        self.changes = changes

    def append(self, message: dict[str, Any]) -> None:
        super().append(message)
        self.changes.poke()


async def test_three_workers_fetch_each_feed_once_per_interval_and_post_each_digest_once(
    tmp_path: Path,
) -> None:
    changes = Changes()
    feeds = FeedServer()
    feeds.changes = changes
    threading.Thread(target=feeds.serve_forever, daemon=True).start()
    fake = FakeDiscord()
    await fake.start()
    for channel in CHANNELS:
        fake.channel_messages[channel] = Posts(changes)
    start = datetime.now(UTC)
    # the next whole minute at least 40 s away: every worker is up before the slot
    slot = (start + timedelta(seconds=100)).replace(second=0, microsecond=0)
    (tmp_path / "seeds").mkdir()
    _config(tmp_path, feeds, fake, slot)
    processes: list[asyncio.subprocess.Process] = []
    with fresh_database() as url:
        env = clean_env() | {"BRIEFBOT_DATABASE_URL": url, "DISCORD_TOKEN": TOKEN}
        try:
            for number in range(WORKERS):
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", cwd=tmp_path,
                    env=env | {"BRIEFBOT_WORKER_ID": f"worker-{number}"},
                    stdout=asyncio.subprocess.DEVNULL, stderr=open(  # noqa: SIM115, ASYNC230
                        tmp_path / f"worker-{number}.log", "w")))
            began = time.monotonic()
            assert await changes.until(lambda: len(feeds.hits) == FEEDS, 60), _logs(tmp_path)
            processes[0].send_signal(signal.SIGKILL)  # mid-run: after the first round
            await processes[0].wait()
            killed = time.monotonic()

            def done() -> bool:
                posted = all(fake.channel_messages[c] for c in CHANNELS)
                # the feeds the killed worker was polling stay leased to it until the lease
                # lapses (10 minutes): the others' second round is enough
                refetched = sum(len(h) >= 2 for h in feeds.hits.values()) >= FEEDS * 2 // 3
                return posted and refetched

            await changes.until(done, DEADLINE - (time.monotonic() - began))
            # a duplicate post would arrive within seconds of the first: wait for one, bounded
            await changes.until(
                lambda: any(len(fake.channel_messages[c]) > 1 for c in CHANNELS), 3)
        finally:
            await stop_processes(processes)
            feeds.shutdown()
            await fake.close()
    gaps = [later - earlier for hits in feeds.hits.values()
            for earlier, later in itertools.pairwise(hits)]
    fetches = sorted(len(h) for h in feeds.hits.values())
    print(f"fetches per feed {fetches[0]}..{fetches[-1]}; shortest gap "
          f"{min(gaps, default=0):.1f} s; posts per channel "
          f"{[len(fake.channel_messages[c]) for c in CHANNELS]}")
    assert len(feeds.hits) == FEEDS
    assert gaps and min(gaps) >= EARLIEST_REFETCH, (sorted(gaps)[:5], _logs(tmp_path))
    assert any(later >= killed for hits in feeds.hits.values() for later in hits[1:])
    assert [len(fake.channel_messages[c]) for c in CHANNELS] == [1, 1], _logs(tmp_path)
    assert fake.most_open == 1, _logs(tmp_path)  # one gateway leader at a time


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                     for p in sorted(folder.glob("worker-*.log")))


async def stop_processes(processes: list[asyncio.subprocess.Process]) -> None:
    """SIGTERM every process still running, then wait for each (killed after 30 s)."""
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
