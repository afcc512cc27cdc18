"""The glue for ``briefbot run`` and ``briefbot digest --post``, through the real app and router."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.app import App, build_app
from bot.config import Config, DigestConfig
from bot.delivery.subscriptions import SubscriptionService, command_id
from bot.model import CommandRequest, Reply, User
from tests.conftest import FixedClock
from tests.fakes.delivery import RecordingPublisher

ADMIN = User(id="U1", name="ada", is_admin=True)


MakeApp = Callable[..., Awaitable[App]]


@pytest.fixture
async def app_with(config: Config, clock: FixedClock) -> AsyncIterator[MakeApp]:
    """An app whose config has the given ``[[digests]]``, with the given publishers."""
    apps: list[App] = []

    async def make(*digests: DigestConfig, publishers: tuple[RecordingPublisher, ...] = ()) -> App:
        app = await build_app(dataclasses.replace(config, digests=digests), clock=clock,
                              publishers=publishers)
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.close()


async def test_commands_work_once_scheduling_runs(app_with: MakeApp, clock: FixedClock) -> None:
    clock.current = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    app = await app_with(DigestConfig(platform="discord", channel="cfg", time="07:00"))
    app.publishers.connect(RecordingPublisher("discord"))  # as a platform connecting later
    await app.delivery.start()
    try:
        reply = await app.router.handle(CommandRequest(
            command="subscribe", options={"time": "08:30", "timezone": "Europe/Berlin"},
            user=ADMIN, platform="discord", channel="42"))
        assert not reply.is_error, reply.title
        assert "der nächste kommt am 2026-01-10 08:30 CET (07:30 UTC)" in reply.title
        jobs = {j.id for j in app.delivery.scheduler.scheduler.get_jobs()}
        assert f"digest:{command_id('discord', '42', None)}" in jobs
        listing = await app.router.handle(CommandRequest(command="subscriptions",
                                                         platform="discord", channel="42"))
        assert listing.sections[0].bullets[0] == "jeden Tag um 08:30 Europe/Berlin, abonniert von U1"
        refused = await app.router.handle(CommandRequest(command="unsubscribe", user=ADMIN,
                                                         platform="discord", channel="cfg"))
        assert refused.is_error and "Konfigurationsdatei" in refused.title
        # the cron job's work, run by hand at the slot time
        clock.current = datetime(2026, 1, 10, 7, 30, tzinfo=UTC)
        outcomes = await app.delivery.service.deliver_due()
        assert sorted(o.state for o in outcomes) == ["sent", "sent"]  # cfg 07:00 and 42 08:30
    finally:
        await app.delivery.stop()


async def test_post_now_reports_every_target(app_with: MakeApp) -> None:
    console = RecordingPublisher("console")
    app = await app_with(DigestConfig(platform="console", channel="console", quiet="line"),
                         DigestConfig(platform="slack", channel="C9"), publishers=(console,))
    lines = await app.delivery.post_now()
    assert len(lines) == 2
    assert lines[0].startswith("posted to console channel console (all topics): message m1")
    assert lines[1].startswith("not posted to slack channel C9 (all topics): slack is not "
                               "connected")
    assert len(console.posts) == 1


async def test_the_default_digest_builder_uses_the_items_of_the_window(
    seeded_app: App, clock: FixedClock,
) -> None:
    (sub, _) = await _subscribe(seeded_app)

    async def call(since: datetime, until: datetime) -> Reply | None:
        return await seeded_app.answers.digests.for_subscription(sub, since, until)

    before = await call(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 2, tzinfo=UTC))
    assert before is None  # nothing ingested then: a quiet day
    reply = await call(clock.now().replace(year=2000), clock.now().replace(year=2100))
    assert reply is not None and reply.sections


async def _subscribe(app: App):  # type: ignore[no-untyped-def]
    return await SubscriptionService(app.storage.deliveries, app.clock).subscribe(
        platform="console", channel="console", time="08:00", timezone="UTC", topic=None)
