"""Two ``briefbot run`` processes, each running one of two Discord shards (``[discord]
shard_count = 2`` and ``BRIEFBOT_SHARD_IDS``): each connects only its shard, receives only the
interactions of its shard's guilds (the fake Discord routes them by ``(guild_id >> 22) % 2``, as
Discord does), and every interaction is answered exactly once.

Real processes and real discord.py against the fake Discord; the database is the SQLite file of
the folder (or PostgreSQL with BRIEFBOT_TEST_BACKEND=postgresql).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.conftest import briefbot, clean_env, one_clean_error
from tests.e2e.processes import line_in_log, workers
from tests.fakes.discord_fake import TOKEN, FakeDiscord, guild_on_shard

GUILDS_PER_SHARD = 2
COMMANDS_PER_GUILD = 2
WAIT = 60.0  # seconds: bound of every wait (the machine may be busy)


def _config(home: Path, fake: FakeDiscord, extra: str = "") -> None:
    (home / "seeds").mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'[bot]\nlanguage = "en"\n[discord]\napi_base_url = "{fake.api_base}"\n'
        f'gateway_url = "{fake.gateway_url}"\nshard_count = 2\n{extra}', encoding="utf-8")


async def test_two_processes_each_run_one_shard_and_answer_its_guilds_once(tmp_path: Path) -> None:
    fake = FakeDiscord()
    fake.guilds = [guild_on_shard(shard, 2, start=n * 7) for shard in (0, 1)
                   for n in range(GUILDS_PER_SHARD)]
    await fake.start()
    _config(tmp_path, fake)
    try:
        async with workers(tmp_path, clean_env() | {"DISCORD_TOKEN": TOKEN}) as group:
            for shard in (0, 1):
                await group.start(f"shard-{shard}", BRIEFBOT_SHARD_IDS=str(shard))
            for shard in (0, 1):
                await asyncio.wait_for(fake.ready_event(shard).wait(), WAIT)
            assert await line_in_log(group, "shard-0", "discord: shards 0 of 2", WAIT), group.logs()
            assert await line_in_log(group, "shard-1", "discord: shards 1 of 2", WAIT), group.logs()
            await asyncio.wait_for(fake.synced.wait(), WAIT)
            sent = [(guild, await fake.send_command("help", guild_id=guild))
                    for guild in fake.guilds for _ in range(COMMANDS_PER_GUILD)]
            for _, interaction in sent:
                kind, _ = await asyncio.wait_for(interaction.events.get(), WAIT)
                assert kind == "callback", group.logs()
            # a second answer would come within moments: give it one round of /help more
            late = await fake.send_command("help", guild_id=fake.guilds[0])
            await asyncio.wait_for(late.events.get(), WAIT)
            identified = [fake.identified.get_nowait() for _ in range(fake.identified.qsize())]
    finally:
        await fake.close()
    assert sorted(tuple(i["shard"]) for i in identified) == [(0, 2), (1, 2)]
    assert fake.connections == 2  # one per shard: no process connected a shard not its own
    assert {shard: len(guilds) for shard, guilds in fake.guilds_sent.items()} == {
        0: GUILDS_PER_SHARD, 1: GUILDS_PER_SHARD}
    for guild, interaction in sent:
        assert fake.delivered[interaction.id] == fake.shard_of(guild)
        callbacks = [path for method, path, _ in fake.requests
                     if method == "POST" and f"/interactions/{interaction.id}/" in path]
        assert len(callbacks) == 1, (interaction.id, callbacks)
        assert interaction.events.empty()
    shards = sorted(fake.delivered[i.id] for _, i in sent)
    assert shards == [0] * (GUILDS_PER_SHARD * COMMANDS_PER_GUILD) + [1] * (
        GUILDS_PER_SHARD * COMMANDS_PER_GUILD)


def test_a_bad_shard_ids_variable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    fake = FakeDiscord()  # never started: the check comes before any connection
    _config(tmp_path, fake)
    for value, words in (("0,x", "is not a list of shard ids"), ("2", "outside 0..1"),
                         ("1,1", "names a shard twice")):
        result = briefbot(tmp_path, "run", env=clean_env() | {"DISCORD_TOKEN": TOKEN,
                                                             "BRIEFBOT_SHARD_IDS": value})
        assert result.returncode == 2, result.stderr
        line = one_clean_error(result)
        assert "BRIEFBOT_SHARD_IDS" in line and words in line, line
