"""Two workers hold Socket Mode connections to one Slack app: Slack (the fake, in turn) sends each
envelope over one connection, and each slash command is answered exactly once, also when Slack
sends a command again after a missed ack (then over the other connection)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.app import SlackRunner, start_slack_runner
from bot.app import App
from bot.config import Secrets, SlackConfig
from bot.delivery.leader import once_among_workers
from tests.fakes.slack_fake import FakeSlack

SECRETS = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")
COMMANDS = 10


@pytest.fixture
async def two_workers(seeded_app: App, fake_slack: FakeSlack) -> AsyncIterator[list[SlackRunner]]:
    config = SlackConfig(api_base_url=fake_slack.api_url)
    runners: list[SlackRunner] = []
    try:
        for worker in ("worker-a", "worker-b"):
            once = once_among_workers(seeded_app.storage.leases, worker, seeded_app.clock,
                                      "slack-command")
            runners.append(await start_slack_runner(seeded_app.router, config, SECRETS,
                                                    once=once))
        await fake_slack.wait_connections(2)
        yield runners
    finally:
        for runner in runners:
            await runner.stop()


async def test_each_command_is_answered_once_over_one_of_two_connections(
    two_workers: list[SlackRunner], fake_slack: FakeSlack
) -> None:
    acks = [await fake_slack.send_command("/help") for _ in range(COMMANDS)]
    assert all(ack.get("blocks") for ack in acks)  # each answered in its ack
    assert len(fake_slack.acks) == COMMANDS
    assert all(len(answers) == 1 for answers in fake_slack.acks.values())
    over = [sockets[0] for sockets in fake_slack.delivered_over.values()]
    assert sorted(set(over)) == [0, 1]  # both connections got commands
    assert fake_slack.responses.empty()  # nothing followed through response_url either
    assert fake_slack.rejected == []


async def test_a_command_sent_again_after_a_missed_ack_is_answered_once(
    two_workers: list[SlackRunner], fake_slack: FakeSlack
) -> None:
    first = await fake_slack.send_command("/help")
    again = await fake_slack.redeliver_last()
    [(envelope, sockets)] = fake_slack.delivered_over.items()
    assert len(set(sockets)) == 2, "sent again over the other worker's connection"
    assert first.get("blocks")
    assert again == {}  # acknowledged without a word: the other worker answered
    assert len(fake_slack.acks[envelope]) == 2
    assert fake_slack.responses.empty()
