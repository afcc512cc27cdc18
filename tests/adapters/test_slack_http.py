"""HTTP mode: signed slash-command requests to the real bolt app, answered from the seeded core."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack.app import SlackRunner, start_slack_runner
from adapters.slack.render import escape
from bot.app import App
from bot.config import Secrets, SlackConfig
from bot.errors import ConfigError
from tests.fakes.claim_text import claim_start
from tests.fakes.slack_fake import FakeSlack, all_text, block_errors, signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SECRETS = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=SECRET)


@pytest.fixture
async def runner(seeded_app: App, fake_slack: FakeSlack) -> AsyncIterator[SlackRunner]:
    config = SlackConfig(mode="http", api_base_url=fake_slack.api_url)
    started = await start_slack_runner(seeded_app.router, config, SECRETS, host="127.0.0.1",
                                       port=0)
    try:
        yield started
    finally:
        await started.stop()


def command_body(fake_slack: FakeSlack, command: str, text: str = "") -> bytes:
    return urlencode({
        "token": "legacy", "team_id": fake_slack.team_id, "team_domain": "fake_slack",
        "channel_id": "C0GENERAL", "channel_name": "general", "user_id": "U0USER",
        "user_name": "user", "command": command, "text": text, "api_app_id": "A0APP",
        "response_url": f"{fake_slack.base}/response/http1", "trigger_id": "t1",
    }).encode()


async def post(runner: SlackRunner, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{runner.port}/slack/events"
    async with aiohttp.ClientSession() as session, session.post(url, data=body,
                                                                headers=headers) as response:
        text = await response.text()
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, text


async def test_signed_request_is_answered_in_the_response(
    runner: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    body = command_body(fake_slack, "/deepseek")
    status, payload = await post(runner, body, signed_headers(SECRET, body, int(time.time())))
    assert status == 200
    assert payload["response_type"] == "in_channel"
    assert block_errors(payload["blocks"]) == []
    reply = await seeded_app.router.handle(seeded_app.router.parse_text("/deepseek"))
    assert payload["blocks"][0]["text"]["text"] == reply.title
    for bullet in reply.sections[0].bullets:
        assert escape(bullet) in all_text(payload)


async def test_claims_over_http(runner: SlackRunner, fake_slack: FakeSlack, seeded_app: App) -> None:
    body = command_body(fake_slack, "/claims", "status:hedged")
    status, payload = await post(runner, body, signed_headers(SECRET, body, int(time.time())))
    assert status == 200
    hedged = [c for c in await seeded_app.answers.ledger() if c.hedged]
    text = all_text(payload)
    assert all(claim_start(c, escape) in text for c in hedged)
    assert "Status: unter Vorbehalt" in payload["blocks"][0]["text"]["text"]


async def test_bad_signature_is_refused(runner: SlackRunner, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, "/deepseek")
    headers = signed_headers("not-the-secret", body, int(time.time()))
    status, _ = await post(runner, body, headers)
    assert status == 401
    tampered = command_body(fake_slack, "/claims")
    status, _ = await post(runner, tampered, signed_headers(SECRET, body, int(time.time())))
    assert status == 401


async def test_stale_timestamp_is_refused(runner: SlackRunner, fake_slack: FakeSlack) -> None:
    body = command_body(fake_slack, "/deepseek")
    old = int(time.time()) - 6 * 60
    status, _ = await post(runner, body, signed_headers(SECRET, body, old))
    assert status == 401
    # the same request, freshly signed, goes through: the refusal was about time alone
    status, _ = await post(runner, body, signed_headers(SECRET, body, int(time.time())))
    assert status == 200


async def test_http_mode_needs_the_signing_secret(fake_slack: FakeSlack, seeded_app: App) -> None:
    config = SlackConfig(mode="http", api_base_url=fake_slack.api_url)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        await start_slack_runner(seeded_app.router, config, Secrets(slack_bot_token="xoxb-t"))
