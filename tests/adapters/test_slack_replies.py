"""Reply delivery through the real bolt app: slow answers, long replies, hostile content.

The router is the real ``CommandRouter``; only its answers are a stand-in, so a test can make an
answer slow (waiting on an event) or long or hostile without touching the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.slack import app as slack_app
from adapters.slack.app import SlackRunner, start_slack_runner
from bot.commands import CommandRouter
from bot.config import Config, Secrets, SlackConfig
from bot.i18n import label
from bot.model import Link, Reply, Section, User
from tests.fakes.slack_fake import FakeSlack, all_text

SECRETS = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")
HOSTILE = "AT&T <!channel> <!here|here> <!everyone> <@U0BOSS> @everyone <https://evil.example|x>"


class StandInAnswers:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.release.set()
        self.briefing = Reply(title="Briefing", sections=(Section("Overview", bullets=("one",)),))

    async def topic_briefing(self, topic: str, *, language: str | None = None,
                             community: str | None = None) -> Reply:
        await self.release.wait()
        return self.briefing

    async def claims(self, *, claimant: str | None, status: str | None, topic: str | None,
                     page: int, language: str | None = None,
                     community: str | None = None) -> Reply:
        return Reply(title=f"claims {claimant} {status} {page}")

    async def digest(self, *, topic: str | None, language: str | None = None,
                     community: str | None = None) -> Reply:
        return Reply(title="digest")

    async def sources(self, *, language: str | None = None,
                      community: str | None = None) -> Reply:
        return Reply(title="sources")

    async def subscriptions(self, *, platform: str, channel: str | None,
                            language: str | None = None) -> Reply:
        return Reply(title="subscriptions")

    async def subscribe(self, *, platform: str, channel: str, time: str, timezone: str,
                        topic: str | None, user: User, community: str | None = None,
                        language: str | None = None) -> Reply:
        return Reply(title="subscribed")

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          language: str | None = None) -> Reply:
        return Reply(title="unsubscribed")

    async def complete(self, source: str, prefix: str, *,
                       community: str | None = None) -> list[str]:
        return []

    async def language_of(self, platform: str, community: str | None) -> str | None:
        return None

    async def set_language(self, platform: str, community: str, language: str) -> None:
        return None


@pytest.fixture
def answers() -> StandInAnswers:
    return StandInAnswers()


@pytest.fixture
def language() -> str:
    return "de"  # the sentences the adapter writes itself follow [bot] language


@pytest.fixture
async def runner(config: Config, answers: StandInAnswers, fake_slack: FakeSlack,
                 language: str) -> AsyncIterator[SlackRunner]:
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, language=language))
    router = CommandRouter(config, answers)
    slack = SlackConfig(api_base_url=fake_slack.api_url)
    started = await start_slack_runner(router, slack, SECRETS, ack_budget=0.2)
    try:
        yield started
    finally:
        await started.stop()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_slow_answer_is_acked_first_then_sent_to_response_url(
    runner: SlackRunner, fake_slack: FakeSlack, answers: StandInAnswers, language: str
) -> None:
    answers.release.clear()
    ack = await fake_slack.send_command("/deepseek")  # returns only once the app acked
    assert ack["response_type"] == "ephemeral"
    assert ack["text"] == label("working", language)
    assert ("Working on it" in ack["text"]) is (language == "en")
    assert "blocks" not in ack or not ack["blocks"]
    assert fake_slack.responses.empty()
    answers.release.set()
    response = await asyncio.wait_for(fake_slack.responses.get(), 5)
    assert response["response_type"] == "in_channel"
    assert response["blocks"][0]["text"]["text"] == "Briefing"
    assert "• one" in all_text(response)


def parts_of(ack: dict[str, Any]) -> int:
    match = re.search(r"\(1/(\d+)\)$", ack["text"])
    assert match, ack["text"]
    return int(match.group(1))


async def test_a_long_reply_is_split_into_valid_messages(
    runner: SlackRunner, fake_slack: FakeSlack, answers: StandInAnswers
) -> None:
    bullets = tuple(f"Bullet {i:03d}: " + "lorem ipsum " * 40 for i in range(100))
    answers.briefing = Reply(title="Long", sections=(
        Section("Part A", bullets=bullets[:50]), Section("Part B", bullets=bullets[50:])))
    ack = await fake_slack.send_command("/deepseek")
    assert ack["response_type"] == "in_channel"
    total = parts_of(ack)
    assert 2 <= total <= 6  # the ack plus response_url's 5 posts
    follow = [await asyncio.wait_for(fake_slack.responses.get(), 5) for _ in range(total - 1)]
    assert fake_slack.rejected == []
    joined = "\n".join(all_text(m) for m in [ack, *follow])
    positions = [joined.index(f"Bullet {i:03d}:") for i in range(100)]
    assert positions == sorted(positions)
    assert [m["text"][-5:] for m in follow] == [f"({i}/{total})" for i in range(2, total + 1)]
    assert all(m["response_type"] == "in_channel" for m in follow)


async def test_a_reply_too_long_for_response_url_ends_with_a_note(
    runner: SlackRunner, fake_slack: FakeSlack, answers: StandInAnswers
) -> None:
    bullets = tuple(f"Bullet {i:03d}: " + "lorem ipsum " * 200 for i in range(100))
    answers.briefing = Reply(title="Huge", sections=(Section("All", bullets=bullets),))
    ack = await fake_slack.send_command("/deepseek")
    follow = [await asyncio.wait_for(fake_slack.responses.get(), 5) for _ in range(5)]
    await runner.commands.drain()  # the answer task has finished sending
    assert fake_slack.rejected == []  # never more than 5 posts to one response_url
    assert fake_slack.responses.empty()
    assert label("rest_truncated", "de") in all_text(follow[-1])
    assert "Bullet 000" in all_text(ack)


async def test_hostile_feed_text_cannot_mention_anyone(
    runner: SlackRunner, fake_slack: FakeSlack, answers: StandInAnswers
) -> None:
    answers.briefing = Reply(title=HOSTILE, sections=(Section(
        HOSTILE, bullets=(HOSTILE,), text=HOSTILE, links=(Link(HOSTILE, "https://ok.example/"),)
    ),), footer=HOSTILE)
    ack = await fake_slack.send_command("/deepseek")
    shown = all_text(ack) + "\n" + ack["text"]
    for markup in ("<!channel>", "<!here", "<!everyone>", "<@U0BOSS>", "<https://evil"):
        assert markup not in shown
    assert "@everyone" not in shown
    assert "AT&amp;T &lt;!channel&gt;" in shown
    assert "<https://ok.example/|AT&amp;T &lt;!channel&gt;" in shown
    assert fake_slack.rejected == []


async def test_admin_commands_ask_users_info_and_refuse_others(
    runner: SlackRunner, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ADMIN", admin=True)
    fake_slack.add_user("U0USER", admin=False)
    refused = await fake_slack.send_command("/unsubscribe", user_id="U0USER")
    assert "admin" in refused["blocks"][0]["text"]["text"].lower()
    done = await fake_slack.send_command("/unsubscribe", user_id="U0ADMIN")
    assert done["blocks"][0]["text"]["text"] == "unsubscribed"
    assert [c["user"] for c in fake_slack.method_calls("users.info")] == ["U0USER", "U0ADMIN"]
    # non-admin commands never look the user up
    await fake_slack.send_command("/claims", "claimant:Wang status:hedged page:2")
    assert len(fake_slack.method_calls("users.info")) == 2


async def test_text_options_reach_the_core_parsed(runner: SlackRunner, fake_slack: FakeSlack) -> None:
    ack = await fake_slack.send_command("/claims", 'claimant:"Sam Altman" status:disputed page:3')
    assert ack["blocks"][0]["text"]["text"] == "claims Sam Altman disputed 3"
    bad = await fake_slack.send_command("/claims", "page:zero")
    assert bad["response_type"] == "ephemeral"
    assert "page" in bad["blocks"][0]["text"]["text"] and "zero" in bad["blocks"][0]["text"]["text"]


async def test_an_answer_that_crashes_still_gets_an_ack(
    runner: SlackRunner, fake_slack: FakeSlack, answers: StandInAnswers,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = slack_app.render  # the first render fails, the error reply renders

    def first_call_breaks(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("renderer bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(slack_app, "render", first_call_breaks)
    ack = await fake_slack.send_command("/deepseek")
    assert ack["response_type"] == "ephemeral"
    assert label("answer_failed", "de") in ack["blocks"][0]["text"]["text"]
