"""Answers prepared at ingest, so that ``/digest`` and ``/deepseek`` read one row.

Ingest (after the ledger and the claim ranks, off the command path) builds again every digest and
topic briefing a reader has asked for, as data (codes and arguments, no words), and stores it
(``bot.storage.digests``); PostgreSQL workers share the rows. A command reads its row by key and
decides with one index lookup (the newest item id) whether it is current:

- no row, a row of another configuration or code, or new items since it was built: it is built
  now (bounded by the window, not the store; the CPU-bound part in a thread) and stored;
- time moved on and an item left its window (``valid_until``), less than ``GRACE`` ago: the row
  is answered as it is, its footer naming the window it covers, and a rebuild is started in the
  background, so the next reader gets the moved window;
- more than ``GRACE`` behind (a quiet bot): built now, as above.

So an answer is never more than ``GRACE`` behind the clock and says which window it covers. The
story order uses the freshness of stories at build time: a row older than ``FRESH_FOR`` is still
answered (its items are those of the window) and rebuilt in the background.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from bot.briefing import digest as digest_module
from bot.briefing import topic as topic_module
from bot.briefing.digest import Change, DigestParts
from bot.briefing.stories import StoryMemo, keys_fingerprint
from bot.briefing.topic import BriefingParts
from bot.config import Config
from bot.errors import BriefbotError
from bot.ingest import ENGINE_VERSION
from bot.model import Claim, DisputeCode, DisputeReason, Figure, Item, Link, Story
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.digests import PreparedRow

log = logging.getLogger(__name__)

PREPARED_VERSION = "1"  # bump when the stored data changes shape
FRESH_FOR = timedelta(minutes=15)  # an older row is rebuilt in the background (story order)
GRACE = timedelta(minutes=15)  # a row whose window moved is answered this long while rebuilt
NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # a row no clock moves out of its window
REPREPARED = 64  # rows built again per ingest batch at most (the most recently built first)


async def seed_story_keys(storage: Storage, items: Sequence[Item], memo: StoryMemo) -> None:
    """Story keys of ``items`` from the stored ones, so clustering reads no texts."""
    missing = [i for i in items if not memo.is_remembered(i)]
    if not missing:
        return
    stored = await storage.prepared.item_keys([i.id for i in missing])
    for item in missing:
        if item.id in stored:
            memo.remember(item, stored[item.id])


@dataclass(frozen=True)
class AnswerKey:
    """What a prepared answer is for: its kind, the sources its reader sees (None: every one),
    its topic and the language it is told in (the lead source of a story depends on it)."""

    kind: str  # "digest" | "briefing"
    sources: frozenset[int] | None
    topic: str | None
    language: str

    @property
    def row_key(self) -> str:
        scope = "all" if self.sources is None else hashlib.sha256(
            ",".join(map(str, sorted(self.sources))).encode()).hexdigest()[:20]
        return f"{self.kind}|{scope}|{self.topic or ''}|{self.language}"

    def params(self) -> str:
        return json.dumps({"sources": None if self.sources is None else sorted(self.sources),
                           "topic": self.topic, "language": self.language})

    @classmethod
    def of_row(cls, row: PreparedRow) -> AnswerKey:
        data = json.loads(row.params)
        sources = data["sources"]
        return cls(row.kind, None if sources is None else frozenset(int(s) for s in sources),
                   data["topic"], str(data["language"]))


@dataclass(frozen=True)
class Built:
    """What a builder returns: the answer's JSON and until when nothing in it moves by time."""

    body: str
    valid_until: datetime


@dataclass(frozen=True)
class Answer:
    body: str
    current: bool  # False: answered while a rebuild for the moved window runs


Builder = Callable[[AnswerKey, datetime], Awaitable[Built]]


def made_with(config: Config, builders: Sequence[ModuleType] = ()) -> str:
    """The configuration and code a row is built with: topics, feeds, the bot's language, the
    engine that analysed the items, and the sources of the modules that build and store answers
    (``builders``: those of the registered builders; a row of a changed one is never read, so a
    changed body shape cannot be parsed by code that does not know it)."""
    digest = hashlib.sha256(PREPARED_VERSION.encode())
    digest.update(repr((config.topics, sorted(f.url for f in config.feeds),
                        config.bot.language, ENGINE_VERSION)).encode())
    digest.update(keys_fingerprint().encode())
    digest.update(b"".join(_source(m) for m in (digest_module, topic_module,
                                                 sys.modules[__name__], *builders)))
    return digest.hexdigest()[:16]


