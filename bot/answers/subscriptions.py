"""``/subscribe``, ``/unsubscribe`` and ``/subscriptions``: the channel's scheduled digests.

The replies are written by ``bot.delivery.subscriptions``, which owns the rules (config entries are
not removable from a channel, times and zones are checked there)."""

from __future__ import annotations

from bot.delivery.subscriptions import LiveRoute, SubscriptionService
from bot.model import Reply, User


class SubscriptionAnswers:
    def __init__(self, subscriptions: SubscriptionService) -> None:
        self.subscriptions = subscriptions

    async def listing(self, *, platform: str, channel: str | None) -> Reply:
        return await self.subscriptions.subscriptions_reply(platform=platform, channel=channel)

    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User,
    ) -> Reply:
        return await self.subscriptions.subscribe_reply(
            platform=platform, channel=channel, time=time, timezone=timezone, topic=topic,
            user=user,
        )

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          mode: str = "digest", sub_id: str | None = None) -> Reply:
        if mode == "live" or sub_id is not None:
            return await self.subscriptions.unsubscribe_live(platform=platform, channel=channel,
                                                             topic=topic, sub_id=sub_id)
        return await self.subscriptions.unsubscribe_reply(platform=platform, channel=channel,
                                                          topic=topic)

    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User) -> Reply:
        return await self.subscriptions.subscribe_live(platform=platform, channel=channel,
                                                       topic=topic, route=route, user=user)
