"""The Slack publisher against the fake_slack Web API: metadata keys, history lookup, errors, 429."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from slack_sdk.http_retry import builtin_async_handlers

from adapters.slack import make_publisher
from adapters.slack.publisher import EVENT_TYPE, SlackPublisher
from bot.app import App
from bot.config import DigestConfig
from bot.delivery.service import DeliveryService
from bot.delivery.subscriptions import SubscriptionService
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.model import Reply, Section, Target
from tests.conftest import FixedClock
from tests.fakes.slack_fake import FakeSlack, all_text

GENERAL = Target("slack", "C0GENERAL")


@pytest.fixture
def publisher(fake_slack: FakeSlack) -> SlackPublisher:
    return make_publisher("xoxb-test", fake_slack.api_url)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What slack-sdk's rate-limit handler waits, recorded instead of slept (jitter off)."""
    recorded: list[float] = []

    async def sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    return recorded


def long_reply(n: int = 60) -> Reply:
    bullets = tuple(f"Item {i:03d} " + "text " * 100 for i in range(n))
    return Reply(title="Digest", sections=(Section("Stories", bullets=bullets),))


def keys_in(fake_slack: FakeSlack, channel: str) -> list[tuple[str, int, int]]:
    out = []
    for m in fake_slack.messages(channel):
        meta = m.get("metadata") or {}
        assert meta.get("event_type") == EVENT_TYPE
        p = meta["event_payload"]
        out.append((p["key"], p["part"], p["parts"]))
    return out


async def test_a_digest_is_published_with_its_key(
    publisher: SlackPublisher, fake_slack: FakeSlack, seeded_app: App
) -> None:
    reply = await seeded_app.answers.digest(topic=None)
    receipt = await publisher.publish(GENERAL, reply, idempotency_key="bbkey1")
    (message,) = fake_slack.messages("C0GENERAL")
    assert receipt.message_id == message["ts"] and receipt.extra_ids == ()
    assert keys_in(fake_slack, "C0GENERAL") == [("bbkey1", 0, 1)]
    assert message["blocks"][0]["text"]["text"] == reply.title
    for section in reply.sections:
        assert section.heading in all_text(message).replace("&amp;", "&")
    assert fake_slack.rejected == []
    (call,) = fake_slack.method_calls("chat.postMessage")
    assert call["unfurl_links"] is False and "link_names" not in call
    assert await publisher.find_existing(GENERAL, "bbkey1") == receipt
    assert await publisher.find_existing(GENERAL, "other") is None


async def test_a_long_digest_is_several_messages(publisher: SlackPublisher,
                                                 fake_slack: FakeSlack) -> None:
    receipt = await publisher.publish(GENERAL, long_reply(), idempotency_key="bblong")
    keys = keys_in(fake_slack, "C0GENERAL")
    parts = len(keys)
    assert parts > 1 and fake_slack.rejected == []
    assert keys == [("bblong", i, parts) for i in range(parts)]
    assert [receipt.message_id, *receipt.extra_ids] == [
        m["ts"] for m in fake_slack.messages("C0GENERAL")
    ]


async def test_429_is_retried_after_retry_after(publisher: SlackPublisher, fake_slack: FakeSlack,
                                                waits: list[float]) -> None:
    fake_slack.fail_next("chat.postMessage", "429", 7)
    receipt = await publisher.publish(GENERAL, Reply(title="hi"), idempotency_key="bb429")
    assert waits == [7]
    assert len(fake_slack.method_calls("chat.postMessage")) == 2
    assert [m["ts"] for m in fake_slack.messages("C0GENERAL")] == [receipt.message_id]


async def test_429_beyond_the_retries_is_transient_with_retry_after(
    publisher: SlackPublisher, fake_slack: FakeSlack, waits: list[float]
) -> None:
    for _ in range(3):
        fake_slack.fail_next("chat.postMessage", "429", 30)
    with pytest.raises(TransientPublishError) as info:
        await publisher.publish(GENERAL, Reply(title="hi"), idempotency_key="bb429b")
    assert info.value.retry_after == 30
    assert waits == [30, 30]
    assert fake_slack.messages("C0GENERAL") == []


