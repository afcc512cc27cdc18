"""Ingest: turning seed files and feed entries into stored, analysed items.

All the expensive work (cleaning, splitting, summarizing, claim extraction) happens here, once per new
or changed item, so that commands only read.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bot.briefing.placement import StoredStories, assign_story, place_unplaced
from bot.briefing.stories import item_keys, keys_fingerprint
from bot.claims.ledger import index_claims
from bot.claims.merge import replace_item_claims
from bot.config import TopicConfig
from bot.errors import IngestError, StorageError
from bot.model import Analysis, Item
from bot.ports import Clock
from bot.storage import Storage
from bot.storage.items import NewItem
from bot.storage.sources import SourceRow
from bot.text.clean import clean_html, clean_plain_text, looks_like_html
from bot.text.pipeline import TextPipeline
from bot.text.pool import Analysed, AnalysisPool, Failed, ItemFacts, Job
from bot.topics import sync_item_topics, topic_scores

log = logging.getLogger(__name__)

Status = Literal["new", "updated", "unchanged"]
SEED_SUFFIXES = (".txt", ".md", ".html", ".htm")
AfterItems = Callable[[list[int], datetime], Awaitable[None]]

# The version of the engine deriving an item's analysis (summary bullets, sentences, figures,
# claims) and, through the ledger hooks, its claim links and dispute reasons. Bump it when any of
# them would come out differently: a start with a newer engine re-derives every stored item in the
# background (``IngestService.rederive_stale``), so an upgraded bot never shows the old output. Kept
# in the ``meta`` table under ENGINE_META.
ENGINE_VERSION = "3"  # raise whenever the stored analysis would come out differently
ENGINE_META = "engine"
# "<engine version>:<last item id>" of a re-derivation under way (``rederive_stale``)
ENGINE_PROGRESS_META = "engine-progress"
PROGRESS_EVERY = 1000  # items between two log lines of a re-derivation
_PROBE_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # topics and story keys never read an item's time


@dataclass(frozen=True)
class RawArticle:
    """An article ready for analysis: clean body text plus metadata."""

    key: str
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    teaser: str | None = None
    language: str | None = None
    digest_eligible: bool = True


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What ``ingest_articles`` did with one article: its item and status, or why not stored."""

    item_id: int | None = None
    status: Status | None = None
    error: str | None = None


@dataclass(frozen=True)
class Pending:
    """An article to analyse and store; ``looked_up``: no item had its key when looked up."""

    article: RawArticle
    looked_up: bool = False


@dataclass(frozen=True)
class SeedResult:
    path: Path
    status: Status | Literal["error"]
    title: str = ""
    error: str | None = None


