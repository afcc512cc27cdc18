"""``/subscribe``, ``/unsubscribe`` and ``/subscriptions``: the channel's scheduled digests.

The replies are written by ``bot.delivery.subscriptions``, which owns the rules (config entries are
not removable from a channel, times and zones are checked there)."""

from __future__ import annotations

from bot.delivery.subscriptions import (
    LiveRoute,
    SubscriptionService,
    command_id,
    live_command_id,
)
from bot.errors import CommandError
from bot.feeds.manage import community_key
from bot.i18n import phrase
from bot.model import Reply, User
from bot.storage.communities_feeds import CommunitySubscriptionsStorage


class SubscriptionAnswers:
    def __init__(self, subscriptions: SubscriptionService,
                 communities: CommunitySubscriptionsStorage | None = None, *,
                 limit: int = 20) -> None:
        self.subscriptions = subscriptions
        self.communities = communities
        self.limit = limit  # [limits] subscriptions_per_community

    async def listing(self, *, platform: str, channel: str | None,
                      language: str | None = None) -> Reply:
        return await self.subscriptions.subscriptions_reply(platform=platform, channel=channel,
                                                            language=language)

    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User, community: str | None = None, language: str | None = None,
    ) -> Reply:
        """Raises:
        CommandError: a new subscription beyond the community's limit, or a bad time or zone.
        """
        sub_id = command_id(platform, channel, topic)
        await self._check_limit(sub_id, platform, community, language)
        reply = await self.subscriptions.subscribe_reply(
            platform=platform, channel=channel, time=time, timezone=timezone, topic=topic,
            user=user, language=language,
        )
        await self._tag(sub_id, platform, community)
        return reply

    async def _check_limit(self, sub_id: str, platform: str, community: str | None,
                           language: str | None) -> None:
        """Raises CommandError for a new subscription beyond the community's limit."""
        if (self.communities is not None and community is not None
                and await self.subscriptions.store.subscription(sub_id) is None
                and await self.communities.count(community_key(platform, community))
                >= self.limit):
            raise CommandError(phrase("sub_limit", language or self.subscriptions.language,
                                      limit=self.limit))

    async def _tag(self, sub_id: str, platform: str, community: str | None) -> None:
        """The subscription belongs to its community: it reads that community's feeds, in its
        language (``bot.delivery.audience``)."""
        if self.communities is not None:
            await self.communities.tag(sub_id, community_key(platform, community))

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          mode: str = "digest", sub_id: str | None = None,
                          language: str | None = None) -> Reply:
        if mode == "live" or sub_id is not None:
            return await self.subscriptions.unsubscribe_live(platform=platform, channel=channel,
                                                             topic=topic, sub_id=sub_id,
                                                             language=language)
        return await self.subscriptions.unsubscribe_reply(platform=platform, channel=channel,
                                                          topic=topic, language=language)

    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User, community: str | None = None,
                             language: str | None = None) -> Reply:
        sub_id = live_command_id(platform, channel, topic, route)
        await self._check_limit(sub_id, platform, community, language)
        reply = await self.subscriptions.subscribe_live(platform=platform, channel=channel,
                                                        topic=topic, route=route, user=user,
                                                        language=language)
        await self._tag(sub_id, platform, community)
        return reply
