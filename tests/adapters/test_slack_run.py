"""``briefbot run`` with Slack tokens: the whole process answers over Socket Mode, then stops on
SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import signal

import pytest

from bot.config import Config, Secrets, SlackConfig
from bot.run import run
from tests.fakes.slack_fake import FakeSlack, all_text


async def test_briefbot_run_answers_topic_and_claims_over_socket_mode(
    config: Config, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dataclasses.replace(config, slack=SlackConfig(api_base_url=fake_slack.api_url))
    secrets = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")
    # a harmless handler in case run() fails before installing its own: never kill pytest
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    task = asyncio.create_task(run(config, secrets))
    try:
        briefing = await fake_slack.send_command("/deepseek", within=30)
        claims = await fake_slack.send_command("/claims", "page:1")
        signal.raise_signal(signal.SIGTERM)  # run() handles it on the loop and stops
        assert await asyncio.wait_for(task, 30) == 0
    finally:
        if not task.done():
            task.cancel()
        signal.signal(signal.SIGTERM, previous)
    # answered in the ack itself (within the ack budget), as Block Kit
    assert briefing["response_type"] == "in_channel"
    assert briefing["blocks"][0]["type"] == "header"
    assert "DeepSeek" in briefing["blocks"][0]["text"]["text"]
    assert "•" in all_text(briefing)
    assert claims["blocks"][0]["type"] == "header"
    assert re.search(r"\b1/\d+\b", all_text(claims))  # page 1 of however many
    assert fake_slack.rejected == []
    assert "running on slack" in capsys.readouterr().err
    await asyncio.wait_for(fake_slack.disconnected.wait(), 5)  # the socket was closed on stop