def _source(module: ModuleType) -> bytes:
    try:
        return inspect.getsource(module).encode("utf-8")
    except (OSError, TypeError):  # no source (a frozen build): its name
        return module.__name__.encode()


class PreparedAnswers:
    """Reads, builds and keeps the prepared rows; the builders are registered by kind
    (``DigestAnswers``, ``TopicBriefings``)."""

    def __init__(self, storage: Storage, clock: Clock, made_with: str) -> None:
        self.storage = storage
        self.clock = clock
        self.made_with = made_with
        self.builders: dict[str, Builder] = {}
        self.rebuilding: dict[str, asyncio.Task[None]] = {}
        self._dropped = False
        self._preparing = asyncio.Lock()
        self._batches = 0  # ingest batches announced to ``after_items``
        self._prepared_upto = 0  # the batches a finished pass covered

    def register(self, kind: str, builder: Builder) -> None:
        self.builders[kind] = builder

    async def read(self, key: AnswerKey) -> Answer:
        """The answer of ``key``: current, or a row whose window moved at most GRACE ago (then
        rebuilt in the background, as one older than FRESH_FOR); else built now."""
        newest = await self.storage.answers.newest_item()
        row = await self.storage.answers.get(key.row_key)
        now = _epoch(self.clock.now())
        if row is None or row.made_with != self.made_with or row.items_seen != newest:
            return Answer(await self._build(key, newest), current=True)
        moved = now >= row.valid_until
        if moved and now >= row.valid_until + GRACE.total_seconds():
            return Answer(await self._build(key, newest), current=True)
        if moved or now >= row.prepared_at + FRESH_FOR.total_seconds():
            self._rebuild_later(key)
        return Answer(row.body, current=not moved)

    async def _build(self, key: AnswerKey, newest: int) -> str:
        now = self.clock.now()
        built = await self.builders[key.kind](key, now)
        await self.storage.answers.put(PreparedRow(
            key=key.row_key, kind=key.kind, params=key.params(), body=built.body,
            made_with=self.made_with, items_seen=newest, prepared_at=_epoch(now),
            valid_until=max(_epoch(built.valid_until), _epoch(now))))
        return built.body

    def _rebuild_later(self, key: AnswerKey) -> None:
        if key.row_key in self.rebuilding:
            return
        task = asyncio.get_running_loop().create_task(self._rebuild(key))
        self.rebuilding[key.row_key] = task
        task.add_done_callback(lambda _: self.rebuilding.pop(key.row_key, None))

    async def _rebuild(self, key: AnswerKey) -> None:
        try:
            await self._build(key, await self.storage.answers.newest_item())
        except BriefbotError as error:  # the row stays stale: the next read builds it
            log.warning("prepared answer %s not rebuilt: %s", key.row_key, error)
        except Exception:  # a background task: said here, or never
            log.exception("prepared answer %s not rebuilt", key.row_key)

    async def after_items(self, item_ids: list[int], now: datetime) -> None:
        """The ingest step after the ledger and the claim ranks: build again every row readers
        asked for (at most REPREPARED), so the first command after an ingest reads a current
        one. Batches stored while a pass runs share the next pass (feeds polled at once do not
        each build every row). A row that cannot be built is left stale (its next read builds
        it)."""
        if not item_ids:
            return
        self._batches += 1
        mine = self._batches
        async with self._preparing:
            if self._prepared_upto >= mine:
                return  # a pass that began after this batch was stored covered it
            upto = self._batches
            # the batches may hold updated items (same ids): no row built before is current.
            # Here, not before the lock: an await there let batches announced together each
            # start a pass of their own
            await self.expire()
            await self._prepare_all()
            self._prepared_upto = upto

    async def expire(self) -> None:
        """No row built before now is current (items changed without a new id). Never raises:
        a row that stays marked current is at most one ingest pass behind."""
        try:
            await self.storage.answers.expire_all()
        except BriefbotError as error:
            log.warning("prepared answers not marked out of date: %s", error)

    async def _prepare_all(self) -> None:
        if not self._dropped:
            await self.storage.answers.drop_other(self.made_with)
            self._dropped = True
        newest = await self.storage.answers.newest_item()
        for row in await self.storage.answers.rows(self.made_with, REPREPARED):
            if row.kind not in self.builders:
                continue
            try:
                await self._build(AnswerKey.of_row(row), newest)
            except BriefbotError as error:
                log.warning("prepared answer %s not built: %s", row.key, error)
            except Exception:  # a row of an older shape or a bug: the others are still built
                log.exception("prepared answer %s not built", row.key)

    async def settle(self) -> None:
        """Wait for the rebuilds under way (tests; closing the app)."""
        while self.rebuilding:
            await asyncio.gather(*list(self.rebuilding.values()), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


# --- the rows' data ---------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _link(link: Link) -> list[Any]:
    return [link.title, link.url, _time(link.published), link.language]


def _parse_link(raw: list[Any]) -> Link:
    return Link(raw[0], raw[1], _parse_time(raw[2]), raw[3])


def _reason(reason: DisputeReason) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(reason).items()}