class IngestService:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        pipeline: TextPipeline,
        *,
        after_items: Sequence[AfterItems] = (),
        topics: tuple[TopicConfig, ...] | None = None,
        processes: int = 0,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.pipeline = pipeline
        # the analysis of new items runs here: worker processes, or a thread when 0; with
        # processes, their topic scores and story keys too (in a thread of this process they
        # would only contend for the interpreter lock with the loop and the database thread)
        facts_of = FactsOfItem(topics) if topics is not None and processes > 0 else None
        self.pool = AnalysisPool(pipeline, processes, facts_of)
        # hooks run after a batch of new/updated items (e.g. ledger merge and dispute linking)
        self.after_items = list(after_items)
        # the configured topics: each item's topics and story keys are stored with it (None: left
        # to ``prepare_storage`` on the read side)
        self.topics = topics

    async def close(self) -> None:
        """Stop the analysis processes."""
        await self.pool.close()

    async def _analyze(self, text: str, language: str | None) -> Analysis:
        (outcome,) = await self.pool.analyze([Job(text, language)])
        if isinstance(outcome, Failed):
            raise IngestError(f"the analysis failed ({outcome.reason})")
        return outcome

    async def _own_topics(self) -> None:
        """The stored topics must be those of this config before adding to them (another app on
        the same file may have rebuilt them for its own): ``meta`` always says whose they are."""
        if self.topics is not None:
            await sync_item_topics(self.storage, self.topics)

    async def prepare(self) -> None:
        """At start: rebuild what is derived from items if the topics config or the deriving code
        changed, and derive it for items stored without it."""
        if self.topics is not None:
            await prepare_storage(self.storage, self.topics)

    async def stale(self) -> bool:
        """True when the stored analyses were made by another engine version (or, in a database
        from before versions were stored, by an unknown one)."""
        if await self.storage.prepared.meta(ENGINE_META) == ENGINE_VERSION:
            return False
        if await self.storage.items.count() == 0:  # nothing derived yet: this engine's from now
            async with self.storage.db.transaction():
                await self.storage.prepared.set_meta(ENGINE_META, ENGINE_VERSION)
            return False
        return True

    async def rederive_stale(self, *, batch: int = 20,
                             still_ours: Callable[[], Awaitable[bool]] | None = None) -> int:
        """Re-analyse every stored item when ``stale()``: one item per transaction, so commands
        keep answering (from the old rows until each is replaced). Run it in the background at
        start. Returns how many items this call re-analysed. A chunk's analyses run together in
        the pool (all its processes), not one item after another.

        Items are read a chunk at a time (a whole 10,000-item store held at once took the bot's
        process from 50 to over 200 MiB), and the last id done is stored after each chunk
        (ENGINE_PROGRESS_META): a bot stopped halfway goes on from there at its next start
        instead of starting over, which at analysis speed would never finish on a large store.

        ``still_ours``: asked before each chunk (several workers on one database: the role lock
        of the one that re-derives, renewed); False stops here, the progress kept for the next.

        Raises:
            IngestError: an analysis failed; the items before it are re-derived.
        """
        if not await self.stale():
            return 0
        after = await self._rederived_up_to()
        total = await self.storage.items.count()
        done = 0
        while ids := await self.storage.items.ids_after(after, limit=batch):
            if still_ours is not None and not await still_ours():
                log.info("re-deriving stopped after %d item(s): another worker holds the role",
                         done)
                return done
            await self._rederive_chunk(await self.storage.items.by_ids(ids))
            after = ids[-1]
            async with self.storage.db.transaction():
                await self.storage.prepared.set_meta(ENGINE_PROGRESS_META,
                                                     f"{ENGINE_VERSION}:{after}")
            done += len(ids)
            if done % PROGRESS_EVERY < len(ids):
                log.info("re-deriving stored items with engine %s: %d done, items up to id %d "
                         "(%d stored)", ENGINE_VERSION, done, after, total)
        async with self.storage.db.transaction():
            await self.storage.prepared.set_meta(ENGINE_META, ENGINE_VERSION)
        log.info("re-derived %d stored item(s) with engine %s", done, ENGINE_VERSION)
        return done

    async def _rederived_up_to(self) -> int:
        """The last item id an interrupted re-derivation with this engine finished (else 0)."""
        progress = await self.storage.prepared.meta(ENGINE_PROGRESS_META) or ""
        version, _, last_id = progress.partition(":")
        return int(last_id) if version == ENGINE_VERSION and last_id.isdigit() else 0

    async def _rederive_chunk(self, chunk: list[Item]) -> None:
        now = self.clock.now()
        jobs = [Job(item.text, item.language) for item in chunk]
        outcomes = [o async for part in self.pool.batches(jobs) for o in part]
        for item, analysis in zip(chunk, outcomes, strict=True):
            if isinstance(analysis, Failed):
                raise IngestError(f"the analysis failed ({analysis.reason})")
            async with self.storage.db.transaction():
                await self.storage.items.replace_analysis(item.id, analysis)
                await replace_item_claims(self.storage, item.id, analysis.claims, now)
        await self.run_hooks([item.id for item in chunk], now)

    async def ingest_article(
        self, source: SourceRow, article: RawArticle, *, run_hooks: bool = True
    ) -> tuple[int, Status]:
        """Store one article: analysed only when new or changed. Returns (item id, status).

        Raises:
            IngestError: the analysis failed or its process died.
        """
        now = self.clock.now()
        digest = content_hash(article.title, article.text)
        found = await self.storage.items.find(article.key, source_id=source.id)
        if found is not None and found[1] == digest:
            return found[0], "unchanged"
        analysis = await self._analyze(article.text, article.language)
        async with self.storage.db.transaction():  # the item, its claims and topics: one commit
            item_id, status = await self._store(source, article, analysis, now,
                                                looked_up=found is None)
        if run_hooks and status != "unchanged":
            await self.run_hooks([item_id], now)
        return item_id, status

    async def ingest_articles(
        self, source: SourceRow, articles: Sequence[RawArticle]
    ) -> list[Stored]:
        """Store a feed's articles, each analysed only when new or changed, as ``ingest_article``
        does one; the hooks are left to the caller. The analyses run in the pool while the
        finished ones are stored, one transaction per chunk.

        Raises:
            WorkerDied: an analysis process died; the articles stored before it are in the
                database, the others are not (the next poll finds them new again).
        """
        now = self.clock.now()
        out: list[Stored | None] = []
        pending: list[tuple[int, Pending]] = []
        # one query for the feed's keys instead of one per article
        states = await self.storage.items.feed_states([a.key for a in articles],
                                                      source_id=source.id)
        for article in articles:
            found = states.get(article.key)
            if found is not None and found[1] == content_hash(article.title, article.text):
                out.append(Stored(found[0], "unchanged"))
            else:
                pending.append((len(out), Pending(article, looked_up=found is None)))
                out.append(None)
        done = 0
        jobs = [Job(p.article.text, p.article.language, p.article.title) for _, p in pending]
        async for batch in self.pool.analysed_batches(jobs):
            chunk = [(p, outcome) for (_, p), outcome in zip(pending[done:], batch, strict=False)]
            places = [place for place, _ in pending[done:done + len(batch)]]
            done += len(batch)
            for place, stored in zip(places, await self._store_batch(source, chunk, now),
                                     strict=True):
                out[place] = stored
        return [o or Stored(error="not analysed") for o in out]

    async def _store_batch(
        self, source: SourceRow, chunk: list[tuple[Pending, Analysed | Failed]], now: datetime,
    ) -> list[Stored]:
        """One transaction for the chunk; if storing one item fails (a bug, not the database),
        one transaction per item, so that only that item is skipped."""
        try:
            async with self.storage.db.transaction():
                return [await self._store_outcome(source, pending, outcome, now)
                        for pending, outcome in chunk]
        except StorageError:
            raise
        except Exception:
            log.debug("storing a batch failed; storing its items one by one", exc_info=True)
        return [await self._store_alone(source, pending, outcome, now)
                for pending, outcome in chunk]

    async def _store_alone(
        self, source: SourceRow, pending: Pending, outcome: Analysed | Failed, now: datetime
    ) -> Stored:
        try:
            async with self.storage.db.transaction():
                return await self._store_outcome(source, pending, outcome, now)
        except StorageError:
            raise
        except Exception as e:  # a bug in one item's derived data must not stop the others
            log.debug("item %s failed", pending.article.key, exc_info=True)
            return Stored(error=f"internal error ({type(e).__name__}: {e})")

    async def _store_outcome(
        self, source: SourceRow, pending: Pending, outcome: Analysed | Failed, now: datetime
    ) -> Stored:
        if isinstance(outcome, Failed):
            return Stored(error=f"the analysis failed ({outcome.reason})")
        return Stored(*await self._store(source, pending.article, outcome.analysis, now,
                                         looked_up=pending.looked_up, facts=outcome.facts))

    async def _store(
        self, source: SourceRow, article: RawArticle, analysis: Analysis, now: datetime, *,
        looked_up: bool = False, facts: ItemFacts | None = None,
    ) -> tuple[int, Status]:
        """Store an analysed article, its claims and what is derived from it (inside the
        caller's transaction)."""
        item = NewItem(
            key=article.key,
            title=article.title,
            url=article.url,
            published=article.published,
            language=analysis.language,
            text=article.text,
            content_hash=content_hash(article.title, article.text),
            bullets=analysis.bullets,
            sentences=tuple((s.start, s.end) for s in analysis.sentences),
            figures=analysis.figures,
            teaser=article.teaser,
            digest_eligible=article.digest_eligible,
        )
        item_id, status = await self.storage.items.upsert(source.id, item, now,
                                                           looked_up=looked_up)
        await replace_item_claims(self.storage, item_id, analysis.claims, now,
                                  new_item=status == "new")
        if status != "unchanged":
            await self.after_stored(_as_item(item_id, source.id, item, now), facts)
        return item_id, status

    async def after_stored(self, item: Item, facts: ItemFacts | None = None) -> None:
        """What is derived from a new or changed item, stored in its transaction: its topic
        scores, its story keys and its story (joined or started by index lookups: commands
        read stories, never group items). ``facts``: the scores and keys, when the analysis
        process derived them already."""
        if self.topics is not None:
            await self._own_topics()
            scores, keys = ((facts.topic_scores, facts.story_keys) if facts is not None
                            else derive(self.topics, item))
            await self.storage.prepared.set_item_topics(item.id, scores)
            await self.storage.prepared.set_item_keys(item.id, keys)
            await assign_story(StoredStories(self.storage), item, keys)

    async def run_hooks(self, item_ids: list[int], now: datetime) -> None:
        for hook in self.after_items:
            await hook(item_ids, now)

    async def ingest_seeds(self, directory: Path) -> list[SeedResult]:
        """Ingest every seed file; a broken file is reported and the others go on."""
        paths = await asyncio.to_thread(seed_files, directory)
        results: list[SeedResult] = []
        changed: list[int] = []
        for path in paths:
            try:
                article = read_seed(path)
                source = await self.storage.sources.ensure(
                    "seed", f"seed:{path.name}", path.name, self.clock.now()
                )
                item_id, status = await self.ingest_article(source, article, run_hooks=False)
            except StorageError:
                raise  # the database, not the seed: nothing else can be stored either
            except (OSError, UnicodeDecodeError, IngestError) as e:
                log.warning("seed %s skipped: %s", path.name, e)
                results.append(SeedResult(path, "error", error=str(e)))
                continue
            except Exception as e:  # a bug in one analysis step must not stop the other seeds
                log.exception("seed %s failed", path.name)
                results.append(SeedResult(path, "error", error=f"internal error: {e}"))
                continue
            if status != "unchanged":
                changed.append(item_id)
            results.append(SeedResult(path, status, article.title))
        if changed:
            await self.run_hooks(changed, self.clock.now())
        return results


