"""The composition root: the one place where briefbot's parts are wired together.

Everything with side effects is a keyword-only injectable so tests can swap in fakes (an in-memory
database, a fixed clock, a fake fetcher, recording publishers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.answers import CoreAnswers
from bot.briefing.summary import SUMMARY_WORDS, ExtractiveSummarizer
from bot.commands import CommandRouter
from bot.config import Config, Secrets
from bot.ingest import IngestService
from bot.ports import Clock, Fetcher, Publisher, SystemClock
from bot.storage import Storage
from bot.text.pipeline import TextPipeline


@dataclass
class App:
    config: Config
    secrets: Secrets
    storage: Storage
    clock: Clock
    pipeline: TextPipeline
    ingest: IngestService
    answers: CoreAnswers
    router: CommandRouter
    fetcher: Fetcher | None = None
    publishers: dict[str, Publisher] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    _owns_storage: bool = True

    async def close(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.close()
        if self._owns_storage:
            await self.storage.close()


async def build_app(
    config: Config,
    *,
    secrets: Secrets | None = None,
    storage: Storage | None = None,
    clock: Clock | None = None,
    fetcher: Fetcher | None = None,
    publishers: Iterable[Publisher] = (),
    pipeline: TextPipeline | None = None,
) -> App:
    """Build the app from the config. The caller closes it with ``await app.close()``."""
    owns = storage is None
    # before opening anything that would need closing
    pipeline = pipeline or shared_pipeline(config.briefing.summary_words)
    storage = storage or await Storage.open(config.storage.database)
    clock = clock or SystemClock()
    answers = CoreAnswers(config, storage, clock)
    ingest = IngestService(storage, clock, pipeline, after_items=_ledger_hooks(storage),
                           topics=config.topics)
    try:
        await ingest.prepare()  # derived tables follow the topics config (bot.ingest)
    except BaseException:
        if owns:
            await storage.close()
        raise
    router = CommandRouter(config, answers)
    return App(
        config=config,
        secrets=secrets or Secrets(),
        storage=storage,
        clock=clock,
        pipeline=pipeline,
        ingest=ingest,
        answers=answers,
        router=router,
        fetcher=fetcher,
        publishers={p.platform: p for p in publishers},
        _owns_storage=owns,
    )


_PIPELINES: dict[int, TextPipeline] = {}


def shared_pipeline(summary_words: int = SUMMARY_WORDS) -> TextPipeline:
    """One pipeline per process (and summary length): its tokenizers and lemma tables load once."""
    if summary_words not in _PIPELINES:
        summarizer = ExtractiveSummarizer(summary_words=summary_words)
        _PIPELINES[summary_words] = TextPipeline(summarizer=summarizer)
    return _PIPELINES[summary_words]


def _ledger_hooks(storage: Storage) -> list[Any]:
    """After new or updated items: merge claims across items and link disputes."""
    try:
        from bot.claims.ledger import update_ledger
    except ImportError:
        return []

    async def hook(item_ids: list[int], now: Any) -> None:
        await update_ledger(storage, item_ids, now)

    return [hook]
