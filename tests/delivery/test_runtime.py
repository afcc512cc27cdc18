"""The glue for ``briefbot run`` and ``briefbot digest --post``, through the real app and router."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime

from bot.app import App
from bot.config import DigestConfig
from bot.delivery.runtime import app_build_digest, post_now_all, start_background
from bot.delivery.subscriptions import command_id
from bot.model import CommandRequest, Reply, User
from tests.conftest import FixedClock
from tests.delivery.fakes import RecordingPublisher

ADMIN = User(id="U1", name="ada", is_admin=True)


def with_digests(app: App, *digests: DigestConfig) -> None:
    app.config = dataclasses.replace(app.config, digests=digests)


async def test_commands_work_once_scheduling_runs(app: App, clock: FixedClock) -> None:
    clock.current = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    discord = RecordingPublisher("discord")
    app.publishers["discord"] = discord
    with_digests(app, DigestConfig(platform="discord", channel="cfg", time="07:00"))
    background = await start_background(app, console=False)
    try:
        assert "console" in app.publishers  # console digests print rather than dangle
        reply = await app.router.handle(CommandRequest(
            command="subscribe", options={"time": "08:30", "timezone": "Europe/Berlin"},
            user=ADMIN, platform="discord", channel="42"))
        assert not reply.is_error, reply.title
        assert "next one is due 2026-01-10 08:30 CET (07:30 UTC)" in reply.title
        jobs = {j.id for j in background.runtime.scheduler.scheduler.get_jobs()}
        assert f"digest:{command_id('discord', '42', None)}" in jobs
        listing = await app.router.handle(CommandRequest(command="subscriptions",
                                                         platform="discord", channel="42"))
        assert listing.sections[0].bullets[0] == "every day at 08:30 Europe/Berlin, subscribed by U1"
        refused = await app.router.handle(CommandRequest(command="unsubscribe", user=ADMIN,
                                                         platform="discord", channel="cfg"))
        assert refused.is_error and "config file" in refused.title
        # the cron job's work, run by hand at the slot time
        clock.current = datetime(2026, 1, 10, 7, 30, tzinfo=UTC)
        outcomes = await background.runtime.service.deliver_due()
        assert sorted(o.state for o in outcomes) == ["sent", "sent"]  # cfg 07:00 and 42 08:30
    finally:
        await background.stop()


async def test_post_now_all_reports_every_target(app: App) -> None:
    console = RecordingPublisher("console")
    app.publishers["console"] = console
    with_digests(app, DigestConfig(platform="console", channel="console", quiet="line"),
                 DigestConfig(platform="slack", channel="C9"))
    lines = await post_now_all(app)
    assert len(lines) == 2
    assert lines[0].startswith("posted to console channel console (all topics): message m1")
    assert lines[1].startswith("not posted to slack channel C9 (all topics): slack is not "
                               "connected")
    assert len(console.posts) == 1


async def test_the_default_digest_builder_uses_the_items_of_the_window(
    seeded_app: App, clock: FixedClock,
) -> None:
    build = app_build_digest(seeded_app)
    (sub, _) = await _subscribe(seeded_app)

    async def call(since: datetime, until: datetime) -> Reply | None:
        result = build(sub, since, until)
        return await result if inspect.isawaitable(result) else result

    before = await call(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 2, tzinfo=UTC))
    assert before is None  # nothing ingested then: a quiet day
    reply = await call(clock.now().replace(year=2000), clock.now().replace(year=2100))
    assert reply is not None and reply.sections


async def _subscribe(app: App):  # type: ignore[no-untyped-def]
    from bot.delivery.subscriptions import SubscriptionService

    return await SubscriptionService(app.storage.deliveries, app.clock).subscribe(
        platform="console", channel="console", time="08:00", timezone="UTC", topic=None)
