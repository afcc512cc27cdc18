"""Live posts through slack-sdk against the fake Slack: each item once, the opted-in user group
and nothing else, the claims as a thread reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.slack import make_publisher
from bot.delivery.live import LiveDelivery
from bot.model import Reply, Section, Target
from bot.storage import Storage
from tests.conftest import FixedClock
from tests.delivery.test_live import Feeds, live_sub
from tests.fakes.slack_fake import FakeSlack, all_text

CHANNEL = "C0GENERAL"


async def test_live_posts_on_slack_once_with_only_the_group_mention(
        tmp_path: Path, fake_slack: FakeSlack) -> None:
    clock = FixedClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    storage = await Storage.open(tmp_path / "live.db")
    try:
        publisher = make_publisher("xoxb-test", fake_slack.api_url)
        live = LiveDelivery(storage, {"slack": publisher}, clock)
        await storage.deliveries.upsert_subscription(live_sub(
            clock, platform="slack", channel=CHANNEL, mention="S0TEAM1", batch_minutes=5))
        feeds = Feeds(storage, clock)
        feed = await feeds.feed("http://127.0.0.1:1/f", "heise")
        clock.current += timedelta(minutes=1)
        await feeds.poll(feed, ("a", "Ärger um KI <!channel> <@U123>", "http://127.0.0.1:1/a"),
                         ("b", "Zweite Meldung", "http://127.0.0.1:1/b"))
        assert await live.tick() == 0  # the batch is open
        clock.current += timedelta(minutes=5)
        assert await live.tick() == 1
        assert await live.tick() == 0
        (message,) = fake_slack.messages(CHANNEL)
        text = all_text(message)
        assert message["text"].startswith("<!subteam^S0TEAM1> ")
        assert text.count("<!") == 1 and "<!channel>" not in text  # only the group mention
        assert "<@U123>" not in text and "Zweite Meldung" in text
    finally:
        await storage.close()


async def test_claims_go_into_the_thread(fake_slack: FakeSlack) -> None:
    publisher = make_publisher("xoxb-test", fake_slack.api_url)
    reply = Reply(title="DeepSeek stellt R2 vor", sections=(Section("DeepSeek stellt R2 vor"),),
                  replies=(Section("DeepSeek stellt R2 vor",
                                   bullets=("Liang Wenfeng: R2 is cheaper",)),))
    receipt = await publisher.publish(Target("slack", CHANNEL), reply, idempotency_key="k1")
    post, thread = fake_slack.messages(CHANNEL)
    assert post["ts"] == receipt.message_id and "thread_ts" not in post
    assert thread["thread_ts"] == receipt.message_id
    assert "R2 is cheaper" in all_text(thread) and "R2 is cheaper" not in all_text(post)
    assert await publisher.find_existing(Target("slack", CHANNEL), "k1") == receipt