def _as_item(item_id: int, source_id: int, item: NewItem, now: datetime) -> Item:
    return Item(id=item_id, source_id=source_id, key=item.key, title=item.title, url=item.url,
                published=item.published, ingested_at=now, language=item.language, text=item.text,
                content_hash=item.content_hash, bullets=item.bullets,
                digest_eligible=item.digest_eligible)


def derive(topics: tuple[TopicConfig, ...], item: Item) -> tuple[dict[str, int], frozenset[str]]:
    """An item's topic scores and story keys, so that commands select instead of recompute."""
    return topic_scores(topics, item.title, item.text), item_keys(item)


@dataclass(frozen=True)
class FactsOfItem:
    """``derive`` in the analysis process, on what the stored item will hold: the job's title and
    text with the analysis's language and bullets (``_as_item`` builds the same from them)."""

    topics: tuple[TopicConfig, ...]

    def __call__(self, job: Job, analysis: Analysis) -> ItemFacts:
        probe = Item(id=0, source_id=0, key="", title=job.title, url=None, published=None,
                     ingested_at=_PROBE_TIME, language=analysis.language, text=job.text,
                     content_hash="", bullets=analysis.bullets)
        scores, keys = derive(self.topics, probe)
        return ItemFacts(scores, keys)


async def store_derived(storage: Storage, topics: tuple[TopicConfig, ...], item: Item) -> None:
    scores, keys = derive(topics, item)
    await storage.prepared.set_item_topics(item.id, scores)
    await storage.prepared.set_item_keys(item.id, keys)