async def test_connection_broken_after_posting_is_unknown_and_found_in_history(
    publisher: SlackPublisher, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", "disconnect_after_post")
    with pytest.raises(UnknownOutcomeError):
        await publisher.publish(GENERAL, Reply(title="hi"), idempotency_key="bbunk")
    # not retried blindly: exactly one request reached Slack
    assert len(fake_slack.method_calls("chat.postMessage")) == 1
    (message,) = fake_slack.messages("C0GENERAL")
    found = await publisher.find_existing(GENERAL, "bbunk")
    assert found is not None and found.message_id == message["ts"]
    assert fake_slack.method_calls("conversations.history")[-1]["include_all_metadata"] in (1, "1",
                                                                                      "true")


async def test_connection_broken_before_posting_is_unknown_and_sent_once_after_lookup(
    publisher: SlackPublisher, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", "disconnect")
    with pytest.raises(UnknownOutcomeError):
        await publisher.publish(GENERAL, Reply(title="hi"), idempotency_key="bbgone")
    assert await publisher.find_existing(GENERAL, "bbgone") is None
    await publisher.publish(GENERAL, Reply(title="hi"), idempotency_key="bbgone")
    assert keys_in(fake_slack, "C0GENERAL") == [("bbgone", 0, 1)]


async def test_a_split_digest_interrupted_midway_sends_only_the_missing_parts(
    fake_slack: FakeSlack
) -> None:
    first = make_publisher("xoxb-test", fake_slack.api_url)
    reply = long_reply()
    # part 0 goes through; the connection breaks right after part 1 is stored
    fake_slack.fail_next("chat.postMessage", "disconnect_after_post", after=1)
    with pytest.raises(UnknownOutcomeError):
        await first.publish(GENERAL, reply, idempotency_key="bbsplit")
    assert [p for _, p, _ in keys_in(fake_slack, "C0GENERAL")] == [0, 1]

    # a new process: the lookup finds two parts, and publishing sends only the others
    restarted = make_publisher("xoxb-test", fake_slack.api_url)
    assert await restarted.find_existing(GENERAL, "bbsplit") is None
    receipt = await restarted.publish(GENERAL, reply, idempotency_key="bbsplit")
    keys = keys_in(fake_slack, "C0GENERAL")
    parts = keys[0][2]
    assert parts >= 3
    assert sorted(p for _, p, _ in keys) == list(range(parts))
    assert len(keys) == parts  # nothing posted twice
    assert [receipt.message_id, *receipt.extra_ids] == [m["ts"] for m in
                                                        fake_slack.messages("C0GENERAL")]
    assert await restarted.find_existing(GENERAL, "bbsplit") == receipt


async def test_channel_errors_are_permanent(publisher: SlackPublisher, fake_slack: FakeSlack) -> None:
    with pytest.raises(PermanentPublishError, match="channel_not_found"):
        await publisher.publish(Target("slack", "C0NOWHERE"), Reply(title="x"),
                                idempotency_key="bbp1")
    fake_slack.fail_next("chat.postMessage", "error", "not_in_channel")
    with pytest.raises(PermanentPublishError, match="not_in_channel"):
        await publisher.publish(GENERAL, Reply(title="x"), idempotency_key="bbp2")
    assert fake_slack.messages("C0GENERAL") == []


async def test_a_public_channel_the_bot_has_not_joined(publisher: SlackPublisher,
                                                       fake_slack: FakeSlack) -> None:
    # chat:write.public: posting works without an invitation, reading the history does not,
    # so the publisher cannot tell whether a post exists (the delivery service then posts and
    # records a possible duplicate instead of disabling the digest)
    public = Target("slack", "C0PUBLIC")
    receipt = await publisher.publish(public, Reply(title="x"), idempotency_key="bbpub")
    assert [m["ts"] for m in fake_slack.messages("C0PUBLIC")] == [receipt.message_id]
    with pytest.raises(NotImplementedError):
        await publisher.find_existing(public, "bbpub")
    with pytest.raises(PermanentPublishError, match="channel_not_found"):
        await publisher.find_existing(Target("slack", "C0PRIVATE"), "bbpub")


async def test_server_errors_and_unreachable_slack(publisher: SlackPublisher,
                                                   fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("conversations.history", "error", "internal_error")
    with pytest.raises(TransientPublishError):
        await publisher.find_existing(GENERAL, "k")
    fake_slack.fail_next("chat.postMessage", "error", "internal_error")
    with pytest.raises(UnknownOutcomeError):
        await publisher.publish(GENERAL, Reply(title="x"), idempotency_key="bb5xx")
    await fake_slack.stop()
    with pytest.raises(TransientPublishError):  # refused before sending: safe to retry
        await publisher.publish(GENERAL, Reply(title="x"), idempotency_key="bbdown")


async def test_delivery_service_does_not_resend_a_post_found_in_history(
    seeded_app: App, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    publisher = make_publisher("xoxb-test", fake_slack.api_url, language=seeded_app.router.language)
    subs = SubscriptionService(seeded_app.storage.deliveries, clock)
    await subs.sync_config([DigestConfig(platform="slack", channel="C0GENERAL", time="08:00")])
    slept: list[float] = []

    async def no_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def build(sub: object, since: object, until: object) -> Reply:
        return await seeded_app.answers.digest(topic=None)

    service = DeliveryService(subs, {"slack": publisher}, build, clock, sleep=no_sleep)
    clock.advance(days=1)
    fake_slack.fail_next("chat.postMessage", "disconnect_after_post")
    (outcome,) = await service.deliver_due()
    (message,) = fake_slack.messages("C0GENERAL")
    assert outcome.state == "sent", outcome.line()
    assert outcome.message_id == message["ts"]
    assert not outcome.possible_duplicate
    assert len(fake_slack.method_calls("chat.postMessage")) == 1
    assert len(fake_slack.method_calls("conversations.history")) == 1
