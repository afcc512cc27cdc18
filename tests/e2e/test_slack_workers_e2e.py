"""Two ``briefbot run`` processes hold Socket Mode connections to the fake Slack, which sends each
envelope over one of them in turn: every slash command is answered exactly once, also one Slack
sends again (a missed ack) over the other process's connection. Real processes and slack-bolt;
the database is the folder's SQLite file (PostgreSQL with BRIEFBOT_TEST_BACKEND=postgresql)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import clean_env
from tests.e2e.processes import line_in_log, workers
from tests.fakes.slack_fake import FakeSlack

COMMANDS = 6
WAIT = 60.0  # seconds: bound of the waits for a start (the machine may be busy)


async def test_two_processes_answer_each_slack_command_once(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    (tmp_path / "seeds").mkdir()
    (tmp_path / "config.toml").write_text(
        f'[bot]\nlanguage = "en"\n[slack]\nmode = "socket"\napi_base_url = "{fake.api_url}"\n',
        encoding="utf-8")
    env = clean_env() | {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token}
    try:
        async with workers(tmp_path, env) as group:
            for name in ("slack-a", "slack-b"):
                await group.start(name)
            for name in ("slack-a", "slack-b"):
                assert await line_in_log(group, name, "running on slack", WAIT), group.logs()
            await fake.wait_connections(2, WAIT)
            acks = [await fake.send_command("/help", within=WAIT) for _ in range(COMMANDS)]
            again = await fake.redeliver_last(within=WAIT)
    finally:
        await fake.stop()
    assert all(ack.get("blocks") for ack in acks), acks
    assert again == {}  # the other process acknowledged it without answering again
    over = {sockets[0] for sockets in fake.delivered_over.values()}
    assert over == {0, 1}
    assert len(set(list(fake.delivered_over.values())[-1])) == 2  # sent again to the other one
    assert [len(answers) for answers in fake.acks.values()] == [1] * (COMMANDS - 1) + [2]
    assert fake.responses.empty()