async def prepare_storage(storage: Storage, topics: tuple[TopicConfig, ...]) -> None:
    """Bring the derived tables up to date: all item topics when the topics config changed, all
    story keys and stories when the code computing them changed, claim keys of claims without
    any, both for items stored without them (before migration 2, or by an ingest without
    topics), and the stories of items without one (before migration 8)."""
    await sync_item_topics(storage, topics)
    fingerprint = keys_fingerprint()
    if await storage.prepared.meta("item_keys") != fingerprint:
        async with storage.db.transaction():
            await storage.prepared.clear_item_keys()
            await storage.stories.clear()  # placed by the old keys: placed again below
            await storage.prepared.set_meta("item_keys", fingerprint)
    await index_claims(storage)
    missing = await storage.prepared.unprepared_items()
    for start in range(0, len(missing), 200):
        async with storage.db.transaction():
            for item in await storage.items.by_ids(missing[start:start + 200]):
                await store_derived(storage, topics, item)
    # stories of items stored before migration 8 or placed by an old keying
    await place_unplaced(storage)


def seed_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise IngestError(
            f"seed directory {directory} does not exist; create it or set [seeds] directory"
        )
    return sorted(
        p for p in directory.iterdir() if p.suffix.lower() in SEED_SUFFIXES and p.is_file()
    )


def read_article_file(path: Path) -> tuple[str, str | None, str, tuple[int, ...]]:
    """(decoded text as read, title, clean text, offsets into the decoded text) of a file."""
    raw = path.read_bytes()
    head = raw[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or controls > len(head) // 20:
        raise IngestError(f"{path.name} is a binary file; give a text (.txt, .md) or HTML file")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # older exports are often Windows-1252/Latin-1; every byte decodes, so nothing is lost
        decoded = raw.decode("cp1252", errors="replace")
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(decoded):
        clean = clean_html(raw)
        return decoded, clean.title, clean.text, clean.offsets
    clean = clean_plain_text(decoded)
    return decoded, clean.title, clean.text, clean.offsets


def read_seed(path: Path) -> RawArticle:
    _, title, text, _ = read_article_file(path)
    if not text.strip() and title and len(title) > 120:
        # one long line with no headline above it: it is the body
        text, title = title, None
    if not text.strip():
        raise IngestError(f"{path.name} has no article text")
    return RawArticle(key=f"seed:{path.name}", title=title or path.stem, text=text)
