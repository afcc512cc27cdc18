"""The composition root: the one place where briefbot's parts are wired together.

Everything with side effects is a keyword-only injectable so tests can swap in fakes (an in-memory
database, a fixed clock, a fake fetcher, recording publishers). Each part receives its
collaborators, never the ``App``; the ``App`` only holds them for the entry points.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.answers import (
    ClaimAnswers,
    CommunityAnswers,
    CoreAnswers,
    DigestAnswers,
    FeedAnswers,
    SourceAnswers,
    SubscriptionAnswers,
    TopicBriefings,
)
from bot.answers.prepared import PreparedAnswers, made_with
from bot.briefing.figures import extract_figures
from bot.briefing.stories import StoryMemo
from bot.briefing.summary import SUMMARY_WORDS, ExtractiveSummarizer
from bot.claims.extract import RuleClaimExtractor
from bot.claims.ledger import update_ledger
from bot.commands import CommandRouter
from bot.config import Config, Secrets
from bot.delivery.audience import Audiences
from bot.delivery.feed_alerts import FeedAlerts
from bot.delivery.live import LiveDelivery, queue_hook
from bot.delivery.publishers import Publishers
from bot.delivery.runtime import DeliveryRuntime, feed_poll_job
from bot.delivery.service import Sleep
from bot.feeds.fetch import HttpFetcher
from bot.feeds.leases import worker_id
from bot.feeds.manage import FeedManager
from bot.feeds.poller import FeedPoller
from bot.ingest import AfterItems, IngestService
from bot.ports import Clock, Fetcher, Publisher, SystemClock
from bot.storage import Storage
from bot.text.pipeline import TextPipeline


@dataclass(frozen=True)
class App:
    config: Config
    secrets: Secrets
    storage: Storage
    clock: Clock
    pipeline: TextPipeline
    ingest: IngestService
    answers: CoreAnswers
    router: CommandRouter
    fetcher: Fetcher
    poller: FeedPoller
    feeds: FeedManager
    publishers: Publishers
    delivery: DeliveryRuntime
    owns_storage: bool
    worker: str = ""  # this process among those sharing the database (bot.feeds.leases)

    async def close(self) -> None:
        """Stop what ``delivery.start()`` started (if anything), close the fetcher, and the
        storage when this app opened it."""
        await self.delivery.stop()
        await self.poller.close()  # polls still under way use the fetcher
        await self.fetcher.close()
        await self.ingest.close()  # the analysis processes
        await self.answers.digests.prepared_close()  # rebuilds of prepared answers under way
        if self.owns_storage:
            await self.storage.close()


def default_pipeline(summary_words: int = SUMMARY_WORDS) -> TextPipeline:
    """The text pipeline of a process: extractive summaries ([briefing] summary_words), rule-based
    claims, figures. Build it once at process start and pass it to every ``build_app`` of that
    process."""
    return TextPipeline(summarizer=ExtractiveSummarizer(summary_words=summary_words),
                        extractor=RuleClaimExtractor(), figures=extract_figures)


async def build_app(
    config: Config,
    *,
    secrets: Secrets | None = None,
    storage: Storage | None = None,
    clock: Clock | None = None,
    fetcher: Fetcher | None = None,
    publishers: Iterable[Publisher] = (),
    pipeline: TextPipeline | None = None,
    sleep: Sleep = asyncio.sleep,
) -> App:
    """Build the app from the config. The caller closes it with ``await app.close()``.

    ``publishers``: those known now; a platform connecting later hands its publisher to
    ``app.publishers.connect``. ``sleep``: how the delivery service waits between retries.
    """
    # before opening anything that would need closing
    pipeline = pipeline or default_pipeline(config.briefing.summary_words)
    owns_storage = storage is None
    storage = storage or await Storage.from_config(config)
    clock = clock or SystemClock()
    claims = ClaimAnswers(config, storage)
    prepared = PreparedAnswers(  # digests/briefings at ingest
        storage, clock, made_with(config, builders=[sys.modules[DigestAnswers.__module__],
                                                    sys.modules[TopicBriefings.__module__]]))
    ingest = IngestService(storage, clock, pipeline,
                           after_items=[*_ledger_hooks(storage, claims), queue_hook(storage),
                                        prepared.after_items],
                           topics=config.topics, processes=config.ingest.worker_processes)
    try:
        await ingest.prepare()  # derived tables follow the topics config (bot.ingest)
        await claims.prepare()  # claims ranked for the current feeds and topics (bot.claims.ranks)
    except BaseException:
        if owns_storage:
            await storage.close()
        raise
    fetcher = fetcher or HttpFetcher(config.fetch)  # its session opens on the first fetch
    worker = worker_id()
    poller = FeedPoller(config, storage, ingest, clock, fetcher, worker=worker)
    stories = StoryMemo()  # this app's story keys and groupings (no per-process cache)
    digests = DigestAnswers(config, storage, clock, claims, stories, prepared=prepared)
    registry = Publishers(publishers)
    live = LiveDelivery(storage, registry, clock,
                        lease=timedelta(seconds=config.delivery.lease_seconds),
                        audiences=Audiences(config, storage))
    delivery = DeliveryRuntime.build(
        config, storage, clock, registry, digests.for_subscription, sleep=sleep,
        # always: feeds can be added from chat at any time
        poll_feeds=feed_poll_job(poller, FeedAlerts(config, storage, clock, registry), live),
        live=live,
    )
    feeds = FeedManager(config, storage, clock, fetcher, poller)
    answers = _answers(config, storage, clock, claims=claims, digests=digests, delivery=delivery,
                       feeds=feeds, stories=stories, prepared=prepared)
    return App(
        config=config,
        secrets=secrets or Secrets(),
        storage=storage,
        clock=clock,
        pipeline=pipeline,
        ingest=ingest,
        answers=answers,
        router=CommandRouter(config, answers),
        fetcher=fetcher,
        poller=poller,
        feeds=feeds,
        publishers=registry,
        delivery=delivery,
        owns_storage=owns_storage,
        worker=worker,
    )


def _answers(
    config: Config, storage: Storage, clock: Clock, *, claims: ClaimAnswers, digests: DigestAnswers,
    delivery: DeliveryRuntime, feeds: FeedManager, stories: StoryMemo, prepared: PreparedAnswers,
) -> CoreAnswers:
    return CoreAnswers(
        briefings=TopicBriefings(config, storage, clock, claims, stories, prepared=prepared),
        claim_ledger=claims,
        digests=digests,
        source_health=SourceAnswers(config, storage, clock),
        channel_digests=SubscriptionAnswers(
            delivery.subscriptions, storage.community_subscriptions,
            limit=config.limits.subscriptions_per_community),
        communities=CommunityAnswers(storage.communities, clock),
        community_feeds=FeedAnswers(feeds, config.bot.language,
                                    follows_changed=claims.follows_changed),
    )


def _ledger_hooks(storage: Storage, claims: ClaimAnswers) -> list[AfterItems]:
    """After new or updated items: merge claims across items and link disputes, then rank the
    claims that changed for each reader (commands read the ranks with a LIMIT)."""

    async def hook(item_ids: list[int], now: datetime) -> None:
        await update_ledger(storage, item_ids, now)
        await claims.update_ranks(item_ids)

    return [hook]
