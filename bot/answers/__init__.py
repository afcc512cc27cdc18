"""The answers behind the commands, one module per question, read from what ingest prepared.

``CoreAnswers`` is what ``bot.commands.CommandRouter`` talks to (its ``Answers`` protocol): it only
forwards to the module answering each question, so a new question is a new module here plus one
method. Nothing here computes what ingest stores (topics, story keys, claim keys): that happens at
ingest and at start (``bot.ingest``), never inside a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.claims import ClaimAnswers
from bot.answers.communities import CommunityAnswers
from bot.answers.digest import DigestAnswers, DigestWindow, digest_reply, topic_digest_reply
from bot.answers.feeds import FeedAnswers
from bot.answers.sources import SourceAnswers
from bot.answers.subscriptions import SubscriptionAnswers
from bot.answers.topic import TopicBriefings
from bot.delivery.subscriptions import LiveRoute
from bot.model import Claim, Reply, User

__all__ = [
    "ClaimAnswers",
    "CommunityAnswers",
    "CoreAnswers",
    "DigestAnswers",
    "DigestWindow",
    "FeedAnswers",
    "SourceAnswers",
    "SubscriptionAnswers",
    "TopicBriefings",
    "digest_reply",
    "topic_digest_reply",
]


@dataclass(frozen=True)
class CoreAnswers:
    briefings: TopicBriefings
    claim_ledger: ClaimAnswers
    digests: DigestAnswers
    source_health: SourceAnswers
    channel_digests: SubscriptionAnswers
    communities: CommunityAnswers
    community_feeds: FeedAnswers

    async def topic_briefing(self, topic: str, *, language: str | None = None,
                             community: str | None = None) -> Reply:
        return await self.briefings.briefing(topic, language=language, community=community)

    async def claims(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int,
        language: str | None = None, community: str | None = None,
    ) -> Reply:
        return await self.claim_ledger.page(claimant=claimant, status=status, topic=topic, page=page,
                                            language=language, community=community)

    async def ledger(self) -> list[Claim]:
        """Every claim as a ledger entry (unranked)."""
        return await self.claim_ledger.ledger()

    async def filtered_claims(
        self, *, claimant: str | None = None, status: str | None = None, topic: str | None = None
    ) -> list[Claim]:
        return await self.claim_ledger.filtered(claimant=claimant, status=status, topic=topic)

    async def complete(self, source: str, prefix: str, *, community: str | None = None) -> list[str]:
        if source != "claimant":
            return []
        return await self.claim_ledger.complete_claimant(prefix, community=community)

    async def digest(self, *, topic: str | None, language: str | None = None,
                     community: str | None = None) -> Reply:
        return await self.digests.digest(topic=topic, language=language, community=community)

    async def sources(self, *, language: str | None = None, community: str | None = None) -> Reply:
        return await self.source_health.sources(language=language, community=community)

    async def language_of(self, platform: str, community: str | None) -> str | None:
        return await self.communities.language_of(platform, community)

    async def set_language(self, platform: str, community: str, language: str) -> None:
        await self.communities.set_language(platform, community, language)

    async def subscriptions(self, *, platform: str, channel: str | None,
                            language: str | None = None) -> Reply:
        return await self.channel_digests.listing(platform=platform, channel=channel,
                                                  language=language)

    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User, community: str | None = None, language: str | None = None,
    ) -> Reply:
        return await self.channel_digests.subscribe(platform=platform, channel=channel, time=time,
                                                    timezone=timezone, topic=topic, user=user,
                                                    community=community, language=language)

    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          language: str | None = None) -> Reply:
        return await self.channel_digests.unsubscribe(platform=platform, channel=channel,
                                                      topic=topic, language=language)

    async def feeds(self, *, action: str, url: str | None, name: str | None, user: User,
                    platform: str, community: str | None, language: str | None = None) -> Reply:
        return await self.community_feeds.feeds(action=action, url=url, name=name, user=user,
                                                platform=platform, community=community,
                                                language=language)

    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User, community: str | None = None,
                             language: str | None = None) -> Reply:
        return await self.channel_digests.subscribe_live(platform=platform, channel=channel,
                                                         topic=topic, route=route, user=user,
                                                         community=community, language=language)

    async def unsubscribe_live(self, *, platform: str, channel: str, topic: str | None,
                               sub_id: str | None, language: str | None = None) -> Reply:
        return await self.channel_digests.unsubscribe(platform=platform, channel=channel,
                                                      topic=topic, mode="live", sub_id=sub_id,
                                                      language=language)
