"""Without shard settings exactly one ``briefbot run`` process holds the Discord gateway (the
leader, chosen by a lock: an advisory lock on PostgreSQL, an expiring lease on SQLite) and the
others post through REST only. When the leader is SIGKILLed, a follower takes the lock on one of
its retries and connects; interactions are answered once and the digest is posted once.

Real processes, real discord.py, the fake Discord; the digest slot is the next whole minute at
least 40 s away, so each run takes about a minute. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.e2e.processes import line_in_log, workers
from tests.fakes.discord_fake import GUILD_ID, TOKEN, FakeDiscord
from tests.storage.pg import fresh_database

CHANNEL = "1300000000000000021"
RETRY = 1.0  # [workers] leader_retry_seconds
LEASE = 4  # [workers] leader_lease_seconds (SQLite)
WAIT = 60.0  # seconds: bound of the waits for a start or a takeover (the machine may be busy)


@contextmanager
def database(target: str, home: Path) -> Iterator[dict[str, str]]:
    """The environment of the workers: one PostgreSQL database, or the folder's SQLite file."""
    env = {k: v for k, v in clean_env().items() if k != "BRIEFBOT_DATABASE_URL"}
    if target == "sqlite":
        yield env
        return
    with fresh_database() as url:
        yield env | {"BRIEFBOT_DATABASE_URL": url}


def _config(home: Path, fake: FakeDiscord, slot: datetime) -> None:
    (home / "seeds").mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'[bot]\nlanguage = "en"\n'
        f'[workers]\nleader_retry_seconds = {RETRY}\nleader_lease_seconds = {LEASE}\n'
        f'[discord]\nguild_id = {GUILD_ID}\napi_base_url = "{fake.api_base}"\n'
        f'gateway_url = "{fake.gateway_url}"\n'
        f'[[digests]]\nplatform = "discord"\nchannel = "{CHANNEL}"\ntime = "{slot:%H:%M}"\n'
        'timezone = "UTC"\nquiet = "line"\n', encoding="utf-8")


async def _posted(fake: FakeDiscord, seconds: float) -> bool:
    try:
        await asyncio.wait_for(fake.channel_posts.get(), seconds)
    except TimeoutError:
        return False
    return True


@pytest.mark.parametrize("database_target", ["sqlite", "postgresql"])
async def test_one_leader_holds_the_gateway_and_a_follower_takes_over_when_it_dies(
    tmp_path: Path, database_target: str
) -> None:
    fake = FakeDiscord()
    await fake.start()
    fake.channel_messages[CHANNEL] = []
    slot = (datetime.now(UTC) + timedelta(seconds=100)).replace(second=0, microsecond=0)
    _config(tmp_path, fake, slot)
    try:
        with database(database_target, tmp_path) as env:
            async with workers(tmp_path, env | {"DISCORD_TOKEN": TOKEN}) as group:
                await group.start("first")
                assert await line_in_log(group, "first", "discord: gateway leader", WAIT), \
                    group.logs()
                await group.start("second")
                assert await line_in_log(group, "second", "discord: REST only", WAIT), \
                    group.logs()
                await asyncio.wait_for(fake.identified.get(), WAIT)
                await asyncio.wait_for(fake.synced.wait(), WAIT)
                before = await fake.send_command("help")
                assert (await asyncio.wait_for(before.events.get(), WAIT))[0] == "callback"
                assert fake.connections == 1 and fake.identified.empty(), group.logs()

                await group.kill("first")
                killed = time.monotonic()
                await asyncio.wait_for(fake.identified.get(), WAIT)  # the follower connects
                took = time.monotonic() - killed
                assert await line_in_log(group, "second", "took the Discord gateway lock", 5)
                after = await fake.send_command("help")
                assert (await asyncio.wait_for(after.events.get(), WAIT))[0] == "callback"

                seconds_to_slot = (slot - datetime.now(UTC)).total_seconds()
                assert seconds_to_slot > 0, "the takeover took longer than the test allows"
                assert await _posted(fake, seconds_to_slot + WAIT), group.logs()
                duplicate = await _posted(fake, 3)  # a second post would follow within moments
    finally:
        await fake.close()
    print(f"{database_target}: follower connected {took:.1f} s after the SIGKILL "
          f"(retry {RETRY} s, SQLite lease {LEASE} s)")
    assert fake.connections == 2  # the leader's, then the follower's
    assert fake.most_open == 1  # never two at once
    assert not duplicate
    assert len(fake.channel_messages[CHANNEL]) == 1
    for interaction in (before, after):
        assert interaction.events.empty()
