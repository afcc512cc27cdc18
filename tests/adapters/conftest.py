"""Fixtures shared by the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_fake import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API (and Socket Mode server) on 127.0.0.1, stopped after the test."""
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
