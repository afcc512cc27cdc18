"""The real slack-bolt app over Socket Mode against a fake_slack Slack, answering from the seeded core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.slack.app import SlackRunner, start_slack_runner
from adapters.slack.render import escape
from bot.app import App
from bot.config import Secrets, SlackConfig
from bot.errors import ConfigError
from bot.i18n import label
from tests.fakes.claim_text import claim_start
from tests.fakes.slack_fake import FakeSlack, all_text, texts

SECRETS = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")


@pytest.fixture
async def slack(seeded_app: App, fake_slack: FakeSlack) -> AsyncIterator[SlackRunner]:
    config = SlackConfig(api_base_url=fake_slack.api_url, admins=("U0LISTED",))
    runner = await start_slack_runner(seeded_app.router, config, SECRETS)
    try:
        yield runner
    finally:
        await runner.stop()


def header(ack: dict[str, Any]) -> str:
    first = ack["blocks"][0]
    assert first["type"] == "header"
    return str(first["text"]["text"])


async def expected(app: App, line: str, **kwargs: Any) -> Any:
    return await app.router.handle(app.router.parse_text(line, platform="slack", **kwargs))


async def test_topic_command_answers_in_the_ack_with_the_briefing(
    slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    ack = await fake_slack.send_command("/deepseek")
    reply = await expected(seeded_app, "/deepseek", channel="C0GENERAL")
    assert ack["response_type"] == "in_channel"
    assert "DeepSeek" in header(ack)
    body = all_text(ack)
    figures = [f for s in reply.sections for f in s.figures]
    assert figures, "the seed gives the topic key figures"
    for figure in figures:
        assert escape(figure.value) in body
    links = [link for s in reply.sections for link in s.links]
    assert links
    for link in links:
        assert escape(link.title) in body
    claims = [c for s in reply.sections for c in s.claims]
    assert claims and all(claim_start(c, escape) in body for c in claims)
    assert not any(c.id in body for c in claims)  # ids are for machines, not for readers
    assert fake_slack.rejected == []
    assert fake_slack.responses.empty()
    # Socket Mode connected with the app token and called the Web API at the fake_slack
    assert fake_slack.method_calls("apps.connections.open")


async def test_claims_with_filters_round_trip(
    slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    ledger = await seeded_app.answers.ledger()
    claimant = next(c.claimant for c in ledger if c.claimant)
    others = [c for c in ledger if c.claimant and c.claimant != claimant]
    line = f'/claims claimant:"{claimant}" page:1'
    reply = await expected(seeded_app, line)
    shown = [c for s in reply.sections for c in s.claims]
    assert shown and all(c.claimant == claimant for c in shown)

    ack = await fake_slack.send_command("/claims", line.removeprefix("/claims "))
    body = all_text(ack)
    assert claimant in header(ack)
    for claim in shown:
        assert claim_start(claim, escape) in body
    for claim in others:
        assert f"*{escape(claim.claimant or '')}*" not in body
    assert (f"1/{reply.pages}" in body) == (reply.pages > 1)  # "Seite 1/1" says nothing
    assert fake_slack.rejected == []


async def test_claims_status_filter_and_bad_option(slack: SlackRunner, fake_slack: FakeSlack,
                                                   seeded_app: App) -> None:
    ledger = await seeded_app.answers.ledger()
    reply = await expected(seeded_app, "/claims status:no_evidence")
    shown = [c for s in reply.sections for c in s.claims]
    assert shown, "the seed has claims given without evidence"
    ack = await fake_slack.send_command("/claims", "status:no_evidence")
    body = all_text(ack)
    assert all(claim_start(c, escape) in body for c in shown)
    assert body.count("• ") == len(shown) == body.count(f"· {label('no_evidence', 'de')}")
    assert len(ledger) > len(shown)

    bad = await fake_slack.send_command("/claims", "status:bogus")
    assert bad["response_type"] == "ephemeral"
    assert "disputed" in header(bad) and "bogus" in header(bad)

    too_far = await fake_slack.send_command("/claims", "page:99")
    assert too_far["response_type"] == "ephemeral"
    assert "2 Seiten" in header(too_far)


async def test_digest_sources_help(slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App) -> None:
    digest = await fake_slack.send_command("/digest")
    reply = await expected(seeded_app, "/digest")
    body = all_text(digest)
    for section in reply.sections:
        assert escape(section.heading) in body

    sources = await fake_slack.send_command("/sources")
    assert escape("000_642439005ccd8e9b") in all_text(sources)

    help_ack = await fake_slack.send_command("/help")
    help_text = all_text(help_ack)
    for spec in seeded_app.router.commands():
        assert f"/{spec.name}" in help_text
    assert fake_slack.rejected == []


async def test_subscribe_needs_an_admin(slack: SlackRunner, fake_slack: FakeSlack,
                                        seeded_app: App) -> None:
    fake_slack.add_user("U0PLAIN", admin=False)
    ack = await fake_slack.send_command("/subscribe", "time:08:00", user_id="U0PLAIN")
    assert ack["response_type"] == "ephemeral"
    assert "admin" in header(ack).lower()
    assert fake_slack.method_calls("users.info")[-1]["user"] == "U0PLAIN"
    assert await seeded_app.storage.deliveries.subscriptions() == []


async def test_subscribe_unsubscribe_and_subscriptions_round_trip(
    slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    fake_slack.add_user("U0ADMIN", admin=True)
    ack = await fake_slack.send_command("/subscribe", "time:07:30 timezone:Europe/Berlin",
                                  user_id="U0ADMIN")
    assert "07:30" in header(ack), ack
    subs = await seeded_app.storage.deliveries.subscriptions()
    assert [(s.platform, s.channel, s.time, s.timezone) for s in subs] == [
        ("slack", "C0GENERAL", "07:30", "Europe/Berlin")
    ]

    listing = await fake_slack.send_command("/subscriptions")
    assert "07:30" in all_text(listing) and "C0GENERAL" in all_text(listing)

    # listed in [slack] admins: no users.info lookup needed
    before = len(fake_slack.method_calls("users.info"))
    gone = await fake_slack.send_command("/unsubscribe", user_id="U0LISTED")
    assert "Abbestellt" in header(gone)  # the default language: German
    assert len(fake_slack.method_calls("users.info")) == before
    assert await seeded_app.storage.deliveries.subscriptions() == []


async def test_subscribe_where_the_bot_is_not_a_member_says_invite(
    slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    fake_slack.add_user("U0ADMIN", admin=True)
    ack = await fake_slack.send_command("/subscribe", "time:08:00", user_id="U0ADMIN",
                                  channel_id="C0PUBLIC")
    assert ack["response_type"] == "ephemeral"
    assert "/invite" in header(ack)
    assert await seeded_app.storage.deliveries.subscriptions() == []

    fake_slack.members.add("C0PUBLIC")
    ok = await fake_slack.send_command("/subscribe", "time:08:00", user_id="U0ADMIN",
                                 channel_id="C0PUBLIC")
    assert "/invite" not in header(ok)
    assert [s.channel for s in await seeded_app.storage.deliveries.subscriptions()] == [
        "C0PUBLIC"
    ]


async def test_every_reply_fits_slack_limits(slack: SlackRunner, fake_slack: FakeSlack) -> None:
    for command in ("/deepseek", "/claims", "/digest", "/sources", "/help", "/subscriptions"):
        ack = await fake_slack.send_command(command)
        assert ack["blocks"], command
        assert all(t for t in texts(ack))
    assert fake_slack.rejected == []


async def test_a_wrong_bot_token_stops_the_start_with_a_clear_error(
    seeded_app: App, fake_slack: FakeSlack
) -> None:
    config = SlackConfig(api_base_url=fake_slack.api_url)
    wrong = Secrets(slack_bot_token="xoxb-wrong", slack_app_token="xapp-test")
    with pytest.raises(ConfigError, match="invalid_auth"):
        await start_slack_runner(seeded_app.router, config, wrong)
    assert not fake_slack.method_calls("apps.connections.open")


async def test_a_command_no_longer_in_the_config_gets_the_help(
    slack: SlackRunner, fake_slack: FakeSlack, seeded_app: App
) -> None:
    reply = await expected(seeded_app, "/oldtopic")
    ack = await fake_slack.send_command("/oldtopic")
    assert header(ack) == reply.title and "/oldtopic" in header(ack)
    assert "/claims" in all_text(ack)


@pytest.mark.parametrize(("typed", "claimant"), [("claimant:Sam Altman", "Sam Altman"),
                                                 ('claimant:"sam altman"', "Sam Altman"),
                                                 ("andreesen", "Marc Andreessen")])
async def test_claims_by_a_claimant_as_people_type_it(
    slack: SlackRunner, fake_slack: FakeSlack, typed: str, claimant: str
) -> None:
    ack = await fake_slack.send_command("/claims", typed)
    body = all_text(ack)
    assert ack["response_type"] == "in_channel", body
    names = set(re.findall(r"^• \*([^*]+)\* —", body, re.MULTILINE))
    assert names == {claimant}, body


async def test_an_unknown_claimant_gets_the_closest_names(slack: SlackRunner,
                                                          fake_slack: FakeSlack) -> None:
    ack = await fake_slack.send_command("/claims", "claimant:Sam Altmann Junior")
    assert ack["response_type"] == "ephemeral"
    assert "Sam Altman" in header(ack)


async def test_a_workspace_admin_switches_the_language(slack: SlackRunner,
                                                       fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0ADMIN", admin=True)
    switched = await fake_slack.send_command("/language", "en", user_id="U0ADMIN")
    assert "English" in header(switched)
    digest = await fake_slack.send_command("/digest")
    assert header(digest) == "Daily digest"
    bad = await fake_slack.send_command("/claims", "page:x")
    assert "whole number" in header(bad)
