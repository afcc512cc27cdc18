"""Community settings (migration 4): a choice per platform and community, replaced, never mixed."""

from __future__ import annotations

from bot.app import App
from tests.conftest import FixedClock


async def test_a_community_keeps_its_own_language(app: App, clock: FixedClock) -> None:
    store = app.storage.communities
    assert await store.language("discord", "G1") is None
    await store.set_language("discord", "G1", "en", clock.now())
    await store.set_language("slack", "G1", "de", clock.now())  # same id, other platform
    assert await store.language("discord", "G1") == "en"
    assert await store.language("slack", "G1") == "de"
    await store.set_language("discord", "G1", "de", clock.advance(minutes=1))
    assert await store.language("discord", "G1") == "de"
    assert await store.language("discord", "G2") is None