def _parse_reason(raw: dict[str, Any]) -> DisputeReason:
    data = dict(raw)
    return DisputeReason(code=DisputeCode(data.pop("code")), values=tuple(data.pop("values")),
                         **data)


def claim_data(claim: Claim) -> dict[str, Any]:
    return {"id": claim.id, "claimant": claim.claimant, "text": claim.text, "kind": claim.kind,
            "cue": claim.cue, "hedged": claim.hedged, "hedges": list(claim.hedges),
            "evidence": claim.evidence, "disputes": list(claim.disputes),
            "reasons": [_reason(r) for r in claim.dispute_reasons], "topics": list(claim.topics),
            "first_seen": _time(claim.first_seen), "last_seen": _time(claim.last_seen),
            "sources": [_link(s) for s in claim.sources], "language": claim.language}


def parse_claim(raw: dict[str, Any]) -> Claim:
    return Claim(
        id=raw["id"], claimant=raw["claimant"], text=raw["text"], kind=raw["kind"],
        cue=raw["cue"], hedged=raw["hedged"], hedges=tuple(raw["hedges"]),
        evidence=raw["evidence"], disputes=tuple(raw["disputes"]),
        dispute_reasons=tuple(_parse_reason(r) for r in raw["reasons"]),
        topics=tuple(raw["topics"]), first_seen=_parse_time(raw["first_seen"]),
        last_seen=_parse_time(raw["last_seen"]),
        sources=tuple(_parse_link(s) for s in raw["sources"]), language=raw["language"])


def _story(story: Story) -> dict[str, Any]:
    return {"headline": story.headline, "bullets": list(story.bullets),
            "first_seen": _time(story.first_seen), "sources": [_link(s) for s in story.sources],
            "language": story.language}


def _parse_story(raw: dict[str, Any]) -> Story:
    first_seen = _parse_time(raw["first_seen"])
    assert first_seen is not None  # a story always has a first item
    return Story(headline=raw["headline"], bullets=tuple(raw["bullets"]), first_seen=first_seen,
                 sources=tuple(_parse_link(s) for s in raw["sources"]), language=raw["language"])


def digest_parts_data(parts: DigestParts) -> dict[str, Any]:
    return {"bullets": list(parts.bullets), "stories": [_story(s) for s in parts.stories],
            "new_claims": [claim_data(c) for c in parts.new_claims],
            "changes": [[c.code, list(c.args)] for c in parts.changes], "topic": parts.topic}


def parse_digest_parts(raw: dict[str, Any]) -> DigestParts:
    return DigestParts(
        bullets=tuple(raw["bullets"]), stories=tuple(_parse_story(s) for s in raw["stories"]),
        new_claims=tuple(parse_claim(c) for c in raw["new_claims"]),
        changes=tuple(Change(code, tuple(args)) for code, args in raw["changes"]),
        topic=raw["topic"])


def _figure(figure: Figure) -> list[Any]:
    return [figure.value, figure.measures, figure.source, figure.url]


def briefing_parts_data(parts: BriefingParts) -> dict[str, Any]:
    return {"count": parts.count, "figures": [_figure(f) for f in parts.figures],
            "newest": [_link(link) for link in parts.newest]}


def parse_briefing_parts(raw: dict[str, Any]) -> BriefingParts:
    return BriefingParts(count=int(raw["count"]),
                         figures=tuple(Figure(*f) for f in raw["figures"]),
                         newest=tuple(_parse_link(link) for link in raw["newest"]))
